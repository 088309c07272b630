// The scenarios of run.mjs: each gets {base, keys, shots, page, context,
// errors} and throws to fail.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const scenarios = {};
const scenario = (name, fn) => { scenarios[name] = fn; };

function assert(cond, msg) { if (!cond) throw new Error(msg); }

async function json(base, path, token) {
  const resp = await fetch(base + path, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
  if (!resp.ok) throw new Error(`GET ${path}: ${resp.status}`);
  return resp.json();
}

async function shot(ctx, name, opts = {}) {
  if (ctx.shots) await ctx.page.screenshot({ path: join(ctx.shots, name), ...opts });
}

/** ready loads a page and waits until its script says it is done. */
async function ready(page, url) {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10000 });
  return +await page.getAttribute('body', 'data-ready-ms');
}

scenario('map', async ctx => {
  const { page, base } = ctx;
  const ms = await ready(page, base + '/');
  const sites = await json(base, '/v1/sites?limit=10000');
  const all = await json(base, '/v1/incidents?limit=1000');
  const shown = await page.getAttribute('#incident-count', 'data-count');
  assert(+await page.getAttribute('#site-count', 'data-count') === sites.features.length, `site count ${await page.textContent('#counts')} != ${sites.features.length}`);
  assert(+shown === all.incidents.length, `incident count ${shown} != ${all.incidents.length}`);
  assert(await page.locator('.leaflet-marker-icon').count() > 5, 'no markers on the map');
  await shot(ctx, 'web-map.png');
  assert(ms < 1000, `the map took ${ms} ms to load`);
});

/** siteIncident returns an incident with a protected site within reach. */
async function siteIncident(base, token) {
  const all = await json(base, '/v1/incidents?limit=1000', token);
  const inc = all.incidents.find(i => i.assessment.sites.length > 0);
  assert(inc, 'the demo has no incident near a protected site');
  return inc;
}

scenario('incident', async ctx => {
  const { page, base } = ctx;
  const inc = await siteIncident(base);
  const ms = await ready(page, base + '/incidents/' + inc.id);
  const findings = await page.locator('#findings li').allTextContents();
  assert(findings.length === inc.assessment.findings.length, `findings shown: ${findings.length}, want ${inc.assessment.findings.length}`);
  assert(findings.some(f => f.toLowerCase().includes(inc.assessment.sites[0].name.toLowerCase())), `no finding names ${inc.assessment.sites[0].name}: ${findings}`);
  const states = await page.locator('td.proof').evaluateAll(tds => tds.map(td => td.dataset.state));
  assert(states.length === inc.reports.length && states.every(s => s === 'verified'), `proof states ${states}`);
  assert((await page.textContent('#proof-summary')).includes('verified'), 'no proof summary');
  await page.waitForSelector('#incident-map path.leaflet-interactive', { state: 'attached', timeout: 3000 });
  await shot(ctx, 'web-incident.png', { fullPage: true });
  assert(ms < 1000, `the incident page took ${ms} ms`);
});

scenario('tampered-proof', async ctx => {
  const { page, base } = ctx;
  const inc = await siteIncident(base);
  await page.route('**/v1/receipts/**', async route => {
    const resp = await route.fetch();
    const receipt = await resp.json();
    const h = Buffer.from(receipt.inclusion_proof[0], 'base64');
    h[0] ^= 1;
    receipt.inclusion_proof[0] = h.toString('base64');
    await route.fulfill({ response: resp, json: receipt });
  });
  await ready(page, base + '/incidents/' + inc.id);
  const cells = page.locator('td.proof');
  const states = await cells.evaluateAll(tds => tds.map(td => td.dataset.state));
  assert(states.length > 0 && states.every(s => s === 'failed'), `a tampered proof shows as ${states}`);
  const txt = await cells.first().textContent();
  assert(txt.startsWith('not verified'), `the proof cell says "${txt}"`);
});

scenario('agreements', async ctx => {
  const { page, base } = ctx;
  const ms = await ready(page, base + '/agreements');
  const { agreements } = await json(base, '/v1/agreements');
  const periods = agreements.reduce((n, a) => n + a.periods.length, 0);
  assert(await page.locator('rect.period').count() === periods, `timeline bars: ${await page.locator('rect.period').count()}, want ${periods}`);
  const added = await page.locator('.diff [data-change="add"]').allTextContents();
  assert(added.some(t => t.includes('M1')), `the difference of versions 1 and 2 does not add clause M1: ${added}`);
  await shot(ctx, 'web-agreements.png');
  assert(ms < 1000, `the agreements page took ${ms} ms`);
});

scenario('daily', async ctx => {
  const { page, base } = ctx;
  const ms = await ready(page, base + '/daily?date=2025-03-21');
  const frame = page.frameLocator('#daily-frame');
  const h1 = await frame.locator('h1').textContent();
  assert(h1.includes('2025-03-21'), `the report's title is "${h1}"`);
  const rep = await json(base, '/v1/daily?date=2025-03-21');
  const summary = await frame.locator('.summary').textContent();
  assert(summary.startsWith(`${rep.total.day} incidents began on 2025-03-21`), `summary "${summary}" vs ${JSON.stringify(rep.total)}`);
  assert(await frame.locator('svg').count() >= 1, 'no chart');
  await shot(ctx, 'web-daily.png', { fullPage: true });
  assert(ms < 1000, `the daily page took ${ms} ms`);
});
