// agreements.js: every agreement: its versions on a timeline (when each
// binds each party), each version's clauses and signatures, and the
// difference between two versions.
import { api, el, svg, append, clear, $, fmtTime, fmtDay, short, words, showError, ready } from './app.js';

const root = $('#agreements');

async function main() {
  const { agreements } = await api('/v1/agreements');
  clear(root);
  if (!agreements.length) append(root, el('p', {}, 'No agreement has been proposed yet.'));
  for (const a of agreements) append(root, agreementSection(a));
  root.removeAttribute('aria-busy');
  ready();
}

function agreementSection(a) {
  const latest = a.versions[a.versions.length - 1].agreement;
  const diffOut = el('div', { class: 'diff-out', 'aria-live': 'polite' });
  const pick = (id, sel) => el('select', { id, onchange: () => showDiff() }, a.versions.map(v =>
    el('option', { value: v.agreement.version, selected: v.agreement.version === sel }, `version ${v.agreement.version}`)));
  const from = pick(`diff-from-${a.id}`, a.versions.length > 1 ? a.versions[a.versions.length - 2].agreement.version : latest.version);
  const to = pick(`diff-to-${a.id}`, latest.version);
  const showDiff = () => {
    const va = a.versions.find(v => v.agreement.version === +from.value).agreement;
    const vb = a.versions.find(v => v.agreement.version === +to.value).agreement;
    diffOut.replaceChildren(diffView(va, vb));
  };
  showDiff();
  return el('section', { class: 'agreement', 'aria-labelledby': 'ag-' + a.id },
    el('h2', { id: 'ag-' + a.id }, latest.title || a.id, ' ', el('span', { class: 'muted' }, `(${a.id}, ${a.versions.length} version${a.versions.length === 1 ? '' : 's'})`)),
    el('h3', {}, 'In force, per party'),
    timeline(a),
    periodsTable(a),
    el('h3', {}, 'Difference between versions'),
    el('div', { class: 'row no-print' },
      el('div', {}, el('label', { for: from.id }, 'From'), from),
      el('div', {}, el('label', { for: to.id }, 'To'), to)),
    diffOut,
    a.versions.slice().reverse().map(v => versionCard(v)));
}

/** timeline draws each version's window and, per party, when it binds. */
function timeline(a) {
  const times = [];
  for (const v of a.versions) {
    times.push(new Date(v.agreement.window.from));
    if (v.agreement.window.until) times.push(new Date(v.agreement.window.until));
    for (const s of v.signatures) times.push(new Date(s.accepted_from));
  }
  for (const p of a.periods) { times.push(new Date(p.from)); if (p.until) times.push(new Date(p.until)); }
  const t0 = Math.min(...times), t1 = Math.max(...times, t0 + 864e5);
  const rows = [];
  for (const v of a.versions) {
    rows.push({ kind: 'window', v });
    for (const party of v.agreement.parties) rows.push({ kind: 'party', v, party });
  }
  const W = 900, left = 150, right = 20, rowH = 24, top = 26, H = top + rows.length * rowH + 10;
  const x = t => left + (new Date(t) - t0) / (t1 - t0) * (W - left - right);
  const g = svg('svg', { class: 'timeline', viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': `Timeline of ${a.id}: ` + a.periods.map(p => `version ${p.version} binds ${p.party} from ${fmtTime(p.from)}${p.until ? ' until ' + fmtTime(p.until) : ''}`).join('; ') });
  // Day ticks, at most about ten.
  const days = Math.ceil((t1 - t0) / 864e5), step = Math.max(1, Math.ceil(days / 10));
  const d0 = new Date(fmtDay(t0) + 'T00:00:00Z');
  for (let d = new Date(d0); d <= t1; d = new Date(d.getTime() + step * 864e5)) {
    if (d < t0) continue;
    append(g, svg('line', { x1: x(d), x2: x(d), y1: 18, y2: H - 6, stroke: '#d0d7de' }),
      svg('text', { x: x(d), y: 13, 'font-size': 11, 'text-anchor': 'middle', fill: '#57606a' }, fmtDay(d).slice(5)));
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const w = r.v.agreement.window;
    if (r.kind === 'window') {
      append(g, svg('text', { x: 4, y: y + 15, 'font-size': 12, 'font-weight': 600 }, `version ${r.v.agreement.version}: window`),
        svg('rect', { x: x(w.from), y: y + 5, width: Math.max(2, x(w.until || t1) - x(w.from)), height: 12, fill: '#e7f0fa', stroke: '#1971c2', 'stroke-dasharray': '3 2' },
          svg('title', {}, `window from ${fmtTime(w.from)}${w.until ? ' until ' + fmtTime(w.until) : ''}${w.extendable ? ' (extendable)' : ''}`)));
      return;
    }
    append(g, svg('text', { x: 14, y: y + 15, 'font-size': 12 }, `binds ${r.party}`));
    for (const p of a.periods.filter(p => p.version === r.v.agreement.version && p.party === r.party)) {
      append(g, svg('rect', { class: 'period', 'data-party': r.party, 'data-version': p.version, x: x(p.from), y: y + 4, width: Math.max(2, x(p.until || t1) - x(p.from)), height: 14, rx: 3, fill: '#0b5cad' },
        svg('title', {}, `version ${p.version} binds ${r.party} from ${fmtTime(p.from)}${p.until ? ' until ' + fmtTime(p.until) : ''}`)));
    }
    const s = r.v.signatures.find(s => s.party === r.party);
    if (s) append(g, svg('path', { d: `M${x(s.accepted_from)} ${y + 2} l5 -6 h-10 z`, fill: '#e8590c' }, svg('title', {}, `${r.party} signed (log index ${s.index}), accepting from ${fmtTime(s.accepted_from)}`)));
  });
  return el('div', { class: 'table-wrap' }, g, el('p', { class: 'muted' }, 'Dark bars: when a version binds a party. Dashed: the version\'s window. Orange marks: the time each party\'s signature accepts from.'));
}

function periodsTable(a) {
  return el('div', { class: 'table-wrap' }, el('table', { class: 'periods' },
    el('thead', {}, el('tr', {}, ['version', 'party', 'binds from', 'until'].map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, a.periods.map(p => el('tr', {}, el('td', {}, String(p.version)), el('td', {}, p.party), el('td', {}, fmtTime(p.from)), el('td', {}, p.until ? fmtTime(p.until) : 'open'))))));
}

function versionCard(v) {
  const g = v.agreement;
  return el('details', { class: 'card version', open: v === undefined },
    el('summary', {}, el('strong', {}, `Version ${g.version}`), g.supersedes ? ` (supersedes ${g.supersedes})` : '', ` · proposed at log index ${v.index} · signed by ${v.signatures.map(s => s.party).join(', ') || 'nobody yet'}`),
    el('dl', { class: 'facts' },
      el('dt', {}, 'Parties'), el('dd', {}, g.parties.join(', '), g.mediator ? `; mediator ${g.mediator}` : ''),
      el('dt', {}, 'Window'), el('dd', {}, fmtTime(g.window.from), ' to ', g.window.until ? fmtTime(g.window.until) : 'open', g.window.extendable ? ' (extendable)' : ''),
      el('dt', {}, 'Corroboration'), el('dd', {}, g.corroboration ? `within ${g.corroboration.window} and ${g.corroboration.metres} m` : '—'),
      el('dt', {}, 'Reply deadline'), el('dd', {}, g.reply_deadline || '—'),
      el('dt', {}, 'Publication'), el('dd', {}, g.publication ? JSON.stringify(g.publication) : '—'),
      el('dt', {}, 'Statement'), el('dd', { class: 'mono' }, v.statement)),
    el('h4', {}, 'Signatures'),
    el('ul', {}, v.signatures.map(s => el('li', {}, `${s.party} accepts from ${fmtTime(s.accepted_from)} (log index ${s.index}, `, el('code', {}, short(s.statement)), ')'))),
    el('h4', {}, 'Clauses'),
    el('div', { class: 'table-wrap' }, el('table', {},
      el('thead', {}, el('tr', {}, ['clause', 'text', 'protects', 'prohibits', 'buffers'].map(h => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, g.clauses.map(c => el('tr', {},
        el('th', { scope: 'row' }, c.id, c.title ? el('br') : null, c.title ? el('span', { class: 'muted' }, c.title) : null),
        el('td', {}, c.text, c.zone ? el('br') : null, c.zone ? el('em', {}, 'Applies within a zone (on the map).') : null),
        el('td', {}, (c.protects || []).join(', ')),
        el('td', {}, (c.prohibits || []).map(words).join(', ')),
        el('td', {}, (c.buffers || []).map(b => `${b.category}: ${b.metres} m`).join('; '))))))));
}

const topFields = ['title', 'parties', 'mediator', 'window', 'corroboration', 'reply_deadline', 'publication', 'supersedes'];
const clauseFields = ['title', 'text', 'protects', 'prohibits', 'buffers', 'zone'];
const same = (x, y) => JSON.stringify(x) === JSON.stringify(y);
const show = v => v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v);

/** diffView lists what changed from version a to version b. */
function diffView(a, b) {
  const items = [];
  if (a.version === b.version) return el('p', { class: 'muted' }, 'Choose two different versions.');
  for (const f of topFields) if (!same(a[f], b[f])) items.push(['chg', `${f}: ${show(a[f])} → ${show(b[f])}`]);
  const ca = new Map(a.clauses.map(c => [c.id, c])), cb = new Map(b.clauses.map(c => [c.id, c]));
  for (const [id, c] of cb) if (!ca.has(id)) items.push(['add', `clause ${id} added: ${c.title ? c.title + ': ' : ''}${c.text}`]);
  for (const [id, c] of ca) if (!cb.has(id)) items.push(['del', `clause ${id} removed: ${c.title ? c.title + ': ' : ''}${c.text}`]);
  for (const [id, c] of ca) {
    const d = cb.get(id);
    if (!d) continue;
    for (const f of clauseFields) if (!same(c[f], d[f])) items.push(['chg', `clause ${id} ${f}: ${f === 'zone' ? 'changed' : show(c[f]) + ' → ' + show(d[f])}`]);
  }
  if (!items.length) return el('p', {}, `Versions ${a.version} and ${b.version} have the same terms.`);
  return el('ul', { class: 'diff', 'aria-label': `Changes from version ${a.version} to version ${b.version}` },
    items.map(([k, t]) => el('li', { class: 'diff-' + k, dataset: { change: k } }, k === 'add' ? '+ ' : k === 'del' ? '− ' : '~ ', t)));
}

main().catch(e => { showError(root, e); ready(); });
