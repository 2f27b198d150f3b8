//! The ranking: every district as a bar, by value, achievement of its target or growth on a
//! year earlier (`data-measure`), best first, with the threshold line (the target, or the
//! required growth) and the district of `data-region` highlighted. Names and figures are HTML
//! rows beside one canvas that draws the bars, row for row.

use std::rc::Rc;

use innogauge_model::Lang;
use innogauge_model::chart::progress::{self, StatusBars};
use innogauge_model::views::{RankEntry, RankMeasure, Ranking};
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::data::SharedCatalog;
use crate::draw;
use crate::export::{self, Picture};
use crate::menu::Menu;
use crate::names::t;
use crate::names::{self, figure_text, indicator_name, percent_change, region_name, status_word, unit};
use crate::options::WidgetOptions;

/// Properties of [`RankingChart`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct RankingProps {
    /// The catalogue.
    pub catalog: SharedCatalog,
    /// The ranking.
    pub ranking: Rc<Ranking>,
    /// The options.
    pub options: WidgetOptions,
}

/// Height of a row in CSS pixels (the HTML rows use the same).
pub const ROW: f64 = 22.0;

/// What the canvas shows: the model's ranking bars.
pub type Bars = StatusBars;

/// Draws the bars.
pub fn paint(canvas: &HtmlCanvasElement, bars: &Bars, size: draw::CssSize) {
    let (width, height, ratio) = draw::fit_backing(canvas, size, None);
    let Some(root) = draw::area(canvas) else { return };
    progress::paint_ranking(&root, width, height, ratio, bars);
    let _ = root.present();
}

/// The ranking widget.
#[function_component(RankingChart)]
pub fn ranking_chart(props: &RankingProps) -> Html {
    let lang = props.options.lang;
    let theme = props.options.theme;
    let (catalog, ranking) = (&props.catalog, &props.ranking);
    let chosen = catalog.region(&props.options.region).map(|r| r.code.to_string()).unwrap_or_default();
    let canvas = use_node_ref();
    let root = use_node_ref();
    let figures: Vec<f64> = ranking.entries.iter().filter_map(|e| e.figure).chain(ranking.threshold).collect();
    let high = figures.iter().copied().fold(0.0, f64::max);
    let low = figures.iter().copied().fold(0.0, f64::min);
    let bars = Bars {
        rows: ranking.entries.iter().map(|e| (e.figure, e.status.clone(), e.region == chosen)).collect(),
        threshold: ranking.threshold,
        range: (low * 1.05, if high > 0.0 { high * 1.05 } else { 1.0 }),
        theme,
    };
    draw::use_canvas(&canvas, bars, paint);
    draw::use_placed_labels(&root);
    // The canvas is as tall as the rows beside it.
    let (scroll, grid) = (use_node_ref(), use_node_ref());
    // Given a height (a wall), every district fits in it; else rows of the natural height.
    let row = draw::use_fitted_rows(&scroll, &grid, ranking.entries.len(), ROW, draw::LEAST_ROW, props.options.height.is_some());
    draw::use_css_height(&canvas, ranking.entries.len() as f64 * row);
    let indicator = &ranking.indicator;
    let name = indicator_name(catalog, indicator, lang);
    let measure_words = match ranking.measure {
        RankMeasure::Value => t(lang, "按数值", "by value"),
        RankMeasure::Achievement => t(lang, "按目标完成率", "by achievement of target"),
        RankMeasure::Growth => t(lang, "按同比增速", "by growth on a year earlier"),
    };
    let period = ranking.period.as_deref().map(|p| names::period_label(p, lang)).unwrap_or_default();
    let threshold_words = ranking.threshold.map(|v| match ranking.measure {
        RankMeasure::Growth => {
            t(lang, &format!("虚线：目标增速 {}", percent_change(v)), &format!("Dashed line: required growth {}", percent_change(v)))
        }
        _ => t(lang, "虚线：目标（100%）", "Dashed line: the target (100%)"),
    });
    let entry_name = |e: &RankEntry| if lang == Lang::Zh { e.name_zh.clone() } else { e.name_en.clone() };
    let chosen_entry = ranking.entries.iter().find(|e| e.region == chosen);
    let label = {
        let top: Vec<String> = ranking
            .entries
            .iter()
            .take(3)
            .map(|e| format!("{} {}", entry_name(e), figure_text(catalog, indicator, ranking.measure, e.figure, lang)))
            .collect();
        let mine = chosen_entry.map(|e| match (lang, e.rank) {
            (Lang::Zh, Some(rank)) => format!("；{}排第{rank}位", entry_name(e)),
            (Lang::En, Some(rank)) => format!("; {} ranks {rank}", entry_name(e)),
            _ => String::new(),
        });
        t(
            lang,
            &format!("{name}各区县排名（{period}，{measure_words}）：前三为{}{}", top.join("、"), mine.clone().unwrap_or_default()),
            &format!("{name}, districts ranked ({period}, {measure_words}): top three {}{}", top.join(", "), mine.unwrap_or_default()),
        )
    };
    let on_png = {
        let canvas = canvas.clone();
        let labels: Vec<(String, String)> = ranking
            .entries
            .iter()
            .map(|e| {
                (
                    format!("{} {}", e.rank.map(|r| r.to_string()).unwrap_or_default(), entry_name(e)),
                    figure_text(catalog, indicator, ranking.measure, e.figure, lang),
                )
            })
            .collect();
        let title = format!("{name} · {period}");
        let subtitle = format!("{measure_words}{}", threshold_words.clone().map(|w| format!(" · {w}")).unwrap_or_default());
        let legend = draw::legend(theme, lang);
        Callback::from(move |to: export::ImageTo| {
            let Some(chart) = canvas.cast::<HtmlCanvasElement>() else { return };
            // The bars with room on both sides for the names and figures.
            let w = f64::from(chart.client_width());
            let picture = Picture {
                title: title.clone(),
                subtitle: subtitle.clone(),
                labels: export::row_labels(&labels, w, row),
                legend: legend.clone(),
                note: t(lang, "来源：InnoGauge 科创目标仪表", "Source: InnoGauge"),
            };
            export::deliver_png(to, &chart, &picture, theme, "innogauge-ranking.png");
        })
    };
    let on_csv = {
        let (ranking, catalog) = (ranking.clone(), catalog.clone());
        Callback::from(move |()| {
            let rows = ranking.entries.iter().map(|e| {
                vec![
                    e.rank.map(|r| r.to_string()).unwrap_or_default(),
                    e.region.clone(),
                    e.name_zh.clone(),
                    e.figure.map(|f| f.to_string()).unwrap_or_default(),
                    e.value.as_ref().map(|v| v.value.to_string()).unwrap_or_default(),
                    unit(&catalog, &ranking.indicator),
                    e.status.clone(),
                ]
            });
            let text = export::csv(&["rank", "region", "地区", "figure", "value", "unit", "status"], rows);
            export::download_csv(&text, &format!("innogauge-ranking-{}.csv", ranking.indicator));
        })
    };
    html! {
        <div class="ranking" ref={root}>
            <div class="head">
                <p class="title">{ name.clone() }<span class="region">{ format!(" · {period}") }</span></p>
                <Menu on_png={Some(on_png)} {on_csv} {lang} link={props.options.chart_query()} />
            </div>
            <p class="sub">{ measure_words.clone() }{ threshold_words.map(|w| format!(" · {w}")).unwrap_or_default() }</p>
            <div class="rank-scroll" role="img" aria-label={label} tabindex="0" ref={scroll}>
                <div class="rank-grid" aria-hidden="true" ref={grid}>
                    <ol class="rank-names">
                        { for ranking.entries.iter().map(|e| html! {
                            <li class={classes!((e.region == chosen).then_some("chosen"))}>
                                <span class="rank">{ e.rank.map(|r| r.to_string()).unwrap_or_default() }</span>{ entry_name(e) }
                            </li>
                        }) }
                    </ol>
                    <canvas ref={canvas}></canvas>
                    <ol class="rank-figures">
                        { for ranking.entries.iter().map(|e| html! {
                            <li class={classes!((e.region == chosen).then_some("chosen"))}>{ figure_text(catalog, indicator, ranking.measure, e.figure, lang) }</li>
                        }) }
                    </ol>
                </div>
            </div>
            <ul class="legend" aria-hidden="true">
                { for draw::legend(theme, lang).into_iter().map(|(colour, words)| html! { <li><span class="swatch" data-fill={colour}></span>{ words }</li> }) }
            </ul>
            <table class="sr-only">
                <caption>{ format!("{name} · {period} · {measure_words}") }</caption>
                <thead><tr><th scope="col">{ t(lang, "名次", "Rank") }</th><th scope="col">{ t(lang, "地区", "District") }</th><th scope="col">{ t(lang, "数值", "Figure") }</th><th scope="col">{ t(lang, "进展", "Status") }</th></tr></thead>
                <tbody>
                    { for ranking.entries.iter().map(|e| html! {
                        <tr><td>{ e.rank.map(|r| r.to_string()).unwrap_or_default() }</td><th scope="row">{ region_name(catalog, &e.region, lang) }</th>
                            <td>{ figure_text(catalog, indicator, ranking.measure, e.figure, lang) }</td><td>{ status_word(&e.status, lang) }</td></tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}
