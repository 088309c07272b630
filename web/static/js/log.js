// log.js: the log's latest checkpoint, its signature (checked here) and
// cosignatures, the witnesses, the size of the log over time, and the
// latest statements.
import { api, text, el, svg, append, clear, $, fmtTime, fmtDay, short, showError, ready } from './app.js';
import { parseCheckpoint, parseVerifierKey, verifyNote, verifyInclusion, b64decode, hex, sha256 } from './verify.js';

const root = $('#log');
const enc = new TextEncoder();

async function main() {
  const [note, vkeyText] = await Promise.all([text('/log/checkpoint'), text('/log/vkey')]);
  const cp = parseCheckpoint(note);
  const vkey = parseVerifierKey(vkeyText);
  const sig = await verifyNote(cp, vkey);
  const policy = await witnessPolicy(await api('/v1/witnesses').catch(() => null), vkeyText);
  const checks = await checkSignatures(cp, vkey, policy);
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
    signatures(checks),
    witnessSection(policy, checks),
    el('section', { 'aria-labelledby': 'size-h' }, el('h2', { id: 'size-h' }, 'Size over time'), el('div', { id: 'size-chart' }, 'Loading…')),
    el('section', { 'aria-labelledby': 'latest-h' }, el('h2', { id: 'latest-h' }, 'Latest statements'), el('div', { id: 'latest' }, 'Loading…')));
  root.removeAttribute('aria-busy');
  await Promise.all([sizeChart(cp.size), latest(cp.size)]);
  ready();
}

/**
 * witnessPolicy returns the charter's witness policy, {witnesses: [{member,
 * key}], quorum}, with where it comes from: GET /v1/witnesses names the
 * charter in force, and the policy is read from that charter's own log
 * entry once this browser has checked its inclusion under a checkpoint
 * signed by the log's key, so that the server's word is not needed
 * (checked: true). If the check cannot be made, the server's answer is
 * used and the reason kept; if the charter says otherwise than the
 * server, the charter wins and differs is set. Returns null when the
 * server has no /v1/witnesses, and {none: true} when the charter names no
 * witnesses.
 */
async function witnessPolicy(served, vkeyText) {
  if (!served) return null;
  if (!served.policy) return { none: true, witnesses: [], quorum: 0 };
  const out = { witnesses: served.policy.witnesses || [], quorum: served.policy.quorum, index: served.charter_index, checked: false, differs: false, reason: '' };
  try {
    const receipt = await api('/v1/receipts/' + served.charter);
    if (receipt.index !== served.charter_index) throw new Error(`the charter is at log index ${receipt.index}, not ${served.charter_index}`);
    const r = await verifyInclusion({ id: served.charter, receipt, vkey: vkeyText });
    if (!r.ok || r.checkpointSigned !== true) throw new Error(r.reason || 'the checkpoint\'s signature was not checked');
    const env = JSON.parse(new TextDecoder().decode(b64decode(receipt.leaf)));
    const payload = JSON.parse(new TextDecoder().decode(b64decode(env.payload)));
    if (payload.kind !== 'charter') throw new Error(`the log entry is a ${payload.kind}, not a charter`);
    const policy = payload.body.witnesses || { witnesses: [], quorum: 0 };
    const same = policy.quorum === out.quorum && policy.witnesses.length === out.witnesses.length &&
      policy.witnesses.every((w, i) => w.member === out.witnesses[i].member && w.key === out.witnesses[i].key);
    Object.assign(out, { witnesses: policy.witnesses, quorum: policy.quorum, checked: true, differs: !same });
  } catch (e) {
    out.reason = e.message;
  }
  return out;
}

/** verifyCosignature checks a C2SP tlog-cosignature/v1 by a witness key:
 * {ok, time}, or null if this browser cannot check it. */
async function verifyCosignature(cp, s, vkey) {
  if (!crypto.subtle) return null;
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(vkey);
  if (!m) return { ok: false };
  const raw = b64decode(m[3]);
  if (raw[0] !== 4 || raw.length !== 33 || s.sig.length !== 72) return { ok: false };
  const name = enc.encode(m[1] + '\n'), hashed = new Uint8Array(name.length + raw.length);
  hashed.set(name);
  hashed.set(raw, name.length);
  if (hex((await sha256(hashed)).slice(0, 4)) !== m[2]) return { ok: false };
  const view = new DataView(s.sig.buffer, s.sig.byteOffset);
  const ts = view.getBigUint64(0);
  const msg = enc.encode(`cosignature/v1\ntime ${ts}\n${cp.text}`);
  try {
    const key = await crypto.subtle.importKey('raw', raw.slice(1), { name: 'Ed25519' }, false, ['verify']);
    return { ok: await crypto.subtle.verify({ name: 'Ed25519' }, key, s.sig.slice(8), msg), time: new Date(Number(ts) * 1000) };
  } catch (e) { return null; }
}

/**
 * checkSignatures checks each signature line of the checkpoint: the log's
 * own (checked above), or a cosignature by one of the policy's witnesses,
 * verified here with the witness's key. Returns one result a line:
 * {s, witness, state, time}, state being log, verified, failed, unchecked
 * (this browser cannot check Ed25519) or unknown (not a witness's key).
 */
async function checkSignatures(cp, vkey, policy) {
  return Promise.all(cp.signatures.map(async s => {
    if (s.name === vkey.name && s.keyHash === vkey.keyHash) return { s, state: 'log' };
    const witness = (policy?.witnesses || []).find(w => w.key.startsWith(`${s.name}+${s.keyHash}+`));
    if (!witness) return { s, state: 'unknown' };
    const r = await verifyCosignature(cp, s, witness.key);
    return { s, witness, state: r === null ? 'unchecked' : r.ok ? 'verified' : 'failed', time: r?.time };
  }));
}

const checkWords = {
  log: 'see above',
  verified: 'verified in this browser',
  failed: 'does not verify',
  unchecked: 'not checked: this browser cannot check Ed25519 signatures',
  unknown: 'not the key of a witness the charter names',
};

function signatures(checks) {
  const rows = checks.map(c => el('tr', { dataset: { state: c.state } },
    el('td', { class: 'mono' }, c.s.name), el('td', { class: 'mono' }, c.s.keyHash),
    el('td', {}, c.state === 'log' ? 'the log' : c.witness ? `cosignature by ${c.witness.member}'s witness` : 'unknown key'),
    el('td', { class: c.state === 'verified' ? 'verified' : c.state === 'failed' ? 'not-verified' : null },
      checkWords[c.state] + (c.time ? ` (cosigned ${fmtTime(c.time)})` : ''))));
  return el('section', { 'aria-labelledby': 'sig-h' }, el('h2', { id: 'sig-h' }, 'Signatures and cosignatures'),
    el('div', { class: 'table-wrap' }, el('table', { id: 'signatures' },
      el('thead', {}, el('tr', {}, ['key name', 'key hash', 'signer', 'check'].map(h => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows))),
    checks.length < 2 ? el('p', { class: 'muted' }, 'No witness has cosigned this checkpoint yet.') : null);
}

/**
 * witnessSection lists the charter's witnesses, whether each cosigned this
 * checkpoint (as checked here), and whether the quorum is met: counted
 * from the cosignatures this browser verified, not from the server's word.
 */
function witnessSection(policy, checks) {
  const section = (...children) => el('section', { 'aria-labelledby': 'wit-h' }, el('h2', { id: 'wit-h' }, 'Witnesses'), ...children);
  if (!policy) return section(el('p', { class: 'muted' }, 'This server does not list its witnesses (no /v1/witnesses).'));
  if (policy.none || !policy.witnesses.length) return section(el('p', {}, 'The charter names no witnesses: checkpoints are signed by the log alone.'));
  const byKey = new Map(checks.filter(c => c.witness).map(c => [c.witness.key, c]));
  const rows = policy.witnesses.map(w => {
    const c = byKey.get(w.key), state = c ? c.state : 'missing';
    const m = /^([^+\s]+)\+([0-9a-f]{8})\+/.exec(w.key) || [];
    return el('tr', { dataset: { member: w.member, state } },
      el('td', {}, w.member), el('td', { class: 'mono' }, m[1] || w.key), el('td', { class: 'mono' }, m[2] || ''),
      el('td', { class: state === 'verified' ? 'verified' : state === 'failed' ? 'not-verified' : null },
        state === 'missing' ? 'no cosignature' : 'cosignature ' + checkWords[state] + (c.time ? ` (${fmtTime(c.time)})` : '')));
  });
  const verified = new Set(checks.filter(c => c.state === 'verified').map(c => c.witness.key)).size;
  const unchecked = checks.some(c => c.state === 'unchecked');
  const quorum = verified >= policy.quorum ? 'met' : unchecked ? 'unchecked' : 'not-met';
  return section(
    el('div', { class: 'table-wrap' }, el('table', { id: 'witnesses' },
      el('thead', {}, el('tr', {}, ['member', 'witness', 'key hash', 'this checkpoint'].map(h => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows))),
    el('p', { id: 'witness-quorum', dataset: { state: quorum, verified, quorum: policy.quorum }, class: quorum === 'met' ? 'verified' : 'not-verified' },
      `Quorum: ${policy.quorum} of ${policy.witnesses.length} witnesses. `,
      quorum === 'met' ? `Met: ${verified} cosignature${verified === 1 ? '' : 's'} verified in this browser.`
        : quorum === 'unchecked' ? 'Not checked: this browser cannot check Ed25519 signatures.'
          : `Not met: ${verified} cosignature${verified === 1 ? '' : 's'} verified in this browser. This checkpoint proves nothing against a log that shows different histories to different readers; ask the silent witnesses' members.`),
    el('p', { id: 'witness-policy', class: policy.checked && !policy.differs ? 'muted' : 'not-verified', dataset: { checked: policy.checked, differs: policy.differs } },
      policy.checked
        ? `The witnesses and the quorum are the charter's, read from its log entry (index ${policy.index}), whose inclusion under a checkpoint signed by the log's key this browser checked.` +
          (policy.differs ? ' The server\'s /v1/witnesses says otherwise: this page follows the charter.' : '')
        : `The witnesses and the quorum are the server's answer: the charter could not be checked (${policy.reason}).`));
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
