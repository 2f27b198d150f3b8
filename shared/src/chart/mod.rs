//! Charts drawn with plotters on any backend (feature `chart`): the widgets draw them on a
//! canvas (plotters-canvas), the server's reports on SVG, with this one implementation. Only
//! shapes are drawn; the texts (names, figures, ticks) are laid out by whoever shows the chart,
//! beside it (HTML in a widget, the report's own text in a report), in the same rows and at the
//! fractions of [`Frame`] and [`Margins`] this module uses.
//!
//! Lengths are device pixels: every painter takes the backing store's size and the ratio of
//! device to CSS pixels, so a chart is as sharp on a phone as on a print.
//!
//! Pure: no IO and no backend of its own; it compiles to wasm32 with the model.

pub mod index;
pub mod palette;
pub mod progress;
pub mod regions;

pub use palette::{Theme, accent, background, contrast, css, ink, luminance, status_colour, tier_colour};

use plotters::coord::Shift;
use plotters::prelude::*;

/// A rectangle of the drawing in device pixels, for charts with margins in CSS pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    /// Left edge.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// Device pixels per CSS pixel.
    pub ratio: f64,
}

impl Frame {
    /// The plot area inside margins given in CSS pixels.
    pub fn inside(width: u32, height: u32, ratio: f64, margins: Margins) -> Frame {
        let (left, top) = (margins.left * ratio, margins.top * ratio);
        Frame {
            left,
            top,
            width: (f64::from(width) - left - margins.right * ratio).max(1.0),
            height: (f64::from(height) - top - margins.bottom * ratio).max(1.0),
            ratio,
        }
    }

    /// The device pixel at fractions of the frame (0,0 top left).
    pub fn at(&self, fx: f64, fy: f64) -> (i32, i32) {
        ((self.left + fx * self.width).round() as i32, (self.top + fy * self.height).round() as i32)
    }

    /// A line width of `css` CSS pixels, at least one device pixel.
    pub fn line(&self, css: f64) -> u32 {
        (css * self.ratio).round().max(1.0) as u32
    }
}

/// Margins of a plot area in CSS pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Margins {
    /// Left.
    pub left: f64,
    /// Right.
    pub right: f64,
    /// Top.
    pub top: f64,
    /// Bottom.
    pub bottom: f64,
}

impl Margins {
    /// No margins.
    pub const NONE: Margins = Margins { left: 0.0, right: 0.0, top: 0.0, bottom: 0.0 };

    /// The CSS `left` of a fraction of the plot width.
    pub fn css_left(&self, fx: f64) -> String {
        format!("calc({}px + (100% - {}px) * {fx:.4})", self.left, self.left + self.right)
    }

    /// The CSS `top` of a fraction of the plot height.
    pub fn css_top(&self, fy: f64) -> String {
        format!("calc({}px + (100% - {}px) * {fy:.4})", self.top, self.top + self.bottom)
    }
}

/// A dashed polyline (plotters' `PathElement` draws solid lines only).
pub fn dashed<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, points: &[(i32, i32)], dash: f64, gap: f64, style: ShapeStyle) {
    for pair in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        let (dx, dy) = (f64::from(x1 - x0), f64::from(y1 - y0));
        let length = dx.hypot(dy);
        if length == 0.0 {
            continue;
        }
        let mut at = 0.0;
        while at < length {
            let end = (at + dash).min(length);
            let p = |t: f64| ((f64::from(x0) + dx * t / length).round() as i32, (f64::from(y0) + dy * t / length).round() as i32);
            let _ = root.draw(&PathElement::new(vec![p(at), p(end)], style));
            at = end + gap;
        }
    }
}
