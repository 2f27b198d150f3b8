//! The board: every target of a region at a glance, one row each: the indicator, its latest
//! figure, a bar toward the target with the expected-by-now tick, and the status in words.
//! Bars are one canvas beside the HTML rows, row for row.

use std::rc::Rc;

use innogauge_model::chart::progress::{self, TargetBars};
use innogauge_model::wire::ProgressWire;
use innogauge_model::{Catalog, Lang};
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::data::SharedCatalog;
use crate::draw;
use crate::export::{self, Label, Picture};
use crate::menu::Menu;
use crate::names::t;
use crate::names::{expected_fraction, indicator_name, region_name, status_label, target_fraction};
use crate::options::WidgetOptions;

/// Properties of [`Board`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct BoardProps {
    /// The catalogue.
    pub catalog: SharedCatalog,
    /// Every target's progress in the region.
    pub progress: Rc<Vec<ProgressWire>>,
    /// The options.
    pub options: WidgetOptions,
}

/// Height of a row in CSS pixels (the HTML rows use the same).
pub const ROW: f64 = 44.0;

/// What the canvas shows: the model's target bars.
pub type BoardShape = TargetBars;

/// Draws the bars.
pub fn paint(canvas: &HtmlCanvasElement, shape: &BoardShape, size: draw::CssSize) {
    let (width, height, ratio) = draw::fit_backing(canvas, size, None);
    let Some(root) = draw::area(canvas) else { return };
    progress::paint(&root, width, height, ratio, shape);
    let _ = root.present();
}

/// The row's figure line (the model's words).
fn figures(catalog: &Catalog, p: &ProgressWire, lang: Lang) -> String {
    innogauge_model::words::target_figures(catalog, p, lang)
}

/// The board widget.
#[function_component(Board)]
pub fn board(props: &BoardProps) -> Html {
    let lang = props.options.lang;
    let theme = props.options.theme;
    let catalog = &props.catalog;
    let list: Vec<&ProgressWire> = props.progress.iter().filter(|p| p.target.is_some()).collect();
    let region = list.first().map_or_else(|| props.options.region.clone(), |p| region_name(catalog, &p.region, lang));
    let canvas = use_node_ref();
    let root = use_node_ref();
    let shape = BoardShape {
        rows: list.iter().map(|p| (target_fraction(catalog, p), expected_fraction(catalog, p), p.status.clone())).collect(),
        theme,
    };
    draw::use_canvas(&canvas, shape, paint);
    draw::use_placed_labels(&root);
    draw::use_css_height(&canvas, list.len() as f64 * ROW);
    let achieved = list.iter().filter(|p| p.status == "target_achieved" || p.status == "substantial").count();
    let label = t(
        lang,
        &format!("{region}科技创新目标一览：{} 项目标中 {achieved} 项已实现或进展良好。", list.len()),
        &format!("{region}: {achieved} of {} science and technology targets achieved or on track.", list.len()),
    );
    let title = t(lang, &format!("{region} · 科技创新目标进展"), &format!("{region} · progress toward the targets"));
    let on_png = {
        let canvas = canvas.clone();
        let rows: Vec<(String, String)> =
            list.iter().map(|p| (indicator_name(catalog, &p.indicator, lang), status_label(p, lang))).collect();
        let title = title.clone();
        let legend = draw::legend(theme, lang);
        Callback::from(move |to: export::ImageTo| {
            let Some(chart) = canvas.cast::<HtmlCanvasElement>() else { return };
            let w = f64::from(chart.client_width());
            let labels = rows
                .iter()
                .enumerate()
                .flat_map(|(i, (name, status))| {
                    let y = i as f64 * ROW + 7.0;
                    [Label { x: 2.0, y, text: name.clone(), align: "left" }, Label { x: w - 2.0, y, text: status.clone(), align: "right" }]
                })
                .collect();
            let picture = Picture {
                title: title.clone(),
                subtitle: t(lang, "竖线：目标；细竖线：按期应达到", "Bold mark: target; thin mark: expected by now"),
                labels,
                legend: legend.clone(),
                note: t(lang, "来源：InnoGauge 科创目标仪表", "Source: InnoGauge"),
            };
            export::deliver_png(to, &chart, &picture, theme, "innogauge-board.png");
        })
    };
    let on_csv = {
        let progress = props.progress.clone();
        Callback::from(move |()| {
            let rows = progress.iter().filter(|p| p.target.is_some()).map(|p| {
                vec![
                    p.target.clone().unwrap_or_default(),
                    p.indicator.clone(),
                    p.region.clone(),
                    p.latest.as_ref().map(|l| l.period.clone()).unwrap_or_default(),
                    p.latest.as_ref().map(|l| l.value.to_string()).unwrap_or_default(),
                    p.target_value.map(|v| v.to_string()).unwrap_or_default(),
                    p.deadline.clone().unwrap_or_default(),
                    p.status.clone(),
                    p.status_label.zh.clone(),
                ]
            });
            let text =
                export::csv(&["target", "indicator", "region", "period", "value", "target_value", "deadline", "status", "进展"], rows);
            export::download_csv(&text, "innogauge-board.csv");
        })
    };
    html! {
        <div class="board" ref={root}>
            <div class="head">
                <p class="title">{ title }</p>
                <Menu on_png={Some(on_png)} {on_csv} {lang} link={props.options.chart_query()} />
            </div>
            <div class="board-grid" role="img" aria-label={label} tabindex="0">
                <ol class="board-rows" aria-hidden="true">
                    { for list.iter().map(|p| html! {
                        <li>
                            <span class="board-name">{ indicator_name(catalog, &p.indicator, lang) }</span>
                            <span class="board-figures">{ figures(catalog, p, lang) }</span>
                        </li>
                    }) }
                </ol>
                <canvas ref={canvas} aria-hidden="true"></canvas>
                <ol class="board-status" aria-hidden="true">
                    { for list.iter().map(|p| html! {
                        <li><span class="dot" data-fill={draw::css(draw::status_colour(&p.status, theme))}></span>{ status_label(p, lang) }</li>
                    }) }
                </ol>
            </div>
            <table class="sr-only">
                <caption>{ t(lang, &format!("{region}各项目标进展"), &format!("Progress of every target, {region}")) }</caption>
                <thead><tr><th scope="col">{ t(lang, "指标", "Indicator") }</th><th scope="col">{ t(lang, "数值与目标", "Figure and target") }</th><th scope="col">{ t(lang, "进展", "Status") }</th></tr></thead>
                <tbody>
                    { for list.iter().map(|p| html! {
                        <tr><th scope="row">{ indicator_name(catalog, &p.indicator, lang) }</th><td>{ figures(catalog, p, lang) }</td><td>{ status_label(p, lang) }</td></tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}
