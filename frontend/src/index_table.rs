//! Every district × part of the evaluation as a table (`data-innogauge="index-table"`): rank,
//! interval, change, district, group (一区两群), tier, index and each part's score, best first,
//! the districts not rated last with their coverage; the average row at the foot. Sortable by
//! any column with the column heads (buttons, so the keyboard sorts too).

use std::rc::Rc;

use innogauge_model::evaluation::change_words;
use innogauge_model::wire::{EvaluationDistrictWire, EvaluationWire};
use yew::prelude::*;

use crate::data::SharedCatalog;
use crate::evaluation::{self as eval, district_name, part_name, score, tier_word};
use crate::export;
use crate::menu::Menu;
use crate::names::t;
use crate::options::WidgetOptions;

/// Properties of [`IndexTable`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct IndexTableProps {
    /// The catalogue (to read `data-region`).
    pub catalog: SharedCatalog,
    /// The evaluation.
    pub evaluation: Rc<EvaluationWire>,
    /// The options.
    pub options: WidgetOptions,
}

/// The column the table is sorted by: the rank, or a part (best first).
#[derive(Clone, Debug, PartialEq)]
enum SortBy {
    Rank,
    Part(String),
}

/// A district's score of a part.
fn part_score(district: &EvaluationDistrictWire, part: &str) -> Option<f64> {
    district.parts.iter().find(|p| p.part == part).and_then(|p| p.score)
}

/// The table widget.
#[function_component(IndexTable)]
pub fn index_table(props: &IndexTableProps) -> Html {
    let lang = props.options.lang;
    let evaluation = &props.evaluation;
    let sort = use_state(|| SortBy::Rank);
    let chosen = props.catalog.region(&props.options.region).filter(|r| r.is_district()).map(|r| r.code.to_string());
    let mut districts = eval::ranked(evaluation);
    if let SortBy::Part(part) = &*sort {
        districts
            .sort_by(|a, b| part_score(b, part).unwrap_or(f64::NEG_INFINITY).total_cmp(&part_score(a, part).unwrap_or(f64::NEG_INFINITY)));
    }
    let (name, period) = eval::title(evaluation, lang);
    let on_csv = {
        let evaluation = evaluation.clone();
        Callback::from(move |()| {
            export::download_csv(&eval::csv(&evaluation), &eval::file_name(&evaluation, "index", "csv"));
        })
    };
    let head = |label: String, by: SortBy| {
        let active = *sort == by;
        let onclick = {
            let sort = sort.clone();
            Callback::from(move |_: MouseEvent| sort.set(by.clone()))
        };
        html! {
            <th scope="col" aria-sort={if active { "descending" } else { "none" }}>
                <button class="sort" type="button" {onclick}>{ label }{ if active { " ▼" } else { "" } }</button>
            </th>
        }
    };
    let sorted_by = match &*sort {
        SortBy::Rank => t(lang, "按名次", "by rank"),
        SortBy::Part(part) => {
            t(lang, &format!("按{}得分", part_name(evaluation, part, lang)), &format!("by {} score", part_name(evaluation, part, lang)))
        }
    };
    html! {
        <div class="index-table">
            <div class="head">
                <p class="title">{ name.clone() }<span class="region">{ format!(" · {period}") }</span></p>
                <Menu on_png={None::<Callback<export::ImageTo>>} {on_csv} {lang} link={props.options.chart_query()} />
            </div>
            <p class="sub">{ t(lang,
                &format!("{} · {} 个区县参评 · 参评区县平均 {}", evaluation.method.label().zh, eval::rated(evaluation), score(evaluation.average)),
                &format!("{} · {} districts rated · average {}", evaluation.method.label().en, eval::rated(evaluation), score(evaluation.average))) }</p>
            <div class="table-scroll tall" tabindex="0" role="region" aria-label={format!("{name} · {period}")}>
                <table>
                    <caption class="sr-only">{ format!("{name} · {period} · {sorted_by}") }</caption>
                    <thead><tr>
                        { head(t(lang, "名次", "Rank"), SortBy::Rank) }
                        <th scope="col">{ t(lang, "区县", "District") }</th>
                        <th scope="col">{ t(lang, "梯队", "Tier") }</th>
                        <th scope="col">{ t(lang, "指数", "Index") }</th>
                        <th scope="col">{ t(lang, "名次区间", "Interval") }</th>
                        <th scope="col">{ t(lang, "比上年", "Change") }</th>
                        { for evaluation.parts.iter().map(|p| head(part_name(evaluation, &p.id, lang), SortBy::Part(p.id.clone()))) }
                    </tr></thead>
                    <tbody>
                        { for districts.iter().map(|d| {
                            let is_chosen = chosen.as_deref() == Some(d.region.as_str());
                            html! {
                                <tr class={classes!(is_chosen.then_some("chosen"))}>
                                    <td>{ d.rank.map(|r| r.to_string()).unwrap_or_else(|| "—".to_owned()) }</td>
                                    <th scope="row">{ district_name(d, lang) }<span class="group">{ d.group_zh.clone().filter(|_| lang == innogauge_model::Lang::Zh).unwrap_or_default() }</span></th>
                                    <td>{ tier_word(d, lang) }</td>
                                    <td>{ score(d.index) }</td>
                                    <td>{ eval::interval(d) }</td>
                                    <td title={change_words(d.rank_change).get(lang).to_owned()}>{ eval::change(d) }</td>
                                    { for evaluation.parts.iter().map(|p| html! { <td>{ score(part_score(d, &p.id)) }</td> }) }
                                </tr>
                            }
                        }) }
                    </tbody>
                    <tfoot><tr>
                        <td></td><th scope="row">{ t(lang, "参评区县平均", "Average of rated districts") }</th><td></td>
                        <td>{ score(evaluation.average) }</td><td></td><td></td>
                        { for evaluation.parts.iter().map(|p| html! { <td>{ score(evaluation.part_averages.iter().find(|a| a.part == p.id).and_then(|a| a.score)) }</td> }) }
                    </tr></tfoot>
                </table>
            </div>
        </div>
    }
}
