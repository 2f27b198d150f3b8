// What the browser suites share: a free loopback port, the `innogauge` server started on a
// database and stopped, and Debian's Chromium launched the way every suite runs it.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { chromium } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

/// A port nothing listens on now.
export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/// `innogauge serve` on `database` at a free port, once `/healthz` answers: `{ server, base }`.
export async function startServer(bin, database, extra = []) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(bin, ['--database', database, 'serve', '--listen', `127.0.0.1:${port}`, ...extra], { stdio: 'ignore', env: { ...process.env, RUST_LOG: 'warn' } });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) { return { server, base }; } } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  server.kill('SIGKILL');
  throw new Error('the server did not start');
}

/// Stops a server started by [`startServer`] and waits until it has exited.
export async function stopServer(server) {
  if (!server || server.exitCode !== null) { return; }
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await exited;
}

/// Headless Chromium, without the network chatter of a desktop browser.
export function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}
