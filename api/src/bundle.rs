//! The widget bundle the server serves under `/widgets/`: the files `cargo xtask dist` wrote
//! into `dist/`, embedded at build time by `build.rs`, or read from a directory at start
//! (`--widgets-dir`, to try a bundle or an upgrade without a rebuild).

/// A file of the widget bundle, with the brotli and gzip forms `cargo xtask dist` made.
#[derive(Debug)]
pub struct WidgetFile {
    /// The file name.
    pub name: &'static str,
    /// Its type.
    pub mime: &'static str,
    /// Its bytes.
    pub raw: &'static [u8],
    /// Brotli.
    pub br: Option<&'static [u8]>,
    /// Gzip.
    pub gz: Option<&'static [u8]>,
}

include!(concat!(env!("OUT_DIR"), "/widgets.rs"));

/// The widget bundle a server serves: the one built into it, or (to try an upgrade without a
/// rebuild, as the browser suite does) one read from a directory at start.
#[derive(Debug)]
pub struct WidgetBundle {
    /// The files.
    pub files: Vec<WidgetFile>,
    /// Built into this binary (else read from a directory).
    pub embedded: bool,
}

impl WidgetBundle {
    /// The bundle built into this binary.
    pub fn embedded() -> WidgetBundle {
        let files = WIDGET_FILES.iter().map(|f| WidgetFile { name: f.name, mime: f.mime, raw: f.raw, br: f.br, gz: f.gz }).collect();
        WidgetBundle { files, embedded: true }
    }

    /// The bundle in `dir` (as `cargo xtask dist` writes it), read once and kept for the life
    /// of the process.
    pub fn from_dir(dir: &std::path::Path) -> std::io::Result<WidgetBundle> {
        let leak = |bytes: Vec<u8>| -> &'static [u8] { Box::leak(bytes.into_boxed_slice()) };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else { continue };
            let mime = match path.extension().and_then(|e| e.to_str()) {
                Some("js") => "text/javascript; charset=utf-8",
                Some("wasm") => "application/wasm",
                Some("json") => "application/json; charset=utf-8",
                _ => continue,
            };
            let variant = |suffix: &str| std::fs::read(dir.join(format!("{name}.{suffix}"))).ok().map(leak);
            let (br, gz) = (variant("br"), variant("gz"));
            files.push(WidgetFile { name: Box::leak(name.into_boxed_str()), mime, raw: leak(std::fs::read(&path)?), br, gz });
        }
        Ok(WidgetBundle { files, embedded: false })
    }
}
