//! The evaluation's charts: the index of every district as bars in rank order, and one
//! district's parts against the city average. Both are rows of equal height on a 0–100 axis, so
//! the names and figures beside them are rows of the same height (a widget's HTML list, a
//! report's table), and a row's middle is at `(i + 0.5) / rows` of the height.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Frame, Margins, Theme, dashed, ink, tier_colour};

/// What the ranking's bars show.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexBars {
    /// Per row: the index (none: not rated), its tier, and whether it is the district chosen.
    pub rows: Vec<IndexRow>,
    /// The average index of the rated districts (the tiers' reference), a dashed line.
    pub average: Option<f64>,
    /// Colours.
    pub theme: Theme,
}

/// One district's bar.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexRow {
    /// 0–100.
    pub index: Option<f64>,
    /// 1, 2 or 3.
    pub tier: Option<u8>,
    /// Outlined.
    pub highlighted: bool,
}

/// The bars' margins: they sit between a name column and a figure column.
pub const BAR_MARGINS: Margins = Margins { left: 4.0, right: 4.0, top: 0.0, bottom: 0.0 };

/// The fraction of the axis an index sits at (0–100, clamped).
pub fn axis(score: f64) -> f64 {
    (score / 100.0).clamp(0.0, 1.0)
}

/// Draws the ranking's bars on a `width` × `height` device-pixel area.
pub fn paint_bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, width: u32, height: u32, ratio: f64, bars: &IndexBars) {
    let frame = Frame::inside(width, height, ratio, BAR_MARGINS);
    let (ink, grid) = ink(bars.theme);
    grid_lines(root, &frame, grid);
    let rows = bars.rows.len().max(1) as f64;
    let zero = frame.at(0.0, 0.0).0;
    for (i, row) in bars.rows.iter().enumerate() {
        let Some(index) = row.index else { continue };
        let (a, b) = (frame.at(0.0, (i as f64 + 0.2) / rows).1, frame.at(0.0, (i as f64 + 0.8) / rows).1);
        let end = frame.at(axis(index), 0.0).0.max(zero + 1);
        let _ = root.draw(&Rectangle::new([(zero, a), (end, b)], tier_colour(row.tier, bars.theme).filled()));
        if row.highlighted {
            let _ = root.draw(&Rectangle::new([(zero, a), (end, b)], ink.stroke_width(frame.line(2.0))));
        }
    }
    if let Some(average) = bars.average {
        let x = frame.at(axis(average), 0.0).0;
        dashed(root, &[(x, frame.at(0.0, 0.0).1), (x, frame.at(0.0, 1.0).1)], 5.0 * ratio, 3.0 * ratio, ink.stroke_width(frame.line(1.5)));
    }
}

/// What a district's profile shows: each part's score beside the average of the rated
/// districts.
#[derive(Clone, Debug, PartialEq)]
pub struct PartBars {
    /// Per part: the district's score and the average (either may be missing).
    pub rows: Vec<(Option<f64>, Option<f64>)>,
    /// Colours.
    pub theme: Theme,
}

/// Draws a profile: per row the district's score as a bar in the accent colour and the average
/// as a thick tick across the row, so a bar that ends short of its tick is below the average.
pub fn paint_parts<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, width: u32, height: u32, ratio: f64, bars: &PartBars) {
    let frame = Frame::inside(width, height, ratio, BAR_MARGINS);
    let (ink, grid) = ink(bars.theme);
    grid_lines(root, &frame, grid);
    let rows = bars.rows.len().max(1) as f64;
    let zero = frame.at(0.0, 0.0).0;
    let accent = super::accent(bars.theme);
    for (i, (score, average)) in bars.rows.iter().enumerate() {
        if let Some(score) = score {
            let (a, b) = (frame.at(0.0, (i as f64 + 0.25) / rows).1, frame.at(0.0, (i as f64 + 0.75) / rows).1);
            let end = frame.at(axis(*score), 0.0).0.max(zero + 1);
            let _ = root.draw(&Rectangle::new([(zero, a), (end, b)], accent.filled()));
        }
        if let Some(average) = average {
            let x = frame.at(axis(*average), 0.0).0;
            let (a, b) = (frame.at(0.0, (i as f64 + 0.1) / rows).1, frame.at(0.0, (i as f64 + 0.9) / rows).1);
            let _ = root.draw(&PathElement::new(vec![(x, a), (x, b)], ink.stroke_width(frame.line(3.0))));
        }
    }
}

/// Light vertical lines at 25, 50 and 75 and the axis at 0.
fn grid_lines<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, frame: &Frame, grid: RGBColor) {
    for at in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let x = frame.at(at, 0.0).0;
        let _ =
            root.draw(&PathElement::new(vec![(x, frame.at(0.0, 0.0).1), (x, frame.at(0.0, 1.0).1)], grid.stroke_width(frame.line(1.0))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_is_zero_to_a_hundred() {
        assert_eq!(axis(0.0), 0.0);
        assert_eq!(axis(63.5), 0.635);
        assert_eq!(axis(100.0), 1.0);
        assert_eq!(axis(130.0), 1.0, "clamped: a score never leaves the chart");
        assert_eq!(axis(-5.0), 0.0);
    }
}
