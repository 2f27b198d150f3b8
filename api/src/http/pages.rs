//! Signing in and out, and the web pages: `/signin`, `/upload` (signed-in only), `/board`,
//! `/embed`. Each page is one HTML shell whose Yew app (the `pages` wasm bundle) renders the
//! content; the shell is sent with a strict CSP and, for the pages that act on the user's
//! behalf, `frame-ancestors 'none'` against clickjacking.

use std::sync::Arc;

use bytes::Bytes;
use innogauge_model::wire::{Credentials, SessionUser, SessionWire};
use serde::Serialize;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Reply;

use super::error::ApiError;
use super::reply::{self, Ctx};
use crate::accounts::{self, SignInError};
use crate::app::App;
use crate::store::SessionRecord;
use crate::time;

type Answer = Result<warp::reply::Response, ApiError>;

/// The answer of a sign-in and of `GET /api/v1/session`.
fn session_body(session: &SessionRecord) -> SessionWire {
    let user = &session.user;
    SessionWire {
        user: SessionUser {
            login: user.login.clone(),
            name: user.name.clone(),
            role: crate::auth::Role::parse(&user.role).unwrap_or(crate::auth::Role::Reader),
            regions: user.regions.clone(),
        },
        csrf: session.csrf.clone(),
        expires_at: time::rfc3339(session.expires_at_ms),
    }
}

fn private_json(status: StatusCode, body: &impl Serialize) -> warp::reply::Response {
    let mut response = warp::http::Response::new(Bytes::from(serde_json::to_vec(body).unwrap_or_default())).into_response();
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn set_cookie(response: &mut warp::reply::Response, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// `POST /api/v1/session` with `{login, password}`: opens a session (cookie) and answers the
/// account and its CSRF token. One answer for every kind of wrong (401), 429 with
/// `Retry-After` while throttled.
pub async fn sign_in(app: Arc<App>, ctx: Ctx, body: Bytes) -> Answer {
    if !ctx.is_same_origin() {
        return Err(ApiError::forbidden("sign in from this server's own /signin page"));
    }
    let credentials: Credentials = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request("bad-credentials", format!("send JSON {{login, password}}: {e}")))?;
    let address = ctx.remote.map(|a| a.ip().to_string()).unwrap_or_default();
    match accounts::sign_in(&*app.store, &app.throttle, &credentials.login, &credentials.password, &address, time::now_ms()).await {
        Ok(opened) => {
            crate::audit::record(&*app.store, &opened.record.user.name, "signed_in", &opened.record.user.login, Some(&address), None)
                .await?;
            let mut response = private_json(StatusCode::OK, &session_body(&opened.record));
            set_cookie(&mut response, &accounts::set_cookie(&opened.secret, ctx.is_https()));
            Ok(response)
        }
        Err(SignInError::Wrong) => {
            // Bounded by the sign-in backoff: a burst of guesses is a few entries, then 429s.
            crate::audit::record(&*app.store, "anonymous", "sign_in_failed", &credentials.login, Some(&address), None).await?;
            Err(ApiError::unauthorized("wrong login or password / 用户名或密码错误"))
        }
        Err(SignInError::Throttled(wait)) => {
            let error = ApiError::too_many_requests("").retry_after(wait);
            let seconds = error.retry_after.unwrap_or(1);
            Err(ApiError {
                message: format!("too many failed sign-ins: try again in {seconds} s / 登录失败次数过多，请 {seconds} 秒后再试"),
                ..error
            })
        }
        Err(SignInError::Store(e)) => Err(e.into()),
    }
}

/// `GET /api/v1/session`: the signed-in account and its CSRF token, or 401.
pub async fn session_info(app: Arc<App>, ctx: Ctx, _query: String) -> Answer {
    match accounts::session(&*app.store, ctx.cookie.as_deref(), time::now_ms()).await? {
        Some(session) => Ok(private_json(StatusCode::OK, &session_body(&session))),
        None => Err(ApiError::unauthorized("not signed in / 未登录")),
    }
}

/// `DELETE /api/v1/session`: signs out (with the CSRF token, so no other site can).
pub async fn sign_out(app: Arc<App>, ctx: Ctx) -> Answer {
    let now = time::now_ms();
    // Without a live session there is nothing to end: just clear the cookie.
    if let Some(session) = accounts::session(&*app.store, ctx.cookie.as_deref(), now).await? {
        if !ctx.is_same_origin() || !accounts::csrf_matches(&session, ctx.csrf.as_deref()) {
            return Err(ApiError::csrf());
        }
        app.store.delete_session(&session.hash, now).await?;
        tracing::info!(login = session.user.login, "signed out");
    }
    let mut response = warp::http::Response::new(Bytes::new()).into_response();
    *response.status_mut() = StatusCode::NO_CONTENT;
    set_cookie(&mut response, &accounts::clear_cookie(ctx.is_https()));
    Ok(response)
}

/// A page of the site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// `/signin`.
    SignIn,
    /// `/upload`: signed-in only.
    Upload,
    /// `/board`: the leaders' wall display.
    Board,
    /// `/embed`: the embed-code builder.
    Embed,
}

impl Page {
    fn name(self) -> &'static str {
        match self {
            Page::SignIn => "signin",
            Page::Upload => "upload",
            Page::Board => "board",
            Page::Embed => "embed",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Page::SignIn => "登录 · InnoGauge 科创目标仪表",
            Page::Upload => "数据上传 · InnoGauge 科创目标仪表",
            Page::Board => "2025年科技创新目标看板 · InnoGauge",
            Page::Embed => "嵌入代码生成器 · InnoGauge 科创目标仪表",
        }
    }
}

const SHELL: &str = include_str!("../../../frontend/pages/app.html");

/// The shell of `page`; `/upload` sends a signed-out visitor to `/signin` first.
pub async fn page(app: Arc<App>, ctx: Ctx, page: Page) -> Answer {
    if page == Page::Upload && accounts::session(&*app.store, ctx.cookie.as_deref(), time::now_ms()).await?.is_none() {
        return Ok(see_other("/signin?next=%2Fupload"));
    }
    let html = SHELL.replace("{{PAGE}}", page.name()).replace("{{TITLE}}", page.title());
    let mut response = warp::http::Response::new(Bytes::from(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // Pages with actions are never framed (clickjacking); the board is a public display that
    // a portal may show in a frame.
    let framed = page == Page::Board;
    let frames = if framed { "" } else { "frame-ancestors 'none'; " };
    if !framed {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    let csp = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; {frames}base-uri 'none'; form-action 'self'"
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    Ok(response)
}

/// `/`: the board.
pub async fn root(_app: Arc<App>, _ctx: Ctx, _query: String) -> Answer {
    Ok(see_other("/board"))
}

/// 303 to `location`, never cached (where it sends depends on the session).
fn see_other(location: &'static str) -> warp::reply::Response {
    let mut response = warp::http::Response::new(Bytes::new()).into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    response.headers_mut().insert(header::LOCATION, HeaderValue::from_static(location));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The pages' stylesheet.
pub async fn stylesheet(_app: Arc<App>, ctx: Ctx, _query: String) -> Answer {
    let text = include_str!("../../../frontend/pages/app.css");
    let etag = reply::content_etag(text.as_bytes());
    Ok(reply::bytes_response(
        &ctx,
        &reply::CorsPolicy::AnyOrigin,
        StatusCode::OK,
        "text/css; charset=utf-8",
        Bytes::from_static(text.as_bytes()),
        Some(&etag),
    ))
}
