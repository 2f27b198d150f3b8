//! Excel workbooks (`.xlsx`, `.xls`, `.ods`) into the model's [`Grid`], read with calamine:
//! the first sheet, with the spreadsheet's own row numbers and column letters, so every
//! message about a workbook points at the cell the statistician sees.

use std::io::Cursor;

use calamine::{Data, Reader};
use innogauge_model::contract::{Grid, GridRow};

/// Why a workbook could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum WorkbookError {
    /// Not a workbook calamine understands.
    #[error("not a readable Excel workbook: {0}")]
    Unreadable(String),
    /// The workbook has no sheet.
    #[error("the workbook has no sheet")]
    NoSheet,
}

/// The first sheet of a workbook as a grid.
pub fn first_sheet(bytes: &[u8]) -> Result<Grid, WorkbookError> {
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| WorkbookError::Unreadable(e.to_string()))?;
    let range = workbook.worksheet_range_at(0).ok_or(WorkbookError::NoSheet)?.map_err(|e| WorkbookError::Unreadable(e.to_string()))?;
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let mut texts: Vec<String> = vec![String::new(); first_column as usize];
            texts.extend(cells.iter().map(cell_text));
            GridRow { number: first_row + u32::try_from(i).unwrap_or(u32::MAX) + 1, cells: texts.into() }
        })
        .collect();
    Ok(Grid { rows })
}

/// A cell as the text the contract reads. Numbers print without a spurious `.0`; a date (Excel
/// turns `2025-09` typed into a cell into 2025-09-01) becomes `YYYY-MM`, a month the period
/// parser reads; error cells keep their `#DIV/0!` text and fail as numbers with a clear message.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            // Serial days since 1899-12-30; 25,569 of them before the Unix epoch.
            let days = d.as_f64().floor() as i64 - 25_569;
            let (year, month, _) = crate::time::civil_from_days(days);
            format!("{year:04}-{month:02}")
        }
        Data::Error(e) => format!("#{e:?}"),
    }
}
