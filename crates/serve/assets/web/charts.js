// Hand-written SVG charts, drawn at the width of their container (and again when it changes):
// the waterfall of a forecast's contributions, the history of meals served vs forecasts, the leak
// score strips, the sensors' deviations and the network map. Each chart is an image for assistive
// technologies (a title and a description); the page puts its numbers in a table next to it.

import { h, s } from './dom.js';
import { dec, signed, int, shortDay, parseTime, shortDateTime } from './format.js';

let measureContext = null;
/** Width in px of `text` at `size` px in the page's font. */
function textWidth(text, size = 13, weight = 'normal') {
  if (!measureContext) measureContext = document.createElement('canvas').getContext('2d');
  const family = getComputedStyle(document.body).fontFamily || 'sans-serif';
  measureContext.font = `${weight} ${size}px ${family}`;
  return measureContext.measureText(text).width;
}

/** Splits `text` into at most `maxLines` lines of at most `width` px (the last one ellipsised). */
function wrap(text, width, size, maxLines = 2) {
  const words = text.split(/\s+/);
  const lines = [];
  let line = '';
  for (const word of words) {
    const candidate = line ? `${line} ${word}` : word;
    if (textWidth(candidate, size) <= width || !line) {
      line = candidate;
    } else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  let last = `${kept[maxLines - 1]} ${lines.slice(maxLines).join(' ')}`;
  while (last.length > 1 && textWidth(`${last}…`, size) > width) last = last.slice(0, -1);
  kept[maxLines - 1] = `${last.trimEnd()}…`;
  return kept;
}

/** A "nice" step for about `count` ticks over `span`. */
function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 2.5 ? 2.5 : unit <= 5 ? 5 : 10) * power;
}

function ticks(lo, hi, count) {
  const step = niceStep(hi - lo, count);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

/** The image's accessible name and description. */
function labelled(svg, id, title, description) {
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-labelledby', `${id}-title${description ? ` ${id}-desc` : ''}`);
  svg.prepend(s('title', { id: `${id}-title` }, title), description ? s('desc', { id: `${id}-desc` }, description) : null);
  return svg;
}

let chartIds = 0;
const nextId = (prefix) => `${prefix}-${++chartIds}`;

/**
 * Draws `draw(width)` into `container` now and whenever its width changes; returns a function
 * that stops following the size.
 */
export function responsive(container, draw) {
  let lastWidth = 0;
  const render = () => {
    const width = Math.floor(container.clientWidth);
    if (width <= 0 || width === lastWidth) return;
    lastWidth = width;
    container.replaceChildren(draw(width));
  };
  render();
  if (lastWidth === 0) requestAnimationFrame(render);
  const observer = new ResizeObserver(() => render());
  observer.observe(container);
  return () => observer.disconnect();
}

/**
 * Waterfall of a forecast, horizontal: the base level, each factor's meals (+ right, − left), the
 * forecast. `rows`: [{label, meals}] (already rounded so that base + Σ meals = total).
 */
export function waterfall({ base, baseLabel, rows, total, totalLabel, title, description, width }) {
  const id = nextId('waterfall');
  const fontSize = 13;
  const labelWidth = Math.max(110, Math.min(290, width * 0.42));
  const valueRoom = 46;
  const left = labelWidth + 12;
  const right = width - valueRoom;
  const axisHeight = 24;
  const all = [{ label: baseLabel, meals: base, kind: 'base' }, ...rows.map((r) => ({ ...r, kind: 'delta' })), { label: totalLabel, meals: total, kind: 'total' }];
  let running = base;
  const ends = [base];
  for (const r of rows) { running += r.meals; ends.push(running); }
  ends.push(total);
  const min = Math.min(...ends);
  const max = Math.max(...ends);
  const pad = Math.max(4, (max - min) * 0.12);
  const step = niceStep(max - min + 2 * pad, 5);
  const lo = Math.max(0, Math.floor((min - pad) / step) * step);
  const hi = Math.ceil((max + pad) / step) * step;
  const x = (v) => left + ((v - lo) / (hi - lo)) * (right - left);
  const layouts = all.map((row) => {
    const lines = wrap(row.label, labelWidth, fontSize, 2);
    return { row, lines, height: lines.length > 1 ? 38 : 28 };
  });
  const height = layouts.reduce((sum, l) => sum + l.height, 0) + axisHeight + 6;
  const svg = s('svg', { class: 'chart waterfall', width, height, viewBox: `0 0 ${width} ${height}` });
  const grid = s('g', { class: 'grid' });
  for (const v of ticks(lo, hi, Math.max(2, Math.floor((right - left) / 70)))) {
    grid.append(
      s('line', { x1: x(v), x2: x(v), y1: 0, y2: height - axisHeight }),
      s('text', { x: x(v), y: height - 8, 'text-anchor': 'middle', class: 'tick' }, int(v)),
    );
  }
  svg.append(grid);
  let y = 0;
  let previous = null;
  running = base;
  for (const { row, lines, height: rowHeight } of layouts) {
    const g = s('g', { class: `bar-row ${row.kind}` });
    const mid = y + rowHeight / 2;
    const barHeight = Math.min(20, rowHeight - 8);
    lines.forEach((line, i) => {
      g.append(s('text', { x: labelWidth, y: mid + (i - (lines.length - 1) / 2) * 15 + 4.5, 'text-anchor': 'end', class: row.kind === 'delta' ? 'label' : 'label strong' }, line));
    });
    let from;
    let to;
    if (row.kind === 'delta') {
      from = running;
      to = running + row.meals;
      running = to;
    } else {
      from = lo;
      to = row.meals;
    }
    const x0 = x(Math.min(from, to));
    const x1 = x(Math.max(from, to));
    const cls = row.kind === 'delta' ? (row.meals >= 0 ? 'plus' : 'minus') : row.kind;
    g.append(s('rect', { x: x0, y: mid - barHeight / 2, width: Math.max(1.5, x1 - x0), height: barHeight, class: `bar ${cls}`, rx: 2 }));
    if (row.kind !== 'delta' && lo > 0) {
      // The bar does not start at zero: a break mark says so.
      const bx = x0 + 7;
      const top = mid - barHeight / 2;
      g.append(s('path', { d: `M${bx},${top} l-3,${barHeight / 4} l6,${barHeight / 4} l-6,${barHeight / 4} l3,${barHeight / 4}`, class: 'axis-break' }));
    }
    if (previous !== null) {
      // From the end of the previous bar to the start of this one.
      const cx = x(previous.end);
      g.append(s('line', { x1: cx, x2: cx, y1: previous.bottom, y2: mid - barHeight / 2, class: 'connector' }));
    }
    previous = { end: to, bottom: mid + barHeight / 2 };
    const valueText = row.kind === 'delta' ? signed(row.meals) : int(row.meals);
    g.append(s('text', { x: x1 + 5, y: mid + 4.5, class: `value ${cls}` }, valueText));
    svg.append(g);
    y += rowHeight;
  }
  svg.append(s('line', { x1: left, x2: right, y1: height - axisHeight, y2: height - axisHeight, class: 'axis' }));
  return labelled(svg, id, title, description);
}

/** Splits a series with gaps into polyline segments. */
function segments(values, x, y) {
  const out = [];
  let current = [];
  values.forEach((v, i) => {
    if (v === null || v === undefined || Number.isNaN(v)) {
      if (current.length) out.push(current);
      current = [];
    } else {
      current.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    }
  });
  if (current.length) out.push(current);
  return out;
}

/**
 * Lines over days (one x step per day with data): `series` = [{key, label, values, className}],
 * `highlight` = [firstIndex, lastIndex] shaded. A tooltip follows the pointer.
 */
export function lineChart({ days, series, highlight, title, description, width, height = 280, tooltip }) {
  const id = nextId('lines');
  const margin = { top: 12, right: 14, bottom: 30, left: 44 };
  const inner = { w: width - margin.left - margin.right, h: height - margin.top - margin.bottom };
  const values = series.flatMap((sr) => sr.values).filter((v) => v !== null && v !== undefined);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const step = niceStep(Math.max(1, max - min), 4);
  const lo = Math.max(0, Math.floor((min - step * 0.3) / step) * step);
  const hi = Math.ceil((max + step * 0.3) / step) * step;
  const n = days.length;
  const x = (i) => margin.left + (n <= 1 ? inner.w / 2 : (i / (n - 1)) * inner.w);
  const y = (v) => margin.top + inner.h - ((v - lo) / (hi - lo)) * inner.h;
  const svg = s('svg', { class: 'chart lines', width, height, viewBox: `0 0 ${width} ${height}` });
  if (highlight) {
    const [a, b] = highlight;
    const half = n > 1 ? inner.w / (n - 1) / 2 : 10;
    svg.append(s('rect', { x: x(a) - half, y: margin.top, width: x(b) - x(a) + 2 * half, height: inner.h, class: 'highlight' }));
  }
  const grid = s('g', { class: 'grid' });
  for (const v of ticks(lo, hi, 4)) {
    grid.append(
      s('line', { x1: margin.left, x2: width - margin.right, y1: y(v), y2: y(v) }),
      s('text', { x: margin.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, int(v)),
    );
  }
  // One label per week (its first day with data), thinned to fit.
  const weekStarts = [];
  days.forEach((d, i) => {
    const weekday = (new Date(`${d.date}T00:00:00Z`).getUTCDay() + 6) % 7;
    const previous = i > 0 ? days[i - 1].date : null;
    if (i === 0 || weekday === 0 || (previous && (new Date(`${d.date}T00:00:00Z`) - new Date(`${previous}T00:00:00Z`)) / 86_400_000 > weekday)) weekStarts.push(i);
  });
  const every = Math.max(1, Math.ceil((weekStarts.length * 56) / inner.w));
  weekStarts.forEach((i, k) => {
    grid.append(s('line', { x1: x(i), x2: x(i), y1: margin.top, y2: margin.top + inner.h, class: 'week' }));
    if (k % every === 0) grid.append(s('text', { x: x(i), y: height - 10, 'text-anchor': 'middle', class: 'tick' }, shortDay(days[i].date)));
  });
  svg.append(grid);
  for (const sr of series) {
    const g = s('g', { class: `series ${sr.className}` });
    for (const points of segments(sr.values, x, y)) {
      g.append(points.length === 1
        ? s('circle', { cx: points[0].split(',')[0], cy: points[0].split(',')[1], r: 2.5 })
        : s('polyline', { points: points.join(' ') }));
    }
    if (sr.dots) sr.values.forEach((v, i) => { if (v !== null && v !== undefined) g.append(s('circle', { cx: x(i), cy: y(v), r: 2.6 })); });
    svg.append(g);
  }
  const cursor = s('line', { class: 'cursor', x1: 0, x2: 0, y1: margin.top, y2: margin.top + inner.h, visibility: 'hidden' });
  svg.append(cursor);
  const tip = h('div', { class: 'tooltip', hidden: true, 'aria-hidden': 'true' });
  const capture = s('rect', { x: margin.left, y: margin.top, width: inner.w, height: inner.h, class: 'capture' });
  const move = (event) => {
    const box = svg.getBoundingClientRect();
    const px = event.clientX - box.left;
    const i = Math.max(0, Math.min(n - 1, Math.round(((px - margin.left) / inner.w) * (n - 1))));
    cursor.setAttribute('x1', x(i));
    cursor.setAttribute('x2', x(i));
    cursor.setAttribute('visibility', 'visible');
    tip.replaceChildren(...tooltip(i));
    tip.hidden = false;
    const left = x(i) + 12;
    tip.style.left = `${Math.min(left, width - 190)}px`;
    tip.style.top = `${margin.top}px`;
  };
  const leave = () => { cursor.setAttribute('visibility', 'hidden'); tip.hidden = true; };
  capture.addEventListener('pointermove', move);
  capture.addEventListener('pointerdown', move);
  capture.addEventListener('pointerleave', leave);
  svg.append(capture);
  svg.append(s('line', { x1: margin.left, x2: width - margin.right, y1: margin.top + inner.h, y2: margin.top + inner.h, class: 'axis' }));
  return h('div', { class: 'chart-box' }, labelled(svg, id, title, description), tip);
}

/**
 * A leak score strip for one area: 0–1, the alarm threshold dashed, the part above it filled, the
 * alarms as triangles (clickable), the selected alarm's window shaded.
 */
export function scoreStrip({ times, scores, alarms, selected, onAlarm, title, thresholdLabel, width, showDates, height = 84 }) {
  const id = nextId('strip');
  const margin = { top: 14, right: 10, bottom: showDates ? 22 : 6, left: 36 };
  const inner = { w: width - margin.left - margin.right, h: height - margin.top - margin.bottom };
  const start = parseTime(times[0]).getTime();
  const end = parseTime(times[times.length - 1]).getTime();
  const span = Math.max(1, end - start);
  const xt = (ms) => margin.left + ((ms - start) / span) * inner.w;
  const x = (i) => xt(parseTime(times[i]).getTime());
  const y = (v) => margin.top + inner.h - v * inner.h;
  const svg = s('svg', { class: 'chart strip', width, height, viewBox: `0 0 ${width} ${height}` });
  const grid = s('g', { class: 'grid' });
  for (const v of [0, 1]) grid.append(s('text', { x: margin.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, dec(v, 0)));
  // Weekly day marks (Mondays at 00:00).
  const day = 86_400_000;
  const first = new Date(start);
  const firstMonday = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), first.getUTCDate()) + (((8 - first.getUTCDay()) % 7) * day);
  for (let t = firstMonday; t <= end; t += 7 * day) {
    grid.append(s('line', { x1: xt(t), x2: xt(t), y1: margin.top, y2: margin.top + inner.h, class: 'week' }));
    if (showDates) grid.append(s('text', { x: xt(t), y: height - 6, 'text-anchor': 'middle', class: 'tick' }, shortDay(new Date(t).toISOString().slice(0, 10))));
  }
  svg.append(grid);
  for (const alarm of alarms) {
    if (alarm === selected) {
      const a = xt(parseTime(alarm.change_started_at).getTime());
      const b = xt(parseTime(alarm.detected_at).getTime());
      svg.append(s('rect', { x: a - 2, y: margin.top, width: Math.max(4, b - a + 4), height: inner.h, class: 'window' }));
    }
  }
  const clip = nextId('above');
  svg.append(s('clipPath', { id: clip }, s('rect', { x: margin.left, y: 0, width: inner.w, height: y(0.5) })));
  const area = s('g', { class: 'score' });
  for (const points of segments(scores, x, y)) {
    const firstX = points[0].split(',')[0];
    const lastX = points[points.length - 1].split(',')[0];
    area.append(s('polygon', { points: `${firstX},${y(0)} ${points.join(' ')} ${lastX},${y(0)}`, class: 'above', 'clip-path': `url(#${clip})` }));
    area.append(s('polyline', { points: points.join(' ') }));
  }
  svg.append(area);
  svg.append(
    s('line', { x1: margin.left, x2: width - margin.right, y1: y(0.5), y2: y(0.5), class: 'threshold' }),
    s('text', { x: width - margin.right - 2, y: y(0.5) - 4, 'text-anchor': 'end', class: 'threshold-label' }, thresholdLabel),
    s('line', { x1: margin.left, x2: width - margin.right, y1: y(0), y2: y(0), class: 'axis' }),
  );
  for (const alarm of alarms) {
    const ax = xt(parseTime(alarm.detected_at).getTime());
    const marker = s('path', {
      d: `M${ax - 6},${margin.top - 12} L${ax + 6},${margin.top - 12} L${ax},${margin.top - 2} Z`,
      class: alarm === selected ? 'alarm-marker selected' : 'alarm-marker',
    }, s('title', {}, shortDateTime(alarm.detected_at)));
    marker.addEventListener('click', () => onAlarm(alarm));
    svg.append(marker);
  }
  return labelled(svg, id, title);
}

/** Each deviating sensor's drop in cm, with its threshold. */
export function deviationBars({ sensors, title, width, unit }) {
  const id = nextId('deviations');
  const rowHeight = 30;
  const labelWidth = 56;
  const margin = { top: 6, bottom: 24, right: 64 };
  const cm = (m) => (m === null || m === undefined ? null : m * 100);
  const values = sensors.flatMap((sn) => [cm(sn.deviation_m), cm(sn.threshold_m) === null ? null : -Math.abs(cm(sn.threshold_m))]).filter((v) => v !== null);
  const lo = Math.min(0, ...values) * 1.15;
  const hi = Math.max(0, ...values) * 1.15 + Math.abs(lo) * 0.05;
  const left = labelWidth + 8;
  const right = width - margin.right;
  const x = (v) => left + ((v - lo) / (hi - lo || 1)) * (right - left);
  const height = margin.top + sensors.length * rowHeight + margin.bottom;
  const svg = s('svg', { class: 'chart deviations', width, height, viewBox: `0 0 ${width} ${height}` });
  const grid = s('g', { class: 'grid' });
  for (const v of ticks(lo, hi, 4)) {
    grid.append(s('line', { x1: x(v), x2: x(v), y1: margin.top, y2: height - margin.bottom }),
      s('text', { x: x(v), y: height - 8, 'text-anchor': 'middle', class: 'tick' }, dec(v, Math.abs(hi - lo) < 4 ? 1 : 0)));
  }
  svg.append(grid);
  sensors.forEach((sn, i) => {
    const mid = margin.top + i * rowHeight + rowHeight / 2;
    const d = cm(sn.deviation_m) ?? 0;
    svg.append(s('text', { x: labelWidth, y: mid + 4.5, 'text-anchor': 'end', class: 'label strong' }, sn.sensor));
    svg.append(s('rect', { x: Math.min(x(0), x(d)), y: mid - 8, width: Math.max(1.5, Math.abs(x(d) - x(0))), height: 16, class: d < 0 ? 'bar minus' : 'bar plus', rx: 2 }));
    if (sn.threshold_m !== null && sn.threshold_m !== undefined) {
      const tx = x(-Math.abs(cm(sn.threshold_m)));
      svg.append(s('line', { x1: tx, x2: tx, y1: mid - 12, y2: mid + 12, class: 'threshold' }));
    }
    svg.append(s('text', { x: Math.max(x(0), x(d)) + 6, y: mid + 4.5, class: 'value' }, unit(d)));
  });
  svg.append(s('line', { x1: x(0), x2: x(0), y1: margin.top, y2: height - margin.bottom, class: 'axis' }));
  return labelled(svg, id, title);
}

/**
 * The network from its node coordinates: links coloured by area, sensors, sources, candidate pipes
 * highlighted with their rank, deviating sensors circled.
 */
export function networkMap({ network, candidates = [], deviating = [], title, description, width }) {
  const id = nextId('network');
  const nodes = new Map(network.nodes.filter((n) => n.x !== null && n.y !== null).map((n) => [n.id, n]));
  const xs = [...nodes.values()].map((n) => n.x);
  const ys = [...nodes.values()].map((n) => n.y);
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  const minY = Math.min(...ys);
  const maxY = Math.max(...ys);
  const spanX = Math.max(1, maxX - minX);
  const spanY = Math.max(1, maxY - minY);
  const pad = 28;
  const scale = Math.min((width - 2 * pad) / spanX, (Math.min(width * 1.1, 640) - 2 * pad) / spanY);
  const height = Math.ceil(spanY * scale + 2 * pad);
  const px = (n) => pad + (n.x - minX) * scale + Math.max(0, (width - 2 * pad - spanX * scale) / 2);
  const py = (n) => pad + (maxY - n.y) * scale;
  const areaNames = network.areas.map((a) => a.name);
  const areaClass = (name) => `area-${Math.max(0, areaNames.indexOf(name)) % 6}`;
  const svg = s('svg', { class: 'chart network', width, height, viewBox: `0 0 ${width} ${height}` });
  // Area names at the centre of their junctions.
  for (const name of areaNames) {
    const own = [...nodes.values()].filter((n) => n.area === name && n.kind === 'junction');
    if (!own.length) continue;
    const cx = own.reduce((a, n) => a + px(n), 0) / own.length;
    const cy = own.reduce((a, n) => a + py(n), 0) / own.length;
    svg.append(s('text', { x: cx, y: cy, 'text-anchor': 'middle', class: `area-name ${areaClass(name)}` }, name));
  }
  const linkLayer = s('g', { class: 'links' });
  const markLayer = s('g', { class: 'marks' });
  const ends = (link) => [nodes.get(link.from), nodes.get(link.to)];
  for (const link of network.links) {
    const [a, b] = ends(link);
    if (!a || !b) continue;
    linkLayer.append(s('line', { x1: px(a), y1: py(a), x2: px(b), y2: py(b), class: `link ${link.kind} ${areaClass(link.area)}` }, s('title', {}, `${link.id}${link.length_m ? ` · ${int(link.length_m)} m` : ''}${link.diameter_mm ? ` · Ø ${int(link.diameter_mm)} mm` : ''}`)));
    const mx = (px(a) + px(b)) / 2;
    const my = (py(a) + py(b)) / 2;
    if (link.kind === 'valve') markLayer.append(s('path', { d: `M${mx - 5},${my} L${mx},${my - 5} L${mx + 5},${my} L${mx},${my + 5} Z`, class: 'valve' }, s('title', {}, link.id)));
    if (link.flow_sensor) markLayer.append(s('rect', { x: mx - 5, y: my - 5, width: 10, height: 10, class: 'flow-meter' }, s('title', {}, link.id)));
  }
  svg.append(linkLayer);
  const byPipe = new Map(network.links.map((l) => [l.id, l]));
  const candidateLayer = s('g', { class: 'candidates' });
  const rankLayer = s('g', { class: 'ranks' });
  [...candidates].reverse().forEach((c) => {
    const rank = candidates.indexOf(c) + 1;
    const link = byPipe.get(c.pipe);
    if (!link) return;
    const [a, b] = ends(link);
    if (!a || !b) return;
    candidateLayer.append(s('line', { x1: px(a), y1: py(a), x2: px(b), y2: py(b), class: `candidate rank-${Math.min(rank, 4)}` }, s('title', {}, `${rank}. ${c.pipe}`)));
    if (rank <= 5) {
      const mx = (px(a) + px(b)) / 2;
      const my = (py(a) + py(b)) / 2;
      rankLayer.append(s('g', { class: `rank rank-${Math.min(rank, 4)}` },
        s('circle', { cx: mx, cy: my, r: 9 }),
        s('text', { x: mx, y: my + 4, 'text-anchor': 'middle' }, String(rank))));
    }
  });
  svg.append(candidateLayer, markLayer);
  const nodeLayer = s('g', { class: 'nodes' });
  for (const n of nodes.values()) {
    const cx = px(n);
    const cy = py(n);
    if (n.kind === 'reservoir' || n.kind === 'tank') {
      nodeLayer.append(s('rect', { x: cx - 7, y: cy - 7, width: 14, height: 14, class: `source ${n.kind}` }, s('title', {}, n.id)),
        s('text', { x: cx + 10, y: cy - 8, class: 'node-label' }, n.id));
    } else if (n.sensor) {
      const isDeviating = deviating.includes(n.id);
      nodeLayer.append(s('circle', { cx, cy, r: isDeviating ? 6 : 4.5, class: isDeviating ? 'sensor deviating' : 'sensor' }, s('title', {}, n.id)));
      if (isDeviating) nodeLayer.append(s('circle', { cx, cy, r: 11, class: 'deviating-ring' }));
      nodeLayer.append(s('text', { x: cx + 8, y: cy - 7, class: isDeviating ? 'node-label deviating' : 'node-label' }, n.id));
    } else {
      nodeLayer.append(s('circle', { cx, cy, r: 1.8, class: 'junction' }));
    }
  }
  svg.append(nodeLayer, rankLayer);
  return labelled(svg, id, title, description);
}
