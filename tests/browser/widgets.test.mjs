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
  .row { display: grid; grid-template-columns: repeat(3, 320px); gap: 16px; }
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
  await page.goto(`http://127.0.0.1:${portalPort}/`);
  await page.getByRole('img', { name: /高新技术企业数量/ }).waitFor({ timeout: 20000 });
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
