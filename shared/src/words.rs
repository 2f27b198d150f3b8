//! Figures and sentences in the reader's language, shared by the widgets and the reports: a
//! value as a headline figure (万/亿 for Chinese readers, the indicator's decimals), and a
//! target's figures in one line ("45,000家 / 目标 45,000家（2025年）").

use crate::catalog::Catalog;
use crate::decimal::Decimal;
use crate::format::{format_compact, format_decimal, format_number};
use crate::message::Lang;
use crate::wire::{ProgressWire, RankMeasure};

/// Text in the reader's language.
pub fn t(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// The indicator's unit symbol (家, 亿元, %…).
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

/// A target's figures in one line: the latest value against the target, growth against the
/// required rate, or events held against those due.
pub fn target_figures(catalog: &Catalog, p: &ProgressWire, lang: Lang) -> String {
    let unit = unit(catalog, &p.indicator);
    let decimals = catalog.indicator(&p.indicator).map_or(2, |i| i.decimals);
    // Exact, like the target beside it: "53,100家 / 目标 45,000家", not "5.31万家 / 目标 45,000家".
    let latest = p.latest.as_ref().map_or_else(|| "—".to_owned(), |l| format!("{}{unit}", format_decimal(l.value, decimals)));
    if let (true, Some(observed), Some(required)) = (p.is_growth_target(catalog), p.observed_growth, p.required_growth) {
        return t(
            lang,
            &format!("{latest} · 年均增长 {}%（目标 ≥{}%）", format_number(observed * 100.0, 1), format_number(required * 100.0, 1)),
            &format!("{latest} · growth {}% a year (target ≥{}%)", format_number(observed * 100.0, 1), format_number(required * 100.0, 1)),
        );
    }
    if p.is_growth_target(catalog)
        && let Some(required) = p.required_rate(catalog)
    {
        // No base value yet to measure growth from (a new plan's base year still open).
        return t(
            lang,
            &format!("{latest} · 目标年均增长 ≥{}%", format_number(required * 100.0, 1)),
            &format!("{latest} · target growth ≥{}% a year", format_number(required * 100.0, 1)),
        );
    }
    if let (Some(held), Some(required)) = (p.events_held, p.events_required) {
        return t(
            lang,
            &format!("已举办 {} / 应举办 {}", format_number(held, 0), format_number(required, 0)),
            &format!("{} held of {} due", format_number(held, 0), format_number(required, 0)),
        );
    }
    match (p.target_value, &p.deadline) {
        (Some(target), Some(deadline)) => t(
            lang,
            &format!("{latest} / 目标 {}{unit}（{deadline}年）", format_decimal(target, decimals)),
            &format!("{latest} of {} {unit} by {deadline}", format_decimal(target, decimals)),
        ),
        _ => latest,
    }
}

/// A ratio as a signed percentage: `+7.2%`.
pub fn percent_change(ratio: f64) -> String {
    let sign = if ratio > 0.0 { "+" } else { "" };
    format!("{sign}{}%", format_number(ratio * 100.0, 1))
}

/// A ranking's figure as a reader wants it: a value with its unit, or a percentage.
pub fn figure_text(catalog: &Catalog, indicator: &str, measure: RankMeasure, value: Option<f64>, lang: Lang) -> String {
    match (measure, value) {
        (_, None) => "—".to_owned(),
        (RankMeasure::Value, Some(v)) => format!("{}{}", figure(catalog, indicator, v, lang), unit(catalog, indicator)),
        (RankMeasure::Achievement, Some(v)) => format!("{}%", format_number(v * 100.0, 1)),
        (RankMeasure::Growth, Some(v)) => percent_change(v),
    }
}
