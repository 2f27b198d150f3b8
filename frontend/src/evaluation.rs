//! What the evaluation widgets (`index-ranking`, `index-profile`, `index-map`, `index-table`)
//! share: names of parts, measures and tiers in the widget's language, the figures as written,
//! and the CSV every one of them downloads. Imports no view.

use innogauge_model::Lang;
use innogauge_model::evaluation::{change_symbol, change_words, performance_label, rank_words, tier_label};
use innogauge_model::format::format_number;
use innogauge_model::wire::{EvaluationDistrictWire, EvaluationWire};

use crate::draw;
use crate::names::t;
use crate::options::Theme;

/// A district's name.
pub fn district_name(district: &EvaluationDistrictWire, lang: Lang) -> String {
    if lang == Lang::Zh { district.name_zh.clone() } else { district.name_en.clone() }
}

/// A part's name.
pub fn part_name(evaluation: &EvaluationWire, id: &str, lang: Lang) -> String {
    evaluation
        .parts
        .iter()
        .find(|p| p.id == id)
        .map_or_else(|| id.to_owned(), |p| if lang == Lang::Zh { p.name_zh.clone() } else { p.name_en.clone() })
}

/// A measure's name.
pub fn measure_name(evaluation: &EvaluationWire, id: &str, lang: Lang) -> String {
    evaluation
        .measures
        .iter()
        .find(|m| m.id == id)
        .map_or_else(|| id.to_owned(), |m| if lang == Lang::Zh { m.name_zh.clone() } else { m.name_en.clone() })
}

/// The evaluation's title: `区县科技创新指数 · 2025年第三季度`.
pub fn title(evaluation: &EvaluationWire, lang: Lang) -> (String, String) {
    let name = if lang == Lang::Zh { evaluation.name_zh.clone() } else { evaluation.name_en.clone() };
    (name, crate::names::period_label(&evaluation.period, lang))
}

/// A score or index as shown: one decimal, `—` without one.
pub fn score(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format_number(v, 1))
}

/// The rank interval: `12–18`, or the rank alone when it never moved.
pub fn interval(district: &EvaluationDistrictWire) -> String {
    match district.rank_interval {
        Some([low, high]) if low != high => format!("{low}–{high}"),
        Some([low, _]) => low.to_string(),
        None => "—".to_owned(),
    }
}

/// The tier in words, or "not rated".
pub fn tier_word(district: &EvaluationDistrictWire, lang: Lang) -> String {
    match district.tier {
        Some(tier) => tier_label(tier).get(lang).to_owned(),
        None => t(lang, "未参评", "not rated"),
    }
}

/// The performance group in words.
pub fn performance_word(district: &EvaluationDistrictWire, lang: Lang) -> String {
    district.performance.as_deref().map_or_else(|| "—".to_owned(), |g| performance_label(g).get(lang).to_owned())
}

/// The districts best first, the ones not rated last (in the catalogue's order).
pub fn ranked(evaluation: &EvaluationWire) -> Vec<&EvaluationDistrictWire> {
    let mut districts: Vec<&EvaluationDistrictWire> = evaluation.districts.iter().collect();
    districts.sort_by_key(|d| d.rank.unwrap_or(usize::MAX));
    districts
}

/// The rated districts' count, for "rated n of 38".
pub fn rated(evaluation: &EvaluationWire) -> usize {
    evaluation.districts.iter().filter(|d| d.rated).count()
}

/// Why a district is not rated: the share of the framework its data cover against the share
/// required.
pub fn not_rated_reason(evaluation: &EvaluationWire, district: &EvaluationDistrictWire, lang: Lang) -> String {
    let (has, needs) = (format_number(district.coverage * 100.0, 0), format_number(evaluation.coverage_required * 100.0, 0));
    t(lang, &format!("数据覆盖 {has}%，参评需 {needs}%"), &format!("its data cover {has}% of the framework; rating needs {needs}%"))
}

/// Every district × part as CSV (the same for each evaluation widget): rank, interval, change,
/// tier, group, index, parts.
pub fn csv(evaluation: &EvaluationWire) -> String {
    let mut header: Vec<String> =
        ["rank", "rank_low", "rank_high", "rank_change", "region", "地区", "tier", "performance", "index", "coverage"]
            .map(str::to_owned)
            .to_vec();
    header.extend(evaluation.parts.iter().map(|p| format!("{} {}", p.id, p.name_zh)));
    let rows = ranked(evaluation).into_iter().map(|d| {
        let mut row = vec![
            d.rank.map(|r| r.to_string()).unwrap_or_default(),
            d.rank_interval.map(|[l, _]| l.to_string()).unwrap_or_default(),
            d.rank_interval.map(|[_, h]| h.to_string()).unwrap_or_default(),
            d.rank_change.map(|c| c.to_string()).unwrap_or_default(),
            d.region.clone(),
            d.name_zh.clone(),
            d.tier.map(|t| t.to_string()).unwrap_or_default(),
            d.performance.clone().unwrap_or_default(),
            d.index.map(|i| format!("{i:.2}")).unwrap_or_default(),
            format!("{:.3}", d.coverage),
        ];
        row.extend(
            evaluation
                .parts
                .iter()
                .map(|p| d.parts.iter().find(|s| s.part == p.id).and_then(|s| s.score).map(|v| format!("{v:.2}")).unwrap_or_default()),
        );
        row
    });
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    crate::export::csv(&header, rows)
}

/// The file name of a download: `innogauge-index-2025Q3.csv`.
pub fn file_name(evaluation: &EvaluationWire, what: &str, extension: &str) -> String {
    format!("innogauge-{what}-{}.{extension}", evaluation.period)
}

/// `change_symbol` for a district.
pub fn change(district: &EvaluationDistrictWire) -> String {
    change_symbol(district.rank_change)
}

/// The tier colours with their words, and the dashed average.
pub fn tier_legend(theme: Theme, lang: Lang) -> Vec<(String, String)> {
    [Some(1), Some(2), Some(3), None]
        .into_iter()
        .map(|tier| {
            let words = tier.map_or_else(|| t(lang, "未参评", "not rated"), |tier| tier_label(tier).get(lang).to_owned());
            (draw::css(draw::tier_colour(tier, theme)), words)
        })
        .collect()
}

/// The line under a downloaded picture: where the evaluation comes from.
pub fn source_note(document: &str, lang: Lang) -> String {
    t(
        lang,
        &format!("来源：InnoGauge 科创目标仪表；评价依据《{document}》"),
        "Source: InnoGauge; method after the 科技局's guidance on district innovation (2022)",
    )
}

/// What a screen reader hears for one district: `永川区：指数79.5，第14名（区间第12–18名），第一梯队，比上年同期下降2位`.
pub fn spoken(evaluation: &EvaluationWire, district: &EvaluationDistrictWire, lang: Lang) -> String {
    match district.rank {
        Some(rank) => t(
            lang,
            &format!(
                "{}：指数{}，{}，{}，{}",
                district.name_zh,
                score(district.index),
                rank_words(rank, district.rank_interval).zh,
                tier_word(district, lang),
                change_words(district.rank_change).zh
            ),
            &format!(
                "{}: index {}, {}, {}, {}",
                district.name_en,
                score(district.index),
                rank_words(rank, district.rank_interval).en,
                tier_word(district, lang),
                change_words(district.rank_change).en
            ),
        ),
        None => format!(
            "{}：{}（{}）",
            district_name(district, lang),
            t(lang, "未参评", "not rated"),
            not_rated_reason(evaluation, district, lang)
        ),
    }
}
