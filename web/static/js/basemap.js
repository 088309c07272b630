// basemap.js: the map's background, drawn from the boundaries built into
// the binary, with the deployment's tile server under them if it has one.
import { config } from './app.js';

const attribution = 'Boundaries: © Мінрегіон України (CC BY-SA), Natural Earth · <a href="/ui/ATTRIBUTION.txt">licences</a>';

// Fetched as soon as a page imports this module, while the page loads
// its own data.
const basemap = fetch('/ui/data/basemap.json').then(r => r.json());

/** newMap makes a Leaflet map in the element with id, with the basemap. */
export async function newMap(id, opts = {}) {
  const map = L.map(id, { zoomSnap: 0.5, center: [48.5, 33], zoom: 5, ...opts });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  const cfg = await config;
  if (cfg.tile_url) {
    const t = document.createElement('span');
    t.textContent = cfg.tile_attribution;
    L.tileLayer(cfg.tile_url, { attribution: t.innerHTML, maxZoom: 18 }).addTo(map);
  }
  const data = await basemap;
  const fill = !cfg.tile_url;
  L.geoJSON(data, {
    interactive: false, attribution,
    style: f => f.properties.kind === 'country'
      ? { color: '#5c6b7a', weight: 1.2, fillColor: '#f4f1ea', fillOpacity: fill ? 1 : 0 }
      : { color: '#8d99a6', weight: 0.7, fill: false },
  }).addTo(map);
  return map;
}
