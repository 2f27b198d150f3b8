//! The published quarterly report (seed 004: "定期发布区县科技创新评价报告"): the model's
//! [`ReportData`] written out in Chinese and English, as HTML and as PDF, with the charts drawn
//! by the widgets' own chart code on SVG.
//!
//! - `view.rs`: the report in one language, every text written, and the charts it shows;
//! - `charts.rs`: the charts as SVG (the model's `chart` painters on plotters' SVG backend);
//! - `html.rs`: the HTML page; `pdf.rs`: typst, used as a library, for the PDF.
//!
//! A published report is built once, from the data at one version, and stored as bytes: later
//! uploads never change it.

pub mod charts;
pub mod html;
pub mod pdf;
pub mod view;

use innogauge_model::evaluation::Framework;
use innogauge_model::geo::FeatureCollection;
use innogauge_model::report::ReportData;
use innogauge_model::{Catalog, Dataset, Lang, Period};

pub use pdf::Fonts;
pub use view::{Edition, Files, ReportView};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The fonts could not be read.
    #[error("report fonts: {0}")]
    Fonts(String),
    /// typst refused the layout (a bug: the template and the view are ours).
    #[error("report layout: {0}")]
    Layout(String),
    /// There is nothing to report for the quarter.
    #[error("{0}")]
    Nothing(String),
}

/// A report in one language, in both forms.
#[derive(Debug, Clone)]
pub struct Rendition {
    /// The HTML page.
    pub html: Vec<u8>,
    /// The PDF.
    pub pdf: Vec<u8>,
}

/// The URL paths of a report: (HTML, PDF), in a language.
pub fn paths(period: &str, lang: Lang, draft: bool) -> (String, String) {
    let base = if draft { format!("/reports/{period}/draft") } else { format!("/reports/{period}") };
    match lang {
        Lang::Zh => (base.clone(), format!("{base}.pdf")),
        Lang::En => (format!("{base}?lang=en"), format!("{base}.pdf?lang=en")),
    }
}

/// The report's content for `period`, or why there is none.
pub fn data(catalog: &Catalog, dataset: &Dataset, period: Period, data_version: i64) -> Result<ReportData, ReportError> {
    if !matches!(period, Period::Quarter(..)) {
        return Err(ReportError::Nothing(format!("reports are quarterly: {period} is not a quarter")));
    }
    let data = innogauge_model::report::build(catalog, dataset, Framework::builtin(), period, data_version);
    if !data.evaluation.districts.iter().any(|d| d.rated) {
        return Err(ReportError::Nothing(format!("no district has the data for an evaluation of {period}")));
    }
    Ok(data)
}

/// The report in `lang`, as HTML and PDF.
pub fn render(
    data: &ReportData,
    catalog: &Catalog,
    map: Option<&FeatureCollection>,
    fonts: &Fonts,
    lang: Lang,
    edition: &Edition,
) -> Result<Rendition, ReportError> {
    let mut files = Files::new();
    let view = ReportView::new(data, catalog, map, lang, edition, &mut files);
    let draft = *edition == Edition::Draft;
    let (_, pdf_path) = paths(&data.period, lang, draft);
    let (other, _) = paths(&data.period, if lang == Lang::Zh { Lang::En } else { Lang::Zh }, draft);
    let html = html::render(&view, &files, (&pdf_path, &other, "/reports")).into_bytes();
    let published = match edition {
        Edition::Published(at) => Some(at.as_str()),
        Edition::Draft => None,
    };
    let pdf = pdf::render(&view, &files, fonts, published)?;
    Ok(Rendition { html, pdf })
}

/// Why a report could not be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Making it failed.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// Storing it failed, or it is published already (`StoreError::Conflict`).
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// The quarter a report is for: the one asked, or the latest the evaluation can rate.
pub fn quarter(catalog: &Catalog, dataset: &Dataset, asked: Option<Period>) -> Result<Period, ReportError> {
    match asked {
        Some(p @ Period::Quarter(..)) => Ok(p),
        Some(other) => Err(ReportError::Nothing(format!("reports are quarterly: {other} is not a quarter"))),
        None => innogauge_model::evaluation::latest_period(catalog, dataset, Framework::builtin(), None)
            .ok_or_else(|| ReportError::Nothing("no quarter has the data for an evaluation yet".to_owned())),
    }
}

/// Builds the report of `period` in both languages from `snapshot` and stores it as published
/// by `actor` now. Runs typst: call it off the async runtime.
pub fn publish_blocking(
    store_handle: &tokio::runtime::Handle,
    store: &dyn crate::store::Store,
    snapshot: &crate::data::Snapshot,
    catalog: &Catalog,
    fonts: &Fonts,
    period: Period,
    actor: &str,
) -> Result<Vec<crate::store::PublishedReport>, PublishError> {
    use sha2::Digest as _;
    let data = data(catalog, &snapshot.dataset, period, snapshot.version)?;
    let published_at = crate::time::rfc3339(crate::time::now_ms());
    // Whole seconds: the PDF's date has no milliseconds, and the page says the day.
    let published_at = format!("{}Z", &published_at[..19]);
    let edition = Edition::Published(published_at.clone());
    let mut reports = Vec::new();
    for lang in [Lang::Zh, Lang::En] {
        let rendition = render(&data, catalog, Some(crate::map::boundaries()), fonts, lang, &edition)?;
        reports.push(crate::store::PublishedReport {
            period: data.period.clone(),
            lang: if lang == Lang::Zh { "zh" } else { "en" }.to_owned(),
            data_version: snapshot.version,
            published_at: published_at.clone(),
            actor: actor.to_owned(),
            sha256_pdf: crate::auth::hex(&sha2::Sha256::digest(&rendition.pdf)),
            html: rendition.html,
            pdf: rendition.pdf,
        });
    }
    store_handle.block_on(store.publish_reports(&reports))?;
    tracing::info!(period = %data.period, version = snapshot.version, actor, "report published");
    Ok(reports)
}

/// A draft's quarter, data version and language.
type DraftKey = (String, i64, &'static str);

/// The server's reports: the fonts (loaded on first use: 40 MB of Noto Sans CJK is not read by
/// a server that never makes a report), the last draft made, and one publication at a time.
#[derive(Debug, Default)]
pub struct Reports {
    font_dir: std::sync::OnceLock<std::path::PathBuf>,
    fonts: std::sync::OnceLock<Result<Fonts, String>>,
    raster_fonts: std::sync::OnceLock<Result<std::sync::Arc<resvg::usvg::fontdb::Database>, String>>,
    draft: std::sync::Mutex<Option<(DraftKey, std::sync::Arc<Rendition>)>>,
    /// Held while a report is built and stored: a second request waits, then finds it published.
    pub publishing: tokio::sync::Mutex<()>,
}

impl Reports {
    /// Where the fonts are (`--font-dir`); the default is Debian's `fonts-noto-cjk`.
    pub fn set_font_dir(&self, dir: std::path::PathBuf) {
        let _ = self.font_dir.set(dir);
    }

    /// The fonts, loaded the first time.
    pub fn fonts(&self) -> Result<Fonts, ReportError> {
        self.fonts
            .get_or_init(|| {
                let dir = self.font_dir.get().cloned().unwrap_or_else(|| std::path::PathBuf::from(pdf::DEFAULT_FONT_DIR));
                Fonts::load(&dir).map_err(|e| e.to_string())
            })
            .clone()
            .map_err(ReportError::Fonts)
    }

    /// The same fonts for rasterising SVG pictures (`chart.png`), loaded the first time
    /// (memory-mapped, not read: the PDF's copy is not shared with resvg's database).
    pub fn raster_fonts(&self) -> Result<std::sync::Arc<resvg::usvg::fontdb::Database>, ReportError> {
        self.raster_fonts
            .get_or_init(|| {
                let dir = self.font_dir.get().cloned().unwrap_or_else(|| std::path::PathBuf::from(pdf::DEFAULT_FONT_DIR));
                charts::raster_fonts(&dir).map(std::sync::Arc::new)
            })
            .clone()
            .map_err(ReportError::Fonts)
    }

    /// The draft of `period` in `lang` from `snapshot` (the last one is kept: a preview is
    /// opened as HTML and then as PDF). Runs typst: call it off the async runtime.
    pub fn draft(
        &self,
        catalog: &Catalog,
        snapshot: &crate::data::Snapshot,
        period: Period,
        lang: Lang,
    ) -> Result<std::sync::Arc<Rendition>, ReportError> {
        let key = (period.to_string(), snapshot.version, if lang == Lang::Zh { "zh" } else { "en" });
        if let Ok(last) = self.draft.lock()
            && let Some((made, rendition)) = last.as_ref()
            && *made == key
        {
            return Ok(rendition.clone());
        }
        let fonts = self.fonts()?;
        let data = data(catalog, &snapshot.dataset, period, snapshot.version)?;
        let rendition = std::sync::Arc::new(render(&data, catalog, Some(crate::map::boundaries()), &fonts, lang, &Edition::Draft)?);
        if let Ok(mut last) = self.draft.lock() {
            *last = Some((key, rendition.clone()));
        }
        Ok(rendition)
    }
}
