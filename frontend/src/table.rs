//! The data as an accessible table: shown as the `table` widget, and hidden (but read by
//! screen readers) beside every chart.

use innogauge_model::format::format_number;
use yew::prelude::*;

use crate::names::{indicator_name, region_name, status_label, unit};
use crate::options::WidgetOptions;
use crate::widget::{Loaded, t};

/// Properties of [`DataTable`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct DataTableProps {
    /// The data.
    pub loaded: Loaded,
    /// The options.
    pub options: WidgetOptions,
    /// Shown, or for screen readers only.
    pub visible: bool,
}

/// The table.
#[function_component(DataTable)]
pub fn data_table(props: &DataTableProps) -> Html {
    let lang = props.options.lang;
    let catalog = &props.loaded.catalog;
    let series = &props.loaded.view.series;
    let decimals = catalog.indicator(&series.indicator).map_or(2, |i| i.decimals);
    let caption = format!(
        "{} · {}（{}）",
        indicator_name(catalog, &series.indicator, lang),
        region_name(catalog, &series.region, lang),
        unit(catalog, &series.indicator)
    );
    let targets = props.loaded.view.progress.iter().filter(|p| p.target.is_some()).map(|p| {
        let target = p.target_value.map_or_else(|| "—".to_owned(), |v| format_number(v, decimals));
        html! { <p class="sub">{ t(lang, &format!("目标 {target}（{}）：{}", p.deadline.clone().unwrap_or_default(), status_label(p, lang)), &format!("Target {target} by {}: {}", p.deadline.clone().unwrap_or_default(), status_label(p, lang))) }</p> }
    });
    html! {
        <div class={classes!(if props.visible { "table-scroll" } else { "sr-only" })} tabindex={props.visible.then_some("0")} role={props.visible.then_some("region")} aria-label={props.visible.then(|| caption.clone())}>
            <table>
                <caption>{ caption }</caption>
                <thead><tr><th scope="col">{ t(lang, "时期", "Period") }</th><th scope="col">{ t(lang, "数值", "Value") }</th></tr></thead>
                <tbody>
                    { for series.points.iter().rev().map(|p| html! { <tr><th scope="row">{ crate::names::period_label(&p.period, lang) }</th><td>{ format_number(p.value, decimals) }</td></tr> }) }
                </tbody>
            </table>
            { for targets }
        </div>
    }
}
