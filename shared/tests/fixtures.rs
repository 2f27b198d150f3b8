//! The fixture files under `fixtures/` read as promised: every sample upload's validation
//! report matches its snapshot (`fixtures/uploads/snapshots/`), every case's expected problem
//! codes and positions (`fixtures/uploads/cases.toml`) are asserted, and the sample data set
//! reads cleanly with city totals that follow the public figures, and the example of the next
//! plan (`fixtures/plans/`) applies.
//!
//! To accept changed reports after a deliberate change: `UPDATE_SNAPSHOTS=1 cargo test -p
//! innogauge-model --test fixtures`, then review the diff.

use std::path::{Path, PathBuf};

use innogauge_model::wire::{ReportWire, UploadOptionsWire, validation_report};
use innogauge_model::{Catalog, Dataset, Period, UploadOptions, read_upload};
use serde::Deserialize;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    file: String,
    #[serde(default)]
    options: UploadOptionsWire,
    valid: bool,
    #[serde(default)]
    encoding: Option<String>,
    #[serde(default)]
    layout: Option<String>,
    #[serde(default)]
    observations: Option<u32>,
    /// Each problem as `severity code row column`, `-` for no row or column, in report order.
    problems: Vec<String>,
}

fn describe(report: &ReportWire) -> Vec<String> {
    report
        .problems
        .iter()
        .map(|p| {
            let row = p.row.map_or_else(|| "-".to_owned(), |r| r.to_string());
            let column = p.column.clone().unwrap_or_else(|| "-".to_owned());
            format!("{} {} {row} {column}", p.severity, p.code)
        })
        .collect()
}

#[test]
fn every_upload_fixture_gives_its_expected_report() {
    let uploads = fixtures().join("uploads");
    let cases: Cases = toml::from_str(&std::fs::read_to_string(uploads.join("cases.toml")).unwrap()).unwrap();
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut failures = Vec::new();
    let mut listed = Vec::new();
    for case in &cases.case {
        listed.push(case.file.clone());
        let bytes = std::fs::read(uploads.join(&case.file)).unwrap_or_else(|e| panic!("{}: {e}", case.file));
        let report = validation_report(Catalog::builtin(), &bytes, &case.options).unwrap();
        let json = serde_json::to_string_pretty(&report).unwrap() + "\n";
        let snapshot = uploads.join("snapshots").join(format!("{}.json", case.file));
        if update {
            std::fs::create_dir_all(snapshot.parent().unwrap()).unwrap();
            std::fs::write(&snapshot, &json).unwrap();
        } else {
            match std::fs::read_to_string(&snapshot) {
                Ok(expected) if expected == json => {}
                Ok(_) => {
                    failures.push(format!("{}: report differs from its snapshot (UPDATE_SNAPSHOTS=1 to accept, then review)", case.file))
                }
                Err(_) => failures.push(format!("{}: no snapshot (UPDATE_SNAPSHOTS=1 to create)", case.file)),
            }
        }
        if report.valid != case.valid {
            failures.push(format!("{}: valid = {}, expected {}", case.file, report.valid, case.valid));
        }
        if case.encoding.is_some() && report.encoding != case.encoding {
            failures.push(format!("{}: encoding {:?}, expected {:?}", case.file, report.encoding, case.encoding));
        }
        if case.layout.is_some() && report.layout != case.layout {
            failures.push(format!("{}: layout {:?}, expected {:?}", case.file, report.layout, case.layout));
        }
        if case.observations.is_some_and(|n| n != report.observations) {
            failures.push(format!("{}: {} observations, expected {:?}", case.file, report.observations, case.observations));
        }
        let found = describe(&report);
        if found != case.problems {
            failures.push(format!("{}: problems\n    found    {found:?}\n    expected {:?}", case.file, case.problems));
        }
        // Every message says where and what in both languages.
        for p in &report.problems {
            if p.message.zh.is_empty() || p.message.en.is_empty() || (p.row.is_some() && !p.message.en.starts_with("Row ")) {
                failures.push(format!("{}: message without position or language: {:?}", case.file, p.message));
            }
        }
    }
    // Every file under uploads/ is a case: a new fixture cannot go unchecked.
    for dir in ["good", "bad"] {
        for entry in std::fs::read_dir(uploads.join(dir)).unwrap() {
            let name = format!("{dir}/{}", entry.unwrap().file_name().to_string_lossy());
            if !listed.contains(&name) {
                failures.push(format!("{name}: not listed in cases.toml"));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_rejected_upload_yields_nothing_to_store() {
    let bytes = std::fs::read(fixtures().join("uploads/bad/bad_cells_long.csv")).unwrap();
    let upload = read_upload(Catalog::builtin(), &bytes, &UploadOptions::default());
    assert!(!upload.observations.is_empty(), "the clean rows are read for the preview");
    assert!(upload.accepted().is_err(), "but nothing of a file with errors may be stored");
}

#[test]
fn the_sample_data_reads_cleanly_and_follows_the_public_figures() {
    let catalog = Catalog::builtin();
    let bytes = std::fs::read(fixtures().join("sample/observations.csv")).unwrap();
    let upload = read_upload(catalog, &bytes, &UploadOptions::default());
    assert!(!upload.report.has_errors(), "{:?}", upload.report.problems.iter().take(5).collect::<Vec<_>>());
    let (observations, _) = upload.accepted().unwrap();
    let dataset = Dataset::from_observations(&observations);
    let city = |indicator: &str, period: &str| {
        let series = dataset.series(catalog, indicator, "500000");
        series.at(Period::parse(period).unwrap()).unwrap_or_else(|| panic!("{indicator} {period}")).value
    };
    assert_eq!(city("tech_smes", "2021Q4"), 36_900.0);
    assert_eq!(city("tech_smes", "2022Q4"), 42_989.0);
    assert_eq!(city("high_tech_enterprises", "2021Q4"), 5_108.0);
    assert_eq!(city("high_tech_enterprises", "2022Q4"), 6_348.0);
    assert!((city("rd_expenditure", "2020Q4") - 526.79).abs() < 1e-6);
    assert!((city("rd_expenditure", "2021Q4") - 603.8).abs() < 1e-6);
    assert!((city("rd_expenditure", "2022Q4") - 686.6).abs() < 1e-6);
    assert_eq!(city("science_literacy_rate", "2020"), 10.20);
    // Every indicator has data, and every district has the quarterly ones to 2025Q3.
    for indicator in catalog.indicators() {
        let region = if indicator.id.starts_with("yc_") { "500118" } else { "500000" };
        assert!(!dataset.series(catalog, &indicator.id, region).points.is_empty(), "no sample data for {}", indicator.id);
    }
    for district in catalog.districts() {
        let series = dataset.series(catalog, "tech_smes", &district.code);
        assert_eq!(series.points.len(), 19, "{}", district.name_zh);
        assert_eq!(series.latest().unwrap().period, Period::Quarter(2025, 3));
    }
}

/// The district boundaries decoded by `cargo xtask map`: every district of the catalogue, and
/// the simplified shapes the server sends keep every district and its shared borders.
#[test]
fn map_boundaries_cover_every_district_and_simplify_without_gaps() {
    use innogauge_model::geo::FeatureCollection;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/map/chongqing.geojson")).unwrap();
    let map: FeatureCollection = serde_json::from_str(&text).unwrap();
    let catalog = Catalog::builtin();
    let mut codes: Vec<&str> = map.features.iter().map(|f| f.properties.code.as_str()).collect();
    codes.sort_unstable();
    let mut districts: Vec<&str> = catalog.districts().map(|d| &*d.code).collect();
    districts.sort_unstable();
    assert_eq!(codes, districts);
    let simple = map.simplified(0.004);
    println!("positions: {} → {}", map.position_count(), simple.position_count());
    assert!(simple.position_count() * 3 < map.position_count());
    assert_eq!(simple.features.len(), 38);
    // A point well inside each district (further from every border than the tolerance can move
    // one) is still found in the same district after simplification.
    let border_distance = |p: [f64; 2]| -> f64 {
        let segments = map.features.iter().flat_map(|f| f.geometry.polygons().into_iter().flatten()).flat_map(|r| r.windows(2));
        segments
            .map(|w| {
                let ([ax, ay], [bx, by]) = (w[0], w[1]);
                let (dx, dy) = (bx - ax, by - ay);
                let t = (((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy).max(1e-18)).clamp(0.0, 1.0);
                ((p[0] - ax - t * dx).powi(2) + (p[1] - ay - t * dy).powi(2)).sqrt()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let mut checked = 0;
    for feature in &map.features {
        let ring = feature.geometry.polygons().into_iter().flatten().max_by_key(|r| r.len()).unwrap();
        let n = ring.len() as f64;
        let mean = [ring.iter().map(|q| q[0]).sum::<f64>() / n, ring.iter().map(|q| q[1]).sum::<f64>() / n];
        let inside = ring
            .iter()
            .step_by(7)
            .flat_map(|p| [0.3, 0.5, 0.7].map(|f| [p[0] + (mean[0] - p[0]) * f, p[1] + (mean[1] - p[1]) * f]))
            .find(|&c| map.hit(c).map(|f| &f.properties.code) == Some(&feature.properties.code) && border_distance(c) > 0.01);
        let Some(inside) = inside else { continue };
        checked += 1;
        assert_eq!(simple.hit(inside).map(|f| f.properties.code.as_str()), Some(feature.properties.code.as_str()));
    }
    assert!(checked >= 30, "only {checked} districts had a point well inside");
}

/// The README's example of the next plan applies to the built-in catalogue as four new targets.
#[test]
fn the_example_plan_adds_its_targets() {
    use innogauge_model::catalog_change::{ChangeKind, StoredData, propose};
    struct EveryValueStored;
    impl StoredData for EveryValueStored {
        fn has_indicator(&self, _: &str) -> bool {
            true
        }
        fn has_region(&self, _: &str) -> bool {
            true
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/plans/plan-2030-example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let proposal = propose(Catalog::builtin(), &text, &EveryValueStored, &|_| Vec::new());
    assert!(proposal.is_valid(), "{:?}", proposal.problems);
    assert_eq!(proposal.changes.len(), 4);
    assert!(proposal.changes.iter().all(|c| c.kind == ChangeKind::Added && c.key.ends_with("_2030")));
}

/// The server reads a CSV upload row by row as it parses it ([`read_upload`]), never holding
/// the grid; reading the whole grid first ([`innogauge_model::read_grid`], as for a workbook)
/// must give exactly the same values and report, for every sample and bad file.
#[test]
fn reading_row_by_row_equals_reading_the_whole_grid() {
    use innogauge_model::contract::{Grid, decode};
    let mut checked = 0;
    for folder in ["uploads/good", "uploads/bad", "uploads/attack", "sample"] {
        for entry in std::fs::read_dir(fixtures().join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "csv") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let options = UploadOptions { period: Some(Period::Quarter(2025, 3)), ..UploadOptions::default() };
            let streamed = read_upload(Catalog::builtin(), &bytes, &options);
            let Ok((text, encoding)) = decode(&bytes) else { continue };
            let mut whole = match Grid::from_csv(&text, options.max_rows + 100) {
                Ok(grid) => innogauge_model::read_grid(Catalog::builtin(), &grid, &options),
                Err(problem) => {
                    let mut report = innogauge_model::Report::default();
                    report.push(problem);
                    innogauge_model::Upload { report, ..Default::default() }
                }
            };
            whole.report.encoding = Some(encoding);
            assert_eq!(streamed, whole, "{}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked} files");
}
