//! Request handlers: parse the request, call the model or the services, build the response.
//! Thin on purpose: every figure comes from `innogauge_model::views` or `progress`.

use std::sync::Arc;

use bytes::Bytes;
use innogauge_model::evaluation::{self, Framework};
use innogauge_model::views::{self, RankMeasure};
use innogauge_model::wire::{
    BackupFile, BackupStatus, CatalogQuery, EvaluationQuery, EvaluationWire, ExportQuery, Health, HistoryEntry, HistoryQuery,
    ProgressQuery, ProgressWire, RankingQuery, SeriesQuery, SeriesWire, SnapshotWire, UploadDetail, UploadQuery, UploadStatus,
    UploadSummary, UploadsQuery,
};
use innogauge_model::{Catalog, Indicator, Period, Region, UploadOptions};
use serde::Serialize;
use warp::Reply;
use warp::http::StatusCode;

use super::error::ApiError;
use super::reply::{self, Ctx, bytes_response, cached_json, json};
use crate::accounts;
use crate::app::App;
use crate::auth::{self, AuthError, Principal};
use crate::ingest::{FileFormat, RevertError, StoredReport, UploadRequest, summary};

pub type Answer = Result<warp::reply::Response, ApiError>;

/// The query string as its typed request (`shared::wire`): unknown parameters are ignored, a
/// missing or malformed one is a 400 that names it.
pub(super) fn query_of<T: serde::de::DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    serde_urlencoded::from_str(query).map_err(|e| {
        let message = e.to_string();
        let code = if message.starts_with("missing field") { "missing-parameter" } else { "invalid-query" };
        ApiError::bad_request(code, format!("the query string cannot be read: {message}"))
    })
}

pub(super) fn indicator<'c>(catalog: &'c Catalog, text: &str) -> Result<&'c Indicator, ApiError> {
    catalog.indicator(text).ok_or_else(|| ApiError::not_found(format!("unknown indicator {text:?}")))
}

pub(super) fn region<'c>(catalog: &'c Catalog, text: &str) -> Result<&'c Region, ApiError> {
    catalog.region(text).ok_or_else(|| ApiError::not_found(format!("unknown region {text:?}")))
}

fn optional_indicator<'c>(catalog: &'c Catalog, text: Option<&str>) -> Result<Option<&'c Indicator>, ApiError> {
    text.map(|t| indicator(catalog, t)).transpose()
}

pub(super) fn optional_region<'c>(catalog: &'c Catalog, text: Option<&str>) -> Result<Option<&'c Region>, ApiError> {
    text.map(|t| region(catalog, t)).transpose()
}

pub(super) fn period(text: Option<&str>) -> Result<Option<Period>, ApiError> {
    text.map(|p| Period::parse(p).map_err(|e| ApiError::bad_request("bad-period", e.message.en))).transpose()
}

pub async fn healthz(app: Arc<App>, ctx: Ctx, _query: String) -> Answer {
    let version = app.store.data_version().await?;
    Ok(json(&ctx, &app.cors, StatusCode::OK, &Health { status: "ok".into(), data_version: version }))
}

pub async fn metrics(app: Arc<App>, _ctx: Ctx, _query: String) -> Answer {
    let mut response = warp::http::Response::new(Bytes::from(app.metrics.render())).into_response();
    response.headers_mut().insert(
        warp::http::header::CONTENT_TYPE,
        warp::http::HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    Ok(response)
}

pub async fn openapi(app: Arc<App>, ctx: Ctx, _query: String) -> Answer {
    Ok(reply::static_json(&ctx, &app.cors, "openapi", super::openapi::document))
}

/// `GET /api/v1/catalog[?as_of=N]`: the catalogue in force now, or at data version `N` (a
/// published report's targets are those of its version).
pub async fn catalog(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    let snapshot = app.data.current();
    let q: CatalogQuery = query_of(&query)?;
    match q.as_of {
        Some(v) if v < 0 => Err(ApiError::bad_request("bad-as-of", "`as_of` is an upload id")),
        Some(v) if v < snapshot.version => {
            // What was in force at a past version never changes: the ETag is that version's.
            let etag = reply::etag(v, "catalog");
            if ctx.if_none_match.as_deref() == Some(etag.as_str()) {
                return Ok(reply::not_modified(&ctx, &app.cors, &etag));
            }
            let catalog = crate::data::catalog_at(&*app.store, &crate::data::builtin_catalog(), v).await?;
            let body = Bytes::from(serde_json::to_vec(catalog.document()).map_err(|e| ApiError::internal(&e))?);
            Ok(bytes_response(&ctx, &app.cors, StatusCode::OK, "application/json; charset=utf-8", body, Some(&etag)))
        }
        _ => Ok(cached_json(&ctx, &app.cors, &app.bodies, snapshot.version, "catalog", || snapshot.catalog.document().clone())),
    }
}

pub async fn series(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    let key = format!("series?{query}");
    let snapshot = app.data.current();
    // Past versions (`as_of`) are answered below, never from the body cache.
    if !query.contains("as_of")
        && let Some(hit) = reply::cached(&ctx, &app.cors, &app.bodies, snapshot.version, &key)
    {
        return Ok(hit);
    }
    let q: SeriesQuery = query_of(&query)?;
    let catalog = &snapshot.catalog;
    let indicator = indicator(catalog, &q.indicator)?;
    let region = optional_region(catalog, q.region.as_deref())?.unwrap_or_else(|| catalog.city());
    let until = period(q.period.as_deref())?;
    let as_of = q.as_of;
    match as_of {
        // A version not reached yet, or the current one, is the current data: answering it as
        // a past version would pin that answer while the data move on.
        None => {}
        Some(v) if v >= snapshot.version => {}
        Some(v) if v < 0 => return Err(ApiError::bad_request("bad-as-of", "`as_of` is an upload id")),
        Some(v) => {
            let past = app.data.as_of(v).await?;
            // Judged by the targets in force then; an indicator or region the past catalogue
            // did not have yet is simply unknown at that version.
            let (indicator, region) = (self::indicator(&past.catalog, &indicator.id)?, self::region(&past.catalog, &region.code)?);
            let view = views::series_view(&past.catalog, &past.dataset, indicator, region, until);
            // What was known after an upload never changes: the ETag is that upload's.
            let etag = reply::etag(v, &key);
            if ctx.if_none_match.as_deref() == Some(etag.as_str()) {
                return Ok(reply::not_modified(&ctx, &app.cors, &etag));
            }
            let body = Bytes::from(serde_json::to_vec(&view).map_err(|e| ApiError::internal(&e))?);
            return Ok(bytes_response(&ctx, &app.cors, StatusCode::OK, "application/json; charset=utf-8", body, Some(&etag)));
        }
    }
    // The current data under one key, however `as_of` was spelt.
    let key = if as_of.is_some() { current_key("series", &query) } else { key };
    Ok(cached_json(&ctx, &app.cors, &app.bodies, snapshot.version, &key, || {
        views::series_view(catalog, &snapshot.dataset, indicator, region, until)
    }))
}

/// The cache key of a read without its `as_of` parameter.
fn current_key(route: &str, query: &str) -> String {
    let rest: Vec<&str> = query.split('&').filter(|pair| !pair.starts_with("as_of=") && *pair != "as_of").collect();
    format!("{route}?{}", rest.join("&"))
}

pub async fn progress(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    let key = format!("progress?{query}");
    let snapshot = app.data.current();
    let version = snapshot.version;
    if let Some(hit) = reply::cached(&ctx, &app.cors, &app.bodies, version, &key) {
        return Ok(hit);
    }
    let q: ProgressQuery = query_of(&query)?;
    let catalog = &snapshot.catalog;
    let (indicator, region, until) = (
        optional_indicator(catalog, q.indicator.as_deref())?,
        optional_region(catalog, q.region.as_deref())?,
        period(q.period.as_deref())?,
    );
    let summaries = || -> Vec<ProgressWire> {
        let pairs: Vec<(&Indicator, &Region)> = match (indicator, region) {
            (Some(i), Some(r)) => vec![(i, r)],
            // Every region of an indicator: the city, the districts, the zones.
            (Some(i), None) => catalog.regions().iter().map(|r| (i, r)).collect(),
            // Every target of a region.
            (None, Some(r)) => catalog.targeted_indicators(&r.code, None).into_iter().map(|i| (i, r)).collect(),
            (None, None) => catalog.targets().iter().filter_map(|t| catalog.indicator(&t.indicator).map(|i| (i, catalog.city()))).collect(),
        };
        let mut seen = std::collections::HashSet::new();
        pairs
            .into_iter()
            .filter(|(i, r)| seen.insert((i.id.clone(), r.code.clone())))
            .flat_map(|(i, r)| views::progress_of(catalog, &snapshot.dataset, i, r, until))
            .map(|p| ProgressWire::new(catalog, &p))
            .collect()
    };
    Ok(cached_json(&ctx, &app.cors, &app.bodies, version, &key, summaries))
}

/// `GET /api/v1/evaluation`: the district innovation index at a period (the latest that enough
/// districts have data for by default), with tiers, intervals and what moved each district.
pub async fn evaluation(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    let key = format!("evaluation?{query}");
    let current = app.data.current();
    if !query.contains("as_of")
        && let Some(hit) = reply::cached(&ctx, &app.cors, &app.bodies, current.version, &key)
    {
        return Ok(hit);
    }
    let q: EvaluationQuery = query_of(&query)?;
    let only = optional_region(&current.catalog, q.region.as_deref())?.map(|r| r.code.clone());
    if only.as_ref().is_some_and(|code| current.catalog.region(code).is_some_and(|r| !r.is_district())) {
        return Err(ApiError::bad_request("not-a-district", "the evaluation compares the 38 districts: name one of them, or none"));
    }
    let requested = period(q.period.as_deref())?;
    let method = q.method.unwrap_or_default();
    let (snapshot, version, past) = match q.as_of {
        Some(v) if v < 0 => return Err(ApiError::bad_request("bad-as-of", "`as_of` is an upload id")),
        Some(v) if v < current.version => (app.data.as_of(v).await?, v, true),
        _ => (current.clone(), current.version, false),
    };
    let framework = Framework::builtin();
    let build = move || -> Result<EvaluationWire, ApiError> {
        let catalog = &snapshot.catalog;
        let period = match requested {
            Some(Period::Quarter(y, q)) => Period::Quarter(y, q),
            Some(other) => {
                return Err(ApiError::bad_request("bad-period", format!("the evaluation is quarterly: {other} is not a quarter")));
            }
            None => evaluation::latest_period(catalog, &snapshot.dataset, framework, None)
                .ok_or_else(|| ApiError::not_found("no quarter has the data for an evaluation yet"))?,
        };
        let mut result = evaluation::evaluate(catalog, &snapshot.dataset, framework, period, method);
        if let Some(code) = only {
            result.districts.retain(|d| d.region == *code);
        }
        Ok(result)
    };
    if past {
        let etag = reply::etag(version, &key);
        if ctx.if_none_match.as_deref() == Some(etag.as_str()) {
            return Ok(reply::not_modified(&ctx, &app.cors, &etag));
        }
        let result = tokio::task::spawn_blocking(build).await.map_err(|e| ApiError::internal(&e))??;
        let body = Bytes::from(serde_json::to_vec(&result).map_err(|e| ApiError::internal(&e))?);
        return Ok(bytes_response(&ctx, &app.cors, StatusCode::OK, "application/json; charset=utf-8", body, Some(&etag)));
    }
    // Five hundred perturbed runs: off the runtime, once per data version and query.
    let result = tokio::task::spawn_blocking(build).await.map_err(|e| ApiError::internal(&e))??;
    Ok(cached_json(&ctx, &app.cors, &app.bodies, version, &key, || result))
}

pub async fn ranking(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    let key = format!("ranking?{query}");
    let snapshot = app.data.current();
    if let Some(hit) = reply::cached(&ctx, &app.cors, &app.bodies, snapshot.version, &key) {
        return Ok(hit);
    }
    let q: RankingQuery = query_of(&query)?;
    let indicator = indicator(&snapshot.catalog, &q.indicator)?;
    let period = period(q.period.as_deref())?;
    let measure = q.measure.unwrap_or(RankMeasure::Value);
    Ok(cached_json(&ctx, &app.cors, &app.bodies, snapshot.version, &key, || {
        views::ranking(&snapshot.catalog, &snapshot.dataset, indicator, period, measure)
    }))
}

pub async fn snapshot(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    let snapshot = app.data.current();
    Ok(cached_json(&ctx, &app.cors, &app.bodies, snapshot.version, &format!("snapshot?{query}"), || {
        let view = views::snapshot(&snapshot.catalog, &snapshot.dataset);
        SnapshotWire { data_version: snapshot.version, progress: view.progress, latest: view.latest }
    }))
}

pub async fn boundaries(app: Arc<App>, ctx: Ctx, _query: String) -> Answer {
    // Changes only with a new binary.
    Ok(reply::static_json(&ctx, &app.cors, "boundaries", crate::map::boundaries))
}

pub async fn history(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    let q: HistoryQuery = query_of(&query)?;
    let catalog = app.catalog();
    let indicator = indicator(&catalog, &q.indicator)?;
    let region = region(&catalog, &q.region)?;
    let period = period(Some(&q.period))?.ok_or_else(|| ApiError::bad_request("bad-period", "`period` is required"))?;
    let revisions = app.store.history(&indicator.id, &region.code, period.month_index()).await?;
    let entries: Vec<HistoryEntry> = revisions
        .into_iter()
        .map(|r| HistoryEntry {
            revision: r.id,
            upload: r.upload_id,
            created_at: crate::time::rfc3339(r.created_at_ms),
            actor: r.actor,
            period: r.period,
            value: r.value,
            note: r.note,
        })
        .collect();
    let version = app.data.current().version;
    Ok(cached_json(&ctx, &app.cors, &app.bodies, version, &format!("history?{query}"), || entries))
}

pub async fn export_csv(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    let q: ExportQuery = query_of(&query)?;
    let snapshot = app.data.current();
    let catalog = &snapshot.catalog;
    let (only_indicator, only_region) =
        (optional_indicator(catalog, q.indicator.as_deref())?, optional_region(catalog, q.region.as_deref())?);
    // UTF-8 with BOM so that Excel on Chinese Windows opens it without mojibake.
    let mut out = String::from("\u{FEFF}indicator,指标,region,地区,period,value,unit,origin\n");
    for indicator in catalog.indicators().iter().filter(|i| only_indicator.is_none_or(|o| o.id == i.id)) {
        for region in catalog.regions().iter().filter(|r| only_region.is_none_or(|o| o.code == r.code)) {
            let series: SeriesWire = (&snapshot.dataset.series(catalog, &indicator.id, &region.code)).into();
            for point in &series.points {
                let row = [
                    &*indicator.id,
                    &indicator.name_zh,
                    &*region.code,
                    &region.name_zh,
                    &point.period,
                    &point.value.to_string(),
                    &indicator.unit,
                    &point.origin,
                ];
                out.push_str(&innogauge_model::format::csv_line(row));
                out.push('\n');
            }
        }
    }
    let etag = reply::etag(snapshot.version, &format!("csv?{query}"));
    let mut response = bytes_response(&ctx, &app.cors, StatusCode::OK, "text/csv; charset=utf-8", Bytes::from(out), Some(&etag));
    response.headers_mut().insert(
        warp::http::header::CONTENT_DISPOSITION,
        warp::http::HeaderValue::from_static("attachment; filename=\"innogauge-export.csv\""),
    );
    Ok(response)
}

pub async fn events(app: Arc<App>, ctx: Ctx) -> Answer {
    let last = ctx.last_event_id.as_deref().and_then(|id| id.trim().parse::<i64>().ok());
    let version = app.data.current().version;
    let stream = app.events.stream(version, last);
    let mut response = warp::sse::reply(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(warp::http::header::CACHE_CONTROL, warp::http::HeaderValue::from_static("no-cache"));
    // Proxies such as nginx would otherwise buffer the stream.
    headers.insert("x-accel-buffering", warp::http::HeaderValue::from_static("no"));
    if let Some(origin) = reply_origin(&app, &ctx) {
        headers.insert(warp::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(warp::http::header::VARY, warp::http::HeaderValue::from_static("Origin"));
    }
    Ok(response)
}

fn reply_origin(app: &App, ctx: &Ctx) -> Option<warp::http::HeaderValue> {
    match &app.cors {
        reply::CorsPolicy::AnyOrigin => Some(warp::http::HeaderValue::from_static("*")),
        reply::CorsPolicy::Allow(list) => {
            ctx.origin.as_deref().filter(|o| list.iter().any(|a| a == o)).and_then(|o| warp::http::HeaderValue::from_str(o).ok())
        }
    }
}

/// Who is making a state-changing request: a bearer token, or a signed-in browser. With the
/// session cookie the request must also carry the session's CSRF token and come from a page
/// of this server: the cookie alone proves nothing, any site can make a browser send it.
pub(super) async fn writer(app: &App, ctx: &Ctx) -> Result<Principal, ApiError> {
    if ctx.authorization.is_some() {
        return auth::authenticate(&*app.store, ctx.authorization.as_deref()).await.map_err(|e| match e {
            AuthError::Missing => ApiError::unauthorized("send `Authorization: Bearer <token>`"),
            AuthError::Invalid => ApiError::unauthorized("the token is not valid"),
            AuthError::Store(e) => ApiError::from(e),
        });
    }
    let Some(session) = accounts::session(&*app.store, ctx.cookie.as_deref(), crate::time::now_ms()).await? else {
        return Err(ApiError::unauthorized("sign in at /signin, or send `Authorization: Bearer <token>`"));
    };
    if !ctx.is_same_origin() || !accounts::csrf_matches(&session, ctx.csrf.as_deref()) {
        return Err(ApiError::csrf());
    }
    accounts::principal(&session.user).ok_or_else(|| ApiError::unauthorized("the account's role is not known"))
}

/// The file inside a request body: raw CSV/Excel, or the first file part of a multipart form.
struct File {
    bytes: Vec<u8>,
    name: Option<String>,
    format: FileFormat,
}

async fn file_of(ctx: &Ctx, body: Bytes, name_param: Option<&String>) -> Result<File, ApiError> {
    let content_type = ctx.content_type.clone().unwrap_or_default();
    if content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(&content_type).map_err(|e| ApiError::bad_request("bad-multipart", e.to_string()))?;
        let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
        let mut form = multer::Multipart::new(stream, boundary);
        while let Some(field) = form.next_field().await.map_err(|e| ApiError::bad_request("bad-multipart", e.to_string()))? {
            let Some(file_name) = field.file_name().map(str::to_owned) else { continue };
            let mime = field.content_type().map(ToString::to_string);
            let bytes = field.bytes().await.map_err(|e| ApiError::bad_request("bad-multipart", e.to_string()))?.to_vec();
            let format = format_of(Some(&file_name), mime.as_deref(), &bytes)
                .ok_or_else(|| ApiError::unsupported(format!("{file_name}: upload a .csv or .xlsx file")))?;
            return Ok(File { bytes, name: Some(file_name), format });
        }
        return Err(ApiError::bad_request("no-file", "the form has no file part"));
    }
    let name = name_param.cloned();
    let mime = Some(content_type.as_str()).filter(|m| !m.is_empty());
    let format = format_of(name.as_deref(), mime, &body).ok_or_else(|| {
        ApiError::unsupported(match mime {
            Some(mime) => format!("{mime}: send text/csv or an .xlsx workbook"),
            None => "say what the body is: Content-Type text/csv, or an .xlsx workbook".to_owned(),
        })
    })?;
    Ok(File { bytes: body.to_vec(), name, format })
}

/// What a file is, from what the client says and its first bytes, which must agree: a declared
/// type must be one we read (PNG bytes or an `image/png` part are refused, not read as CSV), a
/// type that says nothing sure (`application/octet-stream`, or `application/vnd.ms-excel`,
/// which Windows browsers send for `.csv` files) leaves it to the name, and text needs a name or
/// a type. An old `.xls` workbook is neither zip nor text and is refused.
fn format_of(name: Option<&str>, mime: Option<&str>, bytes: &[u8]) -> Option<FileFormat> {
    let essence = mime.and_then(|m| m.split(';').next()).unwrap_or("").trim().to_ascii_lowercase();
    let claimed = match essence.as_str() {
        "" | "application/octet-stream" | "application/vnd.ms-excel" | "application/x-msexcel" => name.and_then(FileFormat::from_name),
        other => Some(FileFormat::from_mime(other)?),
    };
    match (claimed, sniff(bytes)?) {
        (Some(FileFormat::Workbook) | None, Sniffed::Zip) => Some(FileFormat::Workbook),
        (Some(FileFormat::Csv), Sniffed::Text) => Some(FileFormat::Csv),
        _ => None,
    }
}

/// What the first bytes of a body look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sniffed {
    /// A zip archive (an `.xlsx` workbook).
    Zip,
    /// Text: no NUL bytes, or UTF-16 with its byte order mark.
    Text,
}

/// A zip signature, or text; `None` for anything else (an image, an old `.xls` workbook).
fn sniff(bytes: &[u8]) -> Option<Sniffed> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(Sniffed::Zip);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Some(Sniffed::Text);
    }
    let head = &bytes[..bytes.len().min(8192)];
    // Every binary format we have seen uploaded (PNG, JPEG, PDF, OLE) has a NUL or a control
    // byte in its first bytes; CSV text has neither.
    let binary = head.iter().any(|&b| b == 0 || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)));
    (!binary).then_some(Sniffed::Text)
}

pub async fn upload(app: Arc<App>, ctx: Ctx, query: String, body: Bytes) -> Answer {
    let who = writer(&app, &ctx).await?;
    if !who.can_write() {
        return Err(ApiError::forbidden("this token may only read"));
    }
    let address = ctx.remote.map(|a| a.ip().to_string()).unwrap_or_default();
    if let Err(wait) = app.rate.check(&format!("token:{}", who.name)).and_then(|()| app.rate.check(&format!("addr:{address}"))) {
        return Err(ApiError::too_many_requests(format!("at most {} uploads a minute", app.limits.uploads_per_minute)).retry_after(wait));
    }
    let q: UploadQuery = query_of(&query)?;
    let dry_run = q.dry_run.unwrap_or(false);
    let file = file_of(&ctx, body, q.filename.as_ref()).await?;
    let options = UploadOptions {
        period: period(q.period.as_deref())?,
        max_bytes: app.limits.max_upload_bytes,
        max_rows: app.limits.max_rows,
        allowed_regions: who.write_scope(),
    };
    let request = UploadRequest {
        bytes: file.bytes,
        format: file.format,
        file_name: file.name,
        options,
        actor: who.name.clone(),
        idempotency_key: ctx.idempotency_key.clone(),
        dry_run,
        // The upload page shows the file as a grid; it cannot read a workbook itself.
        grid_rows: q.grid.unwrap_or(false).then_some(GRID_ROWS),
    };
    let outcome = app.ingest.upload(request).await?;
    let rows = u64::from(outcome.report.data_rows);
    let status = match outcome.status {
        UploadStatus::Committed => {
            app.metrics.upload("committed", rows);
            StatusCode::CREATED
        }
        UploadStatus::DryRun => {
            app.metrics.upload("dry_run", rows);
            StatusCode::OK
        }
        UploadStatus::Duplicate => {
            app.metrics.upload("duplicate", rows);
            StatusCode::OK
        }
        UploadStatus::Rejected => {
            app.metrics.upload("rejected", rows);
            // Too large is its own status; any other error is unprocessable content.
            if outcome.report.problems.iter().any(|p| p.code == "file-too-large") {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            }
        }
    };
    Ok(json(&ctx, &app.cors, status, &outcome))
}

/// Rows of a file sent back for the upload page's grid (`grid=true`).
const GRID_ROWS: usize = 5_000;

/// Whether the reader is someone we know (a valid token of any role, or a signed-in browser):
/// they see who uploaded and which file; the public does not.
async fn known_reader(app: &App, ctx: &Ctx) -> Result<bool, ApiError> {
    if ctx.authorization.is_some() {
        return Ok(auth::authenticate(&*app.store, ctx.authorization.as_deref()).await.is_ok());
    }
    Ok(accounts::session(&*app.store, ctx.cookie.as_deref(), crate::time::now_ms()).await?.is_some())
}

/// An upload as this reader may see it.
fn shown(upload: UploadSummary, known: bool) -> UploadSummary {
    if known { upload } else { upload.public() }
}

pub async fn list_uploads(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    let q: UploadsQuery = query_of(&query)?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let before = q.before;
    let known = known_reader(&app, &ctx).await?;
    let uploads: Vec<UploadSummary> = app.store.uploads(limit, before).await?.iter().map(|u| shown(summary(u), known)).collect();
    Ok(private_json(&ctx, &app, &uploads))
}

pub async fn upload_detail(app: Arc<App>, ctx: Ctx, id: i64) -> Answer {
    let upload = app.store.upload(id).await?.ok_or_else(|| ApiError::not_found(format!("no upload {id}")))?;
    let stored: Option<StoredReport> = serde_json::from_str(&upload.report).ok();
    let (report, changes) = stored.map_or((None, None), |s| (Some(s.report), Some(s.changes)));
    let known = known_reader(&app, &ctx).await?;
    Ok(private_json(&ctx, &app, &UploadDetail { upload: shown(summary(&upload), known), report, changes }))
}

/// `GET /api/v1/backup`: the scheduled backups, for admins (a token, or a signed-in browser).
pub async fn backup_status(app: Arc<App>, ctx: Ctx) -> Answer {
    let who = if ctx.authorization.is_some() {
        auth::authenticate(&*app.store, ctx.authorization.as_deref()).await.ok()
    } else {
        accounts::session(&*app.store, ctx.cookie.as_deref(), crate::time::now_ms()).await?.and_then(|s| accounts::principal(&s.user))
    };
    match who {
        None => return Err(ApiError::unauthorized("sign in at /signin, or send `Authorization: Bearer <token>`")),
        Some(p) if p.role != auth::Role::Admin => return Err(ApiError::forbidden("only an admin sees the backups")),
        Some(_) => {}
    }
    let dir = app.backups.get().cloned().flatten();
    let latest = dir.as_deref().and_then(crate::backup::latest).map(|(path, bytes, modified)| BackupFile {
        name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        bytes,
        written_at: crate::time::rfc3339(
            modified.duration_since(std::time::UNIX_EPOCH).map(|d| i64::try_from(d.as_millis()).unwrap_or(0)).unwrap_or(0),
        ),
    });
    Ok(private_json(&ctx, &app, &BackupStatus { scheduled: dir.is_some(), latest }))
}

/// JSON whose content depends on who asks: never stored by a shared cache.
fn private_json<T: Serialize>(ctx: &Ctx, app: &App, value: &T) -> warp::reply::Response {
    let mut response = json(ctx, &app.cors, StatusCode::OK, value);
    response.headers_mut().insert(warp::http::header::CACHE_CONTROL, warp::http::HeaderValue::from_static("private, no-store"));
    response.headers_mut().append(warp::http::header::VARY, warp::http::HeaderValue::from_static("Authorization, Cookie"));
    response
}

pub async fn revert(app: Arc<App>, ctx: Ctx, id: i64) -> Answer {
    let who = writer(&app, &ctx).await?;
    if who.role != auth::Role::Admin {
        return Err(ApiError::forbidden("only an admin may revert an upload"));
    }
    match app.ingest.revert(id, &who.name).await {
        Ok(outcome) => Ok(json(&ctx, &app.cors, StatusCode::CREATED, &outcome)),
        Err(RevertError::NotFound(id)) => Err(ApiError::not_found(format!("no upload {id}"))),
        Err(RevertError::NothingToRevert(id)) => {
            Err(ApiError::conflict("nothing-to-revert", format!("every value of upload {id} has been superseded or reverted already")))
        }
        Err(RevertError::Store(e)) => Err(e.into()),
    }
}

/// How long a bundle file may be reused without asking. Content-hashed names never change
/// content: a year. The loaders change only with a new version name: a day. The manifest and
/// the pages' entry module name the current release's files, so they are revalidated on every
/// load (a 304 when nothing changed): after an upgrade every page finds the new files at once,
/// never the old names the new server no longer has.
fn bundle_cache(file: &str) -> &'static str {
    match file {
        "manifest.json" | "pages.js" => "public, no-cache",
        "innogauge.js" => "public, max-age=300",
        f if f.starts_with("innogauge-v") => "public, max-age=86400",
        _ => "public, max-age=31536000, immutable",
    }
}

/// A file of the widget bundle. Module scripts are fetched with CORS, so every origin may
/// load them. The ETag is the content's fingerprint, never its name or length.
pub async fn widget_file(app: Arc<App>, ctx: Ctx, file: String) -> Answer {
    let Some(found) = app.widgets.files.iter().find(|f| f.name == file) else {
        if app.widgets.files.is_empty() && app.widgets.embedded {
            return Err(ApiError::unavailable("the widget bundle was not built into this server: run `cargo xtask dist` and rebuild"));
        }
        return Err(ApiError::not_found(format!("no widget file {file}")));
    };
    let etag = reply::content_etag(found.raw);
    if ctx.if_none_match.as_deref() == Some(etag.as_str()) {
        let mut response = reply::not_modified(&ctx, &reply::CorsPolicy::AnyOrigin, &etag);
        response.headers_mut().insert(warp::http::header::CACHE_CONTROL, warp::http::HeaderValue::from_static(bundle_cache(&file)));
        return Ok(response);
    }
    let mut response = reply::precompressed_response(&ctx, &reply::CorsPolicy::AnyOrigin, found.mime, found.raw, found.br, found.gz, &etag);
    response.headers_mut().insert(warp::http::header::CACHE_CONTROL, warp::http::HeaderValue::from_static(bundle_cache(&file)));
    Ok(response)
}

/// The demo portal: a district government page with its own stylesheet that embeds widgets the
/// way a portal maintainer would. Sent with the strict CSP the widgets are built for.
pub async fn demo_page(_app: Arc<App>, ctx: Ctx, _query: String) -> Answer {
    let mut response = static_text(&ctx, include_str!("../../../frontend/pages/demo.html"), "text/html; charset=utf-8");
    response.headers_mut().insert(
        warp::http::header::CONTENT_SECURITY_POLICY,
        warp::http::HeaderValue::from_static(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'",
        ),
    );
    Ok(response)
}

/// The demo portal's stylesheet.
pub async fn demo_css(_app: Arc<App>, ctx: Ctx, _query: String) -> Answer {
    Ok(static_text(&ctx, include_str!("../../../frontend/pages/portal.css"), "text/css; charset=utf-8"))
}

fn static_text(ctx: &Ctx, text: &'static str, mime: &str) -> warp::reply::Response {
    let etag = reply::content_etag(text.as_bytes());
    bytes_response(ctx, &reply::CorsPolicy::AnyOrigin, StatusCode::OK, mime, Bytes::from_static(text.as_bytes()), Some(&etag))
}
