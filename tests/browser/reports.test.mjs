// End-to-end tests of the published reports and the script-free embeds in Debian's headless
// Chromium: /reports (the list, and for a signed-in admin a draft and the publish button), one
// published HTML report on a desktop and on a phone, a portal page that embeds a widget as an
// <iframe> (the frame tells its height and the portal's iframe follows it) and as an SVG <img>.
//
// Run by `cargo xtask test` (INNOGAUGE_BIN names the server binary).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, launchBrowser, startServer, stopServer } from './support.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '../..');
const bin = process.env.INNOGAUGE_BIN || path.join(root, 'target/debug/innogauge');
const shots = path.join(root, 'target/screenshots');
const PASSWORD = '科技局 reports 2025';

let workdir, database, base, server, portal, portalBase, browser;

function cli(args, input) {
  return execFileSync(bin, ['--database', database, ...args], { encoding: 'utf8', input, env: { ...process.env, RUST_LOG: 'warn' } });
}

before(async () => {
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'innogauge-reports-'));
  database = path.join(workdir, 'test.db');
  // The demo publishes its latest quarter.
  cli(['demo', '--no-serve']);
  assert.match(cli(['report', 'list']), /^2025Q3\s+zh/m);
  cli(['users', 'add', 'kjj', '--name', '市科技局 管理员', '--role', 'admin'], `${PASSWORD}\n`);
  ({ server, base } = await startServer(bin, database));
  // A portal on another origin whose editor allows an iframe, a picture and (here) one script.
  const portalPort = await freePort();
  portalBase = `http://127.0.0.1:${portalPort}`;
  portal = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>portal</title></head><body style="font-family: serif">
      <h1>永川区 · 科技创新</h1>
      <iframe id="frame" src="${base}/frame?type=gauge&indicator=high_tech_enterprises&region=500118&id=g1" title="InnoGauge" width="360" height="100" frameborder="0"></iframe>
      <img id="picture" src="${base}/api/v1/chart.svg?type=index-map" alt="梯队分布" width="400">
      <script>addEventListener("message",function(e){var d=e.data;if(d&&d["innogauge-frame"])document.querySelectorAll("iframe").forEach(function(f){if(f.contentWindow===e.source)f.height=d.height})})</script>
      </body></html>`);
  });
  await new Promise((r) => portal.listen(portalPort, '127.0.0.1', r));
  browser = await launchBrowser();
  fs.mkdirSync(shots, { recursive: true });
});

after(async () => {
  if (browser) { await browser.close(); }
  if (portal) { portal.close(); }
  await stopServer(server);
  fs.rmSync(workdir, { recursive: true, force: true });
});

async function open(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') { errors.push(m.text()); } });
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

test('the published report reads as a document on a desktop and on a phone, with its charts and permanent links', async () => {
  const { context, page, errors } = await open();
  await page.goto(`${base}/reports`);
  await page.getByRole('link', { name: 'PDF' }).first().waitFor();
  assert.equal(await page.getByRole('button', { name: /发布/ }).count(), 0, 'no publish button for a reader');
  await page.getByRole('row', { name: /2025年第三季度/ }).getByRole('link', { name: 'HTML' }).first().click();
  await page.waitForURL(/\/reports\/2025Q3$/);
  await page.getByRole('heading', { level: 1, name: '重庆市区县科技创新评价报告' }).waitFor();
  const evaluation = await (await fetch(`${base}/api/v1/evaluation?period=2025Q3`)).json();
  const first = evaluation.districts.find((d) => d.rank === 1);
  assert.match(await page.getByRole('img', { name: /38 个区县按指数排名/ }).getAttribute('aria-label'), new RegExp(`前三为${first.name_zh}`));
  assert.equal(await page.locator('article.district').count(), 38, 'one section per district');
  const yongchuan = evaluation.districts.find((d) => d.region === '500118');
  const standing = await page.locator('#d-500118 .standing').textContent();
  assert.match(standing, new RegExp(`指数 ${yongchuan.index.toFixed(1)}`.replace('.', '\\.')));
  assert.match(standing, new RegExp(`第${yongchuan.rank}名`));
  assert.ok(await page.locator('figure svg').count() > 40, 'the charts are drawn inline');
  const pdf = await fetch(`${base}${await page.getByRole('link', { name: '下载 PDF' }).getAttribute('href')}`);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.equal(pdf.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  await page.screenshot({ path: path.join(shots, 'report.png') });
  await page.getByRole('link', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: 'District Innovation Evaluation Report, Chongqing' }).waitFor();
  assert.deepEqual(errors, [], 'no errors under the report CSP');
  await context.close();

  const phone = await open({ width: 390, height: 844 });
  await phone.page.goto(`${base}/reports/2025Q3#d-500118`);
  await phone.page.locator('#d-500118 .standing').waitFor();
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `the page itself never scrolls sideways on a phone (${overflow}px); wide tables and charts scroll in their box`);
  await phone.page.screenshot({ path: path.join(shots, 'report-phone.png') });
  await phone.context.close();
});

test('an admin previews the draft of an earlier quarter and publishes it from /reports', async () => {
  const { context, page, errors } = await open();
  await page.goto(`${base}/signin?next=%2Freports`);
  await page.locator('#login').fill('kjj');
  await page.locator('#password').fill(PASSWORD);
  await page.locator('#password').press('Enter');
  await page.waitForURL(/\/(reports|upload|board)/);
  await page.goto(`${base}/reports`);
  const form = page.locator('form.publish').filter({ hasText: '2025Q2' });
  await form.waitFor();
  assert.equal(await page.locator('form.publish').filter({ hasText: '2025Q3' }).count(), 0, 'a published quarter is not offered again');
  const draft = await context.request.get(`${base}/reports/2025Q2/draft`);
  assert.equal(draft.status(), 200);
  assert.match(await draft.text(), /草稿（未发布）/);
  await form.getByRole('button', { name: /发布 2025Q2/ }).click();
  await page.waitForURL(/published=2025Q2/);
  await page.getByRole('status').filter({ hasText: '报告已发布' }).waitFor();
  await page.getByRole('row', { name: /2025年第二季度/ }).waitFor();
  const listed = await (await fetch(`${base}/api/v1/reports`)).json();
  assert.deepEqual(listed.map((r) => `${r.period} ${r.lang}`), ['2025Q3 zh', '2025Q3 en', '2025Q2 zh', '2025Q2 en']);
  const feed = await (await fetch(`${base}/reports/feed.atom`)).text();
  assert.equal(feed.match(/<entry>/g).length, 4);
  // A publish without the session's CSRF token (another site's form) is refused.
  const forged = await context.request.post(`${base}/reports/2025Q1/publish`, { form: { csrf: 'forged' } });
  assert.equal(forged.status(), 403);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a portal without scripts embeds a widget as a frame that follows its height, and as a picture', async () => {
  const { context, page } = await open();
  await page.goto(portalBase);
  const frame = page.frameLocator('#frame');
  await frame.locator('[data-innogauge]').getByRole('img', { name: /高新技术企业数量/ }).waitFor({ timeout: 20000 });
  // The frame said how tall it is; the portal's listener set the iframe's height to it.
  await page.waitForFunction(() => Number(document.querySelector('#frame').height) > 150, null, { timeout: 15000 });
  const content = await frame.locator('body').evaluate((b) => Math.ceil(b.getBoundingClientRect().height));
  const height = await page.evaluate(() => Number(document.querySelector('#frame').height));
  assert.ok(Math.abs(height - content) <= 2, `the iframe is ${height}px, its widget ${content}px`);
  await page.waitForFunction(() => document.querySelector('#picture').complete && document.querySelector('#picture').naturalWidth > 300);
  await page.screenshot({ path: path.join(shots, 'embed-frame-picture.png'), fullPage: true });
  await context.close();
});
