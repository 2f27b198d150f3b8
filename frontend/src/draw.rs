//! Canvas drawing with plotters-canvas (the helpers every chart shares, and the gauge), sharp on HiDPI screens: the backing store is the CSS
//! size × `devicePixelRatio` (at least [`crate::media::PRINT_RATIO`] on paper) and every length is scaled by it. Only shapes are drawn on the
//! canvas; text stays in HTML beside it (plotters' text measurement would put inline styles
//! into the host page, which a strict CSP forbids, and HTML text is what screen readers read).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use innogauge_model::Lang;

pub use innogauge_model::chart::{Frame, Margins, Theme, accent, background, contrast, css, ink, luminance, status_colour, tier_colour};

/// A canvas's CSS size (content box, CSS pixels) as its `ResizeObserver` reports it.
///
/// Charts are painted from the observer's callback with this size, never by reading
/// `clientWidth` after a render: that read forces a layout of the whole host page, once per
/// widget, and on a page of 50 widgets it was most of the time to the last paint (BENCHMARKS.md).
/// The observer's callbacks all run after one layout, before the frame is painted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CssSize {
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// A painted canvas: the element, what it shows, and the observer that paints it (first, and
/// again on every resize: its backing store must follow its CSS size to stay sharp).
type Painted<D> = (HtmlCanvasElement, (D, bool), web_sys::ResizeObserver, Closure<dyn Fn(js_sys::Array)>);

/// Paints `canvas` with `paint(canvas, data, size)` whenever `data` changes, whenever the
/// canvas is resized, and whenever the element itself is new (a re-render may replace it with
/// a blank one), and when printing starts or ends (paper gets a sharper backing store). The
/// paint happens in the observer's first callback, in the same frame.
#[hook]
pub fn use_canvas<D: PartialEq + Clone + 'static>(canvas: &NodeRef, data: D, paint: fn(&HtmlCanvasElement, &D, CssSize)) {
    let last = use_mut_ref(|| None::<Painted<D>>);
    let printing = crate::media::use_media().print;
    {
        let (canvas, last) = (canvas.clone(), last.clone());
        use_effect(move || {
            let element = canvas.cast::<HtmlCanvasElement>();
            let mut last = last.borrow_mut();
            let data = (data, printing);
            let unchanged = matches!((&*last, &element), (Some((painted, shown, ..)), Some(now)) if painted == now && *shown == data);
            if !unchanged {
                if let Some((_, _, observer, _)) = last.take() {
                    observer.disconnect();
                }
                if let Some(element) = element {
                    let (target, shown) = (element.clone(), data.0.clone());
                    let announced = std::cell::Cell::new(false);
                    let redraw = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
                        let Some(entry) = entries.iter().last().and_then(|e| e.dyn_into::<web_sys::ResizeObserverEntry>().ok()) else {
                            return;
                        };
                        let rect = entry.content_rect();
                        paint(&target, &shown, CssSize { width: rect.width(), height: rect.height() });
                        // New data is announced once; a repaint on resize is not news.
                        if !announced.replace(true) {
                            announce_paint(&target);
                        }
                    });
                    if let Ok(observer) = web_sys::ResizeObserver::new(redraw.as_ref().unchecked_ref()) {
                        observer.observe(&element);
                        *last = Some((element, data, observer, redraw));
                    }
                }
            }
        });
    }
    use_effect_with((), move |()| {
        move || {
            if let Some((_, _, observer, _)) = last.borrow_mut().take() {
                observer.disconnect();
            }
        }
    });
}

/// Tells the page a chart was painted with new data: an `innogauge:paint` event that bubbles
/// out of the shadow root (`composed`), so `event.target` is the widget's element. Portals can
/// wait for it; the benchmarks time first paint with it.
fn announce_paint(canvas: &HtmlCanvasElement) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    if let Ok(event) = Event::new_with_event_init_dict("innogauge:paint", &init) {
        let _ = canvas.dispatch_event(&event);
    }
}

/// Sets an element's CSS height in pixels (through the CSSOM: allowed under a strict CSP), for
/// canvases drawn row for row beside HTML rows.
#[hook]
pub fn use_css_height(element: &NodeRef, pixels: f64) {
    let element = element.clone();
    // Whole pixels are enough, and an integer can be an effect dependency.
    use_effect_with(pixels.round() as i64, move |pixels| {
        if let Some(element) = element.cast::<web_sys::HtmlElement>() {
            let _ = element.style().set_property("height", &format!("{pixels}px"));
        }
    });
}

/// The least row height of a fitted ranking: 12 px text with a little air.
pub const LEAST_ROW: f64 = 14.0;

/// The height of the rows of a chart drawn row for row (rankings): `natural`, or, in a widget
/// given a height (`fit`), the tallest that fits all `count` rows into `scroll`'s box, so that a
/// wall display shows every district with nothing to scroll. Never below `least` (legibility):
/// below it the rows scroll. Also sets `--row` on `grid`, which the HTML rows are sized by.
#[hook]
pub fn use_fitted_rows(scroll: &NodeRef, grid: &NodeRef, count: usize, natural: f64, least: f64, fit: bool) -> f64 {
    let row = use_state_eq(|| natural);
    {
        let (scroll, row) = (scroll.clone(), row.clone());
        use_effect_with((fit, count), move |&(fit, count)| {
            let mut watching = None;
            if !fit {
                row.set(natural);
            } else if let Some(element) = scroll.cast::<web_sys::Element>() {
                let fitted = row.clone();
                let on_resize = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
                    let Some(entry) = entries.iter().last().and_then(|e| e.dyn_into::<web_sys::ResizeObserverEntry>().ok()) else { return };
                    let room = entry.content_rect().height();
                    fitted.set(fitted_row(room, count, natural, least));
                });
                if let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
                    observer.observe(&element);
                    watching = Some((observer, on_resize));
                }
            }
            move || {
                if let Some((observer, _)) = watching {
                    observer.disconnect();
                }
            }
        });
    }
    {
        let grid = grid.clone();
        use_effect_with((*row * 10.0).round() as i64, move |tenths| {
            if let Some(element) = grid.cast::<web_sys::HtmlElement>() {
                let _ = element.style().set_property("--row", &format!("{}px", *tenths as f64 / 10.0));
            }
        });
    }
    *row
}

/// The row height that fits `count` rows into `room` pixels, between `least` and `natural`.
pub fn fitted_row(room: f64, count: usize, natural: f64, least: f64) -> f64 {
    if count == 0 || !room.is_finite() || room <= 0.0 {
        return natural;
    }
    ((room / count as f64 * 10.0).floor() / 10.0).clamp(least, natural)
}

/// Positions the HTML labels over a chart: every element under `root` with `data-left` or
/// `data-top` (CSS lengths, often `calc(…)`) gets them through the CSSOM, which a strict
/// portal CSP allows where `style` attributes are blocked.
#[hook]
pub fn use_placed_labels(root: &NodeRef) {
    let root = root.clone();
    use_effect(move || {
        if let Some(root) = root.cast::<web_sys::Element>()
            && let Ok(nodes) = root.query_selector_all("[data-left],[data-top],[data-fill]")
        {
            for i in 0..nodes.length() {
                let Some(element) = nodes.get(i).and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) else { continue };
                for (attribute, property) in [("data-left", "left"), ("data-top", "top"), ("data-fill", "background")] {
                    if let Some(value) = element.get_attribute(attribute) {
                        let _ = element.style().set_property(property, &value);
                    }
                }
            }
        }
    });
}

/// How many labels to step over so that shown labels are at least `needed` CSS pixels apart,
/// when consecutive labels are `spacing` apart: 1 shows them all, 2 every other one.
pub fn label_stride(spacing: f64, needed: f64) -> usize {
    if spacing.is_finite() && spacing > 0.0 { (needed / spacing).ceil().max(1.0) as usize } else { 1 }
}

/// Shows every `stride`-th of the HTML labels matching `selector` beside `canvas`, counting
/// from the last one (the latest year, the highest value stays), and hides the rest: on a small
/// chart the labels would otherwise print over each other. Called from the paint, which knows
/// the size.
pub fn thin_labels(canvas: &HtmlCanvasElement, selector: &str, stride: usize) {
    let Some(Ok(nodes)) = canvas.parent_element().map(|wrap| wrap.query_selector_all(selector)) else { return };
    let count = nodes.length() as usize;
    for i in 0..count {
        if let Some(element) = nodes.get(i as u32).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) {
            let _ = element.toggle_attribute_with_force("hidden", !(count - 1 - i).is_multiple_of(stride.max(1)));
        }
    }
}

/// A plotters drawing area over the whole canvas, cleared.
pub fn area(canvas: &HtmlCanvasElement) -> Option<DrawingArea<CanvasBackend, Shift>> {
    // Filling with a transparent colour paints nothing over the last frame: clear the pixels.
    if let Some(context) = canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok()) {
        context.clear_rect(0.0, 0.0, f64::from(canvas.width()), f64::from(canvas.height()));
    }
    Some(CanvasBackend::with_canvas_object(canvas.clone().unchecked_into())?.into_drawing_area())
}

/// A dashed polyline on a canvas (the model's chart helper).
pub fn dashed(root: &DrawingArea<CanvasBackend, Shift>, points: &[(i32, i32)], dash: f64, gap: f64, style: ShapeStyle) {
    innogauge_model::chart::dashed(root, points, dash, gap, style);
}

/// Sizes the backing store to CSS size × devicePixelRatio; returns (width, height, ratio). With
/// an aspect the height follows the width; without, the canvas's CSS height is used.
pub fn fit_backing(canvas: &HtmlCanvasElement, size: CssSize, aspect: Option<f64>) -> (u32, u32, f64) {
    // A page may zoom the widget (CSS `zoom`, as the wall does on a 4K screen): its pixels are
    // then that many device pixels each.
    let zoom = js_sys::Reflect::get(canvas, &wasm_bindgen::JsValue::from_str("currentCSSZoom"))
        .ok()
        .and_then(|z| z.as_f64())
        .filter(|z| z.is_finite() && *z > 0.0)
        .unwrap_or(1.0);
    let screen = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).max(1.0) * zoom;
    let ratio = if crate::media::now().print { screen.max(crate::media::PRINT_RATIO) } else { screen };
    let css_width = size.width.round().max(1.0);
    let css_height = aspect.map_or_else(|| size.height.round().max(40.0), |a| (css_width * a).round());
    let (width, height) = ((css_width * ratio).round() as u32, (css_height * ratio).round() as u32);
    if canvas.width() != width || canvas.height() != height {
        canvas.set_width(width);
        canvas.set_height(height);
    }
    (width, height, ratio)
}

pub use innogauge_model::chart::progress::GaugeShape;

/// Draws a half-ring gauge (the model's chart). With `fill`, the arc fits the canvas's CSS box
/// (a widget given a height); without, the canvas is 0.55 times as tall as it is wide.
pub fn gauge(canvas: &HtmlCanvasElement, size: CssSize, shape: &GaugeShape, theme: Theme, fill: bool) {
    let (width, height, ratio) = fit_backing(canvas, size, (!fill).then_some(0.55));
    let Some(root) = area(canvas) else { return };
    let (_, radius, thickness) = innogauge_model::chart::progress::gauge_ring(width, height, ratio);
    // The figure sits inside the ring: its size follows the ring's inner radius (CSS `--ring`,
    // set through the CSSOM), or on a small gauge the figure would print over the arc.
    if let Some(wrap) = canvas.parent_element().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = wrap.style().set_property("--ring", &format!("{:.0}px", (radius - thickness / 2.0) / ratio));
    }
    innogauge_model::chart::progress::paint_gauge(&root, width, height, ratio, shape, theme);
    let _ = root.present();
}

/// The status colours with their words.
pub fn legend(theme: Theme, lang: Lang) -> Vec<(String, String)> {
    innogauge_model::progress::Status::ALL
        .iter()
        .map(|status| status.as_str())
        .map(|status| (css(status_colour(status, theme)), crate::names::status_word(status, lang)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_fit_the_room_between_legible_and_natural() {
        assert_eq!(fitted_row(630.0, 38, 22.0, 14.0), 16.5, "a wall's ranking: all 38 rows");
        assert_eq!(fitted_row(2000.0, 38, 22.0, 14.0), 22.0, "never taller than the natural row");
        assert_eq!(fitted_row(300.0, 38, 22.0, 14.0), 14.0, "never below legible: then it scrolls");
        assert_eq!(fitted_row(0.0, 38, 22.0, 14.0), 22.0, "not laid out yet");
        assert_eq!(fitted_row(500.0, 0, 22.0, 14.0), 22.0);
    }

    #[test]
    fn labels_are_thinned_only_when_they_would_touch() {
        assert_eq!(label_stride(40.0, 34.0), 1);
        assert_eq!(label_stride(34.0, 34.0), 1);
        assert_eq!(label_stride(20.0, 34.0), 2);
        assert_eq!(label_stride(11.0, 34.0), 4);
        assert_eq!(label_stride(0.0, 34.0), 1, "one label: nothing to thin");
        assert_eq!(label_stride(f64::NAN, 34.0), 1);
    }
}
