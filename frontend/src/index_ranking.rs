//! The index ranking (`data-innogauge="index-ranking"`): every district by its innovation index,
//! best first, each bar in its tier's colour, the average of the rated districts as a dashed
//! line, and beside each bar the index, the 90 % rank interval of the sensitivity analysis and
//! the change on a year earlier. Districts without enough data are listed last as not rated.
//! The district of `data-region` is outlined and its rank read out first.

use std::rc::Rc;

use innogauge_model::chart::index::{self, IndexBars, IndexRow};
use innogauge_model::evaluation::change_words;
use innogauge_model::wire::{EvaluationDistrictWire, EvaluationWire};
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::data::SharedCatalog;
use crate::draw;
use crate::evaluation::{self as eval, district_name, score, source_note, spoken, tier_legend, tier_word};
use crate::export::{self, Picture};
use crate::menu::Menu;
use crate::names::t;
use crate::options::WidgetOptions;

/// Height of a row in CSS pixels (the HTML rows use the same).
const ROW: f64 = 22.0;

/// Properties of [`IndexRanking`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct IndexRankingProps {
    /// The catalogue (the chosen district's code).
    pub catalog: SharedCatalog,
    /// The evaluation.
    pub evaluation: Rc<EvaluationWire>,
    /// The options.
    pub options: WidgetOptions,
}

/// Paints the bars on the canvas.
fn paint(canvas: &HtmlCanvasElement, bars: &IndexBars, size: draw::CssSize) {
    let (width, height, ratio) = draw::fit_backing(canvas, size, None);
    let Some(root) = draw::area(canvas) else { return };
    index::paint_bars(&root, width, height, ratio, bars);
    let _ = root.present();
}

/// The index ranking widget.
#[function_component(IndexRanking)]
pub fn index_ranking(props: &IndexRankingProps) -> Html {
    let lang = props.options.lang;
    let theme = props.options.theme;
    let evaluation = &props.evaluation;
    let chosen = props.catalog.region(&props.options.region).filter(|r| r.is_district()).map(|r| r.code.to_string());
    let canvas = use_node_ref();
    let root = use_node_ref();
    let districts = eval::ranked(evaluation);
    let is_chosen = |d: &EvaluationDistrictWire| chosen.as_deref() == Some(d.region.as_str());
    let bars = IndexBars {
        rows: districts.iter().map(|d| IndexRow { index: d.index, tier: d.tier, highlighted: is_chosen(d) }).collect(),
        average: evaluation.average,
        theme,
    };
    draw::use_canvas(&canvas, bars, paint);
    draw::use_placed_labels(&root);
    let (scroll, grid) = (use_node_ref(), use_node_ref());
    // Given a height (a wall), every district fits in it; else rows of the natural height.
    let row = draw::use_fitted_rows(&scroll, &grid, districts.len(), ROW, draw::LEAST_ROW, props.options.height.is_some());
    draw::use_css_height(&canvas, districts.len() as f64 * row);
    let (name, period) = eval::title(evaluation, lang);
    let method = evaluation.method.label().get(lang).to_owned();
    let average = score(evaluation.average);
    let sub = t(
        lang,
        &format!("{method} · 虚线：参评区县平均 {average} · 区间：{} 次权重扰动下名次的 5%–95%", evaluation.sensitivity_runs),
        &format!(
            "{method} · dashed line: average of rated districts {average} · interval: 5th–95th percentile rank over {} perturbed runs",
            evaluation.sensitivity_runs
        ),
    );
    let label = {
        let top: Vec<String> =
            districts.iter().filter(|d| d.rated).take(3).map(|d| format!("{} {}", district_name(d, lang), score(d.index))).collect();
        let mine = chosen.as_ref().and_then(|code| districts.iter().find(|d| d.region == *code)).map(|d| spoken(evaluation, d, lang));
        let mine = mine.map(|m| t(lang, &format!("；{m}"), &format!("; {m}"))).unwrap_or_default();
        t(
            lang,
            &format!("{name}排名（{period}，{} 个区县参评）：前三为{}{mine}", eval::rated(evaluation), top.join("、")),
            &format!("{name} ranking ({period}, {} districts rated): top three {}{mine}", eval::rated(evaluation), top.join(", ")),
        )
    };
    let figure_of = |d: &EvaluationDistrictWire| -> Html {
        let change = eval::change(d);
        let direction = match d.rank_change {
            Some(c) if c > 0 => Some("up"),
            Some(c) if c < 0 => Some("down"),
            _ => None,
        };
        if d.rated {
            html! { <>{ score(d.index) }<span class="interval">{ eval::interval(d) }</span><span class={classes!("change", direction)}>{ change }</span></> }
        } else {
            html! { <span class="interval">{ t(lang, "未参评", "not rated") }</span> }
        }
    };
    let on_png = {
        let canvas = canvas.clone();
        let labels: Vec<(String, String)> = districts
            .iter()
            .map(|d| {
                let rank = d.rank.map(|r| r.to_string()).unwrap_or_default();
                let figure = if d.rated {
                    format!("{}  {}  {}", score(d.index), eval::interval(d), eval::change(d))
                } else {
                    t(lang, "未参评", "not rated")
                };
                (format!("{rank} {}", district_name(d, lang)), figure)
            })
            .collect();
        let (title, subtitle, legend) = (format!("{name} · {period}"), sub.clone(), tier_legend(theme, lang));
        let evaluation_source = evaluation.source.document.clone();
        Callback::from(move |to: export::ImageTo| {
            let Some(chart) = canvas.cast::<HtmlCanvasElement>() else { return };
            let w = f64::from(chart.client_width());
            let picture = Picture {
                title: title.clone(),
                subtitle: subtitle.clone(),
                labels: export::row_labels(&labels, w, row),
                legend: legend.clone(),
                note: source_note(evaluation_source.as_str(), lang),
            };
            export::deliver_png(to, &chart, &picture, theme, "innogauge-index-ranking.png");
        })
    };
    let on_csv = {
        let evaluation = evaluation.clone();
        Callback::from(move |()| {
            export::download_csv(&eval::csv(&evaluation), &eval::file_name(&evaluation, "index", "csv"));
        })
    };
    html! {
        <div class="ranking index-ranking" ref={root}>
            <div class="head">
                <p class="title">{ name.clone() }<span class="region">{ format!(" · {period}") }</span></p>
                <Menu on_png={Some(on_png)} {on_csv} {lang} link={props.options.chart_query()} />
            </div>
            <p class="sub">{ sub }</p>
            <div class="rank-scroll" role="img" aria-label={label} tabindex="0" ref={scroll}>
                <div class="rank-grid index-grid" aria-hidden="true" ref={grid}>
                    <ol class="rank-names">
                        { for districts.iter().map(|d| html! {
                            <li class={classes!(is_chosen(d).then_some("chosen"))}>
                                <span class="rank">{ d.rank.map(|r| r.to_string()).unwrap_or_default() }</span>{ district_name(d, lang) }
                            </li>
                        }) }
                    </ol>
                    <canvas ref={canvas}></canvas>
                    <ol class="rank-figures">
                        { for districts.iter().map(|d| html! { <li class={classes!(is_chosen(d).then_some("chosen"))}>{ figure_of(d) }</li> }) }
                    </ol>
                </div>
            </div>
            <ul class="legend" aria-hidden="true">
                { for tier_legend(theme, lang).into_iter().map(|(colour, words)| html! { <li><span class="swatch" data-fill={colour}></span>{ words }</li> }) }
                <li><span class="swatch dash"></span>{ t(lang, "参评区县平均", "average of rated districts") }</li>
            </ul>
            <table class="sr-only">
                <caption>{ format!("{name} · {period}") }</caption>
                <thead><tr>
                    <th scope="col">{ t(lang, "名次", "Rank") }</th><th scope="col">{ t(lang, "区县", "District") }</th>
                    <th scope="col">{ t(lang, "指数", "Index") }</th><th scope="col">{ t(lang, "名次区间", "Rank interval") }</th>
                    <th scope="col">{ t(lang, "比上年同期", "On a year earlier") }</th><th scope="col">{ t(lang, "梯队", "Tier") }</th>
                </tr></thead>
                <tbody>
                    { for districts.iter().map(|d| html! {
                        <tr><td>{ d.rank.map(|r| r.to_string()).unwrap_or_default() }</td><th scope="row">{ district_name(d, lang) }</th>
                            <td>{ score(d.index) }</td><td>{ eval::interval(d) }</td><td>{ change_words(d.rank_change).get(lang).to_owned() }</td><td>{ tier_word(d, lang) }</td></tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}
