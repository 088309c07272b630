// log.js: the log's latest checkpoint, its signature (checked here) and
// cosignatures, the witnesses, the size of the log over time, and the
// latest statements.
import { api, text, el, svg, append, clear, $, fmtTime, fmtDay, short, showError, ready } from './app.js';
import { parseCheckpoint, parseVerifierKey, verifyNote, b64decode, hex, sha256 } from './verify.js';

const root = $('#log');
const enc = new TextEncoder();

async function main() {
  const [note, vkeyText] = await Promise.all([text('/log/checkpoint'), text('/log/vkey')]);
  const cp = parseCheckpoint(note);
  const vkey = parseVerifierKey(vkeyText);
  const sig = await verifyNote(cp, vkey);
  const witnesses = await api('/v1/witnesses').catch(() => null);
  const witnessKeys = findVerifierKeys(witnesses);
  clear(root);
  append(root,
    el('section', { 'aria-labelledby': 'cp-h' },
      el('h2', { id: 'cp-h' }, 'Latest checkpoint'),
      el('dl', { class: 'facts' },
        el('dt', {}, 'Origin'), el('dd', { class: 'mono' }, cp.origin),
        el('dt', {}, 'Size'), el('dd', { id: 'log-size', dataset: { size: cp.size } }, `${cp.size.toLocaleString('en')} entries`),
        el('dt', {}, 'Root hash'), el('dd', { class: 'mono' }, hex(cp.root)),
        el('dt', {}, 'Log\'s key'), el('dd', { class: 'mono' }, vkeyText.trim()),
        el('dt', {}, 'Signature'), el('dd', { id: 'cp-signature', dataset: { state: sig.ok ? 'verified' : sig.ok === null ? 'unchecked' : 'failed' },
          class: sig.ok ? 'verified' : 'not-verified' }, sig.ok ? 'verified in this browser with the log\'s key' : sig.ok === null ? 'not checked: ' + sig.reason : 'not verified: ' + sig.reason)),
      el('p', { class: 'muted' }, 'Compare the log\'s key with the one the deployment publishes elsewhere: this page takes it from the same server.'),
      el('pre', { class: 'mono card', 'aria-label': 'The checkpoint as served' }, note)),
    await signatures(cp, vkey, witnessKeys),
    witnessSection(witnesses),
    el('section', { 'aria-labelledby': 'size-h' }, el('h2', { id: 'size-h' }, 'Size over time'), el('div', { id: 'size-chart' }, 'Loading…')),
    el('section', { 'aria-labelledby': 'latest-h' }, el('h2', { id: 'latest-h' }, 'Latest statements'), el('div', { id: 'latest' }, 'Loading…')));
  root.removeAttribute('aria-busy');
  await Promise.all([sizeChart(cp.size), latest(cp.size)]);
  ready();
}

/** findVerifierKeys finds signed-note verifier keys anywhere in a document. */
function findVerifierKeys(doc) {
  const keys = [];
  const walk = v => {
    if (typeof v === 'string') { try { if (/^[^+\s]+\+[0-9a-f]{8}\+\S+$/.test(v)) keys.push(v); } catch (e) { /* not a key */ } }
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(doc);
  return keys;
}

/** verifyCosignature checks a C2SP tlog-cosignature/v1 by a witness key. */
async function verifyCosignature(cp, s, vkey) {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(vkey);
  const raw = b64decode(m[3]);
  if (raw[0] !== 4 || raw.length !== 33 || s.sig.length !== 72) return null;
  const view = new DataView(s.sig.buffer, s.sig.byteOffset);
  const ts = view.getBigUint64(0);
  const msg = enc.encode(`cosignature/v1\ntime ${ts}\n${cp.text}`);
  try {
    const key = await crypto.subtle.importKey('raw', raw.slice(1), { name: 'Ed25519' }, false, ['verify']);
    return { ok: await crypto.subtle.verify({ name: 'Ed25519' }, key, s.sig.slice(8), msg), time: new Date(Number(ts) * 1000) };
  } catch (e) { return null; }
}

async function signatures(cp, vkey, witnessKeys) {
  const rows = [];
  for (const s of cp.signatures) {
    let who = 'unknown key', state = '';
    if (s.name === vkey.name && s.keyHash === vkey.keyHash) { who = 'the log'; state = 'see above'; }
    else {
      const wk = witnessKeys.find(k => k.startsWith(`${s.name}+${s.keyHash}+`));
      who = 'cosignature' + (wk ? ' by a known witness' : '');
      if (wk) {
        const r = await verifyCosignature(cp, s, wk);
        state = r === null ? 'not checked' : r.ok ? `verified (cosigned ${fmtTime(r.time)})` : 'not verified';
      } else state = 'witness key unknown to this page';
    }
    rows.push(el('tr', {}, el('td', { class: 'mono' }, s.name), el('td', { class: 'mono' }, s.keyHash), el('td', {}, who), el('td', {}, state)));
  }
  return el('section', { 'aria-labelledby': 'sig-h' }, el('h2', { id: 'sig-h' }, 'Signatures and cosignatures'),
    el('div', { class: 'table-wrap' }, el('table', { id: 'signatures' },
      el('thead', {}, el('tr', {}, ['key name', 'key hash', 'signer', 'check'].map(h => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows))),
    cp.signatures.length < 2 ? el('p', { class: 'muted' }, 'No witness has cosigned this checkpoint yet.') : null);
}

function witnessSection(w) {
  if (!w) return el('section', { 'aria-labelledby': 'wit-h' }, el('h2', { id: 'wit-h' }, 'Witnesses'),
    el('p', { class: 'muted' }, 'This server does not list its witnesses (no /v1/witnesses).'));
  const list = Array.isArray(w) ? w : (w.witnesses || []);
  return el('section', { 'aria-labelledby': 'wit-h' }, el('h2', { id: 'wit-h' }, 'Witnesses'),
    list.length ? el('ul', {}, list.map(x => el('li', {}, typeof x === 'string' ? x : Object.entries(x).filter(([, v]) => typeof v !== 'object').map(([k, v]) => `${k}: ${v}`).join(' · '))))
      : el('p', {}, 'None configured.'));
}

/** sizeChart samples the log at about 24 indexes and plots each entry's
 * claimed time against its index. */
async function sizeChart(size) {
  const out = $('#size-chart');
  if (size === 0) { out.textContent = 'The log is empty.'; return; }
  const n = Math.min(size, 24), idx = [...new Set(Array.from({ length: n }, (_, i) => Math.floor(i * (size - 1) / Math.max(1, n - 1))))];
  const points = (await Promise.all(idx.map(k => api(`/v1/statements?from=${k}&limit=1`).then(r => r.statements[0]).catch(() => null))))
    .filter(s => s && !s.withheld && s.time && !s.time.startsWith('0001')).map(s => ({ i: s.index + 1, t: new Date(s.time) }));
  if (points.length < 2) { out.textContent = 'The times of the log\'s statements are not shown to you.'; return; }
  // Claimed times are the signers': the curve is the log's growth as they
  // tell it, so keep the running maximum.
  let maxT = 0;
  for (const p of points) { maxT = Math.max(maxT, p.t); p.t = new Date(maxT); }
  const t0 = points[0].t, t1 = Math.max(points[points.length - 1].t, t0.getTime() + 864e5);
  const W = 700, H = 220, L = 60, B = 30;
  const x = t => L + (t - t0) / (t1 - t0) * (W - L - 10), y = i => H - B - i / size * (H - B - 10);
  const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'timeline', role: 'img', 'aria-label': `The log grew to ${size} entries between ${fmtDay(t0)} and ${fmtDay(t1)}, by the times its statements claim` },
    svg('line', { x1: L, x2: W - 10, y1: H - B, y2: H - B, stroke: '#57606a' }),
    svg('line', { x1: L, x2: L, y1: 10, y2: H - B, stroke: '#57606a' }),
    svg('text', { x: L - 6, y: 16, 'text-anchor': 'end', 'font-size': 11 }, String(size)),
    svg('text', { x: L - 6, y: H - B, 'text-anchor': 'end', 'font-size': 11 }, '0'),
    svg('text', { x: L, y: H - 10, 'font-size': 11 }, fmtDay(t0)),
    svg('text', { x: W - 10, y: H - 10, 'font-size': 11, 'text-anchor': 'end' }, fmtDay(t1)),
    svg('polyline', { points: points.map(p => `${x(p.t).toFixed(1)},${y(p.i).toFixed(1)}`).join(' '), fill: 'none', stroke: '#0b5cad', 'stroke-width': 2 }));
  out.replaceChildren(g, el('p', { class: 'muted' }, 'Entries against the time their statements claim (sampled at about 24 indexes).'));
}

async function latest(size) {
  const from = Math.max(0, size - 15);
  const { statements } = await api(`/v1/statements?from=${from}&limit=15`);
  $('#latest').replaceChildren(el('div', { class: 'table-wrap' }, el('table', {},
    el('thead', {}, el('tr', {}, ['index', 'kind', 'signer', 'claimed time', 'status', 'id'].map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, statements.reverse().map(s => el('tr', {},
      el('td', { class: 'n' }, String(s.index)), el('td', {}, s.kind), el('td', {}, s.withheld ? 'withheld' : s.signer), el('td', {}, s.withheld ? '' : fmtTime(s.time)),
      el('td', {}, s.status, s.reason ? ': ' + s.reason : ''),
      el('td', {}, s.withheld ? el('code', {}, short(s.id)) : el('a', { href: '/v1/statements/' + s.id }, el('code', {}, short(s.id))))))))));
}

main().catch(e => { showError(root, e); root.removeAttribute('aria-busy'); ready(); });
