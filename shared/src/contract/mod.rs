//! The upload data contract: bytes of an upload in, observations plus a report out.
//!
//! ```text
//!  bytes ──decode──▶ text ──csv──▶ Grid ──find header──▶ long | wide ──cells──▶ observations
//!        (UTF-8, BOM, UTF-16, GBK)      (title rows,          (lookups, numbers,    + report
//!                                        blank rows)           units, scope, dups, 合计)
//! ```
//!
//! Sans-IO: [`read_upload`] never fails and never panics on bad input; it returns what it
//! could read *and* every problem it found ([`Upload`]). A caller that stores data must take
//! the observations through [`Upload::accepted`], which refuses any upload with an error, so
//! a rejected upload changes nothing. The browser runs exactly this code for instant feedback.
//!
//! Two layouts are understood (see the README for examples):
//!
//! * **long**: `indicator,region,period,value[,note][,unit]`, English or Chinese headers
//!   (指标, 地区/区县, 时期/期别, 数值/值, 备注, 单位);
//! * **wide**, as Excel exports it: one row per district, one column per indicator
//!   (`科技型企业（家）`), the period from a title row such as
//!   `2025年1-9月重庆市各区县科技创新主要指标` or given by the caller, and a `合计` row read as the
//!   city total and cross-checked against the district sum.

mod decode;
mod grid;
mod number;
mod problem;
mod read;

use std::collections::BTreeSet;

pub use decode::{TextEncoding, decode};
pub use grid::{Cells, CsvRows, Grid, GridRow, GridRows, Rows, too_many_rows};
pub use number::{CellNumber, NO_VALUE_MARKS, NumberError, parse_cell_number};
pub use problem::{ColumnRef, Problem, ProblemBuilder, ProblemCode, Severity, column_letter};
pub use read::{read_grid, read_rows};

use crate::catalog::Catalog;
use crate::observation::Observations;
use crate::period::Period;

/// At most this many problems are listed; the rest are counted in [`Report::suppressed`], so a
/// million bad rows give a readable report, not a million entries.
pub const MAX_LISTED_PROBLEMS: usize = 1000;

/// How an upload is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadOptions {
    /// The period of a wide file without a title row (or a long file without a period column).
    pub period: Option<Period>,
    /// Files larger than this are refused before reading.
    pub max_bytes: usize,
    /// Files with more data rows than this are refused.
    pub max_rows: usize,
    /// When set, the only region codes the uploader may write (a district statistician's
    /// scope); any other region is a `scope-error`.
    pub allowed_regions: Option<BTreeSet<String>>,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self { period: None, max_bytes: 64 * 1024 * 1024, max_rows: 1_000_000, allowed_regions: None }
    }
}

/// The layout of a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// One value per row.
    Long,
    /// One region per row, one indicator per column.
    Wide,
}

impl Layout {
    /// `long` or `wide`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Long => "long",
            Layout::Wide => "wide",
        }
    }
}

/// What reading an upload found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// The encoding the bytes were read with.
    pub encoding: Option<TextEncoding>,
    /// The layout recognised.
    pub layout: Option<Layout>,
    /// The spreadsheet row of the header.
    pub header_row: Option<u32>,
    /// The period of the whole file (wide layout, title row or caller).
    pub period: Option<Period>,
    /// Data rows read (not counting title, header, blank and footer rows).
    pub data_rows: u32,
    /// Observations read.
    pub observations: u32,
    /// Problems in row order, at most [`MAX_LISTED_PROBLEMS`].
    pub problems: Vec<Problem>,
    /// Problems found but not listed.
    pub suppressed: u32,
    /// Errors found, listed or not.
    errors_seen: usize,
}

impl Report {
    /// Whether any problem blocks the upload.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(Problem::is_error)
    }

    /// Number of listed errors.
    pub fn error_count(&self) -> usize {
        self.problems.iter().filter(|p| p.is_error()).count()
    }

    /// Number of listed warnings.
    pub fn warning_count(&self) -> usize {
        self.problems.iter().filter(|p| !p.is_error()).count()
    }

    /// Errors found so far, listed or not.
    pub fn errors_seen(&self) -> usize {
        self.errors_seen
    }

    /// Records a problem even when the list is full (the one that says why reading stopped).
    pub fn push_always(&mut self, problem: Problem) {
        self.errors_seen += usize::from(problem.is_error());
        self.problems.push(problem);
    }

    /// Records a problem made by `problem` only when it will be listed; once the list is full
    /// it is counted without being made (a million duplicate rows would be a million messages,
    /// in two languages, that nobody reads).
    pub fn push_with(&mut self, is_error: bool, problem: impl FnOnce() -> Problem) {
        if self.problems.len() < MAX_LISTED_PROBLEMS {
            self.push(problem());
        } else {
            self.errors_seen += usize::from(is_error);
            self.suppressed = self.suppressed.saturating_add(1);
        }
    }

    /// Records a problem, counting it instead once the list is full.
    pub fn push(&mut self, problem: Problem) {
        self.errors_seen += usize::from(problem.is_error());
        if self.problems.len() < MAX_LISTED_PROBLEMS {
            self.problems.push(problem);
        } else {
            self.suppressed = self.suppressed.saturating_add(1);
        }
    }

    fn sort(&mut self) {
        // Stable: file-level problems (no row) first, then by row and column, keeping the
        // order of discovery within a cell.
        self.problems.sort_by_key(|p| (p.row.unwrap_or(0), p.column.as_ref().map_or(0, |c| c.index + 1)));
    }
}

/// Observations read from an upload, with the report. Observations are those that read
/// cleanly; if the report has errors they must not be stored (use [`Upload::accepted`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Upload {
    /// Values read, packed (32 bytes each).
    pub observations: Observations,
    /// What was found.
    pub report: Report,
}

impl Upload {
    /// The observations if the upload has no error, else the report: the only way to get
    /// values fit for storing.
    pub fn accepted(self) -> Result<(Observations, Report), Report> {
        if self.report.has_errors() { Err(self.report) } else { Ok((self.observations, self.report)) }
    }
}

/// Reads the bytes of a CSV upload. Never fails: problems are in the report.
pub fn read_upload(catalog: &Catalog, bytes: &[u8], options: &UploadOptions) -> Upload {
    let mut report = Report::default();
    if bytes.len() > options.max_bytes {
        report.push(Problem::error(ProblemCode::FileTooLarge).say(
            format!("文件大小 {} 字节，超过 {} 字节的上限，未读取。请拆分为多个文件。", bytes.len(), options.max_bytes),
            format!(
                "the file is {} bytes, over the {}-byte limit; nothing was read. Split it into several files.",
                bytes.len(),
                options.max_bytes
            ),
        ));
        return Upload { observations: Observations::default(), report };
    }
    let (text, encoding) = match decode(bytes) {
        Ok(decoded) => decoded,
        Err(problem) => {
            report.push(problem);
            return Upload { observations: Observations::default(), report };
        }
    };
    // Title, header and footer rows come on top of the data rows. The text is read a record
    // at a time, never held as a grid.
    let mut rows = CsvRows::new(&text, options.max_rows.saturating_add(100));
    let mut upload = read_rows(catalog, &mut rows, options);
    upload.report.encoding = Some(encoding);
    upload
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, options: &UploadOptions) -> Upload {
        read_upload(Catalog::builtin(), text.as_bytes(), options)
    }

    fn codes(upload: &Upload) -> Vec<&'static str> {
        upload.report.problems.iter().map(|p| p.code.as_str()).collect()
    }

    #[test]
    fn a_file_over_the_size_limit_is_not_read() {
        let options = UploadOptions { max_bytes: 10, ..UploadOptions::default() };
        let upload = read("指标,地区,时期,数值\n科技型企业数量,永川区,2025Q3,1\n", &options);
        assert_eq!(codes(&upload), ["file-too-large"]);
        assert!(upload.observations.is_empty());
    }

    #[test]
    fn a_file_over_the_row_limit_is_not_half_read() {
        let mut text = String::from("指标,地区,时期,数值\n");
        for i in 0..5 {
            text.push_str(&format!("科技型企业数量,永川区,2020Q{},{i}\n", i % 4 + 1));
        }
        let upload = read(&text, &UploadOptions { max_rows: 4, ..UploadOptions::default() });
        assert_eq!(codes(&upload), ["too-many-rows"]);
        assert!(upload.observations.is_empty());
        assert!(
            !read(&text, &UploadOptions { max_rows: 5, ..UploadOptions::default() })
                .report
                .problems
                .iter()
                .any(|p| p.code == ProblemCode::TooManyRows)
        );
    }

    #[test]
    fn the_caller_gives_the_period_and_a_conflicting_title_is_an_error() {
        let wide = "地区,科技型企业（家）\n永川区,1000\n";
        let upload = read(wide, &UploadOptions { period: Some(Period::Quarter(2025, 3)), ..UploadOptions::default() });
        assert!(upload.report.problems.is_empty());
        assert_eq!(upload.observations.get(0).unwrap().period, Period::Quarter(2025, 3));
        let titled = "2025年上半年各区县指标\n地区,科技型企业（家）\n永川区,1000\n";
        let upload = read(titled, &UploadOptions { period: Some(Period::Quarter(2025, 3)), ..UploadOptions::default() });
        assert_eq!(codes(&upload), ["period-conflict"]);
    }

    #[test]
    fn zones_and_other_names_are_read_in_wide_files() {
        let text = "2025年1-9月\n区县,高新技术企业（家）\n梁平县,10\n其中：两江新区,500\n渝　中　区,20\n";
        let upload = read(text, &UploadOptions::default());
        assert!(upload.report.problems.is_empty(), "{:?}", upload.report.problems);
        let regions: Vec<String> = upload.observations.iter().map(|o| o.region.to_string()).collect();
        assert_eq!(regions, ["500155", "LJXQ", "500103"]);
    }

    #[test]
    fn code_and_name_columns_must_agree() {
        let text = "区划代码,地区名称,指标,时期,数值\n500118,永川区,tech_smes,2025Q3,1\n500116,永川区,tech_smes,2025Q3,2\n";
        let upload = read(text, &UploadOptions::default());
        assert_eq!(upload.observations.len(), 1);
        assert_eq!(codes(&upload), ["unknown-region"]);
        assert_eq!(upload.report.problems[0].row, Some(3));
    }

    #[test]
    fn duplicates_past_the_listed_problems_are_counted_not_listed() {
        let mut text = String::from("指标,地区,时期,数值\n");
        for i in 0..3_000 {
            text.push_str(&format!("科技型企业数量,永川区,2025Q3,{i}\n"));
        }
        let upload = read(&text, &UploadOptions::default());
        assert_eq!(upload.observations.len(), 1, "the first is kept");
        assert_eq!(upload.report.problems.len(), MAX_LISTED_PROBLEMS);
        assert_eq!(upload.report.suppressed, 1_999);
        assert_eq!(upload.report.errors_seen(), 2_999);
        assert!(upload.report.problems.iter().all(|p| p.code == ProblemCode::DuplicateRow && p.row.is_some()));
    }

    #[test]
    fn a_header_of_thousands_of_unknown_columns_lists_a_thousand_and_counts_the_rest() {
        let mut text = String::from("2025年1-9月\n地区,科技型企业（家）");
        for i in 0..3_000 {
            text.push_str(&format!(",列{i}"));
        }
        text.push_str("\n永川区,1\n");
        let upload = read(&text, &UploadOptions::default());
        // The thousand listed, then why the data rows were not read.
        assert_eq!(codes(&upload)[..MAX_LISTED_PROBLEMS], ["unknown-column"; MAX_LISTED_PROBLEMS]);
        assert_eq!(codes(&upload)[MAX_LISTED_PROBLEMS..], ["too-many-errors"]);
        assert_eq!(upload.report.suppressed, 2_000);
        assert_eq!(upload.report.errors_seen(), 3_001);
    }

    #[test]
    fn a_long_unit_column_scales_exactly() {
        let text = "指标,地区,时期,数值,单位\n全社会研发经费投入,永川区,2025Q3,\"190,000\",万元\n科技型企业数量,永川区,2025Q3,0.1753,万家\n科技型企业数量,江津区,2025Q3,12,个\n";
        let upload = read(text, &UploadOptions::default());
        assert_eq!(upload.observations.iter().map(|o| o.value).collect::<Vec<_>>(), [19.0, 1753.0]);
        assert_eq!(codes(&upload), ["unit-mismatch"]);
    }
}
