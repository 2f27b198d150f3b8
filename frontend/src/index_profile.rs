//! A district's evaluation (`data-innogauge="index-profile"`, `data-region` a district): its
//! index with rank, 90 % interval, tier and change on a year earlier; each part's score as a bar
//! against the average of the rated districts (a thick tick); its strengths and weaknesses and
//! the measures that moved it, in words; every measure's value and score in a table that opens.

use std::rc::Rc;

use innogauge_model::Lang;
use innogauge_model::chart::index::{self, PartBars};
use innogauge_model::evaluation::{change_words, rank_words};
use innogauge_model::format::format_number;
use innogauge_model::wire::{EvaluationDistrictWire, EvaluationWire};
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::data::SharedCatalog;
use crate::draw;
use crate::evaluation::{self as eval, district_name, measure_name, part_name, score, source_note, tier_word};
use crate::export::{self, Picture};
use crate::menu::Menu;
use crate::names::t;
use crate::options::WidgetOptions;

/// Height of a part's row in CSS pixels (the HTML rows use the same).
const ROW: f64 = 30.0;

/// Properties of [`IndexProfile`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct IndexProfileProps {
    /// The catalogue (to read `data-region`).
    pub catalog: SharedCatalog,
    /// The evaluation.
    pub evaluation: Rc<EvaluationWire>,
    /// The options.
    pub options: WidgetOptions,
}

fn paint(canvas: &HtmlCanvasElement, bars: &PartBars, size: draw::CssSize) {
    let (width, height, ratio) = draw::fit_backing(canvas, size, None);
    let Some(root) = draw::area(canvas) else { return };
    index::paint_parts(&root, width, height, ratio, bars);
    let _ = root.present();
}

/// Measure names joined in the widget's language.
fn measure_list(evaluation: &EvaluationWire, ids: &[String], lang: Lang) -> String {
    let names: Vec<String> = ids.iter().map(|id| measure_name(evaluation, id, lang)).collect();
    names.join(if lang == Lang::Zh { "、" } else { ", " })
}

/// What moved the index since a year earlier: `R&D经费投入强度 +1.2、…`.
fn moved_words(evaluation: &EvaluationWire, district: &EvaluationDistrictWire, lang: Lang) -> Option<String> {
    let shifts: Vec<String> = district
        .moved_by
        .iter()
        .map(|m| {
            let sign = if m.change > 0.0 { "+" } else { "" };
            format!("{} {sign}{}", measure_name(evaluation, &m.measure, lang), format_number(m.change, 1))
        })
        .collect();
    (!shifts.is_empty()).then(|| {
        t(
            lang,
            &format!("与{}相比变动最大（指数点）：{}", crate::names::period_label(&evaluation.compared_with, lang), shifts.join("、")),
            &format!(
                "Moved most since {} (index points): {}",
                crate::names::period_label(&evaluation.compared_with, lang),
                shifts.join(", ")
            ),
        )
    })
}

/// The profile widget.
#[function_component(IndexProfile)]
pub fn index_profile(props: &IndexProfileProps) -> Html {
    let lang = props.options.lang;
    let theme = props.options.theme;
    let evaluation = &props.evaluation;
    let code = props.catalog.region(&props.options.region).filter(|r| r.is_district()).map(|r| r.code.to_string());
    let district = code.as_ref().and_then(|code| evaluation.districts.iter().find(|d| d.region == *code));
    let canvas = use_node_ref();
    let root = use_node_ref();
    let average_of = |part: &str| evaluation.part_averages.iter().find(|p| p.part == part).and_then(|p| p.score);
    let score_of = |d: &EvaluationDistrictWire, part: &str| d.parts.iter().find(|p| p.part == part).and_then(|p| p.score);
    let bars =
        PartBars { rows: evaluation.parts.iter().map(|p| (district.and_then(|d| score_of(d, &p.id)), average_of(&p.id))).collect(), theme };
    draw::use_canvas(&canvas, bars, paint);
    draw::use_placed_labels(&root);
    draw::use_css_height(&canvas, evaluation.parts.len() as f64 * ROW);
    let (name, period) = eval::title(evaluation, lang);
    let Some(district) = district else {
        return html! {
            <p class="message" role="alert">{ t(lang,
                &format!("“{}”不是区县：区县画像需要 data-region 指定 38 个区县之一（代码或名称）。", props.options.region),
                &format!("“{}” is not a district: the profile needs data-region set to one of the 38 districts (code or name).", props.options.region)) }</p>
        };
    };
    let who = district_name(district, lang);
    let standing = match district.rank {
        Some(rank) => format!(
            "{} · {} · {}",
            rank_words(rank, district.rank_interval).get(lang),
            tier_word(district, lang),
            change_words(district.rank_change).get(lang)
        ),
        None => format!("{}：{}", t(lang, "未参评", "Not rated"), eval::not_rated_reason(evaluation, district, lang)),
    };
    let strengths = (!district.strengths.is_empty()).then(|| measure_list(evaluation, &district.strengths, lang));
    let weaknesses = (!district.weaknesses.is_empty()).then(|| measure_list(evaluation, &district.weaknesses, lang));
    let moved = moved_words(evaluation, district, lang);
    let label = {
        let parts: Vec<String> = evaluation
            .parts
            .iter()
            .map(|p| {
                let (mine, avg) = (score(score_of(district, &p.id)), score(average_of(&p.id)));
                t(
                    lang,
                    &format!("{}{mine}（平均{avg}）", part_name(evaluation, &p.id, lang)),
                    &format!("{} {mine} (average {avg})", part_name(evaluation, &p.id, lang)),
                )
            })
            .collect();
        t(
            lang,
            &format!("{who}{name}（{period}）：指数{}，{standing}；各部分：{}", score(district.index), parts.join("，")),
            &format!("{who}, {name} ({period}): index {}, {standing}; parts: {}", score(district.index), parts.join(", ")),
        )
    };
    let on_png = {
        let canvas = canvas.clone();
        let labels: Vec<(String, String)> = evaluation
            .parts
            .iter()
            .map(|p| (part_name(evaluation, &p.id, lang), format!("{} / {}", score(score_of(district, &p.id)), score(average_of(&p.id)))))
            .collect();
        let title = format!("{who} · {name} · {period}");
        let subtitle = format!("{} {} · {standing}", t(lang, "指数", "Index"), score(district.index));
        let legend = vec![
            (draw::css(draw::accent(theme)), who.clone()),
            (draw::css(draw::ink(theme).0), t(lang, "参评区县平均", "average of rated districts")),
        ];
        let note = source_note(&evaluation.source.document, lang);
        Callback::from(move |to: export::ImageTo| {
            let Some(chart) = canvas.cast::<HtmlCanvasElement>() else { return };
            let w = f64::from(chart.client_width());
            let picture = Picture {
                title: title.clone(),
                subtitle: subtitle.clone(),
                labels: export::row_labels(&labels, w, ROW),
                legend: legend.clone(),
                note: note.clone(),
            };
            export::deliver_png(to, &chart, &picture, theme, &format!("innogauge-profile-{}.png", code.clone().unwrap_or_default()));
        })
    };
    let on_csv = {
        let (evaluation, district) = (evaluation.clone(), district.clone());
        Callback::from(move |()| {
            let rows = evaluation.measures.iter().map(|m| {
                let mine = district.measures.iter().find(|s| s.measure == m.id);
                vec![
                    district.region.clone(),
                    district.name_zh.clone(),
                    m.part.clone(),
                    m.id.clone(),
                    m.name_zh.clone(),
                    mine.and_then(|s| s.value).map(|v| format!("{v:.4}")).unwrap_or_default(),
                    m.unit.clone(),
                    mine.and_then(|s| s.score).map(|v| format!("{v:.2}")).unwrap_or_default(),
                    mine.and_then(|s| s.percentile).map(|v| format!("{v:.3}")).unwrap_or_default(),
                ]
            });
            let text = export::csv(&["region", "地区", "part", "measure", "指标", "value", "unit", "score", "percentile"], rows);
            export::download_csv(&text, &eval::file_name(&evaluation, &format!("profile-{}", district.region), "csv"));
        })
    };
    html! {
        <div class="profile" ref={root}>
            <div class="head">
                <p class="title">{ who.clone() }<span class="region">{ format!(" · {name} · {period}") }</span></p>
                <Menu on_png={Some(on_png)} {on_csv} {lang} link={props.options.chart_query()} />
            </div>
            <p class="figure">{ score(district.index) }<span class="unit">{ t(lang, &format!("平均 {}", score(evaluation.average)), &format!("average {}", score(evaluation.average))) }</span></p>
            <p class="sub standing">{ standing }</p>
            <div class="rank-grid part-grid" role="img" aria-label={label} tabindex="0">
                <ol class="rank-names" aria-hidden="true">
                    { for evaluation.parts.iter().map(|p| html! { <li>{ part_name(evaluation, &p.id, lang) }</li> }) }
                </ol>
                <canvas ref={canvas} aria-hidden="true"></canvas>
                <ol class="rank-figures" aria-hidden="true">
                    { for evaluation.parts.iter().map(|p| html! {
                        <li>{ score(score_of(district, &p.id)) }<span class="interval">{ format!("/ {}", score(average_of(&p.id))) }</span></li>
                    }) }
                </ol>
            </div>
            <ul class="legend" aria-hidden="true">
                <li><span class="swatch" data-fill={draw::css(draw::accent(theme))}></span>{ who.clone() }</li>
                <li><span class="swatch tick" data-fill={draw::css(draw::ink(theme).0)}></span>{ t(lang, "参评区县平均", "average of rated districts") }</li>
            </ul>
            <ul class="verdicts">
                if let Some(strengths) = strengths {
                    <li><strong>{ t(lang, "优势：", "Strengths: ") }</strong>{ strengths }</li>
                }
                if let Some(weaknesses) = weaknesses {
                    <li><strong>{ t(lang, "短板：", "Weaknesses: ") }</strong>{ weaknesses }</li>
                }
                if let Some(moved) = moved {
                    <li>{ moved }</li>
                }
            </ul>
            <details>
                <summary>{ t(lang, "各项指标", "Every measure") }</summary>
                <div class="table-scroll" tabindex="0">
                    <table>
                        <caption class="sr-only">{ format!("{who} · {name} · {period}") }</caption>
                        <thead><tr>
                            <th scope="col">{ t(lang, "指标", "Measure") }</th><th scope="col">{ t(lang, "数值", "Value") }</th>
                            <th scope="col">{ t(lang, "得分", "Score") }</th><th scope="col">{ t(lang, "百分位", "Percentile") }</th>
                        </tr></thead>
                        <tbody>
                            { for evaluation.measures.iter().map(|m| {
                                let mine = district.measures.iter().find(|s| s.measure == m.id);
                                let value = mine.and_then(|s| s.value).map_or_else(|| "—".to_owned(), |v| format!("{}{}", format_number(v, 2), m.unit));
                                let percentile = mine.and_then(|s| s.percentile).map_or_else(|| "—".to_owned(), |p| format_number(p * 100.0, 0));
                                html! { <tr><th scope="row">{ measure_name(evaluation, &m.id, lang) }</th><td>{ value }</td><td>{ score(mine.and_then(|s| s.score)) }</td><td>{ percentile }</td></tr> }
                            }) }
                        </tbody>
                    </table>
                </div>
            </details>
        </div>
    }
}
