// Numbers, dates and times as people read them in the page's language, and the calendar helpers.
// Days are `YYYY-MM-DD` strings and SCADA times `YYYY-MM-DD HH:MM:SS` (local time of the network,
// no zone): both are handled in UTC so that the browser's own zone never shifts them.

import { lang } from './i18n.js';

const LOCALES = { fr: 'fr-FR', en: 'en-GB' };
const locale = () => LOCALES[lang()];

const formatters = new Map();
function numberFormat(options) {
  const key = `${locale()}|${JSON.stringify(options)}`;
  if (!formatters.has(key)) formatters.set(key, new Intl.NumberFormat(locale(), options));
  return formatters.get(key);
}

/** A whole number of meals: `1 234`. */
export function int(x) {
  return x === null || x === undefined ? '—' : numberFormat({ maximumFractionDigits: 0 }).format(x);
}

/** With a sign: `+38`, `−210` (a true minus sign). */
export function signed(x, digits = 0) {
  const text = numberFormat({ maximumFractionDigits: digits, minimumFractionDigits: digits, signDisplay: 'exceptZero' }).format(x);
  return text.replace('-', '−');
}

/** A decimal number: `14,3`. */
export function dec(x, digits = 1) {
  if (x === null || x === undefined) return '—';
  return numberFormat({ maximumFractionDigits: digits, minimumFractionDigits: digits }).format(x).replace('-', '−');
}

/** A share: `93 %`. */
export function percent(x, digits = 0) {
  if (x === null || x === undefined) return '—';
  return numberFormat({ style: 'percent', maximumFractionDigits: digits, minimumFractionDigits: digits }).format(x);
}

const DAY = 86_400_000;

/** `YYYY-MM-DD` → a Date at 00:00 UTC. */
export function parseDay(text) {
  const [y, m, d] = text.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

/** A Date (UTC) → `YYYY-MM-DD`. */
export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export function addDays(day, n) {
  return isoDay(new Date(parseDay(day).getTime() + n * DAY));
}

/** The Monday of the week of `day`. */
export function mondayOf(day) {
  const weekday = (parseDay(day).getUTCDay() + 6) % 7;
  return addDays(day, -weekday);
}

export function isValidDay(text) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text ?? '')) return false;
  return isoDay(parseDay(text)) === text;
}

function dateFormat(options) {
  return new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', ...options });
}

/** `lundi 2 juillet 2018` / `Monday 2 July 2018`. */
export function longDay(day) {
  return dateFormat({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(parseDay(day));
}

/** `lundi 2 juillet` / `Monday 2 July`. */
export function dayMonth(day) {
  return dateFormat({ weekday: 'long', day: 'numeric', month: 'long' }).format(parseDay(day));
}

/** `2 juil.` / `2 Jul`. */
export function shortDay(day) {
  return dateFormat({ day: 'numeric', month: 'short' }).format(parseDay(day));
}

/** `2 juillet 2018`. */
export function plainDay(day) {
  return dateFormat({ day: 'numeric', month: 'long', year: 'numeric' }).format(parseDay(day));
}

/** Capitalises the first letter (French weekdays are lower case mid-sentence). */
export function capitalise(text) {
  return text.charAt(0).toLocaleUpperCase(locale()) + text.slice(1);
}

/** A SCADA time → a Date (UTC clock = the network's clock). */
export function parseTime(text) {
  const [day, clock = '00:00:00'] = text.split(' ');
  const [h, m, s = 0] = clock.split(':').map(Number);
  return new Date(parseDay(day).getTime() + ((h * 60 + m) * 60 + s) * 1000);
}

/** `jeu. 31 janv. 2019, 17:55` / `Thu 31 Jan 2019, 17:55`. */
export function dateTime(text) {
  return dateFormat({ weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(parseTime(text));
}

/** `jeu. 31 janv., 17:55`. */
export function dayTime(text) {
  return dateFormat({ weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(parseTime(text));
}

/** `31 janv., 17:55`. */
export function shortDateTime(text) {
  return dateFormat({ day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(parseTime(text));
}

/** `17:55`. */
export function clock(text) {
  return text.slice(11, 16);
}
