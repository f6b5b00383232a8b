// The page's shell: the two sections (Cantines, Fuites) behind the address's hash
// (`#/cantines?c=…&semaine=…`, `#/fuites?alarme=…`, so that a view can be bookmarked or shared),
// the language switch (French by default, English on demand, remembered), and the texts of the
// static frame.

import { t, lang, setLang } from './i18n.js';
import * as canteens from './canteens.js';
import * as leaks from './leaks.js';

const ROUTES = {
  cantines: { view: canteens, title: 'nav.canteens' },
  fuites: { view: leaks, title: 'nav.leaks' },
};
const DEFAULT_ROUTE = 'cantines';

let current = null;

function parseHash() {
  const hash = window.location.hash;
  if (!hash.startsWith('#/')) return { name: DEFAULT_ROUTE, params: new URLSearchParams(), known: true };
  const [path, query = ''] = hash.slice(2).split('?');
  const name = path || DEFAULT_ROUTE;
  return { name, params: new URLSearchParams(query), known: name in ROUTES };
}

/** Changes the address; with `replace`, without a new history entry nor a new rendering. */
function go(hash, { replace = false } = {}) {
  if (replace) window.history.replaceState(null, '', hash);
  else window.location.hash = hash;
}

function translateFrame() {
  document.documentElement.lang = lang();
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const element of document.querySelectorAll('[data-i18n-label]')) element.setAttribute('aria-label', t(element.dataset.i18nLabel));
  const button = document.getElementById('lang-switch');
  button.textContent = t('lang.switch');
  button.lang = lang() === 'fr' ? 'en' : 'fr';
  button.setAttribute('aria-label', t('lang.switch.label'));
  if (current) document.title = `${t(ROUTES[current].title)} — ${t('app.name')}`;
}

async function route({ focus = true } = {}) {
  const { name, params, known } = parseHash();
  const view = document.getElementById('view');
  if (!known) {
    if (current) ROUTES[current].view.leave();
    current = null;
    view.replaceChildren(Object.assign(document.createElement('p'), { className: 'problem', textContent: t('notfound') }));
    return;
  }
  if (current && current !== name) ROUTES[current].view.leave();
  current = name;
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.route === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${t(ROUTES[name].title)} — ${t('app.name')}`;
  const entering = ROUTES[name].view.enter(view, params, go);
  if (focus) document.getElementById('view-title')?.focus({ preventScroll: false });
  await entering;
}

function start() {
  translateFrame();
  document.getElementById('lang-switch').addEventListener('click', () => {
    setLang(lang() === 'fr' ? 'en' : 'fr');
    translateFrame();
    if (current) ROUTES[current].view.render();
  });
  // The skip link must not be taken for a route.
  document.getElementById('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById('main').focus();
  });
  window.addEventListener('hashchange', () => {
    if (window.location.hash.startsWith('#/') || window.location.hash === '') route();
  });
  route({ focus: false });
}

start();
