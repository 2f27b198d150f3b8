//! The data as an accessible table: shown as the `table` widget, and hidden (but read by
//! screen readers) beside every chart.

use innogauge_model::format::format_decimal;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::data::Loaded;
use crate::names::t;
use crate::names::{indicator_name, region_name, status_label, unit};
use crate::options::WidgetOptions;

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

/// The table. Beside a chart (not `visible`) it is rendered once the page is idle: 50 charts'
/// hidden tables were an eighth of the time to paint a 50-widget page (text laid out that no
/// one sees), and a screen reader reads them a moment later all the same (BENCHMARKS.md).
#[function_component(DataTable)]
pub fn data_table(props: &DataTableProps) -> Html {
    let ready = use_state(|| props.visible);
    {
        let ready = ready.clone();
        use_effect_with(props.visible, move |visible| {
            if !*visible && !*ready {
                when_idle(move || ready.set(true));
            }
        });
    }
    if !*ready {
        return html! {};
    }
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
        let target = p.target_value.map_or_else(|| "—".to_owned(), |v| format_decimal(v, decimals));
        html! { <p class="sub">{ t(lang, &format!("目标 {target}（{}）：{}", p.deadline.clone().unwrap_or_default(), status_label(p, lang)), &format!("Target {target} by {}: {}", p.deadline.clone().unwrap_or_default(), status_label(p, lang))) }</p> }
    });
    html! {
        <div class={classes!(if props.visible { "table-scroll" } else { "sr-only" })} tabindex={props.visible.then_some("0")} role={props.visible.then_some("region")} aria-label={props.visible.then(|| caption.clone())}>
            <table>
                <caption>{ caption }</caption>
                <thead><tr><th scope="col">{ t(lang, "时期", "Period") }</th><th scope="col">{ t(lang, "数值", "Value") }</th></tr></thead>
                <tbody>
                    { for series.points.iter().rev().map(|p| html! { <tr><th scope="row">{ crate::names::period_label(&p.period, lang) }</th><td>{ format_decimal(p.value, decimals) }</td></tr> }) }
                </tbody>
            </table>
            { for targets }
        </div>
    }
}

/// Runs `then` when the browser is idle (`requestIdleCallback`), or after 100 ms where there is
/// no such call (Safari). The callback frees itself once called; a component unmounted before
/// then ignores the state it sets.
fn when_idle(then: impl FnOnce() + 'static) {
    let Some(window) = web_sys::window() else { return };
    let has_idle = js_sys::Reflect::has(&window, &JsValue::from_str("requestIdleCallback")).unwrap_or(false);
    let function: js_sys::Function = Closure::once_into_js(then).unchecked_into();
    // Neither call fails in a browser that runs the widgets; were one to, the table would stay
    // out (the chart and its text label are there regardless).
    if has_idle {
        let _ = window.request_idle_callback(&function);
    } else {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&function, 100);
    }
}
