// Talking to the API of the same server: JSON in, JSON out, refusals as `ApiProblem` (the RFC 9457
// problem document: title, detail, offending fields), and the bearer token for leak data, kept in
// this tab's sessionStorage only.

const TOKEN_KEY = 'prevoir.token';

/** The API refused a request: its problem document. */
export class ApiProblem extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.title = problem.title || `HTTP ${status}`;
    this.detail = problem.detail || '';
    this.type = problem.type || '';
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
  }
}

export function token() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (_) { return ''; }
}

export function setToken(value) {
  try {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch (_) { /* storage may be disabled: the token then lasts until the page reloads */ }
  memoryToken = value || '';
}

let memoryToken = '';

async function request(method, path, { body, auth = false, signal } = {}) {
  const headers = { Accept: 'application/json' };
  const bearer = auth ? (token() || memoryToken) : '';
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    cache: 'no-store',
  });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
  if (!response.ok) {
    throw new ApiProblem(response.status, data && typeof data === 'object' ? data : { detail: text.slice(0, 300) });
  }
  return data;
}

export const get = (path, options) => request('GET', path, options);
export const post = (path, body, options) => request('POST', path, { ...options, body });

/** `path?name=value…`, leaving out empty values. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') query.set(name, value);
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
