// Building the page: a small element helper, loading states, the live region that screen readers
// announce, and the readable form of an API refusal.

import { t, labelValue } from './i18n.js';
import { ApiProblem } from './api.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(element, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') element.setAttribute('class', value);
    else if (name === 'text') element.textContent = value;
    else if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** `h('p', {class: 'x'}, 'text', child…)`. */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** The same for SVG elements. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function replace(container, ...children) {
  container.replaceChildren();
  build(container, {}, children);
  return container;
}

/** Says something to screen readers without moving the focus. */
export function announce(text) {
  const live = document.getElementById('live');
  if (!live) return;
  live.textContent = '';
  // A separate task, so that the same message twice is announced twice.
  setTimeout(() => { live.textContent = text; }, 30);
}

/** Marks `region` as loading and shows a short message in it. */
export function loading(region, message = t('common.loading')) {
  region.setAttribute('aria-busy', 'true');
  replace(region, h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), message));
}

export function loaded(region) {
  region.removeAttribute('aria-busy');
}

/** Whether trying the same request again may help (server busy or unreachable), not for bad requests. */
function retryable(error) {
  return !(error instanceof ApiProblem) || error.status >= 500 || error.status === 408 || error.status === 429;
}

/**
 * The readable form of a failure: what the server said (the problem's title and detail), what it
 * means in plain words, and a way forward (try again, or go back).
 */
export function problemBox(error, retry, back) {
  const box = h('div', { class: 'problem', role: 'alert' });
  if (error instanceof ApiProblem) {
    box.append(
      h('p', { class: 'problem-title' }, `${t('common.refused')} `,
        h('span', { class: 'problem-kind' }, `${error.title} (${error.status})`)),
      h('p', { class: 'problem-detail' }, error.detail),
    );
    for (const e of error.errors ?? []) {
      if (!error.detail.includes(e.message)) box.append(h('p', { class: 'problem-field' }, labelValue(e.field, e.message)));
    }
    const hint = [400, 401, 403, 404, 413, 422, 503].includes(error.status) ? t(`problem.hint.${error.status}`) : null;
    if (hint) box.append(h('p', { class: 'problem-hint' }, hint));
  } else {
    box.append(h('p', { class: 'problem-title' }, t('common.unreachable')));
    if (error?.message) box.append(h('p', { class: 'problem-detail' }, error.message));
  }
  const actions = h('p', { class: 'problem-actions' });
  if (retry && retryable(error)) actions.append(h('button', { type: 'button', class: 'button', onclick: retry }, t('common.retry')));
  if (back) actions.append(h('a', { href: back.href, class: 'button' }, back.label));
  if (actions.childNodes.length) box.append(actions);
  return box;
}

/** Shows `error` in `region` (no longer loading). */
export function showProblem(region, error, retry, back) {
  loaded(region);
  replace(region, problemBox(error, retry, back));
  announce(error instanceof ApiProblem ? `${error.title}. ${error.detail}` : t('common.unreachable'));
}

/** A table from a caption, column headers and rows of cells; the first cell of a row heads it. */
export function table({ caption, columns, rows, className = 'data', numeric = [] }) {
  return h('table', { class: className },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map((c, i) => h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : null }, c)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c, i) => (i === 0
      ? h('th', { scope: 'row' }, c)
      : h('td', { class: numeric.includes(i) ? 'num' : null }, c)))))));
}
