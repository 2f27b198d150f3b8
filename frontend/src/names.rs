//! Names, units, figures and texts in the widget's language, from the catalogue and the model's
//! formatting (万/亿 for Chinese readers). Imports no other module of the crate.

use innogauge_model::Decimal;
use innogauge_model::format::format_decimal;
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

pub use innogauge_model::words::{figure, unit};

/// A value exactly, at the indicator's decimals, with thousands separators: `45,000`, `526.79`.
pub fn exact_value(catalog: &Catalog, id: &str, value: impl Into<Decimal>) -> String {
    format_decimal(value.into(), catalog.indicator(id).map_or(2, |i| i.decimals))
}

pub use innogauge_model::words::percent_change;

/// The summary sentence the model wrote, in the widget's language.
pub fn summary(progress: &ProgressWire, lang: Lang) -> String {
    if lang == Lang::Zh { progress.summary.zh.clone() } else { progress.summary.en.clone() }
}

/// The status in words: a final verdict as such (achieved or missed, by how much), an open
/// target with the quarters of data still to come.
pub fn status_label(progress: &ProgressWire, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    if let Some(verdict) = &progress.verdict {
        return if zh { verdict.text.zh.clone() } else { verdict.text.en.clone() };
    }
    let label = if zh { progress.status_label.zh.clone() } else { progress.status_label.en.clone() };
    match (progress.quarters_remaining, zh) {
        (Some(n), true) => format!("{label}（还剩{n}个季度）"),
        (Some(1), false) => format!("{label} · 1 quarter to go"),
        (Some(n), false) => format!("{label} · {n} quarters to go"),
        (None, _) => label,
    }
}

/// The status in a few words, for a line with little room (a gauge): a final verdict as
/// `已实现目标（最终）`, an open target by its status alone. [`status_note`] says the rest.
pub fn status_short(progress: &ProgressWire, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match (&progress.verdict, zh) {
        (Some(v), true) => if v.achieved { "已实现目标（最终）" } else { "未实现目标（最终）" }.to_owned(),
        (Some(v), false) => if v.achieved { "Target achieved (final)" } else { "Target missed (final)" }.to_owned(),
        (None, true) => progress.status_label.zh.clone(),
        (None, false) => progress.status_label.en.clone(),
    }
}

/// What [`status_short`] leaves out: by how much a final verdict was reached or missed, or the
/// quarters of data an open target still has to come.
pub fn status_note(progress: &ProgressWire, lang: Lang) -> Option<String> {
    let zh = lang == Lang::Zh;
    match (&progress.verdict, progress.quarters_remaining) {
        (Some(v), _) => Some(if zh { v.detail.zh.clone() } else { v.detail.en.clone() }).filter(|d| !d.is_empty()),
        (None, Some(n)) if zh => Some(format!("还剩{n}个季度")),
        (None, Some(1)) => Some("1 quarter to go".to_owned()),
        (None, Some(n)) => Some(format!("{n} quarters to go")),
        (None, None) => None,
    }
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

/// How far along its target a summary is (the model's rule).
pub fn target_fraction(catalog: &Catalog, progress: &ProgressWire) -> Option<f64> {
    progress.target_fraction(catalog)
}

/// Where the expected-by-now mark sits (the model's rule).
pub fn expected_fraction(catalog: &Catalog, progress: &ProgressWire) -> Option<f64> {
    progress.expected_fraction(catalog)
}

/// Whether the summary's target is a growth rate (the model's rule).
pub fn is_growth_target(catalog: &Catalog, progress: &ProgressWire) -> bool {
    progress.is_growth_target(catalog)
}

/// A period as its readers name it (`2025年第三季度`, `Q3 2025`); text that is not a period
/// as it is.
pub fn period_label(period: &str, lang: Lang) -> String {
    Period::parse(period).map_or_else(|_| period.to_owned(), |p| p.label(lang))
}

pub use innogauge_model::words::t;

pub use innogauge_model::words::figure_text;
