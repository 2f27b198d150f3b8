//! The WebAssembly build: `cargo build` for wasm32 with the size-first `wasm-release`
//! profile, then the bindgen step through the `wasm-bindgen-cli-support` library (pinned to
//! the same version as `wasm-bindgen`, so no CLI needs installing).
//!
//! Also the wasm test suite: the model compiled to wasm32, run by node, must produce the very
//! validation reports the native build snapshots in `fixtures/uploads/snapshots/`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::run;

/// Where the bundle runs.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// Browsers: an ES module under `dist/`; the loader passes the wasm URL itself.
    Web,
    /// Node, for the wasm test suite: `target/wasm-node/`.
    Node,
}

/// Builds the widgets crate to wasm and runs bindgen; returns the output directory.
pub fn build(root: &Path, target: Target) -> Result<PathBuf> {
    ensure_wasm_target(root)?;
    // The web bundle is the widgets alone; the node build (the wasm test suite) adds the upload
    // check. Both write the same artifact, so bindgen runs right after each build.
    let mut args = vec!["build", "--locked", "-p", "innogauge-widgets", "--target", "wasm32-unknown-unknown", "--profile", "wasm-release"];
    if matches!(target, Target::Node) {
        args.extend(["--features", "upload"]);
    }
    run(root, "cargo", &args)?;
    let wasm = root.join("target/wasm32-unknown-unknown/wasm-release/innogauge_widgets.wasm");
    let out = match target {
        Target::Web => root.join("dist"),
        Target::Node => root.join("target/wasm-node"),
    };
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen.input_path(&wasm).out_name("innogauge").remove_name_section(true).remove_producers_section(true).typescript(false);
    match target {
        Target::Web => bindgen.web(true)?.omit_default_module_path(false),
        Target::Node => bindgen.nodejs(true)?,
    };
    if matches!(target, Target::Web) {
        let _ = std::fs::remove_dir_all(&out);
    }
    bindgen.generate(&out).with_context(|| format!("wasm-bindgen into {}", out.display()))?;
    let size = std::fs::metadata(out.join("innogauge_bg.wasm")).map(|m| m.len()).unwrap_or(0);
    if matches!(target, Target::Web) {
        publish(root, &out)?;
    }
    println!("wasm bundle ({target:?}): {} ({size} bytes wasm)", out.display());
    Ok(out)
}

/// Gives the glue and the wasm content-hashed names (cached for a year by the server), writes
/// the loader that names them, and `manifest.json` with the loader's SRI hash.
fn publish(root: &Path, out: &Path) -> Result<()> {
    use sha2::{Digest, Sha256, Sha384};
    let short = |bytes: &[u8]| -> String { Sha256::digest(bytes).iter().take(6).map(|b| format!("{b:02x}")).collect() };
    let wasm = std::fs::read(out.join("innogauge_bg.wasm"))?;
    let wasm_name = format!("innogauge-{}.wasm", short(&wasm));
    std::fs::rename(out.join("innogauge_bg.wasm"), out.join(&wasm_name))?;
    let glue = std::fs::read(out.join("innogauge.js"))?;
    let glue_name = format!("innogauge-{}.js", short(&glue));
    std::fs::rename(out.join("innogauge.js"), out.join(&glue_name))?;
    let loader =
        std::fs::read_to_string(root.join("frontend/static/innogauge.js"))?.replace("__GLUE__", &glue_name).replace("__WASM__", &wasm_name);
    std::fs::write(out.join("innogauge.js"), &loader)?;
    let integrity = format!("sha384-{}", base64(&Sha384::digest(loader.as_bytes())));
    // Compressed once here at the highest settings (brotli 11 takes a second; a server doing it
    // per request would use a fast level and send ~10 % more), served when the browser accepts.
    let mut transfer = serde_json::Map::new();
    for name in ["innogauge.js", glue_name.as_str(), wasm_name.as_str()] {
        let raw = std::fs::read(out.join(name))?;
        let (br, gz) = (brotli_best(&raw)?, gzip_best(&raw)?);
        std::fs::write(out.join(format!("{name}.br")), &br)?;
        std::fs::write(out.join(format!("{name}.gz")), &gz)?;
        transfer.insert(name.to_owned(), serde_json::json!({ "raw": raw.len(), "br": br.len(), "gzip": gz.len() }));
    }
    let total_br: u64 = transfer.values().filter_map(|v| v["br"].as_u64()).sum();
    println!("widget bundle: {total_br} bytes with brotli (loader + glue + wasm)");
    let manifest =
        serde_json::json!({ "loader": "innogauge.js", "integrity": integrity, "glue": glue_name, "wasm": wasm_name, "bytes": transfer });
    std::fs::write(out.join("manifest.json"), serde_json::to_vec_pretty(&manifest)?)?;
    Ok(())
}

/// Brotli at quality 11 with a 4 MiB window.
fn brotli_best(bytes: &[u8]) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    let mut out = Vec::with_capacity(bytes.len() / 3);
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

/// Gzip at level 9.
fn gzip_best(bytes: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

/// Standard base64 with padding (for SRI hashes).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Installs the wasm32 standard library through rustup when it is missing, so that the
/// README's commands work on a fresh machine.
pub fn ensure_wasm_target(root: &Path) -> Result<()> {
    let installed = crate::output(root, "rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        run(root, "rustup", &["target", "add", "wasm32-unknown-unknown"])?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    file: String,
    #[serde(default)]
    options: innogauge_model::wire::UploadOptionsWire,
}

/// Runs every fixture case through the wasm build under node and compares each report with
/// the native snapshot, byte for byte. Returns the number of cases that matched.
pub fn wasm_matches_native(root: &Path) -> Result<usize> {
    let out = build(root, Target::Node)?;
    let uploads = root.join("fixtures/uploads");
    let cases: Cases = toml::from_str(&std::fs::read_to_string(uploads.join("cases.toml"))?)?;
    let list: Vec<serde_json::Value> = cases.case.iter().map(|c| serde_json::json!({ "file": c.file, "options": c.options })).collect();
    let cases_json = out.join("cases.json");
    std::fs::write(&cases_json, serde_json::to_vec(&list)?)?;
    let reports = out.join("reports");
    if crate::output(root, "node", &["--version"]).is_err() {
        bail!("the wasm suite runs the model under node: install it (Debian: apt-get install nodejs)");
    }
    let script = root.join("xtask/wasm_check.cjs");
    let args =
        [script.as_path(), out.as_path(), uploads.as_path(), cases_json.as_path(), reports.as_path()].map(|p| p.display().to_string());
    run(root, "node", &args.iter().map(String::as_str).collect::<Vec<_>>())?;
    let mut mismatched = Vec::new();
    for case in &cases.case {
        let native = std::fs::read_to_string(uploads.join("snapshots").join(format!("{}.json", case.file)))
            .with_context(|| format!("no native snapshot for {}: run the model's tests first", case.file))?;
        let wasm = std::fs::read_to_string(reports.join(format!("{}.json", case.file)))?;
        if native.trim_end() != wasm.trim_end() {
            mismatched.push(case.file.clone());
        }
    }
    if !mismatched.is_empty() {
        bail!("the wasm build reports differently from the native build for: {}", mismatched.join(", "));
    }
    println!("wasm: every one of {} reports identical to its native snapshot", cases.case.len());
    Ok(cases.case.len())
}
