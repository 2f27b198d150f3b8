//! The KPI: one number with its change on the same period a year earlier (同比), and the
//! status in words.

use yew::prelude::*;

use crate::data::Loaded;
use crate::names::t;
use crate::names::{figure, indicator_name, percent_change, region_name, status_label, summary, unit};
use crate::options::WidgetOptions;
use crate::table::DataTable;

/// The KPI widget: a view, not a component of its own (it has no state; each component type is
/// code of its own in the small module).
pub fn kpi(loaded: &Loaded, options: &WidgetOptions) -> Html {
    let lang = options.lang;
    let catalog = &loaded.catalog;
    let series = &loaded.view.series;
    let progress = loaded.view.progress_for(options.target.as_deref());
    let latest = series.points.last();
    let value = latest.map_or_else(|| "—".to_owned(), |p| figure(catalog, &series.indicator, p.value, lang));
    let name = indicator_name(catalog, &series.indicator, lang);
    let region = region_name(catalog, &series.region, lang);
    let change = progress.and_then(|p| p.year_on_year).map(|yoy| {
        let (class, arrow, words_zh, words_en) = if yoy >= 0.0 { ("up", "▲", "同比增长", "up") } else { ("down", "▼", "同比下降", "down") };
        html! { <p class={classes!("sub", class)}>{ format!("{arrow} {} ", percent_change(yoy)) }<span>{ t(lang, words_zh, &format!("{words_en} on a year earlier")) }</span></p> }
    });
    let label = progress.map_or_else(|| format!("{name} {region}: {value}"), |p| summary(p, lang));
    html! {
        <div role="img" aria-label={label} tabindex="0" class="kpi">
            <p class="title">{ name }<span class="region">{ format!(" · {region}") }</span></p>
            <p class="figure" aria-hidden="true">{ value }<span class="unit">{ unit(catalog, &series.indicator) }</span></p>
            <div aria-hidden="true">{ for change }</div>
            { for progress.map(|p| html! { <p class="status" aria-hidden="true">{ status_label(p, lang) }{ latest.map(|l| format!(" · {}", crate::names::period_label(&l.period, lang))).unwrap_or_default() }</p> }) }
            <DataTable loaded={loaded.clone()} options={options.clone()} visible={false} />
        </div>
    }
}
