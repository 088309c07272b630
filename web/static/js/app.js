// app.js: what every page shares: the API (with the member's token, if one
// is signed in), the header, and DOM helpers that only ever set text.
//
// Text from the API (what reporters, parties and monitors wrote) goes into
// the page only through el() and text nodes, never as markup.

const TOKEN_KEY = 'truce.token';

/** The member's token, kept for this browser tab only. */
export function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
export function setToken(t) { t ? sessionStorage.setItem(TOKEN_KEY, t) : sessionStorage.removeItem(TOKEN_KEY); }

/** ApiError carries a problem document's detail and status. */
export class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

/** fetchRaw fetches a path of this server with the member's token. */
export async function fetchRaw(path, opts = {}) {
  const headers = new Headers(opts.headers || {});
  const t = token();
  if (t) headers.set('Authorization', 'Bearer ' + t);
  const resp = await fetch(path, { ...opts, headers });
  if (!resp.ok) {
    let detail = resp.status + ' ' + resp.statusText;
    try { const p = await resp.json(); if (p.detail) detail = p.detail; } catch (e) { /* not a problem document */ }
    throw new ApiError(resp.status, detail);
  }
  return resp;
}

/** api fetches a JSON document. */
export async function api(path, opts) { return (await fetchRaw(path, opts)).json(); }

/** text fetches a text document. */
export async function text(path) { return (await fetchRaw(path)).text(); }

/**
 * el makes an element: attrs are properties or attributes (on* are
 * listeners), children are nodes or strings (set as text, never parsed).
 */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  append(e, ...children);
  return e;
}

/** append adds children, strings as text nodes. */
export function append(parent, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    parent.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return parent;
}

/** svg makes an SVG element. */
export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, v);
  append(e, ...children);
  return e;
}

export function clear(e) { e.replaceChildren(); return e; }

export function $(sel) { return document.querySelector(sel); }

/** fmtTime shows an RFC 3339 time in UTC, to the minute. */
export function fmtTime(t) {
  if (!t) return '';
  const d = new Date(t);
  if (isNaN(d)) return String(t);
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function fmtDay(t) { return new Date(t).toISOString().slice(0, 10); }

/** fmtDuration says a span of milliseconds as "2 d 3 h" or "14 min". */
export function fmtDuration(ms) {
  const m = Math.round(Math.abs(ms) / 60000), d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m % 60} min`;
  return `${m} min`;
}

export function short(id) { return id ? String(id).slice(0, 12) : ''; }

export function words(s) { return String(s || '').replaceAll('_', ' '); }

/** Colours of grades and statuses, shared by the map and the pages. */
export const gradeColours = {
  single_source: '#d08c00', corroborated: '#d9480f', impartial: '#a61e4d', contested: '#6741d9', retracted: '#868e96',
};
export const statusColours = {
  open: '#d08c00', awaiting_reply: '#e8590c', replied: '#1c7ed6', overdue: '#c92a2a', determined: '#5f3dc4', published: '#2b8a3e',
};
export const grades = Object.keys(gradeColours);
export const statuses = Object.keys(statusColours);

export function badge(label, colour) {
  return el('span', { class: 'badge', style: `background:${colour || '#57606a'}` }, words(label));
}

/** config is the deployment's web configuration. */
export const config = fetch('/ui/config.json').then(r => r.json()).catch(() => ({}));

/** origin is the log's origin: the first line of its checkpoint. */
export async function logOrigin() { return (await text('/log/checkpoint')).split('\n')[0]; }

/**
 * whoami says who the server takes the reader for: {member, role}, or
 * {role: "public"}. A server without /v1/whoami is read as public.
 */
export async function whoami() {
  if (!token()) return { role: 'public' };
  try { return await api('/v1/whoami'); } catch (e) {
    if (e.status === 404) return { role: 'public', unchecked: true };
    return { role: 'public', error: e.message };
  }
}

/** showError puts a message in place of a page's content. */
export function showError(where, err) {
  append(clear(where), el('p', { class: 'error', role: 'alert' }, 'Could not load this page: ', err.message || String(err)));
}

/** ready marks the page loaded, with the time it took, for people
 * waiting on it and for the browser tests. */
export function ready() {
  document.body.dataset.readyMs = String(Math.round(performance.now()));
  document.body.dataset.ready = 'true';
}

async function header() {
  const page = document.body.dataset.page;
  for (const a of document.querySelectorAll('[data-nav]')) if (a.dataset.nav === page) a.setAttribute('aria-current', 'page');
  const who = document.getElementById('who');
  if (token()) {
    const w = await whoami();
    who.textContent = w.member ? `Signed in: ${w.member} (${w.role})` : (w.error ? 'Token refused · Sign in' : 'Signed in (token) · Sign out');
  }
}
header();
