// End-to-end tests of the embeddable widgets in Debian's headless Chromium, driven by
// playwright-core (no browser download). A real `innogauge` server with the demo data serves the
// API and the widget bundle; a second local origin serves a hostile portal page (aggressive
// `!important` CSS and a strict CSP that adds only 'wasm-unsafe-eval' and the API's origin).
//
// Run by `cargo xtask test` (INNOGAUGE_BIN names the server binary).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '../..');
const bin = process.env.INNOGAUGE_BIN || path.join(root, 'target/debug/innogauge');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = path.join(root, 'target/screenshots');

let workdir, database, apiPort, api, token, server, portal, browser, page;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function cli(...args) {
  return execFileSync(bin, ['--database', database, ...args], { encoding: 'utf8', env: { ...process.env, RUST_LOG: 'warn' } });
}

async function startServer() {
  server = spawn(bin, ['--database', database, 'serve', '--listen', `127.0.0.1:${apiPort}`], { stdio: 'ignore', env: { ...process.env, RUST_LOG: 'warn' } });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${api}/healthz`)).ok) { return; } } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not start');
}

async function stopServer() {
  if (!server) { return; }
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await exited;
  server = null;
}

const hostileCss = `
  body { font-family: serif; background: #f4efe6; margin: 16px; }
  .row { display: grid; grid-template-columns: repeat(3, 340px); gap: 16px; margin-bottom: 16px; }
  .row.wide { grid-template-columns: 440px 600px; }
  .row.small { grid-template-columns: repeat(2, 1fr); width: 376px; }
  canvas { width: 10px !important; height: 3px !important; border: 5px solid red !important; }
  div { font-size: 40px !important; color: magenta !important; }
  p { display: none !important; }
  * { background-image: none !important; }`;

function portalPage() {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>永川区人民政府 · 科技创新</title>
  <link rel="stylesheet" href="/host.css">
  <script src="${api}/widgets/innogauge.js" defer></script></head><body>
  <h1>科技创新主要指标</h1>
  <div class="row">
    <div id="gauge" data-innogauge="gauge" data-indicator="high_tech_enterprises" data-region="500000"></div>
    <div id="growth" data-innogauge="gauge" data-indicator="rd_expenditure" data-region="500118"></div>
    <div id="kpi" data-innogauge="kpi" data-indicator="tech_smes" data-region="永川区" data-theme="dark"></div>
    <div id="english" data-innogauge="gauge" data-indicator="science_literacy_rate" data-lang="en" data-theme="high-contrast"></div>
    <div id="table" data-innogauge="table" data-indicator="hitech_zone_output_share"></div>
    <div id="unknown" data-innogauge="gauge" data-indicator="no_such_thing"></div>
  </div>
  <div class="row wide">
    <div id="trend" data-innogauge="trend" data-indicator="high_tech_enterprises"></div>
    <div id="board" data-innogauge="board" data-region="500118"></div>
  </div>
  <div class="row">
    <div id="trend-sized" data-innogauge="trend" data-indicator="rd_expenditure" data-region="500118" data-height="300" data-theme="dark"></div>
    <div id="ranking" data-innogauge="ranking" data-indicator="rd_expenditure" data-measure="growth" data-region="永川区" data-height="420"></div>
    <div id="map" data-innogauge="map" data-indicator="high_tech_enterprises" data-region="500118"></div>
    <div id="map-value" data-innogauge="map" data-indicator="tech_smes" data-measure="value" data-lang="en"></div>
  </div>
  <div class="row wide">
    <div id="index-ranking" data-innogauge="index-ranking" data-region="永川区" data-height="520"></div>
    <div id="index-map" data-innogauge="index-map"></div>
    <div id="index-profile" data-innogauge="index-profile" data-region="500118"></div>
    <div id="index-profile-en" data-innogauge="index-profile" data-region="江津区" data-lang="en" data-theme="dark"></div>
    <div id="index-ranking-en" data-innogauge="index-ranking" data-region="500118" data-lang="en" data-method="min_max" data-height="420"></div>
    <div id="index-map-en" data-innogauge="index-map" data-lang="en" data-theme="high-contrast"></div>
  </div>
  <div id="index-table" data-innogauge="index-table" data-region="永川区"></div>
  <div class="row small">
    <div id="gauge-small" data-innogauge="gauge" data-indicator="rd_expenditure" data-region="500103" data-height="200"></div>
    <div id="trend-small" data-innogauge="trend" data-indicator="tech_smes" data-region="500103" data-height="200"></div>
  </div></body></html>`;
}

before(async () => {
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'innogauge-browser-'));
  database = path.join(workdir, 'test.db');
  cli('demo', '--no-serve');
  token = cli('token', 'create', '--name', 'browser test', '--role', 'admin').split('\n')[1].trim();
  apiPort = await freePort();
  api = `http://127.0.0.1:${apiPort}`;
  await startServer();
  const portalPort = await freePort();
  // A strict portal CSP: no inline styles or scripts; only 'wasm-unsafe-eval' and the API origin added.
  const csp = `default-src 'self'; script-src 'self' ${api} 'wasm-unsafe-eval'; connect-src ${api}; style-src 'self'; img-src 'self' data: blob:`;
  portal = http.createServer((req, res) => {
    if (req.url === '/host.css') { res.writeHead(200, { 'content-type': 'text/css' }); res.end(hostileCss); return; }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
    res.end(portalPage());
  });
  await new Promise((r) => portal.listen(portalPort, '127.0.0.1', r));
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  page = await browser.newPage({ viewport: { width: 1100, height: 1000 }, deviceScaleFactor: 2 });
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  page.on('console', (m) => { if (m.type() === 'error') { console.log('console error:', m.text()); } });
  await page.goto(`http://127.0.0.1:${portalPort}/`);
  await page.locator('#gauge').getByRole('img', { name: /高新技术企业数量/ }).waitFor({ timeout: 20000 });
});

after(async () => {
  fs.mkdirSync(shots, { recursive: true });
  if (page) { await page.screenshot({ path: path.join(shots, 'widgets.png'), fullPage: true }).catch(() => {}); }
  if (browser) { await browser.close(); }
  if (portal) { portal.close(); }
  await stopServer();
  fs.rmSync(workdir, { recursive: true, force: true });
});

async function label(id) {
  return page.locator(`#${id}`).getByRole('img').getAttribute('aria-label');
}

test('every widget type renders with the figure in its aria-label', async () => {
  const [progress] = await (await fetch(`${api}/api/v1/progress?indicator=high_tech_enterprises&region=500000`)).json();
  const figure = progress.latest.value.toLocaleString('en-US');
  assert.match(await label('gauge'), new RegExp(`高新技术企业数量.*${figure}家`));
  assert.match(await label('growth'), /全社会研发经费投入/);
  assert.match(await label('kpi'), /科技型企业数量/);
  assert.match(await label('english'), /Share of citizens with scientific literacy/);
  await page.locator('#table').getByRole('table').waitFor();
  assert.ok(await page.locator('#table').getByRole('row').count() > 5);
});

test('a chart\'s hidden data table for screen readers follows once the page is idle', async () => {
  // Rendered after the charts are painted (requestIdleCallback), but always rendered.
  const rows = async (id) => page.locator(`#${id}`).evaluate((host) => host.shadowRoot.querySelectorAll('.sr-only table tbody tr').length);
  await page.waitForFunction(() => document.querySelector('#trend')?.shadowRoot?.querySelector('.sr-only table tbody tr'), null, { timeout: 10000 });
  const view = await (await fetch(`${api}/api/v1/series?indicator=high_tech_enterprises&region=500000`)).json();
  assert.equal(await rows('trend'), view.series.points.length, 'one row per point of the series');
  assert.ok(await rows('gauge') > 0);
});

test('canvases are painted at the device pixel ratio despite hostile host CSS', async () => {
  const sizes = await page.locator('#gauge').evaluate((host) => {
    const canvas = host.shadowRoot.querySelector('canvas');
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) { painted++; } }
    return { backing: canvas.width, css: canvas.clientWidth, painted, ratio: window.devicePixelRatio };
  });
  assert.equal(sizes.ratio, 2);
  assert.ok(sizes.css > 200, `the host's canvas width rule leaked in: ${sizes.css}px`);
  assert.equal(sizes.backing, Math.round(sizes.css * 2));
  assert.ok(sizes.painted > 1000, `only ${sizes.painted} pixels painted`);
  // The host hides every <p> with !important; the widget's status line is still shown.
  assert.ok(await page.locator('#gauge').locator('p.status').isVisible());
  assert.match(await page.locator('#gauge').locator('p.status').textContent(), /进展良好/);
});

test('an unknown indicator says so inside the widget', async () => {
  await page.locator('#unknown').getByRole('alert').waitFor();
  assert.match(await page.locator('#unknown').getByRole('alert').textContent(), /找不到指标“no_such_thing”/);
});

test('an upload repaints a live widget without reload', async () => {
  const body = '指标,地区,时期,数值\n科技型企业数量,永川区,2025Q3,2468\n';
  const response = await fetch(`${api}/api/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body });
  assert.equal(response.status, 201);
  await page.waitForFunction(() => document.querySelector('#kpi').shadowRoot.querySelector('[role=img]').getAttribute('aria-label').includes('2,468'), null, { timeout: 15000 });
});

test('the API going down shows stale data, and coming back recovers', async () => {
  await stopServer();
  await page.locator('#gauge').getByText('数据截至').waitFor({ timeout: 20000 });
  assert.match(await label('gauge'), /高新技术企业数量/, 'the last data stays on screen');
  await startServer();
  await page.locator('#gauge').getByText('数据截至').waitFor({ state: 'detached', timeout: 30000 });
});

test('trend, ranking, map and board render with their figures in words', async () => {
  const [hte] = await (await fetch(`${api}/api/v1/progress?indicator=high_tech_enterprises&region=500000`)).json();
  assert.match(await label('trend'), new RegExp(hte.latest.value.toLocaleString('en-US')));
  const ranking = await (await fetch(`${api}/api/v1/ranking?indicator=rd_expenditure&measure=growth`)).json();
  const yongchuan = ranking.entries.find((e) => e.region === '500118');
  assert.match(await label('ranking'), new RegExp(`永川区排第${yongchuan.rank}位`));
  assert.match(await label('ranking'), new RegExp(`前三为${ranking.entries[0].name_zh}`));
  assert.match(await label('map'), /高新技术企业数量分区县地图（2025年第三季度）/);
  assert.match(await label('map-value'), /Map of Tech-based enterprises by district \(Q3 2025\)/);
  assert.match(await label('board'), /永川区科技创新目标一览：\d+ 项目标中 \d+ 项/);
  // Every chart has paint on its canvas, at the device pixel ratio.
  for (const id of ['trend', 'ranking', 'map', 'board', 'trend-sized']) {
    const canvas = await page.locator(`#${id}`).evaluate((host) => {
      const c = host.shadowRoot.querySelector('canvas');
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) { painted++; } }
      return { painted, backing: c.width, css: c.clientWidth };
    });
    assert.ok(canvas.painted > 2000, `${id}: only ${canvas.painted} pixels painted`);
    assert.equal(canvas.backing, Math.round(canvas.css * 2), `${id}: backing store not at devicePixelRatio`);
  }
  // data-height sizes the widget.
  assert.equal(Math.round((await page.locator('#trend-sized').boundingBox()).height), 300);
});

test('small widgets (180 × 200 px) keep their labels apart, the figure inside the ring and every line inside the box', async () => {
  await page.locator('#trend-small').scrollIntoViewIfNeeded();
  await page.locator('#trend-small').getByRole('img', { name: /科技型企业数量/ }).waitFor();
  await page.locator('#gauge-small').getByRole('img', { name: /全社会研发经费投入/ }).waitFor();
  const layout = await page.evaluate(() => {
    const rects = (host, selector) => [...document.querySelector(host).shadowRoot.querySelectorAll(selector)]
      .filter((e) => e.getClientRects().length).map((e) => e.getBoundingClientRect());
    const trend = document.querySelector('#trend-small');
    const gauge = document.querySelector('#gauge-small');
    const canvas = gauge.shadowRoot.querySelector('canvas').getBoundingClientRect();
    const figure = gauge.shadowRoot.querySelector('.gauge-center');
    const [first, last] = [figure.firstElementChild.getBoundingClientRect(), figure.lastElementChild.getBoundingClientRect()];
    // The ring as draw::gauge lays it out, in CSS pixels.
    const radius = Math.min(canvas.width * 0.42, canvas.height * 0.85);
    const inner = radius - Math.max(radius * 0.18, 6) / 2;
    const centre = { x: canvas.left + canvas.width / 2, y: canvas.top + canvas.height * 0.92 };
    const text = { left: first.left, right: last.right, top: Math.min(first.top, last.top) };
    return {
      widths: [gauge.getBoundingClientRect().width, trend.getBoundingClientRect().width],
      xticks: rects('#trend-small', '.xtick'), yticks: rects('#trend-small', '.ytick'), allX: trend.shadowRoot.querySelectorAll('.xtick').length,
      corners: [Math.hypot(text.left - centre.x, text.top - centre.y), Math.hypot(text.right - centre.x, text.top - centre.y)], inner,
      boxes: {
        gauge: [gauge.getBoundingClientRect(), rects('#gauge-small', 'p.sub')[0], rects('#gauge-small', 'p.status')[0]],
        trend: [trend.getBoundingClientRect(), rects('#trend-small', 'p.status')[0], rects('#trend-small', '.legend')[0]],
      },
    };
  });
  // Equal 1fr columns: a widget whose content claimed a wider minimum would have widened its column.
  assert.deepEqual(layout.widths, [180, 180]);
  assert.ok(layout.xticks.length >= 2 && layout.xticks.length < layout.allX, `${layout.xticks.length} of ${layout.allX} year labels shown`);
  for (const [ticks, a, b] of [[layout.xticks, 'left', 'right'], [layout.yticks, 'top', 'bottom']]) {
    const sorted = [...ticks].sort((p, q) => p[a] - q[a]);
    for (let i = 1; i < sorted.length; i++) {
      assert.ok(sorted[i][a] >= sorted[i - 1][b], `labels overlap: ${sorted[i - 1][a]}–${sorted[i - 1][b]} and ${sorted[i][a]}`);
    }
  }
  for (const corner of layout.corners) {
    assert.ok(corner <= layout.inner + 1, `the figure reaches ${corner.toFixed(1)} px from the ring's centre, inside is ${layout.inner.toFixed(1)}`);
  }
  for (const [name, [box, ...lines]] of Object.entries(layout.boxes)) {
    for (const line of lines) {
      assert.ok(line && line.height >= 12, `${name}: a line is missing or squeezed`);
      assert.ok(line.bottom <= box.bottom + 0.5 && line.top >= box.top, `${name}: a line at ${line.top}–${line.bottom} leaves the box ${box.top}–${box.bottom}`);
    }
  }
});

test('the trend reads its values out by keyboard, and the map on hover', async () => {
  const chart = page.locator('#trend').getByRole('img');
  await chart.focus();
  await page.keyboard.press('End');
  const live = page.locator('#trend').locator('p[aria-live=polite]');
  await page.waitForFunction(() => /2025年第三季度：[\d,]+家/.test(document.querySelector('#trend').shadowRoot.querySelector('p[aria-live=polite]').textContent));
  await page.keyboard.press('ArrowLeft');
  assert.match(await live.textContent(), /2025年第二季度：[\d,]+家/);
  await page.keyboard.press('Home');
  assert.doesNotMatch(await live.textContent(), /2025年/);
  // Hovering the map over 永川区 names it.
  await page.locator('#map canvas').scrollIntoViewIfNeeded();
  const box = await page.locator('#map canvas').boundingBox();
  const bounds = await (await fetch(`${api}/api/v1/boundaries`)).json();
  assert.equal(bounds.features.length, 38);
  // 永川区's interior point, projected the way the widget does.
  const positions = (c) => (typeof c[0] === 'number' ? [c] : c.flatMap(positions));
  const [w, s, e, n] = bounds.features.flatMap((f) => positions(f.geometry.coordinates)).reduce(
    (b, [x, y]) => [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)], [180, 90, -180, -90]);
  const k = Math.cos(((s + n) / 2) * Math.PI / 180);
  const scale = Math.min((box.width - 12) / ((e - w) * k), (box.height - 12) / (n - s));
  const ox = (box.width - (e - w) * k * scale) / 2, oy = (box.height - (n - s) * scale) / 2;
  const [lon, lat] = [105.9, 29.35];
  await page.mouse.move(box.x + ox + (lon - w) * k * scale, box.y + oy + (n - lat) * scale);
  await page.locator('#map').locator('.tip').waitFor();
  assert.match(await page.locator('#map').locator('.tip').textContent(), /永川区：[\d,]+家，第\d+名/);
  await page.mouse.move(0, 0);
  await page.locator('#map').locator('.tip').waitFor({ state: 'detached' });
  // The map is still painted after the tooltip came and went.
  const painted = await page.locator('#map').evaluate((host) => {
    const c = host.shadowRoot.querySelector('canvas');
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) { n++; } }
    return n;
  });
  assert.ok(painted > 2000, `the map is blank after hovering (${painted} pixels)`);
});

test('the menu downloads the chart as PNG and the data as CSV', async () => {
  const menu = page.locator('#trend').getByRole('button', { name: '下载或分享图表、数据' });
  await menu.click();
  assert.equal(await menu.getAttribute('aria-expanded'), 'true');
  const [png] = await Promise.all([page.waitForEvent('download'), page.locator('#trend').getByRole('button', { name: '下载图片（PNG）' }).click()]);
  const image = fs.readFileSync(await png.path());
  fs.mkdirSync(shots, { recursive: true });
  fs.writeFileSync(path.join(shots, 'trend-download.png'), image);
  assert.deepEqual([...image.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG file');
  assert.ok(image.length > 10000, `the PNG is only ${image.length} bytes`);
  await menu.click();
  const [csv] = await Promise.all([page.waitForEvent('download'), page.locator('#trend').getByRole('button', { name: '下载数据（CSV）' }).click()]);
  const text = fs.readFileSync(await csv.path(), 'utf8');
  assert.ok(text.startsWith('\uFEFFperiod,时期,value,unit\n'), text.slice(0, 40));
  assert.match(text, /2025Q3,2025年第三季度,\d+,家/);
  // The public figures, exactly (the city is the exact sum of the districts).
  assert.match(text, /\n2021Q4,2021年第四季度,5108,家\n/);
  assert.match(text, /\n2022Q4,2022年第四季度,6348,家\n/);
});

async function shown(id) {
  await page.locator(`#${id}`).scrollIntoViewIfNeeded();
  await page.locator(`#${id}`).getByRole('img').first().waitFor({ timeout: 20000 });
  return page.locator(`#${id}`).getByRole('img').first().getAttribute('aria-label');
}

/** The number after `word` in a text (an index as a widget writes it, one decimal). */
function numberAfter(text, word) {
  const m = text.match(new RegExp(`${word}\\s?([\\d.]+)`));
  assert.ok(m, `no “${word}” number in: ${text}`);
  return Number(m[1]);
}

function painted(id) {
  return page.locator(`#${id}`).evaluate((host) => {
    const c = host.shadowRoot.querySelector('canvas');
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) { n++; } }
    return { painted: n, backing: c.width, css: c.clientWidth };
  });
}

test('the evaluation widgets say each district\'s index, rank and interval, in both languages', async () => {
  const evaluation = await (await fetch(`${api}/api/v1/evaluation`)).json();
  const byCode = (e, code) => e.districts.find((d) => d.region === code);
  const words = (d) => (d.rank_interval[0] === d.rank_interval[1] ? `第${d.rank}名` : `第${d.rank}名（区间第${d.rank_interval[0]}–${d.rank_interval[1]}名）`);
  const wordsEn = (d) => (d.rank_interval[0] === d.rank_interval[1] ? `rank ${d.rank}` : `rank ${d.rank} \\(interval ${d.rank_interval[0]}–${d.rank_interval[1]}\\)`);
  const yongchuan = byCode(evaluation, '500118');
  assert.ok(yongchuan.rated && yongchuan.rank >= 1 && yongchuan.rank <= 38);

  // The ranking: the top three, and 永川区 (data-region) with its rank and interval.
  const ranking = await shown('index-ranking');
  const first = evaluation.districts.find((d) => d.rank === 1);
  assert.match(ranking, new RegExp(`区县科技创新指数排名（2025年第三季度，38 个区县参评）：前三为${first.name_zh}`));
  assert.match(ranking, new RegExp(`永川区：指数[\\d.]+，${words(yongchuan)}`));
  assert.ok(Math.abs(numberAfter(ranking, '永川区：指数') - yongchuan.index) <= 0.051, ranking);
  const rows = await page.locator('#index-ranking').evaluate((host) => host.shadowRoot.querySelectorAll('.rank-names li').length);
  assert.equal(rows, 38, 'every district has a row');

  // The same in English, scored min–max: its own ranks.
  const minMax = await (await fetch(`${api}/api/v1/evaluation?method=min_max`)).json();
  const english = await shown('index-ranking-en');
  assert.match(english, new RegExp(`Yongchuan District: index [\\d.]+, ${wordsEn(byCode(minMax, '500118'))}`));

  // The profile: the index, the rank with its interval, the tier, every part against the average.
  const profile = await shown('index-profile');
  assert.match(profile, new RegExp(`^永川区区县科技创新指数（2025年第三季度）：指数[\\d.]+，${words(yongchuan)} · 第${['一', '二', '三'][yongchuan.tier - 1]}梯队`));
  for (const part of evaluation.parts) {
    const average = evaluation.part_averages.find((p) => p.part === part.id).score;
    assert.ok(Math.abs(numberAfter(profile, `${part.name_zh}[\\d.]+（平均`) - average) <= 0.051, `${part.name_zh} average in: ${profile}`);
  }
  const strengths = await page.locator('#index-profile').locator('.verdicts').textContent();
  for (const id of yongchuan.strengths) {
    assert.ok(strengths.includes(evaluation.measures.find((m) => m.id === id).name_zh), `strength ${id} not named: ${strengths}`);
  }
  const jiangjin = byCode(evaluation, '500116');
  assert.match(await shown('index-profile-en'), new RegExp(`^Jiangjin District, District innovation index \\(Q3 2025\\): index [\\d.]+, ${wordsEn(jiangjin)}`));

  // The tier map counts the tiers as the API does.
  const count = (tier) => evaluation.districts.filter((d) => d.tier === tier).length;
  assert.match(await shown('index-map'), new RegExp(`梯队分布图（2025年第三季度）：第一梯队 ${count(1)} 个，第二梯队 ${count(2)} 个，第三梯队 ${count(3)} 个，未参评 ${count(null)} 个`));
  assert.match(await shown('index-map-en'), /Map of District innovation index tiers \(Q3 2025\): \d+ in the first tier/);

  // Painted at the device pixel ratio, despite the host's canvas rule.
  for (const id of ['index-ranking', 'index-profile', 'index-map', 'index-map-en']) {
    const canvas = await painted(id);
    assert.ok(canvas.painted > 2000, `${id}: only ${canvas.painted} pixels painted`);
    assert.equal(canvas.backing, Math.round(canvas.css * 2), `${id}: backing store not at devicePixelRatio`);
  }

  // The table: every district, and sorting by a part puts its best first.
  const table = page.locator('#index-table');
  await table.scrollIntoViewIfNeeded();
  await table.getByRole('table').waitFor({ timeout: 20000 });
  assert.equal(await table.locator('tbody tr').count(), 38);
  assert.match(await table.locator('tbody tr').first().textContent(), new RegExp(`^1${first.name_zh}`));
  await table.getByRole('button', { name: '科技促进经济发展' }).click();
  const best = [...evaluation.districts].sort((a, b) => (b.parts.find((p) => p.part === 'economy').score ?? -1) - (a.parts.find((p) => p.part === 'economy').score ?? -1))[0];
  assert.match(await table.locator('tbody tr').first().locator('th').textContent(), new RegExp(`^${best.name_zh}`));
  assert.equal(await table.getByRole('columnheader', { name: /科技促进经济发展/ }).getAttribute('aria-sort'), 'descending');

  fs.mkdirSync(shots, { recursive: true });
  for (const id of ['index-ranking', 'index-profile', 'index-map', 'index-profile-en', 'index-ranking-en', 'index-map-en', 'index-table']) {
    await page.locator(`#${id}`).scrollIntoViewIfNeeded();
    await page.locator(`#${id}`).screenshot({ path: path.join(shots, `${id}.png`) });
  }
});

test('a statistician\'s upload moves the index and the evaluation widgets repaint live', async () => {
  const before = (await (await fetch(`${api}/api/v1/evaluation?region=500118`)).json()).districts[0];
  const shownBefore = numberAfter(await shown('index-profile'), '指数');
  assert.ok(Math.abs(shownBefore - before.index) <= 0.051, `the profile shows ${shownBefore}, the API ${before.index}`);
  // Twice the high-tech enterprises of 2025Q3: 永川区's score of that measure rises.
  const series = await (await fetch(`${api}/api/v1/series?indicator=high_tech_enterprises&region=500118`)).json();
  const value = series.series.points.find((p) => p.period === '2025Q3').value * 2;
  const body = `指标,地区,时期,数值\n高新技术企业数量,永川区,2025Q3,${value}\n`;
  const response = await fetch(`${api}/api/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body });
  assert.equal(response.status, 201, await response.text());
  const after = (await (await fetch(`${api}/api/v1/evaluation?region=500118`)).json()).districts[0];
  assert.ok(after.index > before.index + 0.5, `the index moved from ${before.index} to ${after.index}`);
  await page.waitForFunction((expected) => {
    const label = document.querySelector('#index-profile').shadowRoot.querySelector('[role=img]').getAttribute('aria-label');
    const m = label.match(/指数([\d.]+)/);
    return m && Math.abs(Number(m[1]) - expected) <= 0.051;
  }, after.index, { timeout: 15000 });
  await page.waitForFunction((expected) => {
    const label = document.querySelector('#index-ranking').shadowRoot.querySelector('[role=img]').getAttribute('aria-label');
    const m = label.match(/永川区：指数([\d.]+)/);
    return m && Math.abs(Number(m[1]) - expected) <= 0.051;
  }, after.index, { timeout: 15000 });
});

test('text in every widget passes WCAG AA contrast', async () => {
  const failures = await page.evaluate(() => {
    const luminance = ([r, g, b]) => {
      const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const rgba = (text) => { const m = text.match(/[\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
    const out = [];
    let checked = 0;
    for (const host of document.querySelectorAll('[data-innogauge]')) {
      if (!host.shadowRoot) { continue; }
      for (const el of host.shadowRoot.querySelectorAll('*')) {
        const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        if (!own || el.closest('.sr-only') || !el.getClientRects().length) { continue; }
        // The background: the nearest ancestor (in the shadow tree) with an opaque one.
        let bg = [255, 255, 255];
        for (let a = el; a; a = a.parentElement) {
          const c = rgba(getComputedStyle(a).backgroundColor);
          if (c[3] > 0.5) { bg = c; break; }
        }
        // The text colour, faded by its own alpha and every ancestor's opacity.
        let [r, g, b, alpha] = rgba(getComputedStyle(el).color);
        for (let a = el; a; a = a.parentElement) { alpha *= Number(getComputedStyle(a).opacity); }
        const fg = [r * alpha + bg[0] * (1 - alpha), g * alpha + bg[1] * (1 - alpha), b * alpha + bg[2] * (1 - alpha)];
        const [l1, l2] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
        const ratio = (l1 + 0.05) / (l2 + 0.05);
        const style = getComputedStyle(el);
        const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
        checked++;
        if (ratio < (large ? 3 : 4.5)) { out.push(`${host.id} ${el.className || el.tagName}: ${ratio.toFixed(2)} “${el.textContent.trim().slice(0, 20)}”`); }
      }
    }
    return { out, checked };
  });
  assert.ok(failures.checked > 100, `only ${failures.checked} texts checked`);
  assert.deepEqual(failures.out, []);
});


test('the demo portal served by the binary shows its widgets under its strict CSP', async () => {
  const demo = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const errors = [];
  demo.on('console', (m) => { if (m.type() === 'error') { errors.push(m.text()); } });
  demo.on('pageerror', (e) => errors.push(e.message));
  const response = await demo.goto(`${api}/demo`);
  assert.match(response.headers()['content-security-policy'], /'wasm-unsafe-eval'/);
  await demo.locator('[data-innogauge=board]').getByRole('img', { name: /永川区科技创新目标一览/ }).waitFor({ timeout: 20000 });
  await demo.locator('[data-innogauge=gauge]').first().getByRole('img', { name: /高新技术企业数量/ }).waitFor();
  await demo.screenshot({ path: path.join(shots, 'demo.png'), fullPage: true });
  await demo.close();
  assert.deepEqual(errors, []);
});
