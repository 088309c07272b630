// daily.js: the daily report page. The report itself is the one package
// daily renders on the server (GET /v1/daily?format=html), the same as
// "truce daily" writes; it is shown in a sandboxed frame without scripts,
// fetched with the member's token so that members see their view.
import { api, fetchRaw, $, ready } from './app.js';

const frame = $('#daily-frame');
const input = $('#date');

/** defaultDay is the day of the latest incident in the first agreement's
 * window, or today. */
async function defaultDay() {
  const { agreements } = await api('/v1/agreements');
  if (!agreements.length) return new Date().toISOString().slice(0, 10);
  const w = agreements[0].versions[0].agreement.window;
  const q = new URLSearchParams({ from: w.from, limit: '1000' });
  if (w.until) q.set('to', w.until);
  const { incidents } = await api('/v1/incidents?' + q);
  const last = incidents.length ? incidents[incidents.length - 1].start : w.from;
  return last.slice(0, 10);
}

async function load() {
  const day = input.value;
  history.replaceState(null, '', '?date=' + day);
  $('#cli').textContent = `truce daily --date ${day} --format html`;
  for (const f of ['md', 'json', 'html']) $('#dl-' + f).dataset.format = f;
  const err = $('#daily-error');
  try {
    const html = await (await fetchRaw(`/v1/daily?date=${day}&format=html`)).text();
    err.hidden = true;
    await new Promise(resolve => { frame.onload = resolve; frame.srcdoc = html; });
    const doc = frame.contentDocument;
    for (const a of doc.querySelectorAll('a[href^="/"]')) a.target = '_top';
    frame.style.height = (doc.documentElement.scrollHeight + 20) + 'px';
  } catch (e) {
    err.textContent = 'Could not load the report: ' + e.message;
    err.hidden = false;
  }
}

async function download(e) {
  e.preventDefault();
  const f = e.target.dataset.format;
  const blob = await (await fetchRaw(`/v1/daily?date=${input.value}&format=${f}`)).blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `daily-${input.value}.${f}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function shift(days) {
  const d = new Date(input.value + 'T00:00:00Z');
  input.value = new Date(d.getTime() + days * 864e5).toISOString().slice(0, 10);
  load();
}

async function main() {
  input.value = new URLSearchParams(location.search).get('date') || await defaultDay();
  input.addEventListener('change', load);
  $('#prev').addEventListener('click', () => shift(-1));
  $('#next').addEventListener('click', () => shift(1));
  $('#print').addEventListener('click', () => frame.contentWindow.print());
  for (const f of ['md', 'json', 'html']) $('#dl-' + f).addEventListener('click', download);
  await load();
  ready();
}

main();
