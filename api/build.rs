//! Embeds the widget bundle (`dist/`, built by `cargo xtask dist`) into the binary, so one file
//! serves the API and the widgets. Without a bundle the server still builds and answers
//! `/widgets/*` with 503 and how to build it.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=../dist");
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist");
    let mut table = String::from("/// The widget files.\npub static WIDGET_FILES: &[WidgetFile] = &[\n");
    if let Ok(entries) = std::fs::read_dir(&dist) {
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect();
        files.sort();
        for path in files {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            let mime = match path.extension().and_then(|e| e.to_str()) {
                Some("js") => "text/javascript; charset=utf-8",
                Some("wasm") => "application/wasm",
                Some("json") => "application/json; charset=utf-8",
                _ => continue,
            };
            println!("cargo:rerun-if-changed={}", path.display());
            // `cargo xtask dist` writes `<file>.br` and `<file>.gz` beside the big files.
            let embed =
                |path: &Path| format!("include_bytes!({:?})", path.canonicalize().unwrap_or(path.to_path_buf()).display().to_string());
            let variant = |suffix: &str| {
                let compressed = dist.join(format!("{name}.{suffix}"));
                if compressed.is_file() { format!("Some({})", embed(&compressed)) } else { "None".to_owned() }
            };
            let _ = writeln!(
                table,
                "    WidgetFile {{ name: {name:?}, mime: {mime:?}, raw: {}, br: {}, gz: {} }},",
                embed(&path),
                variant("br"),
                variant("gz")
            );
        }
    }
    table.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("widgets.rs");
    std::fs::write(out, table).unwrap_or_else(|e| panic!("writing the widget table: {e}"));
}
