// Widget paint times in headless Chromium, InnoGauge against Apache ECharts on otherwise
// identical pages (run by `cargo xtask bench`, not by the test suite): the time from navigation
// start to the first painted gauge, and to the last of 50 mixed widgets (25 gauges, 25 lines)
// painted. Both fetch the same data from the same innogauge server; ECharts is served by a
// local static server like the page. Prints one JSON object.
//
// Env: INNOGAUGE_API (the server's origin), ECHARTS (path to echarts.min.js), RUNS.
import http from 'node:http';
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const api = process.env.INNOGAUGE_API;
const echartsPath = process.env.ECHARTS;
const runs = Number(process.env.RUNS || 5);
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

const districts = (await (await fetch(`${api}/api/v1/catalog`)).json()).region
  .filter((r) => r.kind === 'district').slice(0, 25).map((r) => r.code);

const style = `<style>body{margin:8px;font-family:sans-serif}.grid{display:grid;grid-template-columns:repeat(10,1fr);gap:6px}
.grid>div{height:200px}</style>`;

// Ours: the loader and divs, as a portal pastes them; each widget's first `innogauge:paint`.
function ours(cells) {
  return `<!doctype html><html><head><meta charset="utf-8">${style}<script>
  window.__painted = new Set(); window.__times = [];
  document.addEventListener('innogauge:paint', (e) => { if (!window.__painted.has(e.target)) { window.__painted.add(e.target); window.__times.push(performance.now()); } });
  </script><script src="${api}/widgets/innogauge.js" defer></script></head><body><div class="grid">${cells.map(([kind, indicator, region]) =>
    `<div data-innogauge="${kind}" data-indicator="${indicator}" data-region="${region}" data-height="200"></div>`).join('')}</div></body></html>`;
}

// ECharts: the same data from the same API, a gauge (achievement of the target) or a line, with
// the same Chinese titles (from the catalogue, fetched once for the page as ours does) and the
// gauge's status line. Animation is off: ours does not animate, and the time wanted is the final
// picture. A chart's time is its first `finished` after `setOption`: `finished` also fires for
// the empty chart `init` draws before any data is here (timing that measured nothing).
function theirs(cells) {
  return `<!doctype html><html><head><meta charset="utf-8">${style}<script src="/echarts.min.js"></script></head><body><div class="grid">
  ${cells.map((_, i) => `<div id="c${i}"></div>`).join('')}</div><script>
  window.__times = [];
  const api = ${JSON.stringify(api)};
  const cells = ${JSON.stringify(cells)};
  const catalog = fetch(api + '/api/v1/catalog').then((r) => r.json());
  const title = (names, indicator, region) =>
    names.indicator.find((i) => i.id === indicator).name_zh + ' · ' + names.region.find((r) => r.code === region).name_zh;
  cells.forEach(async ([kind, indicator, region], i) => {
    const chart = echarts.init(document.getElementById('c' + i));
    let withData = false;
    chart.on('finished', () => { if (withData) { withData = false; window.__times.push(performance.now()); } });
    if (kind === 'gauge') {
      const [p] = await (await fetch(api + '/api/v1/progress?indicator=' + indicator + '&region=' + region)).json();
      const names = await catalog;
      withData = true;
      chart.setOption({ animation: false, title: { text: title(names, indicator, region), subtext: p.status_label.zh,
          textStyle: { fontSize: 12 }, subtextStyle: { fontSize: 11 } },
        series: [{ type: 'gauge', min: 0, max: 120, startAngle: 180, endAngle: 0, progress: { show: true },
          detail: { formatter: '{value}%', fontSize: 16 }, data: [{ value: Math.round((p.achievement || 0) * 100) }] }] });
    } else {
      const s = await (await fetch(api + '/api/v1/series?indicator=' + indicator + '&region=' + region)).json();
      const names = await catalog;
      const points = s.series.points;
      withData = true;
      chart.setOption({ animation: false, title: { text: title(names, indicator, region), textStyle: { fontSize: 12 } },
        grid: { left: 40, right: 8, top: 28, bottom: 24 },
        xAxis: { type: 'category', data: points.map((p) => p.period) }, yAxis: { type: 'value' },
        series: [{ type: 'line', data: points.map((p) => p.value), showSymbol: false }] });
    }
  });
  </script></body></html>`;
}

const pages = {
  'ours-1': ours([['gauge', 'high_tech_enterprises', '500000']]),
  'echarts-1': theirs([['gauge', 'high_tech_enterprises', '500000']]),
  'ours-50': ours(districts.flatMap((d) => [['gauge', 'rd_expenditure', d], ['trend', 'tech_smes', d]])),
  'echarts-50': theirs(districts.flatMap((d) => [['gauge', 'rd_expenditure', d], ['trend', 'tech_smes', d]])),
};
const echarts = fs.readFileSync(echartsPath);
const server = http.createServer((req, res) => {
  const name = req.url.slice(1).replace(/\.html$/, '');
  if (req.url === '/echarts.min.js') { res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(echarts); return; }
  if (pages[name]) { res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }); res.end(pages[name]); return; }
  res.writeHead(404); res.end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
const results = {};
try {
  for (let run = 0; run < runs; run++) {
    // Alternate, each in a fresh context (cold cache), so drift hits both sides alike.
    for (const name of ['ours-1', 'echarts-1', 'ours-50', 'echarts-50']) {
      const expected = name.endsWith('-50') ? 50 : 1;
      const context = await browser.newContext({ viewport: { width: 1920, height: 1200 } });
      const page = await context.newPage();
      await page.goto(`${origin}/${name}.html`);
      await page.waitForFunction((n) => window.__times && window.__times.length >= n, expected, { timeout: 60000 });
      const times = await page.evaluate(() => window.__times);
      (results[name] ||= []).push(Math.max(...times.slice(0, expected)));
      await context.close();
    }
  }
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify(results));
