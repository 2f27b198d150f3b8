//! Every failure answers JSON `{code, message}` with the right status. Handlers return
//! [`ApiError`]; warp's own rejections (body too large, no length, bad header) are mapped by
//! [`recover`], the one place that turns rejections into responses. Bad input never yields a
//! 500: a 500 means the store failed, and its detail goes to the log, not the client.

use std::convert::Infallible;

use innogauge_model::wire::ErrorBody;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reject::Reject;
use warp::{Rejection, Reply};

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// For 405: the allowed methods.
    pub allow: Option<&'static str>,
    /// For 429 and 503: whole seconds until a retry may succeed.
    pub retry_after: Option<u64>,
}

impl Reject for ApiError {}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), allow: None, retry_after: None }
    }

    /// With `Retry-After`, rounded up: a client that waits what it is told is not refused again.
    pub fn retry_after(self, wait: std::time::Duration) -> ApiError {
        let seconds = wait.as_secs().saturating_add(u64::from(wait.subsec_nanos() > 0)).max(1);
        ApiError { retry_after: Some(seconds), ..self }
    }

    /// 400 with a code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 403 for a state-changing request made with a session cookie but without its CSRF token
    /// (or from another site).
    pub fn csrf() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "send the session's CSRF token in X-CSRF-Token, from a page of this server / 请求缺少有效的 CSRF 令牌，请刷新页面后重试",
        )
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", message)
    }

    /// 405 with `Allow`.
    pub fn method_not_allowed(allow: &'static str) -> ApiError {
        ApiError { allow: Some(allow), ..ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", format!("use {allow}")) }
    }

    /// 409.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, message)
    }

    /// 413.
    pub fn too_large(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", message)
    }

    /// 415.
    pub fn unsupported(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", message)
    }

    /// 429.
    pub fn too_many_requests(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", message)
    }

    /// 503 for something this server cannot offer now.
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// 503 for a request that ran out of time.
    pub fn timeout() -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "timeout", "the request took too long; try again")
    }

    /// 500; the cause is logged here and not sent.
    pub fn internal(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the server failed; the error was logged")
    }

    /// The response.
    pub fn response(&self) -> warp::reply::Response {
        let body = serde_json::to_vec(&ErrorBody { code: self.code.to_owned(), message: self.message.clone() }).unwrap_or_default();
        let mut response = warp::http::Response::new(bytes::Bytes::from(body)).into_response();
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(allow) = self.allow {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::internal(&e)
    }
}

/// Maps every rejection to a JSON error.
pub async fn recover(rejection: Rejection) -> Result<warp::reply::Response, Infallible> {
    let error = if let Some(e) = rejection.find::<ApiError>() {
        e.clone()
    } else if rejection.is_not_found() {
        ApiError::not_found("no such resource")
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        ApiError::too_large("the body is larger than the upload limit")
    } else if rejection.find::<warp::reject::LengthRequired>().is_some() {
        ApiError::new(StatusCode::LENGTH_REQUIRED, "length-required", "send the body with a Content-Length")
    } else if rejection.find::<warp::reject::UnsupportedMediaType>().is_some() {
        ApiError::unsupported("send CSV (text/csv) or Excel (.xlsx), raw or as multipart/form-data")
    } else if let Some(e) = rejection.find::<warp::reject::InvalidHeader>() {
        ApiError::bad_request("invalid-header", e.to_string())
    } else if let Some(e) = rejection.find::<warp::reject::MissingHeader>() {
        ApiError::bad_request("missing-header", e.to_string())
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "method not allowed")
    } else {
        tracing::warn!(?rejection, "unhandled rejection");
        ApiError::bad_request("bad-request", "the request could not be understood")
    };
    Ok(error.response())
}
