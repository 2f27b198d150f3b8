//! The gauge: the current value against the target on a half ring, the expected-by-now mark on
//! the required path, the status in colour *and* words, the figure as Chinese readers expect it
//! (万, 亿); for growth targets, the average growth against the threshold.

use innogauge_model::format::{format_decimal, format_number, format_percent};
use yew::prelude::*;

use crate::data::Loaded;
use crate::draw::{self, GaugeShape};
use crate::names::t;
use crate::names::{
    expected_fraction, figure, indicator_name, is_growth_target, percent_change, region_name, status_label, summary, target_fraction, unit,
};
use crate::options::WidgetOptions;
use crate::table::DataTable;

/// Properties of [`Gauge`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct GaugeProps {
    /// The data.
    pub loaded: Loaded,
    /// The options.
    pub options: WidgetOptions,
}

/// The gauge widget.
#[function_component(Gauge)]
pub fn gauge(props: &GaugeProps) -> Html {
    let lang = props.options.lang;
    let theme = props.options.theme;
    let catalog = &props.loaded.catalog;
    let view = &props.loaded.view;
    let series = &view.series;
    let progress = view.progress_for(props.options.target.as_deref()).cloned();
    let canvas = use_node_ref();
    let dot = use_node_ref();
    let dot_colour = progress.as_ref().map(|p| draw::css(draw::status_colour(&p.status, theme)));
    {
        // The status colour goes in through the CSSOM: a `style` attribute would be blocked by a
        // strict portal CSP, the CSSOM is not.
        let dot = dot.clone();
        use_effect_with(dot_colour, move |colour| {
            if let (Some(element), Some(colour)) = (dot.cast::<web_sys::HtmlElement>(), colour) {
                let _ = element.style().set_property("background", colour);
            }
        });
    }

    let growth_target = progress.as_ref().is_some_and(|p| is_growth_target(catalog, p));
    // A level target shows the value against the target; a growth target shows the average
    // growth against the required rate (P, with the threshold at the target tick).
    let shape = progress.as_ref().map(|p| GaugeShape {
        fraction: target_fraction(catalog, p).unwrap_or(0.0),
        expected: expected_fraction(catalog, p),
        status: p.status.clone(),
    });
    let fill = props.options.height.is_some();
    draw::use_canvas(&canvas, (shape, theme, fill), |element, (shape, theme, fill), size| {
        if let Some(shape) = shape {
            draw::gauge(element, size, shape, *theme, *fill);
        }
    });

    let name = indicator_name(catalog, &series.indicator, lang);
    let region = region_name(catalog, &series.region, lang);
    let unit = unit(catalog, &series.indicator);
    let latest = series.points.last();
    let value = latest.map_or_else(|| "—".to_owned(), |p| figure(catalog, &series.indicator, p.value, lang));
    let decimals = catalog.indicator(&series.indicator).map_or(2, |i| i.decimals);
    let detail = progress.as_ref().map(|p| {
        if growth_target {
            let observed = p.observed_growth.map_or_else(|| "—".to_owned(), percent_change);
            let required = p.required_rate(catalog).map_or_else(|| "—".to_owned(), |r| format_percent(r * 100.0));
            t(lang, &format!("年均增长 {observed}（目标 ≥{required}）"), &format!("Average growth {observed} a year (target ≥{required})"))
        } else {
            match (p.target_value, p.deadline.as_ref()) {
                (Some(target), Some(deadline)) => t(
                    lang,
                    &format!(
                        "目标 {}{unit}（{deadline}年）· 完成 {}%",
                        format_decimal(target, decimals),
                        format_number(p.achievement.unwrap_or(0.0) * 100.0, 1)
                    ),
                    &format!(
                        "Target {} {unit} by {deadline} · {}% achieved",
                        format_decimal(target, decimals),
                        format_number(p.achievement.unwrap_or(0.0) * 100.0, 1)
                    ),
                ),
                _ => t(lang, "无量化目标", "No numeric target"),
            }
        }
    });
    // At most two lines on a gauge given a height (cut with an ellipsis; the whole line on hover).
    let note = progress.as_ref().and_then(|p| crate::names::status_note(p, lang));
    let sub = format!(
        "{}{}{}",
        detail.unwrap_or_default(),
        latest.map(|p| format!(" · {}", crate::names::period_label(&p.period, lang))).unwrap_or_default(),
        note.map(|n| format!(" · {n}")).unwrap_or_default()
    );
    let label = progress.as_ref().map_or_else(|| format!("{name} {region}: {value}"), |p| summary(p, lang));
    let status = progress.as_ref().map(|p| {
        // Short, so that it keeps to one line on a small gauge; the whole verdict is on hover,
        // in the line above and in the figure's words.
        let label = crate::names::status_short(p, lang);
        html! {
            <p class="status" title={status_label(p, lang)}>
                <span class="dot" aria-hidden="true" ref={dot.clone()}></span>
                <span class="status-text">{ label }</span>
            </p>
        }
    });
    html! {
        <div role="img" aria-label={label} tabindex="0" class="gauge">
            <p class="title">{ name }<span class="region">{ format!(" · {region}") }</span></p>
            <div class="gauge-wrap">
                <canvas ref={canvas} aria-hidden="true"></canvas>
                <div class="gauge-center" aria-hidden="true">
                    <span class="figure">{ value }</span><span class="unit">{ unit.clone() }</span>
                </div>
            </div>
            <p class="sub" aria-hidden="true" title={sub.clone()}>{ sub }</p>
            { for status }
            <DataTable loaded={props.loaded.clone()} options={props.options.clone()} visible={false} />
        </div>
    }
}
