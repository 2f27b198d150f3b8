//! The district boundaries of the map widgets and the reports: the built-in GeoJSON, simplified
//! once per process.

use innogauge_model::geo::FeatureCollection;

/// About 400 m: under a device pixel on a 1,000-pixel-wide map of Chongqing.
const BOUNDARY_TOLERANCE_DEGREES: f64 = 0.004;

/// The boundaries (the fixture has five times the points a map can show).
pub fn boundaries() -> &'static FeatureCollection {
    static MAP: std::sync::OnceLock<FeatureCollection> = std::sync::OnceLock::new();
    MAP.get_or_init(|| {
        let full: FeatureCollection = serde_json::from_str(include_str!("../../fixtures/map/chongqing.geojson")).unwrap_or_else(|e| {
            // The file is checked by the model's fixture tests; an empty map beats a crash.
            tracing::error!(error = %e, "the built-in boundaries do not parse");
            FeatureCollection { kind: "FeatureCollection".into(), features: Vec::new() }
        });
        full.simplified(BOUNDARY_TOLERANCE_DEGREES)
    })
}
