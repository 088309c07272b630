// report.js: the report form. It builds the body of a "report"
// statement (docs/reports.md), and either signs it here with the member's
// key file and submits it, or downloads it for "truce sign".
import { api, fetchRaw, logOrigin, el, append, clear, $, words, ready } from './app.js';
import { readKeyFile, signStatement } from './keys.js';
import { sha256, hex } from './verify.js';
import { newMap } from './basemap.js';

const form = $('#report-form');
const kindsByRole = {
  party: ['party'], monitor: ['monitor', 'sensor'], source: ['osint', 'sensor', 'civil_society'], mediator: ['mediator', 'osint', 'civil_society'],
};
let signer = null, members = [], evidence = [];

async function main() {
  const [cats, m] = await Promise.all([api('/v1/categories'), api('/v1/members')]);
  members = m.members || [];
  for (const a of cats.acts || []) append($('#r-act'), el('option', { value: a }, words(a)));
  for (const p of members.filter(x => x.role === 'party')) append($('#r-accused'), el('option', { value: p.id }, `${p.name || p.id} (${p.id})`));
  sourceKinds(null);
  const map = await newMap('report-map', { center: [48.5, 33], zoom: 5 });
  let marker = null;
  const place = () => {
    const lat = parseFloat($('#r-lat').value), lon = parseFloat($('#r-lon').value);
    if (!isFinite(lat) || !isFinite(lon)) return;
    if (!marker) marker = L.circle([lat, lon], { radius: 1000, color: '#c92a2a' }).addTo(map);
    marker.setLatLng([lat, lon]);
    marker.setRadius(Math.max(50, +$('#r-radius').value || 0));
  };
  map.on('click', e => { $('#r-lat').value = e.latlng.lat.toFixed(5); $('#r-lon').value = e.latlng.lng.toFixed(5); place(); });
  for (const id of ['#r-lat', '#r-lon', '#r-radius']) $(id).addEventListener('input', place);
  $('#r-key').addEventListener('change', loadKey);
  $('#r-evidence').addEventListener('change', hashEvidence);
  $('#r-download').addEventListener('click', download);
  form.addEventListener('submit', submit);
  ready();
}

function sourceKinds(role) {
  const kinds = role ? kindsByRole[role] || [] : [...new Set(Object.values(kindsByRole).flat())];
  $('#r-source').replaceChildren(...kinds.map(k => el('option', { value: k }, words(k))));
}

async function loadKey(e) {
  const file = e.target.files[0];
  e.target.value = '';
  if (!file) return;
  try {
    const [k, origin] = await Promise.all([readKeyFile(file), logOrigin()]);
    if (k.log && k.log !== origin) throw new Error(`the key is for the log ${k.log}, and this is ${origin}`);
    const m = members.find(x => x.id === k.member);
    if (!m) throw new Error(`${k.member} is not a member of this deployment`);
    signer = { ...k, origin };
    sourceKinds(m.role);
    $('#r-signer').textContent = `Signing as ${k.member} (${m.role}), key ${k.keyId}.`;
    $('#r-submit').disabled = false;
  } catch (err) {
    $('#r-signer').textContent = 'Could not use this key: ' + err.message;
  }
}

async function hashEvidence(e) {
  evidence = [];
  const list = clear($('#r-hashes'));
  for (const f of e.target.files) {
    const sum = hex(await sha256(await f.arrayBuffer()));
    evidence.push({ sha256: sum, media_type: (f.type || 'application/octet-stream').toLowerCase() });
    append(list, el('li', {}, `${sum} ${f.name}`));
  }
}

const utc = v => new Date(v + 'Z').toISOString().replace(/\.\d{3}Z$/, 'Z');

/** body returns the report's body, or throws a message naming the field. */
function body() {
  const f = form.elements;
  if (!f.start.value) throw new Error('When: the start is required.');
  const lat = parseFloat(f.lat.value), lon = parseFloat(f.lon.value);
  if (!isFinite(lat) || !isFinite(lon)) throw new Error('Where: click the map or type a latitude and longitude.');
  const start = utc(f.start.value), end = f.end.value ? utc(f.end.value) : start;
  const b = {
    when: { start, end, precision: end !== start && f.time_precision.value === 'minute' ? 'range' : f.time_precision.value },
    where: { lat, lon, radius_m: +f.radius.value || 0, precision: f.place_precision.value },
    act: f.act.value,
    target: {},
    damage: { level: f.damage.value },
    casualties: { precision: f.killed.value || f.injured.value ? 'estimate' : 'unknown' },
    source_kind: f.source_kind.value,
  };
  if (f.place.value.trim()) b.where.place = f.place.value.trim();
  if (f.target.value.trim()) b.target.text = f.target.value.trim();
  if (f.accused.value) b.accused = [f.accused.value];
  if (f.killed.value) b.casualties.killed = +f.killed.value;
  if (f.injured.value) b.casualties.injured = +f.injured.value;
  if (evidence.length) b.evidence = evidence;
  if (f.text.value.trim()) b.text = f.text.value.trim();
  return b;
}

function result(...nodes) { $('#r-result').replaceChildren(...nodes); }

async function submit(e) {
  e.preventDefault();
  if (!signer) { result(el('p', { class: 'error' }, 'Load your key file first, or download the report.')); return; }
  let b;
  try { b = body(); } catch (err) { result(el('p', { class: 'error', role: 'alert' }, err.message)); return; }
  $('#r-submit').disabled = true;
  try {
    const env = await signStatement(signer, signer.origin, 'report', b);
    const receipt = await (await fetchRaw('/v1/statements', { method: 'POST', body: JSON.stringify(env), headers: { 'Content-Type': 'application/json' } })).json();
    let incident = '';
    try { incident = (await api('/v1/reports/' + receipt.id)).incident; } catch (err) { /* not readable to this reader */ }
    result(el('div', { class: 'card', id: 'r-receipt', dataset: { statement: receipt.id, incident } },
      el('p', { class: 'verified' }, `Logged at index ${receipt.index} (${receipt.status}).`),
      el('p', {}, 'Statement ', el('code', {}, receipt.id)),
      incident ? el('p', {}, el('a', { href: '/incidents/' + incident, id: 'r-incident' }, 'Open its incident, with the proof checked in your browser')) : null));
    form.reset();
    evidence = [];
    clear($('#r-hashes'));
  } catch (err) {
    result(el('p', { class: 'error', role: 'alert' }, 'The server refused the report: ', err.message));
  } finally {
    $('#r-submit').disabled = false;
  }
}

function download() {
  let b;
  try { b = body(); } catch (err) { result(el('p', { class: 'error', role: 'alert' }, err.message)); return; }
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([JSON.stringify(b, null, 2) + '\n'], { type: 'application/json' }));
  a.download = 'report.json';
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  result(el('p', {}, 'Saved report.json. Sign and submit it with: ', el('code', {}, 'truce sign --key KEYFILE --kind report report.json > statement.json && truce submit statement.json')));
}

main();
