//! What an upload would change against the values already known, and the plausibility
//! warnings that need that history: a stock falling more than 30 % from the previous quarter,
//! or a year-to-date flow going down within a year. Pure: the caller passes the current values
//! (from its store) as a [`Dataset`].

use std::collections::BTreeSet;

use crate::catalog::Catalog;
use crate::contract::{Problem, ProblemCode, Report};
use crate::dataset::Dataset;
use crate::decimal::Decimal;
use crate::format::{format_decimal, format_number};
use crate::indicator::{Indicator, MeasureKind};
use crate::observation::Observations;
use crate::period::Period;

/// A stock falling by more than this share from the previous period is worth a second look.
pub const SUSPICIOUS_DROP: f64 = 0.30;

/// What one observation of an upload does to the stored values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A value not known before.
    New,
    /// A value that replaces a different earlier value.
    Revised,
    /// A value equal to what is already known (no revision is recorded for it).
    Unchanged,
}

/// The effect of an upload, observation by observation (by index into the upload's
/// [`Observations`]): a byte each, not a copy of each value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    kinds: Vec<Change>,
    new: usize,
    revised: usize,
}

impl Changes {
    /// What observation `index` does.
    pub fn kind(&self, index: usize) -> Option<Change> {
        self.kinds.get(index).copied()
    }

    /// How many values are new.
    pub fn new_count(&self) -> usize {
        self.new
    }

    /// How many values replace another.
    pub fn revised_count(&self) -> usize {
        self.revised
    }

    /// How many values are as already known.
    pub fn unchanged_count(&self) -> usize {
        self.kinds.len() - self.new - self.revised
    }

    /// Indices of the observations of one kind, in upload order.
    pub fn of_kind(&self, kind: Change) -> impl Iterator<Item = usize> + '_ {
        self.kinds.iter().enumerate().filter(move |(_, k)| **k == kind).map(|(i, _)| i)
    }

    /// Indices of the observations to write (new and revised), in upload order.
    pub fn written(&self) -> impl Iterator<Item = usize> + '_ {
        self.kinds.iter().enumerate().filter(|(_, k)| **k != Change::Unchanged).map(|(i, _)| i)
    }

    /// How many observations are written.
    pub fn written_count(&self) -> usize {
        self.new + self.revised
    }
}

/// Sorts `observations` into new, revised and unchanged against `current`, and warns about
/// implausible movements against the history (including other rows of the same upload). The
/// warnings go into `report` (listed up to its limit, counted beyond).
pub fn compare(catalog: &Catalog, observations: &Observations, current: &Dataset, report: &mut Report) -> Changes {
    let mut changes = Changes { kinds: Vec::with_capacity(observations.len()), new: 0, revised: 0 };
    for i in 0..observations.len() {
        let (Some((indicator, region, period, _)), Some(value)) = (observations.key_parts(i), observations.value(i)) else { continue };
        let kind = match current.reported(indicator, region, period) {
            None => Change::New,
            Some(old) if old == value => Change::Unchanged,
            Some(_) => Change::Revised,
        };
        changes.new += usize::from(kind == Change::New);
        changes.revised += usize::from(kind == Change::Revised);
        changes.kinds.push(kind);
    }
    // The values after the upload: the upload's own, else the stored ones.
    let order = observations.key_order();
    let after = |indicator: &str, region: &str, period: Period| match observations.find(&order, indicator, region, period.month_index()) {
        Some(index) => observations.value(index),
        None => current.reported(indicator, region, period),
    };
    for i in 0..observations.len() {
        let (Some((indicator_id, region_id, period, row)), Some(value)) = (observations.key_parts(i), observations.value(i)) else {
            continue;
        };
        let Some(indicator) = catalog.indicator(indicator_id) else { continue };
        let previous = period.prev();
        let before = match indicator.measure {
            MeasureKind::Stock => after(indicator_id, region_id, previous)
                .filter(|&before| before > Decimal::ZERO && (before.to_f64() - value.to_f64()) / before.to_f64() > SUSPICIOUS_DROP),
            // Year-to-date values cannot fall within a year (January starts afresh).
            MeasureKind::Flow if previous.year() == period.year() => {
                after(indicator_id, region_id, previous).filter(|&before| value < before)
            }
            MeasureKind::Flow | MeasureKind::Ratio => None,
        };
        let Some(before) = before else { continue };
        let at = Movement { region: region_id, period, previous, value, before, row };
        report.push_with(false, || implausible(catalog, indicator, &at));
    }
    changes
}

/// A value and the one before it that make a movement implausible.
struct Movement<'a> {
    region: &'a str,
    period: Period,
    previous: Period,
    value: Decimal,
    before: Decimal,
    row: Option<u32>,
}

/// The warning for an implausible movement: a stock falling too far, or a year-to-date flow
/// going down.
fn implausible(catalog: &Catalog, indicator: &Indicator, at: &Movement<'_>) -> Problem {
    let Movement { region: region_id, period, previous, value, before, row } = *at;
    let region = catalog.region(region_id);
    let region_zh = region.map_or_else(|| region_id.to_string(), |r| r.name_zh.clone());
    let region_en = region.map_or_else(|| region_id.to_string(), |r| r.name_en.clone());
    let n = |v: Decimal| format_decimal(v, indicator.decimals);
    let builder = Problem::warning(ProblemCode::SuspiciousChange);
    let builder = match row {
        Some(row) => builder.row(row),
        None => builder,
    };
    let builder = builder.cell(&n(value));
    if indicator.measure == MeasureKind::Stock {
        // A share, so floats are fine here; the figures shown stay exact.
        let drop = (before.to_f64() - value.to_f64()) / before.to_f64() * 100.0;
        builder.say(
            format!(
                "{region_zh}“{}”{}为{}，比{}的{}下降{}%。请确认数据无误。",
                indicator.name_zh,
                period.label_zh(),
                n(value),
                previous.label_zh(),
                n(before),
                format_number(drop, 1)
            ),
            format!(
                "{} for {region_en} is {} in {}, {}% below {} in {}. Please confirm the figure.",
                indicator.name_en,
                n(value),
                period.label_en(),
                format_number(drop, 1),
                n(before),
                previous.label_en()
            ),
        )
    } else {
        builder.say(
            format!("{region_zh}“{}”是1月起的累计数，{}为{}，却小于{}的{}。请确认是否填成了当期数。", indicator.name_zh, period.label_zh(), n(value), previous.label_zh(), n(before)),
            format!("{} is reported year to date, but {region_en}'s {} value {} is below {} in {}. Check that it is not the quarter's own value.", indicator.name_en, period.label_en(), n(value), n(before), previous.label_en()),
        )
    }
}

/// What a commit touched, as a reader sees it: the series written, plus every series computed
/// from them. A district's value of an additive indicator also moves the city (its sum of
/// districts), and a part of a derived indicator moves the derived one. Widgets refetch exactly
/// what a commit's event names, so this rule decides what repaints live.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Touched {
    /// Indicator ids, written or derived from written ones.
    pub indicators: BTreeSet<String>,
    /// Region codes, written, with the city when a district's additive value was written.
    pub regions: BTreeSet<String>,
    /// Canonical periods written.
    pub periods: BTreeSet<String>,
}

impl Touched {
    /// Nothing touched yet.
    pub fn new() -> Touched {
        Touched::default()
    }

    /// Records one written value.
    pub fn add(&mut self, catalog: &Catalog, indicator: &str, region: &str, period: &str) {
        let additive = catalog.indicator(indicator).is_some_and(|i| i.additive);
        if additive && catalog.region(region).is_some_and(|r| r.is_district()) {
            self.regions.insert(catalog.city().code.to_string());
        }
        if !self.indicators.contains(indicator) {
            self.indicators.insert(indicator.to_owned());
            for derived in catalog.indicators() {
                if let Some(d) = &derived.derived
                    && (*d.numerator == *indicator || *d.denominator == *indicator)
                {
                    self.indicators.insert(derived.id.to_string());
                }
            }
        }
        if !self.regions.contains(region) {
            self.regions.insert(region.to_owned());
        }
        if !self.periods.contains(period) {
            self.periods.insert(period.to_owned());
        }
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.indicators.is_empty() && self.regions.is_empty() && self.periods.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::period::Period;

    fn obs(indicator: &str, region: &str, period: &str, value: f64, row: u32) -> crate::observation::Observation {
        crate::observation::Observation {
            indicator: Arc::from(indicator),
            region: Arc::from(region),
            period: Period::parse(period).unwrap(),
            value: value.into(),
            note: None,
            row: Some(row),
        }
    }

    fn compared(catalog: &Catalog, upload: &Observations, current: &Dataset) -> (Changes, Vec<Problem>) {
        let mut report = Report::default();
        let changes = compare(catalog, upload, current, &mut report);
        (changes, report.problems)
    }

    #[test]
    fn a_district_value_touches_the_city_and_the_derived_indicators() {
        let catalog = Catalog::builtin();
        let derived = catalog.indicators().iter().find_map(|i| i.derived.as_ref().map(|d| (i.id.to_string(), d.numerator.to_string())));
        let (derived, part) = derived.expect("the catalogue has a derived indicator");
        let mut touched = Touched::new();
        touched.add(catalog, &part, "500118", "2025Q3");
        assert!(touched.indicators.contains(&derived), "{touched:?}");
        assert!(touched.regions.contains("500118"));
        assert!(touched.regions.contains("500000"), "a district's additive value moves the city");
        assert_eq!(touched.periods.iter().collect::<Vec<_>>(), ["2025Q3"]);

        let mut zone = Touched::new();
        zone.add(catalog, "tech_smes", "两江新区", "2025Q3");
        assert!(!zone.regions.contains("500000"), "functional zones are never summed into the city: {zone:?}");
    }

    #[test]
    fn sorts_new_revised_and_unchanged() {
        let catalog = Catalog::builtin();
        let mut current = Dataset::new();
        current.insert(Arc::from("tech_smes"), Arc::from("500118"), Period::Quarter(2025, 2), 1_742.0);
        current.insert(Arc::from("tech_smes"), Arc::from("500116"), Period::Quarter(2025, 2), 1_500.0);
        let upload = Observations::from(vec![
            obs("tech_smes", "500118", "2025Q2", 1_742.0, 2),
            obs("tech_smes", "500116", "2025Q2", 1_510.0, 3),
            obs("tech_smes", "500118", "2025Q3", 1_753.0, 4),
        ]);
        let (changes, warnings) = compared(catalog, &upload, &current);
        assert_eq!(changes.unchanged_count(), 1);
        assert_eq!(changes.of_kind(Change::Revised).collect::<Vec<_>>(), [1]);
        assert_eq!(changes.of_kind(Change::New).collect::<Vec<_>>(), [2]);
        assert_eq!(changes.written().collect::<Vec<_>>(), [1, 2]);
        assert_eq!((changes.new_count(), changes.revised_count(), changes.written_count()), (1, 1, 2));
        assert!(warnings.is_empty());
    }

    #[test]
    fn warns_when_a_stock_falls_by_more_than_thirty_percent() {
        let catalog = Catalog::builtin();
        let mut current = Dataset::new();
        current.insert(Arc::from("tech_smes"), Arc::from("500118"), Period::Quarter(2025, 2), 1_742.0);
        let (_, warnings) = compared(catalog, &Observations::from(vec![obs("tech_smes", "500118", "2025Q3", 1_000.0, 7)]), &current);
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].code, ProblemCode::SuspiciousChange);
        assert_eq!(warnings[0].row, Some(7));
        assert!(warnings[0].message.zh.contains("下降42.6%"), "{}", warnings[0].message.zh);
        let (_, fine) = compared(catalog, &Observations::from(vec![obs("tech_smes", "500118", "2025Q3", 1_300.0, 7)]), &current);
        assert!(fine.is_empty(), "a 25 % fall is not flagged");
    }

    #[test]
    fn warns_when_a_year_to_date_flow_falls_within_the_year() {
        let catalog = Catalog::builtin();
        let upload = Observations::from(vec![
            obs("rd_expenditure", "500118", "2025Q3", 6.5, 3),
            obs("rd_expenditure", "500118", "2026Q1", 3.0, 4),
            // Later in the file, earlier in time: the drop at row 3 is still seen.
            obs("rd_expenditure", "500118", "2025Q2", 12.0, 2),
        ]);
        let (_, warnings) = compared(catalog, &upload, &Dataset::new());
        assert_eq!(warnings.len(), 1, "only Q3 < Q2 of the same year");
        assert_eq!(warnings[0].row, Some(3));
    }
}
