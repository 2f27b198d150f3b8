//! The published reports on the web: `/reports` (the list, and for admins the drafts and the
//! publish buttons), `/reports/feed.atom`, `/reports/{period}` and `/reports/{period}.pdf` (the
//! stored bytes, `?lang=en` for English), `/reports/{period}/draft[.pdf]` (admins: the current
//! data, not stored), publishing (`POST /reports/{period}/publish`, a form with the session's
//! CSRF token; `POST /api/v1/reports/{period}/publish` for tokens and scripts), and the JSON list
//! `GET /api/v1/reports`.

use std::sync::Arc;

use bytes::Bytes;
use innogauge_model::wire::{PublishedReportWire, Role};
use innogauge_model::{Lang, Period};
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Reply;

use super::error::ApiError;
use super::reply::{self, Ctx};
use crate::app::App;
use crate::auth::{self, Principal};
use crate::report::{self, html};
use crate::store::{ReportRecord, StoreError};

type Answer = Result<warp::reply::Response, ApiError>;

/// What a report path asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportPath {
    /// `/reports`.
    List,
    /// `/reports/feed.atom`.
    Feed,
    /// `/reports/report.css`.
    Stylesheet,
    /// `/reports/{period}[.pdf]`, or its draft.
    Report {
        /// The quarter, canonical.
        period: String,
        /// The PDF (else the HTML page).
        pdf: bool,
        /// The draft of the current data.
        draft: bool,
    },
}

impl ReportPath {
    /// The report path `path` names (after `/reports`), if any.
    pub fn of(rest: &str) -> Option<ReportPath> {
        let rest = rest.trim_end_matches('/');
        match rest {
            "" => return Some(ReportPath::List),
            "/feed.atom" => return Some(ReportPath::Feed),
            "/report.css" => return Some(ReportPath::Stylesheet),
            _ => {}
        }
        let rest = rest.strip_prefix('/')?;
        let (period, draft, pdf) = match rest.split_once('/') {
            Some((period, "draft")) => (period, true, false),
            Some((period, "draft.pdf")) => (period, true, true),
            Some(_) => return None,
            None => match rest.strip_suffix(".pdf") {
                Some(period) => (period, false, true),
                None => (rest, false, false),
            },
        };
        canonical_quarter(period).map(|period| ReportPath::Report { period, pdf, draft })
    }
}

/// `2025Q3` as written in a path, and only that spelling (one address per report).
pub fn canonical_quarter(text: &str) -> Option<String> {
    match Period::parse(text) {
        Ok(p @ Period::Quarter(..)) if p.to_string() == text => Some(text.to_owned()),
        _ => None,
    }
}

fn lang_of(query: &str) -> Lang {
    if query.split('&').any(|pair| pair == "lang=en") { Lang::En } else { Lang::Zh }
}

fn lang_code(lang: Lang) -> &'static str {
    if lang == Lang::Zh { "zh" } else { "en" }
}

/// Who is asking, if anyone: a bearer token, or a signed-in session (reads need no CSRF token).
async fn viewer(app: &App, ctx: &Ctx) -> Result<Option<(Principal, Option<String>)>, ApiError> {
    if ctx.authorization.is_some() {
        let principal = auth::authenticate(&*app.store, ctx.authorization.as_deref())
            .await
            .map_err(|_| ApiError::unauthorized("the token is not valid"))?;
        return Ok(Some((principal, None)));
    }
    let Some(session) = crate::accounts::session(&*app.store, ctx.cookie.as_deref(), crate::time::now_ms()).await? else { return Ok(None) };
    Ok(crate::accounts::principal(&session.user).map(|p| (p, Some(session.csrf.clone()))))
}

fn page(body: String, csp: &str, cache: &'static str) -> warp::reply::Response {
    let mut response = warp::http::Response::new(Bytes::from(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if let Ok(value) = HeaderValue::from_str(csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// A report page may be framed by a portal; it runs no script at all.
const REPORT_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'";

/// The list has the publish buttons: never framed.
const LIST_CSP: &str =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn pdf_response(ctx: &Ctx, app: &App, bytes: Vec<u8>, name: &str, etag: Option<&str>, cache: &'static str) -> warp::reply::Response {
    let mut response = reply::bytes_response(ctx, &app.cors, StatusCode::OK, "application/pdf", Bytes::from(bytes), etag);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(value) = HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The quarters an admin may publish: the latest the evaluation can rate and the three before
/// it, less those published.
fn publishable(app: &App, published: &[ReportRecord]) -> Vec<html::Publishable> {
    let snapshot = app.data.current();
    let Ok(latest) = report::quarter(&snapshot.catalog, &snapshot.dataset, None) else { return Vec::new() };
    let mut out = Vec::new();
    let mut quarter = latest;
    for _ in 0..4 {
        let period = quarter.to_string();
        if !published.iter().any(|r| r.period == period) {
            out.push(html::Publishable { label: quarter.label(Lang::Zh), period });
        }
        quarter = quarter.prev();
    }
    out
}

/// Every `GET /reports…`.
pub async fn get(app: Arc<App>, ctx: Ctx, path: ReportPath, query: String) -> Answer {
    match path {
        ReportPath::List => list(app, ctx, &query).await,
        ReportPath::Feed => {
            let records = app.store.published_reports().await?;
            let origin = ctx.own_origin();
            let mut response = reply::bytes_response(
                &ctx,
                &app.cors,
                StatusCode::OK,
                "application/atom+xml; charset=utf-8",
                Bytes::from(html::atom(&records, &origin)),
                None,
            );
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            Ok(response)
        }
        ReportPath::Stylesheet => {
            let etag = reply::content_etag(html::CSS.as_bytes());
            Ok(reply::bytes_response(
                &ctx,
                &app.cors,
                StatusCode::OK,
                "text/css; charset=utf-8",
                Bytes::from_static(html::CSS.as_bytes()),
                Some(&etag),
            ))
        }
        ReportPath::Report { period, pdf, draft: false } => {
            let lang = lang_of(&query);
            let Some(found) = app.store.published_report(&period, lang_code(lang)).await? else {
                return Err(ApiError::not_found(format!("the {period} report is not published (yet); see /reports")));
            };
            let etag = format!("\"{}-{}\"", found.sha256_pdf.get(..16).unwrap_or_default(), if pdf { "pdf" } else { "html" });
            if ctx.if_none_match.as_deref() == Some(etag.as_str()) {
                return Ok(reply::not_modified(&ctx, &app.cors, &etag));
            }
            // Published bytes never change: cached for good.
            let cache = "public, max-age=31536000, immutable";
            if pdf {
                return Ok(pdf_response(
                    &ctx,
                    &app,
                    found.pdf,
                    &format!("innogauge-report-{period}-{}.pdf", found.lang),
                    Some(&etag),
                    cache,
                ));
            }
            let mut response = page(String::from_utf8_lossy(&found.html).into_owned(), REPORT_CSP, cache);
            if let Ok(value) = HeaderValue::from_str(&etag) {
                response.headers_mut().insert(header::ETAG, value);
            }
            Ok(response)
        }
        ReportPath::Report { period, pdf, draft: true } => {
            let Some((principal, _)) = viewer(&app, &ctx).await? else {
                return Err(ApiError::unauthorized("drafts are for admins: sign in at /signin"));
            };
            if principal.role != Role::Admin {
                return Err(ApiError::forbidden("drafts are for admins"));
            }
            let lang = lang_of(&query);
            let quarter = Period::parse(&period).map_err(|e| ApiError::bad_request("bad-period", e.message.en))?;
            let snapshot = app.data.current();
            let work = app.clone();
            let rendition = tokio::task::spawn_blocking(move || work.reports.draft(&snapshot.catalog, &snapshot, quarter, lang))
                .await
                .map_err(|e| ApiError::internal(&e))?
                .map_err(report_error)?;
            if pdf {
                return Ok(pdf_response(
                    &ctx,
                    &app,
                    rendition.pdf.clone(),
                    &format!("innogauge-report-{period}-{}-draft.pdf", lang_code(lang)),
                    None,
                    "no-store",
                ));
            }
            Ok(page(String::from_utf8_lossy(&rendition.html).into_owned(), REPORT_CSP, "no-store"))
        }
    }
}

fn report_error(error: report::ReportError) -> ApiError {
    match error {
        report::ReportError::Nothing(message) => ApiError::not_found(message),
        other => {
            tracing::error!(error = %other, "a report could not be made");
            ApiError::unavailable(other.to_string())
        }
    }
}

async fn list(app: Arc<App>, ctx: Ctx, query: &str) -> Answer {
    let records = app.store.published_reports().await?;
    let viewer = viewer(&app, &ctx).await.ok().flatten();
    let admin_quarters = match &viewer {
        Some((principal, Some(_))) if principal.role == Role::Admin => Some(publishable(&app, &records)),
        _ => None,
    };
    let csrf = viewer.as_ref().and_then(|(_, csrf)| csrf.clone()).unwrap_or_default();
    let message = match query {
        q if q.contains("published=") => Some("报告已发布。The report is published."),
        q if q.contains("error=conflict") => Some("这个季度的报告已经发布过，不会再次发布。That quarter's report is published already."),
        q if q.contains("error=") => Some("报告未能发布，请查看服务器日志。The report could not be published; see the server's log."),
        _ => None,
    };
    let body = html::list_page(&records, admin_quarters.as_deref().map(|q| (csrf.as_str(), q)), message);
    Ok(page(body, LIST_CSP, "no-store"))
}

/// Publishes `period` as `principal`: both languages, stored in one transaction.
async fn publish(app: &Arc<App>, period: &str, principal: &Principal) -> Result<Vec<crate::store::PublishedReport>, ApiError> {
    if principal.role != Role::Admin {
        return Err(ApiError::forbidden("only admins publish reports"));
    }
    let quarter = Period::parse(period).map_err(|e| ApiError::bad_request("bad-period", e.message.en))?;
    let _one_at_a_time = app.reports.publishing.lock().await;
    if app.store.published_report(period, "zh").await?.is_some() {
        return Err(ApiError::conflict(
            "already-published",
            format!("the {period} report is published already; a published report is never replaced"),
        ));
    }
    let (work, actor) = (app.clone(), principal.name.clone());
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let fonts = work.reports.fonts()?;
        let snapshot = work.data.current();
        report::publish_blocking(&handle, &*work.store, &snapshot, &snapshot.catalog, &fonts, quarter, &actor)
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
    .map_err(|e| match e {
        report::PublishError::Report(e) => report_error(e),
        report::PublishError::Store(StoreError::Conflict(what)) => {
            ApiError::conflict("already-published", format!("{what} is published already"))
        }
        report::PublishError::Store(e) => ApiError::from(e),
    })
}

fn wire(record: &ReportRecord) -> PublishedReportWire {
    let query = if record.lang == "en" { "?lang=en" } else { "" };
    PublishedReportWire {
        period: record.period.clone(),
        lang: record.lang.clone(),
        data_version: record.data_version,
        published_at: record.published_at.clone(),
        html: format!("/reports/{}{query}", record.period),
        pdf: format!("/reports/{}.pdf{query}", record.period),
        pdf_bytes: record.pdf_bytes,
        sha256_pdf: record.sha256_pdf.clone(),
    }
}

fn record(report: &crate::store::PublishedReport) -> ReportRecord {
    ReportRecord {
        period: report.period.clone(),
        lang: report.lang.clone(),
        data_version: report.data_version,
        published_at: report.published_at.clone(),
        actor: report.actor.clone(),
        pdf_bytes: i64::try_from(report.pdf.len()).unwrap_or(i64::MAX),
        sha256_pdf: report.sha256_pdf.clone(),
    }
}

/// `POST /reports/{period}/publish`: the admin's button on `/reports` (a form with the session's
/// CSRF token, from this server's own page); answers 303 back to the list.
pub async fn publish_form(app: Arc<App>, ctx: Ctx, period: String, body: Bytes) -> Answer {
    let session = crate::accounts::session(&*app.store, ctx.cookie.as_deref(), crate::time::now_ms())
        .await?
        .ok_or_else(|| ApiError::unauthorized("sign in at /signin to publish"))?;
    let sent: Option<String> = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .ok()
        .and_then(|fields| fields.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v));
    if !ctx.is_same_origin() || !crate::accounts::csrf_matches(&session, sent.as_deref()) {
        return Err(ApiError::csrf());
    }
    let principal = crate::accounts::principal(&session.user).ok_or_else(|| ApiError::unauthorized("the account's role is not known"))?;
    let period = canonical_quarter(&period).ok_or_else(|| ApiError::not_found("reports are quarterly: name a quarter such as 2025Q3"))?;
    let location = match publish(&app, &period, &principal).await {
        Ok(_) => format!("/reports?published={period}"),
        Err(e) if e.status == StatusCode::CONFLICT => "/reports?error=conflict".to_owned(),
        Err(e) if e.status == StatusCode::FORBIDDEN => return Err(e),
        Err(e) => {
            tracing::warn!(period, error = ?e, "publishing from /reports failed");
            "/reports?error=failed".to_owned()
        }
    };
    let mut response = warp::http::Response::new(Bytes::new()).into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /api/v1/reports/{period}/publish`: 201 with the reports stored, 409 when published.
pub async fn publish_api(app: Arc<App>, ctx: Ctx, period: String) -> Answer {
    let principal = super::handlers::writer(&app, &ctx).await?;
    let period = canonical_quarter(&period).ok_or_else(|| ApiError::not_found("reports are quarterly: name a quarter such as 2025Q3"))?;
    let stored = publish(&app, &period, &principal).await?;
    let body: Vec<PublishedReportWire> = stored.iter().map(|r| wire(&record(r))).collect();
    Ok(reply::json(&ctx, &app.cors, StatusCode::CREATED, &body))
}

/// `GET /api/v1/reports`: every published report, newest quarter first.
pub async fn list_api(app: Arc<App>, ctx: Ctx) -> Answer {
    let records = app.store.published_reports().await?;
    let body: Vec<PublishedReportWire> = records.iter().map(wire).collect();
    Ok(reply::json(&ctx, &app.cors, StatusCode::OK, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_paths_name_one_spelling_of_a_quarter() {
        assert_eq!(ReportPath::of(""), Some(ReportPath::List));
        assert_eq!(ReportPath::of("/"), Some(ReportPath::List));
        assert_eq!(ReportPath::of("/feed.atom"), Some(ReportPath::Feed));
        assert_eq!(ReportPath::of("/2025Q3"), Some(ReportPath::Report { period: "2025Q3".into(), pdf: false, draft: false }));
        assert_eq!(ReportPath::of("/2025Q3.pdf"), Some(ReportPath::Report { period: "2025Q3".into(), pdf: true, draft: false }));
        assert_eq!(ReportPath::of("/2025Q3/draft.pdf"), Some(ReportPath::Report { period: "2025Q3".into(), pdf: true, draft: true }));
        for other in ["/2025", "/2025-09", "/2025年三季度", "/2025Q3/other", "/../etc", "/2025Q5"] {
            assert_eq!(ReportPath::of(other), None, "{other}");
        }
    }
}
