//! The trend: the quarterly series, the target at its deadline, the required path from the base
//! year (dashed) and the projection at the recent pace (dotted). Values show on hover, and by
//! keyboard: with the chart focused, ← → Home End step through the points and a live region
//! reads each one out.

use innogauge_model::format::{format_decimal, format_number};
use innogauge_model::wire::{PointWire, TrendWire};
use innogauge_model::{Decimal, MeasureKind, Period};
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::data::Loaded;
use crate::draw::{self, Frame, Margins};
use crate::export::{self, Label, Picture};
use crate::menu::Menu;
use crate::names::t;
use crate::names::{indicator_name, period_label, region_name, status_label, summary, unit};
use crate::options::{Theme, WidgetOptions};
use crate::table::DataTable;

/// Properties of [`Trend`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct TrendProps {
    /// The data.
    pub loaded: Loaded,
    /// The options.
    pub options: WidgetOptions,
}

/// The plot area's margins: room for the value ticks at the left and the years below.
const MARGINS: Margins = Margins { left: 56.0, right: 14.0, top: 10.0, bottom: 24.0 };

/// What the canvas shows, in chart terms (years and values) with the scales.
#[derive(Clone, Debug, PartialEq)]
pub struct TrendShape {
    /// (time, value) of each point shown.
    pub points: Vec<(f64, f64)>,
    /// Whether a point is a part-year figure of a year-to-date indicator (drawn hollow, off
    /// the line: it is not comparable with the full years).
    pub partial: Vec<bool>,
    /// The series index of each point shown.
    pub shown: Vec<usize>,
    /// The required path from the base, to the deadline.
    pub path: Option<TrendWire>,
    /// The projection from the latest value.
    pub projection: Option<TrendWire>,
    /// (deadline, target level).
    pub target: Option<(f64, f64)>,
    /// The time axis.
    pub x: (f64, f64),
    /// The value axis.
    pub y: (f64, f64),
    /// Value ticks.
    pub y_ticks: Vec<f64>,
    /// The highlighted point.
    pub selected: Option<usize>,
    /// Colours.
    pub theme: Theme,
}

impl TrendShape {
    fn fx(&self, t: f64) -> f64 {
        (t - self.x.0) / (self.x.1 - self.x.0).max(1e-9)
    }

    fn fy(&self, v: f64) -> f64 {
        1.0 - (v - self.y.0) / (self.y.1 - self.y.0).max(1e-9)
    }

    /// The year labels: each calendar year `Y` spans (Y−1, Y] on the time axis.
    fn years(&self) -> Vec<(f64, i32)> {
        let (first, last) = (self.x.0.floor() as i32 + 1, self.x.1.ceil() as i32);
        let every = if last - first > 8 { 2 } else { 1 };
        (first..=last)
            .filter(|y| (last - y) % every == 0)
            .map(|y| (self.fx(f64::from(y) - 0.5), y))
            .filter(|(f, _)| (0.0..=1.0).contains(f))
            .collect()
    }
}

/// Round steps for about four value ticks: 1, 2 or 5 × 10ⁿ.
pub fn nice_ticks(low: f64, high: f64) -> (f64, f64, Vec<f64>) {
    let span = (high - low).abs().max(1e-9);
    let raw = span / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(raw);
    let (start, end) = ((low / step).floor() * step, (high / step).ceil() * step);
    let count = ((end - start) / step).round() as usize;
    (start, end, (0..=count).map(|i| start + step * i as f64).collect())
}

/// Tick labels in one style: grouped digits with the decimals the step needs, or all in 万
/// from 100,000 up (a Chinese reader's unit for large counts).
pub fn tick_labels(ticks: &[f64]) -> Vec<(f64, String)> {
    let step = ticks.windows(2).map(|w| w[1] - w[0]).next().unwrap_or(1.0).abs().max(1e-9);
    let high = ticks.iter().copied().fold(0.0, |a: f64, b| a.max(b.abs()));
    let (divisor, suffix) = if high >= 100_000.0 { (10_000.0, "万") } else { (1.0, "") };
    let scaled = step / divisor;
    let decimals =
        (0..=3u8).find(|d| ((scaled * 10f64.powi(i32::from(*d))).round() - scaled * 10f64.powi(i32::from(*d))).abs() < 1e-6).unwrap_or(3);
    ticks
        .iter()
        .map(|v| (*v, if *v == 0.0 { "0".to_owned() } else { format!("{}{suffix}", format_number(v / divisor, decimals)) }))
        .collect()
}

fn time_of(period: &str) -> Option<f64> {
    Period::parse(period).ok().map(Period::end_in_years)
}

/// The points a trend shows: every point of a stock or a rate; for a year-to-date flow
/// (spending, events held) the full years, and the latest part-year figure apart.
fn shown_points(loaded: &Loaded) -> Vec<(usize, f64, f64, bool)> {
    let flow = loaded.catalog.indicator(&loaded.view.series.indicator).is_some_and(|i| i.measure == MeasureKind::Flow);
    let points: Vec<(usize, Period, f64)> = loaded
        .view
        .series
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Period::parse(&p.period).ok().map(|period| (i, period, p.value.to_f64())))
        .collect();
    let year_ends = points.iter().filter(|(_, p, _)| p.end_month() == 12).count();
    if !flow || year_ends < 2 {
        return points.into_iter().map(|(i, p, v)| (i, p.end_in_years(), v, false)).collect();
    }
    let last = points.len().saturating_sub(1);
    points
        .into_iter()
        .enumerate()
        .filter(|(k, (_, p, _))| p.end_month() == 12 || *k == last)
        .map(|(_, (i, p, v))| (i, p.end_in_years(), v, p.end_month() != 12))
        .collect()
}

/// The chart's shape from the series and the progress toward the target shown.
fn shape(loaded: &Loaded, theme: Theme, selected: Option<usize>, target: Option<&str>) -> TrendShape {
    let view = &loaded.view;
    let progress = view.progress_for(target);
    let shown_points = shown_points(loaded);
    let points: Vec<(f64, f64)> = shown_points.iter().map(|&(_, t, v, _)| (t, v)).collect();
    let partial: Vec<bool> = shown_points.iter().map(|p| p.3).collect();
    let shown: Vec<usize> = shown_points.iter().map(|p| p.0).collect();
    let deadline = progress.and_then(|p| p.deadline.as_deref()).and_then(time_of);
    let target = progress.and_then(|p| p.target_value).map(Decimal::to_f64).zip(deadline).map(|(v, t)| (t, v));
    let path = progress.and_then(|p| p.required_path.clone()).filter(|_| deadline.is_some());
    let projection = progress.and_then(|p| p.projection.clone()).filter(|_| deadline.is_some());
    let start = points.first().map(|p| p.0).into_iter().chain(path.as_ref().map(|p| p.t0)).fold(f64::INFINITY, f64::min);
    let end = points.last().map(|p| p.0).into_iter().chain(deadline).fold(f64::NEG_INFINITY, f64::max);
    let (start, end) = if start.is_finite() && end.is_finite() { (start - 0.1, end + 0.1) } else { (2020.0, 2026.0) };
    let mut values: Vec<f64> = points.iter().map(|p| p.1).collect();
    values.extend(target.map(|t| t.1));
    if let Some(deadline) = deadline {
        values.extend(path.as_ref().map(|p| p.at(deadline)));
        values.extend(projection.as_ref().map(|p| p.at(deadline)));
    }
    let values: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let low = values.iter().copied().fold(0.0, f64::min);
    let (y0, y1, y_ticks) = if high.is_finite() { nice_ticks(low, high * 1.05) } else { nice_ticks(0.0, 1.0) };
    TrendShape { points, partial, shown, path, projection, target, x: (start, end), y: (y0, y1), y_ticks, selected, theme }
}

/// Draws the chart.
pub fn paint(canvas: &HtmlCanvasElement, shape: &TrendShape, size: draw::CssSize) {
    let (width, height, ratio) = draw::fit_backing(canvas, size, None);
    let Some(root) = draw::area(canvas) else { return };
    let frame = Frame::inside(width, height, ratio, MARGINS);
    let (ink, grid) = draw::ink(shape.theme);
    let accent = draw::accent(shape.theme);
    let px = |t: f64, v: f64| frame.at(shape.fx(t), shape.fy(v));
    let thin = (ratio).round().max(1.0) as u32;
    for tick in &shape.y_ticks {
        let (y, x0, x1) = (frame.at(0.0, shape.fy(*tick)).1, frame.at(0.0, 0.0).0, frame.at(1.0, 0.0).0);
        let _ = root.draw(&PathElement::new(vec![(x0, y), (x1, y)], grid.stroke_width(thin)));
    }
    let years: Vec<f64> = shape.years().into_iter().map(|(fx, _)| fx).collect();
    for &fx in &years {
        let (x, y) = frame.at(fx, 1.0);
        let _ = root.draw(&PathElement::new(vec![(x, y), (x, y + (4.0 * ratio) as i32)], ink.stroke_width(thin)));
    }
    let curve = |trend: &TrendWire, from: f64, to: f64| -> Vec<(i32, i32)> {
        (0..=40).map(|i| from + (to - from) * f64::from(i) / 40.0).map(|t| px(t, trend.at(t))).collect()
    };
    if let (Some(path), Some((deadline, _))) = (&shape.path, shape.target) {
        let style = ink.mix(0.8).stroke_width((1.5 * ratio).round() as u32);
        draw::dashed(&root, &curve(path, path.t0, deadline), 6.0 * ratio, 4.0 * ratio, style);
    }
    let full: Vec<(f64, f64)> = shape.points.iter().zip(&shape.partial).filter(|(_, partial)| !**partial).map(|(p, _)| *p).collect();
    if let (Some(projection), Some((deadline, _)), Some(last)) = (&shape.projection, shape.target, full.last())
        && deadline > last.0
    {
        let style = accent.mix(0.9).stroke_width((1.5 * ratio).round() as u32);
        draw::dashed(&root, &curve(projection, last.0, deadline), 2.0 * ratio, 3.0 * ratio, style);
    }
    let line: Vec<(i32, i32)> = full.iter().map(|&(t, v)| px(t, v)).collect();
    let _ = root.draw(&PathElement::new(line.clone(), accent.stroke_width((2.0 * ratio).round() as u32)));
    for point in &line {
        let _ = root.draw(&Circle::new(*point, (2.5 * ratio).round() as i32, accent.filled()));
    }
    for (&(t, v), _) in shape.points.iter().zip(&shape.partial).filter(|(_, partial)| **partial) {
        let _ = root.draw(&Circle::new(px(t, v), (3.5 * ratio).round() as i32, accent.stroke_width((1.5 * ratio).round() as u32)));
    }
    if let Some((deadline, level)) = shape.target {
        // The target: a diamond at its deadline, outlined so it reads on every theme.
        let (x, y) = px(deadline, level);
        let r = (6.0 * ratio).round() as i32;
        let diamond = vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y)];
        let _ = root.draw(&Polygon::new(diamond, ink.filled()));
    }
    if let Some(&(t, v)) = shape.selected.and_then(|i| shape.points.get(i)) {
        let (x, y) = px(t, v);
        let (top, bottom) = (frame.at(0.0, 0.0).1, frame.at(0.0, 1.0).1);
        draw::dashed(&root, &[(x, top), (x, bottom)], 3.0 * ratio, 3.0 * ratio, ink.mix(0.6).stroke_width(thin));
        let _ = root.draw(&Circle::new((x, y), (5.0 * ratio).round() as i32, accent.stroke_width((2.0 * ratio).round() as u32)));
    }
    let _ = root.present();
    // Year labels need about 34 CSS pixels each ("2025" and a gap), value labels 16 (a line).
    let (plot_width, plot_height) = (size.width - MARGINS.left - MARGINS.right, size.height - MARGINS.top - MARGINS.bottom);
    let year_spacing = years.windows(2).map(|w| (w[1] - w[0]) * plot_width).fold(f64::INFINITY, f64::min);
    draw::thin_labels(canvas, ".xtick", draw::label_stride(year_spacing, 34.0));
    let value_spacing =
        shape.y_ticks.windows(2).map(|w| (shape.fy(w[0]) - shape.fy(w[1])).abs() * plot_height).fold(f64::INFINITY, f64::min);
    draw::thin_labels(canvas, ".ytick", draw::label_stride(value_spacing, 16.0));
}

/// The trend widget.
#[function_component(Trend)]
pub fn trend(props: &TrendProps) -> Html {
    let lang = props.options.lang;
    let theme = props.options.theme;
    let loaded = &props.loaded;
    let catalog = &loaded.catalog;
    let series = &loaded.view.series;
    let progress = loaded.view.progress_for(props.options.target.as_deref());
    let selected = use_state(|| None::<usize>);
    let canvas = use_node_ref();
    let wrap = use_node_ref();
    let root = use_node_ref();
    let shape = shape(loaded, theme, *selected, props.options.target.as_deref());
    draw::use_canvas(&canvas, shape.clone(), paint);
    draw::use_placed_labels(&root);

    let decimals = catalog.indicator(&series.indicator).map_or(2, |i| i.decimals);
    let unit = unit(catalog, &series.indicator);
    let name = indicator_name(catalog, &series.indicator, lang);
    let region = region_name(catalog, &series.region, lang);
    let count = shape.points.len();
    let point_text = |p: &PointWire| format!("{}：{}{unit}", period_label(&p.period, lang), format_decimal(p.value, decimals));
    let partial_note = t(lang, "（当年累计）", " (year to date)");
    let shown_text = |k: usize| -> Option<String> {
        let point = series.points.get(*shape.shown.get(k)?)?;
        let note = if shape.partial.get(k).copied().unwrap_or(false) { partial_note.as_str() } else { "" };
        Some(format!("{}{note}", point_text(point)))
    };

    let on_key = {
        let selected = selected.clone();
        Callback::from(move |event: KeyboardEvent| {
            if count == 0 {
                return;
            }
            let current = *selected;
            let next = match event.key().as_str() {
                "ArrowRight" | "ArrowUp" => Some(current.map_or(count - 1, |i| (i + 1).min(count - 1))),
                "ArrowLeft" | "ArrowDown" => Some(current.map_or(count - 1, |i| i.saturating_sub(1))),
                "Home" => Some(0),
                "End" => Some(count - 1),
                "Escape" => None,
                _ => return,
            };
            event.prevent_default();
            selected.set(next);
        })
    };
    let on_move = {
        let (selected, wrap, shape) = (selected.clone(), wrap.clone(), shape.clone());
        Callback::from(move |event: MouseEvent| {
            let Some(element) = wrap.cast::<web_sys::Element>() else { return };
            let rect = element.get_bounding_client_rect();
            let fx = (f64::from(event.client_x()) - rect.left() - MARGINS.left) / (rect.width() - MARGINS.left - MARGINS.right).max(1.0);
            let t = shape.x.0 + fx * (shape.x.1 - shape.x.0);
            let nearest = shape.points.iter().enumerate().min_by(|a, b| (a.1.0 - t).abs().total_cmp(&(b.1.0 - t).abs())).map(|(i, _)| i);
            if nearest != *selected {
                selected.set(nearest);
            }
        })
    };
    let on_leave = {
        let selected = selected.clone();
        Callback::from(move |_: MouseEvent| selected.set(None))
    };

    let y_labels: Vec<(f64, String)> = tick_labels(&shape.y_ticks).into_iter().map(|(v, text)| (shape.fy(v), text)).collect();
    let x_labels: Vec<(f64, String)> = shape.years().into_iter().map(|(fx, y)| (fx, y.to_string())).collect();
    let tip = selected.and_then(|k| shown_text(k).zip(shape.points.get(k))).map(|(text, &(t, v))| {
        let (fx, fy) = (shape.fx(t), shape.fy(v));
        let side = if fx > 0.6 { "tip tip-left" } else { "tip" };
        html! { <div class={side} aria-hidden="true" data-left={MARGINS.css_left(fx)} data-top={MARGINS.css_top(fy)}>{ text }</div> }
    });
    let announcement = selected.and_then(shown_text).unwrap_or_default();
    let label = progress.map_or_else(|| format!("{name} {region}"), |p| summary(p, lang));
    let hint = t(lang, "按左右方向键逐点查看数值", "Use the arrow keys to read each value");

    let legend = {
        let (ink, _) = draw::ink(theme);
        let mut entries = vec![("line", draw::css(draw::accent(theme)), t(lang, "实际值", "Actual"))];
        if shape.path.is_some() {
            entries.push(("dash", draw::css(ink), t(lang, "目标路径", "Required path")));
        }
        if shape.projection.is_some() && shape.target.is_some() {
            entries.push(("dot", draw::css(draw::accent(theme)), t(lang, "按近期增速预测", "Projection at recent pace")));
        }
        if let Some((_, level)) = shape.target {
            let deadline = progress.and_then(|p| p.deadline.clone()).unwrap_or_default();
            entries.push((
                "diamond",
                draw::css(ink),
                t(
                    lang,
                    &format!("{deadline}年目标 {}{unit}", format_number(level, decimals)),
                    &format!("Target {} {unit} by {deadline}", format_number(level, decimals)),
                ),
            ));
        }
        entries
    };

    let on_png = {
        let (canvas, legend, y_labels, x_labels) = (canvas.clone(), legend.clone(), y_labels.clone(), x_labels.clone());
        let (title, subtitle) = (format!("{name} · {region}"), progress.map(|p| status_label(p, lang)).unwrap_or_default());
        let note = t(lang, "来源：InnoGauge 科创目标仪表", "Source: InnoGauge");
        Callback::from(move |to: export::ImageTo| {
            let Some(chart) = canvas.cast::<HtmlCanvasElement>() else { return };
            let (w, h) = (f64::from(chart.client_width()), f64::from(chart.client_height()));
            let mut labels: Vec<Label> = y_labels
                .iter()
                .map(|(fy, text)| Label {
                    x: MARGINS.left - 6.0,
                    y: MARGINS.top + fy * (h - MARGINS.top - MARGINS.bottom),
                    text: text.clone(),
                    align: "right",
                })
                .collect();
            labels.extend(x_labels.iter().map(|(fx, text)| Label {
                x: MARGINS.left + fx * (w - MARGINS.left - MARGINS.right),
                y: h - MARGINS.bottom / 2.0 + 2.0,
                text: text.clone(),
                align: "center",
            }));
            let picture = Picture {
                title: title.clone(),
                subtitle: subtitle.clone(),
                labels,
                legend: legend.iter().map(|(_, colour, words)| (colour.clone(), words.clone())).collect(),
                note: note.clone(),
            };
            export::deliver_png(to, &chart, &picture, theme, "innogauge-trend.png");
        })
    };
    let on_csv = {
        let (series, lang) = (series.clone(), lang);
        let unit = unit.clone();
        Callback::from(move |()| export::download_series_csv(&series, &unit, lang))
    };

    html! {
        <div class="trend" ref={root.clone()}>
            <div class="head">
                <p class="title">{ name.clone() }<span class="region">{ format!(" · {region}") }</span></p>
                <Menu on_png={Some(on_png)} {on_csv} {lang} link={props.options.chart_query()} />
            </div>
            if count == 0 {
                <p class="message">{ t(lang, "暂无数据", "No data yet") }</p>
            }
            <div class="chart-wrap" ref={wrap} role="img" aria-label={label} aria-description={hint.clone()} tabindex="0"
                onkeydown={on_key} onmousemove={on_move} onmouseleave={on_leave}>
                <canvas ref={canvas} aria-hidden="true"></canvas>
                { for y_labels.iter().map(|(fy, text)| html! { <span class="ytick" aria-hidden="true" data-top={MARGINS.css_top(*fy)}>{ text.clone() }</span> }) }
                { for x_labels.iter().map(|(fx, text)| html! { <span class="xtick" aria-hidden="true" data-left={MARGINS.css_left(*fx)}>{ text.clone() }</span> }) }
                <div class="tips">{ for tip }</div>
            </div>
            <p class="sr-only" aria-live="polite">{ announcement }</p>
            <ul class="legend" aria-hidden="true">
                { for legend.iter().map(|(kind, colour, words)| html! {
                    <li><span class={classes!("swatch", *kind)} data-fill={if *kind == "dash" || *kind == "dot" { None } else { Some(colour.clone()) }}></span>{ words.clone() }</li>
                }) }
            </ul>
            { for progress.map(|p| html! { <p class="status" aria-hidden="true">{ status_label(p, lang) }</p> }) }
            <DataTable loaded={loaded.clone()} options={props.options.clone()} visible={false} />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_share_one_style() {
        let labels: Vec<String> = tick_labels(&[0.0, 2_500.0, 5_000.0, 7_500.0, 10_000.0]).into_iter().map(|l| l.1).collect();
        assert_eq!(labels, ["0", "2,500", "5,000", "7,500", "10,000"]);
        let labels: Vec<String> = tick_labels(&[0.0, 250_000.0, 500_000.0]).into_iter().map(|l| l.1).collect();
        assert_eq!(labels, ["0", "25万", "50万"]);
        let labels: Vec<String> = tick_labels(&[0.0, 2.5, 5.0]).into_iter().map(|l| l.1).collect();
        assert_eq!(labels, ["0", "2.5", "5.0"]);
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let (low, high, ticks) = nice_ticks(0.0, 8_400.0);
        assert_eq!((low, high), (0.0, 10_000.0));
        assert_eq!(ticks, vec![0.0, 2_500.0, 5_000.0, 7_500.0, 10_000.0]);
        let (_, _, ticks) = nice_ticks(0.0, 31.5);
        assert_eq!(ticks, vec![0.0, 10.0, 20.0, 30.0, 40.0]);
    }
}
