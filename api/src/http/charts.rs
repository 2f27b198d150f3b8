//! `GET /api/v1/chart.svg`: a widget as a picture, for portals whose editors strip `<script>`:
//! the same attributes as the widget (`type`, `indicator`, `region`, `period`, `measure`,
//! `method`, `lang`), the same model and the same chart code (the report's SVG charts), cached
//! per data version like every read. Types with a canvas drawn by plotters only: `gauge`,
//! `ranking`, `map`, `board` and the evaluation's `index-ranking`, `index-profile`, `index-map`.

use std::sync::Arc;

use innogauge_model::chart::{Theme, status_colour, tier_colour};
use innogauge_model::evaluation::{self, Framework, tier_label};
use innogauge_model::views;
use innogauge_model::wire::{ChartQuery, RankMeasure};
use innogauge_model::words::t;
use innogauge_model::{Catalog, Lang, Period, Status};

use super::error::ApiError;
use super::handlers::{Answer, indicator, optional_region, period, query_of};
use super::reply::{self, Ctx};
use crate::app::App;
use crate::report::charts;

/// The picture's last line.
fn note(lang: Lang, version: i64) -> String {
    t(lang, &format!("来源：InnoGauge 科创目标仪表 · 数据版本 #{version}"), &format!("Source: InnoGauge · data version #{version}"))
}

fn period_words(period: Option<&str>, lang: Lang) -> String {
    period.and_then(|p| Period::parse(p).ok()).map(|p| p.label(lang)).unwrap_or_default()
}

/// The body-cache key of a picture: the parsed query written back in one canonical form, so that
/// the same picture asked for with other parameter orders or unknown parameters is drawn once
/// per data version, not once per spelling (a flood of spellings would be a flood of renders).
fn picture_key(what: &str, q: &ChartQuery) -> String {
    format!("{what}?{}", serde_urlencoded::to_string(q).unwrap_or_default())
}

/// At most this many pictures are rasterised at once, whatever arrives: a flood of PNG requests
/// queues here instead of taking every blocking thread.
static RASTERISING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// `GET /api/v1/chart.svg`.
pub async fn chart(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    let q: ChartQuery = query_of(&query)?;
    let key = picture_key("chart.svg", &q);
    let snapshot = app.data.current();
    if let Some(hit) = reply::cached_as(&ctx, &app.cors, &app.bodies, snapshot.version, &key, "image/svg+xml") {
        return Ok(hit);
    }
    let picture = picture(&snapshot, q).await?;
    Ok(reply::cached_bytes(&ctx, &app.cors, &app.bodies, snapshot.version, &key, "image/svg+xml", || picture.into_bytes()))
}

/// `GET /api/v1/chart.png`: the same picture as pixels (twice the SVG's size), for the places
/// that take no SVG: a chat's link preview (`og:image` of `/chart`), a document, a slide.
pub async fn chart_png(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    let q: ChartQuery = query_of(&query)?;
    let key = picture_key("chart.png", &q);
    let snapshot = app.data.current();
    if let Some(hit) = reply::cached_as(&ctx, &app.cors, &app.bodies, snapshot.version, &key, "image/png") {
        return Ok(hit);
    }
    let svg = picture(&snapshot, q).await?;
    let fonts = app.reports.raster_fonts().map_err(|e| ApiError::unavailable(e.to_string()))?;
    let _turn = RASTERISING.acquire().await.map_err(|e| ApiError::internal(&e))?;
    // Rasterising takes milliseconds of CPU: off the async workers.
    let png = tokio::task::spawn_blocking(move || charts::rasterise(&svg, &fonts, 2.0))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::internal(&e))?;
    Ok(reply::cached_bytes(&ctx, &app.cors, &app.bodies, snapshot.version, &key, "image/png", || png))
}

/// The SVG picture `q` asks for, from `snapshot`.
async fn picture(snapshot: &Arc<crate::data::Snapshot>, q: ChartQuery) -> Result<String, ApiError> {
    let lang = match q.lang.as_deref() {
        None => Lang::Zh,
        Some(text) => Lang::parse(text).ok_or_else(|| ApiError::bad_request("bad-lang", format!("`lang` is zh or en, not {text:?}")))?,
    };
    let catalog: &Catalog = &snapshot.catalog;
    let region = optional_region(catalog, q.region.as_deref())?;
    let until = period(q.period.as_deref())?;
    let version = snapshot.version;
    // An indicator the picture does not use must still be one: a misspelt attribute is a 400,
    // not a picture that silently ignores it.
    if let Some(text) = q.indicator.as_deref().filter(|i| !i.is_empty()) {
        indicator(catalog, text)?;
    }
    let needs_indicator = || {
        q.indicator
            .as_deref()
            .ok_or_else(|| ApiError::bad_request("missing-parameter", format!("a {} picture needs `indicator`", q.kind)))
            .and_then(|i| indicator(catalog, i))
    };
    let picture = match q.kind.as_str() {
        "gauge" => {
            let indicator = needs_indicator()?;
            let region = region.unwrap_or_else(|| catalog.city());
            let view = views::series_view(catalog, &snapshot.dataset, indicator, region, until);
            let progress = view.progress_for(q.target.as_deref()).ok_or_else(|| ApiError::not_found("no progress to show"))?;
            let (body, height) = charts::gauge(catalog, progress, lang);
            let name = if lang == Lang::Zh { &indicator.name_zh } else { &indicator.name_en };
            let place = if lang == Lang::Zh { &region.name_zh } else { &region.name_en };
            let when = period_words(progress.latest.as_ref().map(|l| l.period.as_str()), lang);
            charts::card(360, &body, height, name, &format!("{place} · {when}"), &note(lang, version))
        }
        "ranking" | "map" => {
            let indicator = needs_indicator()?;
            let measure = q.measure.unwrap_or(RankMeasure::Value);
            let ranking = views::ranking(catalog, &snapshot.dataset, indicator, until, measure);
            let name = if lang == Lang::Zh { &indicator.name_zh } else { &indicator.name_en };
            let when = period_words(ranking.period.as_deref(), lang);
            if q.kind == "ranking" {
                let chosen = region.filter(|r| r.is_district()).map(|r| r.code.to_string());
                let (body, height) = charts::indicator_ranking(catalog, &ranking, chosen.as_deref(), lang);
                charts::card(560, &body, height, name, &when, &note(lang, version))
            } else {
                let fills: Vec<_> = ranking.entries.iter().map(|e| (e.region.clone(), status_colour(&e.status, Theme::Light))).collect();
                let legend: Vec<_> = Status::ALL
                    .iter()
                    .map(|s| {
                        let count = ranking.entries.iter().filter(|e| e.status == s.as_str()).count();
                        (status_colour(s.as_str(), Theme::Light), format!("{} {count}", s.label().get(lang)))
                    })
                    .collect();
                let (body, height) = charts::colour_map(crate::map::boundaries(), &fills, &legend);
                charts::card(520, &body, height, name, &when, &note(lang, version))
            }
        }
        "board" => {
            let region = region.unwrap_or_else(|| catalog.city());
            let progress: Vec<_> = catalog
                .targeted_indicators(&region.code, None)
                .into_iter()
                .flat_map(|i| views::progress_of(catalog, &snapshot.dataset, i, region, until))
                .filter(|p| p.target.is_some())
                .map(|p| innogauge_model::wire::ProgressWire::new(catalog, &p))
                .collect();
            let (body, height) = charts::board(catalog, &progress, lang);
            let place = if lang == Lang::Zh { &region.name_zh } else { &region.name_en };
            charts::card(
                640,
                &body,
                height,
                &t(lang, &format!("{place}科技创新目标"), &format!("{place}: targets")),
                &q.period.as_deref().map_or_else(|| t(lang, "最新数据", "latest data"), |p| period_words(Some(p), lang)),
                &note(lang, version),
            )
        }
        "index-ranking" | "index-profile" | "index-map" => {
            let framework = Framework::builtin();
            let quarter = match until {
                Some(p @ Period::Quarter(..)) => p,
                Some(other) => {
                    return Err(ApiError::bad_request("bad-period", format!("the evaluation is quarterly: {other} is not a quarter")));
                }
                None => evaluation::latest_period(catalog, &snapshot.dataset, framework, None)
                    .ok_or_else(|| ApiError::not_found("no quarter has the data for an evaluation yet"))?,
            };
            let method = q.method.unwrap_or_default();
            let data = snapshot.clone();
            let e = tokio::task::spawn_blocking(move || evaluation::evaluate(&data.catalog, &data.dataset, framework, quarter, method))
                .await
                .map_err(|e| ApiError::internal(&e))?;
            let title = if lang == Lang::Zh { e.name_zh.clone() } else { e.name_en.clone() };
            let when = quarter.label(lang);
            match q.kind.as_str() {
                "index-ranking" => {
                    let body = charts::ranking(&e, lang);
                    let height = svg_height(&body);
                    charts::card(680, &body, height, &title, &format!("{when} · {}", e.method.label().get(lang)), &note(lang, version))
                }
                "index-profile" => {
                    let district = region
                        .filter(|r| r.is_district())
                        .and_then(|r| e.districts.iter().find(|d| d.region == *r.code))
                        .ok_or_else(|| ApiError::bad_request("not-a-district", "a profile needs `region`, one of the 38 districts"))?;
                    let body = charts::parts(&e, district, lang);
                    let height = svg_height(&body);
                    let name = if lang == Lang::Zh { &district.name_zh } else { &district.name_en };
                    let standing = match district.rank {
                        Some(rank) => format!(
                            "{} {} · {}",
                            t(lang, "指数", "index"),
                            charts::score(district.index),
                            evaluation::rank_words(rank, district.rank_interval).get(lang)
                        ),
                        None => t(lang, "未参评", "not rated"),
                    };
                    charts::card(680, &body, height, &format!("{name} · {title}"), &format!("{when} · {standing}"), &note(lang, version))
                }
                _ => {
                    let fills: Vec<_> = e.districts.iter().map(|d| (d.region.clone(), tier_colour(d.tier, Theme::Light))).collect();
                    let legend: Vec<_> = [Some(1u8), Some(2), Some(3), None]
                        .into_iter()
                        .map(|tier| {
                            let count = e.districts.iter().filter(|d| d.tier == tier).count();
                            let words = tier.map_or_else(|| t(lang, "未参评", "not rated"), |tier| tier_label(tier).get(lang).to_owned());
                            (tier_colour(tier, Theme::Light), format!("{words} {count}"))
                        })
                        .collect();
                    let (body, height) = charts::colour_map(crate::map::boundaries(), &fills, &legend);
                    charts::card(520, &body, height, &title, &when, &note(lang, version))
                }
            }
        }
        other => {
            return Err(ApiError::bad_request(
                "bad-type",
                format!(
                    "no picture of a `{other}`: gauge, ranking, map, board, index-ranking, index-profile or index-map (a trend, kpi or table is best embedded as a widget or a frame)"
                ),
            ));
        }
    };
    Ok(picture)
}

/// The height an SVG says it has.
fn svg_height(svg: &str) -> u32 {
    svg.split_once("height=\"").and_then(|(_, rest)| rest.split_once('"')).and_then(|(h, _)| h.parse().ok()).unwrap_or(0)
}

/// The widget attributes a frame passes on, by query name.
const FRAME_ATTRIBUTES: [&str; 10] = ["type", "indicator", "region", "period", "target", "measure", "method", "lang", "theme", "height"];

/// The frame page's stylesheet: nothing around the widget.
pub const FRAME_CSS: &str = "html, body { margin: 0; padding: 0; background: transparent; }\nbody > div { margin: 0; }\n";

/// `GET /frame?type=gauge&indicator=…`: one widget alone on a page, for portals that can paste an
/// `<iframe>` but no `<script>`. The page tells its parent its height (`postMessage`), so a
/// parent with the resize listener of `/embed` sizes the frame to the widget.
pub async fn frame(_app: Arc<App>, _ctx: Ctx, query: String) -> Answer {
    let asked = Attributes::parse(&query)?;
    let value = |name: &str| asked.get(name);
    let kind = value("type").ok_or_else(|| ApiError::bad_request("missing-parameter", "a frame needs `type` (as data-innogauge)"))?;
    if !kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
        return Err(ApiError::bad_request("bad-type", "`type` is a widget type, such as gauge or index-map"));
    }
    let id = value("id").unwrap_or_else(|| "innogauge".to_owned());
    let lang = if value("lang").as_deref() == Some("en") { "en" } else { "zh-CN" };
    let mut attributes = format!(r#" data-innogauge="{}""#, charts::xml(&kind));
    for name in FRAME_ATTRIBUTES.iter().skip(1) {
        if let Some(v) = value(name) {
            attributes.push_str(&format!(r#" data-{name}="{}""#, charts::xml(&v)));
        }
    }
    let body = format!(
        r#"<!doctype html><html lang="{lang}" data-innogauge-frame="{}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>InnoGauge</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/frame.css"><script src="/widgets/innogauge.js" defer></script></head><body><div{attributes}></div></body></html>"#,
        charts::xml(&id)
    );
    Ok(widget_page(body))
}

/// A page of one widget (`/frame`, `/chart`): HTML cached for five minutes (it holds no data:
/// the widget fetches its own), framable by any portal (a frame's point), running only our own
/// scripts and styles.
fn widget_page(body: String) -> warp::reply::Response {
    let mut response = warp::reply::Reply::into_response(warp::http::Response::new(bytes::Bytes::from(body)));
    let headers = response.headers_mut();
    use warp::http::{HeaderValue, header};
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'"),
    );
    response
}

/// A widget page's query: its `name=value` pairs, read trimmed, an empty value as none.
struct Attributes(Vec<(String, String)>);

impl Attributes {
    fn parse(query: &str) -> Result<Attributes, ApiError> {
        serde_urlencoded::from_str(query).map(Attributes).map_err(|e| ApiError::bad_request("invalid-query", e.to_string()))
    }

    fn get(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).filter(|v| !v.is_empty())
    }
}

/// `GET /frame.css`.
pub async fn frame_css(app: Arc<App>, ctx: Ctx, _query: String) -> Answer {
    let etag = reply::content_etag(FRAME_CSS.as_bytes());
    Ok(reply::bytes_response(
        &ctx,
        &app.cors,
        warp::http::StatusCode::OK,
        "text/css; charset=utf-8",
        bytes::Bytes::from_static(FRAME_CSS.as_bytes()),
        Some(&etag),
    ))
}

/// The picture (`chart.svg` / `chart.png` type) that stands for a widget type in a link
/// preview: the types without a picture of their own show the nearest one.
fn picture_type(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "gauge" | "trend" | "kpi" | "table" => "gauge",
        "ranking" => "ranking",
        "map" => "map",
        "board" => "board",
        "index-ranking" | "index-table" => "index-ranking",
        "index-profile" => "index-profile",
        "index-map" => "index-map",
        _ => return None,
    })
}

/// `GET /chart?type=…&indicator=…`: one chart on a page of its own, the address a widget's
/// "copy link" gives (the chart's state in the URL, as the widget's attributes). Its `og:` and
/// `twitter:` tags give a chat or a social site a title, a description and a picture
/// (`chart.png` of the same attributes), so a pasted link shows what it points to.
pub async fn chart_page(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    let asked = Attributes::parse(&query)?;
    let value = |name: &str| asked.get(name);
    let kind = value("type").ok_or_else(|| ApiError::bad_request("missing-parameter", "a chart needs `type` (as data-innogauge)"))?;
    let picture = picture_type(&kind).ok_or_else(|| {
        ApiError::bad_request(
            "bad-type",
            "`type` is a widget type: gauge, trend, kpi, table, ranking, map, board, index-ranking, index-profile, index-map or index-table",
        )
    })?;
    let lang = match value("lang").as_deref() {
        None | Some("zh") => Lang::Zh,
        Some("en") => Lang::En,
        Some(other) => return Err(ApiError::bad_request("bad-lang", format!("`lang` is zh or en, not {other:?}"))),
    };
    let snapshot = app.data.current();
    let catalog: &Catalog = &snapshot.catalog;
    let region = optional_region(catalog, value("region").as_deref())?;
    let place = region.map(|r| if lang == Lang::Zh { r.name_zh.clone() } else { r.name_en.clone() });
    let indicator = match value("indicator") {
        Some(text) => Some(indicator(catalog, &text)?),
        None => None,
    };
    let name = indicator.map(|i| if lang == Lang::Zh { i.name_zh.clone() } else { i.name_en.clone() });
    let title = match (kind.starts_with("index-"), kind.as_str(), name, place) {
        (true, _, _, Some(place)) if kind == "index-profile" => {
            t(lang, &format!("{place}科技创新评价"), &format!("{place}: innovation evaluation"))
        }
        (true, ..) => t(lang, "重庆市区县科技创新评价", "Chongqing district innovation evaluation"),
        (_, "board", _, place) => {
            let place = place.unwrap_or_else(|| t(lang, "重庆市", "Chongqing"));
            t(lang, &format!("{place}科技创新目标进展"), &format!("{place}: science & technology targets"))
        }
        (_, "ranking" | "map", Some(name), _) => t(lang, &format!("{name} · 各区县"), &format!("{name} · the districts")),
        (_, _, Some(name), Some(place)) => format!("{name} · {place}"),
        (_, _, Some(name), None) => t(lang, &format!("{name} · 重庆市"), &format!("{name} · Chongqing")),
        _ => return Err(ApiError::bad_request("missing-parameter", format!("a {kind} chart needs `indicator`"))),
    };
    let description = t(
        lang,
        "InnoGauge 科创目标仪表：重庆市科技创新 2025 年目标进展，数据上传后数秒内更新。",
        "InnoGauge: Chongqing's science and technology targets for 2025, updated within seconds of each upload.",
    );
    let origin = ctx.own_origin();
    let mut image_query = format!("type={picture}");
    let mut attributes = format!(r#" data-innogauge="{}""#, charts::xml(&kind));
    // A frame's attributes but the type (written above) and the height: the chart page gives
    // the widget the room it needs.
    for name in FRAME_ATTRIBUTES.into_iter().filter(|n| !matches!(*n, "type" | "height")) {
        let Some(v) = value(name) else { continue };
        attributes.push_str(&format!(r#" data-{name}="{}""#, charts::xml(&v)));
        // The picture takes the attributes it knows; a map's `measure=status` is its default.
        let pictured = match name {
            "theme" => false,
            "measure" => matches!(v.as_str(), "value" | "achievement" | "growth"),
            "indicator" => picture != "board" && !picture.starts_with("index-"),
            _ => true,
        };
        if pictured {
            image_query.push('&');
            image_query.push_str(&serde_urlencoded::to_string([(name, v.as_str())]).unwrap_or_default());
        }
    }
    let image = format!("{origin}/api/v1/chart.png?{image_query}");
    let url = format!("{origin}/chart?{query}");
    let html_lang = if lang == Lang::En { "en" } else { "zh-CN" };
    let source = t(lang, "来源：InnoGauge 科创目标仪表 · 实时数据", "Source: InnoGauge · live data");
    let more = t(lang, "全部目标", "All targets");
    let body = format!(
        r#"<!doctype html><html lang="{html_lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · InnoGauge</title><meta name="description" content="{description}"><meta property="og:type" content="website"><meta property="og:site_name" content="InnoGauge 科创目标仪表"><meta property="og:title" content="{title}"><meta property="og:description" content="{description}"><meta property="og:image" content="{image}"><meta property="og:url" content="{url}"><meta name="twitter:card" content="summary_large_image"><meta name="twitter:image" content="{image}"><link rel="icon" href="data:,"><link rel="stylesheet" href="/pages/app.css"><script src="/widgets/innogauge.js" defer></script></head><body class="chart-page"><main><h1>{title}</h1><div class="chart"{attributes}></div><p class="muted">{source} · <a href="/board">{more}</a></p></main></body></html>"#,
        title = charts::xml(&title),
        description = charts::xml(&description),
        image = charts::xml(&image),
        url = charts::xml(&url),
    );
    Ok(widget_page(body))
}
