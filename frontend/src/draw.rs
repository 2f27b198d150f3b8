//! Canvas drawing with plotters-canvas, sharp on HiDPI screens: the backing store is the CSS
//! size × `devicePixelRatio` and every length is scaled by it. Only shapes are drawn on the
//! canvas; text stays in HTML beside it (plotters' text measurement would put inline styles
//! into the host page, which a strict CSP forbids, and HTML text is what screen readers read).

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

use crate::options::Theme;

/// Colours of the progress statuses (fill colours; the words are always shown too).
pub fn status_colour(status: &str, theme: Theme) -> RGBColor {
    if theme == Theme::HighContrast {
        return RGBColor(255, 255, 255);
    }
    match status {
        "target_achieved" => RGBColor(21, 128, 61),
        "substantial" => RGBColor(22, 163, 74),
        "moderate" => RGBColor(217, 119, 6),
        "limited" => RGBColor(234, 88, 12),
        "deterioration" => RGBColor(185, 28, 28),
        _ => RGBColor(107, 114, 128),
    }
}

/// The same colour as CSS.
pub fn css(colour: RGBColor) -> String {
    format!("rgb({}, {}, {})", colour.0, colour.1, colour.2)
}

/// Sizes the backing store to CSS size × devicePixelRatio; returns (width, height, ratio).
pub fn fit_backing(canvas: &HtmlCanvasElement, aspect: f64) -> (u32, u32, f64) {
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).max(1.0);
    let css_width = f64::from(canvas.client_width().max(120));
    let css_height = (css_width * aspect).round();
    let (width, height) = ((css_width * ratio).round() as u32, (css_height * ratio).round() as u32);
    if canvas.width() != width || canvas.height() != height {
        canvas.set_width(width);
        canvas.set_height(height);
    }
    (width, height, ratio)
}

/// What a gauge shows: how far along the arc the value is, where the expected-by-now mark
/// sits, and the status colour.
#[derive(Clone, Debug, PartialEq)]
pub struct GaugeShape {
    /// Achievement (1 = target), clamped to the arc.
    pub fraction: f64,
    /// Expected-by-now as a share of the target, if known.
    pub expected: Option<f64>,
    /// Status code.
    pub status: String,
}

/// The arc spans 0 … 1.2 × target, so over-achievement shows past the target tick.
const ARC_MAX: f64 = 1.2;

/// Draws a half-ring gauge: track, value arc, target tick, expected-by-now mark.
pub fn gauge(canvas: &HtmlCanvasElement, shape: &GaugeShape, theme: Theme) {
    let (width, height, ratio) = fit_backing(canvas, 0.55);
    let backend = CanvasBackend::with_canvas_object(canvas.clone().unchecked_into());
    let Some(backend) = backend else { return };
    let root = backend.into_drawing_area();
    let _ = root.fill(&TRANSPARENT);
    let (cx, cy) = (f64::from(width) / 2.0, f64::from(height) * 0.92);
    let radius = (f64::from(width) * 0.42).min(f64::from(height) * 0.85);
    let thickness = (radius * 0.18).max(6.0 * ratio);
    let track = match theme {
        Theme::Light => RGBColor(229, 231, 235),
        Theme::Dark => RGBColor(55, 65, 81),
        Theme::HighContrast => RGBColor(90, 90, 90),
    };
    let arc = |from: f64, to: f64| -> Vec<(i32, i32)> {
        let steps = 90;
        (0..=steps)
            .map(|i| {
                let t = from + (to - from) * f64::from(i) / f64::from(steps);
                let angle = std::f64::consts::PI * (1.0 - t / ARC_MAX);
                ((cx + radius * angle.cos()).round() as i32, (cy - radius * angle.sin()).round() as i32)
            })
            .collect()
    };
    let stroke = thickness.round() as u32;
    let _ = root.draw(&PathElement::new(arc(0.0, ARC_MAX), track.stroke_width(stroke)));
    let value = shape.fraction.clamp(0.0, ARC_MAX);
    if value > 0.0 {
        let colour = status_colour(&shape.status, theme);
        let _ = root.draw(&PathElement::new(arc(0.0, value), colour.stroke_width(stroke)));
    }
    let ink = match theme {
        Theme::Light => RGBColor(31, 41, 55),
        _ => RGBColor(243, 244, 246),
    };
    let tick = |at: f64, length: f64| -> Vec<(i32, i32)> {
        let angle = std::f64::consts::PI * (1.0 - at / ARC_MAX);
        let (inner, outer) = (radius - thickness / 2.0 - length, radius + thickness / 2.0 + length);
        vec![
            ((cx + inner * angle.cos()).round() as i32, (cy - inner * angle.sin()).round() as i32),
            ((cx + outer * angle.cos()).round() as i32, (cy - outer * angle.sin()).round() as i32),
        ]
    };
    // The target (1.0) and the expected-by-now mark.
    let _ = root.draw(&PathElement::new(tick(1.0, 4.0 * ratio), ink.stroke_width((3.0 * ratio).round() as u32)));
    if let Some(expected) = shape.expected.filter(|e| e.is_finite()) {
        let _ = root.draw(&PathElement::new(
            tick(expected.clamp(0.0, ARC_MAX), 2.0 * ratio),
            ink.mix(0.7).stroke_width((2.0 * ratio).round() as u32),
        ));
    }
    let _ = root.present();
}
