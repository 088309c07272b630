// incident.js: one incident: its reports in time order, the engine's
// assessment in words, the sites within reach on a small map, responses,
// determinations, the reply deadline, and for every statement its log
// index and an inclusion proof checked here, in the browser.
import { api, text, el, append, clear, $, fmtTime, fmtDuration, short, words, badge, gradeColours, statusColours, showError, ready, ApiError } from './app.js';
import { verifyInclusion, fetchEntry } from './verify.js';
import { newMap } from './basemap.js';

const id = decodeURIComponent(location.pathname.split('/').pop());
const root = $('#incident');
// Asked for at once: the incident, and what its proofs are checked with.
const incident = api('/v1/incidents/' + encodeURIComponent(id));
const logKey = text('/log/vkey').catch(() => '');
const logSize = text('/log/checkpoint').then(cp => Number(cp.split('\n')[1])).catch(() => 0);

async function main() {
  const inc = await incident;
  document.title = `Incident ${short(inc.id)} · ${document.title.split(' · ').pop()}`;
  const reports = await Promise.all(inc.reports.map(r => r.statement
    ? api('/v1/reports/' + r.statement).catch(e => ({ error: e, statement: r.statement }))
    : { withheld: true }));
  clear(root);
  const proofs = [];
  append(root,
    header(inc),
    deadline(inc),
    findings(inc),
    sitesSection(inc),
    section('Reports', `reports-h`, inc.reports.map((r, i) => reportCard(r, reports[i], proofs))),
    (inc.responses || []).length ? section('Responses', 'responses-h', inc.responses.map(r => responseCard(r, proofs))) : null,
    determinations(inc, proofs),
    proofSection(proofs),
  );
  root.removeAttribute('aria-busy');
  await Promise.all([
    drawMap(inc).catch(e => append($('#incident-map'), el('p', { class: 'error' }, 'Map: ' + e.message))),
    checkProofs(proofs),
  ]);
  ready();
}

function section(title, hid, children) {
  return el('section', { 'aria-labelledby': hid }, el('h2', { id: hid }, title), children);
}

function header(inc) {
  const status = inc.status ? badge(inc.status, statusColours[inc.status]) : null;
  return el('header', {},
    el('h1', {}, `${cap(words(inc.act))}${inc.where.place ? ' — ' + inc.where.place : ''}`),
    el('p', {}, badge(inc.assessment.grade, gradeColours[inc.assessment.grade]), ' ', status),
    el('dl', { class: 'facts' },
      el('dt', {}, 'When'), el('dd', {}, fmtTime(inc.start), inc.end !== inc.start ? ' to ' + fmtTime(inc.end) : ''),
      el('dt', {}, 'Where'), el('dd', {}, `${inc.where.lat}, ${inc.where.lon}`, ` ± ${inc.where.radius_m} m (${inc.where.precision})`),
      el('dt', {}, 'Accused'), el('dd', {}, inc.accused && inc.accused.length ? inc.accused.join(', ') : 'nobody'),
      el('dt', {}, 'Reports'), el('dd', {}, String(inc.reports.length)),
      el('dt', {}, 'Incident id'), el('dd', { class: 'mono' }, inc.id)));
}

function cap(s) { return s ? s[0].toUpperCase() + s.slice(1) : s; }

/** deadline counts down to the accused party's reply deadline. */
function deadline(inc) {
  const due = inc.assessment.reply_deadline;
  if (!due) return null;
  const p = el('p', { id: 'deadline', class: 'card' });
  const tick = () => {
    const ms = new Date(due) - Date.now();
    const replied = (inc.responses || []).length > 0;
    p.replaceChildren(el('strong', {}, 'Reply deadline: '), fmtTime(due), ' — ',
      replied ? 'a reply has been made' : ms > 0 ? `due in ${fmtDuration(ms)}` : `passed ${fmtDuration(ms)} ago`);
  };
  tick();
  setInterval(tick, 30000);
  return p;
}

function findings(inc) {
  const a = inc.assessment;
  return section('What the engine found', 'findings-h', [
    (a.findings || []).length ? el('ul', { class: 'findings', id: 'findings' }, a.findings.map(f => el('li', {}, cap(f))))
      : el('p', { class: 'muted' }, 'The engine\'s findings, whose words give exact distances, are shown to members.'),
    el('div', { class: 'table-wrap' }, el('table', {},
      el('caption', { class: 'muted', style: 'text-align:left' }, 'Terms that bound each party at the time'),
      el('thead', {}, el('tr', {}, ['party', 'agreement', 'in force since', 'clauses prohibiting the act here'].map(h => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, (a.parties || []).map(p => el('tr', {},
        el('td', {}, p.party),
        el('td', {}, p.agreement ? `${p.agreement} v${p.version}` : '—'),
        el('td', {}, p.since ? fmtTime(p.since) : '—'),
        el('td', {}, p.clauses && p.clauses.length ? p.clauses.join(', ') : (p.reason || 'none')))))),
    )]);
}

function sitesSection(inc) {
  const sites = inc.assessment.sites || [];
  return section('Protected sites within reach', 'sites-h', [
    el('div', { id: 'incident-map', role: 'img', 'aria-label': `Map: the incident's place and uncertainty, and ${sites.length} protected sites within reach` }),
    sites.length ? el('div', { class: 'table-wrap' }, el('table', {},
      el('thead', {}, el('tr', {}, ['site', 'category', 'controller', 'distance', 'reach', 'clauses'].map(h => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, sites.map(s => el('tr', {},
        el('td', {}, s.name, s.named ? ' (named by a report)' : ''), el('td', {}, s.category), el('td', {}, s.controller),
        el('td', { class: 'n' }, `${Math.round(s.metres)} m`), el('td', { class: 'n' }, `${Math.round(s.reach)} m`),
        el('td', {}, (s.clauses || []).join(', '))))))) : el('p', {}, 'No protected site is within reach.'),
  ]);
}

async function drawMap(inc) {
  const map = await newMap('incident-map', { zoomControl: true, scrollWheelZoom: false });
  const here = [inc.where.lat, inc.where.lon];
  const circle = L.circle(here, { radius: Math.max(inc.where.radius_m, 50), color: '#c92a2a', weight: 2, fillOpacity: 0.15 }).addTo(map);
  L.circleMarker(here, { radius: 5, color: '#c92a2a', fillOpacity: 1 }).bindTooltip('The incident').addTo(map);
  const bounds = circle.getBounds();
  const sites = await Promise.all((inc.assessment.sites || []).slice(0, 20).map(s => api('/v1/sites/' + encodeURIComponent(s.site)).catch(() => null)));
  for (const s of sites) {
    if (!s || !s.geometry) continue;
    const layer = L.geoJSON(s.geometry, {
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 6, color: '#1971c2', fillOpacity: 0.8 }),
      style: { color: '#1971c2', weight: 3 },
    }).bindTooltip(`${s.name} (${s.category})`).addTo(map);
    bounds.extend(layer.getBounds());
  }
  map.fitBounds(bounds, { padding: [30, 30], maxZoom: 11 });
}

function reportCard(r, view, proofs) {
  const by = r.signer || `a ${words(r.source_kind)} source`;
  const card = el('article', { class: 'card report', 'aria-label': `Report by ${by}` });
  append(card, el('h3', {}, `Report by ${by}`, ' ', el('span', { class: 'muted' }, `(${words(r.source_kind)}), signed ${fmtTime(r.time)}`), r.retracted ? ' ' : null, r.retracted ? badge('retracted') : null));
  if (view.withheld) {
    append(card, el('p', { class: 'muted' }, 'Its statement and signer are shown to members only.'));
    return card;
  }
  if (view.error) {
    append(card, el('p', { class: 'muted' }, view.error instanceof ApiError && view.error.status < 500 ? 'Its details are not shown to you: ' + view.error.message : 'Could not load it: ' + view.error.message));
    proofs.push({ id: r.statement, label: `report by ${r.signer}`, index: r.index, card });
    return card;
  }
  const b = view.report;
  const cas = b.casualties || {};
  append(card, el('dl', { class: 'facts' },
    el('dt', {}, 'When'), el('dd', {}, fmtTime(b.when.start), b.when.end !== b.when.start ? ' to ' + fmtTime(b.when.end) : '', ` (${b.when.precision})`),
    el('dt', {}, 'Where'), el('dd', {}, `${b.where.lat}, ${b.where.lon} ± ${b.where.radius_m} m (${b.where.precision})`, b.where.place ? ', ' + b.where.place : ''),
    el('dt', {}, 'Act'), el('dd', {}, words(b.act)),
    b.target && (b.target.text || (b.target.sites || []).length) ? [el('dt', {}, 'Target'), el('dd', {}, b.target.text || '', (b.target.sites || []).length ? ` [${b.target.sites.join(', ')}]` : '')] : null,
    el('dt', {}, 'Accuses'), el('dd', {}, (b.accused || []).join(', ') || 'nobody'),
    el('dt', {}, 'Damage'), el('dd', {}, words(b.damage.level), b.damage.text ? ': ' + b.damage.text : ''),
    el('dt', {}, 'Casualties'), el('dd', {}, `killed ${cas.killed ?? 'unknown'}, injured ${cas.injured ?? 'unknown'} (${cas.precision})`),
    b.source ? [el('dt', {}, 'Passes on'), el('dd', {}, b.source.name, b.source.id ? ` ${b.source.id}` : '')] : null,
  ));
  if (b.text) append(card, el('blockquote', { class: 'report-text' }, b.text));
  if ((b.evidence || []).length) {
    append(card, el('p', {}, el('strong', {}, 'Evidence (by hash; the files are not in the log)')),
      el('ul', { class: 'evidence' }, b.evidence.map(e => el('li', {}, el('code', {}, e.sha256), ` ${e.media_type}`, e.captured_at ? `, captured ${fmtTime(e.captured_at)}` : ''))));
  }
  proofs.push({ id: r.statement, label: `report by ${r.signer}`, index: r.index, envelope: view.envelope, card });
  return card;
}

function responseCard(r, proofs) {
  const card = el('article', { class: 'card response' },
    el('h3', {}, `Reply by ${r.party}: ${words(r.stance)}`, ' ', r.late ? badge('late', '#c92a2a') : null),
    el('p', { class: 'muted' }, `Signed ${fmtTime(r.time)}`, r.actor ? ` · names ${r.actor} as the actor` : ''),
    r.text ? el('blockquote', {}, r.text) : null,
    (r.evidence || []).length ? el('ul', { class: 'evidence' }, r.evidence.map(e => el('li', {}, el('code', {}, e.sha256), ` ${e.media_type || ''}`))) : null);
  proofs.push({ id: r.statement, label: `reply by ${r.party}`, index: r.index, card });
  return card;
}

function determinations(inc, proofs) {
  const ds = inc.determinations || [];
  if (!ds.length && !inc.determination) return null;
  const final = inc.determination;
  return section('Determinations', 'determinations-h', [
    final ? finalCard(final, ds, proofs) : null,
    ds.map(d => {
      const card = el('article', { class: 'card determination' },
        el('h3', {}, `${d.signer}: `, finding(d)),
        el('p', { class: 'muted' }, `Signed ${fmtTime(d.time)}`, d.publish ? ' · to be published' : ''),
        d.text ? el('blockquote', {}, d.text) : null);
      proofs.push({ id: d.statement, label: `determination by ${d.signer}`, index: d.index, card });
      return card;
    })]);
}

/** finalCard shows the agreed determination; its proof is checked unless
 * a determination card below carries it. */
function finalCard(final, ds, proofs) {
  const card = el('div', { class: 'card', id: 'determination' }, el('strong', {}, 'Determined: '), finding(final),
    final.determiners ? ` — agreed by ${final.determiners.join(', ')}` : '', final.publish ? ' · published' : ' · not published');
  if (final.index !== undefined && !ds.some(d => d.index === final.index)) {
    proofs.push({ index: final.index, label: 'the determination that completed the finding', card,
      id: '', lookup: () => api(`/v1/statements?from=${final.index}&limit=1`).then(r => r.statements[0].id) });
  }
  return card;
}

function finding(d) {
  return `${words(d.finding)}${d.party ? ' by ' + d.party : ''}${(d.clauses || []).length ? ' (clauses ' + d.clauses.join(', ') + ')' : ''}`;
}

function proofSection(proofs) {
  return section('In the log', 'proofs-h', [
    el('p', {}, 'Each statement above is an entry of the transparency log. This page checks, with your browser\'s own SHA-256 and Ed25519, that each entry hashes to its id, that its inclusion proof leads to the root of the log\'s latest checkpoint, and that the checkpoint is signed by the log\'s key ',
      el('a', { href: '/checkpoints' }, '(see the log)'), '.'),
    el('p', { id: 'proof-summary', 'aria-live': 'polite' }, 'Checking…'),
    el('div', { class: 'table-wrap' }, el('table', { id: 'proofs' },
      el('thead', {}, el('tr', {}, ['statement', 'log index', 'inclusion proof'].map(h => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, proofs.map(p => {
        p.cell = el('td', { class: 'proof pending', dataset: { state: 'pending' } }, 'checking…');
        p.tag = el('p', { class: 'proof-tag pending' }, `Log index ${p.index}: checking…`);
        p.card.append(p.tag);
        p.idCell = el('code', {}, short(p.id));
        return el('tr', {}, el('td', {}, p.label, el('br'), p.idCell), el('td', { class: 'n' }, String(p.index)), p.cell);
      })))),
  ]);
}

async function checkProofs(proofs) {
  const [vkey, size] = await Promise.all([logKey, logSize]);
  let good = 0;
  await Promise.all(proofs.map(async p => {
    let res;
    try {
      if (!p.id) { p.id = await p.lookup(); p.idCell.textContent = short(p.id); }
      p.cell.dataset.statement = p.id;
      // The entry as the log itself serves it; the API's copy of the
      // envelope if the log's bundles cannot be read.
      const entry = await fetchEntry(p.index, Math.max(size, p.index + 1)).catch(() => null);
      const [receipt, envelope] = await Promise.all([
        api('/v1/receipts/' + p.id),
        entry ? null : p.envelope ? p.envelope : api('/v1/statements/' + p.id).then(s => s.envelope),
      ]);
      res = await verifyInclusion({ id: p.id, entry, envelope, receipt, vkey });
    } catch (e) {
      res = { ok: false, reason: e.message };
    }
    let state, label;
    if (res.ok && res.checkpointSigned) { state = 'verified'; label = `verified: entry ${res.index} of a log of ${res.size}, under a signed checkpoint`; good++; }
    else if (res.ok) { state = 'unsigned'; label = `inclusion verified, but not the checkpoint's signature: ${res.reason}`; }
    else { state = 'failed'; label = `not verified: ${res.reason}`; }
    for (const [node, prefix] of [[p.cell, ''], [p.tag, `Log index ${p.index}: `]]) {
      node.dataset.state = state;
      node.className = (node === p.cell ? 'proof ' : 'proof-tag ') + (state === 'verified' ? 'verified' : 'not-verified');
      node.textContent = prefix + label;
    }
  }));
  $('#proof-summary').textContent = !proofs.length ? 'No statement of this incident is shown to you.' : good === proofs.length
    ? `All ${proofs.length} statement${proofs.length === 1 ? "" : "s"} verified.` : `${proofs.length - good} of ${proofs.length} statements not verified.`;
}

main().catch(e => { showError(root, e); root.removeAttribute('aria-busy'); ready(); });
