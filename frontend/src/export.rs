//! Downloads and copies: the chart as a PNG with its title, axis labels and legend drawn in (the
//! on-screen text is HTML, so the image is composed on a fresh canvas), to a file or the
//! clipboard, and the data as CSV (UTF-8 with a BOM, which Excel needs to read Chinese).

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use innogauge_model::format::csv_line;

use crate::options::Theme;

/// A text at a position of the chart canvas, in CSS pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// Horizontal position.
    pub x: f64,
    /// Vertical position (the text's middle).
    pub y: f64,
    /// The text.
    pub text: String,
    /// `left`, `center` or `right`.
    pub align: &'static str,
}

/// The labels of a chart drawn row by row: each row's name at the left edge and its figure at
/// the right edge of a `width`-wide chart, rows `row` CSS pixels high.
pub fn row_labels(rows: &[(String, String)], width: f64, row: f64) -> Vec<Label> {
    rows.iter()
        .enumerate()
        .flat_map(|(i, (name, figure))| {
            let y = (i as f64 + 0.5) * row;
            [Label { x: 2.0, y, text: name.clone(), align: "left" }, Label { x: width - 2.0, y, text: figure.clone(), align: "right" }]
        })
        .collect()
}

/// What goes around the chart in the image.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Picture {
    /// First line.
    pub title: String,
    /// Second line (region, period, status).
    pub subtitle: String,
    /// Texts over the chart (axis ticks, names).
    pub labels: Vec<Label>,
    /// Legend entries: CSS colour and words.
    pub legend: Vec<(String, String)>,
    /// Last line (source, time).
    pub note: String,
}

const FONT: &str = "\"Noto Sans CJK SC\", \"PingFang SC\", \"Microsoft YaHei\", system-ui, sans-serif";

/// Where the menu sends a chart's picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageTo {
    /// A PNG file download.
    File,
    /// The clipboard, as `image/png` (where the browser allows a page to write images).
    Clipboard,
}

/// Whether this page may put an image on the clipboard: a secure context with the async
/// clipboard and `ClipboardItem` (not on plain-HTTP portals, nor in older browsers).
pub fn can_copy_image() -> bool {
    let Some(window) = web_sys::window() else { return false };
    window.is_secure_context()
        && js_sys::Reflect::has(&window, &wasm_bindgen::JsValue::from_str("ClipboardItem")).unwrap_or(false)
        && js_sys::Reflect::get(&window.navigator(), &wasm_bindgen::JsValue::from_str("clipboard")).is_ok_and(|c| !c.is_undefined())
}

/// Sends `chart` with `picture` around it to a file named `filename` or to the clipboard.
pub fn deliver_png(to: ImageTo, chart: &HtmlCanvasElement, picture: &Picture, theme: Theme, filename: &str) -> Option<()> {
    let canvas = compose_png(chart, picture, theme)?;
    match to {
        ImageTo::File => {
            let url = canvas.to_data_url_with_type("image/png").ok()?;
            save(&web_sys::window()?.document()?, &url, filename)
        }
        ImageTo::Clipboard => copy_png(&canvas),
    }
}

/// Writes the canvas to the clipboard as a PNG. The blob is handed over as a promise, within
/// the click that asked for it: browsers allow a clipboard write only during a user gesture.
fn copy_png(canvas: &HtmlCanvasElement) -> Option<()> {
    let canvas = canvas.clone();
    let blob = js_sys::Promise::new(&mut |resolve, reject| {
        let done = wasm_bindgen::closure::Closure::once_into_js(move |blob: wasm_bindgen::JsValue| {
            let _ = if blob.is_null() {
                reject.call0(&wasm_bindgen::JsValue::NULL)
            } else {
                resolve.call1(&wasm_bindgen::JsValue::NULL, &blob)
            };
        });
        let _ = canvas.to_blob_with_type(done.unchecked_ref(), "image/png");
    });
    let record = js_sys::Object::new();
    js_sys::Reflect::set(&record, &wasm_bindgen::JsValue::from_str("image/png"), &blob).ok()?;
    let item = web_sys::ClipboardItem::new_with_record_from_str_to_blob_promise(&record).ok()?;
    let promise = web_sys::window()?.navigator().clipboard().write(&js_sys::Array::of1(&item));
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = wasm_bindgen_futures::JsFuture::from(promise).await {
            web_sys::console::warn_2(&wasm_bindgen::JsValue::from_str("InnoGauge: copying the image was refused"), &e);
        }
    });
    Some(())
}

/// The picture: `chart` with `picture` around it, on a canvas of its own.
fn compose_png(chart: &HtmlCanvasElement, picture: &Picture, theme: Theme) -> Option<HtmlCanvasElement> {
    let document = web_sys::window()?.document()?;
    let canvas: HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
    let ratio = f64::from(chart.width()) / f64::from(chart.client_width().max(1));
    let ratio = if ratio.is_finite() && ratio > 0.0 { ratio } else { 1.0 };
    let pad = 16.0 * ratio;
    let line = 22.0 * ratio;
    let legend_rows = picture.legend.len().div_ceil(3) as f64;
    let width = f64::from(chart.width()) + 2.0 * pad;
    let height = pad + 2.0 * line + f64::from(chart.height()) + (legend_rows + 1.0) * line + pad;
    canvas.set_width(width as u32);
    canvas.set_height(height as u32);
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let (background, ink) = match theme {
        Theme::Light => ("#ffffff", "#1f2937"),
        Theme::Dark => ("#111827", "#f3f4f6"),
        Theme::HighContrast => ("#000000", "#ffffff"),
    };
    ctx.set_fill_style_str(background);
    ctx.fill_rect(0.0, 0.0, width, height);
    ctx.set_fill_style_str(ink);
    ctx.set_text_baseline("middle");
    let font = |size: f64, weight: &str| format!("{weight} {}px {FONT}", (size * ratio).round());
    ctx.set_font(&font(16.0, "600"));
    let _ = ctx.fill_text(&picture.title, pad, pad + line / 2.0);
    ctx.set_font(&font(13.0, "400"));
    let _ = ctx.fill_text(&picture.subtitle, pad, pad + line * 1.5);
    let top = pad + 2.0 * line;
    let _ = ctx.draw_image_with_html_canvas_element(chart, pad, top);
    ctx.set_font(&font(12.0, "400"));
    for label in &picture.labels {
        ctx.set_text_align(label.align);
        let _ = ctx.fill_text(&label.text, pad + label.x * ratio, top + label.y * ratio);
    }
    ctx.set_text_align("left");
    let legend_top = top + f64::from(chart.height()) + line / 2.0;
    let column = (width - 2.0 * pad) / 3.0;
    for (i, (colour, words)) in picture.legend.iter().enumerate() {
        let (x, y) = (pad + (i % 3) as f64 * column, legend_top + (i / 3) as f64 * line);
        ctx.set_fill_style_str(colour);
        ctx.fill_rect(x, y - 5.0 * ratio, 10.0 * ratio, 10.0 * ratio);
        ctx.set_fill_style_str(ink);
        let _ = ctx.fill_text(words, x + 16.0 * ratio, y);
    }
    ctx.set_font(&font(11.0, "400"));
    let _ = ctx.fill_text(&picture.note, pad, legend_top + legend_rows * line + line / 2.0);
    Some(canvas)
}

/// Saves a series (a gauge's or a trend's data) as CSV: period, its words, value, unit.
pub fn download_series_csv(series: &innogauge_model::wire::SeriesWire, unit: &str, lang: innogauge_model::Lang) {
    let rows = series
        .points
        .iter()
        .map(|p| vec![p.period.clone(), crate::names::period_label(&p.period, lang), p.value.to_string(), unit.to_owned()]);
    let text = csv(&["period", "时期", "value", "unit"], rows);
    download_csv(&text, &format!("innogauge-{}-{}.csv", series.indicator, series.region));
}

/// Saves `csv` as `filename`.
pub fn download_csv(csv: &str, filename: &str) -> Option<()> {
    let document = web_sys::window()?.document()?;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(&format!("\u{FEFF}{csv}")));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let saved = save(&document, &url, filename);
    let _ = web_sys::Url::revoke_object_url(&url);
    saved
}

fn save(document: &web_sys::Document, url: &str, filename: &str) -> Option<()> {
    let anchor: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
    anchor.set_href(url);
    anchor.set_download(filename);
    anchor.click();
    Some(())
}

/// A CSV document from a header and rows (cells made safe by the model's `csv_cell`).
pub fn csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = csv_line(header);
    out.push('\n');
    for row in rows {
        out.push_str(&csv_line(row));
        out.push('\n');
    }
    out
}
