//! District boundaries for the map widget: the GeoJSON shapes (read with any serde format),
//! a topology-preserving simplification (the server sends ~1/5 of the points of
//! `fixtures/map/chongqing.geojson` and neighbouring districts still share their border
//! exactly), the projection onto a canvas and hit testing for hover and touch.
//!
//! Pure maths; the caller parses and serialises (the model has no JSON library).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// A position: longitude, latitude in degrees.
pub type Position = [f64; 2];
/// A closed ring (first position repeated at the end, as GeoJSON writes it).
pub type Ring = Vec<Position>;

/// A GeoJSON geometry (only the areal kinds a map of districts needs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "coordinates")]
pub enum Geometry {
    /// One outer ring and its holes.
    Polygon(Vec<Ring>),
    /// Several polygons.
    MultiPolygon(Vec<Vec<Ring>>),
}

impl Geometry {
    /// Every polygon (outer ring first, then holes).
    pub fn polygons(&self) -> Vec<&[Ring]> {
        match self {
            Geometry::Polygon(rings) => vec![rings.as_slice()],
            Geometry::MultiPolygon(polygons) => polygons.iter().map(Vec::as_slice).collect(),
        }
    }

    /// Whether `point` lies inside (even-odd rule, so holes are outside).
    pub fn contains(&self, point: Position) -> bool {
        self.polygons().iter().any(|rings| rings.iter().filter(|ring| ring_contains(ring, point)).count() % 2 == 1)
    }
}

/// The district's code and name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Properties {
    /// Region code (`500118`).
    pub code: String,
    /// Chinese name.
    pub name: String,
}

/// One district.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Code and name.
    pub properties: Properties,
    /// Its shape.
    pub geometry: Geometry,
}

/// The districts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: String,
    /// One feature per district.
    pub features: Vec<Feature>,
}

impl FeatureCollection {
    /// The bounding box `(west, south, east, north)`.
    pub fn bounds(&self) -> Option<(f64, f64, f64, f64)> {
        let mut positions =
            self.features.iter().flat_map(|f| f.geometry.polygons().into_iter().flatten().flatten().copied().collect::<Vec<_>>());
        let first = positions.next()?;
        Some(positions.fold((first[0], first[1], first[0], first[1]), |(w, s, e, n), [x, y]| (w.min(x), s.min(y), e.max(x), n.max(y))))
    }

    /// Number of positions, for measuring simplification.
    pub fn position_count(&self) -> usize {
        self.features.iter().map(|f| f.geometry.polygons().iter().flat_map(|rings| rings.iter()).map(Vec::len).sum::<usize>()).sum()
    }

    /// The feature under `point`, if any.
    pub fn hit(&self, point: Position) -> Option<&Feature> {
        self.features.iter().find(|f| f.geometry.contains(point))
    }

    /// Simplifies every border to within `tolerance` degrees, keeping shared borders shared.
    ///
    /// Positions are snapped to a grid of `tolerance / 2`; a position on the border of a
    /// different set of districts than a neighbour (a junction) is kept; the arcs between
    /// junctions are simplified with Douglas–Peucker once, in a canonical direction, so that
    /// the two districts on either side of an arc get the very same points. Rings that
    /// collapse below a triangle are dropped.
    pub fn simplified(&self, tolerance: f64) -> FeatureCollection {
        let grid = tolerance / 2.0;
        let snap = |p: Position| -> Cell { ((p[0] / grid).round() as i64, (p[1] / grid).round() as i64) };
        // Open rings in grid cells, without consecutive repeats.
        let mut collection = self.clone();
        let mut rings: Vec<(usize, Vec<Cell>)> = Vec::new();
        for (index, feature) in self.features.iter().enumerate() {
            for ring in feature.geometry.polygons().into_iter().flatten() {
                let mut cells: Vec<Cell> = Vec::with_capacity(ring.len());
                for &p in ring {
                    let cell = snap(p);
                    if cells.last() != Some(&cell) {
                        cells.push(cell);
                    }
                }
                while cells.len() > 1 && cells.first() == cells.last() {
                    cells.pop();
                }
                rings.push((index, cells));
            }
        }
        let mut owners: HashMap<Cell, Vec<usize>> = HashMap::new();
        for (index, cells) in &rings {
            for cell in cells {
                let list = owners.entry(*cell).or_default();
                if !list.contains(index) {
                    list.push(*index);
                }
            }
        }
        for list in owners.values_mut() {
            list.sort_unstable();
        }
        let mut done: HashMap<Vec<Cell>, Vec<Cell>> = HashMap::new();
        let mut simplified_rings = rings.iter().map(|(_, cells)| simplify_ring(cells, &owners, &mut done, tolerance / grid));
        for feature in &mut collection.features {
            let mut kept_polygons = Vec::new();
            for rings in feature.geometry.polygons() {
                let mut kept = Vec::new();
                for _ in rings {
                    let cells = simplified_rings.next().unwrap_or_default();
                    if cells.len() >= 3 {
                        let mut ring: Ring = cells.iter().map(|&(x, y)| [round3(x as f64 * grid), round3(y as f64 * grid)]).collect();
                        ring.push(ring[0]);
                        kept.push(ring);
                    }
                }
                kept_polygons.push(kept);
            }
            feature.geometry = match &feature.geometry {
                Geometry::Polygon(_) => Geometry::Polygon(kept_polygons.pop().unwrap_or_default()),
                Geometry::MultiPolygon(_) => Geometry::MultiPolygon(kept_polygons.into_iter().filter(|p| !p.is_empty()).collect()),
            };
        }
        collection
    }
}

type Cell = (i64, i64);

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Simplifies one open ring arc by arc (see [`FeatureCollection::simplified`]).
fn simplify_ring(
    cells: &[Cell],
    owners: &HashMap<Cell, Vec<usize>>,
    done: &mut HashMap<Vec<Cell>, Vec<Cell>>,
    tolerance: f64,
) -> Vec<Cell> {
    let n = cells.len();
    if n < 4 {
        return cells.to_vec();
    }
    let owner = |i: usize| owners.get(&cells[i % n]);
    // A junction is where the set of districts sharing the border changes; it is the same
    // position seen from either side, so both sides split their rings at the same places.
    let mut nodes: Vec<usize> =
        (0..n).filter(|&i| owner(i).is_none_or(|o| o.len() > 2 || owner(i + n - 1) != Some(o) || owner(i + 1) != Some(o))).collect();
    if nodes.len() < 2 {
        // A ring that is one border all round (an island, or a district inside another): split
        // at its smallest and largest cells, which both sides agree on.
        let min = (0..n).min_by_key(|&i| cells[i]).unwrap_or(0);
        let max = (0..n).max_by_key(|&i| cells[i]).unwrap_or(n / 2);
        nodes = vec![min.min(max), min.max(max)];
    }
    let mut out = Vec::with_capacity(n / 4);
    for (k, &start) in nodes.iter().enumerate() {
        let end = nodes[(k + 1) % nodes.len()];
        let length = (end + n - start) % n;
        let length = if length == 0 { n } else { length };
        let arc: Vec<Cell> = (0..=length).map(|j| cells[(start + j) % n]).collect();
        // Canonical direction: the arc and its reverse are one border.
        let reversed = arc.last() < arc.first() || (arc.last() == arc.first() && arc.get(arc.len() - 2) < arc.get(1));
        let canonical: Vec<Cell> = if reversed { arc.iter().rev().copied().collect() } else { arc };
        let simple = done.entry(canonical.clone()).or_insert_with(|| douglas_peucker(&canonical, tolerance)).clone();
        let simple: Vec<Cell> = if reversed { simple.into_iter().rev().collect() } else { simple };
        // Each arc's last cell is the next arc's first.
        out.extend_from_slice(&simple[..simple.len() - 1]);
    }
    out
}

/// Douglas–Peucker on grid cells, keeping both ends.
fn douglas_peucker(points: &[Cell], tolerance: f64) -> Vec<Cell> {
    let mut keep = vec![false; points.len()];
    keep[0] = true;
    keep[points.len() - 1] = true;
    let mut stack = vec![(0, points.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let (far, distance) = (a + 1..b)
            .map(|i| (i, segment_distance(points[i], points[a], points[b])))
            .fold((a, -1.0), |best, next| if next.1 > best.1 { next } else { best });
        if distance > tolerance {
            keep[far] = true;
            stack.push((a, far));
            stack.push((far, b));
        }
    }
    points.iter().zip(keep).filter(|(_, k)| *k).map(|(p, _)| *p).collect()
}

fn segment_distance(p: Cell, a: Cell, b: Cell) -> f64 {
    let (px, py, ax, ay, bx, by) = (p.0 as f64, p.1 as f64, a.0 as f64, a.1 as f64, b.0 as f64, b.1 as f64);
    let (dx, dy) = (bx - ax, by - ay);
    let length2 = dx * dx + dy * dy;
    let t = if length2 == 0.0 { 0.0 } else { (((px - ax) * dx + (py - ay) * dy) / length2).clamp(0.0, 1.0) };
    ((px - ax - t * dx).powi(2) + (py - ay - t * dy).powi(2)).sqrt()
}

/// Even-odd point-in-ring test.
fn ring_contains(ring: &[Position], [x, y]: Position) -> bool {
    let mut inside = false;
    let mut j = ring.len().wrapping_sub(1);
    for i in 0..ring.len() {
        let ([xi, yi], [xj, yj]) = (ring[i], ring[j]);
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Longitude/latitude onto a canvas: equirectangular with the longitude scaled by the cosine
/// of the middle latitude (true shape at Chongqing's size), fitted and centred, north up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projection {
    scale: f64,
    aspect: f64,
    west: f64,
    north: f64,
    offset: (f64, f64),
}

impl Projection {
    /// Fits `bounds` into `width × height` with `padding` on every side.
    pub fn fit((west, south, east, north): (f64, f64, f64, f64), width: f64, height: f64, padding: f64) -> Projection {
        let aspect = ((south + north) / 2.0).to_radians().cos();
        let (span_x, span_y) = (((east - west) * aspect).max(1e-9), (north - south).max(1e-9));
        let scale = ((width - 2.0 * padding) / span_x).min((height - 2.0 * padding) / span_y);
        let offset = ((width - span_x * scale) / 2.0, (height - span_y * scale) / 2.0);
        Projection { scale, aspect, west, north, offset }
    }

    /// The height that fits `bounds` at `width` without empty bands.
    pub fn height_for((west, south, east, north): (f64, f64, f64, f64), width: f64, padding: f64) -> f64 {
        let aspect = ((south + north) / 2.0).to_radians().cos();
        let (span_x, span_y) = (((east - west) * aspect).max(1e-9), (north - south).max(1e-9));
        (width - 2.0 * padding) * span_y / span_x + 2.0 * padding
    }

    /// Canvas coordinates of a position.
    pub fn project(&self, [x, y]: Position) -> (f64, f64) {
        (self.offset.0 + (x - self.west) * self.aspect * self.scale, self.offset.1 + (self.north - y) * self.scale)
    }

    /// The position at canvas coordinates.
    pub fn invert(&self, (px, py): (f64, f64)) -> Position {
        [self.west + (px - self.offset.0) / (self.aspect * self.scale), self.north - (py - self.offset.1) / self.scale]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(code: &str, x0: f64, y0: f64, size: f64, steps: usize) -> Feature {
        // A square with `steps` positions on each side, so there is something to simplify.
        let mut ring = Vec::new();
        let corners = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size]];
        for k in 0..4 {
            let (a, b) = (corners[k], corners[(k + 1) % 4]);
            for s in 0..steps {
                let t = s as f64 / steps as f64;
                ring.push([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]);
            }
        }
        ring.push(ring[0]);
        Feature {
            kind: "Feature".into(),
            properties: Properties { code: code.into(), name: code.into() },
            geometry: Geometry::Polygon(vec![ring]),
        }
    }

    #[test]
    fn simplification_keeps_shared_borders_identical() {
        let collection = FeatureCollection {
            kind: "FeatureCollection".into(),
            features: vec![square("a", 0.0, 0.0, 1.0, 50), square("b", 1.0, 0.0, 1.0, 50)],
        };
        let simple = collection.simplified(0.01);
        assert!(simple.position_count() < collection.position_count() / 5, "{} positions left", simple.position_count());
        let positions = |f: &Feature| f.geometry.polygons()[0][0].clone();
        let (a, b) = (positions(&simple.features[0]), positions(&simple.features[1]));
        // The shared edge x = 1 is present, with the same positions, on both sides.
        let on_edge = |ring: &Ring| {
            let mut v: Vec<_> = ring.iter().filter(|p| (p[0] - 1.0).abs() < 1e-9).map(|p| (p[1] * 1000.0).round() as i64).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        assert_eq!(on_edge(&a), on_edge(&b));
        assert!(on_edge(&a).contains(&0) && on_edge(&a).contains(&1000));
    }

    #[test]
    fn hit_testing_and_projection_agree() {
        let collection = FeatureCollection {
            kind: "FeatureCollection".into(),
            features: vec![square("a", 106.0, 29.0, 1.0, 4), square("b", 107.0, 29.0, 1.0, 4)],
        };
        let bounds = collection.bounds().unwrap();
        assert_eq!(bounds, (106.0, 29.0, 108.0, 30.0));
        let projection = Projection::fit(bounds, 400.0, 300.0, 10.0);
        let (x, y) = projection.project([107.5, 29.5]);
        let back = projection.invert((x, y));
        assert!((back[0] - 107.5).abs() < 1e-9 && (back[1] - 29.5).abs() < 1e-9);
        assert_eq!(collection.hit(back).map(|f| f.properties.code.as_str()), Some("b"));
        assert_eq!(collection.hit([105.0, 29.5]), None);
        // North is up: a position further north is drawn higher.
        assert!(projection.project([107.0, 29.9]).1 < projection.project([107.0, 29.1]).1);
    }
}
