//! Targets as bars, one row each: the bar toward the target in the status's colour on a grey
//! track that runs to 1.2 × the target (over-achievement shows past the target mark), the
//! target mark, and the expected-by-now tick. The board widget and the report's target tables
//! draw the same rows.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Frame, Margins, Theme, ink, status_colour};

/// The bars' margins.
pub const MARGINS: Margins = Margins { left: 2.0, right: 2.0, top: 0.0, bottom: 0.0 };

/// The bars run to 1.2 × target.
pub const BAR_MAX: f64 = 1.2;

/// What the bars show.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetBars {
    /// Per row: the fraction of the target reached, the expected-by-now fraction, the status.
    pub rows: Vec<(Option<f64>, Option<f64>, String)>,
    /// Colours.
    pub theme: Theme,
}

/// Draws the bars on a `width` × `height` device-pixel area.
pub fn paint<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, width: u32, height: u32, ratio: f64, bars: &TargetBars) {
    let frame = Frame::inside(width, height, ratio, MARGINS);
    let (ink, grid) = ink(bars.theme);
    let rows = bars.rows.len().max(1) as f64;
    for (i, (fraction, expected, status)) in bars.rows.iter().enumerate() {
        let (top, bottom) = ((i as f64 + 0.35) / rows, (i as f64 + 0.65) / rows);
        let (a, b) = (frame.at(0.0, top).1, frame.at(0.0, bottom).1);
        let x = |f: f64| frame.at(f.clamp(0.0, BAR_MAX) / BAR_MAX, 0.0).0;
        let _ = root.draw(&Rectangle::new([(x(0.0), a), (x(BAR_MAX), b)], grid.filled()));
        if let Some(fraction) = fraction.filter(|f| f.is_finite()) {
            let _ = root.draw(&Rectangle::new([(x(0.0), a), (x(fraction).max(x(0.0) + 1), b)], status_colour(status, bars.theme).filled()));
        }
        let tick = (3.0 * ratio) as i32;
        let _ = root.draw(&PathElement::new(vec![(x(1.0), a - tick), (x(1.0), b + tick)], ink.stroke_width(frame.line(2.0))));
        if let Some(expected) = expected.filter(|e| e.is_finite()) {
            let _ = root.draw(&PathElement::new(
                vec![(x(expected), a - tick / 2), (x(expected), b + tick / 2)],
                ink.mix(0.7).stroke_width(frame.line(1.0)),
            ));
        }
    }
}
