// "Cantines": for a canteen and a week, the meals forecast and to order day by day; for a chosen
// day, the forecast's explanation (waterfall of contributions in meals, reasons in words, menu,
// link to the public-algorithm notice); and the recent history of meals served vs Prévoir's and
// the agents' forecasts. Everything shown comes from the API; the page only rounds and adds up.

import { get, post, withQuery } from './api.js';
import { h, replace, loading, loaded, showProblem, problemBox, announce, table } from './dom.js';
import { t, pick, labelValue } from './i18n.js';
import { int, signed, percent, longDay, dayMonth, plainDay, shortDay, addDays, mondayOf, isValidDay, capitalise } from './format.js';
import { waterfall, lineChart, responsive } from './charts.js';

/** Factors shown one by one in the detailed view; the others are added up. */
const DETAILED_FACTORS = 10;

const state = {
  catalogues: new Map(), // horizon (or 'default') → GET /v1/canteens answer
  horizon: null,
  canteenId: null,
  week: null, // Monday, YYYY-MM-DD
  day: null,
  view: 'groups',
  weekDays: [], // [{date, forecast|null, inRange}]
  history: null,
  historyError: null,
  weekError: null,
  request: 0,
};

let root = null;
let navigate = () => {};
/** Each chart's way to stop following its container's size, by chart. */
const charts = new Map();

function keepChart(name, stop) {
  charts.get(name)?.();
  charts.set(name, stop);
}

function stopAllCharts() {
  for (const stop of charts.values()) stop();
  charts.clear();
}

function catalogue() {
  return state.catalogues.get(state.horizon);
}

function canteen() {
  return catalogue().canteens.find((c) => c.id === state.canteenId);
}

/** Names as the open data write them (`JULES FERRY`), in a friendlier case (`Jules Ferry`). */
export function canteenName(name) {
  return name.trim().toLocaleLowerCase('fr-FR').replace(/(^|[\s'’-])(\p{L})/gu, (_, sep, letter) => sep + letter.toLocaleUpperCase('fr-FR'));
}

function horizonLabel(days) {
  if (days <= 2) return t('canteens.horizon.cook', { days });
  if (days >= 7) return t('canteens.horizon.order', { days });
  return t('canteens.horizon.other', { days });
}

/** Rounds `values` to integers that add up to `total` (largest remainders), each off by less than 1. */
export function roundToTotal(values, total) {
  const floors = values.map((v) => Math.floor(v));
  let remaining = total - floors.reduce((a, b) => a + b, 0);
  const order = values.map((v, i) => [v - Math.floor(v), i]).sort((a, b) => b[0] - a[0]);
  const out = floors.slice();
  for (let k = 0; remaining > 0 && k < order.length; k += 1, remaining -= 1) out[order[k][1]] += 1;
  for (let k = order.length - 1; remaining < 0 && k >= 0; k -= 1, remaining += 1) out[order[k][1]] -= 1;
  return out;
}

function currentHash() {
  const params = new URLSearchParams({ c: state.canteenId, semaine: state.week, jour: state.day ?? '', h: String(state.horizon), vue: state.view });
  return `#/cantines?${params}`;
}

function updateHash() {
  navigate(currentHash(), { replace: true });
}

async function loadCatalogue(horizon) {
  const key = horizon ?? 'default';
  if (!state.catalogues.has(key)) {
    const answer = await get(withQuery('/v1/canteens', { horizon }));
    state.catalogues.set(key, answer);
  }
  return state.catalogues.get(key);
}

/** Entering the page (or changing its parameters in the address). */
export async function enter(container, params, go) {
  root = container;
  navigate = go;
  stopAllCharts();
  const request = ++state.request;
  const main = h('div', { class: 'view-body', 'aria-live': 'off' });
  replace(root, header(), main);
  loading(main);
  try {
    const first = await loadCatalogue(null);
    const defaultHorizon = first.horizons.includes(28) ? 28 : first.horizons[first.horizons.length - 1];
    state.catalogues.set(defaultHorizon, first);
    const wanted = params.get('h') ? Number(params.get('h')) : (state.horizon ?? defaultHorizon);
    if (!state.catalogues.has(wanted)) state.catalogues.set(wanted, await loadCatalogue(wanted));
    if (request !== state.request) return;
    state.horizon = wanted;
  } catch (error) {
    if (request !== state.request) return;
    showProblem(main, error, () => enter(container, params, go), { href: '#/cantines', label: t('canteens.back') });
    return;
  }
  const cat = catalogue();
  const wantedCanteen = params.get('c') ?? state.canteenId;
  state.canteenId = cat.canteens.some((c) => c.id === wantedCanteen) ? wantedCanteen : cat.canteens[0]?.id;
  const weekParam = params.get('semaine');
  state.week = isValidDay(weekParam) ? mondayOf(weekParam) : (state.week ?? defaultWeek(cat));
  const dayParam = params.get('jour');
  state.day = isValidDay(dayParam) && mondayOf(dayParam) === state.week ? dayParam : null;
  state.view = params.get('vue') === 'detail' ? 'detail' : 'groups';
  loaded(main);
  render();
  await refresh();
}

/** The week shown first: today's if the model can forecast it, else the last week with data. */
function defaultWeek(cat) {
  const today = new Date().toISOString().slice(0, 10);
  if (today >= cat.forecastable_from && today <= cat.forecastable_to) return mondayOf(today);
  return mondayOf(cat.data_cutoff <= cat.forecastable_to ? cat.data_cutoff : cat.forecastable_to);
}

function header() {
  return h('header', { class: 'view-header' },
    h('h1', { id: 'view-title', tabindex: '-1' }, t('canteens.title')),
    h('p', { class: 'lead' }, t('canteens.lead')));
}

/** Fetches the week and the history for the current choices, and shows each as it arrives. */
async function refresh() {
  const request = ++state.request;
  const cat = catalogue();
  const days = Array.from({ length: 7 }, (_, i) => addDays(state.week, i));
  const inRange = days.filter((d) => d >= cat.forecastable_from && d <= cat.forecastable_to);
  stopAllCharts();
  state.weekDays = [];
  state.weekError = null;
  state.history = null;
  state.historyError = null;
  renderResults(); // loading states
  const c = canteen();
  const lastData = c?.last_data_day ?? cat.data_cutoff;
  const to = addDays(state.week, 6) < lastData ? addDays(state.week, 6) : lastData;
  const weekDone = (inRange.length
    ? post('/v1/canteens/forecast', { horizon: state.horizon, requests: inRange.map((date) => ({ canteen: state.canteenId, date })) })
    : Promise.resolve({ forecasts: [] }))
    .then((answer) => {
      if (request !== state.request) return; // a later choice replaced this one
      const byDate = new Map(answer.forecasts.map((f) => [f.date, f]));
      state.weekDays = days.map((date) => ({ date, inRange: inRange.includes(date), forecast: byDate.get(date) ?? null }));
      // The chosen day must be one the table shows (weekends only when pupils are expected).
      const shown = state.weekDays.filter((d, i) => i < 5 || d.forecast?.school_day).map((d) => d.date);
      if (!state.day || !shown.includes(state.day)) {
        const firstSchool = state.weekDays.find((d) => d.forecast?.school_day) ?? state.weekDays.find((d) => d.forecast);
        state.day = firstSchool?.date ?? null;
      }
    }, (error) => { if (request === state.request) state.weekError = error; })
    .then(() => {
      if (request !== state.request) return;
      renderWeek();
      renderDay();
      if (state.history) renderHistory(); // the chosen week's band
      updateHash();
    });
  const historyDone = get(withQuery(`/v1/canteens/${encodeURIComponent(state.canteenId)}/history`, { to, horizon: state.horizon }))
    .then((answer) => { if (request === state.request) state.history = answer; },
      (error) => { if (request === state.request) state.historyError = error; })
    .then(() => { if (request === state.request) renderHistory(); });
  await Promise.all([weekDone, historyDone]);
  if (request !== state.request) return;
  const name = canteenName(c?.name ?? state.canteenId);
  announce(`${name}, ${t('canteens.week.title', { from: dayMonth(state.week), to: longDay(addDays(state.week, 4)) })}`);
}

/** The whole page from the state (also after a change of language). */
export function render() {
  if (!root || !catalogue()) return;
  stopAllCharts();
  replace(root, header(), controls(),
    h('section', { id: 'week-region', class: 'panel', 'aria-labelledby': 'week-title' }),
    h('div', { class: 'columns' },
      h('section', { id: 'day-region', class: 'panel', 'aria-labelledby': 'day-title' }),
      h('section', { id: 'history-region', class: 'panel', 'aria-labelledby': 'history-title' })));
  renderResults();
}

function renderResults() {
  renderWeek();
  renderDay();
  renderHistory();
}

function controls() {
  const cat = catalogue();
  const select = h('select', { id: 'canteen-select', name: 'canteen' },
    cat.canteens.map((c) => h('option', { value: c.id, selected: c.id === state.canteenId }, `${canteenName(c.name)} — ${c.sector}`)));
  select.addEventListener('change', () => { state.canteenId = select.value; state.day = null; refresh(); });
  const week = h('input', { id: 'week-input', type: 'date', name: 'week', value: state.week, min: mondayOf(cat.forecastable_from), max: cat.forecastable_to, 'aria-describedby': 'week-help' });
  week.addEventListener('change', () => {
    if (!isValidDay(week.value)) return;
    state.week = mondayOf(week.value);
    week.value = state.week;
    state.day = null;
    refresh();
  });
  const shift = (n) => () => {
    state.week = addDays(state.week, 7 * n);
    week.value = state.week;
    state.day = null;
    refresh();
  };
  const fields = [
    h('div', { class: 'field' }, h('label', { for: 'canteen-select' }, t('canteens.canteen')), select),
    h('div', { class: 'field' },
      h('label', { for: 'week-input' }, t('canteens.week')),
      h('div', { class: 'week-picker' },
        h('button', { type: 'button', class: 'button icon', id: 'week-prev', 'aria-label': t('canteens.week.prev'), title: t('canteens.week.prev'), onclick: shift(-1) }, '‹'),
        week,
        h('button', { type: 'button', class: 'button icon', id: 'week-next', 'aria-label': t('canteens.week.next'), title: t('canteens.week.next'), onclick: shift(1) }, '›')),
      h('p', { id: 'week-help', class: 'help' }, t('canteens.week.range', { from: plainDay(cat.forecastable_from), to: plainDay(cat.forecastable_to) }))),
  ];
  if (cat.horizons.length > 1) {
    fields.push(h('fieldset', { class: 'field horizon' },
      h('legend', {}, t('canteens.horizon')),
      [...cat.horizons].sort((a, b) => b - a).map((days) => h('label', { class: 'radio' },
        h('input', {
          type: 'radio', name: 'horizon', value: days, checked: days === state.horizon,
          onchange: async () => {
            try {
              if (!state.catalogues.has(days)) state.catalogues.set(days, await loadCatalogue(days));
              state.horizon = days;
              render();
              document.querySelector(`input[name=horizon][value="${days}"]`)?.focus();
              await refresh();
            } catch (error) {
              showProblem(document.getElementById('week-region'), error);
            }
          },
        }),
        horizonLabel(days)))));
  }
  return h('form', { class: 'controls panel', id: 'canteen-form', onsubmit: (e) => e.preventDefault() }, fields, provenance(cat));
}

function provenance(answer) {
  return h('p', { class: 'provenance' },
    t('common.model', { version: answer.model_version, cutoff: plainDay(answer.data_cutoff.slice(0, 10)) }),
    h('span', { class: 'fingerprint', title: answer.data_fingerprint }, ` · ${t('common.fingerprint', { sha: answer.data_fingerprint.slice(0, 12) })}…`));
}

function renderWeek() {
  const region = document.getElementById('week-region');
  if (!region) return;
  if (!state.weekDays.length && !state.weekError) {
    loading(region, t('canteens.loading.week'));
    return;
  }
  loaded(region);
  const cat = catalogue();
  const c = canteen();
  const title = h('h2', { id: 'week-title' }, t('canteens.week.title', { from: dayMonth(state.week), to: longDay(addDays(state.week, 4)) }));
  if (state.weekError) {
    replace(region, title, problemBox(state.weekError, () => refresh()));
    return;
  }
  if (!state.weekDays.some((d) => d.inRange)) {
    replace(region, title, h('p', { class: 'notice' }, t('canteens.week.none', { from: plainDay(cat.forecastable_from), to: plainDay(cat.forecastable_to) })));
    return;
  }
  // Weekends only when pupils are expected.
  const shown = state.weekDays.filter((d, i) => i < 5 || d.forecast?.school_day);
  const rows = shown.map((d) => weekRow(d));
  const school = shown.filter((d) => d.forecast?.school_day);
  const sum = (f) => school.reduce((a, d) => a + f(d.forecast), 0);
  const totals = h('tr', { class: 'total' },
    h('th', { scope: 'row' }, t('canteens.week.total')),
    h('td', { class: 'num', 'data-field': 'week-forecast' }, int(sum((f) => Math.round(f.forecast_meals)))),
    h('td', { class: 'num strong', 'data-field': 'week-order' }, int(sum((f) => f.order_quantity))),
    h('td', { colspan: 3 }));
  const tableElement = h('table', { class: 'data week-table' },
    h('caption', { class: 'visually-hidden' }, t('canteens.week.caption', { canteen: canteenName(c?.name ?? ''), from: longDay(state.week) })),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('canteens.col.day')),
      h('th', { scope: 'col', class: 'num' }, t('canteens.col.forecast')),
      h('th', { scope: 'col', class: 'num' }, t('canteens.col.order')),
      h('th', { scope: 'col', class: 'num' }, t('canteens.col.interval')),
      h('th', { scope: 'col', class: 'num' }, t('canteens.col.actual')),
      h('th', { scope: 'col', class: 'num' }, t('canteens.col.agents')))),
    h('tbody', {}, rows),
    h('tfoot', {}, totals));
  replace(region, title, h('div', { class: 'table-scroll' }, tableElement));
}

function weekRow({ date, forecast: f, inRange }) {
  const selected = date === state.day;
  const label = capitalise(dayMonth(date));
  const dayCell = f
    ? h('button', {
      type: 'button', class: 'day-button', 'aria-pressed': selected ? 'true' : 'false',
      'aria-label': t('canteens.select_day', { day: longDay(date) }),
      onclick: () => selectDay(date),
    }, label)
    : h('span', {}, label);
  // The kind of day under the day's name, when it is not an ordinary one.
  const kind = f && f.school_day && f.day_class !== 'normal'
    ? h('span', { class: `tag day-class ${f.day_class}`, 'data-field': 'class' }, pick(f, 'day_class_label'))
    : null;
  const cls = ['day-row', selected ? 'selected' : '', f && !f.school_day ? 'no-school' : ''].join(' ').trim();
  if (!inRange || !f) {
    return h('tr', { class: `${cls} out`, 'data-date': date },
      h('th', { scope: 'row' }, dayCell), h('td', { colspan: 5, class: 'muted' }, t('canteens.out_of_range')));
  }
  if (!f.school_day) {
    return h('tr', { class: cls, 'data-date': date },
      h('th', { scope: 'row' }, dayCell),
      h('td', { colspan: 3, class: 'muted' }, t('canteens.no_school')),
      h('td', { class: 'num', 'data-field': 'actual' }, f.actual_meals === null ? '—' : int(f.actual_meals)),
      h('td', { class: 'num', 'data-field': 'agents' }, f.agents_forecast_meals === null ? '—' : int(f.agents_forecast_meals)));
  }
  return h('tr', { class: cls, 'data-date': date },
    h('th', { scope: 'row' }, dayCell, kind),
    h('td', { class: 'num', 'data-field': 'forecast' }, int(f.forecast_meals)),
    h('td', { class: 'num strong', 'data-field': 'order' }, int(f.order_quantity)),
    h('td', { class: 'num', 'data-field': 'interval' }, t('canteens.interval.range', { low: int(f.interval.low_meals), high: int(f.interval.high_meals) })),
    h('td', { class: 'num', 'data-field': 'actual' }, f.actual_meals === null ? '—' : int(f.actual_meals)),
    h('td', { class: 'num', 'data-field': 'agents' }, f.agents_forecast_meals === null ? '—' : int(f.agents_forecast_meals)));
}

function selectDay(date) {
  state.day = date;
  renderWeek();
  renderDay();
  renderHistory();
  updateHash();
  document.querySelector(`tr[data-date="${date}"] .day-button`)?.focus();
  announce(capitalise(longDay(date)));
}

function renderDay() {
  const region = document.getElementById('day-region');
  if (!region) return;
  const entry = state.weekDays.find((d) => d.date === state.day);
  const f = entry?.forecast;
  if (!f) {
    replace(region);
    region.hidden = true;
    return;
  }
  region.hidden = false;
  const c = canteen();
  const e = f.explanation;
  const kpi = (label, value, field, note, className = '') => h('div', { class: `kpi ${className}` },
    h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value', 'data-field': field }, value),
    note ? h('span', { class: 'kpi-note' }, note) : null);
  const raised = f.margin_raised_by;
  const orderNote = f.order_basis_meals !== f.forecast_meals
    ? t('day.order.basis', { basis: int(f.order_basis_meals) })
    : raised
      ? t('day.order.raised', { margin: percent(f.safety_margin, 1), date: plainDay(raised.date), meals: int(raised.shortfall_meals) })
      : t('day.order.note', { margin: percent(f.safety_margin, 1) });
  const kpis = h('div', { class: 'kpis' },
    kpi(t('day.order'), int(f.order_quantity), 'day-order', orderNote, 'primary'),
    kpi(t('day.forecast'), int(f.forecast_meals), 'day-forecast', null),
    h('div', { class: 'kpi' },
      h('span', { class: 'kpi-label' }, t('day.interval')),
      h('span', { class: 'kpi-value' },
        h('span', { 'data-field': 'day-low' }, int(f.interval.low_meals)), ' – ',
        h('span', { 'data-field': 'day-high' }, int(f.interval.high_meals))),
      h('span', { class: 'kpi-note' }, t('day.interval.note', { coverage: percent(f.interval.coverage) }))),
    kpi(t('day.actual'), f.actual_meals === null ? (f.school_day ? t('day.actual.unknown') : '—') : int(f.actual_meals), 'day-actual',
      f.agents_forecast_meals === null ? null : t('day.actual.agents', { n: int(f.agents_forecast_meals) }), f.actual_meals === null ? 'unknown' : ''));
  const facts = [h('p', { class: 'day-class-line' }, t('day.class', { label: pick(f, 'day_class_label') }))];
  if (!f.school_day) facts.push(h('p', { class: 'notice' }, t('day.no_school')));
  if (f.strike_announced) facts.push(h('p', { class: 'notice warn' }, t('day.strike')));
  const menu = f.menu
    ? h('ul', { class: 'menu' }, f.menu.map((dish) => h('li', {}, dish)))
    : h('p', { class: 'muted' }, t('day.menu.unknown'));
  const notice = withQuery(`/v1/models/${encodeURIComponent(f.model_name)}/notice`, { format: 'html', canteen: f.canteen_id, date: f.date });
  const chartHolder = h('div', { class: 'chart-holder', id: 'waterfall-holder' });
  const numbers = h('details', { class: 'numbers' }, h('summary', {}, t('common.show_numbers')));
  const { rows, base, total } = waterfallRows(f);
  const switcher = h('div', { class: 'segmented', role: 'group', 'aria-label': t('day.view') },
    ['groups', 'detail'].map((view) => h('button', {
      type: 'button', class: 'button', 'aria-pressed': state.view === view ? 'true' : 'false', 'data-view': view,
      onclick: () => {
        state.view = view;
        renderDay();
        updateHash();
        document.querySelector(`#day-region [data-view="${view}"]`)?.focus();
      },
    }, t(view === 'groups' ? 'day.view.groups' : 'day.view.detail'))));
  numbers.append(table({
    columns: [t('day.col.factor'), t('day.col.value'), t('day.col.meals')],
    numeric: [2],
    rows: [
      [t('day.base'), '—', int(base)],
      ...rows.map((r) => [r.label, r.value ?? '—', signed(r.meals)]),
      [t('day.total'), '—', int(total)],
    ],
  }));
  numbers.querySelectorAll('tbody tr').forEach((tr, i) => {
    const key = i === 0 ? 'base' : i === rows.length + 1 ? 'total' : rows[i - 1].key;
    tr.dataset.key = key;
    tr.lastElementChild.dataset.field = 'meals';
  });
  replace(region,
    h('h2', { id: 'day-title' }, t('day.title', { day: capitalise(longDay(f.date)), canteen: canteenName(f.canteen) })),
    kpis, facts,
    h('h3', {}, t('day.menu')), menu,
    h('h3', {}, t('day.why')),
    h('p', {}, t('day.why.lead')),
    h('ol', { class: 'reasons' }, pick(e, 'reasons').map((r) => h('li', {}, r))),
    switcher,
    h('figure', { class: 'figure' }, chartHolder, h('figcaption', { class: 'help' }, `${labelValue(t('day.base'), t('day.base.note'))}. ${t('day.rounding')}`)),
    numbers,
    h('p', { class: 'notice-link' }, h('a', { href: notice, target: '_blank', rel: 'noopener', id: 'notice-link' }, t('common.notice')), h('span', { class: 'help' }, ` — ${t('common.notice.hint')}`)));
  keepChart('waterfall', responsive(chartHolder, (width) => waterfall({
    base, baseLabel: t('day.base'), rows, total, totalLabel: t('day.total'), width,
    title: t('day.chart', { forecast: int(total) }),
    description: t('day.chart.desc', { base: int(base) }),
  })));
}

/** The waterfall's rows for the current view, rounded so that they add up to the forecast shown. */
export function waterfallRows(f) {
  const e = f.explanation;
  let rows;
  if (state.view === 'detail') {
    const top = e.contributions.slice(0, DETAILED_FACTORS);
    const rest = e.contributions.slice(DETAILED_FACTORS);
    rows = top.map((c) => ({ key: c.feature, label: `${pick(c, 'label')} (${pick(c, 'value')})`, value: pick(c, 'value'), exact: c.meals }));
    if (rest.length) rows.push({ key: 'others', label: t('day.others', { n: rest.length }), value: null, exact: rest.reduce((a, c) => a + c.meals, 0) });
  } else {
    rows = e.groups.map((g) => ({ key: g.group, label: pick(g, 'label'), value: null, exact: g.meals }));
  }
  const total = Math.round(f.forecast_meals);
  const rounded = roundToTotal([e.base_meals, ...rows.map((r) => r.exact)], total);
  return { base: rounded[0], total, rows: rows.map((r, i) => ({ ...r, meals: rounded[i + 1] })) };
}

function renderHistory() {
  const region = document.getElementById('history-region');
  if (!region) return;
  if (!state.history && !state.historyError) {
    loading(region, t('canteens.loading.history'));
    return;
  }
  loaded(region);
  const title = h('h2', { id: 'history-title' }, t('history.title'));
  if (state.historyError) {
    replace(region, title, problemBox(state.historyError, () => refresh()));
    return;
  }
  const answer = state.history;
  const days = answer.days;
  if (!days.some((d) => d.actual_meals !== null)) {
    replace(region, title, h('p', { class: 'muted' }, t('history.empty')));
    return;
  }
  const weekIdx = days.map((d, i) => (mondayOf(d.date) === state.week ? i : -1)).filter((i) => i >= 0);
  const holder = h('div', { class: 'chart-holder', id: 'history-holder' });
  const legend = h('ul', { class: 'legend' },
    [['actual', t('history.actual')], ['model', t('history.model')], ['agents', t('history.agents')]].map(([k, label]) => h('li', {},
      h('span', { class: `swatch ${k}`, 'aria-hidden': 'true' }), label)));
  const comparison = compare(days);
  replace(region, title,
    h('p', { class: 'help' }, t('history.lead', { canteen: canteenName(answer.canteen), from: plainDay(answer.from), to: plainDay(answer.to), days: answer.horizon_days })),
    legend,
    h('figure', { class: 'figure' }, holder),
    comparison,
    h('details', { class: 'numbers' }, h('summary', {}, t('common.show_numbers')), table({
      columns: [t('history.col.date'), t('history.actual'), t('history.model'), t('history.order'), t('history.agents')],
      numeric: [1, 2, 3, 4],
      rows: days.map((d) => [shortDay(d.date), int(d.actual_meals), int(d.forecast_meals), int(d.order_quantity), int(d.agents_forecast_meals)]),
    })));
  keepChart('history', responsive(holder, (width) => lineChart({
    days,
    width,
    height: width < 480 ? 220 : 280,
    highlight: weekIdx.length ? [weekIdx[0], weekIdx[weekIdx.length - 1]] : null,
    title: t('history.chart'),
    description: t('history.lead', { canteen: canteenName(answer.canteen), from: plainDay(answer.from), to: plainDay(answer.to), days: answer.horizon_days }),
    series: [
      { key: 'agents', className: 'agents', values: days.map((d) => d.agents_forecast_meals) },
      { key: 'model', className: 'model', values: days.map((d) => d.forecast_meals) },
      { key: 'actual', className: 'actual', values: days.map((d) => d.actual_meals), dots: true },
    ],
    tooltip: (i) => {
      const d = days[i];
      return [
        h('strong', {}, capitalise(longDay(d.date))),
        h('span', { class: 'actual' }, labelValue(t('history.actual'), int(d.actual_meals))),
        h('span', { class: 'model' }, labelValue(t('history.model'), int(d.forecast_meals))),
        h('span', { class: 'agents' }, labelValue(t('history.agents'), int(d.agents_forecast_meals))),
      ];
    },
  })));
}

/**
 * Prévoir vs the agents over the days whose meals served are known: mean absolute gap of the
 * forecasts, meals ordered in excess and days short (Prévoir's order quantity vs the agents'
 * forecast, which is what they order).
 */
export function comparisonFigures(days) {
  const known = days.filter((d) => d.actual_meals !== null && d.forecast_meals !== null && d.agents_forecast_meals !== null && d.order_quantity !== null);
  const n = known.length;
  const mean = (f) => known.reduce((a, d) => a + f(d), 0) / n;
  return {
    n,
    maeModel: mean((d) => Math.abs(d.forecast_meals - d.actual_meals)),
    maeAgents: mean((d) => Math.abs(d.agents_forecast_meals - d.actual_meals)),
    surplusModel: known.reduce((a, d) => a + Math.max(0, d.order_quantity - d.actual_meals), 0),
    surplusAgents: known.reduce((a, d) => a + Math.max(0, d.agents_forecast_meals - d.actual_meals), 0),
    shortModel: known.filter((d) => d.order_quantity < d.actual_meals).length,
    shortAgents: known.filter((d) => d.agents_forecast_meals < d.actual_meals).length,
  };
}

function compare(days) {
  const c = comparisonFigures(days);
  if (!c.n) return null;
  const better = (a, b) => (a < b ? 'better' : null);
  const row = (label, key, a, b, format) => h('tr', { 'data-key': key },
    h('th', { scope: 'row' }, label),
    h('td', { class: `num ${better(a, b) ?? ''}`.trim(), 'data-field': 'prevoir' }, format(a)),
    h('td', { class: `num ${better(b, a) ?? ''}`.trim(), 'data-field': 'agents' }, format(b)));
  return h('div', { class: 'comparison' },
    h('p', {}, t('history.compare', { n: c.n })),
    h('table', { class: 'data compact', id: 'comparison' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('history.col.measure')), h('th', { scope: 'col', class: 'num' }, t('history.col.prevoir')), h('th', { scope: 'col', class: 'num' }, t('history.col.agents')))),
      h('tbody', {},
        row(t('history.mae'), 'mae', c.maeModel, c.maeAgents, (x) => int(x)),
        row(t('history.surplus'), 'surplus', c.surplusModel, c.surplusAgents, (x) => int(x)),
        row(t('history.short_days'), 'short', c.shortModel, c.shortAgents, (x) => int(x)))),
    h('p', { class: 'help' }, t('history.compare.note')));
}

export function leave() {
  stopAllCharts();
  state.request += 1;
}

