//! The report's charts as SVG: the model's chart code (`innogauge_model::chart`, the code the
//! widgets paint on their canvas) drawn on plotters' SVG backend, with the names and figures
//! added as SVG text (the widgets write them in HTML beside the canvas; a report's picture must
//! carry them). One CSS pixel is one SVG unit; the report scales each picture to its column.

use innogauge_model::chart::index::{self, IndexBars, IndexRow, PartBars};
use innogauge_model::chart::progress::{self as bars, TargetBars};
use innogauge_model::chart::regions::{self, Regions};
use innogauge_model::chart::{Theme, tier_colour};
use innogauge_model::geo::FeatureCollection;
use innogauge_model::wire::{EvaluationDistrictWire, EvaluationWire, ProgressWire};
use innogauge_model::{Catalog, Lang};
use plotters::coord::Shift;
use plotters::prelude::*;

/// The font of the charts' text (the one the PDF embeds; browsers fall back to their own).
pub const FONT: &str = "Noto Sans CJK SC, Noto Sans CJK, PingFang SC, Microsoft YaHei, sans-serif";

/// The text colour of the light theme.
const INK: &str = "#1f2937";

/// Where a text sits on its point.
#[derive(Clone, Copy, Debug)]
pub enum Anchor {
    /// Left-aligned.
    Start,
    /// Centred.
    Middle,
    /// Right-aligned.
    End,
}

/// A text of a chart, vertically centred on `y`.
#[derive(Clone, Debug)]
pub struct Text {
    /// Horizontal position.
    pub x: f64,
    /// Vertical middle.
    pub y: f64,
    /// The words.
    pub text: String,
    /// Alignment.
    pub anchor: Anchor,
    /// Size in SVG units.
    pub size: f64,
    /// Bold.
    pub bold: bool,
}

impl Text {
    fn new(x: f64, y: f64, text: impl Into<String>, anchor: Anchor) -> Text {
        Text { x, y, text: text.into(), anchor, size: 11.0, bold: false }
    }
}

/// Escapes text for XML.
pub fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An SVG picture: `paint` draws on an area of `width` × `height`, then the texts are added.
pub fn svg(width: u32, height: u32, paint: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>), texts: &[Text]) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        paint(&root);
        let _ = root.present();
    }
    let labels: String = texts.iter().map(text_element).collect();
    match out.rfind("</svg>") {
        Some(end) => out.insert_str(end, &labels),
        None => out.push_str(&labels),
    }
    out
}

/// Row height of the ranking.
const RANK_ROW: f64 = 16.0;

/// The index ranking: a head row, then per district its rank, name, bar in its tier's colour,
/// index, interval and change; the average dashed.
pub fn ranking(evaluation: &EvaluationWire, lang: Lang) -> String {
    let (width, left, right) = (680u32, 150.0, 150.0);
    let districts = ranked(evaluation);
    let head = RANK_ROW * 1.25;
    let height = (head + districts.len() as f64 * RANK_ROW).ceil() as u32;
    let bars = IndexBars {
        rows: districts.iter().map(|d| IndexRow { index: d.index, tier: d.tier, highlighted: false }).collect(),
        average: evaluation.average,
        theme: Theme::Light,
    };
    let zh = lang == Lang::Zh;
    let (index_x, interval_x, change_x) = (f64::from(width) - 104.0, f64::from(width) - 36.0, f64::from(width) - 2.0);
    let heads =
        if zh { ["名次", "区县", "指数", "名次区间", "比上年"] } else { ["Rank", "District", "Index", "Interval", "Change"] };
    let mut texts: Vec<Text> =
        [(22.0, Anchor::End), (26.0, Anchor::Start), (index_x, Anchor::End), (interval_x, Anchor::End), (change_x, Anchor::End)]
            .iter()
            .zip(heads)
            .map(|((x, anchor), words)| Text { bold: true, size: 10.0, ..Text::new(*x, head / 2.0, words, *anchor) })
            .collect();
    for (i, d) in districts.iter().enumerate() {
        let y = head + (i as f64 + 0.5) * RANK_ROW;
        texts.push(Text::new(22.0, y, d.rank.map(|r| r.to_string()).unwrap_or_default(), Anchor::End));
        texts.push(Text::new(26.0, y, short_name(d, lang), Anchor::Start));
        if d.rated {
            texts.push(Text::new(index_x, y, score(d.index), Anchor::End));
            texts.push(Text::new(interval_x, y, interval(d), Anchor::End));
            texts.push(Text::new(change_x, y, innogauge_model::evaluation::change_symbol(d.rank_change), Anchor::End));
        } else {
            texts.push(Text::new(change_x, y, if zh { "未参评" } else { "not rated" }, Anchor::End));
        }
    }
    svg(
        width,
        height,
        |root| {
            let area = root.margin(head as i32, 0, left as i32, right as i32);
            let (w, h) = area.dim_in_pixel();
            index::paint_bars(&area, w, h, 1.0, &bars);
        },
        &texts,
    )
}

/// Row height of a profile.
const PART_ROW: f64 = 24.0;

/// A district's parts against the average: part, bar, the tick of the average, "score / average".
pub fn parts(evaluation: &EvaluationWire, district: &EvaluationDistrictWire, lang: Lang) -> String {
    let (width, left, right) = (680u32, 170.0, 110.0);
    let height = (evaluation.parts.len() as f64 * PART_ROW).ceil() as u32;
    let average = |part: &str| evaluation.part_averages.iter().find(|p| p.part == part).and_then(|p| p.score);
    let mine = |part: &str| district.parts.iter().find(|p| p.part == part).and_then(|p| p.score);
    let bars = PartBars { rows: evaluation.parts.iter().map(|p| (mine(&p.id), average(&p.id))).collect(), theme: Theme::Light };
    let mut texts = Vec::new();
    for (i, p) in evaluation.parts.iter().enumerate() {
        let y = (i as f64 + 0.5) * PART_ROW;
        texts.push(Text::new(0.0, y, if lang == Lang::Zh { p.name_zh.clone() } else { p.name_en.clone() }, Anchor::Start));
        texts.push(Text::new(f64::from(width) - 2.0, y, format!("{} / {}", score(mine(&p.id)), score(average(&p.id))), Anchor::End));
    }
    svg(
        width,
        height,
        |root| {
            let area = root.margin(0, 0, left as i32, right as i32);
            let (w, h) = area.dim_in_pixel();
            index::paint_parts(&area, w, h, 1.0, &bars);
        },
        &texts,
    )
}

/// The tiers on the map (the legend is the report's text).
pub fn tier_map(evaluation: &EvaluationWire, map: &FeatureCollection) -> String {
    let width = 520u32;
    let height = (f64::from(width) * regions::aspect(map)).round() as u32;
    let fills: Vec<(String, RGBColor)> =
        evaluation.districts.iter().map(|d| (d.region.clone(), tier_colour(d.tier, Theme::Light))).collect();
    let shape = Regions { map, fills: &fills, highlighted: None, grey_borders: false, theme: Theme::Light };
    svg(width, height, |root| regions::paint(root, width, height, 1.0, &shape), &[])
}

/// One target's bar (the board's), for a table cell.
pub fn target_bar(catalog: &Catalog, progress: &ProgressWire) -> String {
    let (width, height) = (160u32, 18u32);
    let shape = TargetBars {
        rows: vec![(progress.target_fraction(catalog), progress.expected_fraction(catalog), progress.status.clone())],
        theme: Theme::Light,
    };
    svg(width, height, |root| bars::paint(root, width, height, 1.0, &shape), &[])
}

/// The districts best first, the ones not rated last.
pub fn ranked(evaluation: &EvaluationWire) -> Vec<&EvaluationDistrictWire> {
    let mut districts: Vec<&EvaluationDistrictWire> = evaluation.districts.iter().collect();
    districts.sort_by_key(|d| d.rank.unwrap_or(usize::MAX));
    districts
}

/// A score as written: one decimal.
pub fn score(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| innogauge_model::format::format_number(v, 1))
}

/// The rank interval: `12–18`.
pub fn interval(district: &EvaluationDistrictWire) -> String {
    match district.rank_interval {
        Some([low, high]) if low != high => format!("{low}–{high}"),
        Some([low, _]) => low.to_string(),
        None => "—".to_owned(),
    }
}

/// A district's name short enough for a chart row (the autonomous counties' English names are
/// long: "Youyang Tujia and Miao Autonomous County" → "Youyang").
fn short_name(district: &EvaluationDistrictWire, lang: Lang) -> String {
    match lang {
        Lang::Zh => district.name_zh.clone(),
        Lang::En => {
            let name = &district.name_en;
            if name.chars().count() > 22 { name.split_whitespace().next().unwrap_or(name).to_owned() } else { name.clone() }
        }
    }
}

/// A picture for a portal that allows no script (`GET /api/v1/chart.svg`): a white card with
/// the title, the subtitle, the chart of `body_height`, and a note (the source, the data's time).
pub fn card(body_width: u32, body: &str, body_height: u32, title: &str, subtitle: &str, note: &str) -> String {
    let (top, pad) = (50u32, 12u32);
    let width = body_width + 2 * pad;
    let height = top + body_height + 26;
    let body = body.replacen("<svg ", &format!(r#"<svg x="{pad}" y="{top}" "#), 1);
    let texts = [
        Text { bold: true, size: 15.0, ..Text::new(12.0, 17.0, title, Anchor::Start) },
        Text { size: 11.5, ..Text::new(12.0, 37.0, subtitle, Anchor::Start) },
        Text { size: 9.5, ..Text::new(12.0, f64::from(top + body_height) + 14.0, note, Anchor::Start) },
    ];
    let labels: String = texts.iter().map(text_element).collect();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{label}"><title>{label}</title><rect width="{width}" height="{height}" fill="#ffffff"/>{labels}{body}</svg>"##,
        label = xml(&format!("{title} · {subtitle}"))
    )
}

/// One SVG text element.
fn text_element(text: &Text) -> String {
    let anchor = match text.anchor {
        Anchor::Start => "start",
        Anchor::Middle => "middle",
        Anchor::End => "end",
    };
    // The baseline a third of the size below the middle: SVG renderers differ in
    // `dominant-baseline`, not in baselines.
    format!(
        r#"<text x="{:.1}" y="{:.1}" font-family="{FONT}" font-size="{}" font-weight="{}" text-anchor="{anchor}" fill="{INK}">{}</text>"#,
        text.x,
        text.y + text.size * 0.36,
        text.size,
        if text.bold { 700 } else { 400 },
        xml(&text.text)
    )
}

/// A gauge: the arc toward the target, the figure inside it, the status below.
pub fn gauge(catalog: &Catalog, progress: &ProgressWire, lang: Lang) -> (String, u32) {
    use innogauge_model::chart::progress::{GaugeShape, paint_gauge};
    let (width, arc) = (360u32, 198u32);
    let shape = GaugeShape {
        fraction: progress.target_fraction(catalog).unwrap_or(0.0),
        expected: progress.expected_fraction(catalog),
        status: progress.status.clone(),
    };
    let figure = progress.latest.as_ref().map_or_else(
        || "—".to_owned(),
        |l| {
            format!(
                "{}{}",
                innogauge_model::words::figure(catalog, &progress.indicator, l.value, lang),
                innogauge_model::words::unit(catalog, &progress.indicator)
            )
        },
    );
    let status = if lang == Lang::Zh { progress.status_label.zh.clone() } else { progress.status_label.en.clone() };
    let texts = [
        Text { bold: true, size: 24.0, ..Text::new(f64::from(width) / 2.0, f64::from(arc) * 0.8, figure, Anchor::Middle) },
        Text { size: 12.0, ..Text::new(f64::from(width) / 2.0, f64::from(arc) + 14.0, status, Anchor::Middle) },
        Text {
            size: 10.5,
            ..Text::new(
                f64::from(width) / 2.0,
                f64::from(arc) + 32.0,
                innogauge_model::words::target_figures(catalog, progress, lang),
                Anchor::Middle,
            )
        },
    ];
    let height = arc + 44;
    (svg(width, height, |root| paint_gauge(&root.margin(0, height - arc, 0, 0), width, arc, 1.0, &shape, Theme::Light), &texts), height)
}

/// An indicator's ranking: rank and district, the bar in its status's colour, the figure; the
/// threshold dashed and the chosen district outlined.
pub fn indicator_ranking(catalog: &Catalog, ranking: &innogauge_model::views::Ranking, chosen: Option<&str>, lang: Lang) -> (String, u32) {
    use innogauge_model::chart::progress::{StatusBars, paint_ranking};
    let (width, left, right) = (560u32, 130.0, 110.0);
    let height = (ranking.entries.len() as f64 * RANK_ROW).ceil() as u32;
    let figures: Vec<f64> = ranking.entries.iter().filter_map(|e| e.figure).chain(ranking.threshold).collect();
    let high = figures.iter().copied().fold(0.0, f64::max);
    let low = figures.iter().copied().fold(0.0, f64::min);
    let bars = StatusBars {
        rows: ranking.entries.iter().map(|e| (e.figure, e.status.clone(), chosen == Some(e.region.as_str()))).collect(),
        threshold: ranking.threshold,
        range: (low * 1.05, if high > 0.0 { high * 1.05 } else { 1.0 }),
        theme: Theme::Light,
    };
    let mut texts = Vec::new();
    for (i, e) in ranking.entries.iter().enumerate() {
        let y = (i as f64 + 0.5) * RANK_ROW;
        let bold = chosen == Some(e.region.as_str());
        texts.push(Text { bold, ..Text::new(20.0, y, e.rank.map(|r| r.to_string()).unwrap_or_default(), Anchor::End) });
        let name = if lang == Lang::Zh { e.name_zh.clone() } else { e.name_en.split_whitespace().next().unwrap_or_default().to_owned() };
        texts.push(Text { bold, ..Text::new(26.0, y, name, Anchor::Start) });
        let figure = innogauge_model::words::figure_text(catalog, &ranking.indicator, ranking.measure, e.figure, lang);
        texts.push(Text { bold, ..Text::new(f64::from(width) - 2.0, y, figure, Anchor::End) });
    }
    let picture = svg(
        width,
        height,
        |root| {
            let area = root.margin(0, 0, left as i32, right as i32);
            let (w, h) = area.dim_in_pixel();
            paint_ranking(&area, w, h, 1.0, &bars);
        },
        &texts,
    );
    (picture, height)
}

/// Fills and a legend, drawn under a map: (colour, words) in rows of three.
fn legend_texts(legend: &[(RGBColor, String)], top: f64) -> (Vec<Text>, Vec<(f64, f64, RGBColor)>) {
    let (mut texts, mut swatches) = (Vec::new(), Vec::new());
    for (i, (colour, words)) in legend.iter().enumerate() {
        let (x, y) = (12.0 + (i % 3) as f64 * 170.0, top + (i / 3) as f64 * 18.0);
        swatches.push((x, y, *colour));
        texts.push(Text { size: 10.5, ..Text::new(x + 16.0, y, words.clone(), Anchor::Start) });
    }
    (texts, swatches)
}

/// The districts on a map, each in its colour, with the legend under it.
pub fn colour_map(map: &FeatureCollection, fills: &[(String, RGBColor)], legend: &[(RGBColor, String)]) -> (String, u32) {
    let width = 520u32;
    let map_height = (f64::from(width) * regions::aspect(map)).round() as u32;
    let rows = legend.len().div_ceil(3) as u32;
    let height = map_height + 8 + rows * 18;
    let (texts, swatches) = legend_texts(legend, f64::from(map_height) + 16.0);
    let shape = Regions { map, fills, highlighted: None, grey_borders: true, theme: Theme::Light };
    let picture = svg(
        width,
        height,
        |root| {
            regions::paint(&root.margin(0, height - map_height, 0, 0), width, map_height, 1.0, &shape);
            for (x, y, colour) in swatches {
                let _ = root.draw(&Rectangle::new([(x as i32, (y - 5.0) as i32), ((x + 10.0) as i32, (y + 5.0) as i32)], colour.filled()));
            }
        },
        &texts,
    );
    (picture, height)
}

/// Every target of a region: the indicator, its bar, its status and figures.
pub fn board(catalog: &Catalog, progress: &[ProgressWire], lang: Lang) -> (String, u32) {
    let (width, row) = (640u32, 34.0);
    let (left, bar) = (210.0, 150.0);
    let height = (progress.len().max(1) as f64 * row).ceil() as u32;
    let shape = TargetBars {
        rows: progress.iter().map(|p| (p.target_fraction(catalog), p.expected_fraction(catalog), p.status.clone())).collect(),
        theme: Theme::Light,
    };
    let mut texts = Vec::new();
    for (i, p) in progress.iter().enumerate() {
        let y = (i as f64 + 0.5) * row;
        let name = catalog
            .indicator(&p.indicator)
            .map_or_else(|| p.indicator.clone(), |ind| if lang == Lang::Zh { ind.name_zh.clone() } else { ind.name_en.clone() });
        texts.push(Text { size: 11.0, ..Text::new(0.0, y - 6.0, name, Anchor::Start) });
        texts.push(Text { size: 9.5, ..Text::new(0.0, y + 7.0, innogauge_model::words::target_figures(catalog, p, lang), Anchor::Start) });
        let status = if lang == Lang::Zh { p.status_label.zh.clone() } else { p.status_label.en.clone() };
        texts.push(Text { size: 10.5, ..Text::new(left + bar + 12.0 + 0.0, y, status, Anchor::Start) });
    }
    let picture = svg(
        width,
        height,
        |root| {
            let area = root.margin(0, 0, left as i32, (f64::from(width) - left - bar) as i32);
            let (w, h) = area.dim_in_pixel();
            bars::paint(&area, w, h, 1.0, &shape);
        },
        &texts,
    );
    (picture, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_added_inside_the_picture() {
        let picture = svg(100, 20, |_| {}, &[Text::new(1.0, 10.0, "<script>&", Anchor::Start)]);
        assert!(picture.starts_with("<svg"), "{picture}");
        assert!(picture.trim_end().ends_with("</svg>"));
        assert!(picture.contains("&lt;script&gt;&amp;</text>"));
        assert!(!picture.contains("<script>"));
    }
}

/// A font database for [`rasterise`]: every font file in `dir`, memory-mapped. Fails without a
/// Noto Sans CJK face (the pictures' Chinese would be empty boxes).
pub fn raster_fonts(dir: &std::path::Path) -> Result<resvg::usvg::fontdb::Database, String> {
    let mut fonts = resvg::usvg::fontdb::Database::new();
    fonts.load_fonts_dir(dir);
    if !fonts.faces().any(|face| face.families.iter().any(|(family, _)| family.starts_with("Noto Sans CJK"))) {
        return Err(format!("no Noto Sans CJK font in {}: install Debian's fonts-noto-cjk, or point --font-dir at it", dir.display()));
    }
    fonts.set_sans_serif_family("Noto Sans CJK SC");
    Ok(fonts)
}

/// Why an SVG picture could not become a PNG.
#[derive(Debug, thiserror::Error)]
pub enum RasterError {
    /// The SVG did not parse (a fault of ours: the pictures are generated).
    #[error("the picture's SVG does not parse: {0}")]
    Svg(#[from] resvg::usvg::Error),
    /// Zero or absurd size.
    #[error("a picture of {0}×{1} pixels cannot be made")]
    Size(u32, u32),
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// The largest side of a PNG picture, in pixels: the pictures are a card of at most 680 units
/// wide and a few hundred tall, so this bound is only a guard.
const MAX_SIDE: u32 = 4096;

/// `svg` as a PNG, `scale` pixels per SVG unit, text set in `fonts`, on white.
pub fn rasterise(svg: &str, fonts: &std::sync::Arc<resvg::usvg::fontdb::Database>, scale: f32) -> Result<Vec<u8>, RasterError> {
    use resvg::{tiny_skia, usvg};
    let options = usvg::Options { fontdb: fonts.clone(), font_family: "Noto Sans CJK SC".to_owned(), ..usvg::Options::default() };
    let tree = usvg::Tree::from_str(svg, &options)?;
    let size = tree.size().to_int_size().scale_by(scale).ok_or(RasterError::Size(0, 0))?;
    let (width, height) = (size.width(), size.height());
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(RasterError::Size(width, height));
    }
    let mut pixmap = tiny_skia::Pixmap::new(width, height).ok_or(RasterError::Size(width, height))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| RasterError::Png(e.to_string()))
}
