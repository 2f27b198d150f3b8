//! The HTTP service: filters (routing) here, handlers in [`handlers`], response building in
//! [`reply`], errors in [`error`]. Routes are grouped and `.boxed()` to keep compile times
//! sane. A final catch-all answers 404 for unknown paths and 405 with `Allow` for known paths
//! used with the wrong method (warp alone would say 405 for unknown paths and omit `Allow`).

mod account;
mod admin;
mod catalog;
mod charts;
pub mod error;
mod forms;
mod handlers;
pub mod openapi;
mod pages;
pub mod reply;
mod reports;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use warp::filters::BoxedFilter;
use warp::http::Method;
use warp::{Filter, Reply};

use crate::app::App;
use error::{ApiError, recover};
use reply::{Ctx, ctx};

/// Every route: its path pattern (`{}` for a segment), methods, and the metrics label.
pub const ROUTES: &[(&str, &str, &str)] = &[
    ("/healthz", "GET", "healthz"),
    ("/metrics", "GET", "metrics"),
    ("/openapi.json", "GET", "openapi"),
    ("/api/v1/catalog", "GET, POST", "catalog"),
    ("/api/v1/series", "GET", "series"),
    ("/api/v1/progress", "GET", "progress"),
    ("/api/v1/ranking", "GET", "ranking"),
    ("/api/v1/snapshot", "GET", "snapshot"),
    ("/api/v1/boundaries", "GET", "boundaries"),
    ("/api/v1/history", "GET", "history"),
    ("/api/v1/export.csv", "GET", "export"),
    ("/api/v1/events", "GET", "events"),
    ("/api/v1/uploads", "GET, POST", "uploads"),
    ("/api/v1/uploads/{}", "GET", "upload"),
    ("/api/v1/uploads/{}/revert", "POST", "revert"),
    ("/api/v1/backup", "GET", "backup"),
    ("/api/v1/evaluation", "GET", "evaluation"),
    ("/api/v1/chart.svg", "GET", "chart"),
    ("/api/v1/chart.png", "GET", "chart"),
    ("/chart", "GET", "chart"),
    ("/frame", "GET", "frame"),
    ("/frame.css", "GET", "frame"),
    ("/api/v1/reports", "GET", "reports"),
    ("/api/v1/reports/{period}/publish", "POST", "reports"),
    ("/reports", "GET", "reports"),
    ("/reports/feed.atom", "GET", "reports"),
    ("/reports/report.css", "GET", "reports"),
    ("/reports/{period}.pdf", "GET", "reports"),
    ("/reports/{period}", "GET", "reports"),
    ("/reports/{period}/draft", "GET", "reports"),
    ("/reports/{period}/publish", "POST", "reports"),
    ("/widgets/{file}", "GET", "widgets"),
    ("/demo", "GET", "demo"),
    ("/demo/portal.css", "GET", "demo"),
    ("/api/v1/session", "GET, POST, DELETE", "session"),
    ("/", "GET", "pages"),
    ("/signin", "GET", "pages"),
    ("/upload", "GET", "pages"),
    ("/board", "GET", "pages"),
    ("/embed", "GET", "pages"),
    ("/pages/app.css", "GET", "pages"),
    ("/catalog", "GET, POST", "catalog"),
    ("/account", "GET, POST", "accounts"),
    ("/reset", "GET, POST", "accounts"),
    ("/admin/users", "GET, POST", "accounts"),
    ("/admin/audit", "GET", "accounts"),
];

fn with_app(app: Arc<App>) -> impl Filter<Extract = (Arc<App>,), Error = Infallible> + Clone {
    warp::any().map(move || app.clone())
}

/// The raw query string, empty when there is none (warp's filter would reject).
fn query() -> impl Filter<Extract = (String,), Error = Infallible> + Clone {
    warp::query::raw().or(warp::any().map(String::new)).unify()
}

/// Runs a handler with the request timeout and turns its error into a response. (Requests
/// are counted for `/metrics` around the whole service, so rejections count too.)
async fn observe<F>(app: Arc<App>, work: F) -> warp::reply::Response
where
    F: Future<Output = Result<warp::reply::Response, ApiError>>,
{
    match tokio::time::timeout(app.limits.request_timeout, work).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => error.response(),
        Err(_) => ApiError::timeout().response(),
    }
}

/// Runs a handler that may take longer than a read (a report is laid out twice in two
/// languages) to its end: cutting it off would only make the next try start again.
async fn observe_long<F>(_app: Arc<App>, work: F) -> warp::reply::Response
where
    F: Future<Output = Result<warp::reply::Response, ApiError>>,
{
    work.await.unwrap_or_else(|error| error.response())
}

/// The metrics label of a path: its route's name, or `unknown`.
fn route_label(path: &str) -> &'static str {
    route_of(path).map_or("unknown", |(_, _, label)| *label)
}

/// The entry of [`ROUTES`] whose pattern `path` matches. Runs for every request (the metrics
/// label), so it compares segment by segment without allocating.
fn route_of(path: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    let path = path.trim_end_matches('/');
    ROUTES.iter().find(|(pattern, _, _)| {
        let (mut parts, mut segments) = (pattern.trim_end_matches('/').split('/'), path.split('/'));
        loop {
            match (parts.next(), segments.next()) {
                (None, None) => return true,
                (Some(p), Some(s))
                    if (p == "{}" && s.parse::<i64>().is_ok())
                        || p == "{file}"
                        || (p == "{period}" && is_quarter_segment(s))
                        || (p == "{period}.pdf" && s.strip_suffix(".pdf").is_some_and(is_quarter_segment))
                        || p == s => {}
                _ => return false,
            }
        }
    })
}

/// `2025Q3`, checked without allocating.
fn is_quarter_segment(segment: &str) -> bool {
    let b = segment.as_bytes();
    b.len() == 6 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'Q' && (b'1'..=b'4').contains(&b[5])
}

/// A bodiless GET, found by one match on the path: warp's `or` chain tried the routes in turn,
/// each a boxed filter, and that was a measurable share of a cached read (BENCHMARKS.md).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Get {
    Healthz,
    Metrics,
    OpenApi,
    Catalog,
    Series,
    Progress,
    Ranking,
    Snapshot,
    Boundaries,
    History,
    ExportCsv,
    Uploads,
    Upload(i64),
    Backup,
    Evaluation,
    Chart,
    ChartPng,
    ChartPage,
    Frame,
    FrameCss,
    Reports,
    Report(reports::ReportPath),
    Events,
    WidgetFile(String),
    Demo,
    DemoCss,
    Session,
    Root,
    Page(pages::Page),
    Stylesheet,
    CatalogPage,
    Account,
    Reset,
    AdminUsers,
    AdminAudit,
}

impl Get {
    /// The GET route at `path` (trailing slashes ignored), if there is one.
    fn of(path: &str) -> Option<Get> {
        let get = match path.trim_end_matches('/') {
            "/healthz" => Get::Healthz,
            "/metrics" => Get::Metrics,
            "/openapi.json" => Get::OpenApi,
            "/api/v1/catalog" => Get::Catalog,
            "/api/v1/series" => Get::Series,
            "/api/v1/progress" => Get::Progress,
            "/api/v1/ranking" => Get::Ranking,
            "/api/v1/snapshot" => Get::Snapshot,
            "/api/v1/boundaries" => Get::Boundaries,
            "/api/v1/history" => Get::History,
            "/api/v1/export.csv" => Get::ExportCsv,
            "/api/v1/uploads" => Get::Uploads,
            "/api/v1/backup" => Get::Backup,
            "/api/v1/evaluation" => Get::Evaluation,
            "/api/v1/reports" => Get::Reports,
            "/api/v1/chart.svg" => Get::Chart,
            "/api/v1/chart.png" => Get::ChartPng,
            "/chart" => Get::ChartPage,
            "/frame" => Get::Frame,
            "/frame.css" => Get::FrameCss,
            "/api/v1/events" => Get::Events,
            "/api/v1/session" => Get::Session,
            "/demo" => Get::Demo,
            "/demo/portal.css" => Get::DemoCss,
            "" => Get::Root,
            "/signin" => Get::Page(pages::Page::SignIn),
            "/upload" => Get::Page(pages::Page::Upload),
            "/board" => Get::Page(pages::Page::Board),
            "/embed" => Get::Page(pages::Page::Embed),
            "/pages/app.css" => Get::Stylesheet,
            "/catalog" => Get::CatalogPage,
            "/account" => Get::Account,
            "/reset" => Get::Reset,
            "/admin/users" => Get::AdminUsers,
            "/admin/audit" => Get::AdminAudit,
            other => {
                if let Some(id) = other.strip_prefix("/api/v1/uploads/") {
                    Get::Upload(id.parse().ok()?)
                } else if let Some(rest) = other.strip_prefix("/reports").filter(|r| r.is_empty() || r.starts_with('/')) {
                    Get::Report(reports::ReportPath::of(rest)?)
                } else if let Some(file) = other.strip_prefix("/widgets/").filter(|f| !f.is_empty() && !f.contains('/')) {
                    Get::WidgetFile(file.to_owned())
                } else {
                    return None;
                }
            }
        };
        Some(get)
    }

    /// Runs its handler.
    async fn answer(self, app: Arc<App>, ctx: Ctx, query: String) -> handlers::Answer {
        match self {
            Get::Healthz => handlers::healthz(app, ctx, query).await,
            Get::Metrics => handlers::metrics(app, ctx, query).await,
            Get::OpenApi => handlers::openapi(app, ctx, query).await,
            Get::Catalog => handlers::catalog(app, ctx, query).await,
            Get::Series => handlers::series(app, ctx, query).await,
            Get::Progress => handlers::progress(app, ctx, query).await,
            Get::Ranking => handlers::ranking(app, ctx, query).await,
            Get::Snapshot => handlers::snapshot(app, ctx, query).await,
            Get::Boundaries => handlers::boundaries(app, ctx, query).await,
            Get::History => handlers::history(app, ctx, query).await,
            Get::ExportCsv => handlers::export_csv(app, ctx, query).await,
            Get::Uploads => handlers::list_uploads(app, ctx, query).await,
            Get::Upload(id) => handlers::upload_detail(app, ctx, id).await,
            Get::Backup => handlers::backup_status(app, ctx).await,
            Get::Evaluation => handlers::evaluation(app, ctx, query).await,
            Get::Reports => reports::list_api(app, ctx).await,
            Get::Chart => charts::chart(app, ctx, query).await,
            Get::ChartPng => charts::chart_png(app, ctx, query).await,
            Get::ChartPage => charts::chart_page(app, ctx, query).await,
            Get::Frame => charts::frame(app, ctx, query).await,
            Get::FrameCss => charts::frame_css(app, ctx, query).await,
            Get::Report(path) => reports::get(app, ctx, path, query).await,
            Get::Events => handlers::events(app, ctx).await,
            Get::WidgetFile(file) => handlers::widget_file(app, ctx, file).await,
            Get::Demo => handlers::demo_page(app, ctx, query).await,
            Get::DemoCss => handlers::demo_css(app, ctx, query).await,
            Get::Session => pages::session_info(app, ctx, query).await,
            Get::Root => pages::root(app, ctx, query).await,
            Get::Page(page) => pages::page(app, ctx, page).await,
            Get::Stylesheet => pages::stylesheet(app, ctx, query).await,
            Get::CatalogPage => catalog::page(app, ctx, query).await,
            Get::Account => account::page(app, ctx, query).await,
            Get::Reset => account::reset_page(app, ctx, query).await,
            Get::AdminUsers => admin::users_page(app, ctx, query).await,
            Get::AdminAudit => admin::audit_page(app, ctx, query).await,
        }
    }
}

/// All routes, with errors recovered into JSON.
pub fn routes(app: &Arc<App>) -> BoxedFilter<(warp::reply::Response,)> {
    let gets = warp::get()
        .and(warp::path::full())
        .and(with_app(app.clone()))
        .and(ctx())
        .and(query())
        .and_then(|path: warp::path::FullPath, app: Arc<App>, ctx: Ctx, query: String| async move {
            let get = Get::of(path.as_str()).ok_or_else(warp::reject)?;
            Ok::<_, warp::Rejection>(observe(app.clone(), get.answer(app, ctx, query)).await)
        })
        .boxed();
    let sign_in = warp::path!("api" / "v1" / "session")
        .and(warp::post())
        .and(warp::body::content_length_limit(16 * 1024))
        .and(with_app(app.clone()))
        .and(ctx())
        .and(warp::body::bytes())
        .then(|app: Arc<App>, ctx: Ctx, body: Bytes| async move { observe(app.clone(), pages::sign_in(app, ctx, body)).await })
        .boxed();
    let sign_out = warp::path!("api" / "v1" / "session")
        .and(warp::delete())
        .and(with_app(app.clone()))
        .and(ctx())
        .then(|app: Arc<App>, ctx: Ctx| async move { observe(app.clone(), pages::sign_out(app, ctx)).await })
        .boxed();
    let revert = warp::path!("api" / "v1" / "uploads" / i64 / "revert")
        .and(warp::post())
        .and(with_app(app.clone()))
        .and(ctx())
        .then(|id: i64, app: Arc<App>, ctx: Ctx| async move { observe(app.clone(), handlers::revert(app, ctx, id)).await })
        .boxed();
    let upload = warp::path!("api" / "v1" / "uploads")
        .and(warp::post())
        .and(bounded_body(app.limits.max_upload_bytes))
        .and(with_app(app.clone()))
        .and(ctx())
        .and(query())
        .then(|body: Bytes, app: Arc<App>, ctx: Ctx, query: String| async move {
            observe(app.clone(), handlers::upload(app, ctx, query, body)).await
        })
        .boxed();
    let publish_api =
        warp::path!("api" / "v1" / "reports" / String / "publish")
            .and(warp::post())
            .and(with_app(app.clone()))
            .and(ctx())
            .then(|period: String, app: Arc<App>, ctx: Ctx| async move {
                observe_long(app.clone(), reports::publish_api(app, ctx, period)).await
            })
            .boxed();
    let publish_form = warp::path!("reports" / String / "publish")
        .and(warp::post())
        .and(warp::body::content_length_limit(4 * 1024))
        .and(with_app(app.clone()))
        .and(ctx())
        .and(warp::body::bytes())
        .then(|period: String, app: Arc<App>, ctx: Ctx, body: Bytes| async move {
            observe_long(app.clone(), reports::publish_form(app, ctx, period, body)).await
        })
        .boxed();
    let catalog_api = warp::path!("api" / "v1" / "catalog")
        .and(warp::post())
        .and(warp::body::content_length_limit(catalog::MAX_CATALOG_BYTES))
        .and(with_app(app.clone()))
        .and(ctx())
        .and(query())
        .and(warp::body::bytes())
        .then(|app: Arc<App>, ctx: Ctx, query: String, body: Bytes| async move {
            observe(app.clone(), catalog::apply_api(app, ctx, query, body)).await
        })
        .boxed();
    // A form sends the file percent-encoded: up to three bytes for one.
    let catalog_form = warp::path!("catalog")
        .and(warp::post())
        .and(warp::body::content_length_limit(3 * catalog::MAX_CATALOG_BYTES + 4096))
        .and(with_app(app.clone()))
        .and(ctx())
        .and(warp::body::bytes())
        .then(|app: Arc<App>, ctx: Ctx, body: Bytes| async move { observe(app.clone(), catalog::form(app, ctx, body)).await })
        .boxed();
    let account_form = form_route(app, warp::path!("account"), account::change_password);
    let reset_form = form_route(app, warp::path!("reset"), account::reset);
    let users_form = form_route(app, warp::path!("admin" / "users"), admin::users_form);
    let preflight = warp::options()
        .and(with_app(app.clone()))
        .and(ctx())
        .and(warp::path::full())
        .map(|app: Arc<App>, ctx: Ctx, path: warp::path::FullPath| match allowed_methods(path.as_str()) {
            Some(_) => reply::preflight(&ctx, &app.cors),
            None => ApiError::not_found(format!("no resource at {}", path.as_str())).response(),
        })
        .boxed();
    let metrics = app.metrics.clone();
    let count = warp::log::custom(move |info| metrics.request(route_label(info.path()), info.status().as_u16(), info.elapsed()));
    let cors = app.cors.clone();
    let origin = warp::header::optional::<String>("origin").or(warp::any().map(|| None)).unify();
    let routed = gets
        .or(sign_in)
        .unify()
        .or(sign_out)
        .unify()
        .or(revert)
        .unify()
        .or(upload)
        .unify()
        .or(publish_api)
        .unify()
        .or(publish_form)
        .unify()
        .or(catalog_api)
        .unify()
        .or(catalog_form)
        .unify()
        .or(account_form)
        .unify()
        .or(reset_form)
        .unify()
        .or(users_form)
        .unify()
        .or(preflight)
        .unify()
        .or(fallback())
        .unify()
        .recover(recover)
        .unify()
        .boxed();
    origin
        .and(routed)
        .map(move |origin: Option<String>, mut response: warp::reply::Response| {
            reply::ensure_cors(&mut response, origin.as_deref(), &cors);
            // No answer is ever to be read as another type than it says (JSON as HTML, say).
            response.headers_mut().insert(warp::http::header::X_CONTENT_TYPE_OPTIONS, warp::http::HeaderValue::from_static("nosniff"));
            response
        })
        .with(count)
        .map(Reply::into_response)
        .boxed()
}

/// Largest body of an account form (a few short fields).
const FORM_LIMIT: u64 = 16 * 1024;

/// `POST` to `path` with a small form body, answered by `handler`.
fn form_route<P, F, Fut>(app: &Arc<App>, path: P, handler: F) -> BoxedFilter<(warp::reply::Response,)>
where
    P: Filter<Extract = (), Error = warp::Rejection> + Clone + Send + Sync + 'static,
    F: Fn(Arc<App>, Ctx, Bytes) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<warp::reply::Response, ApiError>> + Send,
{
    path.and(warp::post())
        .and(warp::body::content_length_limit(FORM_LIMIT))
        .and(with_app(app.clone()))
        .and(ctx())
        .and(warp::body::bytes())
        .then(move |app: Arc<App>, ctx: Ctx, body: Bytes| {
            let handler = handler.clone();
            async move { observe(app.clone(), handler(app, ctx, body)).await }
        })
        .boxed()
}

/// The request body, with or without `Content-Length` (chunked), refused with 413 as soon as it
/// passes `max` bytes: a declared length over the limit is refused before anything is read, and
/// a chunked body is read only up to the limit.
fn bounded_body(max: usize) -> BoxedFilter<(Bytes,)> {
    warp::header::optional::<u64>("content-length")
        .and(warp::body::stream())
        .and_then(move |declared: Option<u64>, stream| collect_bounded(declared, stream, max))
        .boxed()
}

async fn collect_bounded<S, B>(declared: Option<u64>, stream: S, max: usize) -> Result<Bytes, warp::Rejection>
where
    S: futures_util::Stream<Item = Result<B, warp::Error>>,
    B: bytes::Buf,
{
    use bytes::BufMut as _;
    use futures_util::StreamExt as _;
    let too_large = || warp::reject::custom(ApiError::too_large(format!("the body is larger than the upload limit of {max} bytes")));
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let mut body = bytes::BytesMut::with_capacity(declared.map_or(64 * 1024, |n| n as usize));
    let mut stream = std::pin::pin!(stream);
    while let Some(chunk) = stream.next().await {
        let mut chunk =
            chunk.map_err(|e| warp::reject::custom(ApiError::bad_request("bad-body", format!("the body could not be read: {e}"))))?;
        if body.len() + chunk.remaining() > max {
            return Err(too_large());
        }
        while chunk.has_remaining() {
            let piece = chunk.chunk();
            let n = piece.len();
            body.put_slice(piece);
            chunk.advance(n);
        }
    }
    Ok(body.freeze())
}

/// 404 for unknown paths, 405 with `Allow` for known paths and other methods. For a known
/// path and method it rejects, so the more specific rejection of that route (say 413) wins.
fn fallback() -> BoxedFilter<(warp::reply::Response,)> {
    warp::method()
        .and(warp::path::full())
        .and_then(|method: Method, path: warp::path::FullPath| async move {
            match allowed_methods(path.as_str()) {
                None => Ok(ApiError::not_found(format!("no resource at {}", path.as_str())).response()),
                Some(allow) if !allow.split(", ").any(|m| m == method.as_str()) => Ok(ApiError::method_not_allowed(allow).response()),
                Some(_) => Err(warp::reject()),
            }
        })
        .boxed()
}

/// The methods a path accepts, if it is a route.
pub fn allowed_methods(path: &str) -> Option<&'static str> {
    route_of(path).map(|(_, methods, _)| *methods)
}

/// Serves until `shutdown` resolves; SSE streams end first (see [`crate::events`]).
pub async fn serve(app: Arc<App>, listener: tokio::net::TcpListener, shutdown: impl Future<Output = ()> + Send + 'static) {
    let address: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(?address, "listening");
    let routes = routes(&app).map(|r: warp::reply::Response| r.into_response());
    warp::serve(routes).incoming(listener).graceful(shutdown).run().await;
}

#[cfg(test)]
mod tests;
