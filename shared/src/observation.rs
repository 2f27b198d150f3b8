//! Observations: one value of one indicator for one region and period.

use std::sync::Arc;

use crate::decimal::Decimal;
use crate::period::Period;

/// A value as uploaded (or computed), in the indicator's own unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// Indicator id (shared with the catalogue, cheap to clone).
    pub indicator: Arc<str>,
    /// Region code.
    pub region: Arc<str>,
    /// Period.
    pub period: Period,
    /// The value in the indicator's unit (家, 亿元, %…), digit for digit as reported.
    pub value: Decimal,
    /// The statistician's note (备注), if any.
    pub note: Option<String>,
    /// The spreadsheet row it came from, for messages that point back at the file.
    pub row: Option<u32>,
}

impl Observation {
    /// The identity of the value: two observations with the same key describe the same fact.
    /// Periods ending in the same month share a key (see [`Period::month_index`]).
    pub fn key(&self) -> ObservationKey {
        ObservationKey { indicator: self.indicator.clone(), region: self.region.clone(), month_index: self.period.month_index() }
    }
}

/// The identity of an observation: indicator, region and the point in time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObservationKey {
    /// Indicator id.
    pub indicator: Arc<str>,
    /// Region code.
    pub region: Arc<str>,
    /// [`Period::month_index`] of the period.
    pub month_index: i32,
}
