//! What the server-rendered admin and account pages share (`/catalog`, `/account`, `/reset`,
//! `/admin/users`, `/admin/audit`): the HTML shell, the strict headers, reading a posted form,
//! and the session checks every such form passes (same origin, the session's CSRF token).
//! These pages use no script at all: plain forms work with every keyboard and screen reader.

use bytes::Bytes;
use innogauge_model::wire::Role;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Reply;

use super::error::ApiError;
use super::reply::Ctx;
use crate::app::App;
use crate::report::charts::xml as escape;
use crate::store::SessionRecord;

/// The fields of an `application/x-www-form-urlencoded` body.
pub struct Form(Vec<(String, String)>);

impl Form {
    /// Parses a posted form.
    pub fn parse(body: &[u8]) -> Result<Form, ApiError> {
        serde_urlencoded::from_bytes(body).map(Form).map_err(|e| ApiError::bad_request("invalid-form", e.to_string()))
    }

    /// The first value of field `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The value of `name` in a query string, percent-decoded.
pub fn query_value(query: &str, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query).ok()?.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// A path with a query string built from `pairs`, percent-encoded.
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    format!("{path}?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
}

/// The live session of the request, if any.
pub async fn session(app: &App, ctx: &Ctx) -> Result<Option<SessionRecord>, ApiError> {
    Ok(crate::accounts::session(&*app.store, ctx.cookie.as_deref(), crate::time::now_ms()).await?)
}

/// Whether a session's account is an admin's.
pub fn is_admin(session: &SessionRecord) -> bool {
    crate::accounts::principal(&session.user).is_some_and(|p| p.role == Role::Admin)
}

/// The session of a posted form, checked as every write is: signed in, same origin, and the
/// session's CSRF token in the `csrf` field.
pub async fn posting_session(app: &App, ctx: &Ctx, form: &Form, what: &str) -> Result<SessionRecord, ApiError> {
    let session = session(app, ctx).await?.ok_or_else(|| ApiError::unauthorized(format!("sign in at /signin to {what}")))?;
    if !ctx.is_same_origin() || !crate::accounts::csrf_matches(&session, form.get("csrf")) {
        return Err(ApiError::csrf());
    }
    Ok(session)
}

/// The client's address, as the audit trail records it.
pub fn address(ctx: &Ctx) -> String {
    ctx.remote.map(|a| a.ip().to_string()).unwrap_or_default()
}

/// The page telling a signed-out visitor to sign in first, and come back to `next`.
pub fn signed_out(title: &str, next: &str, zh: &str, en: &str) -> String {
    let next = escape(next);
    shell(
        title,
        &format!(
            r#"<p>{zh}请先<a href="/signin?next={next}">登录</a>。</p>
<p lang="en">{en} <a href="/signin?next={next}">Sign in</a> first.</p>"#
        ),
    )
}

/// A hidden field with the session's CSRF token.
pub fn csrf_field(csrf: &str) -> String {
    format!(r#"<input type="hidden" name="csrf" value="{}">"#, escape(csrf))
}

/// A whole page: the reports' stylesheet, a way home, the title and the body.
pub fn shell(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · InnoGauge</title><link rel="stylesheet" href="/reports/report.css"></head>
<body class="admin"><main><nav aria-label="站点 Site"><a href="/">InnoGauge</a> · <a href="/upload">上传 Upload</a> · <a href="/reports">报告 Reports</a> · <a href="/account">账号 Account</a></nav><h1>{title}</h1>
{body}
</main></body></html>"#
    )
}

/// An HTML answer with the headers of a page that acts for its user: never cached, never
/// framed, no script, forms only to this server, and no `Referer` beyond it.
pub fn html_page(status: StatusCode, body: &str) -> warp::reply::Response {
    let mut response = warp::http::Response::new(Bytes::from(body.to_owned())).into_response();
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    );
    response
}

/// 303 to `location` (after a form that changed something, so a reload does not repeat it).
pub fn see_other(location: &str) -> warp::reply::Response {
    let mut response = warp::http::Response::new(Bytes::new()).into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A notice in both languages: `role="status"` for what went well, `role="alert"` for a problem.
pub fn notice(ok: bool, zh: &str, en: &str) -> String {
    let (class, role) = if ok { ("applied", "status") } else { ("problems", "alert") };
    format!(r#"<p class="{class}" role="{role}">{}<br><span lang="en">{}</span></p>"#, escape(zh), escape(en))
}
