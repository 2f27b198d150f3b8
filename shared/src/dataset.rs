//! A set of current values and the series computed from it.
//!
//! This is where two rules of the model live:
//!
//! * **Derived indicators are computed from their parts, never summed.** The city's
//!   high-tech-zone share is the city's zone output ÷ the city's industrial output, not the
//!   sum or mean of district shares.
//! * **City values of additive indicators are the sum of the districts when not uploaded
//!   directly** (only at periods where all districts have a value, so a partial sum never
//!   passes for a total). A city value that *was* uploaded stays as stated, and
//!   [`check_totals`] reports where it disagrees with the districts.
//!
//! Functional zones overlap districts and are never part of any sum.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::decimal::{Decimal, WideDecimals};
use crate::indicator::Indicator;
use crate::observation::Observation;
use crate::period::Period;

/// How a point of a series came about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// Uploaded as such.
    Reported,
    /// The sum of all districts (city, additive indicator, no reported city value).
    SumOfDistricts,
    /// Computed from the parts of a derived indicator.
    Derived,
}

impl Origin {
    /// `reported`, `sum_of_districts` or `derived`.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Reported => "reported",
            Origin::SumOfDistricts => "sum_of_districts",
            Origin::Derived => "derived",
        }
    }
}

/// One value of a series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Period.
    pub period: Period,
    /// The value in the indicator's unit, as a float for the progress maths and for drawing.
    pub value: f64,
    /// The value as published, exactly, at the indicator's decimals: the reported value (padded,
    /// or rounded half away from zero if it was reported with more digits), the exact sum of the
    /// districts, or the derived ratio rounded once. What is printed and exported.
    pub exact: Decimal,
    /// Where it comes from.
    pub origin: Origin,
}

/// The values of one indicator in one region, in time order, one per point in time.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Indicator id.
    pub indicator: Arc<str>,
    /// Region code.
    pub region: Arc<str>,
    /// Points in chronological order.
    pub points: Vec<Point>,
}

impl Series {
    /// A series from points in any order; later duplicates of a point in time win.
    pub fn new(indicator: Arc<str>, region: Arc<str>, points: impl IntoIterator<Item = Point>) -> Series {
        let by_month: BTreeMap<i32, Point> = points.into_iter().map(|p| (p.period.month_index(), p)).collect();
        Series { indicator, region, points: by_month.into_values().collect() }
    }

    /// The point at the same point in time as `period` (`2025` finds `2025Q4`).
    pub fn at(&self, period: Period) -> Option<&Point> {
        let month = period.month_index();
        self.points.binary_search_by_key(&month, |p| p.period.month_index()).ok().map(|i| &self.points[i])
    }

    /// The latest point.
    pub fn latest(&self) -> Option<&Point> {
        self.points.last()
    }

    /// The series without points after `period` (values as of an earlier date).
    pub fn until(&self, period: Period) -> Series {
        let last = period.month_index();
        Series {
            indicator: self.indicator.clone(),
            region: self.region.clone(),
            points: self.points.iter().copied().filter(|p| p.period.month_index() <= last).collect(),
        }
    }
}

/// The values of one indicator in one region, in time order, one per [`Period::month_index`]:
/// a sorted vector, 24 bytes a value (the digits inline when they fit an `i64`, as every real
/// value's do; wider ones beside). A `BTreeMap` of `Decimal`s took about 150 (its nodes, half
/// full, and their allocations): a million values held 150 MB where they now hold 24
/// (BENCHMARKS.md). Values mostly arrive in time order, so an insert is mostly a push.
#[derive(Clone, Debug, Default)]
struct ValuesByMonth {
    entries: Vec<MonthValue>,
    wide: WideDecimals,
}

/// 8 + 8 + 4 + 1 bytes: 24 with alignment.
#[derive(Clone, Copy, Debug, PartialEq)]
struct MonthValue {
    /// The value's digits and scale, packed by [`WideDecimals`].
    mantissa: i64,
    period: Period,
    month: i32,
    scale: u8,
}

impl PartialEq for ValuesByMonth {
    /// The same values at the same points in time (not the same layout: `wide` may keep values
    /// replaced since).
    fn eq(&self, other: &ValuesByMonth) -> bool {
        self.iter().eq(other.iter())
    }
}

impl ValuesByMonth {
    fn find(&self, month: i32) -> Result<usize, usize> {
        // The latest first: appending in time order is the common case.
        match self.entries.last() {
            Some(last) if last.month < month => Err(self.entries.len()),
            _ => self.entries.binary_search_by_key(&month, |e| e.month),
        }
    }

    fn value_of(&self, entry: &MonthValue) -> Decimal {
        self.wide.unpack(entry.mantissa, entry.scale)
    }

    fn get(&self, month: i32) -> Option<(Period, Decimal)> {
        self.find(month).ok().map(|i| (self.entries[i].period, self.value_of(&self.entries[i])))
    }

    fn contains(&self, month: i32) -> bool {
        self.find(month).is_ok()
    }

    fn insert(&mut self, month: i32, (period, value): (Period, Decimal)) {
        let (mantissa, scale) = self.wide.pack(value);
        let entry = MonthValue { mantissa, period, month, scale };
        match self.find(month) {
            Ok(i) => self.entries[i] = entry,
            Err(i) => self.entries.insert(i, entry),
        }
    }

    fn remove(&mut self, month: i32) {
        if let Ok(i) = self.find(month) {
            self.entries.remove(i);
        }
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `(month, (period, value))` in time order.
    fn iter(&self) -> impl Iterator<Item = (i32, (Period, Decimal))> + '_ {
        self.entries.iter().map(|e| (e.month, (e.period, self.value_of(e))))
    }

    fn values(&self) -> impl Iterator<Item = (Period, Decimal)> + '_ {
        self.entries.iter().map(|e| (e.period, self.value_of(e)))
    }
}

/// Current values by indicator, region and point in time.
///
/// Cloning is cheap: each series sits behind an `Arc` and is copied only when a clone inserts
/// into it, so a server that applies a one-value upload to a snapshot of a million values copies
/// one series, not the million.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dataset {
    values: BTreeMap<Arc<str>, BTreeMap<Arc<str>, Arc<ValuesByMonth>>>,
}

impl Dataset {
    /// An empty dataset.
    pub fn new() -> Dataset {
        Dataset::default()
    }

    /// A dataset holding these observations (later ones replace earlier ones for the same key).
    pub fn from_observations(observations: impl IntoIterator<Item = impl std::borrow::Borrow<Observation>>) -> Dataset {
        let mut dataset = Dataset::new();
        for o in observations {
            let o = o.borrow();
            dataset.insert(o.indicator.clone(), o.region.clone(), o.period, o.value);
        }
        dataset
    }

    /// Sets a value, replacing any value at the same point in time.
    pub fn insert(&mut self, indicator: Arc<str>, region: Arc<str>, period: Period, value: impl Into<Decimal>) {
        let value = value.into();
        Arc::make_mut(self.values.entry(indicator).or_default().entry(region).or_default()).insert(period.month_index(), (period, value));
    }

    /// Sets several values of one series, as [`Dataset::insert`] would one by one, making room
    /// for a long run at once: a series built from a large upload then holds no spare room
    /// (growing by doubling left a third of a million-value snapshot empty, BENCHMARKS.md).
    pub fn insert_run(&mut self, indicator: Arc<str>, region: Arc<str>, values: &[(Period, Decimal)]) {
        /// Shorter runs grow as usual: reserving exactly for each of many short runs would copy
        /// the series every time.
        const LONG_RUN: usize = 64;
        if values.is_empty() {
            return;
        }
        let series = Arc::make_mut(self.values.entry(indicator).or_default().entry(region).or_default());
        if values.len() >= LONG_RUN && values.len() > series.entries.capacity() - series.entries.len() {
            series.entries.reserve_exact(values.len());
        }
        for &(period, value) in values {
            series.insert(period.month_index(), (period, value));
        }
    }

    /// Gives back the room series keep for values to come: after loading or applying many
    /// values, a third of the memory can be room. Series shared with other snapshots have none
    /// (they were shrunk before they were shared) and are left alone.
    pub fn shrink_to_fit(&mut self) {
        for regions in self.values.values_mut() {
            for series in regions.values_mut() {
                if series.entries.capacity() > series.entries.len() {
                    Arc::make_mut(series).entries.shrink_to_fit();
                }
            }
        }
    }

    /// Removes the value at `period`'s point in time (a withdrawn value), if there is one.
    pub fn remove(&mut self, indicator: &str, region: &str, period: Period) {
        let Some(regions) = self.values.get_mut(indicator) else { return };
        let Some(series) = regions.get_mut(region) else { return };
        if series.contains(period.month_index()) {
            Arc::make_mut(series).remove(period.month_index());
            if series.is_empty() {
                regions.remove(region);
                if regions.is_empty() {
                    self.values.remove(indicator);
                }
            }
        }
    }

    /// Every period at which some value is held, in time order (one per point in time).
    pub fn periods(&self) -> Vec<Period> {
        let mut by_month: BTreeMap<i32, Period> = BTreeMap::new();
        for regions in self.values.values() {
            for series in regions.values() {
                for (month, (period, _)) in series.iter() {
                    by_month.entry(month).or_insert(period);
                }
            }
        }
        by_month.into_values().collect()
    }

    /// Number of values held.
    pub fn len(&self) -> usize {
        self.values.values().flat_map(BTreeMap::values).map(|series| series.len()).sum()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether any value of the indicator (by id) is held.
    pub fn has_values_of(&self, indicator: &str) -> bool {
        self.values.get(indicator).is_some_and(|regions| regions.values().any(|series| !series.is_empty()))
    }

    /// Whether any value of the region (by code) is held.
    pub fn has_values_in(&self, region: &str) -> bool {
        self.values.values().any(|regions| regions.get(region).is_some_and(|series| !series.is_empty()))
    }

    /// The uploaded value at a point in time.
    pub fn reported(&self, indicator: &str, region: &str, period: Period) -> Option<Decimal> {
        self.reported_series(indicator, region)?.get(period.month_index()).map(|(_, v)| v)
    }

    fn reported_series(&self, indicator: &str, region: &str) -> Option<&ValuesByMonth> {
        self.values.get(indicator)?.get(region).map(Arc::as_ref)
    }

    /// The series of an indicator in a region, with derived values computed from their parts
    /// and city values of additive indicators summed from the districts where not reported.
    /// Unknown indicators give an empty series.
    pub fn series(&self, catalog: &Catalog, indicator: &str, region: &str) -> Series {
        let indicator_id: Arc<str> = catalog.indicator(indicator).map_or_else(|| Arc::from(indicator), |i| i.id.clone());
        let region_id: Arc<str> = catalog.region(region).map_or_else(|| Arc::from(region), |r| r.code.clone());
        let Some(definition) = catalog.indicator(indicator) else {
            return Series { indicator: indicator_id, region: region_id, points: Vec::new() };
        };
        let points: Vec<Point> = match &definition.derived {
            Some(derivation) => {
                let numerator = self.series(catalog, &derivation.numerator, region);
                let denominator = self.series(catalog, &derivation.denominator, region);
                numerator
                    .points
                    .iter()
                    .filter_map(|n| {
                        let d = denominator.at(n.period)?;
                        // Rounded once, to the published decimals; a zero denominator has no
                        // share (skipped rather than stored as ∞).
                        let exact = Decimal::ratio(n.exact, d.exact, Decimal::from_f64(derivation.factor)?, definition.decimals)?;
                        Some(Point {
                            period: if n.period.granularity() <= d.period.granularity() { d.period } else { n.period },
                            // Unrounded for the progress maths.
                            value: n.value / d.value * derivation.factor,
                            exact,
                            origin: Origin::Derived,
                        })
                    })
                    .collect()
            }
            None => {
                // Published at the indicator's decimals: `19.00` stays `19.00`, `19.1` is
                // `19.10`, and a value reported with more digits is rounded half away from zero.
                let decimals = definition.decimals;
                self.plain_points(catalog, definition, &region_id)
                    .into_iter()
                    .map(|p| Point { exact: p.exact.rounded(decimals), ..p })
                    .collect()
            }
        };
        Series::new(indicator_id, region_id, points)
    }

    fn plain_points(&self, catalog: &Catalog, indicator: &Indicator, region: &str) -> Vec<Point> {
        let reported = self.reported_series(&indicator.id, region);
        let mut points: BTreeMap<i32, Point> = reported
            .into_iter()
            .flat_map(ValuesByMonth::iter)
            .map(|(m, (period, exact))| (m, Point { period, value: exact.to_f64(), exact, origin: Origin::Reported }))
            .collect();
        let is_city = catalog.region(region).is_some_and(|r| r.is_city());
        if is_city && indicator.additive {
            for (month, (period, sum)) in self.district_sums(catalog, &indicator.id) {
                points.entry(month).or_insert(Point { period, value: sum.to_f64(), exact: sum, origin: Origin::SumOfDistricts });
            }
        }
        points.into_values().collect()
    }

    /// Exact sums of all districts at each point in time where every district has a value.
    fn district_sums(&self, catalog: &Catalog, indicator: &str) -> BTreeMap<i32, (Period, Decimal)> {
        let mut sums: BTreeMap<i32, (Period, Option<Decimal>, usize)> = BTreeMap::new();
        for district in catalog.districts() {
            for (month, (period, value)) in self.reported_series(indicator, &district.code).into_iter().flat_map(ValuesByMonth::iter) {
                let entry = sums.entry(month).or_insert((period, Some(Decimal::ZERO), 0));
                entry.1 = entry.1.and_then(|sum| sum.checked_add(value));
                entry.2 += 1;
            }
        }
        let needed = catalog.district_count();
        sums.into_iter().filter(|(_, (_, _, n))| *n == needed).filter_map(|(m, (p, sum, _))| Some((m, (p, sum?)))).collect()
    }
}

/// A stated city total that differs from the sum of the districts.
#[derive(Clone, Debug, PartialEq)]
pub struct TotalMismatch {
    /// Indicator id.
    pub indicator: Arc<str>,
    /// Period of the city value.
    pub period: Period,
    /// The city value as uploaded.
    pub stated: Decimal,
    /// The exact sum of the districts.
    pub sum: Decimal,
}

/// Every point where an uploaded city value of an additive indicator disagrees with the sum
/// of all districts. Counts are whole numbers, so any difference is real; for decimals the
/// slack is half a unit of the last shown decimal per district (each was rounded on its own).
pub fn check_totals(catalog: &Catalog, dataset: &Dataset) -> Vec<TotalMismatch> {
    let mut totals = Totals::default();
    for indicator in catalog.indicators().iter().filter(|i| Totals::checks(i)) {
        let Some(regions) = dataset.values.get(&indicator.id) else { continue };
        for (code, series) in regions {
            let Some(region) = catalog.region(code) else { continue };
            for (period, value) in series.values() {
                totals.add(catalog, indicator, region, period, value);
            }
        }
    }
    totals.mismatches(catalog)
}

/// City values and district sums gathered one value at a time, for [`check_totals`] where the
/// values are not in a [`Dataset`]: an upload read row by row keeps no dataset of its million
/// values, only these sums (one per indicator and point in time).
#[derive(Clone, Debug, Default)]
pub struct Totals<'c> {
    /// Stated city values by indicator id and [`Period::month_index`].
    stated: crate::text::KeyMap<(&'c str, i32), (Period, Decimal)>,
    /// The exact sum of the districts (`None` past what a decimal holds) and how many there were.
    sums: crate::text::KeyMap<(&'c str, i32), (Option<Decimal>, usize)>,
}

impl<'c> Totals<'c> {
    /// Whether values of `indicator` are cross-checked: additive and uploaded.
    pub fn checks(indicator: &Indicator) -> bool {
        indicator.additive && indicator.derived.is_none()
    }

    /// Counts one value (each key once: later values do not replace earlier ones here).
    pub fn add(&mut self, catalog: &Catalog, indicator: &'c Indicator, region: &crate::region::Region, period: Period, value: Decimal) {
        if !Totals::checks(indicator) {
            return;
        }
        let key = (&*indicator.id, period.month_index());
        if region.code == catalog.city().code {
            self.stated.insert(key, (period, value));
        } else if region.is_district() {
            let entry = self.sums.entry(key).or_insert((Some(Decimal::ZERO), 0));
            entry.0 = entry.0.and_then(|sum| sum.checked_add(value));
            entry.1 += 1;
        }
    }

    /// Every stated city value that differs from the sum of all districts, by indicator in
    /// catalogue order, then in time order.
    pub fn mismatches(&self, catalog: &Catalog) -> Vec<TotalMismatch> {
        let needed = catalog.district_count();
        let mut mismatches = Vec::new();
        for indicator in catalog.indicators().iter().filter(|i| Totals::checks(i)) {
            // Counts add up exactly. Money and other decimals are rounded per district before
            // they are added, so the stated total may differ from the sum by up to half a unit
            // of the last published digit per district.
            let slack = if indicator.is_count() {
                Decimal::ZERO
            } else {
                Decimal::new(5 * needed as i128, indicator.decimals.saturating_add(1)).unwrap_or(Decimal::ZERO)
            };
            let mut stated: Vec<(i32, Period, Decimal)> = self
                .stated
                .iter()
                .filter(|((id, _), _)| **id == *indicator.id)
                .map(|(&(_, month), &(period, value))| (month, period, value))
                .collect();
            stated.sort_unstable_by_key(|&(month, _, _)| month);
            for (month, period, value) in stated {
                let Some(&(Some(sum), count)) = self.sums.get(&(&*indicator.id, month)) else { continue };
                if count == needed && value.checked_sub(sum).is_none_or(|d| d.max(Decimal::ZERO.checked_sub(d).unwrap_or(d)) > slack) {
                    mismatches.push(TotalMismatch { indicator: indicator.id.clone(), period, stated: value, sum });
                }
            }
        }
        mismatches
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_value_in_a_series_takes_24_bytes() {
        assert_eq!(size_of::<MonthValue>(), 24);
    }

    proptest! {
        /// A run applied at once gives the dataset that inserting its values one by one gives,
        /// and a long run leaves no spare room.
        #[test]
        fn a_run_is_inserted_as_its_values_one_by_one(before in proptest::collection::vec(0i32..300, 0..50), run in proptest::collection::vec((0i32..300, 0i64..1000), 0..200)) {
            let point = |month: i32, value: i64| (Period::Month(2000 + month / 12, u8::try_from(month % 12 + 1).unwrap()), Decimal::from(value as f64));
            let mut one_by_one = Dataset::new();
            for &month in &before {
                let (period, value) = point(month, 1);
                one_by_one.insert(Arc::from("tech_smes"), Arc::from("500118"), period, value);
            }
            let mut at_once = one_by_one.clone();
            let values: Vec<(Period, Decimal)> = run.iter().map(|&(m, v)| point(m, v)).collect();
            for &(period, value) in &values {
                one_by_one.insert(Arc::from("tech_smes"), Arc::from("500118"), period, value);
            }
            at_once.insert_run(Arc::from("tech_smes"), Arc::from("500118"), &values);
            prop_assert_eq!(&at_once, &one_by_one);
            if before.is_empty() && values.len() >= 64 {
                let series = at_once.reported_series("tech_smes", "500118").unwrap();
                prop_assert!(series.entries.capacity() <= values.len());
            }
        }

        /// Values too wide for 64 bits are kept exactly too.
        #[test]
        fn wide_values_are_kept_exactly(digits in any::<i128>(), scale in 0u8..=18) {
            let value = Decimal::new(digits, scale).unwrap();
            let mut series = ValuesByMonth::default();
            series.insert(5, (Period::Month(2000, 6), value));
            prop_assert_eq!(series.get(5), Some((Period::Month(2000, 6), value)));
            prop_assert_eq!(series.get(5).unwrap().1.scale(), scale);
        }

        /// The sorted vector behaves as the map it replaced, for any order of inserts and removals.
        #[test]
        fn values_by_month_behave_as_a_map(ops in proptest::collection::vec((0i32..40, any::<bool>(), 0i64..1000), 0..200)) {
            let mut vector = ValuesByMonth::default();
            let mut map: BTreeMap<i32, (Period, Decimal)> = BTreeMap::new();
            for (month, insert, value) in ops {
                let point = (Period::Month(2000 + month / 12, u8::try_from(month % 12 + 1).unwrap()), Decimal::from(value as f64));
                if insert {
                    vector.insert(month, point);
                    map.insert(month, point);
                } else {
                    vector.remove(month);
                    map.remove(&month);
                }
                prop_assert_eq!(vector.iter().collect::<Vec<_>>(), map.iter().map(|(&m, &p)| (m, p)).collect::<Vec<_>>());
                prop_assert_eq!(vector.get(month), map.get(&month).copied());
                prop_assert_eq!(vector.len(), map.len());
            }
        }
    }

    proptest! {
        #[test]
        fn district_sums_equal_the_city_for_additive_indicators(values in proptest::collection::vec(0u32..100_000, 38), zone in 0u32..100_000) {
            let catalog = Catalog::builtin();
            let period = Period::Quarter(2024, 2);
            for indicator in catalog.indicators().iter().filter(|i| i.additive) {
                let mut dataset = Dataset::new();
                for (district, value) in catalog.districts().zip(&values) {
                    dataset.insert(indicator.id.clone(), district.code.clone(), period, f64::from(*value));
                }
                dataset.insert(indicator.id.clone(), Arc::from("CQGXQ"), period, f64::from(zone));
                let city = dataset.series(catalog, &indicator.id, "500000");
                let sum: f64 = values.iter().map(|v| f64::from(*v)).sum();
                prop_assert_eq!(city.points.len(), 1);
                prop_assert_eq!(city.points[0].value, sum);
                prop_assert!(check_totals(catalog, &dataset).is_empty());
            }
        }

        #[test]
        fn decimal_district_values_sum_to_the_exact_total(mantissas in proptest::collection::vec(0i64..1_000_000_000, 38)) {
            // Values with the indicator's decimals (亿元 with two: 12.34), as floats would not add.
            let catalog = Catalog::builtin();
            let period = Period::Quarter(2024, 4);
            for indicator in catalog.indicators().iter().filter(|i| i.additive && i.derived.is_none()) {
                let mut dataset = Dataset::new();
                for (district, &m) in catalog.districts().zip(&mantissas) {
                    dataset.insert(indicator.id.clone(), district.code.clone(), period, Decimal::new(i128::from(m), indicator.decimals).unwrap());
                }
                let total = Decimal::new(mantissas.iter().map(|&m| i128::from(m)).sum(), indicator.decimals).unwrap();
                let city = dataset.series(catalog, &indicator.id, "500000");
                prop_assert!(city.points[0].exact.same_digits(total), "{} vs {}", city.points[0].exact, total);
                prop_assert_eq!(city.points[0].origin, Origin::SumOfDistricts);
            }
        }
    }

    #[test]
    fn a_changed_clone_leaves_the_original_as_it_was() {
        let (q2, q3) = (Period::Quarter(2025, 2), Period::Quarter(2025, 3));
        let mut original = Dataset::new();
        original.insert(Arc::from("tech_smes"), Arc::from("500118"), q2, 1.0);
        let mut changed = original.clone();
        changed.insert(Arc::from("tech_smes"), Arc::from("500118"), q2, 2.0);
        changed.insert(Arc::from("tech_smes"), Arc::from("500118"), q3, 3.0);
        changed.insert(Arc::from("tech_smes"), Arc::from("500101"), q2, 4.0);
        assert_eq!((original.len(), original.reported("tech_smes", "500118", q2)), (1, Some(1.0.into())));
        assert_eq!(original.reported("tech_smes", "500118", q3), None);
        assert_eq!((changed.len(), changed.reported("tech_smes", "500118", q2)), (3, Some(2.0.into())));
        assert_eq!(changed.reported("tech_smes", "500101", q2), Some(4.0.into()));
    }

    fn dataset_with_all_districts(indicator: &str, period: Period, each: f64) -> Dataset {
        let catalog = Catalog::builtin();
        let mut dataset = Dataset::new();
        for d in catalog.districts() {
            dataset.insert(Arc::from(indicator), d.code.clone(), period, each);
        }
        dataset
    }

    #[test]
    fn city_is_the_sum_of_districts_when_not_reported() {
        let catalog = Catalog::builtin();
        let q3 = Period::Quarter(2025, 3);
        let mut dataset = dataset_with_all_districts("tech_smes", q3, 1000.0);
        // A functional zone's value must not be added.
        dataset.insert(Arc::from("tech_smes"), Arc::from("LJXQ"), q3, 5000.0);
        let series = dataset.series(catalog, "tech_smes", "500000");
        assert_eq!(series.points.len(), 1);
        assert_eq!(series.points[0].value, 38_000.0);
        assert_eq!(series.points[0].origin, Origin::SumOfDistricts);
    }

    #[test]
    fn a_partial_sum_is_not_a_city_value() {
        let catalog = Catalog::builtin();
        let q3 = Period::Quarter(2025, 3);
        let mut dataset = Dataset::new();
        dataset.insert(Arc::from("tech_smes"), Arc::from("500118"), q3, 1000.0);
        assert!(dataset.series(catalog, "tech_smes", "500000").points.is_empty());
    }

    #[test]
    fn a_reported_city_value_wins_and_a_mismatch_is_reported() {
        let catalog = Catalog::builtin();
        let q3 = Period::Quarter(2025, 3);
        let mut dataset = dataset_with_all_districts("tech_smes", q3, 1000.0);
        dataset.insert(Arc::from("tech_smes"), Arc::from("500000"), q3, 38_001.0);
        let series = dataset.series(catalog, "tech_smes", "500000");
        assert_eq!(series.points[0].value, 38_001.0);
        assert_eq!(series.points[0].origin, Origin::Reported);
        let mismatches = check_totals(catalog, &dataset);
        assert_eq!(
            mismatches,
            vec![TotalMismatch { indicator: Arc::from("tech_smes"), period: q3, stated: 38_001.0.into(), sum: 38_000.0.into() }]
        );
    }

    #[test]
    fn derived_indicators_are_computed_from_their_parts_never_summed() {
        let catalog = Catalog::builtin();
        let year = Period::Year(2025);
        let mut dataset = Dataset::new();
        for (i, d) in catalog.districts().enumerate() {
            // Only the first district has a high-tech zone: its own share is 50 %.
            let (zone, output) = if i == 0 { (50.0, 100.0) } else { (0.0, 200.0) };
            dataset.insert(Arc::from("hitech_zone_industrial_output"), d.code.clone(), year, zone);
            dataset.insert(Arc::from("industrial_output"), d.code.clone(), year, output);
        }
        let city = dataset.series(catalog, "hitech_zone_output_share", "500000");
        // 50 ÷ 7,500 × 100 = 0.667 %, published with one decimal: 0.7 (exactly, rounded once);
        // not the sum (50) or the mean (1.3) of district shares.
        assert_eq!(city.points[0].exact.to_string(), "0.7");
        assert!((city.points[0].value - 50.0 / 7500.0 * 100.0).abs() < 1e-12, "unrounded for the progress maths");
        assert_eq!(city.points[0].origin, Origin::Derived);
        let first = catalog.districts().next().unwrap();
        assert_eq!(dataset.series(catalog, "hitech_zone_output_share", &first.code).points[0].value, 50.0);
    }
}
