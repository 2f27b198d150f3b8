//! The districts on a map: each boundary filled with its colour (a status, a figure class, a
//! tier), the borders drawn over all fills, and one district outlined.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Theme, ink, status_colour};
use crate::geo::{FeatureCollection, Projection};

/// Padding around the map in CSS pixels (hit tests project with the same).
pub const PADDING: f64 = 6.0;

/// What a map shows.
#[derive(Clone, Copy, Debug)]
pub struct Regions<'a> {
    /// The boundaries.
    pub map: &'a FeatureCollection,
    /// Fill of each district by code; a district without one is drawn as "no data".
    pub fills: &'a [(String, RGBColor)],
    /// The district outlined (hovered, focused or chosen).
    pub highlighted: Option<&'a str>,
    /// Borders in grey rather than the background colour: light fills are too close to a white
    /// page to show a district's edge on their own (WCAG 1.4.11).
    pub grey_borders: bool,
    /// Colours.
    pub theme: Theme,
}

/// The map's height for its width (at 1000 CSS pixels; scale to any width).
pub fn aspect(map: &FeatureCollection) -> f64 {
    map.bounds().map_or(1.0, |b| Projection::height_for(b, 1000.0, PADDING) / 1000.0)
}

/// The border colour of a map's districts.
pub fn border(theme: Theme, grey: bool) -> RGBColor {
    match theme {
        Theme::Light if grey => RGBColor(107, 114, 128),
        Theme::Light => RGBColor(255, 255, 255),
        Theme::Dark => RGBColor(17, 24, 39),
        Theme::HighContrast => RGBColor(0, 0, 0),
    }
}

/// Draws the map on a `width` × `height` device-pixel area.
pub fn paint<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, width: u32, height: u32, ratio: f64, shape: &Regions<'_>) {
    let Some(bounds) = shape.map.bounds() else { return };
    let projection = Projection::fit(bounds, f64::from(width), f64::from(height), PADDING * ratio);
    let (ink, _) = ink(shape.theme);
    let border = border(shape.theme, shape.grey_borders);
    let project = |ring: &[[f64; 2]]| -> Vec<(i32, i32)> {
        ring.iter().map(|p| projection.project(*p)).map(|(x, y)| (x.round() as i32, y.round() as i32)).collect()
    };
    let no_data = status_colour("not_available", shape.theme);
    for feature in &shape.map.features {
        let fill = shape.fills.iter().find(|(code, _)| *code == feature.properties.code).map_or(no_data, |(_, c)| *c);
        for rings in feature.geometry.polygons() {
            if let Some(outer) = rings.first() {
                let _ = root.draw(&Polygon::new(project(outer), fill.filled()));
            }
        }
    }
    let line = (ratio.round() as u32).max(1);
    for feature in &shape.map.features {
        for ring in feature.geometry.polygons().into_iter().flatten() {
            let _ = root.draw(&PathElement::new(project(ring), border.stroke_width(line)));
        }
    }
    if let Some(code) = shape.highlighted
        && let Some(feature) = shape.map.features.iter().find(|f| f.properties.code == code)
    {
        for ring in feature.geometry.polygons().into_iter().flatten() {
            let _ = root.draw(&PathElement::new(project(ring), ink.stroke_width((2.5 * ratio).round() as u32)));
        }
    }
}
