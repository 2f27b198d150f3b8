// A server upgrade seen from a portal: a page with a widget is loaded from one release, the
// server is replaced by another release whose glue and WebAssembly have other names (the old
// files are gone), and the page is reloaded in the same browser, with its HTTP cache. The
// widget must render again, through the same pasted snippet, integrity hash and all.
//
// The two releases are the bundle `cargo xtask dist` built, served with `--widgets-dir`: as
// is, and with its glue changed (as a rebuild with a changed widget changes it), renamed by its
// new content, and the boot module and manifest that name it rewritten.
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
import crypto from 'node:crypto';
import { chromium } from 'playwright-core';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '../..');
const bin = process.env.INNOGAUGE_BIN || path.join(root, 'target/debug/innogauge');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

let workdir, database, apiPort, api, server, portal, browser;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function startServer(widgets) {
  server = spawn(bin, ['--database', database, 'serve', '--listen', `127.0.0.1:${apiPort}`, '--widgets-dir', widgets],
    { stdio: 'ignore', env: { ...process.env, RUST_LOG: 'warn' } });
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

const short = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 12);

/// The next release: each module's glue with one more line, under its new content-hashed
/// name (the base module a gauge page loads, the small one with the trend, and the one with
/// every type); the same wasm under
/// new names too, so no old file name survives; a boot module naming them; the manifest naming
/// that boot module. Compressed variants of renamed files are left out.
function nextRelease(from, to) {
  fs.mkdirSync(to);
  const manifest = JSON.parse(fs.readFileSync(path.join(from, 'manifest.json'), 'utf8'));
  let boot = fs.readFileSync(path.join(from, manifest.boot), 'utf8');
  const renamed = {};
  const old = [manifest.boot];
  for (const [prefix, module] of [['innogauge', manifest], ['core', manifest.core], ['base', manifest.base]]) {
    const glue = fs.readFileSync(path.join(from, module.glue), 'utf8') + '\n// the next release\n';
    const glueName = `${prefix}-${short(glue)}.js`;
    const wasm = fs.readFileSync(path.join(from, module.wasm));
    const wasmName = `${prefix}-${short(Buffer.concat([wasm, Buffer.from('next')]))}.wasm`;
    boot = boot.replaceAll(module.glue, glueName).replaceAll(module.wasm, wasmName);
    fs.writeFileSync(path.join(to, glueName), glue);
    fs.writeFileSync(path.join(to, wasmName), wasm);
    renamed[prefix] = { glue: glueName, wasm: wasmName, oldGlue: module.glue };
    old.push(module.glue, module.wasm);
  }
  const bootName = `innogauge-boot-${short(boot)}.js`;
  for (const name of fs.readdirSync(from)) {
    const replaced = old.some((n) => name.startsWith(n)) || name === 'manifest.json';
    if (!replaced) { fs.copyFileSync(path.join(from, name), path.join(to, name)); }
  }
  fs.writeFileSync(path.join(to, bootName), boot);
  fs.writeFileSync(path.join(to, 'manifest.json'), JSON.stringify({
    ...manifest, glue: renamed.innogauge.glue, wasm: renamed.innogauge.wasm, boot: bootName,
    core: { ...manifest.core, glue: renamed.core.glue, wasm: renamed.core.wasm },
    base: { ...manifest.base, glue: renamed.base.glue, wasm: renamed.base.wasm },
  }));
  // A gauge page starts the base module.
  return { glueName: renamed.base.glue, oldGlue: renamed.base.oldGlue };
}

before(async () => {
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'innogauge-upgrade-'));
  database = path.join(workdir, 'test.db');
  execFileSync(bin, ['--database', database, 'demo', '--no-serve'], { encoding: 'utf8', env: { ...process.env, RUST_LOG: 'warn' } });
  apiPort = await freePort();
  api = `http://127.0.0.1:${apiPort}`;
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
});

after(async () => {
  if (browser) { await browser.close(); }
  await stopServer();
  if (portal) { portal.close(); }
  fs.rmSync(workdir, { recursive: true, force: true });
});

test('a snippet pasted once keeps working after a server upgrade', async () => {
  const first = path.join(workdir, 'release-1');
  fs.cpSync(path.join(root, 'dist'), first, { recursive: true });
  const { glueName, oldGlue } = nextRelease(first, path.join(workdir, 'release-2'));
  await startServer(first);
  // The snippet as the embed builder gives it: the versioned loader with its integrity hash.
  const manifest = await (await fetch(`${api}/widgets/manifest.json`)).json();
  const snippet = `<script src="${api}/widgets/${manifest.loader}" integrity="${manifest.integrity}" crossorigin="anonymous" defer></script>
    <div id="gauge" data-innogauge="gauge" data-indicator="high_tech_enterprises"></div>`;
  const portalPort = await freePort();
  portal = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'self'; script-src 'self' ${api} 'wasm-unsafe-eval'; connect-src ${api}; style-src 'self'; img-src 'self' data: blob:` });
    res.end(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>portal</title></head><body>${snippet}</body></html>`);
  });
  await new Promise((r) => portal.listen(portalPort, '127.0.0.1', r));
  const context = await browser.newContext();
  const page = await context.newPage();
  const failed = [];
  page.on('response', (r) => { if (r.status() >= 400) { failed.push(`${r.status()} ${r.url()}`); } });
  await page.goto(`http://127.0.0.1:${portalPort}/`);
  await page.locator('#gauge').getByRole('img', { name: /高新技术企业数量/ }).waitFor({ timeout: 20000 });

  // The upgrade: the same port, another release; the old glue is gone.
  await stopServer();
  await startServer(path.join(workdir, 'release-2'));
  assert.equal((await fetch(`${api}/widgets/${oldGlue}`)).status, 404);
  const requested = [];
  page.on('request', (r) => requested.push(r.url()));
  await page.reload();
  await page.locator('#gauge').getByRole('img', { name: /高新技术企业数量/ }).waitFor({ timeout: 20000 });
  assert.ok(requested.some((u) => u.endsWith(glueName)), `the new release's glue was loaded: ${requested.join('\n')}`);
  assert.deepEqual(failed, [], 'no request failed');
  await context.close();
});

test('a gauge page loads the base module; a map added later hands the page to the full one', async () => {
  await stopServer();
  await startServer(path.join(root, 'dist'));
  const manifest = await (await fetch(`${api}/widgets/manifest.json`)).json();
  assert.ok(manifest.core.types.includes('gauge') && !manifest.core.types.includes('map'), JSON.stringify(manifest.core));
  assert.ok(manifest.base.types.includes('gauge') && !manifest.base.types.includes('trend'), JSON.stringify(manifest.base));
  const portalPort = await freePort();
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>portal</title></head><body>
      <script src="${api}/widgets/innogauge.js" defer></script>
      <div id="gauge" data-innogauge="gauge" data-indicator="high_tech_enterprises"></div></body></html>`);
  });
  await new Promise((r) => server.listen(portalPort, '127.0.0.1', r));
  const context = await browser.newContext();
  const page = await context.newPage();
  const requested = [];
  page.on('request', (r) => requested.push(r.url()));
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`http://127.0.0.1:${portalPort}/`);
  await page.locator('#gauge').getByRole('img', { name: /高新技术企业数量/ }).waitFor({ timeout: 20000 });
  assert.ok(requested.some((u) => u.endsWith(manifest.base.wasm)), 'the base module was loaded');
  assert.ok(!requested.some((u) => u.endsWith(manifest.core.wasm) || u.endsWith(manifest.wasm)), 'no larger module was loaded for a gauge');

  await page.evaluate(() => {
    const map = document.createElement('div');
    map.id = 'map';
    map.setAttribute('data-innogauge', 'map');
    map.setAttribute('data-indicator', 'high_tech_enterprises');
    document.body.appendChild(map);
  });
  await page.locator('#map').getByRole('img').first().waitFor({ timeout: 20000 });
  assert.ok(requested.some((u) => u.endsWith(manifest.wasm)), 'the full module was loaded for the map');
  // The gauge is drawn by the full module now, once (one widget in its shadow root).
  await page.locator('#gauge').getByRole('img', { name: /高新技术企业数量/ }).waitFor({ timeout: 20000 });
  assert.equal(await page.evaluate(() => document.querySelector('#gauge').shadowRoot.querySelectorAll('[part=widget]').length), 1);
  // InnoGauge.mount with another type goes to the full module too.
  await page.evaluate(() => {
    const ranking = document.createElement('div');
    ranking.id = 'ranking';
    document.body.appendChild(ranking);
    window.InnoGauge.mount(ranking, { type: 'ranking', indicator: 'high_tech_enterprises' });
  });
  await page.locator('#ranking').getByRole('img').first().waitFor({ timeout: 20000 });
  assert.deepEqual(errors, []);
  await context.close();
  server.close();
  await stopServer();
});

test('a page with a trend loads the small module; a trend added to a gauge page is drawn by the full one', async () => {
  await startServer(path.join(root, 'dist'));
  const manifest = await (await fetch(`${api}/widgets/manifest.json`)).json();
  const portalPort = await freePort();
  let body = '';
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>portal</title></head><body>
      <script src="${api}/widgets/innogauge.js" defer></script>
      <div id="gauge" data-innogauge="gauge" data-indicator="high_tech_enterprises"></div>${body}</body></html>`);
  });
  await new Promise((r) => server.listen(portalPort, '127.0.0.1', r));
  const context = await browser.newContext();
  const errors = [];
  const open = async () => {
    const page = await context.newPage();
    const requested = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${portalPort}/`);
    await page.locator('#gauge').getByRole('img', { name: /高新技术企业数量/ }).waitFor({ timeout: 20000 });
    return { page, requested };
  };

  body = '<div id="trend" data-innogauge="trend" data-indicator="high_tech_enterprises"></div>';
  const withTrend = await open();
  await withTrend.page.locator('#trend').getByRole('img', { name: /高新技术企业数量/ }).waitFor({ timeout: 20000 });
  const loaded = (urls, module) => urls.some((u) => u.endsWith(module.wasm));
  assert.ok(loaded(withTrend.requested, manifest.core), 'the small module was loaded for a trend');
  assert.ok(!loaded(withTrend.requested, manifest.base) && !loaded(withTrend.requested, manifest), 'and no other');

  body = '';
  const { page, requested } = await open();
  assert.ok(loaded(requested, manifest.base), 'the base module was loaded for a gauge');
  await page.evaluate(() => {
    const trend = document.createElement('div');
    trend.id = 'trend';
    trend.setAttribute('data-innogauge', 'trend');
    trend.setAttribute('data-indicator', 'tech_smes');
    document.body.appendChild(trend);
  });
  await page.locator('#trend').scrollIntoViewIfNeeded();
  await page.locator('#trend').getByRole('img', { name: /科技型企业数量/ }).waitFor({ timeout: 20000 });
  assert.ok(loaded(requested, manifest), 'the full module was loaded for the trend');
  await page.locator('#gauge').getByRole('img', { name: /高新技术企业数量/ }).waitFor({ timeout: 20000 });
  assert.equal(await page.evaluate(() => document.querySelector('#gauge').shadowRoot.querySelectorAll('[part=widget]').length), 1);
  assert.deepEqual(errors, []);
  await context.close();
  server.close();
  await stopServer();
});
