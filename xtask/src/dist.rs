//! The WebAssembly build: `cargo build` for wasm32 with the size-first `wasm-release`
//! profile, then the bindgen step through the `wasm-bindgen-cli-support` library (pinned to
//! the same version as `wasm-bindgen`, so no CLI needs installing). For the web, that step
//! also gives wasm-bindgen's hashed import and export names short ones (in the wasm and the
//! glue alike) and strips the glue's comments and indentation: bytes every portal downloads.
//! Three widget modules (base, small, full; see `frontend/src/options.rs`'s `Kind::BASE` and
//! `Kind::CORE`) and the pages' module.
//!
//! `INNOGAUGE_WASM_NAMES=1 cargo xtask dist` keeps the function names in the bundles, for
//! reading where the bytes are (`twiggy top`, `twiggy paths` on `dist/core-*.wasm`); the bytes a
//! portal transfers are measured without them.
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

/// Builds the widgets crate to wasm and runs bindgen; returns the output directory. For the
/// web, two bundles: the widgets alone (what portals load) and the pages (widgets, the upload
/// check and the server's web pages), so that portal widgets stay small.
pub fn build(root: &Path, target: Target) -> Result<PathBuf> {
    ensure_wasm_target(root)?;
    let out = match target {
        Target::Web => root.join("dist"),
        Target::Node => root.join("target/wasm-node"),
    };
    match target {
        Target::Web => {
            let _ = std::fs::remove_dir_all(&out);
            // Every build writes the same artifact, so bindgen runs right after each.
            // The base module (gauge, KPI, table), the small one (and the trend), then the one
            // with every type.
            let wasm = cargo_wasm(root, None)?;
            bindgen(&wasm, &out, "base", target)?;
            let wasm = cargo_wasm(root, Some("trend"))?;
            bindgen(&wasm, &out, "core", target)?;
            let wasm = cargo_wasm(root, Some("every-widget"))?;
            bindgen(&wasm, &out, "innogauge", target)?;
            let widgets = publish_widgets(root, &out)?;
            let wasm = cargo_wasm(root, Some("pages"))?;
            bindgen(&wasm, &out, "pages", target)?;
            let pages = publish_pages(&out)?;
            // Version 1 of the manifest: the v1 loader reads `boot`.
            // Fields may be added; none may be renamed or removed (pasted loaders read them).
            let manifest = serde_json::json!({
                "loader": LOADER_V1, "integrity": widgets.integrity, "boot": widgets.boot, "glue": widgets.glue, "wasm": widgets.wasm,
                "wasm_integrity": widgets.wasm_integrity, "bytes": widgets.bytes,
                "core": { "glue": widgets.core.0, "wasm": widgets.core.1, "types": module_types(root, "CORE")? },
                "base": { "glue": widgets.base.0, "wasm": widgets.base.1, "types": module_types(root, "BASE")? },
                "pages": { "loader": "pages.js", "glue": pages.glue, "wasm": pages.wasm, "bytes": pages.bytes },
            });
            std::fs::write(out.join("manifest.json"), serde_json::to_vec_pretty(&manifest)?)?;
        }
        Target::Node => {
            let wasm = cargo_wasm(root, Some("upload"))?;
            bindgen(&wasm, &out, "innogauge", target)?;
        }
    }
    println!("wasm bundles ({target:?}): {}", out.display());
    Ok(out)
}

/// `cargo build` of the widgets crate for wasm32 with `feature`; the path of the wasm.
fn cargo_wasm(root: &Path, feature: Option<&str>) -> Result<PathBuf> {
    let mut args = vec!["build", "--locked", "-p", "innogauge-widgets", "--target", "wasm32-unknown-unknown", "--profile", "wasm-release"];
    if let Some(feature) = feature {
        args.extend(["--features", feature]);
    }
    run(root, "cargo", &args)?;
    Ok(root.join("target/wasm32-unknown-unknown/wasm-release/innogauge_widgets.wasm"))
}

pub fn bindgen(wasm: &Path, out: &Path, name: &str, target: Target) -> Result<()> {
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    let keep_names = std::env::var_os("INNOGAUGE_WASM_NAMES").is_some();
    bindgen.input_path(wasm).out_name(name).remove_name_section(!keep_names).remove_producers_section(true).typescript(false);
    match target {
        Target::Web => bindgen.web(true)?.omit_default_module_path(false),
        Target::Node => return bindgen.nodejs(true)?.generate(out).with_context(|| format!("wasm-bindgen into {}", out.display())),
    };
    let mut output = bindgen.generate_output().with_context(|| format!("wasm-bindgen of {}", wasm.display()))?;
    let (imports, exports) = shorten_names(&mut output, name).with_context(|| format!("shortening the names of {}", wasm.display()))?;
    output.emit(out).with_context(|| format!("wasm-bindgen into {}", out.display()))?;
    let glue_path = out.join(format!("{name}.js"));
    let glue = rename_glue_exports(&std::fs::read_to_string(&glue_path)?, &exports);
    let glue = rename_glue_imports(&glue, &format!("./{name}_bg.js"), &imports)
        .with_context(|| format!("renaming the imports in {}", glue_path.display()))?;
    std::fs::write(&glue_path, strip_glue(&glue).with_context(|| format!("stripping {}", glue_path.display()))?)?;
    Ok(())
}

/// Old and new names.
type Renamed = Vec<(String, String)>;

/// Gives the module's imports and the exports only its glue calls short names, before
/// wasm-bindgen emits it; returns the renamed (imports, exports) for the glue's side.
///
/// wasm-bindgen names each import after its JS function plus a 16-digit hash
/// (`__wbg_addEventListener_847fd86b8c33ec43`), once in the wasm and once in the glue: about
/// 200 of them are some 15 KB that no compressor shrinks much (the hashes are random). The same
/// for the exports only the glue calls (`wasm.{name}`: wasm-bindgen's own) and the closures'
/// invokers (hashed, and named so in the glue's wrapper functions too). And no custom section:
/// nothing reads `target_features`.
fn shorten_names(output: &mut wasm_bindgen_cli_support::Output, name: &str) -> Result<(Renamed, Renamed)> {
    let module_name = format!("./{name}_bg.js");
    let mut imports = Vec::new();
    for import in output.wasm_mut().imports.iter_mut() {
        if import.module != module_name {
            bail!("import {}.{} is not from the glue; the renaming below does not know it", import.module, import.name);
        }
        let short = short_name(imports.len());
        imports.push((std::mem::replace(&mut import.name, short.clone()), short));
        import.module = "w".to_owned();
    }
    let glue = output.js().to_owned();
    let mut exports = Vec::new();
    for export in output.wasm_mut().exports.iter_mut() {
        let invoker = export.name.starts_with("wasm_bindgen__convert__closures_") && export.name.contains("invoke__h");
        if invoker || only_called_by_the_glue(&glue, &export.name) {
            let short = format!("x{}", short_name(exports.len()));
            if !identifier_at(&glue, &short).is_empty() {
                bail!("the glue already has an identifier {short}");
            }
            exports.push((std::mem::replace(&mut export.name, short.clone()), short));
        }
    }
    output.wasm_mut().customs.remove_raw("target_features");
    Ok((imports, exports))
}

/// `a`, `b`, … `Z`, `aa`, `ab`, …: the `index`th short name (a JS identifier).
fn short_name(mut index: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = Vec::new();
    loop {
        name.push(LETTERS[index % LETTERS.len()]);
        index /= LETTERS.len();
        if index == 0 {
            break;
        }
        index -= 1;
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII letters")
}

/// Where `name` appears in `glue` as a whole identifier: byte offsets.
fn identifier_at(glue: &str, name: &str) -> Vec<usize> {
    let is_identifier = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    glue.match_indices(name)
        .map(|(at, _)| at)
        .filter(|&at| !is_identifier(glue[..at].chars().next_back()) && !is_identifier(glue[at + name.len()..].chars().next()))
        .collect()
}

/// Whether every mention of export `name` in the glue is a call through the module's exports
/// (`wasm.{name}`), so that renaming it there and in the wasm is the whole change.
fn only_called_by_the_glue(glue: &str, name: &str) -> bool {
    let at = identifier_at(glue, name);
    !at.is_empty() && at.iter().all(|&at| glue[..at].ends_with("wasm."))
}

/// The glue with each renamed export named by its new name, wherever its old name is an
/// identifier (`wasm.{old}`, and an invoker's wrapper function).
fn rename_glue_exports(glue: &str, renamed: &[(String, String)]) -> String {
    let mut glue = glue.to_owned();
    for (old, new) in renamed {
        for at in identifier_at(&glue, old).into_iter().rev() {
            glue.replace_range(at..at + old.len(), new);
        }
    }
    glue
}

/// Renames the glue's side of each renamed import: the key of the import object
/// (`        {old}: function…`) and the import module's name. Each old name must appear exactly
/// once, as that key, or the glue is not what this step was written for and it stops.
fn rename_glue_imports(glue: &str, module_name: &str, renamed: &[(String, String)]) -> Result<String> {
    let mut glue = glue.to_owned();
    for (old, new) in renamed {
        let key = format!("\n        {old}: ");
        if glue.matches(old.as_str()).count() != 1 || glue.matches(&key).count() != 1 {
            bail!("the import {old} is not named exactly once, as a key of the import object");
        }
        glue = glue.replacen(&key, &format!("\n        {new}: "), 1);
    }
    let module_key = format!("\"{module_name}\": import0,");
    if glue.matches(&module_key).count() != 1 {
        bail!("the import object is not named {module_key} exactly once");
    }
    Ok(glue.replacen(&module_key, "\"w\": import0,", 1))
}

/// The glue without its comments, indentation and empty lines (what a minifier's safest
/// passes do; names and statements stay as written, so its errors still read). Line-based,
/// which is sound only while no string spans lines: a line with an odd number of backticks
/// (a template literal going on) stops it.
fn strip_glue(glue: &str) -> Result<String> {
    let mut stripped = String::with_capacity(glue.len());
    let mut in_doc_comment = false;
    for (number, line) in glue.lines().enumerate() {
        let line = line.trim();
        if in_doc_comment {
            in_doc_comment = !line.ends_with("*/");
            continue;
        }
        if line.starts_with("/*") {
            if line.find("*/").is_some_and(|end| end + 2 < line.len()) {
                bail!("line {} has code after a comment: {line}", number + 1);
            }
            in_doc_comment = !line.ends_with("*/");
            continue;
        }
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        if line.matches('`').count() % 2 == 1 {
            bail!("line {} opens a template literal across lines: {line}", number + 1);
        }
        stripped.push_str(line);
        stripped.push('\n');
    }
    Ok(stripped)
}

/// A published bundle: its hashed file names and every file's raw, brotli and gzip size.
struct Published {
    glue: String,
    wasm: String,
    boot: String,
    integrity: String,
    wasm_integrity: String,
    bytes: serde_json::Map<String, serde_json::Value>,
    /// The small module's glue and wasm (widgets only).
    core: (String, String),
    /// The base module's glue and wasm (no trend).
    base: (String, String),
}

/// The loader portals paste, under a name that never changes meaning.
pub const LOADER_V1: &str = "innogauge-v1.js";

/// The SRI hash of loader version 1 (`frontend/static/innogauge.js`). Every embed snippet pasted
/// since pins it, so the file is frozen: a change to the loader is a new version beside it
/// (`innogauge-v2.js`, served alongside v1 forever), never an edit of this one.
pub const LOADER_V1_INTEGRITY: &str = "sha384-bS/JwIp+USzEpK9iOm+WMHgOOnmIJg593ArS2LXJCCwfjf5wLQXUnl10ucqJngzt";

fn sri(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha384};
    format!("sha384-{}", base64(&Sha384::digest(bytes)))
}

/// Gives `{name}.js` and `{name}_bg.wasm` content-hashed names (cached for a year by the
/// server) and returns them.
/// The first 12 hex digits of a file's SHA-256: its content-hashed name.
fn short_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().take(6).map(|b| format!("{b:02x}")).collect()
}

fn hash_names(out: &Path, name: &str) -> Result<(String, String)> {
    let short = short_hash;
    let wasm = std::fs::read(out.join(format!("{name}_bg.wasm")))?;
    let wasm_name = format!("{name}-{}.wasm", short(&wasm));
    std::fs::rename(out.join(format!("{name}_bg.wasm")), out.join(&wasm_name))?;
    let glue = std::fs::read(out.join(format!("{name}.js")))?;
    let glue_name = format!("{name}-{}.js", short(&glue));
    std::fs::rename(out.join(format!("{name}.js")), out.join(&glue_name))?;
    Ok((glue_name, wasm_name))
}

/// Compressed once here at the highest settings (brotli 11 takes a second; a server doing it
/// per request would use a fast level and send ~10 % more), served when the browser accepts.
fn compress(out: &Path, names: &[&str]) -> Result<serde_json::Map<String, serde_json::Value>> {
    let mut transfer = serde_json::Map::new();
    for name in names {
        let raw = std::fs::read(out.join(name))?;
        let (br, gz) = (brotli_best(&raw)?, gzip_best(&raw)?);
        std::fs::write(out.join(format!("{name}.br")), &br)?;
        std::fs::write(out.join(format!("{name}.gz")), &gz)?;
        transfer.insert((*name).to_owned(), serde_json::json!({ "raw": raw.len(), "br": br.len(), "gzip": gz.len() }));
    }
    Ok(transfer)
}

/// The widget bundle: hashed names, the frozen loader (which finds them through the manifest),
/// the SRI hashes of the loader and the module.
fn publish_widgets(root: &Path, out: &Path) -> Result<Published> {
    let (glue, wasm) = hash_names(out, "innogauge")?;
    let (core_glue, core_wasm) = hash_names(out, "core")?;
    let (base_glue, base_wasm) = hash_names(out, "base")?;
    let loader = std::fs::read(root.join("frontend/static/innogauge.js"))?;
    let integrity = sri(&loader);
    if integrity != LOADER_V1_INTEGRITY {
        bail!(
            "frontend/static/innogauge.js is loader version 1, which every pasted embed snippet pins by its hash \
             ({LOADER_V1_INTEGRITY}); it now hashes to {integrity}. Keep v1 as it was and add the change as a new loader version."
        );
    }
    std::fs::write(out.join(LOADER_V1), &loader)?;
    // The unversioned name, for snippets without `integrity`: the newest loader.
    std::fs::write(out.join("innogauge.js"), &loader)?;
    let wasm_integrity = sri(&std::fs::read(out.join(&wasm))?);
    let core_integrity = sri(&std::fs::read(out.join(&core_wasm))?);
    let base_integrity = sri(&std::fs::read(out.join(&base_wasm))?);
    let (core_types, base_types) =
        (serde_json::to_string(&module_types(root, "CORE")?)?, serde_json::to_string(&module_types(root, "BASE")?)?);
    // The release's own start-up: everything that depends on wasm-bindgen's glue lives here,
    // content-hashed like the glue, so the frozen loader never has to know it. It starts the
    // smallest module that has every widget type on the page: the base one (gauge, KPI, table),
    // the small one (and the trend), or the full one. A widget of another type added later (or
    // by `InnoGauge.mount`) hands the page over to the full module: the running one lets go of
    // its widgets and its event stream first.
    let boot_text = format!(
        "// InnoGauge widgets: starts this release's module (named by manifest.json's `boot`).\n\
         const here = new URL('.', import.meta.url);\n\
         const BASE = {base_types};\n\
         const CORE = {core_types};\n\
         async function load(glue, wasm, integrity, api) {{\n\
         \x20 const compiled = fetch(new URL(wasm, here).href, {{ integrity, credentials: 'omit' }});\n\
         \x20 const m = await import(new URL(glue, here).href);\n\
         \x20 await m.default({{ module_or_path: compiled }});\n\
         \x20 m.configure(api);\n\
         \x20 return m;\n\
         }}\n\
         export async function start(options) {{\n\
         \x20 const full = () => load('{glue}', '{wasm}', '{wasm_integrity}', options.api);\n\
         \x20 const types = Array.from(document.querySelectorAll('[data-innogauge]'), (e) => (e.getAttribute('data-innogauge') || '').trim());\n\
         \x20 const within = (set) => types.every((t) => set.includes(t));\n\
         \x20 if (!within(CORE)) {{ return full(); }}\n\
         \x20 let current = await (within(BASE)\n\
         \x20\x20\x20 ? load('{base_glue}', '{base_wasm}', '{base_integrity}', options.api)\n\
         \x20\x20\x20 : load('{core_glue}', '{core_wasm}', '{core_integrity}', options.api));\n\
         \x20 let upgrading = null;\n\
         \x20 const upgrade = (element) => {{\n\
         \x20\x20\x20 upgrading = upgrading || full().then((m) => {{ current.retire(); current = m; m.mountAll(); return m; }});\n\
         \x20\x20\x20 upgrading.then((m) => {{ if (element) {{ m.mount(element, undefined); }} }}).catch((e) => console.error('InnoGauge:', e));\n\
         \x20 }};\n\
         \x20 current.onMissingType(upgrade);\n\
         \x20 return {{\n\
         \x20\x20\x20 mount: (element, options) => current.mount(element, options),\n\
         \x20\x20\x20 unmount: (element) => current.unmount(element),\n\
         \x20\x20\x20 mountAll: () => current.mountAll(),\n\
         \x20 }};\n\
         }}\n"
    );
    let boot = format!("innogauge-boot-{}.js", short_hash(boot_text.as_bytes()));
    std::fs::write(out.join(&boot), &boot_text)?;
    let bytes = compress(out, &["innogauge.js", LOADER_V1, &boot, &glue, &wasm, &core_glue, &core_wasm, &base_glue, &base_wasm])?;
    let brotli = |names: &[&str]| -> u64 { names.iter().filter_map(|n| bytes.get(*n)).filter_map(|v| v["br"].as_u64()).sum() };
    let [base_br, core_br, full_br] =
        [[&base_glue, &base_wasm], [&core_glue, &core_wasm], [&glue, &wasm]].map(|[g, w]| brotli(&["innogauge.js", &boot, g, w]));
    println!(
        "widget bundle (loader + boot + glue + wasm, brotli): {base_br} bytes for gauge, KPI and table; {core_br} with the trend; {full_br} with every type"
    );
    let (core, base) = ((core_glue, core_wasm), (base_glue, base_wasm));
    Ok(Published { glue, wasm, boot, integrity, wasm_integrity, bytes, core, base })
}

/// The pages bundle: hashed names and `pages.js`, the module the page shells load.
fn publish_pages(out: &Path) -> Result<Published> {
    let (glue, wasm) = hash_names(out, "pages")?;
    let loader = format!(
        "// InnoGauge pages: loads the pages bundle and renders the page named by #app[data-page].\n\
         import init, {{ startPage }} from './{glue}';\n\
         await init({{ module_or_path: new URL('{wasm}', import.meta.url) }});\n\
         startPage();\n"
    );
    std::fs::write(out.join("pages.js"), &loader)?;
    let bytes = compress(out, &["pages.js", &glue, &wasm])?;
    let total_br: u64 = bytes.values().filter_map(|v| v["br"].as_u64()).sum();
    println!("pages bundle: {total_br} bytes with brotli");
    Ok(Published {
        glue,
        wasm,
        boot: String::new(),
        integrity: String::new(),
        wasm_integrity: String::new(),
        bytes,
        core: Default::default(),
        base: Default::default(),
    })
}

/// The types of a module, read from `Kind::{constant}` (`CORE`, `BASE`) in
/// `frontend/src/options.rs` (the one place they are named), so the boot module and the build
/// cannot disagree.
fn module_types(root: &Path, constant: &str) -> Result<Vec<String>> {
    let source = std::fs::read_to_string(root.join("frontend/src/options.rs"))?;
    let declaration = format!("pub const {constant}: [Kind;");
    let line = source.lines().find(|l| l.contains(&declaration)).with_context(|| format!("Kind::{constant} in frontend/src/options.rs"))?;
    let list = line.split('=').nth(1).with_context(|| format!("Kind::{constant}'s value"))?;
    let names: Vec<String> = list
        .split(['[', ']', ',', ';'])
        .map(str::trim)
        .filter_map(|item| item.strip_prefix("Kind::"))
        .map(|variant| variant.to_lowercase())
        .collect();
    if names.is_empty() {
        bail!("Kind::{constant} names no type");
    }
    Ok(names)
}

/// Brotli at quality 11 with a 4 MiB window.
pub fn brotli_best(bytes: &[u8]) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    let mut out = Vec::with_capacity(bytes.len() / 3);
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

/// Gzip at level 9.
pub fn gzip_best(bytes: &[u8]) -> Result<Vec<u8>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_distinct_identifiers() {
        let names: Vec<String> = (0..3000).map(short_name).collect();
        assert_eq!(&names[..3], ["a", "b", "c"]);
        assert_eq!(names[51], "Z");
        assert_eq!(names[52], "aa");
        let distinct: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
        assert!(names.iter().all(|n| n.bytes().all(|b| b.is_ascii_alphabetic())));
    }

    #[test]
    fn the_glue_loses_comments_and_indentation_not_code() {
        let glue = "/**\n * Docs.\n */\nexport function f(a) {\n    // why\n    const s = `${a}`;\n\n    return s; // kept\n}\n/* one */\n";
        assert_eq!(strip_glue(glue).unwrap(), "export function f(a) {\nconst s = `${a}`;\nreturn s; // kept\n}\n");
        assert!(strip_glue("const s = `a\nb`;\n").is_err(), "a template literal across lines");
        assert!(strip_glue("/* c */ f();\n").is_err(), "code after a comment");
    }

    #[test]
    fn exports_are_renamed_only_where_the_glue_alone_calls_them() {
        let glue = "export function mount(e) { wasm.mount(e); wasm.mountAll(); }\nconst r = wasm.__wbindgen_malloc(1); wasm.__wbindgen_malloc(2);\n";
        assert!(!only_called_by_the_glue(glue, "mount"), "also the glue's own export");
        assert!(only_called_by_the_glue(glue, "mountAll"));
        assert!(only_called_by_the_glue(glue, "__wbindgen_malloc"));
        assert!(!only_called_by_the_glue(glue, "unmount"), "never named");
        let renamed = [("mountAll".to_owned(), "xa".to_owned()), ("__wbindgen_malloc".to_owned(), "xb".to_owned())];
        assert_eq!(
            rename_glue_exports(glue, &renamed),
            "export function mount(e) { wasm.mount(e); wasm.xa(); }\nconst r = wasm.xb(1); wasm.xb(2);\n"
        );
    }

    #[test]
    fn glue_imports_are_renamed_only_where_they_are_keys() {
        let glue =
            "const import0 = {\n        __wbg_f_0123: function(a) {\n        },\n    };\n    return {\n        \"./x_bg.js\": import0,\n";
        let renamed = [("__wbg_f_0123".to_owned(), "a".to_owned())];
        let out = rename_glue_imports(glue, "./x_bg.js", &renamed).unwrap();
        assert!(out.contains("\n        a: function") && out.contains("\"w\": import0,") && !out.contains("0123"));
        let twice = format!("{glue} __wbg_f_0123();");
        assert!(rename_glue_imports(&twice, "./x_bg.js", &renamed).is_err());
    }
}
