//! Building responses: JSON with an ETag on the data version, `If-None-Match` → 304,
//! `Cache-Control`, compression negotiated from `Accept-Encoding` (brotli, then gzip, never
//! unasked), and CORS for reads (any origin, or a configured allowlist) with `Vary: Origin`.

use std::io::Write as _;
use std::net::SocketAddr;

use bytes::Bytes;

pub use crate::answers::BodyCache;
use crate::answers::Encoded;
pub use crate::app::CorsPolicy;
use serde::Serialize;
use warp::Filter;
use warp::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
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

    /// This server's origin as the browser addressed it (`http://host:port`, `https` behind a
    /// proxy that says so), for absolute links in feeds and link previews. A `Host` with
    /// anything but a host name, an address and a port is not echoed: `localhost`.
    pub fn own_origin(&self) -> String {
        let host = self
            .host
            .as_deref()
            .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')))
            .unwrap_or("localhost");
        format!("{}://{host}", if self.is_https() { "https" } else { "http" })
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

/// Extracts a [`Ctx`] from any request: one look at the header map (twelve optional-header
/// filters chained cost a measurable share of a cached read; see BENCHMARKS.md).
pub fn ctx() -> impl Filter<Extract = (Ctx,), Error = std::convert::Infallible> + Clone {
    warp::header::headers_cloned().and(warp::addr::remote()).map(|headers: HeaderMap, remote| Ctx::from_headers(&headers, remote))
}

impl Ctx {
    /// The headers handlers look at; a header that is not visible ASCII counts as absent.
    pub fn from_headers(headers: &HeaderMap, remote: Option<SocketAddr>) -> Ctx {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ctx {
            origin: text("origin"),
            accept_encoding: text("accept-encoding"),
            if_none_match: text("if-none-match"),
            authorization: text("authorization"),
            idempotency_key: text("idempotency-key"),
            content_type: text("content-type"),
            last_event_id: text("last-event-id"),
            remote,
            cookie: text("cookie"),
            csrf: text("x-csrf-token"),
            host: text("host"),
            forwarded_proto: text("x-forwarded-proto"),
        }
    }
}

/// The `Access-Control-Allow-Origin` a read answers `origin` with, if any.
fn allow_origin(cors: &CorsPolicy, origin: Option<&str>) -> Option<HeaderValue> {
    match cors {
        CorsPolicy::AnyOrigin => Some(HeaderValue::from_static("*")),
        CorsPolicy::Allow(list) => origin.filter(|o| list.iter().any(|a| a == o)).and_then(|o| HeaderValue::from_str(o).ok()),
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
    bodies: &BodyCache,
    version: i64,
    key: &str,
    value: impl FnOnce() -> T,
) -> warp::reply::Response {
    if let Some(hit) = cached(ctx, cors, bodies, version, key) {
        return hit;
    }
    let wanted = negotiate(ctx.accept_encoding.as_deref());
    let raw = Bytes::from(serde_json::to_vec(&value()).unwrap_or_default());
    let (body, encoding) = compress(wanted, raw);
    bodies.put(version, key, wanted, (body.clone(), encoding));
    encoded_response(ctx, cors, StatusCode::OK, "application/json; charset=utf-8", body, encoding, Some(&etag(version, key)))
}

/// A JSON answer that changes only with a new binary (the catalogue, the boundaries, the API
/// description): serialized and compressed once per process, with an ETag from its content, so
/// that a client's copy from before an upgrade is never confirmed by a 304 when it changed.
pub fn static_json<T: Serialize>(ctx: &Ctx, cors: &CorsPolicy, key: &'static str, value: impl FnOnce() -> T) -> warp::reply::Response {
    type Built = std::sync::Arc<(String, Bytes, Encoded, Encoded)>;
    static BUILT: std::sync::Mutex<Vec<(&'static str, Built)>> = std::sync::Mutex::new(Vec::new());
    let found = BUILT.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().find(|(k, _)| *k == key).map(|(_, b)| b.clone());
    let built = found.unwrap_or_else(|| {
        let raw = Bytes::from(serde_json::to_vec(&value()).unwrap_or_default());
        let etag = format!("\"s{:016x}-{:x}\"", fnv1a(&raw), raw.len());
        let (br, gz) = (compress(Some("br"), raw.clone()), compress(Some("gzip"), raw.clone()));
        let built: Built = std::sync::Arc::new((etag, raw, br, gz));
        BUILT.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((key, built.clone()));
        built
    });
    let (etag, raw, br, gz) = &*built;
    if ctx.if_none_match.as_deref().is_some_and(|inm| inm.split(',').any(|t| t.trim().trim_start_matches("W/") == etag)) {
        return not_modified(ctx, cors, etag);
    }
    let (body, encoding) = match negotiate(ctx.accept_encoding.as_deref()) {
        Some("br") => br.clone(),
        Some(_) => gz.clone(),
        None => (raw.clone(), None),
    };
    encoded_response(ctx, cors, StatusCode::OK, "application/json; charset=utf-8", body, encoding, Some(etag))
}

/// The answer to a read of `key` at `version` without building it: `304` when the client has
/// it, or the bytes [`cached_json`] kept. Handlers ask before they parse the query: a key in the
/// cache was a valid query when it was built, and the cache is emptied when the data move.
pub fn cached(ctx: &Ctx, cors: &CorsPolicy, bodies: &BodyCache, version: i64, key: &str) -> Option<warp::reply::Response> {
    cached_as(ctx, cors, bodies, version, key, "application/json; charset=utf-8")
}

/// [`cached`] for a body of another type (a chart's SVG).
pub fn cached_as(
    ctx: &Ctx,
    cors: &CorsPolicy,
    bodies: &BodyCache,
    version: i64,
    key: &str,
    content_type: &str,
) -> Option<warp::reply::Response> {
    let etag = etag(version, key);
    if ctx.if_none_match.as_deref().is_some_and(|inm| inm.split(',').any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*"))
    {
        return Some(not_modified(ctx, cors, &etag));
    }
    // Built once per data version (and per encoding) and then served as bytes: a read's answer
    // only changes when the data do.
    let wanted = negotiate(ctx.accept_encoding.as_deref());
    let (body, encoding) = bodies.get(version, key, wanted)?;
    Some(encoded_response(ctx, cors, StatusCode::OK, content_type, body, encoding, Some(&etag)))
}

/// A cacheable read of any type, built by `build` once per data version and key.
pub fn cached_bytes(
    ctx: &Ctx,
    cors: &CorsPolicy,
    bodies: &BodyCache,
    version: i64,
    key: &str,
    content_type: &str,
    build: impl FnOnce() -> Vec<u8>,
) -> warp::reply::Response {
    if let Some(hit) = cached_as(ctx, cors, bodies, version, key, content_type) {
        return hit;
    }
    let wanted = negotiate(ctx.accept_encoding.as_deref());
    let (body, encoding) = compress(wanted, Bytes::from(build()));
    bodies.put(version, key, wanted, (body.clone(), encoding));
    encoded_response(ctx, cors, StatusCode::OK, content_type, body, encoding, Some(&etag(version, key)))
}

/// `304 Not Modified` for `etag`.
pub fn not_modified(ctx: &Ctx, cors: &CorsPolicy, etag: &str) -> warp::reply::Response {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::NOT_MODIFIED;
    let mut response = response.into_response();
    set_common(&mut response, ctx, cors, Some(etag));
    response
}

/// The encoding a response will use for `Accept-Encoding` (for bodies worth compressing).
fn negotiate(accept: Option<&str>) -> Option<&'static str> {
    if accepts(accept, "br") {
        Some("br")
    } else if accepts(accept, "gzip") {
        Some("gzip")
    } else {
        None
    }
}

/// The entity tag of static content: a fingerprint of its bytes (computed once per process for
/// each distinct slice: the bundle's files are static, the same bytes every time).
pub fn content_etag(bytes: &'static [u8]) -> String {
    static SEEN: std::sync::Mutex<Vec<(usize, usize, String)>> = std::sync::Mutex::new(Vec::new());
    let key = (bytes.as_ptr() as usize, bytes.len());
    let mut seen = SEEN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, _, tag)) = seen.iter().find(|(p, l, _)| (*p, *l) == key) {
        return tag.clone();
    }
    let tag = format!("\"c{:016x}-{:x}\"", fnv1a(bytes), bytes.len());
    seen.push((key.0, key.1, tag.clone()));
    tag
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
    let (body, encoding) = compress(negotiate(ctx.accept_encoding.as_deref()), body);
    encoded_response(ctx, cors, status, content_type, body, encoding, etag)
}

/// A body in the encoding given.
fn encoded_response(
    ctx: &Ctx,
    cors: &CorsPolicy,
    status: StatusCode,
    content_type: &str,
    body: Bytes,
    encoding: Option<&'static str>,
    etag: Option<&str>,
) -> warp::reply::Response {
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
    if let Some(allow) = allow_origin(cors, ctx.origin.as_deref()) {
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
    if let Some(allow) = allow_origin(cors, origin) {
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

/// The body in `encoding` (from [`negotiate`]), or as is when too small to pay.
fn compress(encoding: Option<&'static str>, body: Bytes) -> (Bytes, Option<&'static str>) {
    if body.len() < COMPRESS_FROM {
        return (body, None);
    }
    if encoding == Some("br") {
        let mut out = Vec::with_capacity(body.len() / 4);
        // A window just large enough for the body: the default (4 MiB) costs half again the time
        // on a 47 KB series for the same bytes. Not below 2^17: at 16 this encoder picks a
        // hasher with a 32 MiB table, 9× slower. Quality 2: on a series, the snapshot and the
        // catalogue it takes 40–60 % less time than quality 5 for 9–15 % more bytes (a few
        // hundred on a series); answers are built on the request path after every commit.
        // (Measured; see BENCHMARKS.md.)
        let lgwin = (usize::BITS - body.len().leading_zeros()).clamp(17, 22) as i32;
        let params = brotli::enc::BrotliEncoderParams { quality: 2, lgwin, size_hint: body.len(), ..Default::default() };
        if brotli::BrotliCompress(&mut body.as_ref(), &mut out, &params).is_ok() {
            return (Bytes::from(out), Some("br"));
        }
    }
    if encoding == Some("gzip") {
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
    #[test]
    fn own_origin_echoes_only_a_host_name() {
        let ctx = |host: &str, proto: Option<&str>| Ctx {
            host: Some(host.to_owned()),
            forwarded_proto: proto.map(str::to_owned),
            ..Ctx::default()
        };
        assert_eq!(ctx("127.0.0.1:8080", None).own_origin(), "http://127.0.0.1:8080");
        assert_eq!(ctx("kjj.cq.gov.cn", Some("https")).own_origin(), "https://kjj.cq.gov.cn");
        assert_eq!(ctx("[::1]:8080", Some("http")).own_origin(), "http://[::1]:8080");
        assert_eq!(ctx("evil\"><script>", None).own_origin(), "http://localhost", "markup is not echoed");
        assert_eq!(ctx("a/b", None).own_origin(), "http://localhost");
        assert_eq!(Ctx::default().own_origin(), "http://localhost");
    }

    use super::*;

    #[test]
    fn compresses_only_when_asked_and_worthwhile() {
        let big = Bytes::from(vec![b'a'; 4096]);
        let pick = |accept: Option<&str>, body: Bytes| compress(negotiate(accept), body).1;
        assert_eq!(pick(None, big.clone()), None);
        assert_eq!(pick(Some("gzip, deflate"), big.clone()), Some("gzip"));
        assert_eq!(pick(Some("gzip, br"), big.clone()), Some("br"));
        assert_eq!(pick(Some("br;q=0, gzip"), big), Some("gzip"));
        assert_eq!(pick(Some("br"), Bytes::from_static(b"{}")), None);
    }
}
