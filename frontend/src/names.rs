//! Names, units, figures and texts in the widget's language, from the catalogue and the model's
//! formatting (万/亿 for Chinese readers). Imports no other module of the crate.

use innogauge_model::Decimal;
use innogauge_model::format::{format_compact, format_decimal, format_number};
use innogauge_model::views::RankMeasure;
use innogauge_model::wire::ProgressWire;
use innogauge_model::{Catalog, Lang, Period, Status};

/// The indicator's name.
pub fn indicator_name(catalog: &Catalog, id: &str, lang: Lang) -> String {
    catalog.indicator(id).map_or_else(|| id.to_owned(), |i| if lang == Lang::Zh { i.name_zh.clone() } else { i.name_en.clone() })
}

/// The region's name.
pub fn region_name(catalog: &Catalog, code: &str, lang: Lang) -> String {
    catalog.region(code).map_or_else(|| code.to_owned(), |r| if lang == Lang::Zh { r.name_zh.clone() } else { r.name_en.clone() })
}

/// One value's place in words: `永川区 · 科技型企业数量 · 2025年第三季度`.
pub fn value_label(catalog: &Catalog, indicator: &str, region: &str, period: &str, lang: Lang) -> String {
    format!("{} · {} · {}", region_name(catalog, region, lang), indicator_name(catalog, indicator, lang), period_label(period, lang))
}

/// The unit symbol (家, 亿元, %…).
pub fn unit(catalog: &Catalog, id: &str) -> String {
    catalog.indicator(id).map_or_else(String::new, |i| i.unit.clone())
}

/// A headline figure: `4.5万` / `45k` for large values, otherwise the exact value at the
/// indicator's decimals (`526.79`, `19.00`), or a percentage with its decimals.
pub fn figure(catalog: &Catalog, id: &str, value: impl Into<Decimal>, lang: Lang) -> String {
    let value = value.into();
    let decimals = catalog.indicator(id).map_or(2, |i| i.decimals);
    if unit(catalog, id) == "%" {
        format_decimal(value, decimals.min(2))
    } else if value.to_f64().abs() < 1e4 {
        format_decimal(value, decimals)
    } else {
        format_compact(value.to_f64(), decimals, lang)
    }
}

/// A value exactly, at the indicator's decimals, with thousands separators: `45,000`, `526.79`.
pub fn exact_value(catalog: &Catalog, id: &str, value: impl Into<Decimal>) -> String {
    format_decimal(value.into(), catalog.indicator(id).map_or(2, |i| i.decimals))
}

/// A ratio as a signed percentage: `+7.2%`.
pub fn percent_change(ratio: f64) -> String {
    let sign = if ratio > 0.0 { "+" } else { "" };
    format!("{sign}{}%", format_number(ratio * 100.0, 1))
}

/// The summary sentence the model wrote, in the widget's language.
pub fn summary(progress: &ProgressWire, lang: Lang) -> String {
    if lang == Lang::Zh { progress.summary.zh.clone() } else { progress.summary.en.clone() }
}

/// The status in words.
pub fn status_label(progress: &ProgressWire, lang: Lang) -> String {
    if lang == Lang::Zh { progress.status_label.zh.clone() } else { progress.status_label.en.clone() }
}

/// A status code in words (`not_available` and unknown codes: no data).
pub fn status_word(code: &str, lang: Lang) -> String {
    let label = Status::parse(code).map(Status::label);
    match (label, lang) {
        (Some(label), Lang::Zh) => label.zh,
        (Some(label), Lang::En) => label.en,
        (None, Lang::Zh) => "暂无数据".to_owned(),
        (None, Lang::En) => "No data".to_owned(),
    }
}

/// How far along its target a summary is, for a bar or an arc: the achievement of a level
/// target, or for a growth target the observed growth as a share of the required (P).
pub fn target_fraction(catalog: &Catalog, progress: &ProgressWire) -> Option<f64> {
    if is_growth_target(catalog, progress) { progress.ratio } else { progress.achievement }
}

/// Where the expected-by-now mark sits on the same bar or arc, as a share of a level target
/// (none for growth targets, whose bar is already growth against the required rate).
pub fn expected_fraction(catalog: &Catalog, progress: &ProgressWire) -> Option<f64> {
    match (is_growth_target(catalog, progress), progress.expected_now, progress.target_value) {
        (false, Some(expected), Some(target)) if !target.is_zero() => Some(expected.to_f64() / target.to_f64()),
        _ => None,
    }
}

/// Whether the summary's target is a growth rate (R&D spending +10 % a year) rather than a level.
pub fn is_growth_target(catalog: &Catalog, progress: &ProgressWire) -> bool {
    progress.target.as_ref().and_then(|id| catalog.target(id)).is_some_and(|target| target.rule.kind() == "growth")
}

/// A period as its readers name it (`2025年第三季度`, `Q3 2025`); text that is not a period
/// as it is.
pub fn period_label(period: &str, lang: Lang) -> String {
    Period::parse(period).map_or_else(|_| period.to_owned(), |p| p.label(lang))
}

/// Texts in the widget's language.
pub fn t(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// The figure as a reader wants it: a value with its unit, or a percentage.
pub fn figure_text(catalog: &Catalog, indicator: &str, measure: RankMeasure, value: Option<f64>, lang: Lang) -> String {
    match (measure, value) {
        (_, None) => "—".to_owned(),
        (RankMeasure::Value, Some(v)) => format!("{}{}", figure(catalog, indicator, v, lang), unit(catalog, indicator)),
        (RankMeasure::Achievement, Some(v)) => format!("{}%", format_number(v * 100.0, 1)),
        (RankMeasure::Growth, Some(v)) => percent_change(v),
    }
}
