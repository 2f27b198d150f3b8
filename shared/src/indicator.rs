//! Indicators: what is measured, in which unit, and how values combine.

use std::sync::Arc;

/// How a value relates to time, which decides how values combine and compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MeasureKind {
    /// A level at the end of the period (number of enterprises). Comparable at any time.
    Stock,
    /// An amount over time, reported year-to-date (1–N月累计): spending, output, events
    /// held. Comparable only with the same months of another year; the annual figure is the
    /// December (Q4, full-year) value.
    Flow,
    /// A rate or share (科学素质比例, 高新区产值占比): never summed; either surveyed directly or
    /// derived from two other indicators.
    Ratio,
}

impl MeasureKind {
    /// Catalogue spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            MeasureKind::Stock => "stock",
            MeasureKind::Flow => "flow",
            MeasureKind::Ratio => "ratio",
        }
    }
}

/// Which way is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// More is better (every target in the seeds).
    Higher,
    /// Less is better (e.g. energy intensity); the model does not assume `Higher`.
    Lower,
}

impl Direction {
    /// +1 for higher-is-better, −1 for lower-is-better: the *d* of the progress formulas.
    pub fn sign(self) -> f64 {
        match self {
            Direction::Higher => 1.0,
            Direction::Lower => -1.0,
        }
    }

    /// Catalogue spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Higher => "higher",
            Direction::Lower => "lower",
        }
    }
}

/// A derived indicator: `numerator ÷ denominator × factor`, computed from its parts in the
/// same region and period, never uploaded and never summed.
#[derive(Clone, Debug, PartialEq)]
pub struct Derivation {
    /// Indicator id of the numerator.
    pub numerator: Arc<str>,
    /// Indicator id of the denominator.
    pub denominator: Arc<str>,
    /// Scale, 100 for a percentage.
    pub factor: f64,
}

/// An indicator.
#[derive(Clone, Debug, PartialEq)]
pub struct Indicator {
    /// Stable id, e.g. `high_tech_enterprises`.
    pub id: Arc<str>,
    /// 中文名, e.g. 高新技术企业数量.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Other names statisticians use in headers (高新技术企业, 高企数量).
    pub aliases: Vec<String>,
    /// Unit symbol, one of the catalogue's units.
    pub unit: String,
    /// Stock, flow or ratio.
    pub measure: MeasureKind,
    /// Whether district values add up to the city value.
    pub additive: bool,
    /// Decimal places shown; 0 also means values must be whole numbers.
    pub decimals: u8,
    /// Which way is better.
    pub direction: Direction,
    /// For a derived indicator, its formula.
    pub derived: Option<Derivation>,
    /// Smallest valid value (0 unless the catalogue says otherwise).
    pub min: f64,
    /// Largest valid value (100 for a percentage share).
    pub max: Option<f64>,
}

impl Indicator {
    /// Whether values must be whole numbers (counts of enterprises, events, people).
    pub fn is_count(&self) -> bool {
        self.decimals == 0
    }

    /// Whether statisticians upload this indicator (derived ones are computed).
    pub fn is_uploadable(&self) -> bool {
        self.derived.is_none()
    }
}
