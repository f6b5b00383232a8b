// "Fuites": the state of each area at the end of the readings, the per-area score timeline, the
// alarm list (start, for how long, estimated loss, pipes to inspect) and, for an opened alarm, what
// the detector saw (sensors expected vs observed, flow balance) and where to look (candidate pipes
// on the network map). Leak data may need the bearer token: a 401 asks for it, a 403 says why not.

import { get, withQuery, ApiProblem, token, setToken } from './api.js';
import { h, replace, loading, loaded, showProblem, problemBox, announce, table } from './dom.js';
import { t, labelValue } from './i18n.js';
import { dec, int, percent, dateTime, dayTime, shortDateTime, parseTime, clock } from './format.js';
import { scoreStrip, deviationBars, networkMap, responsive } from './charts.js';

const THRESHOLD = 0.5;

const state = {
  alarms: null,
  scores: null,
  network: null,
  networkError: null,
  selected: null, // alarm key
  request: 0,
  tokenRefused: false,
};

let root = null;
let navigate = () => {};
const stopCharts = [];

/** An estimated leak flow as shown: `—` when unknown, `< 0,1 m³/h` when the balance shows none. */
function flowText(m3h) {
  if (m3h === null) return '—';
  if (m3h < 0.05) return t('leaks.flow.below', { n: dec(0.1, 1) });
  return t('leaks.flow', { n: dec(m3h, 1) });
}

function stopAllCharts() {
  while (stopCharts.length) stopCharts.pop()();
}

/** An alarm's stable name in the address: `A@2019-01-31 20:00:00`. */
export function alarmKey(alarm) {
  return `${alarm.area}@${alarm.detected_at}`;
}

function header() {
  return h('header', { class: 'view-header' },
    h('h1', { id: 'view-title', tabindex: '-1' }, t('leaks.title')),
    h('p', { class: 'lead' }, t('leaks.lead')));
}

export async function enter(container, params, go) {
  root = container;
  navigate = go;
  stopAllCharts();
  state.selected = params.get('alarme');
  const request = ++state.request;
  const main = h('div', { class: 'view-body' });
  replace(root, header(), main);
  loading(main);
  const auth = { auth: true };
  const [alarms, scores, network] = await Promise.allSettled([
    get('/v1/leaks/alarms', auth),
    get(withQuery('/v1/leaks/scores', { every_minutes: 60 }), auth),
    get('/v1/leaks/network', auth),
  ]);
  if (request !== state.request) return;
  const refused = [alarms, scores, network].find((r) => r.status === 'rejected' && r.reason instanceof ApiProblem && (r.reason.status === 401 || r.reason.status === 403));
  if (refused) {
    loaded(main);
    replace(main, tokenPanel(refused.reason));
    return;
  }
  const failed = [alarms, scores].find((r) => r.status === 'rejected');
  if (failed) {
    showProblem(main, failed.reason, () => enter(container, params, go));
    return;
  }
  state.tokenRefused = false;
  state.alarms = alarms.value;
  state.scores = scores.value;
  state.network = network.status === 'fulfilled' ? network.value : null;
  state.networkError = network.status === 'rejected' ? network.reason : null;
  loaded(main);
  render();
  if (state.selected && selectedAlarm()) {
    document.getElementById('alarm-region')?.scrollIntoView({ block: 'start' });
  }
}

/** Asks for the token (401) or says that the server shares no leak data (403). */
function tokenPanel(problem) {
  const panel = h('section', { class: 'panel token-panel', 'aria-labelledby': 'token-title' },
    h('h2', { id: 'token-title' }, t('token.title')));
  if (problem.status === 403) {
    panel.append(h('p', {}, t('token.disabled')), problemBox(problem));
    return panel;
  }
  const hadToken = Boolean(token());
  panel.append(h('p', {}, t('token.lead')));
  if (hadToken) panel.append(h('p', { class: 'problem-inline', role: 'alert', id: 'token-error' }, t('token.wrong'), ' ', h('span', { class: 'muted' }, problem.detail)));
  else panel.append(h('p', { class: 'help' }, labelValue(problem.title, problem.detail)));
  const input = h('input', { id: 'token-input', type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'token-kept', 'aria-invalid': hadToken ? 'true' : null });
  const form = h('form', { class: 'token-form', id: 'token-form' },
    h('div', { class: 'field' }, h('label', { for: 'token-input' }, t('token.label')), input),
    h('button', { type: 'submit', class: 'button primary' }, t('token.submit')),
    h('p', { class: 'help', id: 'token-kept' }, t('token.kept')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    enter(root, new URLSearchParams(state.selected ? { alarme: state.selected } : {}), navigate);
  });
  panel.append(form);
  setTimeout(() => input.focus(), 0);
  return panel;
}

function selectedAlarm() {
  return state.alarms?.alarms.find((a) => alarmKey(a) === state.selected) ?? null;
}

function triggerLabel(trigger) {
  return ['step', 'level'].includes(trigger) ? t(`leaks.trigger.${trigger}`) : trigger;
}

/** How long from `from` to the last reading. */
function duration(from) {
  const end = state.alarms.readings_to;
  if (!end) return '—';
  const minutes = Math.max(0, Math.round((parseTime(end) - parseTime(from)) / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  return days > 0 ? t('leaks.since', { d: days, h: hours }) : t('leaks.since.hours', { h: hours, m: minutes % 60 });
}

export function render() {
  if (!root || !state.alarms) return;
  stopAllCharts();
  const a = state.alarms;
  const intro = h('div', { class: 'panel intro' },
    a.readings_from
      ? h('p', { class: 'period' }, t('leaks.readings', { from: dateTime(a.readings_from), to: dateTime(a.readings_to) }))
      : h('p', { class: 'notice' }, t('leaks.readings.none')),
    h('p', { class: 'help' }, t('leaks.score.help')),
    h('p', { class: 'provenance' }, t('common.model', { version: a.model_version, cutoff: dateTime(a.data_cutoff) }),
      h('span', { class: 'fingerprint', title: a.data_fingerprint }, ` · ${t('common.fingerprint', { sha: a.data_fingerprint.slice(0, 12) })}…`)),
    token() ? h('p', {}, h('button', { type: 'button', class: 'button link', id: 'token-forget', onclick: () => { setToken(''); enter(root, new URLSearchParams(), navigate); } }, t('token.forget'))) : null);
  replace(root, header(), intro,
    areasSection(),
    h('section', { class: 'panel', id: 'timeline-region', 'aria-labelledby': 'timeline-title' }),
    alarmsSection(),
    h('section', { class: 'panel alarm-panel', id: 'alarm-region', 'aria-labelledby': 'alarm-title' }),
    h('p', { class: 'notice-link' }, h('a', { href: '/v1/models/leaks/notice?format=html', target: '_blank', rel: 'noopener' }, t('common.notice'))));
  renderTimeline();
  renderAlarm();
}

function areaKind(name) {
  const kind = state.network?.areas.find((x) => x.name === name)?.kind;
  return kind && ['supply', 'pressure-reduced', 'tank-fed'].includes(kind) ? t(`leaks.area.kind.${kind}`) : kind ?? '';
}

function areasSection() {
  const counts = new Map();
  for (const alarm of state.alarms.alarms) counts.set(alarm.area, (counts.get(alarm.area) ?? 0) + 1);
  const cards = state.scores.areas.map((area) => {
    const latest = area.latest_score;
    const status = latest === null ? 'warming' : latest >= THRESHOLD ? 'alarm' : 'normal';
    return h('li', { class: `area-card ${status}`, 'data-area': area.area },
      h('h3', {}, t('leaks.area', { name: area.area }), h('span', { class: 'area-kind' }, areaKind(area.area))),
      h('p', { class: `status ${status}` }, h('span', { class: 'dot', 'aria-hidden': 'true' }), t(`leaks.status.${status}`)),
      h('dl', {},
        h('div', {}, h('dt', {}, t('leaks.area.latest')), h('dd', { 'data-field': 'latest' }, dec(latest, 2))),
        h('div', {}, h('dt', {}, t('leaks.area.max')), h('dd', { 'data-field': 'max' }, dec(area.max_score, 2)))),
      h('p', { class: 'area-alarms' }, t('leaks.area.alarms', { n: counts.get(area.area) ?? 0 })));
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'areas-title' },
    h('h2', { id: 'areas-title' }, t('leaks.areas')),
    cards.length ? h('ul', { class: 'area-cards' }, cards) : h('p', { class: 'muted' }, t('leaks.readings.none')));
}

function renderTimeline() {
  const region = document.getElementById('timeline-region');
  const sc = state.scores;
  const holders = sc.areas.map((area) => h('div', { class: 'strip-row' },
    h('p', { class: 'strip-label' }, t('leaks.area', { name: area.area })),
    h('div', { class: 'chart-holder', 'data-area': area.area })));
  replace(region,
    h('h2', { id: 'timeline-title' }, t('leaks.timeline')),
    h('p', { class: 'help' }, t('leaks.timeline.lead')),
    sc.times.length ? holders : h('p', { class: 'muted' }, t('leaks.readings.none')));
  if (!sc.times.length) return;
  const selected = selectedAlarm();
  sc.areas.forEach((area, i) => {
    const holder = holders[i].querySelector('.chart-holder');
    stopCharts.push(responsive(holder, (width) => scoreStrip({
      times: sc.times,
      scores: area.scores,
      alarms: state.alarms.alarms.filter((x) => x.area === area.area),
      selected,
      onAlarm: (alarm) => openAlarm(alarm),
      title: t('leaks.timeline.chart', { area: area.area }),
      thresholdLabel: t('leaks.threshold'),
      width,
      showDates: i === sc.areas.length - 1,
    })));
  });
}

function alarmsSection() {
  const alarms = [...state.alarms.alarms].reverse();
  const section = h('section', { class: 'panel', id: 'alarms-region', 'aria-labelledby': 'alarms-title' },
    h('h2', { id: 'alarms-title' }, t('leaks.alarms')));
  if (!alarms.length) {
    section.append(h('p', { class: 'muted' }, t('leaks.alarms.none')));
    return section;
  }
  section.append(h('p', { class: 'help' }, t('leaks.alarms.lead')));
  const rows = alarms.map((alarm) => {
    const key = alarmKey(alarm);
    const selected = key === state.selected;
    return h('tr', { class: selected ? 'selected' : null, 'data-alarm': key },
      h('th', { scope: 'row' }, t('leaks.area', { name: alarm.area })),
      h('td', { 'data-field': 'started' }, dayTime(alarm.change_started_at), h('span', { class: 'sub' }, triggerLabel(alarm.trigger))),
      h('td', { 'data-field': 'since' }, duration(alarm.change_started_at)),
      h('td', { class: 'num', 'data-field': 'flow' }, flowText(alarm.estimated_flow_m3h)),
      h('td', { 'data-field': 'pipes' }, alarm.candidates.slice(0, 3).map((c) => c.pipe).join(', ')),
      h('td', {}, h('button', {
        type: 'button', class: selected ? 'button primary' : 'button', 'aria-pressed': selected ? 'true' : 'false',
        'aria-label': t('leaks.open.label', { area: alarm.area, at: dateTime(alarm.detected_at) }),
        onclick: () => openAlarm(alarm),
      }, t('leaks.open'))));
  });
  section.append(h('div', { class: 'table-scroll' }, h('table', { class: 'data alarms-table' },
    h('caption', { class: 'visually-hidden' }, t('leaks.alarms.caption')),
    h('thead', {}, h('tr', {},
      [t('leaks.col.area'), t('leaks.col.started'), t('leaks.col.since'), t('leaks.col.flow'), t('leaks.col.pipes'), ''].map((c, i) => h('th', { scope: 'col', class: i === 3 ? 'num' : null }, c)))),
    h('tbody', {}, rows))));
  return section;
}

function openAlarm(alarm) {
  state.selected = alarmKey(alarm);
  navigate(`#/fuites?${new URLSearchParams({ alarme: state.selected })}`, { replace: true });
  const scrollY = window.scrollY;
  const alarms = alarmsSection();
  document.getElementById('alarms-region').replaceWith(alarms);
  stopAllCharts();
  renderTimeline();
  renderAlarm();
  window.scrollTo({ top: scrollY });
  const title = document.getElementById('alarm-title');
  title?.focus({ preventScroll: true });
  document.getElementById('alarm-region')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  announce(title?.textContent ?? '');
}

function flowSentences(alarm) {
  const f = alarm.explanation.flow;
  const out = [];
  if (f.method === 'week-over-week balance' && f.inflow_m3h !== null && f.inflow_week_before_m3h !== null) {
    if ((f.flow_m3h ?? 0) > 0.05) {
      out.push(t('alarm.flow.balance', { flow: dec(f.flow_m3h, 1), balance: f.balance ?? alarm.area, inflow: dec(f.inflow_m3h, 1), before: dec(f.inflow_week_before_m3h, 1) }));
    } else {
      out.push(t('alarm.flow.balance.none', { balance: f.balance ?? alarm.area, inflow: dec(f.inflow_m3h, 1), before: dec(f.inflow_week_before_m3h, 1), pressure: dec(f.pressure_based_m3h, 1) }));
    }
  } else if (f.method === 'pressure signature' && f.flow_m3h !== null) {
    out.push(t('alarm.flow.pressure', { flow: dec(f.flow_m3h, 1) }));
  } else if (f.flow_m3h !== null) {
    out.push(`${t('leaks.flow', { n: dec(f.flow_m3h, 1) })} (${f.method})`);
  } else {
    out.push(t('alarm.flow.none'));
  }
  if (f.night_flow_m3h !== null && f.night_flow_before_m3h !== null) {
    out.push(t('alarm.night', { now: dec(f.night_flow_m3h, 1), before: dec(f.night_flow_before_m3h, 1) }));
  }
  return out;
}

function renderAlarm() {
  const region = document.getElementById('alarm-region');
  if (!region) return;
  const alarm = selectedAlarm();
  const mapHolder = h('div', { class: 'chart-holder', id: 'network-holder' });
  const mapSection = h('div', { class: 'map' },
    h('h3', {}, t('alarm.map')),
    h('p', { class: 'help' }, alarm ? t('alarm.map.lead') : t('alarm.pick')),
    state.networkError ? problemBox(state.networkError) : mapHolder,
    state.network && !state.network.matches_training_data ? h('p', { class: 'notice warn' }, t('alarm.map.mismatch')) : null,
    state.network ? legend() : null);
  if (!alarm) {
    replace(region, h('h2', { id: 'alarm-title', tabindex: '-1' }, t('alarm.map')), mapSection);
    region.querySelector('.map h3')?.remove();
    drawMap(mapHolder, null);
    return;
  }
  const e = alarm.explanation;
  const summaryKey = ['step', 'level'].includes(alarm.trigger) ? `alarm.summary.${alarm.trigger}` : 'alarm.summary.other';
  const best = alarm.candidates[0];
  const sentences = [
    t(summaryKey, { area: alarm.area, detected: dateTime(alarm.detected_at), started: alarm.change_started_at.slice(0, 10) === alarm.detected_at.slice(0, 10) ? clock(alarm.change_started_at) : dateTime(alarm.change_started_at), trigger: alarm.trigger }),
    ...flowSentences(alarm),
    best ? t('alarm.where', { pipe: best.pipe, fit: percent(best.fit), distance: int(best.nearest_sensor_distance_m), sensor: best.nearest_sensor }) : null,
  ].filter(Boolean);
  const sensorsHolder = h('div', { class: 'chart-holder', id: 'deviation-holder' });
  const sensorRows = e.sensors.map((sn) => [sn.sensor, dec(sn.expected_m, 3), dec(sn.observed_m, 3), dec(sn.deviation_m, 3), dec(sn.threshold_m, 3), dec(sn.z, 1), shortDateTime(sn.since)]);
  const sensorsTable = table({
    className: 'data compact',
    columns: [t('alarm.col.sensor'), t('alarm.col.expected'), t('alarm.col.observed'), t('alarm.col.deviation'), t('alarm.col.threshold'), t('alarm.col.z'), t('alarm.col.since')],
    numeric: [1, 2, 3, 4, 5],
    rows: sensorRows,
  });
  sensorsTable.id = 'sensors-table';
  sensorsTable.querySelectorAll('tbody tr').forEach((tr, i) => {
    tr.dataset.sensor = e.sensors[i].sensor;
    ['expected', 'observed', 'deviation', 'threshold', 'z', 'since'].forEach((field, j) => { tr.children[j + 1].dataset.field = field; });
  });
  const candidatesTable = table({
    className: 'data compact',
    columns: [t('alarm.col.rank'), t('alarm.col.pipe'), t('alarm.col.fit'), t('alarm.col.pflow'), t('alarm.col.from_best'), t('alarm.col.nearest')],
    numeric: [2, 3, 4],
    rows: alarm.candidates.map((c, i) => [String(i + 1), c.pipe, percent(c.fit), dec(c.pressure_flow_m3h, 1), int(c.distance_from_best_m), t('alarm.nearest', { sensor: c.nearest_sensor, distance: int(c.nearest_sensor_distance_m) })]),
  });
  candidatesTable.id = 'candidates-table';
  candidatesTable.querySelectorAll('tbody tr').forEach((tr, i) => {
    tr.dataset.pipe = alarm.candidates[i].pipe;
    if (i < 3) tr.classList.add(`rank-${i + 1}`);
  });
  replace(region,
    h('div', { class: 'alarm-head' },
      h('h2', { id: 'alarm-title', tabindex: '-1' }, t('alarm.title', { area: alarm.area, at: dateTime(alarm.change_started_at) })),
      h('button', { type: 'button', class: 'button', id: 'alarm-close', onclick: closeAlarm }, t('alarm.close'))),
    h('div', { class: 'alarm-facts' },
      h('div', { class: 'kpi primary' }, h('span', { class: 'kpi-label' }, t('leaks.col.flow')), h('span', { class: 'kpi-value', 'data-field': 'alarm-flow' }, flowText(alarm.estimated_flow_m3h))),
      h('div', { class: 'kpi' }, h('span', { class: 'kpi-label' }, t('leaks.col.since')), h('span', { class: 'kpi-value' }, duration(alarm.change_started_at)), h('span', { class: 'kpi-note' }, t('leaks.since.note'))),
      h('div', { class: 'kpi' }, h('span', { class: 'kpi-label' }, t('leaks.col.pipes')), h('span', { class: 'kpi-value' }, best ? best.pipe : '—'), h('span', { class: 'kpi-note' }, alarm.candidates.slice(1, 4).map((c) => c.pipe).join(', '))),
      h('div', { class: 'kpi' }, h('span', { class: 'kpi-label' }, t('leaks.col.score')), h('span', { class: 'kpi-value', 'data-field': 'alarm-score' }, dec(alarm.score, 2)), h('span', { class: 'kpi-note' }, triggerLabel(alarm.trigger)))),
    h('ul', { class: 'alarm-sentences' }, sentences.map((x) => h('li', {}, x))),
    h('div', { class: 'columns map-columns' },
      mapSection,
      h('div', {},
        h('h3', {}, t('alarm.candidates')),
        h('p', { class: 'help' }, t('alarm.candidates.lead')),
        h('div', { class: 'table-scroll' }, candidatesTable))),
    h('h3', {}, t('alarm.sensors')),
    h('p', { class: 'help' }, t('alarm.sensors.lead')),
    h('figure', { class: 'figure sensors-figure' }, sensorsHolder, h('figcaption', { class: 'help' }, t('alarm.sensors.key'))),
    h('div', { class: 'table-scroll' }, sensorsTable),
    h('details', { class: 'technical' }, h('summary', {}, t('alarm.technical')),
      h('p', { lang: 'en' }, e.summary), h('p', { lang: 'en' }, e.localisation), h('p', { lang: 'en' }, e.flow.text)));
  stopCharts.push(responsive(sensorsHolder, (width) => deviationBars({
    sensors: e.sensors,
    width,
    title: t('alarm.sensors.chart'),
    unit: (cm) => t('alarm.deviation.cm', { n: dec(cm, 1) }),
  })));
  drawMap(mapHolder, alarm);
}

function legend() {
  const item = (cls, label) => h('li', {}, h('span', { class: `key ${cls}`, 'aria-hidden': 'true' }), label);
  return h('ul', { class: 'legend map-legend' },
    item('candidate', t('alarm.map.legend.candidate')),
    item('pipe', t('alarm.map.legend.pipe')),
    item('sensor', t('alarm.map.legend.sensor')),
    item('deviating', t('alarm.map.legend.deviating')),
    item('flow-meter', t('alarm.map.legend.flow')),
    item('source', t('alarm.map.legend.source')));
}

function drawMap(holder, alarm) {
  if (!state.network || !holder.isConnected) return;
  const candidates = alarm?.candidates ?? [];
  const deviating = alarm?.explanation.sensors.map((x) => x.sensor) ?? [];
  const label = t('alarm.map.label', { title: state.network.title });
  stopCharts.push(responsive(holder, (width) => networkMap({
    network: state.network,
    candidates,
    deviating,
    width,
    title: label,
    description: candidates.length ? t('alarm.map.candidates', { pipes: candidates.map((c) => c.pipe).join(', ') }) : null,
  })));
}

function closeAlarm() {
  const key = state.selected;
  state.selected = null;
  navigate('#/fuites', { replace: true });
  render();
  document.querySelector(`tr[data-alarm="${CSS.escape(key)}"] button`)?.focus();
}

export function leave() {
  stopAllCharts();
  state.request += 1;
}
