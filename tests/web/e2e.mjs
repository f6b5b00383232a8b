// End-to-end tests of Prévoir's web page in Debian's headless Chromium, driven by playwright-core.
//
//   node tests/web/e2e.mjs <base-url>
//
// against a running `prevoir serve` (tests/web_e2e.rs starts one). The page's numbers are checked
// against the API's, fetched by this script on its own. Environment:
//   PREVOIR_E2E_TOKEN      the server's bearer token, when leak data is not public: the test then
//                          goes through the page's token form (wrong token first, then this one)
//   PREVOIR_E2E_ARTIFACTS  where screenshots go (default: tests/web/artifacts)
//   PREVOIR_CHROMIUM       the browser (default: /usr/bin/chromium)
// Prints one line per check and `N passed, M failed`; exits non-zero on any failure.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const base = (process.argv[2] ?? '').replace(/\/$/, '');
if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(base)) {
  console.error('usage: node tests/web/e2e.mjs http://127.0.0.1:<port>');
  process.exit(2);
}
const TOKEN = process.env.PREVOIR_E2E_TOKEN ?? '';
const ARTIFACTS = path.resolve(process.env.PREVOIR_E2E_ARTIFACTS ?? path.join(here, 'artifacts'));
const CHROMIUM = process.env.PREVOIR_CHROMIUM ?? '/usr/bin/chromium';
const WAIT = 20_000;
fs.mkdirSync(ARTIFACTS, { recursive: true });

// A whole-run watchdog: a hung browser must not hang CI.
const watchdog = setTimeout(() => {
  console.error('e2e: still running after 6 minutes, giving up');
  process.exit(3);
}, 360_000);

// ---------------------------------------------------------------------------------------------
// Helpers

/** The API's answer, fetched by the test itself (with the token when there is one). */
async function api(pathAndQuery, { auth = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (auth && TOKEN) headers.Authorization = `Bearer ${TOKEN}`;
  const response = await fetch(`${base}${pathAndQuery}`, { headers });
  const body = await response.json();
  return { status: response.status, body };
}

async function apiOk(pathAndQuery, options) {
  const { status, body } = await api(pathAndQuery, options);
  if (status !== 200) throw new Error(`GET ${pathAndQuery} → ${status}: ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

/** A number as the page shows it (`1 234`, `−12`, `14,3 m³/h`, `93 %`) → 1234, -12, 14.3, 93. */
function num(text) {
  const cleaned = String(text).replace(/[\s\u00a0\u202f]/g, '').replace('−', '-').replace(',', '.').match(/[+-]?\d+(\.\d+)?/);
  if (!cleaned) throw new Error(`no number in ${JSON.stringify(text)}`);
  return Number(cleaned[0]);
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function equal(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: page shows ${JSON.stringify(actual)}, API says ${JSON.stringify(expected)}`);
}

function close(actual, expected, tolerance, what) {
  if (!(Math.abs(actual - expected) <= tolerance)) throw new Error(`${what}: page shows ${actual}, API says ${expected} (±${tolerance})`);
}

const round = (x, digits = 0) => Number(x.toFixed(digits));
const addDays = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const mondayOf = (day) => addDays(day, -((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7));

let passed = 0;
let failed = 0;
async function check(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}\n    ${String(error?.stack ?? error).split('\n').slice(0, 6).join('\n    ')}`);
  }
}

async function shot(page, name) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`    screenshot ${path.relative(process.cwd(), file)}`);
}

/** Relative luminance contrast of two CSS colours `rgb(a)(r, g, b…)`. */
function contrast(fg, bg) {
  const lum = (c) => {
    const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
      const x = v / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}

// ---------------------------------------------------------------------------------------------
// The browser: Debian's Chromium, headless, in an empty profile.

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'prevoir-e2e-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--lang=fr-FR'],
  // A French browser: the date picker shows days as a French user sees them.
  env: { ...process.env, LANG: 'fr_FR.UTF-8', LANGUAGE: 'fr' },
  viewport: { width: 1280, height: 900 },
  locale: 'fr-FR',
  timezoneId: 'Europe/Paris',
});
context.setDefaultTimeout(WAIT);

const consoleErrors = [];
const foreignRequests = [];
function watch(page) {
  page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of (401|404)/.test(m.text())) consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreignRequests.push(r.url()); });
  return page;
}
const page = watch(context.pages()[0] ?? await context.newPage());

const canteensAnswer = await apiOk('/v1/canteens');
const horizons = canteensAnswer.horizons;
const defaultHorizon = horizons.includes(28) ? 28 : horizons[horizons.length - 1];
const canteen = canteensAnswer.canteens.find((c) => c.id === 'jules-ferry') ?? canteensAnswer.canteens[1] ?? canteensAnswer.canteens[0];
const lastDay = canteen.last_data_day ?? canteensAnswer.data_cutoff;
// A week with meals served, not the one the page opens on.
const week = addDays(mondayOf(lastDay), -7);
let chosenDay = null;
let chosenForecast = null;

// ---------------------------------------------------------------------------------------------
// The frame

await check('the page opens in French, offline-ready, with its assets cached by version', async () => {
  const response = await page.goto(`${base}/`);
  equal(response.status(), 200, 'GET / status');
  equal(response.headers()['content-type'], 'text/html; charset=utf-8', 'GET / content type');
  equal(response.headers()['cache-control'], 'no-cache', 'GET / cache-control');
  await page.waitForSelector('#week-region table');
  equal(await page.getAttribute('html', 'lang'), 'fr', 'html lang');
  equal(await page.textContent('h1'), 'Repas à commander et à cuisiner', 'h1');
  const css = await page.getAttribute('link[rel=stylesheet]', 'href');
  assert(/^\/assets\/[0-9a-f]{16}\/app\.css$/.test(css), `stylesheet ${css} is not versioned`);
  const asset = await fetch(`${base}${css}`);
  equal(asset.headers.get('content-type'), 'text/css; charset=utf-8', 'CSS content type');
  equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable', 'CSS cache-control');
  const script = await fetch(`${base}${css.replace('app.css', 'canteens.js')}`);
  equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8', 'JS content type');
  const docs = await fetch(`${base}/docs`);
  equal(docs.status, 200, '/docs still serves the API documentation');
});

// ---------------------------------------------------------------------------------------------
// Cantines

await check('the canteen picker lists the API\'s canteens', async () => {
  const options = await page.$$eval('#canteen-select option', (os) => os.map((o) => o.value));
  equal(options.join(','), canteensAnswer.canteens.map((c) => c.id).join(','), 'canteen options');
  const label = await page.$eval('#canteen-select', (s) => s.labels[0]?.textContent);
  equal(label, 'Restaurant scolaire', 'label of the canteen picker');
});

await check('picking a canteen and a week shows the API\'s forecasts and order quantities', async () => {
  await page.selectOption('#canteen-select', canteen.id);
  await page.fill('#week-input', week);
  await page.waitForSelector(`#week-region:not([aria-busy]) tr[data-date="${week}"]`);
  await page.waitForFunction((id) => document.querySelector('#canteen-select').value === id, canteen.id);
  const rows = await page.$$eval('#week-region tbody tr', (trs) => trs.map((tr) => ({
    date: tr.dataset.date,
    cells: Object.fromEntries([...tr.querySelectorAll('[data-field]')].map((td) => [td.dataset.field, td.textContent])),
    text: tr.textContent,
  })));
  assert(rows.length >= 5, `${rows.length} rows in the week table`);
  let totalOrder = 0;
  let schoolDays = 0;
  for (const row of rows) {
    const f = await apiOk(`/v1/canteens/${canteen.id}/forecast?date=${row.date}&horizon=${defaultHorizon}`);
    if (!f.school_day) {
      assert(row.text.includes('Pas d’école prévue'), `${row.date}: no-school day not marked`);
      continue;
    }
    schoolDays += 1;
    totalOrder += f.order_quantity;
    equal(num(row.cells.forecast), Math.round(f.forecast_meals), `${row.date} forecast`);
    equal(num(row.cells.order), f.order_quantity, `${row.date} order quantity`);
    const [low, high] = row.cells.interval.split(' à ').map(num);
    equal(low, Math.round(f.interval.low_meals), `${row.date} interval low`);
    equal(high, Math.round(f.interval.high_meals), `${row.date} interval high`);
    equal(row.cells.class ?? null, f.day_class === 'normal' ? null : f.day_class_label_fr, `${row.date} kind of day`);
    equal(row.cells.actual === '—' ? null : num(row.cells.actual), f.actual_meals, `${row.date} meals served`);
    equal(row.cells.agents === '—' ? null : num(row.cells.agents), f.agents_forecast_meals, `${row.date} agents' forecast`);
    if (!chosenDay && f.actual_meals !== null && row.date !== week) {
      chosenDay = row.date;
      chosenForecast = f;
    }
  }
  assert(schoolDays > 0, 'no school day in the week');
  equal(num(await page.textContent('[data-field="week-order"]')), totalOrder, 'week total to order');
  assert(chosenDay, 'no day with meals served to pick');
});

await check('picking a day shows its forecast, order, range, menu and reasons as the API gives them', async () => {
  const button = page.locator(`tr[data-date="${chosenDay}"] .day-button`);
  await button.focus();
  await page.keyboard.press('Enter'); // keyboard, not the mouse
  await page.waitForSelector(`tr[data-date="${chosenDay}"] .day-button[aria-pressed="true"]`);
  const f = chosenForecast;
  const text = async (sel) => page.textContent(`#day-region ${sel}`);
  equal(num(await text('[data-field="day-forecast"]')), Math.round(f.forecast_meals), 'day forecast');
  equal(num(await text('[data-field="day-order"]')), f.order_quantity, 'day order quantity');
  equal(num(await text('[data-field="day-low"]')), Math.round(f.interval.low_meals), 'interval low');
  equal(num(await text('[data-field="day-high"]')), Math.round(f.interval.high_meals), 'interval high');
  equal(num(await text('[data-field="day-actual"]')), f.actual_meals, 'meals served');
  const reasons = await page.$$eval('#day-region .reasons li', (lis) => lis.map((li) => li.textContent));
  equal(reasons.join(' | '), f.explanation.reasons_fr.join(' | '), 'reasons');
  const menu = await page.$$eval('#day-region .menu li', (lis) => lis.map((li) => li.textContent));
  equal(menu.join(' | '), (f.menu ?? []).join(' | '), 'menu');
  assert(page.url().includes(`jour=${chosenDay}`), `the address keeps the day: ${page.url()}`);
  await shot(page, 'canteens-fr');
});

/** Reads the waterfall's table: base, rows, total, as shown. */
async function waterfallNumbers() {
  return page.$$eval('#day-region details.numbers tbody tr', (trs) => trs.map((tr) => ({
    key: tr.dataset.key, label: tr.firstElementChild.textContent, meals: tr.querySelector('[data-field="meals"]').textContent,
  })));
}

await check('the waterfall adds up: base + contributions = forecast, each within a meal of the API', async () => {
  const f = chosenForecast;
  const rows = await waterfallNumbers();
  const base = rows.find((r) => r.key === 'base');
  const total = rows.find((r) => r.key === 'total');
  const groups = rows.filter((r) => r.key !== 'base' && r.key !== 'total');
  equal(num(total.meals), Math.round(f.forecast_meals), 'waterfall total');
  close(num(base.meals), f.explanation.base_meals, 1, 'waterfall base');
  equal(num(base.meals) + groups.reduce((a, r) => a + num(r.meals), 0), num(total.meals), 'base + contributions');
  equal(groups.map((r) => r.key).join(','), f.explanation.groups.map((g) => g.group).join(','), 'factor groups');
  for (const g of f.explanation.groups) {
    const shown = groups.find((r) => r.key === g.group);
    close(num(shown.meals), g.meals, 1, `group ${g.group}`);
    equal(shown.label, g.label_fr, `label of group ${g.group}`);
  }
  const bars = await page.$$eval('#day-region svg.waterfall rect.bar', (rs) => rs.length);
  equal(bars, groups.length + 2, 'bars in the waterfall');
  const name = await page.$eval('#day-region svg.waterfall', (svg) => document.getElementById(svg.getAttribute('aria-labelledby').split(' ')[0])?.textContent);
  assert(name?.includes(String(Math.round(f.forecast_meals))), `waterfall's accessible name: ${name}`);
});

await check('the detailed view lists the largest factors and adds up the others', async () => {
  await page.click('#day-region [data-view="detail"]');
  await page.waitForSelector('#day-region [data-view="detail"][aria-pressed="true"]');
  const f = chosenForecast;
  const rows = await waterfallNumbers();
  const middle = rows.slice(1, -1);
  const detailed = f.explanation.contributions.slice(0, 10);
  const others = f.explanation.contributions.slice(10);
  equal(middle.length, detailed.length + (others.length ? 1 : 0), 'rows of the detailed view');
  detailed.forEach((c, i) => {
    equal(middle[i].key, c.feature, `row ${i}`);
    close(num(middle[i].meals), c.meals, 1, `contribution ${c.feature}`);
    equal(middle[i].label, `${c.label_fr} (${c.value_fr})`, `label of ${c.feature}`);
  });
  if (others.length) close(num(middle[middle.length - 1].meals), others.reduce((a, c) => a + c.meals, 0), 1, 'other factors');
  equal(num(rows[0].meals) + middle.reduce((a, r) => a + num(r.meals), 0), Math.round(f.forecast_meals), 'base + contributions (detail)');
  assert(page.url().includes('vue=detail'), 'the address keeps the view');
  await shot(page, 'canteens-detail-fr');
  await page.click('#day-region [data-view="groups"]');
});

await check('the notice link opens the model\'s public-algorithm notice for this canteen and day', async () => {
  const href = await page.getAttribute('#notice-link', 'href');
  const url = new URL(href, base);
  equal(url.pathname, `/v1/models/${chosenForecast.model_name}/notice`, 'notice path');
  equal(url.searchParams.get('format'), 'html', 'notice format');
  equal(url.searchParams.get('canteen'), canteen.id, 'notice canteen');
  equal(url.searchParams.get('date'), chosenDay, 'notice day');
  const notice = await fetch(url);
  equal(notice.status, 200, 'notice status');
  assert(notice.headers.get('content-type').startsWith('text/html'), 'the notice is HTML');
});

await check('the history chart and the comparison show the API\'s history', async () => {
  const to = addDays(week, 6) < lastDay ? addDays(week, 6) : lastDay;
  const history = await apiOk(`/v1/canteens/${canteen.id}/history?to=${to}&horizon=${defaultHorizon}`);
  await page.waitForSelector('#history-region svg.lines');
  const dots = await page.$$eval('#history-region .series.actual circle', (cs) => cs.length);
  equal(dots, history.days.filter((d) => d.actual_meals !== null).length, 'points of meals served');
  const known = history.days.filter((d) => d.actual_meals !== null && d.forecast_meals !== null && d.agents_forecast_meals !== null && d.order_quantity !== null);
  const mean = (f) => known.reduce((a, d) => a + f(d), 0) / known.length;
  const expected = {
    mae: [mean((d) => Math.abs(d.forecast_meals - d.actual_meals)), mean((d) => Math.abs(d.agents_forecast_meals - d.actual_meals))],
    surplus: [known.reduce((a, d) => a + Math.max(0, d.order_quantity - d.actual_meals), 0), known.reduce((a, d) => a + Math.max(0, d.agents_forecast_meals - d.actual_meals), 0)],
    short: [known.filter((d) => d.order_quantity < d.actual_meals).length, known.filter((d) => d.agents_forecast_meals < d.actual_meals).length],
  };
  for (const [key, [prevoir, agents]] of Object.entries(expected)) {
    equal(num(await page.textContent(`#comparison tr[data-key="${key}"] [data-field="prevoir"]`)), Math.round(prevoir), `${key} (Prévoir)`);
    equal(num(await page.textContent(`#comparison tr[data-key="${key}"] [data-field="agents"]`)), Math.round(agents), `${key} (agents)`);
  }
  // The tooltip follows the pointer.
  const box = await page.locator('#history-region svg.lines').boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  await page.waitForSelector('#history-region .tooltip:not([hidden])');
});

if (horizons.length > 1) {
  await check('the horizon switch shows the cooking (1-day) model\'s forecasts', async () => {
    const shortest = Math.min(...horizons);
    await page.check(`input[name="horizon"][value="${shortest}"]`);
    await page.waitForFunction((h) => window.location.hash.includes(`h=${h}`), shortest);
    await page.waitForSelector(`#week-region:not([aria-busy]) tr[data-date="${chosenDay}"] [data-field="forecast"]`);
    const f = await apiOk(`/v1/canteens/${canteen.id}/forecast?date=${chosenDay}&horizon=${shortest}`);
    equal(num(await page.textContent(`tr[data-date="${chosenDay}"] [data-field="forecast"]`)), Math.round(f.forecast_meals), 'forecast at the short horizon');
    equal(num(await page.textContent(`tr[data-date="${chosenDay}"] [data-field="order"]`)), f.order_quantity, 'order at the short horizon');
    await page.check(`input[name="horizon"][value="${defaultHorizon}"]`);
    await page.waitForFunction((h) => window.location.hash.includes(`h=${h}`), defaultHorizon);
    await page.waitForSelector('#week-region:not([aria-busy]) table');
  });
}

await check('a refused request shows the API\'s problem title and detail', async () => {
  const refused = await api('/v1/canteens?horizon=7');
  equal(refused.status, 404, 'no model at horizon 7');
  await page.goto(`${base}/#/cantines?h=7`);
  await page.waitForSelector('.problem[role="alert"]');
  const text = await page.textContent('.problem');
  assert(text.includes(refused.body.title), `problem title missing: ${text}`);
  assert(text.includes(refused.body.detail), `problem detail missing: ${text}`);
  // Asking again for a model that is not there cannot help: the way forward is back.
  assert(!(await page.isVisible('.problem button')), 'a retry button for a 404');
  await shot(page, 'canteens-error-fr');
  await page.click('.problem a.button');
  await page.waitForSelector('#week-region:not([aria-busy]) table');
});

await check('slow answers show a loading state, then the numbers', async () => {
  // Hold the week's forecasts back for a moment, as a busy server would.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/v1/canteens/forecast', async (route) => { await held; await route.continue(); });
  try {
    await page.click('#week-next');
    await page.waitForSelector('#week-region[aria-busy="true"] .loading[role="status"]');
    const message = await page.textContent('#week-region .loading');
    assert(message.includes('Calcul des prévisions de la semaine'), `loading message: ${message}`);
    await shot(page, 'canteens-loading-fr');
  } finally {
    release();
  }
  await page.waitForSelector('#week-region:not([aria-busy]) table');
  await page.unroute('**/v1/canteens/forecast');
  await page.click('#week-prev');
  await page.waitForSelector('#week-region:not([aria-busy]) table');
});

// ---------------------------------------------------------------------------------------------
// Fuites

const leakPath = async () => {
  await page.goto(`${base}/#/fuites`);
  await page.waitForSelector('#alarms-region, .token-panel, .problem');
};

await check('leak data: the page asks for the token when the server wants one', async () => {
  const open = await api('/v1/leaks/alarms');
  await leakPath();
  if (open.status === 200) {
    assert(!(await page.isVisible('.token-panel')), 'token asked although leak data are public');
    return;
  }
  assert(TOKEN, `the server answers ${open.status} to leak data and PREVOIR_E2E_TOKEN is not set`);
  await page.waitForSelector('#token-input');
  const text = await page.textContent('.token-panel');
  assert(text.includes(open.body.detail), `the API's reason is not shown: ${text}`);
  equal(await page.$eval('#token-input', (i) => i.labels[0]?.textContent), 'Jeton d’accès', 'token label');
  await shot(page, 'leaks-token-fr');
  await page.fill('#token-input', `${TOKEN}-wrong`);
  await page.press('#token-input', 'Enter');
  await page.waitForSelector('#token-error');
  assert((await page.textContent('#token-error')).includes('Ce jeton n’est pas accepté'), 'wrong token not reported');
  await page.fill('#token-input', TOKEN);
  await page.click('.token-form button[type="submit"]');
  await page.waitForSelector('#alarms-region');
  const stored = await page.evaluate(() => sessionStorage.getItem('prevoir.token'));
  equal(stored, TOKEN, 'token kept in sessionStorage');
});

const alarms = (await apiOk('/v1/leaks/alarms', { auth: true })).alarms;
const scores = await apiOk('/v1/leaks/scores?every_minutes=60', { auth: true });
const network = await apiOk('/v1/leaks/network', { auth: true });

await check('areas and the score timeline show the API\'s scores', async () => {
  await page.waitForSelector('#timeline-region svg.strip');
  for (const area of scores.areas) {
    const card = `.area-card[data-area="${area.area}"]`;
    equal(num(await page.textContent(`${card} [data-field="latest"]`)), round(area.latest_score, 2), `area ${area.area} latest score`);
    equal(num(await page.textContent(`${card} [data-field="max"]`)), round(area.max_score, 2), `area ${area.area} highest score`);
    const status = area.latest_score >= 0.5 ? 'alarm' : 'normal';
    assert(await page.isVisible(`${card}.${status}`), `area ${area.area} should read ${status}`);
  }
  equal(await page.$$eval('#timeline-region svg.strip', (x) => x.length), scores.areas.length, 'one strip per area');
  equal(await page.$$eval('#timeline-region .alarm-marker', (x) => x.length), alarms.length, 'one marker per alarm');
});

await check('the alarm list shows every alarm: start, duration, estimated m³/h, pipes', async () => {
  assert(alarms.length > 0, 'the sample readings should raise alarms');
  const rows = await page.$$eval('#alarms-region tbody tr', (trs) => trs.map((tr) => ({
    key: tr.dataset.alarm,
    cells: Object.fromEntries([...tr.querySelectorAll('[data-field]')].map((td) => [td.dataset.field, td.textContent])),
  })));
  equal(rows.length, alarms.length, 'alarm rows');
  const newestFirst = [...alarms].reverse();
  rows.forEach((row, i) => {
    const a = newestFirst[i];
    equal(row.key, `${a.area}@${a.detected_at}`, `alarm ${i}`);
    if (a.estimated_flow_m3h !== null && a.estimated_flow_m3h < 0.05) assert(row.cells.flow.startsWith('<'), `alarm ${i} flow below what the balance shows: ${row.cells.flow}`);
    else if (a.estimated_flow_m3h !== null) equal(num(row.cells.flow), round(a.estimated_flow_m3h, 1), `alarm ${i} estimated flow`);
    equal(row.cells.pipes, a.candidates.slice(0, 3).map((c) => c.pipe).join(', '), `alarm ${i} pipes`);
    assert(row.cells.started.includes(a.change_started_at.slice(11, 16)), `alarm ${i} start ${row.cells.started}`);
  });
});

const opened = [...alarms].sort((a, b) => (b.estimated_flow_m3h ?? 0) - (a.estimated_flow_m3h ?? 0))[0];
const openedKey = `${opened.area}@${opened.detected_at}`;

await check('opening an alarm shows its deviating sensors (expected vs observed) and candidate pipes on the map', async () => {
  await page.click(`tr[data-alarm="${openedKey}"] button`);
  await page.waitForSelector('#sensors-table');
  equal(await page.evaluate(() => document.activeElement?.id), 'alarm-title', 'focus moves to the alarm');
  equal(num(await page.textContent('[data-field="alarm-flow"]')), round(opened.estimated_flow_m3h, 1), 'estimated flow');
  equal(num(await page.textContent('[data-field="alarm-score"]')), round(opened.score, 2), 'score at detection');
  const sensors = await page.$$eval('#sensors-table tbody tr', (trs) => trs.map((tr) => ({
    sensor: tr.dataset.sensor,
    expected: tr.querySelector('[data-field="expected"]').textContent,
    observed: tr.querySelector('[data-field="observed"]').textContent,
    deviation: tr.querySelector('[data-field="deviation"]').textContent,
  })));
  equal(sensors.length, opened.explanation.sensors.length, 'deviating sensors');
  opened.explanation.sensors.forEach((s, i) => {
    equal(sensors[i].sensor, s.sensor, `sensor ${i}`);
    equal(num(sensors[i].expected), round(s.expected_m, 3), `${s.sensor} expected`);
    equal(num(sensors[i].observed), round(s.observed_m, 3), `${s.sensor} observed`);
    equal(num(sensors[i].deviation), round(s.deviation_m, 3), `${s.sensor} deviation`);
  });
  const pipes = await page.$$eval('#candidates-table tbody tr', (trs) => trs.map((tr) => tr.dataset.pipe));
  equal(pipes.join(','), opened.candidates.map((c) => c.pipe).join(','), 'candidate pipes');
  const links = new Set(network.links.map((l) => l.id));
  const drawn = await page.$$eval('#network-holder line.candidate', (ls) => ls.length);
  equal(drawn, opened.candidates.filter((c) => links.has(c.pipe)).length, 'candidate pipes drawn on the map');
  const nodes = new Set(network.nodes.map((n) => n.id));
  const circled = await page.$$eval('#network-holder .deviating-ring', (cs) => cs.length);
  equal(circled, opened.explanation.sensors.filter((s) => nodes.has(s.sensor)).length, 'deviating sensors circled');
  equal(await page.$$eval('#network-holder line.link', (ls) => ls.length), network.links.filter((l) => nodes.has(l.from) && nodes.has(l.to)).length, 'links drawn');
  const text = await page.textContent('.alarm-sentences');
  assert(text.includes(opened.candidates[0].pipe), 'the best pipe is named in words');
  await shot(page, 'leaks-alarm-fr');
});

await check('an opened alarm can be bookmarked', async () => {
  const query = new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');
  equal(query.get('alarme'), openedKey, 'the alarm in the address');
  await page.reload();
  await page.waitForSelector('#sensors-table');
  assert((await page.textContent('#alarm-title')).includes(`zone ${opened.area}`), 'the same alarm opens again');
});

// ---------------------------------------------------------------------------------------------
// English

await check('the language switch turns the page into English and back', async () => {
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  equal(await page.textContent('h1'), 'Leaks on the water network', 'h1 in English');
  equal(await page.textContent('#nav a[data-route="cantines"]'), 'Canteens', 'navigation in English');
  assert((await page.textContent('.alarm-sentences')).includes(opened.explanation.sensors.length ? 'area' : ''), 'alarm in English');
  assert(await page.isVisible('#sensors-table'), 'the alarm stays open');
  await shot(page, 'leaks-alarm-en');
  await page.click('#nav a[data-route="cantines"]');
  await page.waitForSelector('#week-region:not([aria-busy]) table');
  await page.waitForSelector('#day-region .reasons li');
  const day = await page.$eval('tr .day-button[aria-pressed="true"]', (b) => b.closest('tr').dataset.date);
  const shown = await page.$eval('#canteen-select', (select) => select.value);
  const f = await apiOk(`/v1/canteens/${shown}/forecast?date=${day}&horizon=${defaultHorizon}`);
  const reasons = await page.$$eval('#day-region .reasons li', (lis) => lis.map((li) => li.textContent));
  equal(reasons.join(' | '), f.explanation.reasons_en.join(' | '), 'reasons in English');
  const labels = await page.$$eval('#day-region details.numbers tbody tr th', (ths) => ths.map((th) => th.textContent));
  assert(f.explanation.groups.every((g) => labels.includes(g.label_en)), `factor labels in English: ${labels}`);
  equal(await page.textContent('h1'), 'Meals to order and to cook', 'canteens h1 in English');
  await shot(page, 'canteens-en');
  await page.reload();
  await page.waitForSelector('#week-region table');
  equal(await page.getAttribute('html', 'lang'), 'en', 'the language is remembered');
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'fr');
  equal(await page.textContent('h1'), 'Repas à commander et à cuisiner', 'back in French');
});

// ---------------------------------------------------------------------------------------------
// Accessibility and tablets

await check('accessibility: labelled controls, named charts, visible focus, readable contrast', async () => {
  await page.goto(`${base}/#/cantines?c=${canteen.id}&semaine=${week}&jour=${chosenDay}`);
  await page.waitForSelector('#day-region svg.waterfall');
  for (const route of ['cantines', 'fuites']) {
    if (route === 'fuites') {
      await page.goto(`${base}/#/fuites?alarme=${encodeURIComponent(openedKey)}`);
      await page.waitForSelector('#network-holder svg');
    }
    const unlabelled = await page.$$eval('input, select, textarea', (els) => els.filter((e) => e.type !== 'hidden' && !e.labels?.length && !e.getAttribute('aria-label')).map((e) => e.outerHTML));
    equal(unlabelled.length, 0, `${route}: unlabelled controls ${unlabelled.join(' ')}`);
    const unnamed = await page.$$eval('svg[role="img"]', (svgs) => svgs.filter((svg) => !(svg.getAttribute('aria-labelledby') ?? '').split(' ').every((id) => document.getElementById(id)?.textContent.trim())).length);
    equal(unnamed, 0, `${route}: charts without a name`);
    const nameless = await page.$$eval('button, a[href]', (els) => els.filter((e) => !(e.getAttribute('aria-label') || e.textContent.trim())).map((e) => e.outerHTML));
    equal(nameless.length, 0, `${route}: buttons or links without a name ${nameless.join(' ')}`);
    equal(await page.$$eval('h1', (hs) => hs.length), 1, `${route}: one h1`);
    // Text contrast (WCAG AA: 4.5 for normal text) of every visible text element.
    const pairs = await page.$$eval('p, span, th, td, label, legend, a, button, dt, dd, li, h1, h2, h3, summary', (els) => {
      // The colour behind an element: its own and its ancestors' backgrounds, blended.
      const background = (el) => {
        const layers = [];
        for (let e = el; e; e = e.parentElement) {
          const [r, g, b, a = 1] = getComputedStyle(e).backgroundColor.match(/[\d.]+/g).map(Number);
          if (a > 0) layers.push([r, g, b, a]);
          if (a >= 1) break;
        }
        let colour = [255, 255, 255];
        for (const [r, g, b, a] of layers.reverse()) colour = [r * a + colour[0] * (1 - a), g * a + colour[1] * (1 - a), b * a + colour[2] * (1 - a)];
        return `rgb(${colour.map((c) => Math.round(c)).join(', ')})`;
      };
      return els.filter((e) => e.offsetParent !== null && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
        .map((e) => ({ fg: getComputedStyle(e).color, bg: background(e), text: e.textContent.trim().slice(0, 40), opacity: getComputedStyle(e).opacity }));
    });
    const low = pairs.filter((p) => contrast(p.fg, p.bg) < 4.5);
    equal(low.length, 0, `${route}: low contrast ${low.slice(0, 5).map((p) => `${JSON.stringify(p.text)} ${p.fg} on ${p.bg} (${contrast(p.fg, p.bg).toFixed(2)})`).join('; ')}`);
  }
  // Keyboard: Tab from the top reaches the skip link first, then the navigation; focus is visible.
  await page.goto(`${base}/#/cantines`);
  await page.reload();
  await page.waitForSelector('#week-region table');
  await page.keyboard.press('Tab');
  equal(await page.evaluate(() => document.activeElement.id), 'skip-link', 'first Tab stop');
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert(ring !== 'none', 'focus is not visible on the skip link');
  await page.keyboard.press('Enter');
  equal(await page.evaluate(() => document.activeElement.id), 'main', 'the skip link moves to the content');
  await page.focus('#canteen-select');
  await page.keyboard.press('Tab');
  const next = await page.evaluate(() => document.activeElement.id);
  equal(next, 'week-prev', 'Tab order follows the form');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert(outline !== 'none', 'focus is not visible on buttons');
});

await check('on a tablet the page fits the screen', async () => {
  // The same tab (it holds the token, if any), resized to an upright tablet.
  const tablet = page;
  await tablet.setViewportSize({ width: 768, height: 1024 });
  for (const [route, ready, name] of [
    [`#/cantines?c=${canteen.id}&semaine=${week}&jour=${chosenDay}`, '#day-region svg.waterfall', 'canteens-tablet-fr'],
    [`#/fuites?alarme=${encodeURIComponent(openedKey)}`, '#network-holder svg', 'leaks-tablet-fr'],
  ]) {
    await tablet.goto(`${base}/${route}`);
    await tablet.waitForSelector(ready);
    const overflow = await tablet.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 1, `${route}: the page is ${overflow}px wider than the screen`);
    // What a finger touches: the control, or the label around a radio button.
    const smallTargets = await tablet.$$eval('button, select, input', (els) => els.filter((e) => e.offsetParent !== null)
      .filter((e) => ((['radio', 'checkbox'].includes(e.type) && e.closest('label')) || e).getBoundingClientRect().height < 32).map((e) => e.outerHTML.slice(0, 80)));
    equal(smallTargets.length, 0, `${route}: controls too small to touch ${smallTargets.join(' ')}`);
    // Every button can be reached without scrolling a table sideways.
    const hidden = await tablet.$$eval('button', (els) => els.filter((e) => e.offsetParent !== null && e.getBoundingClientRect().right > window.innerWidth).map((e) => e.textContent));
    equal(hidden.length, 0, `${route}: buttons off the screen: ${hidden.join(', ')}`);
    await tablet.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    console.log(`    screenshot ${path.relative(process.cwd(), path.join(ARTIFACTS, `${name}.png`))}`);
  }
  await tablet.setViewportSize({ width: 1280, height: 900 });
});

await check('no script error, no request to another host', async () => {
  equal(consoleErrors.length, 0, `errors in the console: ${consoleErrors.join(' | ')}`);
  equal(foreignRequests.length, 0, `requests to other hosts: ${foreignRequests.join(' ')}`);
});

await context.close();
fs.rmSync(profile, { recursive: true, force: true });
clearTimeout(watchdog);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
