// map.js: the map page: protected sites (clustered), the agreements'
// zones, and the incidents counted per cell by the server
// (GET /v1/incidents/grid), so that the page draws a few hundred markers
// however many incidents there are.
import { api, el, append, clear, $, fmtDay, words, gradeColours, statusColours, grades, statuses, showError, ready } from './app.js';
import { newMap } from './basemap.js';

const siteColours = [
  ['energy.generation.nuclear', '#f08c00'], ['energy.generation', '#2f9e44'], ['energy.transmission', '#1971c2'],
  ['energy.oil', '#495057'], ['energy.gas', '#9c36b5'], ['health', '#e03131'], ['maritime', '#0c8599'], ['', '#5c940d'],
];
const siteColour = c => siteColours.find(([p]) => c === p || c.startsWith(p + '.') || p === '')[1];

const form = $('#filters');
const state = { windowFrom: null, windowDays: 30, grid: null, inflight: null };

// What the page needs from the API, asked for at once.
const meta = Promise.all([api('/v1/members'), api('/v1/categories'), api('/v1/agreements')]);

async function main() {
  const [map, [members, cats, ags]] = await Promise.all([newMap('map', { center: [48.3, 33.5], zoom: 5.5, minZoom: 3, maxZoom: 18 }), meta]);
  fillSelects(members.members || [], cats, ags.agreements || []);
  readURL();
  const layers = {
    sites: L.markerClusterGroup({
      maxClusterRadius: 40, showCoverageOnHover: false, chunkedLoading: true,
      iconCreateFunction: c => L.divIcon({ className: '', html: `<div class="site-cluster">${c.getChildCount()}</div>`, iconSize: [28, 20] }),
    }),
    lines: L.layerGroup(), zones: L.layerGroup(), incidents: L.layerGroup(),
  };
  layers.zones.addTo(map); layers.sites.addTo(map); layers.incidents.addTo(map);
  L.control.layers(null, { 'Protected sites': layers.sites, 'Power lines (zoom in)': layers.lines, 'Agreement zones': layers.zones, Incidents: layers.incidents },
    { collapsed: innerWidth < 700, position: 'topright' }).addTo(map);
  drawZones(layers.zones, ags.agreements || []);
  const refreshSites = () => loadSites(layers, map).catch(e => console.error(e));
  const refresh = debounce(() => loadGrid(map, layers.incidents).catch(e => { if (e.name !== 'AbortError') showCounts('Could not load incidents: ' + e.message); }), 150);
  map.on('moveend', refresh);
  map.on('zoomend', () => {
    if (map.getZoom() >= 7 && map.hasLayer(layers.sites)) layers.lines.addTo(map); else layers.lines.remove();
  });
  form.addEventListener('input', e => {
    syncTimeControls();
    writeURL();
    if (e.target.name === 'category') refreshSites();
    refresh();
  });
  form.addEventListener('submit', e => e.preventDefault());
  syncTimeControls();
  await Promise.all([refreshSites(), loadGrid(map, layers.incidents)]);
  ready();
}

function fillSelects(members, cats, ags) {
  const opt = (sel, value, label) => append($(sel), el('option', { value }, label));
  for (const m of members) if (m.role === 'party') opt('#f-party', m.id, `${m.name || m.id} (${m.id})`);
  for (const c of (cats.categories || [])) opt('#f-category', c.id || c.category || c, c.id || c.category || c);
  for (const g of grades) opt('#f-grade', g, words(g));
  for (const s of statuses) opt('#f-status', s, words(s));
  let from = null, until = null;
  for (const a of ags) for (const v of a.versions) {
    const w = v.agreement.window;
    if (!from || new Date(w.from) < from) from = new Date(w.from);
    if (w.until && (!until || new Date(w.until) > until)) until = new Date(w.until);
  }
  if (from) {
    state.windowFrom = new Date(fmtDay(from) + 'T00:00:00Z');
    const end = until || new Date();
    state.windowDays = Math.max(1, Math.ceil((end - state.windowFrom) / 864e5));
    for (const id of ['#f-from', '#f-to']) $(id).max = state.windowDays - 1;
    $('#f-to').value = state.windowDays - 1;
  } else {
    $('#f-window').disabled = true;
  }
}

const dayAt = n => new Date(state.windowFrom.getTime() + n * 864e5);

function syncTimeControls() {
  const on = $('#f-window').checked && state.windowFrom;
  $('#f-from').disabled = $('#f-to').disabled = !on;
  if (+$('#f-from').value > +$('#f-to').value) $('#f-to').value = $('#f-from').value;
  if (state.windowFrom) {
    $('#o-from').textContent = fmtDay(dayAt(+$('#f-from').value));
    $('#o-to').textContent = fmtDay(dayAt(+$('#f-to').value));
  }
}

/** query returns the incident filters as URL parameters. */
function query() {
  const q = new URLSearchParams();
  for (const name of ['party', 'grade', 'status', 'category']) if (form.elements[name].value) q.set(name, form.elements[name].value);
  if ($('#f-window').checked && state.windowFrom) {
    q.set('from', dayAt(+$('#f-from').value).toISOString().replace('.000', ''));
    q.set('to', new Date(dayAt(+$('#f-to').value + 1) - 1000).toISOString().replace('.000', ''));
  }
  return q;
}

function readURL() {
  const p = new URLSearchParams(location.search);
  for (const name of ['party', 'grade', 'status', 'category']) if (p.has(name)) form.elements[name].value = p.get(name);
  if (p.get('window') === '1') {
    $('#f-window').checked = true;
    if (p.has('d0')) $('#f-from').value = p.get('d0');
    if (p.has('d1')) $('#f-to').value = p.get('d1');
  }
}

function writeURL() {
  const p = new URLSearchParams();
  for (const name of ['party', 'grade', 'status', 'category']) if (form.elements[name].value) p.set(name, form.elements[name].value);
  if ($('#f-window').checked) { p.set('window', '1'); p.set('d0', $('#f-from').value); p.set('d1', $('#f-to').value); }
  history.replaceState(null, '', p.toString() ? '?' + p : location.pathname);
}

let firstSites = api('/v1/sites?limit=10000');

async function loadSites(layers, map) {
  const q = new URLSearchParams({ limit: '10000' });
  if (form.elements.category.value) q.set('category', form.elements.category.value);
  let fc;
  if (firstSites && !form.elements.category.value) fc = await firstSites;
  else fc = await api('/v1/sites?' + q);
  firstSites = null;
  layers.sites.clearLayers(); layers.lines.clearLayers();
  const points = [];
  for (const f of fc.features) {
    const p = f.properties, colour = siteColour(p.category);
    const popup = () => siteCard(f);
    if (f.geometry.type === 'Point') {
      const [lon, lat] = f.geometry.coordinates;
      const m = L.marker([lat, lon], {
        icon: L.divIcon({ className: '', html: `<span class="site-dot" style="background:${colour}"></span>`, iconSize: [10, 10] }),
        title: `${p.name} (${p.category})`, alt: `Protected site: ${p.name}`, keyboard: true,
      });
      m.bindPopup(popup);
      points.push(m);
    } else {
      L.geoJSON(f, { style: { color: colour, weight: 2, opacity: 0.7 } }).bindPopup(popup).addTo(layers.lines);
    }
  }
  layers.sites.addLayers(points);
  state.sites = fc.features.length;
  state.siteTruncated = fc.truncated;
  showCountsFromState();
}

function siteCard(f) {
  const p = f.properties;
  return el('div', {},
    el('strong', {}, p.name || f.id), el('br'),
    words(p.category), el('br'),
    'Controlled by ', p.controller || '?', ' · ', p.status || '', el('br'),
    el('span', { class: 'muted mono' }, f.id));
}

function drawZones(layer, ags) {
  for (const a of ags) {
    const v = a.versions[a.versions.length - 1];
    for (const c of v.agreement.clauses || []) {
      if (!c.zone) continue;
      L.geoJSON(c.zone, { style: { color: '#1864ab', weight: 1.5, dashArray: '6 4', fillOpacity: 0.06 } })
        .bindTooltip(`${a.id} v${v.agreement.version}, clause ${c.id}: ${c.title || ''}`, { sticky: true })
        .addTo(layer);
    }
  }
}

async function loadGrid(map, layer) {
  if (state.inflight) state.inflight.abort();
  const ctl = state.inflight = new AbortController();
  const b = map.getBounds();
  const q = query();
  q.set('zoom', String(Math.max(0, Math.min(18, Math.round(map.getZoom())))));
  q.set('bbox', [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(v => Math.max(-180, Math.min(180, v)).toFixed(4)).join(','));
  const resp = await fetch('/v1/incidents/grid?' + q, { signal: ctl.signal, headers: authHeaders() });
  if (!resp.ok) throw new Error((await resp.json().catch(() => ({}))).detail || resp.statusText);
  const grid = await resp.json();
  state.grid = grid;
  layer.clearLayers();
  const list = clear($('#incident-list'));
  let listed = 0;
  for (const c of grid.cells) {
    const colour = cellColour(c);
    if (c.count === 1) {
      const state = [dominant(c.statuses), dominant(c.grades)].filter(Boolean).map(words).join(', ');
      const label = `Incident ${fmtDay(c.start)}: ${words(c.act)}, ${state}`;
      const m = L.marker([c.lat, c.lon], {
        icon: L.divIcon({ className: '', html: `<div class="one-icon" style="width:14px;height:14px;background:${colour}"></div>`, iconSize: [14, 14] }),
        title: label, alt: label, keyboard: true, riseOnHover: true,
      });
      m.on('click', () => { location.href = '/incidents/' + c.incident; });
      m.addTo(layer);
      if (listed++ < 200) append(list, el('li', {}, el('a', { href: '/incidents/' + c.incident }, fmtDay(c.start), ' · ', words(c.act)), ' ', el('span', { class: 'muted' }, state)));
    } else {
      const size = 22 + Math.min(22, Math.round(Math.log10(c.count) * 9));
      const label = `${c.count} incidents here; zoom in`;
      const m = L.marker([c.lat, c.lon], {
        icon: L.divIcon({ className: '', html: `<div class="cell-icon" style="width:${size}px;height:${size}px;background:${colour}">${c.count}</div>`, iconSize: [size, size] }),
        title: label, alt: label, keyboard: true,
      });
      const zoomIn = () => {
        const [w, s, e, n] = c.bbox;
        if (w === e && s === n) map.setView([s, w], Math.min(18, map.getZoom() + 3));
        else map.fitBounds([[s, w], [n, e]], { padding: [30, 30], maxZoom: 18 });
      };
      m.on('click', zoomIn);
      m.addTo(layer);
      if (listed++ < 200) append(list, el('li', {}, el('button', { type: 'button', class: 'linklike', onclick: zoomIn }, `${c.count} incidents near ${c.lat.toFixed(2)}, ${c.lon.toFixed(2)}`)));
    }
  }
  $('#list-note').textContent = grid.cells.length > 200 ? `The first 200 of ${grid.cells.length} places; zoom in for the rest.` : '';
  showCountsFromState();
}

function authHeaders() {
  const t = sessionStorage.getItem('truce.token');
  return t ? { Authorization: 'Bearer ' + t } : {};
}

function dominant(counts) {
  let best = '', n = -1;
  for (const [k, v] of Object.entries(counts || {})) if (v > n) { best = k; n = v; }
  return best;
}

function cellColour(c) {
  const s = dominant(c.statuses);
  return (s && statusColours[s]) || gradeColours[dominant(c.grades)] || '#495057';
}

function showCountsFromState() {
  const g = state.grid;
  const counts = $('#counts');
  clear(counts);
  if (g) append(counts, el('strong', { id: 'incident-count', dataset: { count: g.total } }, String(g.total)), ` incident${g.total === 1 ? '' : 's'} in view`);
  if (state.sites !== undefined) append(counts, ' · ', el('strong', { id: 'site-count', dataset: { count: state.sites } }, String(state.sites)), ' protected sites', state.siteTruncated ? ' (first 10,000)' : '');
  const legend = clear($('#legend'));
  if (!g) return;
  const byStatus = g.statuses && Object.keys(g.statuses).length;
  const entries = byStatus ? statuses.map(s => [s, statusColours[s], g.statuses[s] || 0]) : grades.map(k => [k, gradeColours[k], g.grades[k] || 0]);
  append(legend, el('p', { class: 'muted' }, 'Circles are incidents (a number: several, click to zoom in); squares are protected sites. ',
    byStatus ? 'Incidents by status:' : 'Incidents by grade:'),
    el('ul', { class: 'legend' }, entries.map(([k, c, n]) => el('li', { dataset: { key: k, count: n } }, el('span', { class: 'legend-dot', style: `background:${c}` }), `${words(k)}: ${n}`))));
}

function showCounts(msg) { $('#counts').textContent = msg; }

function debounce(fn, ms) {
  let t;
  return () => { clearTimeout(t); t = setTimeout(fn, ms); };
}

main().catch(e => showError($('#counts'), e));
