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

/// The districts of an indicator's ranking as bars, row for row: each in its status's colour,
/// the chosen one outlined, the threshold (the target, or the required growth) dashed.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusBars {
    /// (figure, status, highlighted) per row.
    pub rows: Vec<(Option<f64>, String, bool)>,
    /// The threshold line.
    pub threshold: Option<f64>,
    /// The figure axis.
    pub range: (f64, f64),
    /// Colours.
    pub theme: Theme,
}

/// The ranking bars' margins.
pub const RANKING_MARGINS: Margins = Margins { left: 4.0, right: 4.0, top: 0.0, bottom: 0.0 };

/// Draws a ranking's bars on a `width` × `height` device-pixel area.
pub fn paint_ranking<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, width: u32, height: u32, ratio: f64, bars: &StatusBars) {
    let frame = Frame::inside(width, height, ratio, RANKING_MARGINS);
    let (ink, grid) = ink(bars.theme);
    let span = (bars.range.1 - bars.range.0).max(1e-9);
    let fx = |v: f64| (v - bars.range.0) / span;
    let rows = bars.rows.len().max(1) as f64;
    let zero = frame.at(fx(0.0), 0.0).0;
    let _ = root
        .draw(&PathElement::new(vec![(zero, 0), (zero, i32::try_from(height).unwrap_or(i32::MAX))], grid.stroke_width(frame.line(1.0))));
    for (i, (figure, status, highlighted)) in bars.rows.iter().enumerate() {
        let Some(figure) = figure else { continue };
        let (top, bottom) = ((i as f64 + 0.2) / rows, (i as f64 + 0.8) / rows);
        let (x0, x1) = (zero, frame.at(fx(*figure), 0.0).0);
        let (a, b) = (frame.at(0.0, top).1, frame.at(0.0, bottom).1);
        let colour = status_colour(status, bars.theme);
        let _ = root.draw(&Rectangle::new([(x0.min(x1), a), (x0.max(x1).max(x0.min(x1) + 1), b)], colour.filled()));
        if *highlighted {
            let _ = root.draw(&Rectangle::new([(x0.min(x1), a), (x0.max(x1), b)], ink.stroke_width(frame.line(2.0))));
        }
    }
    if let Some(threshold) = bars.threshold {
        let x = frame.at(fx(threshold), 0.0).0;
        super::dashed(
            root,
            &[(x, 0), (x, i32::try_from(height).unwrap_or(i32::MAX))],
            5.0 * ratio,
            3.0 * ratio,
            ink.stroke_width(frame.line(1.5)),
        );
    }
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
pub const ARC_MAX: f64 = 1.2;

/// The ring of a gauge on a `width` × `height` area: its centre, radius and thickness.
pub fn gauge_ring(width: u32, height: u32, ratio: f64) -> ((f64, f64), f64, f64) {
    let (cx, cy) = (f64::from(width) / 2.0, f64::from(height) * 0.92);
    let radius = (f64::from(width) * 0.42).min(f64::from(height) * 0.85);
    let thickness = (radius * 0.18).max(6.0 * ratio);
    ((cx, cy), radius, thickness)
}

/// `(cos, sin)` of an angle in [0, π] (the gauge's half ring), from their Taylor series about
/// π/2, within 1e-15 of `f64::cos` and `f64::sin` there. Not `f64::sin_cos`: in WebAssembly
/// those are libm's, whose argument reduction for any angle up to 10³⁰⁸ was 3 KB of the widget
/// module's transfer (BENCHMARKS.md) for angles that never leave [0, π].
fn on_half_circle(angle: f64) -> (f64, f64) {
    // With r = angle − π/2 in [−π/2, π/2]: cos(angle) = −sin r, sin(angle) = cos r. Terms up
    // to r²² leave (π/2)²³/23! ≈ 1e-18.
    let r = angle.clamp(0.0, std::f64::consts::PI) - std::f64::consts::FRAC_PI_2;
    let r2 = r * r;
    let (mut sin_r, mut cos_r) = (0.0, 0.0);
    for k in (0..12u32).rev() {
        // sin r = Σ (−1)ᵏ r^(2k+1)/(2k+1)!, cos r = Σ (−1)ᵏ r^(2k)/(2k)!, by Horner in r².
        let (odd, even) = (f64::from(2 * k + 1), f64::from(2 * k));
        sin_r = 1.0 - r2 / ((odd + 1.0) * (odd + 2.0)) * sin_r;
        cos_r = 1.0 - r2 / ((even + 1.0) * (even + 2.0)) * cos_r;
    }
    (-(r * sin_r), cos_r)
}

/// Draws a half-ring gauge: track, value arc, target tick, expected-by-now mark.
pub fn paint_gauge<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    width: u32,
    height: u32,
    ratio: f64,
    shape: &GaugeShape,
    theme: Theme,
) {
    let ((cx, cy), radius, thickness) = gauge_ring(width, height, ratio);
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
                let (cos, sin) = on_half_circle(std::f64::consts::PI * (1.0 - t / ARC_MAX));
                ((cx + radius * cos).round() as i32, (cy - radius * sin).round() as i32)
            })
            .collect()
    };
    let stroke = thickness.round() as u32;
    let _ = root.draw(&PathElement::new(arc(0.0, ARC_MAX), track.stroke_width(stroke)));
    let value = shape.fraction.clamp(0.0, ARC_MAX);
    if value > 0.0 {
        let _ = root.draw(&PathElement::new(arc(0.0, value), status_colour(&shape.status, theme).stroke_width(stroke)));
    }
    let ink = ink(theme).0;
    let tick = |at: f64, length: f64| -> Vec<(i32, i32)> {
        let (cos, sin) = on_half_circle(std::f64::consts::PI * (1.0 - at / ARC_MAX));
        let (inner, outer) = (radius - thickness / 2.0 - length, radius + thickness / 2.0 + length);
        vec![
            ((cx + inner * cos).round() as i32, (cy - inner * sin).round() as i32),
            ((cx + outer * cos).round() as i32, (cy - outer * sin).round() as i32),
        ]
    };
    let _ = root.draw(&PathElement::new(tick(1.0, 4.0 * ratio), ink.stroke_width((3.0 * ratio).round() as u32)));
    if let Some(expected) = shape.expected.filter(|e| e.is_finite()) {
        let _ = root.draw(&PathElement::new(
            tick(expected.clamp(0.0, ARC_MAX), 2.0 * ratio),
            ink.mix(0.7).stroke_width((2.0 * ratio).round() as u32),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::on_half_circle;

    #[test]
    fn the_half_circle_agrees_with_libm_from_0_to_pi() {
        for i in 0..=100_000 {
            let angle = std::f64::consts::PI * f64::from(i) / 100_000.0;
            let (cos, sin) = on_half_circle(angle);
            assert!((cos - angle.cos()).abs() < 1e-15 && (sin - angle.sin()).abs() < 1e-15, "{angle}: {cos} {sin}");
        }
    }
}
