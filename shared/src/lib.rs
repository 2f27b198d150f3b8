//! The InnoGauge indicator model: regions, periods, indicators, targets, observations, the
//! upload data contract and the progress maths.
//!
//! Pure Rust, no IO: values in, values out. The server (`api/`) and the widgets
//! (`frontend/`, compiled to WebAssembly) both compute with this crate, so a number on a
//! widget and the number in an API response come from the same code.
//!
//! * [`catalog`]: units, regions, indicators and targets, loaded from `fixtures/catalog/`;
//! * [`period`]: years, halves, quarters, months, and what statisticians write for them;
//! * [`contract`]: upload bytes in, observations plus a report out;
//! * [`dataset`]: current values, city sums and derived indicators;
//! * [`decimal`]: exact decimals, as reported, summed and rounded once;
//! * [`float`]: decimal digits to the nearest `f64`, correctly rounded, without core's parser;
//! * [`progress`](mod@progress): the sdg-build progress measure and everything a gauge shows;
//! * [`evaluation`]: the district innovation index, tiers, strengths, rank intervals;
//! * [`report`]: the quarterly evaluation report as data (what the HTML and the PDF say);
//! * [`revision`]: what an upload changes against known values, and warnings that need history;
//! * [`geo`]: district boundaries for the map (simplification, projection, hit testing);
//! * [`views`]: the read model (series with targets, rankings, the dashboard snapshot);
//! * [`wire`]: the JSON shapes of the API;
//! * [`json`]: a small JSON reader for the documents the portal widgets read, without serde;
//! * [`words`]: figures and sentences in the reader's language (widgets and reports);
//! * `chart` (feature `chart`): the charts, drawn with plotters on any backend (the widgets'
//!   canvas, the reports' SVG).

pub mod catalog;
pub mod catalog_change;
#[cfg(feature = "chart")]
pub mod chart;
pub mod contract;
pub mod dataset;
pub mod decimal;
pub mod evaluation;
pub mod float;
pub mod format;
pub mod geo;
pub mod indicator;
pub mod json;
pub mod message;
pub mod observation;
pub mod period;
pub mod progress;
pub mod region;
pub mod report;
pub mod revision;
pub mod target;
pub mod text;
pub mod unit;
pub mod views;
pub mod wire;
pub mod words;

pub use catalog::Catalog;
pub use contract::{Report, Upload, UploadOptions, read_grid, read_upload};
pub use dataset::{Dataset, Origin, Point, Series};
pub use decimal::Decimal;
pub use indicator::{Direction, Indicator, MeasureKind};
pub use message::{Bilingual, Lang};
pub use observation::Observation;
pub use period::Period;
pub use progress::{Progress, Status, progress, trend};
pub use region::{CITY_CODE, Region, RegionKind};
pub use target::{Bound, Rule, Target};
