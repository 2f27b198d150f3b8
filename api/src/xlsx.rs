//! Excel workbooks (`.xlsx`) into the model's [`Grid`], read with calamine: the first sheet,
//! with the spreadsheet's own row numbers and column letters, so every message about a
//! workbook points at the cell the statistician sees.
//!
//! A workbook is hostile until measured. It is a zip: a few kilobytes can inflate to
//! gigabytes, and a sheet of two cells, `A1` and `XFD1048576`, asks a dense reader for
//! 17 billion cells. So before calamine opens it, every entry is inflated once into a counter
//! with a ceiling ([`WorkbookLimits::max_inflated_bytes`]); then the sheet is read cell by
//! cell (calamine's streaming cell reader, never its dense `Range`), each position checked
//! against the row and column limits before it is kept, and only the cells present are held.
//! A panic inside calamine on a malformed file is caught and reported like any unreadable file.
//!
//! The older binary formats (`.xls`, `.ods`) are refused: calamine builds a dense range of
//! every sheet as it opens them, sized by whatever cell positions the file claims, and there is
//! no way to measure that before the allocation.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};
use innogauge_model::contract::{Cells, Grid, GridRow};

/// How much of a workbook the server will read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkbookLimits {
    /// The sum of every entry's inflated size.
    pub max_inflated_bytes: u64,
    /// Entries in the zip.
    pub max_entries: usize,
    /// The last row a cell may be on (1-based).
    pub max_rows: u32,
    /// The last column a cell may be in (1-based).
    pub max_columns: u32,
    /// Cells with a value, in all.
    pub max_cells: u64,
}

impl WorkbookLimits {
    /// Limits for an upload of at most `max_rows` data rows: the rows plus room for titles;
    /// four times the upload size limit inflated (calamine holds a workbook's shared strings in
    /// memory whole, so this bounds them too; a sheet of a million long-layout rows is some
    /// 20 MB zipped and 120 MB inflated); five cells a row, as many as a long-layout row has.
    pub fn for_upload(max_upload_bytes: usize, max_rows: usize) -> WorkbookLimits {
        WorkbookLimits {
            max_inflated_bytes: (max_upload_bytes as u64).saturating_mul(4),
            max_entries: 1_000,
            max_rows: u32::try_from(max_rows.saturating_add(100)).unwrap_or(u32::MAX),
            max_columns: 1_000,
            max_cells: (max_rows as u64).saturating_mul(5).saturating_add(100_000),
        }
    }
}

/// Why a workbook could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WorkbookError {
    /// Not an `.xlsx` workbook calamine understands.
    #[error("not a readable Excel workbook: {0}")]
    Unreadable(String),
    /// A `.xls` or `.ods` file.
    #[error("only .xlsx workbooks are read")]
    OldFormat,
    /// The workbook has no sheet.
    #[error("the workbook has no sheet")]
    NoSheet,
    /// Inflated, the workbook is larger than the limit.
    #[error("the workbook inflates to more than {limit} bytes")]
    Inflates {
        /// The limit.
        limit: u64,
    },
    /// More zip entries than the limit.
    #[error("the workbook has more than {limit} parts")]
    TooManyEntries {
        /// The limit.
        limit: usize,
    },
    /// A cell below the last allowed row.
    #[error("a cell is on row {row}, beyond the limit of {limit} rows")]
    TooManyRows {
        /// The row (1-based).
        row: u64,
        /// The limit.
        limit: u32,
    },
    /// More cells with values than the limit.
    #[error("the sheet has more than {limit} cells with values")]
    TooManyCells {
        /// The limit.
        limit: u64,
    },
    /// A cell right of the last allowed column.
    #[error("a cell is in column {column}, beyond the limit of {limit} columns")]
    TooManyColumns {
        /// The column (1-based).
        column: u64,
        /// The limit.
        limit: u32,
    },
}

/// The first sheet of a workbook as a grid, within `limits`.
pub fn first_sheet(bytes: &[u8], limits: &WorkbookLimits) -> Result<Grid, WorkbookError> {
    if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(WorkbookError::OldFormat);
    }
    check_inflated_size(bytes, limits)?;
    // calamine indexes and slices on the file's word; a malformed file must not end the server.
    match std::panic::catch_unwind(|| read_first_sheet(bytes, limits)) {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!("calamine panicked on an uploaded workbook");
            Err(WorkbookError::Unreadable("the file is malformed".into()))
        }
    }
}

/// Inflates every entry into a counter, stopping at the limit: the one measurement that a zip
/// bomb cannot lie about (the sizes in its headers can).
fn check_inflated_size(bytes: &[u8], limits: &WorkbookLimits) -> Result<(), WorkbookError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| WorkbookError::Unreadable(e.to_string()))?;
    if archive.len() > limits.max_entries {
        return Err(WorkbookError::TooManyEntries { limit: limits.max_entries });
    }
    let names: Vec<&[u8]> = archive.file_names_raw().collect();
    if names.contains(&&b"content.xml"[..]) && !names.contains(&&b"xl/workbook.xml"[..]) {
        return Err(WorkbookError::OldFormat);
    }
    let mut left = limits.max_inflated_bytes;
    let mut sink = [0u8; 64 * 1024];
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| WorkbookError::Unreadable(e.to_string()))?;
        loop {
            let n = entry.read(&mut sink).map_err(|e| WorkbookError::Unreadable(e.to_string()))?;
            if n == 0 {
                break;
            }
            left = left.checked_sub(n as u64).ok_or(WorkbookError::Inflates { limit: limits.max_inflated_bytes })?;
        }
    }
    Ok(())
}

fn read_first_sheet(bytes: &[u8], limits: &WorkbookLimits) -> Result<Grid, WorkbookError> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| WorkbookError::Unreadable(e.to_string()))?;
    let name = workbook.sheet_names().first().cloned().ok_or(WorkbookError::NoSheet)?;
    let mut cells = workbook.worksheet_cells_reader(&name).map_err(|e| WorkbookError::Unreadable(e.to_string()))?;
    // Finished rows as the grid keeps them (one text buffer a row); the row being read as
    // (column, text) pairs. Sheets list their cells row by row, so a row is finished when the
    // next begins; a row met again later (out of order) is merged.
    let mut rows: BTreeMap<u32, Cells> = BTreeMap::new();
    let mut current: Option<(u32, Vec<(u32, String)>)> = None;
    let mut kept: u64 = 0;
    while let Some(cell) = cells.next_cell().map_err(|e| WorkbookError::Unreadable(e.to_string()))? {
        let (row, column) = cell.get_position();
        if u64::from(row) + 1 > u64::from(limits.max_rows) {
            return Err(WorkbookError::TooManyRows { row: u64::from(row) + 1, limit: limits.max_rows });
        }
        if u64::from(column) + 1 > u64::from(limits.max_columns) {
            return Err(WorkbookError::TooManyColumns { column: u64::from(column) + 1, limit: limits.max_columns });
        }
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        kept += 1;
        if kept > limits.max_cells {
            return Err(WorkbookError::TooManyCells { limit: limits.max_cells });
        }
        if current.as_ref().is_some_and(|(r, _)| *r != row)
            && let Some((r, pending)) = current.take()
        {
            finish_row(&mut rows, r, pending);
        }
        current.get_or_insert_with(|| (row, Vec::new())).1.push((column, text));
    }
    if let Some((r, pending)) = current {
        finish_row(&mut rows, r, pending);
    }
    let rows = rows.into_iter().map(|(row, cells)| GridRow { number: row + 1, cells }).collect();
    Ok(Grid { rows })
}

/// Stores a row's cells, merged with any cells of the same row seen before.
fn finish_row(rows: &mut BTreeMap<u32, Cells>, row: u32, mut pending: Vec<(u32, String)>) {
    if let Some(earlier) = rows.remove(&row) {
        let columns = (0u32..).zip(earlier.iter().map(str::to_owned));
        pending.extend(columns.filter(|(_, text)| !text.is_empty()));
    }
    pending.sort_by_key(|&(column, _)| column);
    let width = pending.last().map_or(0, |&(column, _)| column as usize + 1);
    let mut texts = vec![""; width];
    for (column, text) in &pending {
        texts[*column as usize] = text;
    }
    rows.insert(row, Cells::new(texts));
}

/// A cell as the text the contract reads. Numbers print without a spurious `.0`; a date (Excel
/// turns `2025-09` typed into a cell into 2025-09-01) becomes `YYYY-MM`, a month the period
/// parser reads; error cells keep their `#DIV/0!` text and fail as numbers with a clear message.
fn cell_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => {
            // Serial days since 1899-12-30; 25,569 of them before the Unix epoch.
            let days = d.as_f64().floor() as i64 - 25_569;
            let (year, month, _) = crate::time::civil_from_days(days);
            format!("{year:04}-{month:02}")
        }
        DataRef::Error(e) => format!("#{e:?}"),
    }
}
