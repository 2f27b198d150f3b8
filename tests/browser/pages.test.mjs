// End-to-end tests of the server's own pages in Debian's headless Chromium: sign-in (by
// keyboard), the statisticians' upload page (bad file → errors marked on the grid, corrected
// file → commit → the demo portal repaints without reload), scope (a 永川区 statistician cannot
// upload 江北区 data), the signed-out redirect, the leaders' board going live, the embed
// builder's snippet and preview, and the language switch.
//
// Run by `cargo xtask test` (INNOGAUGE_BIN names the server binary).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, startServer, stopServer } from './support.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '../..');
const bin = process.env.INNOGAUGE_BIN || path.join(root, 'target/debug/innogauge');
const shots = path.join(root, 'target/screenshots');
const PASSWORD = '永川 statistics 2025';

let workdir, database, base, server, browser, token;

function cli(args, input) {
  return execFileSync(bin, ['--database', database, ...args], { encoding: 'utf8', input, env: { ...process.env, RUST_LOG: 'warn' } });
}

/// A CSV file as a statistician's Excel writes it: a title row, then the header.
function csvFile(name, rows) {
  const file = path.join(workdir, name);
  fs.writeFileSync(file, '\ufeff永川区2025年第三季度科技统计\r\n指标,地区,时期,数值,备注\r\n' + rows.join('\r\n') + '\r\n');
  return file;
}

before(async () => {
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'innogauge-pages-'));
  database = path.join(workdir, 'test.db');
  cli(['demo', '--no-serve']);
  const added = cli(['users', 'add', 'zhangsan', '--name', '永川区统计局 张三', '--role', 'statistician', '--region', '永川区'], `${PASSWORD}\n`);
  assert.match(added, /account zhangsan/);
  assert.match(cli(['users', 'list']), /zhangsan\s+statistician\s+永川区统计局 张三\s+500118/);
  token = cli(['token', 'create', '--name', 'pages test', '--role', 'admin']).split('\n')[1].trim();
  ({ server, base } = await startServer(bin, database));
  fs.mkdirSync(shots, { recursive: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stopServer(server);
  fs.rmSync(workdir, { recursive: true, force: true });
});

/// A new browser context whose pages fail the test on any script error.
async function open(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

/// Signs in with the keyboard alone: Tab to each field, type, Enter.
async function signIn(page, login, password) {
  await page.goto(`${base}/signin?next=%2Fupload`);
  await page.locator('#login').waitFor();
  // Through the header (brand, four links, the language switch) to the form.
  for (let i = 0; i < 12 && await page.evaluate(() => document.activeElement.id) !== 'login'; i++) {
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), 'login', 'the login field is reachable by Tab');
  await page.keyboard.type(login);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'password', 'Tab moves from login to password');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
}

test('a signed-out visitor cannot reach /upload and is sent to sign in', async () => {
  const { context, page, errors } = await open();
  const response = await page.goto(`${base}/upload`);
  assert.equal(new URL(page.url()).pathname, '/signin');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/upload');
  assert.equal(response.status(), 200);
  await page.getByRole('heading', { name: '登录' }).waitFor();
  const direct = await fetch(`${base}/api/v1/uploads`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'x' });
  assert.equal(direct.status, 401, 'the API refuses an upload without a session or token');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a wrong password is refused with a message, by keyboard alone', async () => {
  const { context, page } = await open();
  await signIn(page, 'zhangsan', 'not the password');
  await page.getByRole('alert').filter({ hasText: '用户名或密码错误' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/signin');
  assert.equal(await page.locator('#password').inputValue(), '', 'the password field is cleared');
  await context.close();
});

test('a 永川区 statistician uploads a bad file, sees the errors on the grid, commits the corrected file, and the demo portal repaints live', async () => {
  const portal = await open({ width: 1280, height: 900 });
  await portal.page.goto(`${base}/demo`);
  const kpi = portal.page.locator('[data-innogauge=kpi]').getByRole('img', { name: /科技型企业数量/ });
  await kpi.waitFor({ timeout: 20000 });
  const before = await kpi.getAttribute('aria-label');
  assert.doesNotMatch(before, /1,901/);

  const { context, page, errors } = await open({ width: 1400, height: 1000 });
  await signIn(page, 'zhangsan', PASSWORD);
  await page.waitForURL('**/upload');
  await page.getByText('您可以上传：永川区 的数据。').waitFor();

  const bad = csvFile('bad.csv', ['科技型企业数量,永川区,2025Q3,"1,9O1",', '高新技术企业数量,永川区,2025Q3,-4,', '科技型企业数量,江北区,2025Q3,2999,']);
  await page.setInputFiles('#file', bad);
  await page.locator('#check-title').waitFor({ timeout: 20000 });
  await page.getByText('文件有错误，未保存任何数据').waitFor();
  // Spreadsheet rows: 1 title, 2 header, 3.. data; columns A 指标, B 地区, C 时期, D 数值.
  for (const id of ['cell-3-3', 'cell-4-3', 'cell-5-1']) {
    const cell = page.locator(`#${id}`);
    assert.equal(await cell.getAttribute('aria-invalid'), 'true', `${id} is marked`);
  }
  assert.match(await page.locator('#cell-3-3').getAttribute('title'), /1,9O1/);
  assert.match(await page.locator('#cell-5-1').getAttribute('title'), /江北区/);
  const problems = await page.locator('ol.problems li').allTextContents();
  assert.ok(problems.length >= 3, problems.join('\n'));
  assert.ok(problems.some((p) => /第3行/.test(p) && /数值/.test(p)), problems.join('\n'));
  assert.equal(await page.getByRole('button', { name: '确认提交' }).count(), 0, 'no commit for a file with errors');
  // The list entry is a link to its cell.
  await page.locator('ol.problems a[href="#cell-5-1"]').click();
  assert.equal(new URL(page.url()).hash, '#cell-5-1');
  await page.screenshot({ path: path.join(shots, 'upload-errors.png'), fullPage: true });

  // Corrected; 高新技术企业 265 → 150 is a 43 % drop: a warning, not an error.
  const corrected = csvFile('corrected.csv', ['科技型企业数量,永川区,2025Q3,"1,901",', '高新技术企业数量,永川区,2025Q3,150,']);
  await page.setInputFiles('#file', corrected);
  await page.locator('#changes-title').waitFor({ timeout: 20000 });
  const counts = await page.locator('ul.counts').textContent();
  assert.match(counts, /2 个修订/);
  await page.locator('.warn-note').waitFor();
  assert.match(await page.locator('ol.problems li.warn').textContent(), /比2025年第二季度的263下降43.0%/);
  assert.equal(await page.locator('#row-4').getAttribute('class'), 'warn', 'the row with the drop is marked');
  assert.match(await page.locator('table.changes').textContent(), /永川区 · 科技型企业数量 · 2025年第三季度.*1,753.*1,901/);
  await page.screenshot({ path: path.join(shots, 'upload.png'), fullPage: true });
  await page.getByRole('button', { name: '确认提交' }).click();
  await page.locator('#committed').waitFor({ timeout: 20000 });
  assert.match(await page.locator('#committed').textContent(), /已提交/);
  await page.locator('table.history').getByText('corrected.csv').waitFor();
  assert.equal(await page.locator('table.history').getByRole('button', { name: /撤销/ }).count(), 0, 'a statistician sees no revert');

  await portal.page.waitForFunction(() => {
    const host = document.querySelector('[data-innogauge=kpi]');
    const img = host?.shadowRoot?.querySelector('[role=img]');
    return img && /1,901/.test(img.getAttribute('aria-label'));
  }, null, { timeout: 15000 });
  assert.deepEqual(errors, []);
  assert.deepEqual(portal.errors, []);
  await context.close();
  await portal.context.close();
});

test('an admin sees a workbook\'s bad cells, what an upload changed, and reverts it', async () => {
  const { context, page, errors } = await open({ width: 1400, height: 1000 });
  page.on('dialog', (dialog) => dialog.accept());
  await signIn(page, 'admin', 'innogauge-demo');
  await page.waitForURL('**/upload');
  await page.setInputFiles('#file', path.join(root, 'fixtures/uploads/excel/bad_cells.xlsx'));
  await page.locator('#check-title').waitFor({ timeout: 20000 });
  // A workbook is read by the server only; its grid comes back with the dry run.
  assert.equal(await page.locator('#cell-2-3').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#cell-2-3').textContent(), /约1700/);
  assert.equal(await page.locator('#cell-3-1').getAttribute('aria-invalid'), 'true');

  const row = page.locator('table.history tr', { hasText: 'corrected.csv' });
  await row.getByRole('button', { name: /明细/ }).click();
  await page.locator('ul.detail-list').getByText(/永川区 · 科技型企业数量 · 2025年第三季度：1,753 → 1,901/).waitFor();
  await row.getByRole('button', { name: /撤销/ }).click();
  await page.getByText(/号上传已撤销/).waitFor({ timeout: 15000 });
  await page.locator('table.history').getByText(/撤销第 \d+ 号/).waitFor();
  const kpi = await (await fetch(`${base}/api/v1/progress?indicator=tech_smes&region=500118`)).json();
  assert.equal(kpi[0].latest.value, 1753, 'the revert restored the earlier value');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the same statistician cannot upload 江北区 data through the page', async () => {
  const { context, page } = await open();
  await signIn(page, 'zhangsan', PASSWORD);
  await page.waitForURL('**/upload');
  const version = (await (await fetch(`${base}/healthz`)).json()).data_version;
  const jiangbei = csvFile('jiangbei.csv', ['科技型企业数量,江北区,2025Q3,"4,999",']);
  await page.setInputFiles('#file', jiangbei);
  await page.locator('#check-title').waitFor({ timeout: 20000 });
  assert.equal(await page.locator('#cell-3-1').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('ol.problems').textContent(), /江北区/);
  assert.equal(await page.getByRole('button', { name: '确认提交' }).count(), 0);
  assert.equal((await (await fetch(`${base}/healthz`)).json()).data_version, version, 'nothing was stored');
  await context.close();
});

test('the board shows every 2025 city target and the time of the last upload, live', async () => {
  const { context, page, errors } = await open({ width: 1920, height: 1080 });
  await page.goto(`${base}/board`);
  const gauges = page.locator('.wall-gauges [data-innogauge=gauge]');
  await gauges.first().waitFor({ timeout: 20000 });
  assert.equal(await gauges.count(), 7, 'seven indicators have a 2025 city target');
  await page.locator('[data-innogauge=gauge]').last().getByRole('img').waitFor({ timeout: 20000 });
  await page.locator('[data-innogauge=map]').getByRole('img').waitFor({ timeout: 20000 });
  const updated = page.locator('#last-update');
  await updated.filter({ hasText: '数据更新于' }).waitFor();
  const before = await updated.getAttribute('data-upload');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: path.join(shots, 'board.png') });
  const body = 'indicator,region,period,value\nexperts_engaged,500000,2025Q3,77\n';
  const response = await fetch(`${base}/api/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body });
  assert.equal(response.status, 201);
  await page.waitForFunction((old) => document.querySelector('#last-update').dataset.upload !== old, before, { timeout: 15000 });
  // Who uploaded is for signed-in users: the public wall shows when, not who.
  assert.doesNotMatch(await updated.textContent(), /pages test/);
  assert.equal(await page.evaluate(() => document.body.scrollWidth <= 1920), true, 'no horizontal scrolling on the wall');
  // On a narrower screen some titles take two lines: the arc gives way, the text stays inside.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.waitForTimeout(500);
  const clipped = await page.evaluate(() => [...document.querySelectorAll('.wall-gauges [data-innogauge=gauge]')].filter((host) => {
    const card = host.shadowRoot?.querySelector('.ig');
    const status = host.shadowRoot?.querySelector('.status');
    return !card || !status || status.getBoundingClientRect().bottom > card.getBoundingClientRect().bottom + 0.5;
  }).map((host) => host.dataset.indicator));
  assert.deepEqual(clipped, [], 'every gauge card shows its status line whole at 1280 px');
  await page.screenshot({ path: path.join(shots, 'board-1280.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('the embed builder previews the widget and gives a snippet with integrity and crossorigin', async () => {
  const { context, page, errors } = await open();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await page.goto(`${base}/embed`);
  await page.locator('#kind').selectOption('ranking');
  await page.locator('#indicator').selectOption('rd_expenditure');
  await page.locator('#region').selectOption('500118');
  await page.locator('#measure').selectOption('growth');
  await page.locator('#theme').selectOption('dark');
  await page.locator('#preview-widget').getByRole('img', { name: /全社会研发经费投入/ }).waitFor({ timeout: 20000 });
  const snippet = await page.locator('#snippet').inputValue();
  const loader = await (await fetch(`${base}/widgets/innogauge-v1.js`)).text();
  const integrity = 'sha384-' + crypto.createHash('sha384').update(loader).digest('base64');
  assert.ok(snippet.includes(`<script src="${base}/widgets/innogauge-v1.js" integrity="${integrity}" crossorigin="anonymous" defer></script>`), snippet);
  assert.ok(snippet.includes('<div data-innogauge="ranking" data-indicator="rd_expenditure" data-region="500118" data-measure="growth" data-theme="dark"></div>'), snippet);
  await page.getByRole('button', { name: '复制代码' }).click();
  await page.getByText('已复制').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), snippet);
  await page.screenshot({ path: path.join(shots, 'embed.png'), fullPage: true });

  // The snippet works as pasted, integrity and all, on a page of another origin.
  const portal = path.join(workdir, 'portal.html');
  fs.writeFileSync(portal, `<!doctype html><meta charset="utf-8"><title>portal</title>${snippet}`);
  const other = await context.newPage();
  await other.goto(`file://${portal}`);
  await other.locator('[data-innogauge=ranking]').getByRole('img', { name: /全社会研发经费投入/ }).waitFor({ timeout: 20000 });
  assert.deepEqual(errors, []);
  await context.close();
});

test('English is one click away and remembered', async () => {
  const { context, page } = await open();
  await page.goto(`${base}/embed`);
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByRole('heading', { name: 'Embed-code builder' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.goto(`${base}/signin`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByRole('link', { name: 'Board' }).waitFor();
  await context.close();
});

test('the next plan, applied as a catalogue file, reaches an open widget and the board without a reload', async () => {
  const { context, page, errors } = await open({ width: 1920, height: 1080 });
  await page.goto(`${base}/board`);
  await page.locator('.wall-gauges [data-innogauge=gauge]').first().waitFor({ timeout: 20000 });
  const portal = await context.newPage();
  portal.on('pageerror', (e) => errors.push(e.message));
  await portal.goto(`${base}/demo`);
  // A portal's gauge that asks for the 2030 target before there is one: it shows the 2025 one.
  await portal.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<div id="g2030" data-innogauge="gauge" data-indicator="tech_smes" data-target="2030"></div>'));
  // Widgets mount as they scroll into view (the portal is longer than the window once its
  // widgets have drawn): bring this one into view as a reader would.
  await portal.evaluate(() => document.querySelector('#g2030').scrollIntoView());
  const text = () => portal.evaluate(() => document.querySelector('#g2030')?.shadowRoot?.textContent ?? '');
  await portal.waitForFunction(() => /2025/.test(document.querySelector('#g2030')?.shadowRoot?.querySelector('.sub')?.textContent ?? ''), null, { timeout: 20000 });
  assert.equal(await page.getByRole('button', { name: /2030/ }).count(), 0, 'no 2030 plan yet');

  const plan = fs.readFileSync(path.join(root, 'fixtures/plans/plan-2030-example.toml'));
  const applied = await fetch(`${base}/api/v1/catalog`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: plan });
  assert.equal(applied.status, 201, await applied.text());

  // The open gauge fetches the catalogue again on the `catalog` event and shows its 2030 target.
  await portal.waitForFunction(() => /60,000/.test(document.querySelector('#g2030')?.shadowRoot?.textContent ?? ''), null, { timeout: 15000 });
  assert.match(await text(), /2030/);
  // The board offers the new plan beside the current one, and shows it on a press.
  const tab = page.getByRole('button', { name: '2030年目标' });
  await tab.waitFor({ timeout: 15000 });
  assert.equal(await page.getByRole('button', { name: '2025年目标' }).getAttribute('aria-pressed'), 'true', '2025 is still the current plan');
  await tab.click();
  await page.getByRole('heading', { name: /重庆市 2030 年科技创新目标进展/ }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.wall-gauges [data-innogauge=gauge]').length === 4, null, { timeout: 15000 });
  await page.locator('.wall-gauges [data-innogauge=gauge]').last().getByRole('img').waitFor({ timeout: 20000 });
  await page.screenshot({ path: path.join(shots, 'board-2030.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('accounts: an admin adds one with a one-time link, the owner sets and changes the password, regions bind uploads, the trail shows it all', async () => {
  const admin = await open();
  await signIn(admin.page, 'admin', 'innogauge-demo');
  await admin.page.waitForURL(/\/upload/);
  await admin.page.goto(`${base}/admin/users`);
  await admin.page.getByLabel(/^登录名/).fill('wangwu');
  await admin.page.getByLabel(/^名称/).fill('江津区统计局 王五');
  await admin.page.getByLabel(/^角色/).selectOption('statistician');
  await admin.page.getByLabel(/^可上报地区/).fill('江津区');
  await admin.page.getByRole('button', { name: /添加并生成/ }).click();
  const link = await admin.page.locator('#reset-link').inputValue();
  assert.match(link, /\/reset\?token=igr_[0-9a-f]{64}$/);
  await admin.page.screenshot({ path: path.join(shots, 'admin-users.png'), fullPage: true });

  // The owner opens the link, sets a password; the link then refuses.
  const owner = await open();
  await owner.page.goto(link);
  await owner.page.getByLabel(/^新密码/).fill('王五的 password 1');
  await owner.page.getByLabel(/^再次输入新密码/).fill('王五的 password 1');
  await owner.page.getByRole('button', { name: /设置密码/ }).click();
  await owner.page.getByText('新密码已设置').waitFor();
  const again = await owner.page.goto(link);
  assert.equal(again.status(), 410, 'the link works once');
  assert.match(await owner.page.textContent('main'), /此链接无效/);

  // Signed in twice; a password change in one browser signs the other out.
  await signIn(owner.page, 'wangwu', '王五的 password 1');
  await owner.page.waitForURL(/\/upload/);
  const other = await open();
  await signIn(other.page, 'wangwu', '王五的 password 1');
  await other.page.waitForURL(/\/upload/);
  await owner.page.goto(`${base}/account`);
  await owner.page.getByLabel(/^当前密码/).fill('王五的 password 1');
  await owner.page.getByLabel(/^新密码/).fill('王五的 password 2');
  await owner.page.getByLabel(/^再次输入新密码/).fill('王五的 password 2');
  await owner.page.getByRole('button', { name: /修改密码/ }).click();
  await owner.page.getByText('密码已修改').waitFor();
  await owner.page.screenshot({ path: path.join(shots, 'account.png'), fullPage: true });
  await other.page.goto(`${base}/account`);
  assert.match(await other.page.textContent('main'), /请先登录/, 'the other browser is signed out');

  // The admin moves wangwu to 永川区: an upload for 江津区 is then refused, one for 永川区 lands.
  await admin.page.goto(`${base}/admin/users`);
  await admin.page.locator('#regions-wangwu').fill('永川区');
  await admin.page.locator('form.regions', { has: admin.page.locator('#regions-wangwu') }).getByRole('button').click();
  await admin.page.getByText('可上报地区已更新').waitFor();
  const upload = (region) => owner.page.evaluate(async (region) => {
    const session = await (await fetch('/api/v1/session')).json();
    const csv = `indicator,region,period,value\nhigh_tech_enterprises,${region},2025Q3,181\n`;
    const answer = await fetch('/api/v1/uploads', { method: 'POST', headers: { 'Content-Type': 'text/csv', 'X-CSRF-Token': session.csrf }, body: csv });
    return answer.status;
  }, region);
  await owner.page.goto(`${base}/upload`);
  assert.equal(await upload('江津区'), 422, 'outside the new regions');
  assert.equal(await upload('永川区'), 201);

  // The trail: each step with its actor.
  await admin.page.goto(`${base}/admin/audit`);
  const rows = await admin.page.locator('table.audit tbody tr').allTextContents();
  const has = (actor, action) => rows.some((row) => row.includes(actor) && row.includes(action) && row.includes('wangwu'));
  assert.ok(has('江津区统计局 王五', 'user.reset_used'), 'the link used, by its owner');
  assert.ok(has('江津区统计局 王五', 'user.password_changed'), 'the password changed, by its owner');
  assert.ok(rows.some((row) => row.includes('user.created') && row.includes('wangwu') && !row.includes('江津区统计局 王五 ')), 'created');
  assert.ok(rows.some((row) => row.includes('user.regions_changed') && row.includes('wangwu') && row.includes('500118')), 'regions changed');
  for (const { context, errors } of [admin, owner, other]) {
    assert.deepEqual(errors, []);
    await context.close();
  }
});
