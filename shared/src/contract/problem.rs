//! Problems found in an upload, each with a frictionless-style code, a severity, the position
//! as a spreadsheet user sees it (row 7, column C "数值"), the cell text, and a message in
//! Chinese and English that says what to fix.

use std::fmt;

use crate::message::Bilingual;

/// What kind of problem. The spelling ([`ProblemCode::as_str`]) follows Frictionless Data's
/// validation report where one exists (`type-error`, `missing-cell`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProblemCode {
    /// Bytes that are not valid UTF-8, UTF-16 or GB18030/GBK.
    EncodingError,
    /// The file is larger than the size limit.
    FileTooLarge,
    /// The file has more data rows than the row limit.
    TooManyRows,
    /// Nothing but blank rows.
    EmptyFile,
    /// No row looks like a header of either layout.
    MissingHeader,
    /// A column with data has an empty header cell.
    BlankHeader,
    /// Two header cells name the same column.
    DuplicateLabel,
    /// A required column (indicator, region, period, value) is missing.
    MissingLabel,
    /// A header cell names nothing the contract knows (wide layout).
    UnknownColumn,
    /// A row has fewer cells than the required columns.
    MissingCell,
    /// A row has data beyond the last header column.
    ExtraCell,
    /// A value that is not a number (or not a percentage where one is expected).
    TypeError,
    /// An indicator id or name the catalogue does not know.
    UnknownIndicator,
    /// A region code or name the catalogue does not know.
    UnknownRegion,
    /// A text that is not a period.
    BadPeriod,
    /// A wide file with no period in its title and none given with the upload.
    MissingPeriod,
    /// The period given with the upload differs from the one in the title.
    PeriodConflict,
    /// A unit that is not the indicator's and cannot be converted exactly.
    UnitMismatch,
    /// A value outside what the indicator allows (negative count, share over 100 %, a
    /// fraction of an enterprise).
    ConstraintError,
    /// A derived indicator, which is computed from its parts and not uploaded.
    NotUploadable,
    /// A region the uploader may not write.
    ScopeError,
    /// The same indicator, region and period twice.
    DuplicateRow,
    /// A stated city total (合计) differs from the sum of the districts.
    TotalMismatch,
    /// A value that moved implausibly against the stored history (e.g. a stock falling more
    /// than 30 % from the previous quarter).
    SuspiciousChange,
    /// A column that is read but not used.
    IgnoredColumn,
    /// A quoted cell whose quote never closes: everything after it would be one cell.
    UnclosedQuote,
    /// A quoted cell that spans lines which look like rows of the file (a quote that
    /// swallowed rows).
    MultilineCell,
    /// So many errors that reading stopped: the file is refused either way.
    TooManyErrors,
    /// A workbook sheet wider than the column limit, or with cells beyond it.
    TooManyColumns,
    /// Reading took longer than the server allows for one upload.
    TimeLimit,
}

impl ProblemCode {
    /// The code as it appears in reports and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::EncodingError => "encoding-error",
            ProblemCode::FileTooLarge => "file-too-large",
            ProblemCode::TooManyRows => "too-many-rows",
            ProblemCode::EmptyFile => "empty-file",
            ProblemCode::MissingHeader => "missing-header",
            ProblemCode::BlankHeader => "blank-header",
            ProblemCode::DuplicateLabel => "duplicate-label",
            ProblemCode::MissingLabel => "missing-label",
            ProblemCode::UnknownColumn => "unknown-column",
            ProblemCode::MissingCell => "missing-cell",
            ProblemCode::ExtraCell => "extra-cell",
            ProblemCode::TypeError => "type-error",
            ProblemCode::UnknownIndicator => "unknown-indicator",
            ProblemCode::UnknownRegion => "unknown-region",
            ProblemCode::BadPeriod => "bad-period",
            ProblemCode::MissingPeriod => "missing-period",
            ProblemCode::PeriodConflict => "period-conflict",
            ProblemCode::UnitMismatch => "unit-mismatch",
            ProblemCode::ConstraintError => "constraint-error",
            ProblemCode::NotUploadable => "not-uploadable",
            ProblemCode::ScopeError => "scope-error",
            ProblemCode::DuplicateRow => "duplicate-row",
            ProblemCode::TotalMismatch => "total-mismatch",
            ProblemCode::SuspiciousChange => "suspicious-change",
            ProblemCode::IgnoredColumn => "ignored-column",
            ProblemCode::UnclosedQuote => "unclosed-quote",
            ProblemCode::MultilineCell => "multiline-cell",
            ProblemCode::TooManyErrors => "too-many-errors",
            ProblemCode::TooManyColumns => "too-many-columns",
            ProblemCode::TimeLimit => "time-limit",
        }
    }
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a problem blocks the upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Blocks the upload: nothing of the file is stored.
    Error,
    /// Reported; the upload may go ahead.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A column as the spreadsheet shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnRef {
    /// Zero-based index.
    pub index: u32,
    /// The header text, if the column has one.
    pub label: Option<String>,
}

impl ColumnRef {
    /// The spreadsheet letter: A, B, …, Z, AA, AB, …
    pub fn letter(&self) -> String {
        column_letter(self.index)
    }
}

/// The spreadsheet letter of a zero-based column index.
pub fn column_letter(index: u32) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// One problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// What kind.
    pub code: ProblemCode,
    /// Error or warning.
    pub severity: Severity,
    /// Spreadsheet row number (1-based, counting title rows), if it concerns a row.
    pub row: Option<u32>,
    /// The column, if it concerns one.
    pub column: Option<ColumnRef>,
    /// The cell's text as written.
    pub cell: Option<String>,
    /// The full message, position first, then what is wrong and what to do.
    pub message: Bilingual,
}

impl Problem {
    /// Starts a problem; finish it with [`ProblemBuilder::say`].
    pub fn error(code: ProblemCode) -> ProblemBuilder {
        ProblemBuilder::new(code, Severity::Error)
    }

    /// Starts a warning.
    pub fn warning(code: ProblemCode) -> ProblemBuilder {
        ProblemBuilder::new(code, Severity::Warning)
    }

    /// Whether it blocks the upload.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{} {}] {}", self.severity.as_str(), self.code, self.message.en)
    }
}

/// Collects the position of a problem before its message.
#[derive(Debug)]
#[must_use = "a problem is only recorded once `say` is called"]
pub struct ProblemBuilder {
    code: ProblemCode,
    severity: Severity,
    row: Option<u32>,
    column: Option<ColumnRef>,
    cell: Option<String>,
}

impl ProblemBuilder {
    fn new(code: ProblemCode, severity: Severity) -> Self {
        Self { code, severity, row: None, column: None, cell: None }
    }

    /// The spreadsheet row.
    pub fn row(mut self, row: u32) -> Self {
        self.row = Some(row);
        self
    }

    /// The column and its header label.
    pub fn column(mut self, index: usize, label: Option<&str>) -> Self {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        self.column = Some(ColumnRef { index, label: label.filter(|l| !l.is_empty()).map(str::to_owned) });
        self
    }

    /// The cell text.
    pub fn cell(mut self, text: &str) -> Self {
        self.cell = Some(text.to_owned());
        self
    }

    /// Finishes the problem with what is wrong and what to do; the position is prefixed in
    /// both languages ("第7行C列“数值”：" / "Row 7, column C (数值): ").
    pub fn say(self, zh: impl AsRef<str>, en: impl AsRef<str>) -> Problem {
        let (where_zh, where_en) = self.location();
        Problem {
            code: self.code,
            severity: self.severity,
            row: self.row,
            column: self.column,
            cell: self.cell,
            message: Bilingual::new(format!("{where_zh}{}", zh.as_ref()), format!("{where_en}{}", en.as_ref())),
        }
    }

    fn location(&self) -> (String, String) {
        let column = self.column.as_ref().map(|c| {
            let letter = c.letter();
            match &c.label {
                Some(label) => (format!("{letter}列“{label}”"), format!("column {letter} ({label})")),
                None => (format!("{letter}列"), format!("column {letter}")),
            }
        });
        match (self.row, column) {
            (Some(row), Some((czh, cen))) => (format!("第{row}行{czh}："), format!("Row {row}, {cen}: ")),
            (Some(row), None) => (format!("第{row}行："), format!("Row {row}: ")),
            (None, Some((czh, cen))) => (format!("{czh}："), format!("{}{}: ", cen[..1].to_uppercase(), &cen[1..])),
            (None, None) => (String::new(), String::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_follow_the_spreadsheet() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn messages_start_with_the_position() {
        let p = Problem::error(ProblemCode::TypeError)
            .row(7)
            .column(2, Some("数值"))
            .cell("12a")
            .say("“12a”不是数字。", "“12a” is not a number.");
        assert_eq!(p.message.zh, "第7行C列“数值”：“12a”不是数字。");
        assert_eq!(p.message.en, "Row 7, column C (数值): “12a” is not a number.");
        let p = Problem::warning(ProblemCode::IgnoredColumn).column(4, None).say("忽略。", "ignored.");
        assert_eq!(p.message.en, "Column E: ignored.");
    }
}
