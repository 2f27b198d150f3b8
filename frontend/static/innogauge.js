/* InnoGauge 科创目标仪表 widget loader, version 1.
 * Paste into a portal page:
 *   <script src="https://HOST/widgets/innogauge-v1.js" defer></script>
 *   <div data-innogauge="gauge" data-indicator="high_tech_enterprises" data-region="500000"></div>
 * This file never changes between releases (a snippet pins it with its integrity hash). It
 * asks the server's manifest, revalidated on every page load, for the current boot module,
 * which loads that release's glue and WebAssembly (checked against their hashes). An upgrade
 * of the server therefore reaches every portal on its next page load, no pasted snippet
 * breaks, and nothing of the WebAssembly toolchain is fixed here. What v1 relies on: the
 * manifest's `boot`, and a boot module whose `start({api})` resolves to an object with
 * `mount`, `unmount` and `mountAll`.
 * JS API: InnoGauge.mount(element, options), InnoGauge.unmount(element), InnoGauge.ready.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || window.InnoGauge) { return; }
  var here = new URL('.', script.src);
  var api = script.getAttribute('data-api') || here.origin;
  var queued = [];
  var module = null;
  var ready = ('WebAssembly' in window)
    ? fetch(new URL('manifest.json', here).href, { cache: 'no-cache', credentials: 'omit' })
      .then(function (response) {
        if (!response.ok) { throw new Error('manifest.json: HTTP ' + response.status); }
        return response.json();
      })
      .then(function (manifest) {
        return import(new URL(manifest.boot, here).href);
      })
      .then(function (boot) { return boot.start({ api: api }); })
      .then(function (m) {
        module = m;
        queued.forEach(function (call) { call(); });
        queued = [];
        m.mountAll();
        return m;
      })
    : Promise.reject(new Error('WebAssembly is not available'));
  ready.catch(function (error) {
    // No WebAssembly (or the module failed): say so inside each widget, never an empty box.
    var nodes = document.querySelectorAll('[data-innogauge]');
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      if (el.shadowRoot) { continue; }
      var root = el.attachShadow({ mode: 'open' });
      var p = document.createElement('p');
      p.setAttribute('role', 'status');
      p.textContent = '此浏览器无法显示图表，可下载数据表格 / This browser cannot show the chart; download the data: ';
      var a = document.createElement('a');
      a.href = api + '/api/v1/export.csv?indicator=' + encodeURIComponent(el.getAttribute('data-indicator') || '') +
        '&region=' + encodeURIComponent(el.getAttribute('data-region') || '500000');
      a.textContent = 'CSV';
      p.appendChild(a);
      root.appendChild(p);
    }
    if (window.console) { console.error('InnoGauge:', error); }
  });
  function later(name) {
    return function (element, options) {
      if (module) { return module[name](element, options); }
      queued.push(function () { module[name](element, options); });
    };
  }
  window.InnoGauge = { mount: later('mount'), unmount: later('unmount'), ready: ready };
})();
