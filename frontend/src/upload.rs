//! The statisticians' upload check, built into its own bundle (`--features upload`):
//! [`validate_upload`] reads a file's bytes exactly as the server will and returns the same
//! report, before anything is sent.

use innogauge_model::Catalog;
use innogauge_model::wire::{UploadOptionsWire, validation_report};
use wasm_bindgen::prelude::wasm_bindgen;

/// Validates an upload in the browser: `bytes` of a CSV file and `options_json` (the
/// [`UploadOptionsWire`] fields: `period`, `allowed_regions`, `max_rows`, `max_bytes`) in, the
/// validation report as pretty JSON out. Bad options come back as a JSON `{code, message}`.
#[wasm_bindgen]
pub fn validate_upload(bytes: &[u8], options_json: &str) -> String {
    let options: UploadOptionsWire = match serde_json::from_str(if options_json.trim().is_empty() { "{}" } else { options_json }) {
        Ok(options) => options,
        Err(e) => return error_json("bad-options", &e.to_string()),
    };
    match validation_report(Catalog::builtin(), bytes, &options) {
        Ok(report) => serde_json::to_string_pretty(&report).unwrap_or_else(|e| error_json("internal", &e.to_string())),
        Err(e) => error_json("bad-period", &e.message.en),
    }
}

fn error_json(code: &str, message: &str) -> String {
    serde_json::json!({ "code": code, "message": message }).to_string()
}
