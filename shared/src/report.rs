//! The quarterly district evaluation report (seed 004, 八、(二十五): "定期发布区县科技创新评价报告")
//! as data: what the report says, computed once from a dataset at a data version, before any
//! page is laid out. The server renders it as HTML and as PDF; both show the same numbers
//! because both read this.
//!
//! A report for quarter `t` holds:
//!
//! - every city target of the current plan (2025 until its data are in), judged at `t`
//!   (progress never sees a later value);
//! - the evaluation at `t` ([`crate::evaluation::evaluate`], target-based scoring);
//! - every district's own targets, judged at `t`;
//! - **what changed since the last report** (the quarter before, `t − 1`, from the same data):
//!   districts whose tier changed, that moved three or more ranks, that became rated or stopped
//!   being rated, and city targets whose status changed; the largest moves first.
//!
//! Pure: a function of the catalogue, the dataset and the quarter.

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::dataset::Dataset;
use crate::evaluation::{self, Framework, Method, tier_label};
use crate::message::Lang;
use crate::period::Period;
use crate::views;
use crate::wire::{EvaluationWire, MessageWire, ProgressWire};

/// Rank moves at least this large are news.
pub const NOTABLE_RANK_MOVE: i64 = 3;

/// A report's content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportData {
    /// The quarter reported.
    pub period: String,
    /// The quarter it is compared with (the last report's).
    pub previous_period: String,
    /// The data version it was computed at (the last upload id).
    pub data_version: i64,
    /// The deadline year of the plan reported: the nearest with a city target still open at the
    /// quarter (2025 until its data are in, then the next plan's), or the last one.
    #[serde(default)]
    pub plan_year: Option<i32>,
    /// Every city target of that plan, judged at the quarter.
    pub city_targets: Vec<ProgressWire>,
    /// The evaluation.
    pub evaluation: EvaluationWire,
    /// Each district's targets, in the catalogue's order of districts.
    pub districts: Vec<DistrictTargets>,
    /// What changed since the last report, largest first.
    pub changes: Vec<Change>,
}

/// One district's targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DistrictTargets {
    /// Region code.
    pub region: String,
    /// Its targets, judged at the quarter.
    pub targets: Vec<ProgressWire>,
}

/// One thing that changed since the last report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A district changed tier (`to` < `from`: up).
    Tier {
        /// Region.
        region: String,
        /// 中文名.
        name_zh: String,
        /// English name.
        name_en: String,
        /// Tier before.
        from: u8,
        /// Tier now.
        to: u8,
    },
    /// A district moved [`NOTABLE_RANK_MOVE`] or more ranks.
    Rank {
        /// Region.
        region: String,
        /// 中文名.
        name_zh: String,
        /// English name.
        name_en: String,
        /// Rank before.
        from: usize,
        /// Rank now.
        to: usize,
    },
    /// A district became rated, or stopped being rated.
    Rated {
        /// Region.
        region: String,
        /// 中文名.
        name_zh: String,
        /// English name.
        name_en: String,
        /// Rated now.
        now: bool,
    },
    /// A city target's status changed.
    Status {
        /// Indicator.
        indicator: String,
        /// Its name.
        name_zh: String,
        /// Its English name.
        name_en: String,
        /// Status before (code).
        from: String,
        /// Status now (code).
        to: String,
        /// The words of the status now.
        to_label: MessageWire,
        /// The words of the status before.
        from_label: MessageWire,
    },
}

impl Change {
    /// The change in a sentence.
    pub fn words(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            Change::Tier { name_zh, name_en, from, to, .. } => {
                let (a, b) = (tier_label(*from), tier_label(*to));
                if zh {
                    format!("{name_zh}由{}{}至{}", a.zh, if to < from { "升" } else { "降" }, b.zh)
                } else {
                    format!("{name_en} moved {} from the {} to the {}", if to < from { "up" } else { "down" }, a.en, b.en)
                }
            }
            Change::Rank { name_zh, name_en, from, to, .. } => {
                if zh {
                    format!("{name_zh}由第{from}名{}至第{to}名", if to < from { "升" } else { "降" })
                } else {
                    format!("{name_en} moved {} from rank {from} to rank {to}", if to < from { "up" } else { "down" })
                }
            }
            Change::Rated { name_zh, name_en, now, .. } => match (zh, now) {
                (true, true) => format!("{name_zh}数据已齐，参加评价"),
                (true, false) => format!("{name_zh}数据不足，本期未参评"),
                (false, true) => format!("{name_en} now has the data to be rated"),
                (false, false) => format!("{name_en} lacks the data to be rated this quarter"),
            },
            Change::Status { name_zh, name_en, from_label, to_label, .. } => {
                if zh {
                    format!("{name_zh}：由“{}”变为“{}”", from_label.zh, to_label.zh)
                } else {
                    format!("{name_en}: from “{}” to “{}”", from_label.en, to_label.en)
                }
            }
        }
    }

    /// How large the change is, for the order (tiers and ratings first, then by ranks moved).
    fn weight(&self) -> i64 {
        match self {
            Change::Rated { .. } => 1000,
            Change::Tier { .. } => 900,
            Change::Status { .. } => 800,
            Change::Rank { from, to, .. } => i64::try_from(from.abs_diff(*to)).unwrap_or(i64::MAX),
        }
    }
}

/// The targets of a region judged at `period` (of one plan: deadline year `year`).
fn targets_at(catalog: &Catalog, dataset: &Dataset, region: &str, year: Option<i32>, period: Period) -> Vec<ProgressWire> {
    let Some(region) = catalog.region(region) else { return Vec::new() };
    catalog
        .targeted_indicators(&region.code, year)
        .into_iter()
        .flat_map(|indicator| views::progress_of(catalog, dataset, indicator, region, Some(period)))
        .filter(|p| p.target.is_some())
        .map(|p| ProgressWire::new(catalog, &p))
        .filter(|p| year.is_none_or(|y| crate::wire::in_plan(p, y)))
        .collect()
}

/// What changed between two evaluations and two sets of city targets.
pub fn changes(
    now: &EvaluationWire,
    before: &EvaluationWire,
    targets_now: &[ProgressWire],
    targets_before: &[ProgressWire],
    catalog: &Catalog,
) -> Vec<Change> {
    let mut found = Vec::new();
    for district in &now.districts {
        let Some(earlier) = before.districts.iter().find(|d| d.region == district.region) else { continue };
        let (region, name_zh, name_en) = (district.region.clone(), district.name_zh.clone(), district.name_en.clone());
        if district.rated != earlier.rated {
            found.push(Change::Rated { region, name_zh, name_en, now: district.rated });
            continue;
        }
        if let (Some(from), Some(to)) = (earlier.tier, district.tier)
            && from != to
        {
            found.push(Change::Tier { region: region.clone(), name_zh: name_zh.clone(), name_en: name_en.clone(), from, to });
        }
        if let (Some(from), Some(to)) = (earlier.rank, district.rank)
            && i64::try_from(from.abs_diff(to)).unwrap_or(i64::MAX) >= NOTABLE_RANK_MOVE
        {
            found.push(Change::Rank { region, name_zh, name_en, from, to });
        }
    }
    for target in targets_now {
        let Some(earlier) = targets_before.iter().find(|t| t.target == target.target && t.region == target.region) else { continue };
        if earlier.status != target.status {
            let (name_zh, name_en) = catalog
                .indicator(&target.indicator)
                .map_or_else(|| (target.indicator.clone(), target.indicator.clone()), |i| (i.name_zh.clone(), i.name_en.clone()));
            found.push(Change::Status {
                indicator: target.indicator.clone(),
                name_zh,
                name_en,
                from: earlier.status.clone(),
                to: target.status.clone(),
                from_label: earlier.status_label.clone(),
                to_label: target.status_label.clone(),
            });
        }
    }
    // Stable: equal weights keep the catalogue's order.
    found.sort_by_key(|c| std::cmp::Reverse(c.weight()));
    found
}

/// The report of `period` from `dataset` (at `data_version`).
pub fn build(catalog: &Catalog, dataset: &Dataset, framework: &Framework, period: Period, data_version: i64) -> ReportData {
    let previous = period.prev();
    let city = catalog.city().code.to_string();
    let evaluation = evaluation::evaluate(catalog, dataset, framework, period, Method::Target);
    let before = evaluation::evaluate(catalog, dataset, framework, previous, Method::Target);
    let plan_year = crate::wire::plans(&targets_at(catalog, dataset, &city, None, period)).1;
    let city_targets = targets_at(catalog, dataset, &city, plan_year, period);
    let city_before = targets_at(catalog, dataset, &city, plan_year, previous);
    let districts = catalog
        .districts()
        .map(|d| DistrictTargets { region: d.code.to_string(), targets: targets_at(catalog, dataset, &d.code, None, period) })
        .collect();
    let changes = changes(&evaluation, &before, &city_targets, &city_before, catalog);
    ReportData {
        period: period.to_string(),
        plan_year,
        previous_period: previous.to_string(),
        data_version,
        city_targets,
        evaluation,
        districts,
        changes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::EvaluationDistrictWire;

    fn district(region: &str, rank: Option<usize>, tier: Option<u8>) -> EvaluationDistrictWire {
        EvaluationDistrictWire {
            region: region.into(),
            name_zh: format!("区{region}"),
            name_en: format!("D{region}"),
            group_zh: None,
            rated: rank.is_some(),
            coverage: 1.0,
            index: rank.map(|r| 100.0 - r as f64),
            rank,
            rank_interval: rank.map(|r| [r, r]),
            rank_change: None,
            tier,
            performance: None,
            parts: Vec::new(),
            measures: Vec::new(),
            strengths: Vec::new(),
            weaknesses: Vec::new(),
            moved_by: Vec::new(),
        }
    }

    fn evaluation(districts: Vec<EvaluationDistrictWire>) -> EvaluationWire {
        let mut e =
            evaluation::evaluate(Catalog::builtin(), &Dataset::default(), Framework::builtin(), Period::Quarter(2025, 3), Method::Target);
        e.districts = districts;
        e
    }

    #[test]
    fn changes_name_tiers_ratings_and_large_moves_only() {
        let before = evaluation(vec![
            district("1", Some(1), Some(1)),
            district("2", Some(5), Some(1)),
            district("3", Some(9), Some(2)),
            district("4", None, None),
        ]);
        let now = evaluation(vec![
            district("1", Some(2), Some(1)),
            district("2", Some(9), Some(2)),
            district("3", Some(6), Some(2)),
            district("4", Some(7), Some(2)),
        ]);
        let found = changes(&now, &before, &[], &[], Catalog::builtin());
        let words: Vec<String> = found.iter().map(|c| c.words(Lang::Zh)).collect();
        assert_eq!(
            words,
            ["区4数据已齐，参加评价", "区2由第一梯队降至第二梯队", "区2由第5名降至第9名", "区3由第9名升至第6名"],
            "a move of one rank is not news"
        );
        assert_eq!(found[3].words(Lang::En), "D3 moved up from rank 9 to rank 6");
    }

    #[test]
    fn the_sample_report_covers_every_target_and_district() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sample/observations.csv");
        let text = std::fs::read_to_string(path).unwrap();
        let upload = crate::read_upload(Catalog::builtin(), text.as_bytes(), &crate::UploadOptions::default());
        let dataset = Dataset::from_observations(&upload.observations);
        let report = build(Catalog::builtin(), &dataset, Framework::builtin(), Period::Quarter(2025, 3), 1);
        assert_eq!(report.previous_period, "2025Q2");
        assert_eq!(report.districts.len(), 38);
        assert!(report.city_targets.len() >= 5, "every 2025 city target: {}", report.city_targets.len());
        assert!(report.city_targets.iter().all(|t| {
            t.latest.as_ref().is_none_or(|l| Period::parse(&l.period).unwrap().month_index() <= Period::Quarter(2025, 3).month_index())
        }));
        assert!(report.districts.iter().all(|d| !d.targets.is_empty()), "every district has its R&D growth target at least");
        assert_eq!(report.evaluation.period, "2025Q3");
        assert_eq!(report.plan_year, Some(2025));

        // With the next plan in the catalogue, the city's section is still the plan open at the
        // quarter, and only its targets: 2025, not 2030's beside them.
        struct Stored;
        impl crate::catalog_change::StoredData for Stored {
            fn has_indicator(&self, _: &str) -> bool {
                true
            }
            fn has_region(&self, _: &str) -> bool {
                true
            }
        }
        let plan = include_str!("../../fixtures/plans/plan-2030-example.toml");
        let with_plan = crate::catalog_change::propose(Catalog::builtin(), plan, &Stored, &|_| Vec::new()).catalog.unwrap();
        let next = build(&with_plan, &dataset, Framework::builtin(), Period::Quarter(2025, 3), 2);
        assert_eq!(next.plan_year, Some(2025));
        assert_eq!(next.city_targets.len(), report.city_targets.len());
        assert!(
            next.city_targets.iter().all(|t| t.deadline.as_deref() == Some("2025")),
            "{:?}",
            next.city_targets.iter().map(|t| &t.target).collect::<Vec<_>>()
        );
    }
}
