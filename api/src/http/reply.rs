//! Building responses: JSON with an ETag on the data version, `If-None-Match` → 304,
//! `Cache-Control`, compression negotiated from `Accept-Encoding` (brotli, then gzip, never
//! unasked), and CORS for reads (any origin, or a configured allowlist) with `Vary: Origin`.

use std::io::Write as _;
use std::net::SocketAddr;

use bytes::Bytes;
use serde::Serialize;
use warp::Filter;
use warp::http::{HeaderValue, Response, StatusCode, header};
use warp::reply::Reply;

/// Bodies smaller than this are sent as they are: compression would not pay.
const COMPRESS_FROM: usize = 1024;

/// What handlers need to know about the request besides its path and query.
#[derive(Clone, Debug, Default)]
pub struct Ctx {
    /// `Origin`.
    pub origin: Option<String>,
    /// `Accept-Encoding`.
    pub accept_encoding: Option<String>,
    /// `If-None-Match`.
    pub if_none_match: Option<String>,
    /// `Authorization`.
    pub authorization: Option<String>,
    /// `Idempotency-Key`.
    pub idempotency_key: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Last-Event-ID`.
    pub last_event_id: Option<String>,
    /// The peer address.
    pub remote: Option<SocketAddr>,
    /// `Cookie`.
    pub cookie: Option<String>,
    /// `X-CSRF-Token`.
    pub csrf: Option<String>,
    /// `Host`.
    pub host: Option<String>,
    /// `X-Forwarded-Proto` (set by a TLS-terminating proxy).
    pub forwarded_proto: Option<String>,
}

impl Ctx {
    /// Whether the browser reached us over HTTPS (through a proxy that says so).
    pub fn is_https(&self) -> bool {
        self.forwarded_proto.as_deref().is_some_and(|p| p.eq_ignore_ascii_case("https"))
    }

    /// Whether the request comes from a page of this very server: no `Origin` (same-origin
    /// GETs and non-browser clients send none), or one whose host is our `Host`.
    pub fn is_same_origin(&self) -> bool {
        match (&self.origin, &self.host) {
            (None, _) => true,
            (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host)),
            (Some(_), None) => false,
        }
    }
}

/// Extracts a [`Ctx`] from any request.
pub fn ctx() -> impl Filter<Extract = (Ctx,), Error = std::convert::Infallible> + Clone {
    let h = |name: &'static str| warp::header::optional::<String>(name).or(warp::any().map(|| None)).unify();
    h("origin")
        .and(h("accept-encoding"))
        .and(h("if-none-match"))
        .and(h("authorization"))
        .and(h("idempotency-key"))
        .and(h("content-type"))
        .and(h("last-event-id"))
        .and(warp::addr::remote())
        .and(h("cookie"))
        .and(h("x-csrf-token"))
        .and(h("host"))
        .and(h("x-forwarded-proto"))
        .map(
            |origin,
             accept_encoding,
             if_none_match,
             authorization,
             idempotency_key,
             content_type,
             last_event_id,
             remote,
             cookie,
             csrf,
             host,
             forwarded_proto| {
                Ctx {
                    origin,
                    accept_encoding,
                    if_none_match,
                    authorization,
                    idempotency_key,
                    content_type,
                    last_event_id,
                    remote,
                    cookie,
                    csrf,
                    host,
                    forwarded_proto,
                }
            },
        )
}

/// Which origins may read the API from a browser.
#[derive(Clone, Debug, Default)]
pub enum CorsPolicy {
    /// Any origin (`Access-Control-Allow-Origin: *`).
    #[default]
    AnyOrigin,
    /// Only these origins.
    Allow(Vec<String>),
}

impl CorsPolicy {
    fn allow_origin(&self, origin: Option<&str>) -> Option<HeaderValue> {
        match self {
            CorsPolicy::AnyOrigin => Some(HeaderValue::from_static("*")),
            CorsPolicy::Allow(list) => origin.filter(|o| list.iter().any(|a| a == o)).and_then(|o| HeaderValue::from_str(o).ok()),
        }
    }
}

/// A JSON body, compressed if the client accepts it, with CORS headers for reads.
pub fn json<T: Serialize>(ctx: &Ctx, cors: &CorsPolicy, status: StatusCode, value: &T) -> warp::reply::Response {
    let body = serde_json::to_vec(value).unwrap_or_else(|e| format!(r#"{{"code":"internal","message":"{e}"}}"#).into_bytes());
    bytes_response(ctx, cors, status, "application/json; charset=utf-8", Bytes::from(body), None)
}

/// A cacheable JSON read: `ETag` from the data version and the request, `304` when the client
/// has it, `Cache-Control: no-cache` so clients revalidate (a new upload must show within
/// seconds) but proxies may keep a copy.
pub fn cached_json<T: Serialize>(
    ctx: &Ctx,
    cors: &CorsPolicy,
    version: i64,
    key: &str,
    value: impl FnOnce() -> T,
) -> warp::reply::Response {
    let etag = etag(version, key);
    if ctx.if_none_match.as_deref().is_some_and(|inm| inm.split(',').any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*"))
    {
        let mut response = Response::new(Bytes::new());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        let mut response = response.into_response();
        set_common(&mut response, ctx, cors, Some(&etag));
        return response;
    }
    let body = serde_json::to_vec(&value()).unwrap_or_default();
    bytes_response(ctx, cors, StatusCode::OK, "application/json; charset=utf-8", Bytes::from(body), Some(&etag))
}

/// The entity tag of a read: the data version and a fingerprint of what was asked.
pub fn etag(version: i64, key: &str) -> String {
    format!("\"v{version}-{:016x}\"", fnv1a(key.as_bytes()))
}

/// A body of any type, compressed when worthwhile and accepted.
pub fn bytes_response(
    ctx: &Ctx,
    cors: &CorsPolicy,
    status: StatusCode,
    content_type: &str,
    body: Bytes,
    etag: Option<&str>,
) -> warp::reply::Response {
    let (body, encoding) = compress(ctx.accept_encoding.as_deref(), body);
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    let mut response = response.into_response();
    set_common(&mut response, ctx, cors, etag);
    response
}

/// A static body with its brotli and gzip forms made at build time: the best accepted one is
/// sent as is (no compression work per request).
pub fn precompressed_response(
    ctx: &Ctx,
    cors: &CorsPolicy,
    content_type: &str,
    raw: &'static [u8],
    br: Option<&'static [u8]>,
    gz: Option<&'static [u8]>,
    etag: &str,
) -> warp::reply::Response {
    let accept = ctx.accept_encoding.as_deref();
    let chosen = match (br, gz) {
        (Some(br), _) if accepts(accept, "br") => Some((br, "br")),
        (_, Some(gz)) if accepts(accept, "gzip") => Some((gz, "gzip")),
        _ => None,
    };
    let Some((body, encoding)) = chosen else {
        return bytes_response(ctx, cors, StatusCode::OK, content_type, Bytes::from_static(raw), Some(etag));
    };
    let mut response = Response::new(Bytes::from_static(body));
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    let mut response = response.into_response();
    set_common(&mut response, ctx, cors, Some(etag));
    response
}

/// Whether `Accept-Encoding` accepts `name` (only `q=0` refuses).
fn accepts(accept: Option<&str>, name: &str) -> bool {
    accept.is_some_and(|a| {
        a.split(',').any(|part| {
            let mut pieces = part.split(';').map(str::trim);
            pieces.next().is_some_and(|coding| coding.eq_ignore_ascii_case(name)) && !pieces.any(|p| p.replace(' ', "") == "q=0")
        })
    })
}

fn set_common(response: &mut warp::reply::Response, ctx: &Ctx, cors: &CorsPolicy, etag: Option<&str>) {
    let headers = response.headers_mut();
    // Responses differ by these request headers; caches must key on them.
    headers.insert(header::VARY, HeaderValue::from_static("Origin, Accept-Encoding"));
    if let Some(etag) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
        headers.insert(header::ETAG, etag);
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, no-cache"));
    } else {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(allow) = cors.allow_origin(ctx.origin.as_deref()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("ETag"));
    }
}

/// Adds the CORS headers to a response that has none (errors, 404s), so that a widget on a
/// portal can read *why* a request failed.
pub fn ensure_cors(response: &mut warp::reply::Response, origin: Option<&str>, cors: &CorsPolicy) {
    let headers = response.headers_mut();
    if headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        return;
    }
    if let Some(allow) = cors.allow_origin(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
    }
    if !headers.contains_key(header::VARY) {
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

/// The answer to a CORS preflight for reads.
pub fn preflight(ctx: &Ctx, cors: &CorsPolicy) -> warp::reply::Response {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    let mut response = response.into_response();
    set_common(&mut response, ctx, cors, None);
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("If-None-Match, Last-Event-ID"));
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    response
}

/// Brotli if accepted, else gzip if accepted, else as is. Only `q=0` refuses an encoding.
fn compress(accept: Option<&str>, body: Bytes) -> (Bytes, Option<&'static str>) {
    if body.len() < COMPRESS_FROM {
        return (body, None);
    }
    if accepts(accept, "br") {
        let mut out = Vec::with_capacity(body.len() / 4);
        let params = brotli::enc::BrotliEncoderParams { quality: 5, ..Default::default() };
        if brotli::BrotliCompress(&mut body.as_ref(), &mut out, &params).is_ok() {
            return (Bytes::from(out), Some("br"));
        }
    }
    if accepts(accept, "gzip") {
        let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::fast());
        if encoder.write_all(&body).is_ok()
            && let Ok(out) = encoder.finish()
        {
            return (Bytes::from(out), Some("gzip"));
        }
    }
    (body, None)
}

/// FNV-1a, for short ETag fingerprints of a request (not a security hash).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compresses_only_when_asked_and_worthwhile() {
        let big = Bytes::from(vec![b'a'; 4096]);
        assert_eq!(compress(None, big.clone()).1, None);
        assert_eq!(compress(Some("gzip, deflate"), big.clone()).1, Some("gzip"));
        assert_eq!(compress(Some("gzip, br"), big.clone()).1, Some("br"));
        assert_eq!(compress(Some("br;q=0, gzip"), big).1, Some("gzip"));
        assert_eq!(compress(Some("br"), Bytes::from_static(b"{}")).1, None);
    }
}
