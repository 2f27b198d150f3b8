//! The read model: what the API serves and the widgets draw, computed from a [`Dataset`] by
//! the model so that no handler or widget does maths of its own. Each function returns wire
//! types ready to serialise.

use crate::catalog::Catalog;
use crate::dataset::{Dataset, Series};
use crate::indicator::Indicator;
use crate::period::Period;
use crate::progress::{Progress, choose_target, progress, target_key, trend};
use crate::region::Region;
pub use crate::wire::{LatestValue, RankEntry, RankMeasure, Ranking, SeriesView, SnapshotView};
use crate::wire::{PointWire, ProgressWire, SeriesWire};

/// Progress summaries of one series: one per applicable target, or the trend without one;
/// judged at `until` (later values left out) or at the latest value.
pub fn progress_of(catalog: &Catalog, dataset: &Dataset, indicator: &Indicator, region: &Region, until: Option<Period>) -> Vec<Progress> {
    let series = dataset.series(catalog, &indicator.id, &region.code);
    let series = match until {
        Some(period) => series.until(period),
        None => series,
    };
    progress_of_series(catalog, indicator, region, &series)
}

/// [`progress_of`] for a series already computed.
fn progress_of_series(catalog: &Catalog, indicator: &Indicator, region: &Region, series: &Series) -> Vec<Progress> {
    let targets: Vec<_> = catalog.targets_for(&indicator.id, &region.code).collect();
    if targets.is_empty() { vec![trend(indicator, series)] } else { targets.into_iter().map(|t| progress(indicator, t, series)).collect() }
}

/// The series of an indicator in a region, with its progress; with `until`, as it stood at
/// that period (later values left out).
pub fn series_view(catalog: &Catalog, dataset: &Dataset, indicator: &Indicator, region: &Region, until: Option<Period>) -> SeriesView {
    let series = dataset.series(catalog, &indicator.id, &region.code);
    let series = match until {
        Some(period) => series.until(period),
        None => series,
    };
    // The series is computed once for the points and the progress (a city's derived share sums
    // every district twice over).
    let progress = progress_of_series(catalog, indicator, region, &series).iter().map(|p| ProgressWire::new(catalog, p)).collect();
    SeriesView { series: SeriesWire::from(&series), progress }
}

/// Ranks the 38 districts on an indicator at a period (default: the latest period any
/// district has).
pub fn ranking(catalog: &Catalog, dataset: &Dataset, indicator: &Indicator, period: Option<Period>, measure: RankMeasure) -> Ranking {
    let series: Vec<(&Region, Series)> = catalog.districts().map(|d| (d, dataset.series(catalog, &indicator.id, &d.code))).collect();
    let period = period.or_else(|| series.iter().filter_map(|(_, s)| s.latest().map(|p| p.period)).max());
    let mut threshold = None;
    let mut entries: Vec<RankEntry> = series
        .iter()
        .map(|(region, s)| {
            let at = period.and_then(|p| s.at(p)).copied();
            let summaries = progress_of(catalog, dataset, indicator, region, period);
            let current = choose_target(&summaries, None, target_key);
            let status = current.map_or("not_available", |p| p.status.as_str()).to_owned();
            let figure = match (measure, at) {
                (_, None) => None,
                (RankMeasure::Value, Some(point)) => Some(point.value),
                (RankMeasure::Growth, Some(point)) => {
                    s.at(point.period.year_earlier()).filter(|prev| prev.value != 0.0).map(|prev| point.value / prev.value - 1.0)
                }
                (RankMeasure::Achievement, Some(_)) => current.filter(|p| p.target.is_some()).and_then(|p| p.achievement),
            };
            RankEntry {
                rank: None,
                region: region.code.to_string(),
                name_zh: region.name_zh.clone(),
                name_en: region.name_en.clone(),
                figure,
                value: at.as_ref().map(PointWire::from),
                status,
            }
        })
        .collect();
    if measure == RankMeasure::Achievement {
        threshold = Some(1.0);
    }
    if measure == RankMeasure::Growth
        && let Some(target) =
            catalog.targets().iter().find(|t| t.indicator == indicator.id && matches!(t.rule, crate::target::Rule::Growth { .. }))
        && let crate::target::Rule::Growth { bound, .. } = target.rule
    {
        threshold = Some(bound.level(indicator.direction) / 100.0);
    }
    let d = indicator.direction.sign();
    entries.sort_by(|a, b| match (a.figure, b.figure) {
        (Some(x), Some(y)) => (d * y).total_cmp(&(d * x)).then_with(|| a.region.cmp(&b.region)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.region.cmp(&b.region),
    });
    let mut rank = 0;
    let mut previous: Option<f64> = None;
    for (i, entry) in entries.iter_mut().enumerate() {
        if let Some(figure) = entry.figure {
            // Ties share a rank (1, 2, 2, 4).
            if previous != Some(figure) {
                rank = i + 1;
            }
            previous = Some(figure);
            entry.rank = Some(rank);
        }
    }
    Ranking { indicator: indicator.id.to_string(), period: period.map(|p| p.to_string()), measure, threshold, entries }
}

/// The dashboard snapshot.
pub fn snapshot(catalog: &Catalog, dataset: &Dataset) -> SnapshotView {
    let mut progress_list = Vec::new();
    for target in catalog.targets() {
        let Some(indicator) = catalog.indicator(&target.indicator) else { continue };
        for region in &target.regions {
            let series = dataset.series(catalog, &indicator.id, region);
            progress_list.push(ProgressWire::new(catalog, &progress(indicator, target, &series)));
        }
    }
    let mut latest = Vec::new();
    for indicator in catalog.indicators() {
        for region in catalog.regions() {
            if let Some(point) = dataset.series(catalog, &indicator.id, &region.code).latest() {
                latest.push(LatestValue {
                    indicator: indicator.id.to_string(),
                    region: region.code.to_string(),
                    point: PointWire::from(point),
                });
            }
        }
    }
    SnapshotView { progress: progress_list, latest }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn dataset() -> Dataset {
        let catalog = Catalog::builtin();
        let mut dataset = Dataset::new();
        for (i, d) in catalog.districts().enumerate() {
            let v = 100.0 + i as f64;
            dataset.insert(Arc::from("rd_expenditure"), d.code.clone(), Period::Quarter(2024, 3), v);
            dataset.insert(Arc::from("rd_expenditure"), d.code.clone(), Period::Quarter(2025, 3), if i == 3 { v * 1.2 } else { v * 1.05 });
        }
        dataset
    }

    #[test]
    fn ranks_districts_by_growth_with_the_threshold() {
        let catalog = Catalog::builtin();
        let indicator = catalog.indicator("rd_expenditure").unwrap();
        let ranking = ranking(catalog, &dataset(), indicator, None, RankMeasure::Growth);
        assert_eq!(ranking.period.as_deref(), Some("2025Q3"));
        assert_eq!(ranking.entries.len(), 38);
        assert_eq!(ranking.entries[0].region, catalog.districts().nth(3).unwrap().code.to_string());
        assert_eq!(ranking.entries[0].rank, Some(1));
        assert_eq!(ranking.entries[1].rank, Some(2));
        assert_eq!(ranking.entries[2].rank, Some(2), "equal growth shares a rank");
        assert_eq!(ranking.threshold, Some(0.1));
    }

    #[test]
    fn ranks_by_value_and_puts_missing_last() {
        let catalog = Catalog::builtin();
        let indicator = catalog.indicator("rd_expenditure").unwrap();
        let mut data = dataset();
        data.insert(Arc::from("rd_expenditure"), Arc::from("500101"), Period::Quarter(2025, 3), 10_000.0);
        let ranking = ranking(catalog, &data, indicator, Some(Period::Quarter(2025, 3)), RankMeasure::Value);
        assert_eq!(ranking.entries[0].region, "500101");
        let empty = super::ranking(catalog, &Dataset::new(), indicator, None, RankMeasure::Value);
        assert!(empty.entries.iter().all(|e| e.rank.is_none()));
    }

    #[test]
    fn the_snapshot_covers_every_target_region() {
        let catalog = Catalog::builtin();
        let view = snapshot(catalog, &dataset());
        let expected: usize = catalog.targets().iter().map(|t| t.regions.len()).sum();
        assert_eq!(view.progress.len(), expected);
        assert!(view.latest.iter().any(|l| l.indicator == "rd_expenditure" && l.region == "500000"), "the city sum is a latest value too");
    }
}
