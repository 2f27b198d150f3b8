//! A table of cells with the row numbers a spreadsheet user sees. CSV text becomes a
//! [`Grid`] here; the server turns an Excel sheet into one too, so both formats go through
//! the same interpretation and the same messages.

use super::problem::{Problem, ProblemCode};

/// A row of cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridRow {
    /// The spreadsheet row number (1-based, counting title and blank rows).
    pub number: u32,
    /// The cells as written.
    pub cells: Cells,
}

/// A row's cells as written, in two allocations: the texts one after another, and where each
/// ends. A `Vec<String>` per row was five allocations for a four-column row: for a million-row
/// upload, 5 million allocations and 620 MB resident before a value was read (BENCHMARKS.md).
/// Read from CSV, one `Cells` is refilled for every record ([`CsvRows`]): no allocation a row.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Cells {
    text: String,
    ends: Vec<u32>,
}

impl Cells {
    /// The cells of `texts`, in order.
    pub fn new<'a>(texts: impl IntoIterator<Item = &'a str>) -> Cells {
        let mut cells = Cells::default();
        cells.refill(texts);
        cells.text.shrink_to_fit();
        cells.ends.shrink_to_fit();
        cells
    }

    /// Replaces the cells with `texts`, keeping the buffers.
    pub fn refill<'a>(&mut self, texts: impl IntoIterator<Item = &'a str>) {
        self.text.clear();
        self.ends.clear();
        for cell in texts {
            self.text.push_str(cell);
            // A row is a sheet row or a CSV record under the upload size limit, far below 4 GiB.
            self.ends.push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
        }
    }

    /// How many cells.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the row has no cells.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The cell at `index` as written.
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = if index == 0 { 0 } else { self.ends[index - 1] as usize };
        self.text.get(start..end)
    }

    /// The cells in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// The cells as owned strings (for the wire).
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

impl From<Vec<String>> for Cells {
    fn from(texts: Vec<String>) -> Cells {
        Cells::new(texts.iter().map(String::as_str))
    }
}

impl std::fmt::Debug for Cells {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl GridRow {
    /// Whether every cell is empty or whitespace.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| crate::text::trim_cell(c).is_empty())
    }

    /// The cell at `index`, trimmed; empty if the row is shorter.
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map(crate::text::trim_cell).unwrap_or("")
    }
}

/// A sheet's rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grid {
    /// Rows in order; blank rows may be absent.
    pub rows: Vec<GridRow>,
}

impl Grid {
    /// A grid from rows of cells numbered 1, 2, 3… (an Excel sheet's used range).
    pub fn from_rows(rows: Vec<Vec<String>>) -> Grid {
        let rows = rows
            .into_iter()
            .enumerate()
            .map(|(i, cells)| GridRow { number: u32::try_from(i + 1).unwrap_or(u32::MAX), cells: Cells::from(cells) })
            .collect();
        Grid { rows }
    }

    /// Parses CSV (or TSV/semicolon-separated) text. Stops with `too-many-rows` once more than
    /// `max_records` records have been read, so a huge file is refused, not half-read.
    ///
    /// A quote is where a CSV file most easily goes wrong without anyone noticing: one stray
    /// `"` turns the rest of the file into one cell. So a quote that never closes is an
    /// `unclosed-quote` error, and a quoted cell spanning lines that hold the delimiter (rows
    /// it swallowed) is a `multiline-cell` error naming the row where the quote opens. A line
    /// break inside a note (Alt+Enter in Excel) is fine.
    pub fn from_csv(text: &str, max_records: usize) -> Result<Grid, Problem> {
        let mut rows = CsvRows::new(text, max_records);
        let mut grid = Grid::default();
        while let Some(row) = rows.next_row() {
            let row = row?;
            grid.rows.push(GridRow { number: row.number, cells: Cells::new(row.cells.iter()) });
        }
        Ok(grid)
    }
}

/// Rows one after another: a [`Grid`]'s, or a CSV text's as it is parsed ([`CsvRows`]). The
/// contract reads an upload through this, so a CSV file is never held as a grid: a million-row
/// file was 120 MB of rows before a value was read.
pub trait Rows {
    /// The next row, or the problem that ends the table (after which there are no more rows).
    fn next_row(&mut self) -> Option<Result<&GridRow, Problem>>;
}

/// The rows of a [`Grid`].
#[derive(Debug)]
pub struct GridRows<'g> {
    rows: std::slice::Iter<'g, GridRow>,
}

impl<'g> GridRows<'g> {
    /// The rows of `grid`, in order.
    pub fn new(grid: &'g Grid) -> GridRows<'g> {
        GridRows { rows: grid.rows.iter() }
    }
}

impl Rows for GridRows<'_> {
    fn next_row(&mut self) -> Option<Result<&GridRow, Problem>> {
        self.rows.next().map(Ok)
    }
}

/// CSV (or TSV/semicolon-separated) text parsed a record at a time into one reused row.
/// Stops with `too-many-rows` once more than `max_records` records have been read, so a huge
/// file is refused, not half-read.
///
/// A quote is where a CSV file most easily goes wrong without anyone noticing: one stray
/// `"` turns the rest of the file into one cell. So a quote that never closes is an
/// `unclosed-quote` error, and a quoted cell spanning lines that hold the delimiter (rows
/// it swallowed) is a `multiline-cell` error naming the row where the quote opens. A line
/// break inside a note (Alt+Enter in Excel) is fine.
pub struct CsvRows<'t> {
    bytes: &'t [u8],
    reader: csv::Reader<&'t [u8]>,
    delimiter: u8,
    /// Whether the text ends inside quotes: the last record is then an `unclosed-quote` error.
    unclosed: bool,
    max_records: usize,
    records: usize,
    embedded_newlines: u64,
    record: csv::StringRecord,
    row: GridRow,
    done: bool,
}

impl std::fmt::Debug for CsvRows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvRows").field("records", &self.records).field("done", &self.done).finish_non_exhaustive()
    }
}

impl<'t> CsvRows<'t> {
    /// The rows of `text`.
    pub fn new(text: &'t str, max_records: usize) -> CsvRows<'t> {
        let delimiter = sniff_delimiter(text);
        let bytes = text.as_bytes();
        CsvRows {
            bytes,
            reader: csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(bytes),
            delimiter,
            unclosed: ends_inside_quotes(bytes, delimiter),
            max_records,
            records: 0,
            embedded_newlines: 0,
            record: csv::StringRecord::new(),
            row: GridRow { number: 0, cells: Cells::default() },
            done: false,
        }
    }

    fn read(&mut self) -> Result<bool, Problem> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => return Ok(false),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                return Err(Problem::error(ProblemCode::TypeError).row(u32::try_from(line).unwrap_or(u32::MAX)).say(
                    format!("CSV 格式错误：{e}。请检查引号是否成对。"),
                    format!("malformed CSV: {e}. Check that quotes are paired."),
                ));
            }
        }
        if self.records >= self.max_records {
            return Err(too_many_rows(self.max_records));
        }
        self.records += 1;
        // The reader reports the position before the blank lines it skipped: step over
        // them so that a blank spreadsheet row still counts.
        let record = &self.record;
        let (mut line, mut byte) = record.position().map_or((1, 0), |p| (p.line(), usize::try_from(p.byte()).unwrap_or(usize::MAX)));
        while let Some(&b) = self.bytes.get(byte).filter(|b| matches!(b, b'\r' | b'\n')) {
            line += u64::from(b == b'\n');
            byte += 1;
        }
        let number = u32::try_from(line.saturating_sub(self.embedded_newlines)).unwrap_or(u32::MAX);
        // One scan of the record for a line break (rare: a note typed with Alt+Enter).
        let spanned = if record.as_slice().contains('\n') { bytecount(record.as_slice().as_bytes(), b'\n') } else { 0 };
        if spanned > 0 {
            if let Some((column, cell)) =
                record.iter().enumerate().find(|(_, f)| f.lines().skip(1).any(|l| l.contains(char::from(self.delimiter))))
            {
                let first = cell.lines().next().unwrap_or("");
                let lines = cell.matches('\n').count();
                return Err(Problem::error(ProblemCode::MultilineCell).row(number).column(column, None).cell(first).say(
                    format!("引号从这个单元格开始，跨过了下面 {lines} 行才结束，这些行被并进了一个单元格。请检查这里的引号（\"）是否多余或缺少了结束的引号。"),
                    format!("a quote opens in this cell and only closes {lines} line(s) further down: those lines were swallowed into one cell. Check whether this quote (\") is stray or its closing quote is missing."),
                ));
            }
            self.embedded_newlines += spanned;
        }
        self.row.number = number;
        self.row.cells.refill(record.iter());
        if self.unclosed && usize::try_from(self.reader.position().byte()).unwrap_or(usize::MAX) >= self.bytes.len() {
            // The quote opens in the last record: it ran to the end of the file.
            let last = &self.row;
            let first = last.cells.iter().find(|f| f.contains('\n')).or_else(|| last.cells.iter().last()).unwrap_or("");
            return Err(Problem::error(ProblemCode::UnclosedQuote).row(last.number).cell(first.lines().next().unwrap_or("")).say(
                "这一行的引号（\"）一直没有结束，文件余下的内容都被读进了一个单元格。请补上结束的引号，或删去多余的引号。",
                "a quote (\") in this row never closes, so the rest of the file became one cell. Add the closing quote or remove the stray one.",
            ));
        }
        Ok(true)
    }
}

impl Rows for CsvRows<'_> {
    fn next_row(&mut self) -> Option<Result<&GridRow, Problem>> {
        if self.done {
            return None;
        }
        match self.read() {
            Ok(true) => Some(Ok(&self.row)),
            Ok(false) => {
                self.done = true;
                None
            }
            Err(problem) => {
                self.done = true;
                Some(Err(problem))
            }
        }
    }
}

fn bytecount(bytes: &[u8], byte: u8) -> u64 {
    bytes.iter().filter(|&&b| b == byte).count() as u64
}

/// Whether the text ends inside a quoted field, read as the csv crate reads it: a quote opens a
/// quoted field only at the start of a field, `""` inside one is a quote, and the next single
/// quote closes it.
fn ends_inside_quotes(bytes: &[u8], delimiter: u8) -> bool {
    // Most files have no quote at all; looking for one is a vectorised scan.
    if !bytes.contains(&b'"') {
        return false;
    }
    let (mut quoted, mut field_start, mut i) = (false, true, 0);
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else if b == b'"' && field_start {
            quoted = true;
            field_start = false;
        } else {
            field_start = b == delimiter || b == b'\n' || b == b'\r';
        }
        i += 1;
    }
    quoted
}

/// The `too-many-rows` problem.
pub fn too_many_rows(limit: usize) -> Problem {
    Problem::error(ProblemCode::TooManyRows).say(
        format!("文件超过 {limit} 行的上限，未读取。请拆分为多个文件上传。"),
        format!("the file has more than {limit} rows, the limit; nothing was read. Split it into several files."),
    )
}

/// Comma unless the first non-blank lines clearly use tabs or semicolons.
fn sniff_delimiter(text: &str) -> u8 {
    let sample: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(5).collect();
    let count = |c: char| sample.iter().map(|l| l.matches(c).count()).sum::<usize>();
    let (commas, tabs, semicolons) = (count(','), count('\t'), count(';'));
    if tabs > commas && tabs >= semicolons {
        b'\t'
    } else if semicolons > commas {
        b';'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_numbers_match_the_spreadsheet() {
        let grid = Grid::from_csv("title\n\na,b\n\"multi\nline\",c\r\n\r\nd,e\n", 100).unwrap();
        let numbers: Vec<u32> = grid.rows.iter().map(|r| r.number).collect();
        // Rows 2 and 5 are blank; the quoted cell spans two lines but is one row.
        assert_eq!(numbers, vec![1, 3, 4, 6]);
        assert_eq!(grid.rows[2].cells.get(0), Some("multi\nline"));
    }

    #[test]
    fn cells_keep_empty_and_multibyte_texts_apart() {
        let cells = Cells::new(["", "永川区", "", "1,234"]);
        assert_eq!(cells.len(), 4);
        assert_eq!(cells.iter().collect::<Vec<_>>(), ["", "永川区", "", "1,234"]);
        assert_eq!(cells.get(1), Some("永川区"));
        assert_eq!(cells.get(4), None);
        assert!(Cells::new([]).is_empty());
        assert_eq!(Cells::from(vec!["a".to_owned()]).to_vec(), ["a"]);
    }

    #[test]
    fn a_quote_that_never_closes_is_an_error_at_its_row() {
        let problem = Grid::from_csv("a,b,note\n1,265,\"oops\n2,3,\n4,5,\n", 100).unwrap_err();
        assert_eq!(problem.code, ProblemCode::MultilineCell, "rows with the delimiter were swallowed: {problem}");
        assert_eq!(problem.row, Some(2));
        let problem = Grid::from_csv("a,b,note\n1,265,\"oops\n", 100).unwrap_err();
        assert_eq!(problem.code, ProblemCode::UnclosedQuote);
        assert_eq!(problem.row, Some(2));
        let problem = Grid::from_csv("a,b,note\n1,265,\"oops", 100).unwrap_err();
        assert_eq!(problem.code, ProblemCode::UnclosedQuote, "also without a final line break");
    }

    #[test]
    fn a_note_may_hold_a_line_break_and_quotes_inside_cells_are_text() {
        let grid = Grid::from_csv("a,note\n1,\"第一行\n第二行\"\n2,he said \"\"hi\"\"\n3,5\"\n", 100).unwrap();
        assert_eq!(grid.rows.len(), 4);
        assert_eq!(grid.rows[1].cells.get(1), Some("第一行\n第二行"));
        assert_eq!(grid.rows[3].number, 4);
    }

    #[test]
    fn sniffs_tabs() {
        let grid = Grid::from_csv("地区\t数值\n永川\t1,234\n", 100).unwrap();
        assert_eq!(grid.rows[1].cells.to_vec(), ["永川", "1,234"]);
    }

    #[test]
    fn refuses_more_records_than_the_limit() {
        let problem = Grid::from_csv("a\nb\nc\n", 2).unwrap_err();
        assert_eq!(problem.code, ProblemCode::TooManyRows);
    }
}
