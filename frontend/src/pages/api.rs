//! The pages' calls to their own server: JSON reads and writes with the session cookie
//! (same origin) and the CSRF token, and file uploads through `XMLHttpRequest`, the one browser
//! API that reports upload progress.

use std::rc::Rc;

use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// A failed call: the server's `{code, message}`, or the network.
#[derive(Clone, Debug, PartialEq)]
pub struct CallError {
    /// HTTP status (0: no answer).
    pub status: u16,
    /// The server's code (`network` without an answer).
    pub code: String,
    /// The server's message.
    pub message: String,
}

impl CallError {
    fn network(message: impl Into<String>) -> CallError {
        CallError { status: 0, code: "network".into(), message: message.into() }
    }

    fn of(status: u16, body: &str) -> CallError {
        match serde_json::from_str::<innogauge_model::wire::ErrorBody>(body) {
            Ok(error) => CallError { status, code: error.code, message: error.message },
            Err(_) => CallError { status, code: "error".to_owned(), message: body.to_owned() },
        }
    }
}

pub use innogauge_model::wire::{SessionUser as User, SessionWire as Session, UploadOutcome as Outcome, UploadStatus, UploadSummary};

fn window() -> Result<web_sys::Window, CallError> {
    web_sys::window().ok_or_else(|| CallError::network("no window"))
}

/// `method path` with an optional JSON body and CSRF token; the answer parsed as `T`.
pub async fn call<T: DeserializeOwned>(method: &str, path: &str, body: Option<String>, csrf: Option<&str>) -> Result<T, CallError> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let headers = web_sys::Headers::new().map_err(|e| CallError::network(format!("{e:?}")))?;
    let _ = headers.set("Accept", "application/json");
    if let Some(csrf) = csrf {
        let _ = headers.set("X-CSRF-Token", csrf);
    }
    if let Some(body) = &body {
        let _ = headers.set("Content-Type", "application/json");
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let response = JsFuture::from(window()?.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| CallError::network("the server could not be reached / 无法连接服务器"))?;
    let response: web_sys::Response = response.unchecked_into();
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise).await.ok().and_then(|t| t.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    if !response.ok() {
        return Err(CallError::of(response.status(), &text));
    }
    let text = if text.trim().is_empty() { "null".to_owned() } else { text };
    serde_json::from_str(&text).map_err(|e| CallError::network(format!("unexpected answer: {e}")))
}

/// What [`send_file`] sends.
#[derive(Clone, Debug)]
pub struct FileUpload {
    /// The file's bytes.
    pub bytes: Rc<Vec<u8>>,
    /// Its name (tells CSV from Excel).
    pub name: String,
    /// Validate and compare only.
    pub dry_run: bool,
    /// Period for files that do not state one.
    pub period: Option<String>,
    /// The session's CSRF token.
    pub csrf: String,
    /// Same key, same upload: a double click commits once.
    pub idempotency_key: Option<String>,
}

/// Sends a file to `POST /api/v1/uploads`; `progress(sent, total)` follows the upload. The
/// answer is the outcome, also for a rejected file (422 carries the report).
pub fn send_file(
    upload: &FileUpload,
    progress: Callback2,
    done: impl FnOnce(Result<Outcome, CallError>) + 'static,
) -> Result<(), CallError> {
    let xhr = web_sys::XmlHttpRequest::new().map_err(|e| CallError::network(format!("{e:?}")))?;
    let mut url = format!("/api/v1/uploads?grid=true&filename={}", encode(&upload.name));
    if upload.dry_run {
        url.push_str("&dry_run=true");
    }
    if let Some(period) = upload.period.as_deref().filter(|p| !p.trim().is_empty()) {
        url.push_str(&format!("&period={}", encode(period.trim())));
    }
    xhr.open("POST", &url).map_err(|e| CallError::network(format!("{e:?}")))?;
    let lower = upload.name.to_lowercase();
    let mime = if lower.ends_with(".xlsx") || lower.ends_with(".xls") || lower.ends_with(".ods") {
        "application/octet-stream"
    } else {
        "text/csv"
    };
    let _ = xhr.set_request_header("Content-Type", mime);
    let _ = xhr.set_request_header("X-CSRF-Token", &upload.csrf);
    if let Some(key) = &upload.idempotency_key {
        let _ = xhr.set_request_header("Idempotency-Key", key);
    }
    if let Ok(target) = xhr.upload() {
        let on_progress = Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |event: web_sys::ProgressEvent| {
            if event.length_computable() {
                progress(event.loaded(), event.total());
            }
        });
        target.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        on_progress.forget();
    }
    let done = std::cell::RefCell::new(Some(done));
    let answered = xhr.clone();
    let on_end = Closure::<dyn Fn()>::new(move || {
        let Some(done) = done.borrow_mut().take() else { return };
        let status = answered.status().unwrap_or(0);
        let text = answered.response_text().ok().flatten().unwrap_or_default();
        let result = match status {
            0 => Err(CallError::network("the server could not be reached / 无法连接服务器")),
            200 | 201 | 413 | 422 if text.contains("\"report\"") => {
                serde_json::from_str::<Outcome>(&text).map_err(|e| CallError::network(format!("unexpected answer: {e}")))
            }
            _ => Err(CallError::of(status, &text)),
        };
        done(result);
    });
    xhr.set_onloadend(Some(on_end.as_ref().unchecked_ref()));
    on_end.forget();
    let bytes = js_sys::Uint8Array::from(upload.bytes.as_slice());
    xhr.send_with_opt_buffer_source(Some(&bytes)).map_err(|e| CallError::network(format!("{e:?}")))
}

/// `progress(sent, total)`.
pub type Callback2 = Rc<dyn Fn(f64, f64)>;

fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).as_string().unwrap_or_default()
}
