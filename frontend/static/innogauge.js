/* InnoGauge 科创目标仪表 widget loader.
 * Paste into a portal page:
 *   <script src="https://HOST/widgets/innogauge.js" defer></script>
 *   <div data-innogauge="gauge" data-indicator="high_tech_enterprises" data-region="500000"></div>
 * The WebAssembly module is loaded from beside this script, so it works from any host.
 * JS API: InnoGauge.mount(element, options), InnoGauge.unmount(element), InnoGauge.ready.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || window.InnoGauge) { return; }
  var here = new URL('.', script.src);
  var api = script.getAttribute('data-api') || here.origin;
  var glue = new URL('__GLUE__', here).href;
  var wasm = new URL('__WASM__', here).href;
  var queued = [];
  var module = null;
  // The module is fetched (and compiled as it streams in) while the glue script loads, not
  // after it: one round trip less before the first widget.
  var compiled = ('WebAssembly' in window) ? fetch(wasm) : null;
  var ready = ('WebAssembly' in window)
    ? import(glue).then(function (m) {
        return m.default({ module_or_path: compiled }).then(function () {
          module = m;
          m.configure(api);
          queued.forEach(function (call) { call(); });
          queued = [];
          m.mountAll();
          return m;
        });
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
