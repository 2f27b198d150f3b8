//! The widgets' CSS, applied to each shadow root through a constructed stylesheet
//! (`adoptedStyleSheets`), so it works under a portal CSP without `'unsafe-inline'` styles, the
//! host page's CSS cannot reach in, and ours cannot leak out. Colours meet WCAG AA contrast in
//! every theme; status is always written in words beside its colour.

/// The stylesheet of every widget.
pub const CSS: &str = r#"
:host { display: block; contain: content; }
.ig { box-sizing: border-box; font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
      font-size: 14px; line-height: 1.4; padding: 12px 14px; border-radius: 8px; height: 100%; position: relative; }
.ig * { box-sizing: border-box; }
.theme-light { background: #ffffff; color: #1f2937; border: 1px solid #d1d5db; }
.theme-dark { background: #111827; color: #f3f4f6; border: 1px solid #374151; }
.theme-hc { background: #000000; color: #ffffff; border: 2px solid #ffffff; }
.ig:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
.title { font-size: 15px; font-weight: 600; margin: 0 0 4px; }
.region { font-weight: 400; opacity: .85; }
.figure { font-size: 28px; font-weight: 700; letter-spacing: .01em; margin: 2px 0; }
.unit { font-size: 14px; font-weight: 500; margin-left: 2px; }
.sub { font-size: 13px; opacity: .9; }
.status { display: inline-flex; align-items: center; gap: 6px; font-size: 13px; font-weight: 600; margin-top: 4px; }
.dot { width: 10px; height: 10px; border-radius: 50%; display: inline-block; border: 1px solid currentColor; }
.gauge-wrap { position: relative; width: 100%; }
.gauge-wrap canvas { display: block; width: 100%; height: auto; }
.gauge-center { position: absolute; left: 0; right: 0; bottom: 6%; text-align: center; }
.stale { margin-top: 6px; font-size: 12px; padding: 2px 6px; border-radius: 4px; background: #fef3c7; color: #78350f; display: inline-block; }
.theme-dark .stale, .theme-hc .stale { background: #78350f; color: #fffbeb; }
.message { font-size: 14px; padding: 8px 0; }
.loading { opacity: .75; }
.up { color: #166534; } .down { color: #b91c1c; }
.theme-dark .up, .theme-hc .up { color: #86efac; } .theme-dark .down, .theme-hc .down { color: #fca5a5; }
.table-scroll { max-height: 300px; overflow: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
caption { text-align: left; font-weight: 600; margin-bottom: 4px; }
th, td { text-align: right; padding: 3px 6px; border-bottom: 1px solid rgba(127,127,127,.35); }
th:first-child, td:first-child { text-align: left; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0,0,0,0); white-space: nowrap; border: 0; }
"#;
