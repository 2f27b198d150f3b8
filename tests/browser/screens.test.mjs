// Every screen and habit, in Debian's headless Chromium against the binary with the demo data:
// a phone (360 px, touch), the wall at 1920×1080 and 3840×2160, dark mode that follows the
// system live, print (emulated print media, then Chromium's own PDF, read back with pdftotext),
// a chart's shared link and image, reduced motion, and 200 % zoom.
//
// Run by `cargo xtask test` (INNOGAUGE_BIN names the server binary).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, startServer, stopServer } from './support.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '../..');
const bin = process.env.INNOGAUGE_BIN || path.join(root, 'target/debug/innogauge');
const shots = path.join(root, 'target/screenshots');

let workdir, database, base, server, browser, token;

function cli(args) {
  return execFileSync(bin, ['--database', database, ...args], { encoding: 'utf8', env: { ...process.env, RUST_LOG: 'warn' } });
}

before(async () => {
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'innogauge-screens-'));
  database = path.join(workdir, 'test.db');
  cli(['demo', '--no-serve']);
  token = cli(['token', 'create', '--name', 'screens test', '--role', 'admin']).split('\n')[1].trim();
  ({ server, base } = await startServer(bin, database));
  fs.mkdirSync(shots, { recursive: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stopServer(server);
  fs.rmSync(workdir, { recursive: true, force: true });
});

async function open(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

/// Scrolls through the page so that every widget mounts (they mount as they come into view),
/// then waits until none is loading.
async function allShown(page) {
  // The page grows as widgets mount: scroll on until the bottom stays put.
  for (let y = 0; y < 100000; y += 400) {
    await page.evaluate((y) => window.scrollTo(0, y), y);
    await page.waitForTimeout(60);
    if (y > await page.evaluate(() => document.documentElement.scrollHeight + 800)) { break; }
  }
  await page.waitForFunction(() => [...document.querySelectorAll('[data-innogauge]')].every((host) => {
    const ig = host.shadowRoot?.querySelector('.ig');
    return ig && !ig.querySelector('.loading') && ig.querySelector('[role=img], table, .figure');
  }), null, { timeout: 30000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
}

/// What of each widget spills out of its box: visible elements of its shadow root outside the
/// host's rectangle, leaving out what screen readers alone get (`.sr-only`) and a data table's
/// own scrolling region (a table of many columns scrolls inside its labelled region: WCAG
/// 1.4.10 exempts content that needs two dimensions).
function spills() {
  return [...document.querySelectorAll('[data-innogauge]')].flatMap((host) => {
    const box = host.getBoundingClientRect();
    return [...host.shadowRoot.querySelectorAll('*')]
      .filter((e) => !e.closest('.sr-only') && !e.closest('.table-scroll') && !e.closest('.menu-said'))
      .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && (r.left < box.left - 1 || r.right > box.right + 1); })
      .map((e) => `${host.dataset.innogauge}: ${e.tagName.toLowerCase()}.${e.className}`);
  });
}

test('a phone: every widget type fits a 360 px column, the ranking shows all 38, the map answers a tap', async () => {
  const { context, page, errors } = await open({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  await page.goto(`${base}/demo`);
  await allShown(page);
  const types = await page.evaluate(() => new Set([...document.querySelectorAll('[data-innogauge]')].map((e) => e.dataset.innogauge)).size);
  assert.equal(types, 11, 'the demo portal shows every widget type');
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 360, 'no sideways scrolling');
  assert.deepEqual(await page.evaluate(spills), [], 'nothing spills out of a widget');
  const table = page.locator('[data-innogauge=index-table]');
  assert.equal(await table.locator('.table-scroll').getAttribute('role'), 'region', 'a wide table scrolls in a labelled region');
  // The ranking: all 38 districts, in legible text.
  const ranking = page.locator('[data-innogauge=ranking]');
  assert.equal(await ranking.locator('.rank-names li').count(), 38);
  const smallest = await ranking.evaluate((host) => Math.min(...[...host.shadowRoot.querySelectorAll('.rank-names li')].map((li) => parseFloat(getComputedStyle(li).fontSize))));
  assert.ok(smallest >= 9, `ranking text of ${smallest} px`);
  // The map by touch: a tap on a district writes its line under the map.
  const map = page.locator('[data-innogauge=map]');
  await map.scrollIntoViewIfNeeded();
  const wrap = map.locator('.map-wrap');
  const box = await wrap.boundingBox();
  await page.touchscreen.tap(box.x + box.width * 0.3, box.y + box.height * 0.55);
  const line = map.locator('.map p.sub');
  await line.waitFor({ timeout: 5000 });
  assert.match(await line.textContent(), /[区县]：/, 'the tapped district and its figure');
  await page.locator('#districts').evaluate((h) => h.scrollIntoView());
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(shots, 'phone-demo.png') });
  await map.screenshot({ path: path.join(shots, 'phone-map-tapped.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

for (const [width, height] of [[1920, 1080], [3840, 2160]]) {
  test(`the wall at ${width}×${height}: one screen, nothing to scroll, every district visible, sharp`, async () => {
    const { context, page, errors } = await open({ viewport: { width, height } });
    await page.goto(`${base}/board`);
    await page.locator('.wall-gauges [data-innogauge=gauge]').last().getByRole('img').waitFor({ timeout: 20000 });
    for (const kind of ['ranking', 'index-ranking', 'map', 'index-map']) {
      await page.locator(`.wall-lower [data-innogauge=${kind}]`).first().getByRole('img').waitFor({ timeout: 20000 });
    }
    await page.waitForTimeout(800);
    const size = await page.evaluate(() => ({ w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight }));
    assert.deepEqual(size, { w: width, h: height }, 'the page is the screen');
    const rankings = await page.evaluate(() => [...document.querySelectorAll('.wall-lower [data-innogauge$=ranking]')].map((host) => {
      const scroll = host.shadowRoot.querySelector('.rank-scroll');
      const rows = [...host.shadowRoot.querySelectorAll('.rank-names li')];
      const bottom = scroll.getBoundingClientRect().bottom;
      return { rows: rows.length, hidden: rows.filter((li) => li.getBoundingClientRect().bottom > bottom + 1).length, scrolls: scroll.scrollHeight > scroll.clientHeight + 1 };
    }));
    assert.equal(rankings.length, 3);
    for (const r of rankings) {
      assert.deepEqual(r, { rows: 38, hidden: 0, scrolls: false }, 'every district in view');
    }
    // Sharp: every canvas has at least a device pixel per CSS pixel it covers on screen.
    const blurry = await page.evaluate(() => [...document.querySelectorAll('[data-innogauge]')].flatMap((host) => [...host.shadowRoot.querySelectorAll('canvas')]
      .filter((c) => c.getBoundingClientRect().width > 0 && c.width < c.getBoundingClientRect().width * devicePixelRatio - 2)
      .map((c) => `${host.dataset.innogauge}: ${c.width} < ${c.getBoundingClientRect().width}`)));
    assert.deepEqual(blurry, []);
    await page.screenshot({ path: path.join(shots, `wall-${width}.png`) });
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('data-theme="auto" follows the system\'s colour scheme, live; other widgets keep their theme', async () => {
  const { context, page, errors } = await open({ colorScheme: 'light' });
  await page.goto(`${base}/chart?type=gauge&indicator=tech_smes&theme=auto`);
  const widget = page.locator('.chart[data-innogauge]');
  await widget.getByRole('img').waitFor({ timeout: 20000 });
  const theme = () => widget.evaluate((host) => host.shadowRoot.querySelector('.ig').className.match(/theme-\w+/)[0]);
  const background = () => widget.evaluate((host) => getComputedStyle(host.shadowRoot.querySelector('.ig')).backgroundColor);
  assert.equal(await theme(), 'theme-light');
  const painted = () => widget.evaluate((host) => { const c = host.shadowRoot.querySelector('canvas'); return c.toDataURL(); });
  const lightArc = await painted();
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForFunction(() => document.querySelector('.chart').shadowRoot.querySelector('.ig').classList.contains('theme-dark'), null, { timeout: 5000 });
  assert.equal(await background(), 'rgb(17, 24, 39)');
  await page.waitForFunction((before) => document.querySelector('.chart').shadowRoot.querySelector('canvas').toDataURL() !== before, lightArc, { timeout: 5000 });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.waitForFunction(() => document.querySelector('.chart').shadowRoot.querySelector('.ig').classList.contains('theme-light'), null, { timeout: 5000 });
  // Without the attribute a widget stays light on a dark system (portals that did not opt in).
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${base}/chart?type=gauge&indicator=tech_smes`);
  await widget.getByRole('img').waitFor({ timeout: 20000 });
  assert.equal(await theme(), 'theme-light');
  assert.deepEqual(errors, []);
  await context.close();
});

test('printed, every widget is whole, light, sharp and without its menu; Chromium\'s PDF has all 38 districts', async () => {
  const { context, page, errors } = await open();
  await page.goto(`${base}/demo`);
  await allShown(page);
  await page.emulateMedia({ media: 'print' });
  await page.waitForFunction(() => [...document.querySelectorAll('[data-innogauge]')].every((host) => !host.shadowRoot.querySelector('.sized')), null, { timeout: 5000 });
  await page.waitForTimeout(500);
  const state = await page.evaluate(() => [...document.querySelectorAll('[data-innogauge]')].map((host) => {
    const root = host.shadowRoot;
    const canvases = [...root.querySelectorAll('canvas')].filter((c) => c.clientWidth > 0);
    return {
      type: host.dataset.innogauge,
      light: root.querySelector('.ig').classList.contains('theme-light'),
      menus: [...root.querySelectorAll('.menu')].filter((m) => m.getBoundingClientRect().width > 0).length,
      cut: [...root.querySelectorAll('.rank-scroll, .table-scroll')].filter((s) => s.scrollHeight > s.clientHeight + 1).length,
      sharp: canvases.every((c) => c.width >= c.clientWidth * 3 - 2),
    };
  }));
  for (const widget of state) {
    assert.deepEqual(widget, { type: widget.type, light: true, menus: 0, cut: 0, sharp: true }, widget.type);
  }
  const pdf = path.join(workdir, 'demo.pdf');
  await page.pdf({ path: pdf, format: 'A4', printBackground: true });
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  for (const district of ['渝北区', '璧山区', '城口县', '秀山土家族苗族自治县']) {
    assert.ok(text.includes(district), `${district} is on paper`);
  }
  assert.ok(!text.includes('⋯'), 'no menu button on paper');
  execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '3', pdf, path.join(shots, 'print-demo')]);
  // A dark widget prints light, and returns to dark on screen.
  await page.emulateMedia({ media: 'screen' });
  await page.goto(`${base}/chart?type=ranking&indicator=tech_smes&theme=dark`);
  const chart = page.locator('.chart[data-innogauge]');
  await chart.getByRole('img').waitFor({ timeout: 20000 });
  const dark = () => chart.evaluate((host) => host.shadowRoot.querySelector('.ig').classList.contains('theme-dark'));
  assert.equal(await dark(), true);
  await page.emulateMedia({ media: 'print' });
  await page.waitForFunction(() => document.querySelector('.chart').shadowRoot.querySelector('.ig').classList.contains('theme-light'), null, { timeout: 5000 });
  await page.emulateMedia({ media: 'screen' });
  await page.waitForFunction(() => document.querySelector('.chart').shadowRoot.querySelector('.ig').classList.contains('theme-dark'), null, { timeout: 5000 });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a chart\'s menu copies a link that opens the chart alone, with a preview picture, and copies the image', async () => {
  const { context, page, errors } = await open();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await page.goto(`${base}/demo`);
  const ranking = page.locator('[data-innogauge=ranking]');
  await ranking.scrollIntoViewIfNeeded();
  await ranking.getByRole('img').waitFor({ timeout: 20000 });
  const menu = ranking.getByRole('button', { name: '下载或分享图表、数据' });
  await menu.click();
  await ranking.getByRole('button', { name: '复制链接' }).click();
  await ranking.getByRole('status').filter({ hasText: '已复制图表链接' }).waitFor({ timeout: 5000 });
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(link, `${base}/chart?type=ranking&indicator=rd_expenditure&region=%E6%B0%B8%E5%B7%9D%E5%8C%BA&measure=growth`);
  await menu.click();
  // The clipboard takes writes from the focused document only.
  await page.bringToFront();
  await ranking.getByRole('button', { name: '复制图片' }).click();
  // The picture is written when the canvas has encoded it: poll the clipboard (a full suite on
  // two cores once took longer than 5 s).
  let png = 0;
  for (let i = 0; i < 200 && !png; i++) {
    png = await page.evaluate(async () => {
      const item = (await navigator.clipboard.read()).find((item) => item.types.includes('image/png'));
      return item ? (await item.getType('image/png')).size : 0;
    });
    if (!png) { await page.waitForTimeout(100); }
  }
  assert.ok(png > 10000, `a real picture on the clipboard (${png} bytes)`);
  // The link: the chart alone, live, with what a chat needs for its preview.
  const shared = await context.newPage();
  await shared.goto(link);
  await shared.getByRole('heading', { name: '全社会研发经费投入 · 各区县' }).waitFor();
  await shared.locator('.chart[data-innogauge=ranking]').getByRole('img').waitFor({ timeout: 20000 });
  assert.equal(await shared.locator('.chart .rank-names li').count(), 38);
  const og = await shared.evaluate(() => Object.fromEntries([...document.querySelectorAll('meta[property^="og:"]')].map((m) => [m.getAttribute('property'), m.content])));
  assert.equal(og['og:title'], '全社会研发经费投入 · 各区县');
  assert.equal(og['og:url'], link);
  const image = await fetch(og['og:image']);
  assert.equal(image.status, 200);
  assert.equal(image.headers.get('content-type'), 'image/png');
  fs.writeFileSync(path.join(shots, 'share-preview.png'), Buffer.from(await image.arrayBuffer()));
  await shared.screenshot({ path: path.join(shots, 'share-page.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

/// Uploads a new 2025Q3 figure of 永川区's tech SMEs (the gauge of the test's /chart shows it).
async function upload(value) {
  const body = `indicator,region,period,value\ntech_smes,500118,2025Q3,${value}\n`;
  const response = await fetch(`${base}/api/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body });
  assert.equal(response.status, 201, await response.text());
}

test('live data is marked for a moment: a glow, or a still outline with reduced motion', async () => {
  for (const [motion, animated] of [['no-preference', true], ['reduce', false]]) {
    const { context, page, errors } = await open({ reducedMotion: motion });
    await page.goto(`${base}/chart?type=gauge&indicator=tech_smes&region=500118`);
    const widget = page.locator('.chart[data-innogauge]');
    await widget.getByRole('img').waitFor({ timeout: 20000 });
    await page.waitForTimeout(500);
    await upload(motion === 'reduce' ? 1234 : 2345);
    await page.waitForFunction(() => document.querySelector('.chart').shadowRoot.querySelector('.ig.fresh'), null, { timeout: 15000 });
    const animations = await widget.evaluate((host) => host.shadowRoot.getAnimations().map((a) => a.animationName));
    assert.deepEqual(animations, animated ? ['ig-fresh'] : [], motion);
    await page.waitForFunction(() => !document.querySelector('.chart').shadowRoot.querySelector('.ig.fresh'), null, { timeout: 10000 });
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test('at 200 % zoom no text of any widget overlaps another', async () => {
  // A 1280 × 900 window at 200 %: 640 × 450 CSS pixels, two device pixels each.
  const { context, page, errors } = await open({ viewport: { width: 640, height: 450 }, deviceScaleFactor: 2 });
  await page.goto(`${base}/demo`);
  await allShown(page);
  const overlaps = await page.evaluate(() => [...document.querySelectorAll('[data-innogauge]')].flatMap((host) => {
    const runs = [];
    const walker = document.createTreeWalker(host.shadowRoot, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!node.textContent.trim() || element.closest('.sr-only, .tip, [hidden], .menu-said, table')) { continue; }
      // What a reader sees of it: clipped by every box that clips (a scrolling ranking).
      let clip = { left: -Infinity, top: -Infinity, right: Infinity, bottom: Infinity };
      for (let e = element; e; e = e.parentElement) {
        const style = getComputedStyle(e);
        if (style.overflowX !== 'visible' || style.overflowY !== 'visible') {
          const b = e.getBoundingClientRect();
          clip = { left: Math.max(clip.left, b.left), top: Math.max(clip.top, b.top), right: Math.min(clip.right, b.right), bottom: Math.min(clip.bottom, b.bottom) };
        }
      }
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const full of range.getClientRects()) {
        const r = { left: Math.max(full.left, clip.left), top: Math.max(full.top, clip.top), right: Math.min(full.right, clip.right), bottom: Math.min(full.bottom, clip.bottom) };
        if (r.right - r.left > 0 && r.bottom - r.top > 0) { runs.push({ r, node, text: node.textContent.trim().slice(0, 20) }); }
      }
    }
    const found = [];
    for (let i = 0; i < runs.length; i++) {
      for (let j = i + 1; j < runs.length; j++) {
        if (runs[i].node === runs[j].node) { continue; }
        const a = runs[i].r, b = runs[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 2 && h > 2) { found.push(`${host.dataset.innogauge}: “${runs[i].text}” × “${runs[j].text}”`); }
      }
    }
    return found;
  }));
  assert.deepEqual(overlaps, []);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 640, 'no sideways scrolling at 200 %');
  assert.deepEqual(await page.evaluate(spills), []);
  await page.screenshot({ path: path.join(shots, 'zoom-200.png') });
  assert.deepEqual(errors, []);
  await context.close();
});
