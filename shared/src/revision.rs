//! What an upload would change against the values already known, and the plausibility
//! warnings that need that history: a stock falling more than 30 % from the previous quarter,
//! or a year-to-date flow going down within a year. Pure: the caller passes the current values
//! (from its store) as a [`Dataset`].

use std::collections::BTreeSet;

use crate::catalog::Catalog;
use crate::contract::{Problem, ProblemCode};
use crate::dataset::Dataset;
use crate::decimal::Decimal;
use crate::format::{format_decimal, format_number};
use crate::indicator::MeasureKind;
use crate::observation::Observation;

/// A stock falling by more than this share from the previous period is worth a second look.
pub const SUSPICIOUS_DROP: f64 = 0.30;

/// A value the upload changes.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    /// The new value.
    pub observation: Observation,
    /// The value it replaces.
    pub old: Decimal,
}

/// The effect of an upload: new values, revised values (old → new) and unchanged ones.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    /// Values not known before.
    pub new: Vec<Observation>,
    /// Values that replace a different earlier value.
    pub revised: Vec<Revision>,
    /// Values equal to what is already known (no revision is recorded for them).
    pub unchanged: Vec<Observation>,
}

/// Sorts `observations` into new, revised and unchanged against `current`, and warns about
/// implausible movements against the history (including earlier rows of the same upload).
pub fn compare(catalog: &Catalog, observations: &[Observation], current: &Dataset) -> (Changes, Vec<Problem>) {
    let mut changes = Changes::default();
    let mut after = current.clone();
    for o in observations {
        after.insert(o.indicator.clone(), o.region.clone(), o.period, o.value);
        match current.reported(&o.indicator, &o.region, o.period) {
            None => changes.new.push(o.clone()),
            Some(old) if old == o.value => changes.unchanged.push(o.clone()),
            Some(old) => changes.revised.push(Revision { observation: o.clone(), old }),
        }
    }
    let mut warnings = Vec::new();
    for o in observations {
        let Some(indicator) = catalog.indicator(&o.indicator) else { continue };
        let region = catalog.region(&o.region).map_or_else(|| o.region.to_string(), |r| r.name_zh.clone());
        let region_en = catalog.region(&o.region).map_or_else(|| o.region.to_string(), |r| r.name_en.clone());
        let n = |v: Decimal| format_decimal(v, indicator.decimals);
        let at = |code| {
            let builder = Problem::warning(code);
            match o.row {
                Some(row) => builder.row(row),
                None => builder,
            }
        };
        match indicator.measure {
            MeasureKind::Stock => {
                let previous = o.period.prev();
                // A share, so floats are fine here; the figures shown stay exact.
                if let Some(before) = after.reported(&o.indicator, &o.region, previous)
                    && before > Decimal::ZERO
                    && (before.to_f64() - o.value.to_f64()) / before.to_f64() > SUSPICIOUS_DROP
                {
                    let drop = (before.to_f64() - o.value.to_f64()) / before.to_f64() * 100.0;
                    warnings.push(at(ProblemCode::SuspiciousChange).cell(&n(o.value)).say(
                        format!(
                            "{region}“{}”{}为{}，比{}的{}下降{}%。请确认数据无误。",
                            indicator.name_zh,
                            o.period.label_zh(),
                            n(o.value),
                            previous.label_zh(),
                            n(before),
                            format_number(drop, 1)
                        ),
                        format!(
                            "{} for {region_en} is {} in {}, {}% below {} in {}. Please confirm the figure.",
                            indicator.name_en,
                            n(o.value),
                            o.period.label_en(),
                            format_number(drop, 1),
                            n(before),
                            previous.label_en()
                        ),
                    ));
                }
            }
            MeasureKind::Flow => {
                // Year-to-date values cannot fall within a year (January starts afresh).
                let previous = o.period.prev();
                if previous.year() == o.period.year()
                    && let Some(before) = after.reported(&o.indicator, &o.region, previous)
                    && o.value < before
                {
                    warnings.push(at(ProblemCode::SuspiciousChange).cell(&n(o.value)).say(
                        format!("{region}“{}”是1月起的累计数，{}为{}，却小于{}的{}。请确认是否填成了当期数。", indicator.name_zh, o.period.label_zh(), n(o.value), previous.label_zh(), n(before)),
                        format!("{} is reported year to date, but {region_en}'s {} value {} is below {} in {}. Check that it is not the quarter's own value.", indicator.name_en, o.period.label_en(), n(o.value), n(before), previous.label_en()),
                    ));
                }
            }
            MeasureKind::Ratio => {}
        }
    }
    (changes, warnings)
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

    fn obs(indicator: &str, region: &str, period: &str, value: f64, row: u32) -> Observation {
        Observation {
            indicator: Arc::from(indicator),
            region: Arc::from(region),
            period: Period::parse(period).unwrap(),
            value: value.into(),
            note: None,
            row: Some(row),
        }
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
        let upload = [
            obs("tech_smes", "500118", "2025Q2", 1_742.0, 2),
            obs("tech_smes", "500116", "2025Q2", 1_510.0, 3),
            obs("tech_smes", "500118", "2025Q3", 1_753.0, 4),
        ];
        let (changes, warnings) = compare(catalog, &upload, &current);
        assert_eq!(changes.unchanged.len(), 1);
        assert_eq!(changes.revised, vec![Revision { observation: upload[1].clone(), old: 1_500.0.into() }]);
        assert_eq!(changes.new, vec![upload[2].clone()]);
        assert!(warnings.is_empty());
    }

    #[test]
    fn warns_when_a_stock_falls_by_more_than_thirty_percent() {
        let catalog = Catalog::builtin();
        let mut current = Dataset::new();
        current.insert(Arc::from("tech_smes"), Arc::from("500118"), Period::Quarter(2025, 2), 1_742.0);
        let (_, warnings) = compare(catalog, &[obs("tech_smes", "500118", "2025Q3", 1_000.0, 7)], &current);
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].code, ProblemCode::SuspiciousChange);
        assert_eq!(warnings[0].row, Some(7));
        assert!(warnings[0].message.zh.contains("下降42.6%"), "{}", warnings[0].message.zh);
        let (_, fine) = compare(catalog, &[obs("tech_smes", "500118", "2025Q3", 1_300.0, 7)], &current);
        assert!(fine.is_empty(), "a 25 % fall is not flagged");
    }

    #[test]
    fn warns_when_a_year_to_date_flow_falls_within_the_year() {
        let catalog = Catalog::builtin();
        let upload = [
            obs("rd_expenditure", "500118", "2025Q2", 12.0, 2),
            obs("rd_expenditure", "500118", "2025Q3", 6.5, 3),
            obs("rd_expenditure", "500118", "2026Q1", 3.0, 4),
        ];
        let (_, warnings) = compare(catalog, &upload, &Dataset::new());
        assert_eq!(warnings.len(), 1, "only Q3 < Q2 of the same year");
        assert_eq!(warnings[0].row, Some(3));
    }
}
