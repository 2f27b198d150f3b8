//! The report as PDF: typst, used as a library, lays out `report.typ` with the report's JSON and
//! pictures in a virtual file system of our own (nothing is read from disk while compiling), in
//! the fonts given at start, and writes tagged PDF/UA-1 with the fonts embedded as subsets.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use super::ReportError;
use super::view::{Files, ReportView};

/// The layout.
const TEMPLATE: &str = include_str!("report.typ");

/// Where Debian's `fonts-noto-cjk` puts Noto Sans CJK (the README's set-up installs it).
pub const DEFAULT_FONT_DIR: &str = "/usr/share/fonts/opentype/noto";

/// The fonts a report is set in, loaded once per process.
#[derive(Debug, Clone)]
pub struct Fonts {
    book: Arc<LazyHash<FontBook>>,
    fonts: Arc<Vec<Font>>,
}

impl Fonts {
    /// Every font in `dir` (`.ttf`, `.otf`, `.ttc`, `.otc`); a report needs a CJK one
    /// (Noto Sans CJK SC).
    pub fn load(dir: &Path) -> Result<Fonts, ReportError> {
        let mut fonts = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| ReportError::Fonts(format!("{}: {e}", dir.display())))?;
        let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            let extension = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
            if !matches!(extension.as_str(), "ttf" | "otf" | "ttc" | "otc") {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| ReportError::Fonts(format!("{}: {e}", path.display())))?;
            fonts.extend(Font::iter(Bytes::new(bytes)));
        }
        if !fonts.iter().any(|f| f.info().family.starts_with("Noto Sans CJK")) {
            return Err(ReportError::Fonts(format!(
                "no Noto Sans CJK font in {}: install Debian's fonts-noto-cjk, or point --font-dir at a folder with NotoSansCJK-Regular.ttc and NotoSansCJK-Bold.ttc",
                dir.display()
            )));
        }
        tracing::info!(dir = %dir.display(), faces = fonts.len(), "report fonts loaded");
        Ok(Fonts { book: Arc::new(LazyHash::new(FontBook::from_fonts(&fonts))), fonts: Arc::new(fonts) })
    }
}

/// One compilation: the template, the report's JSON, its pictures.
struct ReportWorld {
    library: LazyHash<Library>,
    fonts: Fonts,
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: Option<Datetime>,
}

fn file_id(path: &str) -> Result<FileId, ReportError> {
    let path = VirtualPath::new(path).map_err(|e| ReportError::Layout(format!("{path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, path).intern())
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::NotSource) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files.get(&id).cloned().ok_or_else(|| FileError::NotFound(PathBuf::from(id.vpath().get_with_slash())))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}

/// `2026-12-02T04:05:06Z` as a typst date-time.
fn datetime(rfc3339: &str) -> Option<Datetime> {
    let number = |range: std::ops::Range<usize>| rfc3339.get(range).and_then(|s| s.parse::<u32>().ok());
    let year = i32::try_from(number(0..4)?).ok()?;
    let [month, day, hour, minute, second] = [number(5..7)?, number(8..10)?, number(11..13)?, number(14..16)?, number(17..19)?];
    Datetime::from_ymd_hms(
        year,
        u8::try_from(month).ok()?,
        u8::try_from(day).ok()?,
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    )
}

/// Lays out `view` and writes the PDF. `published` (RFC 3339) dates the document; the same
/// view, pictures and time give the same bytes.
pub fn render(view: &ReportView, files: &Files, fonts: &Fonts, published: Option<&str>) -> Result<Vec<u8>, ReportError> {
    let mut virtual_files = HashMap::new();
    let json = serde_json::to_vec(view).map_err(|e| ReportError::Layout(e.to_string()))?;
    virtual_files.insert(file_id("/report.json")?, Bytes::new(json));
    for (name, svg) in files {
        virtual_files.insert(file_id(&format!("/{name}"))?, Bytes::new(svg.clone().into_bytes()));
    }
    let when = published.and_then(datetime);
    let world = ReportWorld {
        library: LazyHash::new(Library::default()),
        fonts: fonts.clone(),
        main: Source::new(file_id("/report.typ")?, TEMPLATE.to_owned()),
        files: virtual_files,
        today: when,
    };
    let compiled = typst::compile::<typst_layout::PagedDocument>(&world);
    for warning in &compiled.warnings {
        tracing::debug!(message = %warning.message, "typst warning");
    }
    let document = compiled
        .output
        .map_err(|errors| ReportError::Layout(errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))?;
    let standards =
        typst_pdf::PdfStandards::new(&[typst_pdf::PdfStandard::Ua_1]).map_err(|e| ReportError::Layout(e.message().to_string()))?;
    let options = typst_pdf::PdfOptions {
        ident: Smart::Custom(format!("innogauge-report-{}-{}", view.period, view.lang)),
        creator: Smart::Custom(Some("InnoGauge".to_owned())),
        timestamp: when.map(typst_pdf::Timestamp::new_utc),
        standards,
        ..typst_pdf::PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options)
        .map_err(|errors| ReportError::Layout(errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))
}
