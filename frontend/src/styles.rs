//! The widgets' CSS, applied to each shadow root through a constructed stylesheet
//! (`adoptedStyleSheets`), so it works under a portal CSP without `'unsafe-inline'` styles, the
//! host page's CSS cannot reach in, and ours cannot leak out. Colours meet WCAG AA contrast in
//! every theme; status is always written in words beside its colour.

/// The stylesheet of the base module's widgets (gauge, KPI, table), and the rules every widget
/// shares.
macro_rules! core_css {
    () => {
        r#"
:host { display: block; contain: content; }
[part=widget] { height: 100%; }
.ig { box-sizing: border-box; font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
      font-size: 14px; line-height: 1.4; padding: 12px 14px; border-radius: 8px; height: 100%; position: relative; }
.ig * { box-sizing: border-box; }
.theme-light { background: #ffffff; color: #1f2937; border: 1px solid #d1d5db; }
.theme-dark { background: #111827; color: #f3f4f6; border: 1px solid #374151; }
.theme-hc { background: #000000; color: #ffffff; border: 2px solid #ffffff; }
.ig:focus-visible, [tabindex]:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
.title { font-size: 15px; font-weight: 600; margin: 0 0 4px; }
.region { font-weight: 400; opacity: .85; }
.figure { font-size: 28px; font-weight: 700; letter-spacing: .01em; margin: 2px 0; }
.unit { font-size: 14px; font-weight: 500; margin-left: 2px; }
.gauge-center .figure { font-size: clamp(12px, calc(var(--ring, 80px) * .36), 28px); }
.gauge-center .unit { font-size: clamp(10px, calc(var(--ring, 80px) * .2), 14px); }
.sub { font-size: 13px; opacity: .9; }
.status { display: inline-flex; align-items: center; gap: 6px; font-size: 13px; font-weight: 600; margin-top: 4px; }
.dot { width: 10px; height: 10px; border-radius: 50%; display: inline-block; flex: none; border: 1px solid currentColor; }
.gauge-wrap { position: relative; width: 100%; }
.gauge-wrap canvas { display: block; width: 100%; height: auto; }
.gauge-center { position: absolute; left: 0; right: 0; bottom: 6%; text-align: center; line-height: 1.2; }
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
.head { display: flex; align-items: flex-start; justify-content: space-between; gap: 8px; }
.sized { display: flex; flex-direction: column; }
.sized > .gauge { flex: 1 1 auto; display: flex; flex-direction: column; min-height: 0; }
.sized .gauge-wrap { flex: 1 1 auto; min-height: 48px; }
.sized .gauge-wrap canvas { height: 100%; }
/* The ring gives way, not the lines: at most two lines of detail (whole on hover), kept whole. */
.sized .gauge .sub { flex: none; display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden; }
/* The status too (a verdict or the quarters to go make it longer): two lines, whole on hover. */
.sized .gauge .status { flex: none; }
.sized .gauge .status-text { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0,0,0,0); white-space: nowrap; border: 0; }
/* Data that just arrived live: an outline for a moment, glowing as it fades unless the reader
   asked for reduced motion (then it stays still, and goes). */
.ig.fresh { outline: 3px solid #f59e0b; outline-offset: -3px; }
@media (prefers-reduced-motion: no-preference) {
  .ig.fresh { animation: ig-fresh 2.5s ease-out; }
  @keyframes ig-fresh { from { box-shadow: 0 0 0 6px rgba(245,158,11,.55); } to { box-shadow: 0 0 0 0 rgba(245,158,11,0); } }
}
/* Paper: the whole widget (no inner scrolling, no fixed height: the widget drops `sized` while
   printing and paints in the light theme), never split by a page break, without the menu. */
@media print {
  :host { height: auto !important; break-inside: avoid; }
  .menu, .stale { display: none; }
  .ig.fresh { outline: 0; animation: none; }
  .table-scroll, .table-scroll.tall, .rank-scroll { max-height: none !important; overflow: visible !important; }
  .ig { border-color: #9ca3af; }
}
"#
    };
}

/// The rules of the trend, its hover tip, legend and menu (and the other widgets that reuse
/// them: ranking, map, board): the base module, without a trend, leaves them out.
#[cfg(feature = "trend")]
macro_rules! trend_css {
    () => {
        r#"
.menu { position: relative; flex: none; }
.menu-button { font: inherit; font-size: 16px; line-height: 1; padding: 2px 8px 6px; border-radius: 6px; cursor: pointer;
               background: transparent; color: inherit; border: 1px solid rgba(127,127,127,.6); }
.menu-button:focus-visible, .menu-list button:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
.menu-list { position: absolute; right: 0; top: 100%; z-index: 2; margin-top: 4px; display: flex; flex-direction: column;
             min-width: 10em; border-radius: 6px; padding: 4px; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.theme-light .menu-list { background: #ffffff; border: 1px solid #d1d5db; }
.theme-dark .menu-list { background: #1f2937; border: 1px solid #4b5563; }
.theme-hc .menu-list { background: #000000; border: 2px solid #ffffff; }
.menu-list button { font: inherit; font-size: 13px; text-align: left; padding: 6px 8px; border: 0; border-radius: 4px; cursor: pointer; background: transparent; color: inherit; }
.menu-list button:hover { background: rgba(127,127,127,.2); }
.menu-said { position: absolute; right: 0; top: 100%; z-index: 2; margin-top: 4px; font-size: 12px; white-space: nowrap; }
.menu-said:empty { display: none; }
.menu-said { padding: 3px 6px; border-radius: 4px; background: #111827; color: #ffffff; }
.share-link { display: flex; flex-direction: column; gap: 2px; }
.share-link input { font: inherit; width: min(22em, 80vw); padding: 3px 5px; border-radius: 3px; border: 1px solid #9ca3af; }
.chart-wrap { position: relative; height: 220px; margin-top: 4px; }
.sized > .trend { flex: 1 1 auto; display: flex; flex-direction: column; min-height: 0; }
.sized .chart-wrap { flex: 1 1 auto; height: auto; min-height: 80px; }
.chart-wrap canvas, .map-wrap canvas { display: block; width: 100%; height: 100%; }
.ytick { position: absolute; left: 0; width: 50px; text-align: right; font-size: 11px; transform: translateY(-50%); opacity: .9; }
.xtick { position: absolute; bottom: 0; font-size: 11px; transform: translateX(-50%); opacity: .9; }
.tip { position: absolute; z-index: 1; pointer-events: none; width: max-content; max-width: 16em; font-size: 12px; padding: 3px 7px; border-radius: 4px;
       transform: translate(8px, -120%); }
.tip-left { transform: translate(calc(-100% - 8px), -120%); }
.theme-light .tip { background: #111827; color: #ffffff; }
.theme-dark .tip { background: #f9fafb; color: #111827; }
.theme-hc .tip { background: #ffffff; color: #000000; }
.legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 12px; }
.legend li { display: inline-flex; align-items: center; gap: 5px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; border: 1px solid rgba(127,127,127,.6); }
.swatch.line { height: 3px; border: 0; }
.swatch.dash { width: 16px; height: 0; border: 0; border-top: 2px dashed currentColor; border-radius: 0; }
.swatch.dot { width: 16px; height: 0; border: 0; border-top: 2px dotted currentColor; border-radius: 0; }
.swatch.diamond { width: 9px; height: 9px; transform: rotate(45deg); border: 0; }
"#
    };
}

/// The rules of the types only the module with every type has (ranking, map, board, the
/// evaluation's widgets): the small module leaves them out.
#[cfg(feature = "every-widget")]
macro_rules! more_css {
    () => {
        r#"
.rank-scroll { margin-top: 4px; }
.sized .rank-scroll { overflow: auto; flex: 1 1 auto; min-height: 0; }
.sized > .ranking, .sized > .board, .sized > .map { flex: 1 1 auto; display: flex; flex-direction: column; min-height: 0; }
.rank-grid { display: grid; grid-template-columns: minmax(5.5em, auto) 1fr minmax(4.5em, auto); align-items: start; }
.rank-grid ol, .board-grid ol { list-style: none; margin: 0; padding: 0; }
.rank-grid li { height: var(--row, 22px); line-height: var(--row, 22px); font-size: min(12.5px, calc(var(--row, 22px) * .68)); white-space: nowrap; }
.rank-names li { padding-right: 6px; }
.rank-figures li { text-align: right; padding-left: 6px; font-variant-numeric: tabular-nums; }
.rank { display: inline-block; min-width: 2.2em; opacity: .85; font-variant-numeric: tabular-nums; }
.chosen { font-weight: 700; }
.rank-grid canvas, .board-grid canvas { display: block; width: 100%; }
.map-wrap { position: relative; margin-top: 4px; }
.map-wrap canvas { height: auto; }
.sized .map-wrap { flex: 1 1 auto; min-height: 0; }
.sized .map-wrap canvas { height: 100%; }
.board-grid { display: grid; grid-template-columns: minmax(10em, 1.4fr) minmax(60px, 1fr) minmax(6.5em, auto); margin-top: 6px; }
.board-rows li, .board-status li { height: 44px; display: flex; flex-direction: column; justify-content: center; }
.board-name { font-size: 13px; font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.board-figures { font-size: 12px; opacity: .9; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.board-status li { flex-direction: row; align-items: center; justify-content: flex-start; gap: 6px; padding-left: 8px; font-size: 12px; font-weight: 600; }
.interval { display: inline-block; min-width: 3.6em; margin-left: 6px; font-size: 11.5px; opacity: .85; text-align: right; }
.change { display: inline-block; min-width: 2.2em; margin-left: 4px; text-align: right; }
.index-grid, .part-grid { grid-template-columns: minmax(6.5em, 40%) minmax(60px, 1fr) auto; }
.index-grid .rank-names li, .part-grid .rank-names li { overflow: hidden; text-overflow: ellipsis; }
.part-grid { margin-top: 6px; }
.part-grid li { height: 30px; line-height: 30px; }
.swatch.tick { width: 3px; height: 14px; border: 0; border-radius: 0; }
.standing { margin: 0 0 2px; }
.verdicts { list-style: none; padding: 0; margin: 8px 0 4px; font-size: 13px; }
.verdicts li { margin: 2px 0; }
details summary { cursor: pointer; font-size: 13px; margin-top: 4px; }
.table-scroll.tall { max-height: 520px; }
.group { display: block; font-size: 11px; font-weight: 400; opacity: .8; }
button.sort { font: inherit; font-weight: 600; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; text-align: inherit; }
tr.chosen th, tr.chosen td { font-weight: 700; }
.index-table th[scope=row], .index-table td:nth-child(3) { text-align: left; white-space: nowrap; }
.index-table thead th:nth-child(2), .index-table thead th:nth-child(3) { text-align: left; }
.sized > .profile, .sized > .index-table { flex: 1 1 auto; display: flex; flex-direction: column; min-height: 0; }
.sized .index-table .table-scroll { max-height: none; flex: 1 1 auto; min-height: 0; }
"#
    };
}

/// The stylesheet as written here (readable, commented).
#[cfg(feature = "every-widget")]
const SOURCE: &str = concat!(core_css!(), trend_css!(), more_css!());

/// The stylesheet as written here (readable, commented).
#[cfg(all(feature = "trend", not(feature = "every-widget")))]
const SOURCE: &str = concat!(core_css!(), trend_css!());

/// The stylesheet as written here (readable, commented).
#[cfg(not(feature = "trend"))]
const SOURCE: &str = core_css!();

/// The stylesheet of every widget of this module, as shipped: [`SOURCE`] minified at compile
/// time, so that the module portals download carries no comments or indentation.
pub const CSS: &str = {
    const LEN: usize = minify(SOURCE.as_bytes(), &mut []);
    const BYTES: [u8; LEN] = {
        let mut out = [0; LEN];
        minify(SOURCE.as_bytes(), &mut out);
        out
    };
    match std::str::from_utf8(&BYTES) {
        Ok(css) => css,
        Err(_) => panic!("minifying kept every byte outside whitespace and comments, so it is UTF-8"),
    }
};

/// Writes `css` without comments and without the whitespace CSS does not need into `out`
/// (when it is long enough) and returns the minified length. What stays: one space where a
/// run of whitespace separates two other characters (a descendant combinator, `1px solid`,
/// `a + b` in `calc`), quoted strings untouched. What goes: comments, whitespace at either
/// end, before `{ } ; ,` and `)`, after `{ } ; , :` and `(`, and a `;` before `}`. A space
/// before `:` stays: `a :hover` is not `a:hover`.
const fn minify(css: &[u8], out: &mut [u8]) -> usize {
    /// Writes `b` at `at` if `out` is that long; the length so far.
    const fn put(out: &mut [u8], at: usize, b: u8) -> usize {
        if at < out.len() {
            out[at] = b;
        }
        at + 1
    }
    const fn is_space(b: u8) -> bool {
        matches!(b, b' ' | b'\n' | b'\t' | b'\r')
    }
    let mut written = 0;
    let mut last = 0u8; // the last byte written (0 at the start)
    let mut pending_space = false;
    let mut i = 0;
    while i < css.len() {
        let b = css[i];
        if b == b'/' && i + 1 < css.len() && css[i + 1] == b'*' {
            i += 2;
            while i + 1 < css.len() && !(css[i] == b'*' && css[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
            pending_space = pending_space || written > 0;
            continue;
        }
        if is_space(b) {
            pending_space = written > 0;
            i += 1;
            continue;
        }
        if b == b';' {
            // Dropped if a `}` follows (after any whitespace).
            let mut j = i + 1;
            while j < css.len() && is_space(css[j]) {
                j += 1;
            }
            if j < css.len() && css[j] == b'}' {
                i += 1;
                continue;
            }
        }
        if pending_space && !matches!(last, b'{' | b'}' | b';' | b',' | b':' | b'(') && !matches!(b, b'{' | b'}' | b';' | b',' | b')') {
            written = put(out, written, b' ');
        }
        pending_space = false;
        if b == b'"' || b == b'\'' {
            // A quoted string, whitespace, escapes and all, up to its closing quote.
            written = put(out, written, b);
            i += 1;
            while i < css.len() {
                let c = css[i];
                written = put(out, written, c);
                i += 1;
                if c == b'\\' && i < css.len() {
                    written = put(out, written, css[i]);
                    i += 1;
                } else if c == b {
                    break;
                }
            }
            last = b;
            continue;
        }
        written = put(out, written, b);
        last = b;
        i += 1;
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minified(css: &str) -> String {
        let mut out = vec![0; minify(css.as_bytes(), &mut [])];
        minify(css.as_bytes(), &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn minifying_drops_only_what_css_does_not_need() {
        let css = "\n/* a comment */\n.a .b:hover, .c > .d {\n  font: 12px \"Noto Sans  CJK\", sans-serif;\n  width: calc(100% - 2px);\n}\n.e :focus { color: 'a ; b' }\n@media (max-width: 600px) { .f { top: 0; } }\n";
        assert_eq!(
            minified(css),
            ".a .b:hover,.c > .d{font:12px \"Noto Sans  CJK\",sans-serif;width:calc(100% - 2px)}.e :focus{color:'a ; b'}@media (max-width:600px){.f{top:0}}"
        );
        assert_eq!(minified("a{b:c}/* end */"), "a{b:c}");
        assert_eq!(minified(r#"a{content:"\"} x"}"#), r#"a{content:"\"} x"}"#);
    }

    #[test]
    fn the_shipped_stylesheet_keeps_every_rule() {
        let braces = |css: &str| (css.matches('{').count(), css.matches('}').count());
        assert_eq!(braces(CSS), braces(SOURCE));
        assert!(CSS.len() < SOURCE.len() * 9 / 10, "{} of {} bytes", CSS.len(), SOURCE.len());
        assert!(!CSS.contains("/*") && !CSS.contains('\n'));
    }
}
