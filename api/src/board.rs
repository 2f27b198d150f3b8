//! Plain-text renderings for the terminal: a validation report, and the progress board of
//! every target. All numbers come from the model; this module only lays them out.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use innogauge_model::format::{format_decimal, format_number};
use innogauge_model::{Catalog, Dataset, Decimal, Lang, Report, Status, progress};

/// A validation report as a statistician reads it in a terminal.
pub fn report_text(name: &str, report: &Report, lang: Lang) -> String {
    let mut out = String::new();
    let verdict = match (report.has_errors(), lang) {
        (true, Lang::Zh) => format!("未通过：{} 个错误，{} 个警告", report.error_count(), report.warning_count()),
        (true, Lang::En) => format!("rejected: {} error(s), {} warning(s)", report.error_count(), report.warning_count()),
        (false, Lang::Zh) => format!("通过：{} 条数据，{} 个警告", report.observations, report.warning_count()),
        (false, Lang::En) => format!("valid: {} value(s), {} warning(s)", report.observations, report.warning_count()),
    };
    let _ = writeln!(out, "{name}: {verdict}");
    for problem in &report.problems {
        let severity = match (problem.is_error(), lang) {
            (true, Lang::Zh) => "错误",
            (false, Lang::Zh) => "警告",
            (true, Lang::En) => "error",
            (false, Lang::En) => "warning",
        };
        let _ = writeln!(out, "  [{severity} {}] {}", problem.code, problem.message.get(lang));
    }
    if report.suppressed > 0 {
        let _ = writeln!(out, "  … {}", report.suppressed);
    }
    out
}

/// Every target with its progress; targets on all districts are summarised by status.
pub fn progress_board(catalog: &Catalog, dataset: &Dataset, lang: Lang) -> String {
    let mut out = String::new();
    let title = match lang {
        Lang::Zh => "重庆市科技创新目标进展（演示数据）",
        Lang::En => "Chongqing sci-tech targets: progress (demo data)",
    };
    let _ = writeln!(out, "{title}\n");
    for target in catalog.targets() {
        let Some(indicator) = catalog.indicator(&target.indicator) else { continue };
        let name = match lang {
            Lang::Zh => &indicator.name_zh,
            Lang::En => &indicator.name_en,
        };
        let mut by_status: BTreeMap<Status, usize> = BTreeMap::new();
        let mut lines = Vec::new();
        for region in &target.regions {
            let series = dataset.series(catalog, &indicator.id, region);
            let p = progress(indicator, target, &series);
            if catalog.region(region).is_some_and(|r| r.is_district()) {
                *by_status.entry(p.status).or_default() += 1;
            }
            if target.regions.len() <= 2 || catalog.region(region).is_some_and(|r| r.is_city()) {
                let region_name = catalog.region(region).map_or(region.to_string(), |r| match lang {
                    Lang::Zh => r.name_zh.clone(),
                    Lang::En => r.name_en.clone(),
                });
                // A cadence shows events held since it began, not the year-to-date count.
                let latest = match (p.cadence, p.latest) {
                    (Some(c), Some(l)) => format!("{} ({})", format_number(c.held, 0), l.period),
                    (None, Some(l)) => format!("{} ({})", format_decimal(l.exact, indicator.decimals), l.period),
                    _ => "—".to_owned(),
                };
                let goal =
                    p.target_value.and_then(Decimal::from_f64).map_or_else(|| "—".to_owned(), |v| format_decimal(v, indicator.decimals));
                let done = p.achievement.map_or_else(|| "—".to_owned(), |a| format!("{}%", format_number(a * 100.0, 1)));
                lines.push(format!("    {region_name}: {latest} / {goal} {}  {done}  {}", indicator.unit, p.status.label().get(lang)));
            }
        }
        let _ = writeln!(out, "• {name} [{}] ({})", target.id, target.source.seed);
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
        if target.regions.len() > 2 {
            let counts: Vec<String> = by_status.iter().map(|(s, n)| format!("{} {n}", s.label().get(lang))).collect();
            let label = match lang {
                Lang::Zh => "各区县",
                Lang::En => "districts",
            };
            let _ = writeln!(out, "    {label}: {}", counts.join(" · "));
        }
    }
    out
}

/// The district evaluation as a terminal table: rank with its interval, change, district, tier,
/// index, and the five part scores.
pub fn evaluation_table(evaluation: &innogauge_model::wire::EvaluationWire, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut out = String::new();
    let title = if zh { &evaluation.name_zh } else { &evaluation.name_en };
    let _ = writeln!(
        out,
        "{title} · {} ({}; {} {})",
        evaluation.period,
        if zh { "目标值评分法" } else { "target scoring" },
        if zh { "对比" } else { "against" },
        evaluation.compared_with
    );
    let parts: Vec<String> = evaluation.parts.iter().map(|p| if zh { p.name_zh.clone() } else { p.name_en.clone() }).collect();
    let _ = writeln!(
        out,
        "{:>4} {:>9} {:>4}  {:<18} {:>4} {:>6}  {}",
        if zh { "排名" } else { "rank" },
        if zh { "区间" } else { "interval" },
        "±",
        if zh { "区县" } else { "district" },
        if zh { "梯队" } else { "tier" },
        if zh { "指数" } else { "index" },
        parts.join(" | ")
    );
    let mut rows: Vec<&innogauge_model::wire::EvaluationDistrictWire> = evaluation.districts.iter().collect();
    rows.sort_by_key(|d| (d.rank.unwrap_or(usize::MAX), d.region.clone()));
    for d in rows {
        let name = if zh { &d.name_zh } else { &d.name_en };
        let interval = d.rank_interval.map_or_else(String::new, |[a, b]| format!("{a}–{b}"));
        let change = d.rank_change.map_or_else(
            || "—".to_owned(),
            |c| {
                if c > 0 {
                    format!("↑{c}")
                } else if c < 0 {
                    format!("↓{}", -c)
                } else {
                    "=".to_owned()
                }
            },
        );
        let parts: Vec<String> = d.parts.iter().map(|p| p.score.map_or_else(|| "—".to_owned(), |s| format!("{s:.1}"))).collect();
        let _ = writeln!(
            out,
            "{:>4} {:>9} {:>4}  {:<18} {:>4} {:>6}  {}",
            d.rank.map_or_else(|| "—".to_owned(), |r| r.to_string()),
            interval,
            change,
            name,
            d.tier.map_or_else(|| if zh { "未评".to_owned() } else { "n/r".to_owned() }, |t| t.to_string()),
            d.index.map_or_else(|| "—".to_owned(), |i| format!("{i:.1}")),
            parts.join(" | ")
        );
    }
    if let Some(average) = evaluation.average {
        let _ = writeln!(out, "{} {average:.1}", if zh { "参评区县平均指数" } else { "average index of the rated districts" });
    }
    out
}
