// page_test.mjs - the console page in headless Chromium, as an operator
// uses it: load it, filter the nodes, run an action with the form the
// page generated from the DDL, read the results table and the charts.
//
//   node page_test.mjs --url URL --filter=F --expect n1,n3 --fact role \
//        --value web --profile DIR --shot FILE.png [--chromium BIN]
//
// Exit status: 0 passed; 1 failed (the reason on stderr); 77 Chromium
// cannot run here.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launch, LaunchError } from './cdp.mjs';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' }, filter: { type: 'string' }, expect: { type: 'string' },
    fact: { type: 'string' }, value: { type: 'string' }, profile: { type: 'string' },
    shot: { type: 'string' }, chromium: { type: 'string', default: 'chromium' },
  },
});
for (const k of ['url', 'filter', 'expect', 'fact', 'value', 'profile', 'shot']) {
  if (!opt[k]) {
    console.error(`page_test: --${k} is required`);
    process.exit(2);
  }
}
const expected = opt.expect.split(',').sort();

function check(ok, what) {
  if (!ok) throw new Error(what);
}
const step = (s) => console.log(`== page: ${s}`);
const q = (s) => JSON.stringify(s);

async function test(page) {
  step(`load ${opt.url}`);
  await page.open(opt.url, { width: 1200, height: 1400 });
  await page.waitFor('the page to be ready', "document.body?.dataset.ready === 'true'");
  check(await page.eval("document.querySelector('#errors').textContent === ''"),
    `errors on load: ${await page.eval("document.querySelector('#errors').textContent")}`);
  const all = await page.eval("document.querySelectorAll('#fleet-table tbody tr').length");
  check(all > expected.length, `the fleet table shows ${all} nodes, more than ${expected.length} expected`);

  step('a bad filter is shown as an error in words');
  await page.type('#filter', '-Q nonsense');
  await page.press('Enter', 'Enter', 13);
  const bad = await page.waitFor('an error for the bad filter',
    "document.querySelector('#errors .error')?.textContent");
  check(/-Q/.test(bad), `the error does not name the bad option: ${bad}`);

  step(`filter ${opt.filter}`);
  await page.type('#filter', opt.filter);
  await page.press('Enter', 'Enter', 13);
  await page.waitFor(`the fleet table to show ${expected.length} nodes`,
    `document.querySelectorAll('#fleet-table tbody tr').length === ${expected.length}`);
  const fleet = await page.eval("[...document.querySelectorAll('#fleet-table tbody tr')].map((r) => r.dataset.node).sort()");
  check(q(fleet) === q(expected), `fleet table: ${fleet} instead of ${expected}`);
  check(await page.eval("document.querySelector('#errors').textContent === ''"), 'the error stayed after a good filter');

  step('rpcutil get_fact: the form comes from the DDL');
  await page.waitFor('the agent list', "[...document.querySelectorAll('#agent option')].some((o) => o.value === 'rpcutil')");
  await page.eval("(() => { const s = document.querySelector('#agent'); s.value = 'rpcutil'; s.dispatchEvent(new Event('change')); })()");
  await page.waitFor('the actions of rpcutil', "[...document.querySelectorAll('#act option')].some((o) => o.value === 'get_fact')");
  await page.eval("(() => { const s = document.querySelector('#act'); s.value = 'get_fact'; s.dispatchEvent(new Event('change')); })()");
  await page.waitFor('the input "fact"', "document.querySelector('#in-fact')");
  const label = await page.eval("document.querySelector('label[for=\"in-fact\"]').textContent");
  check(/The name of the fact/.test(label) && /required/.test(label), `the label is not the DDL's prompt: ${label}`);

  step('the DDL validation is checked in the browser: nothing is asked');
  await page.type('#in-fact', 'no spaces allowed');
  await page.click('#review');
  const err = await page.waitFor('the field error', "document.querySelector('#in-fact-err').textContent");
  check(/does not match/.test(err), `field error: ${err}`);
  check(!(await page.eval("document.querySelector('#confirm').open")), 'the confirmation opened for an invalid input');

  step(`ask for fact ${opt.fact}, confirm`);
  await page.type('#in-fact', opt.fact);
  await page.click('#review');
  const says = await page.waitFor('the confirmation', "document.querySelector('#confirm').open && document.querySelector('#confirm-text').textContent");
  check(says.includes(`${expected.length} node`), `the confirmation does not say ${expected.length} nodes: ${says}`);
  await page.click('#confirm-run');

  step('the results');
  const end = await page.waitFor('the call to end',
    "['done', 'error'].includes(document.querySelector('#results').dataset.state) && document.querySelector('#results').dataset.state", 60);
  check(end === 'done', `the call ended in error: ${await page.eval("document.querySelector('#errors').textContent")}`);
  const rows = await page.eval(`[...document.querySelectorAll('#results-table tbody tr')].map((r) =>
    ({node: r.dataset.node, status: r.dataset.status, cells: [...r.children].map((c) => c.textContent)}))`);
  const nodes = rows.map((r) => r.node).sort();
  check(q(nodes) === q(expected), `results table: ${nodes} instead of ${expected}`);
  for (const r of rows) {
    check(r.status === 'ok', `${r.node}: status ${r.status} (${r.cells.join(' | ')})`);
    check(r.cells.includes(opt.value), `${r.node}: no "${opt.value}" in ${r.cells.join(' | ')}`);
  }
  const heads = await page.eval("[...document.querySelectorAll('#results-table thead th')].map((h) => h.textContent)");
  check(heads.includes('Fact') && heads.includes('Value'), `outputs not by display_as: ${heads}`);
  const progress = await page.eval("document.querySelector('#progress-text').textContent");
  check(progress.startsWith(`${expected.length} / ${expected.length}`), `progress: ${progress}`);

  step('the aggregate is drawn as a bar chart, the reply times as a histogram');
  const chart = await page.eval(`(() => {
    const f = document.querySelector('#charts figure.aggregate[data-output="value"]');
    const s = f && f.querySelector('svg.bar-chart');
    return s && {bars: s.querySelectorAll('rect.bar').length, title: s.querySelector('title').textContent};
  })()`);
  check(chart, 'no bar chart for the aggregate of "value"');
  check(chart.bars === 1 && chart.title.includes(`${opt.value} ${expected.length}`),
    `aggregate chart: ${chart.bars} bars, "${chart.title}"`);
  const hist = await page.eval("document.querySelectorAll('#histogram svg rect.bar').length");
  check(hist > 0, 'no histogram of reply times');
  check(await page.eval("document.querySelector('#errors').textContent === ''"),
    `errors after the call: ${await page.eval("document.querySelector('#errors').textContent")}`);
}

let browser;
try {
  browser = await launch({ binary: opt.chromium, profile: opt.profile });
} catch (e) {
  if (!(e instanceof LaunchError)) throw e;
  console.error(`page_test: skipped: ${e.message}`);
  process.exit(77);
}
const limit = setTimeout(() => {
  console.error('page_test: FAIL: no end after 150 s');
  browser.proc.kill('SIGKILL');
  process.exit(1);
}, 150000);
let page;
let rc = 0;
try {
  page = await browser.newPage();
  await test(page);
  check(page.problems.length === 0, `the page reported: ${page.problems.join('; ')}`);
  console.log('page_test: passed');
} catch (e) {
  console.error(`page_test: FAIL: ${e.message}`);
  if (page && page.problems.length) console.error(`page_test: the page reported: ${page.problems.join('; ')}`);
  rc = 1;
}
if (page) {
  try {
    writeFileSync(opt.shot, await page.screenshot());
    console.log(`page_test: screenshot ${opt.shot}`);
  } catch (e) {
    console.error(`page_test: no screenshot: ${e.message}`);
  }
}
await browser.close();
clearTimeout(limit);
process.exit(rc);
