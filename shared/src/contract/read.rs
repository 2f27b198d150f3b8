//! Interpreting a [`Grid`]: finding the header, recognising the layout, and turning every cell
//! into an observation or a problem that says what to fix.

use std::collections::HashMap;
use std::sync::Arc;

use super::grid::{Grid, GridRow, GridRows, Rows, too_many_rows};
use super::number::{NumberError, parse_cell_number};
use super::problem::{Problem, ProblemCode};
use super::{Layout, Report, Upload, UploadOptions};
use crate::catalog::Catalog;
use crate::dataset::Totals;
use crate::decimal::Decimal;
use crate::format::{format_decimal, format_number};
use crate::indicator::{Derivation, Indicator};
use crate::observation::{Observation, Observations};
use crate::period::Period;
use crate::region::Region;
use crate::text::{KeyMap, lookup_key, trim_cell};

/// How many rows above the header may hold titles before we give up looking for it.
const MAX_TITLE_ROWS: usize = 30;

/// Header texts of the long layout's columns (compared by [`lookup_key`]).
const INDICATOR_LABELS: &[&str] = &["indicator", "indicator_id", "指标", "指标名称", "指标代码", "指标编码"];
const REGION_LABELS: &[&str] = &[
    "region",
    "region_code",
    "area",
    "district",
    "地区",
    "区县",
    "地区名称",
    "区县名称",
    "区县(自治县)",
    "区县（自治县）",
    "行政区划",
    "行政区划代码",
    "区划代码",
    "地区代码",
    "区县代码",
    "单位名称",
];
const PERIOD_LABELS: &[&str] = &["period", "时期", "期别", "报告期", "统计期", "统计时期", "时间"];
const VALUE_LABELS: &[&str] = &["value", "数值", "值", "数据", "指标值", "本期", "本期数", "本期值"];
const NOTE_LABELS: &[&str] = &["note", "notes", "备注", "说明"];
const UNIT_LABELS: &[&str] = &["unit", "单位", "计量单位"];
const IGNORED_LABELS: &[&str] = &["序号", "no", "no.", "编号", "#", "排名", "排序"];
/// First-cell prefixes of footer rows under a table (notes, sources, who filled it in).
const FOOTER_PREFIXES: &[&str] = &["注", "说明", "数据来源", "资料来源", "来源", "填表", "制表", "审核", "负责人", "备注"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Indicator,
    Region,
    Period,
    Value,
    Note,
    Unit,
    Ignored,
}

fn role_of(label: &str) -> Option<Role> {
    // The labels' keys, made once: a header of a million cells asked for forty keys a cell
    // (6.8 s for a 2 MB file, BENCHMARKS.md). A label in two lists takes the first.
    static ROLES: std::sync::OnceLock<KeyMap<String, Role>> = std::sync::OnceLock::new();
    let roles = ROLES.get_or_init(|| {
        let lists = [
            (INDICATOR_LABELS, Role::Indicator),
            (REGION_LABELS, Role::Region),
            (PERIOD_LABELS, Role::Period),
            (VALUE_LABELS, Role::Value),
            (NOTE_LABELS, Role::Note),
            (UNIT_LABELS, Role::Unit),
            (IGNORED_LABELS, Role::Ignored),
        ];
        let mut roles = KeyMap::default();
        for (labels, role) in lists {
            for label in labels {
                roles.entry(lookup_key(label)).or_insert(role);
            }
        }
        roles
    });
    roles.get(&lookup_key(label)).copied()
}

/// An indicator column of a wide header: `科技型企业（万家）` → indicator + unit shift.
struct IndicatorColumn<'c> {
    index: usize,
    label: Arc<str>,
    indicator: &'c Indicator,
    /// Power of ten from the header's unit to the indicator's unit.
    shift: i32,
}

/// Splits `名称（单位）` / `名称(单位)` into name and unit.
fn split_unit(label: &str) -> (&str, Option<&str>) {
    let trimmed = trim_cell(label);
    for (open, close) in [('（', '）'), ('(', ')')] {
        if let Some(stripped) = trimmed.strip_suffix(close)
            && let Some(at) = stripped.rfind(open)
        {
            return (trim_cell(&stripped[..at]), Some(trim_cell(&stripped[at + open.len_utf8()..])));
        }
    }
    (trimmed, None)
}

/// The recognised header.
enum Header<'c> {
    Long { columns: HashMap<usize, Role>, labels: Vec<String> },
    Wide { region_columns: Vec<usize>, note: Option<usize>, indicators: Vec<IndicatorColumn<'c>>, labels: Vec<String> },
}

/// Tries to read `row` as a header. A wide header's cells that name nothing we know (or an
/// indicator that cannot be uploaded, or a unit that does not convert) are problems, pushed to
/// `report` once the row is known to be the header: made only as far as the list goes, since a
/// header of a million cells is a 2 MB file (BENCHMARKS.md).
fn recognise<'c>(catalog: &'c Catalog, row: &GridRow, report: &mut Report) -> Option<Header<'c>> {
    let labels: Vec<String> = row.cells.iter().map(|c| trim_cell(c).to_owned()).collect();
    let roles: Vec<Option<Role>> = labels.iter().map(|l| if l.is_empty() { None } else { role_of(l) }).collect();
    let has = |role| roles.contains(&Some(role));
    if has(Role::Indicator) && has(Role::Value) && has(Role::Region) {
        let columns = roles.iter().enumerate().filter_map(|(i, r)| r.map(|r| (i, r))).collect();
        return Some(Header::Long { columns, labels });
    }
    if !has(Role::Region) {
        return None;
    }
    let mut indicators = Vec::new();
    let mut unknown = Vec::new();
    let mut region_columns = Vec::new();
    let mut note = None;
    for (index, label) in labels.iter().enumerate() {
        match roles[index] {
            Some(Role::Region) => region_columns.push(index),
            Some(Role::Note) => note = Some(index),
            Some(_) => {}
            None if label.is_empty() => {}
            None => {
                let (name, unit) = split_unit(label);
                match catalog.indicator(name).or_else(|| catalog.indicator(label)) {
                    Some(indicator) => indicators.push((index, indicator, unit)),
                    None => unknown.push(index),
                }
            }
        }
    }
    if indicators.is_empty() {
        return None;
    }
    for index in unknown {
        let label = &labels[index];
        report.push_with(true, || unknown_column(row.number, index, label, catalog.suggest_indicator(split_unit(label).0)));
    }
    let mut columns = Vec::new();
    for (index, indicator, unit) in indicators {
        let label = &labels[index];
        if let Some(derivation) = &indicator.derived {
            report.push_with(true, || {
                not_uploadable(
                    catalog,
                    indicator,
                    derivation,
                    Problem::error(ProblemCode::NotUploadable).row(row.number).column(index, Some(label)),
                )
            });
            continue;
        }
        match unit_shift(catalog, indicator, unit) {
            Ok(shift) => columns.push(IndicatorColumn { index, label: label.as_str().into(), indicator, shift }),
            Err(problem) => report.push_with(true, || {
                let (zh, en) = problem.say();
                Problem::error(ProblemCode::UnitMismatch).row(row.number).column(index, Some(label)).cell(label).say(zh, en)
            }),
        }
    }
    Some(Header::Wide { region_columns, note, indicators: columns, labels })
}

fn unknown_column(row: u32, index: usize, label: &str, hint: Option<&Indicator>) -> Problem {
    let (hint_zh, hint_en) = match hint {
        Some(i) => (format!("是否是“{}”？", i.name_zh), format!(" Did you mean “{}” ({})?", i.name_zh, i.id)),
        None => (String::new(), String::new()),
    };
    Problem::error(ProblemCode::UnknownColumn).row(row).column(index, Some(label)).cell(label).say(
        format!("表头“{label}”不是已知指标。{hint_zh}请使用指标目录中的名称，或删除该列。"),
        format!("header “{label}” is not a known indicator.{hint_en} Use a name from the indicator catalogue, or delete the column."),
    )
}

/// The problem of a derived indicator given where values are uploaded, at `at`.
fn not_uploadable(catalog: &Catalog, indicator: &Indicator, derivation: &Derivation, at: super::ProblemBuilder) -> Problem {
    let name = |id: &str| catalog.indicator(id).map_or_else(|| id.to_owned(), |i| i.name_zh.clone());
    let (numerator, denominator) = (name(&derivation.numerator), name(&derivation.denominator));
    at.say(
        format!("“{}”由“{numerator}”和“{denominator}”计算得出，不能直接上报。请上报这两个指标。", indicator.name_zh),
        format!(
            "“{}” is computed from “{numerator}” and “{denominator}” and cannot be uploaded. Upload those two instead.",
            indicator.name_en
        ),
    )
}

/// The power of ten from a stated unit to the indicator's unit, or why there is none.
fn unit_shift<'a>(catalog: &Catalog, indicator: &'a Indicator, stated: Option<&'a str>) -> Result<i32, UnitProblem<'a>> {
    let Some(stated) = stated.filter(|s| !s.is_empty()) else { return Ok(0) };
    let target = catalog.unit(&indicator.unit);
    match (catalog.unit(stated), target) {
        (Some(unit), Some(target)) => unit.shift_to(target).ok_or(UnitProblem { indicator, stated, known: true }),
        _ => Err(UnitProblem { indicator, stated, known: false }),
    }
}

/// A stated unit that does not convert to the indicator's: a known unit of another dimension,
/// or no unit at all. Its message is made when it is listed.
struct UnitProblem<'a> {
    indicator: &'a Indicator,
    stated: &'a str,
    known: bool,
}

impl UnitProblem<'_> {
    /// The message, in Chinese and English.
    fn say(&self) -> (String, String) {
        let (indicator, stated) = (self.indicator, self.stated);
        if self.known {
            (
                format!("单位“{stated}”与“{}”的单位“{}”不符，无法换算。请改用“{}”。", indicator.name_zh, indicator.unit, indicator.unit),
                format!(
                    "unit “{stated}” does not match the unit of “{}” ({}) and cannot be converted. Use “{}”.",
                    indicator.name_en, indicator.unit, indicator.unit
                ),
            )
        } else {
            (
                format!("无法识别单位“{stated}”。“{}”的单位是“{}”。", indicator.name_zh, indicator.unit),
                format!("unknown unit “{stated}”. The unit of “{}” is “{}”.", indicator.name_en, indicator.unit),
            )
        }
    }
}

/// Reads a grid (from CSV or an Excel sheet). Never fails: problems are in the report.
pub fn read_grid(catalog: &Catalog, grid: &Grid, options: &UploadOptions) -> Upload {
    read_rows(catalog, &mut GridRows::new(grid), options)
}

/// Reads rows as they come (a CSV file as it is parsed): what is kept is the observations,
/// packed, and the problems; never the rows. Never fails: problems are in the report. A problem
/// that ends the table (a broken quote, too many records) is then the whole report, as when it
/// comes before the first row.
pub fn read_rows(catalog: &Catalog, rows: &mut dyn Rows, options: &UploadOptions) -> Upload {
    let mut reader = Reader {
        catalog,
        options,
        report: Report::default(),
        observations: Observations::default(),
        cells: CellOf::None,
        recent: Recent::default(),
    };
    match reader.read(rows) {
        Ok(()) => reader.finish(),
        Err(problem) => {
            let mut report = Report::default();
            report.push(problem);
            Upload { observations: Observations::default(), report }
        }
    }
}

/// Where the observations' values came from, for messages about them found after reading
/// (duplicates, totals): the value column of a long table, an indicator's column of a wide one.
enum CellOf {
    None,
    Long { column: usize, label: Arc<str> },
    Wide { columns: Vec<(Arc<str>, usize, Arc<str>)> },
}

impl CellOf {
    /// Column index and label of `indicator`'s values.
    fn of(&self, indicator: &str) -> (usize, Option<&str>) {
        match self {
            CellOf::None => (0, None),
            CellOf::Long { column, label } => (*column, Some(label)),
            CellOf::Wide { columns } => {
                columns.iter().find(|(id, _, _)| **id == *indicator).map_or((0, None), |(_, column, label)| (*column, Some(&**label)))
            }
        }
    }
}

struct Reader<'c, 'o> {
    catalog: &'c Catalog,
    options: &'o UploadOptions,
    report: Report,
    observations: Observations,
    cells: CellOf,
    recent: Recent<'c>,
}

/// The last cell text of each kind that read cleanly, with what it read as. Rows of a file
/// repeat their indicator, region and period, and comparing with the last text is cheaper than
/// looking a text up again: every check is a function of the text (and of the catalogue and the
/// options, which do not change), so a text that passed once passes again, the same way.
#[derive(Default)]
struct Recent<'c> {
    indicator: Option<(String, &'c Indicator)>,
    region: Option<(String, &'c Region)>,
    period: Option<(String, Period)>,
}

/// `text`'s reading if it is the last text read cleanly.
fn recent<T: Copy>(last: &Option<(String, T)>, text: &str) -> Option<T> {
    last.as_ref().filter(|(seen, _)| seen == text).map(|(_, read)| *read)
}

/// Remembers `text` as read cleanly into `read`, reusing the buffer.
fn remember<T>(last: &mut Option<(String, T)>, text: &str, read: T) {
    let mut buffer = last.take().map(|(buffer, _)| buffer).unwrap_or_default();
    buffer.clear();
    buffer.push_str(text);
    *last = Some((buffer, read));
}

/// A long table's columns, found once for all its rows.
struct LongPlan {
    labels: Vec<String>,
    columns: HashMap<usize, Role>,
    indicator_col: usize,
    region_columns: Vec<usize>,
    value_col: usize,
    period_col: Option<usize>,
    note_col: Option<usize>,
    unit_col: Option<usize>,
    file_period: Option<Period>,
    /// Cells a row needs to reach every required column.
    required: usize,
}

/// A wide table's columns, found once for all its rows.
struct WidePlan<'c> {
    labels: Vec<String>,
    region_columns: Vec<usize>,
    note: Option<usize>,
    indicators: Vec<IndicatorColumn<'c>>,
    period: Option<Period>,
}

enum Plan<'c> {
    Long(LongPlan),
    Wide(WidePlan<'c>),
}

/// Counts what is left of the rows, for the rows count and for a problem that ends the table
/// further down (a broken quote at the end is reported even when the header was not found).
fn count_rest(rows: &mut dyn Rows) -> Result<usize, Problem> {
    let mut data = 0;
    while let Some(row) = rows.next_row() {
        let row = row?;
        data += usize::from(!row.is_blank() && !is_footer(row));
    }
    Ok(data)
}

impl<'c> Reader<'c, '_> {
    fn read(&mut self, rows: &mut dyn Rows) -> Result<(), Problem> {
        // Title rows, then the header, among the first non-blank rows.
        let mut titles: Vec<GridRow> = Vec::new();
        let mut found = None;
        while let Some(row) = rows.next_row() {
            let row = row?;
            if row.is_blank() {
                continue;
            }
            if let Some(header) = recognise(self.catalog, row, &mut self.report) {
                found = Some((row.number, header));
                break;
            }
            titles.push(row.clone());
            if titles.len() == MAX_TITLE_ROWS {
                break;
            }
        }
        let Some((header_row, header)) = found else {
            count_rest(rows)?;
            if titles.is_empty() {
                self.report.push(Problem::error(ProblemCode::EmptyFile).say("文件中没有数据。", "the file holds no data."));
            } else {
                self.report.push(Problem::error(ProblemCode::MissingHeader).say(
                    "找不到表头。长表需要“指标、地区、时期、数值”列；宽表需要“地区”列和以指标名称为表头的列（如“科技型企业（家）”）。",
                    "no header row found. A long table needs the columns indicator, region, period, value (指标, 地区, 时期, 数值); a wide table needs a region column (地区) and columns headed by indicator names such as “科技型企业（家）”.",
                ));
            }
            return Ok(());
        };
        self.report.header_row = Some(header_row);
        let title_period = titles.iter().flat_map(|r| r.cells.iter()).find_map(Period::find_in).map(|p| p.period);
        drop(titles);

        // The first data row decides between an empty table and one to read.
        let mut first = None;
        while let Some(row) = rows.next_row() {
            let row = row?;
            if !row.is_blank() && !is_footer(row) {
                first = Some(row.clone());
                break;
            }
        }
        let Some(first) = first else {
            self.report.push(Problem::error(ProblemCode::EmptyFile).row(header_row).say(
                "文件只有表头，没有数据行。请在表头下面填写数据后再上传。",
                "the file has a header but no data rows. Add the data below the header and upload again.",
            ));
            return Ok(());
        };
        let before_data = self.report.problems.len();
        let plan = match header {
            Header::Long { columns, labels } => {
                self.report.layout = Some(Layout::Long);
                self.long_plan(header_row, columns, labels, title_period).map(Plan::Long)
            }
            Header::Wide { region_columns, note, indicators, labels } => {
                self.report.layout = Some(Layout::Wide);
                self.wide_plan(header_row, region_columns, note, indicators, labels, title_period).map(Plan::Wide)
            }
        };
        // Without a plan (the header's problem is reported) the rows are only counted.
        let mut reading = plan.is_some();
        let mut data_rows = 0usize;
        let mut pending = Some(first);
        loop {
            let owned;
            let row: &GridRow = match pending.take() {
                Some(row) => {
                    owned = row;
                    &owned
                }
                None => match rows.next_row() {
                    None => break,
                    Some(row) => {
                        let row = row?;
                        if row.is_blank() || is_footer(row) {
                            continue;
                        }
                        row
                    }
                },
            };
            data_rows += 1;
            if data_rows > self.options.max_rows {
                self.report.problems.truncate(before_data);
                return self.too_many_rows(before_data);
            }
            if !reading {
                continue;
            }
            if self.stop_at(row.number) {
                reading = false;
                continue;
            }
            match &plan {
                Some(Plan::Long(plan)) => self.long_row(plan, row),
                Some(Plan::Wide(plan)) => self.wide_row(plan, row),
                None => {}
            }
        }
        self.report.data_rows = u32::try_from(data_rows).unwrap_or(u32::MAX);
        Ok(())
    }

    /// A file over the row limit is refused whole: nothing of it is read, whatever was read so
    /// far is dropped (the header's problems, before `kept`, stay).
    fn too_many_rows(&mut self, kept: usize) -> Result<(), Problem> {
        self.report.problems.truncate(kept);
        self.report.errors_seen = self.report.problems.iter().filter(|p| p.is_error()).count();
        self.report.suppressed = 0;
        self.report.layout = None;
        self.report.period = None;
        self.observations = Observations::default();
        self.report.push(too_many_rows(self.options.max_rows));
        Ok(())
    }

    /// Whether to stop before `row`: once the listed problems are full of errors the file is
    /// refused either way, and reading on would only spend the server's time on a million
    /// more "did you mean" suggestions nobody sees.
    fn stop_at(&mut self, row: u32) -> bool {
        if self.report.errors_seen() < super::MAX_LISTED_PROBLEMS {
            return false;
        }
        self.report.push_always(Problem::error(ProblemCode::TooManyErrors).row(row).say(
            format!("错误超过 {} 个，从这一行起不再检查。请先改正上面列出的错误，再重新上传。", super::MAX_LISTED_PROBLEMS),
            format!(
                "more than {} errors: reading stopped at this row. Fix the errors listed and upload again.",
                super::MAX_LISTED_PROBLEMS
            ),
        ));
        true
    }

    /// The file's period from the caller and the title; a disagreement is an error.
    fn file_period(&mut self, header_row: u32, title: Option<Period>) -> Option<Period> {
        match (self.options.period, title) {
            (Some(given), Some(title)) if given.month_index() != title.month_index() => {
                self.report.push(Problem::error(ProblemCode::PeriodConflict).row(header_row).say(
                    format!("上传时指定的时期 {} 与标题中的时期 {} 不一致。请核对后重新上传。", given.label_zh(), title.label_zh()),
                    format!("the period given with the upload ({}) differs from the period in the title ({}). Check which is right and upload again.", given.label_en(), title.label_en()),
                ));
                None
            }
            (Some(given), _) => Some(given),
            (None, title) => title,
        }
    }

    /// Two columns with the same meaning (`key`) are an error at the later one.
    fn check_duplicate_labels(&mut self, header_row: u32, columns: &[(usize, String)], labels: &[String]) -> bool {
        let mut first: HashMap<&str, usize> = HashMap::new();
        let mut ok = true;
        for (index, key) in columns {
            if let Some(&earlier) = first.get(key.as_str()) {
                ok = false;
                let letter = super::column_letter(u32::try_from(earlier).unwrap_or(0));
                let (label, earlier_label) = (&labels[*index], &labels[earlier]);
                self.report.push(Problem::error(ProblemCode::DuplicateLabel).row(header_row).column(*index, Some(label)).cell(label).say(
                    format!("与{letter}列“{earlier_label}”是同一项数据。请删除其中一列。"),
                    format!("means the same as column {letter} ({earlier_label}). Delete one of them."),
                ));
            } else {
                first.insert(key, *index);
            }
        }
        ok
    }

    fn wide_plan(
        &mut self,
        header_row: u32,
        region_columns: Vec<usize>,
        note: Option<usize>,
        indicators: Vec<IndicatorColumn<'c>>,
        labels: Vec<String>,
        title: Option<Period>,
    ) -> Option<WidePlan<'c>> {
        let keyed: Vec<(usize, String)> = indicators.iter().map(|c| (c.index, c.indicator.name_zh.clone())).collect();
        if !self.check_duplicate_labels(header_row, &keyed, &labels) {
            return None;
        }
        let period = self.file_period(header_row, title);
        self.report.period = period;
        if self.options.period.is_none() && title.is_none() {
            self.report.push(Problem::error(ProblemCode::MissingPeriod).row(header_row).say(
                "宽表没有时期：请在表头上方加标题行（如“2025年1-9月重庆市各区县科技创新主要指标”），或上传时指定时期。",
                "a wide table needs a period: add a title row above the header (such as “2025年1-9月重庆市各区县科技创新主要指标”) or give the period with the upload.",
            ));
        }
        self.cells = CellOf::Wide { columns: indicators.iter().map(|c| (c.indicator.id.clone(), c.index, Arc::clone(&c.label))).collect() };
        Some(WidePlan { labels, region_columns, note, indicators, period })
    }

    fn wide_row(&mut self, plan: &WidePlan<'c>, row: &GridRow) {
        self.check_row_shape(row, &plan.labels, plan.labels.len());
        let Some(region) = self.region_of_row(row, &plan.region_columns, &plan.labels) else { return };
        let Some(period) = plan.period else { return };
        let note_text = plan.note.map(|i| row.cell(i)).filter(|t| !t.is_empty());
        for column in &plan.indicators {
            let text = row.cell(column.index);
            if let Some(value) = self.value(row.number, column.index, &column.label, text, column.indicator, column.shift) {
                self.add(column.indicator, region, period, value, note_text.map(str::to_owned), row.number);
            }
        }
    }

    /// The region of a row from its region columns (name and/or code), which must agree.
    fn region_of_row(&mut self, row: &GridRow, region_columns: &[usize], labels: &[String]) -> Option<&'c Region> {
        let mut found: Option<&'c Region> = None;
        for &index in region_columns {
            let text = row.cell(index);
            if text.is_empty() {
                continue;
            }
            let region = self.region(row.number, index, &labels[index], text)?;
            if let Some(previous) = found
                && previous.code != region.code
            {
                self.report.push(
                    Problem::error(ProblemCode::UnknownRegion).row(row.number).column(index, Some(&labels[index])).cell(text).say(
                        format!("“{text}”与同一行的“{}”不是同一个地区。请核对区划代码和名称。", previous.name_zh),
                        format!("“{text}” is not the same region as “{}” on the same row. Check the code and the name.", previous.name_en),
                    ),
                );
                return None;
            }
            found = Some(region);
        }
        if found.is_none() {
            let index = region_columns.first().copied().unwrap_or(0);
            self.report.push(
                Problem::error(ProblemCode::MissingCell)
                    .row(row.number)
                    .column(index, labels.get(index).map(String::as_str))
                    .say("缺少地区。请填写区县名称或区划代码。", "the region is missing. Enter the district's name or code."),
            );
        }
        found
    }

    fn long_plan(
        &mut self,
        header_row: u32,
        columns: HashMap<usize, Role>,
        labels: Vec<String>,
        title: Option<Period>,
    ) -> Option<LongPlan> {
        // Several region columns (区划代码 beside 地区名称) are allowed and cross-checked.
        let mut by_role: Vec<(usize, String)> =
            columns.iter().filter(|(_, r)| !matches!(r, Role::Ignored | Role::Region)).map(|(&i, r)| (i, format!("{r:?}"))).collect();
        by_role.sort();
        if !self.check_duplicate_labels(header_row, &by_role, &labels) {
            return None;
        }
        let column = |role: Role| columns.iter().find(|(_, r)| **r == role).map(|(&i, _)| i);
        let mut region_columns: Vec<usize> = columns.iter().filter(|(_, r)| **r == Role::Region).map(|(&i, _)| i).collect();
        region_columns.sort_unstable();
        let (Some(indicator_col), Some(&region_col), Some(value_col)) =
            (column(Role::Indicator), region_columns.first(), column(Role::Value))
        else {
            return None;
        };
        let (period_col, note_col, unit_col) = (column(Role::Period), column(Role::Note), column(Role::Unit));
        let file_period = self.file_period(header_row, title);
        if period_col.is_none() {
            self.report.period = file_period;
            if file_period.is_none() {
                self.report.push(Problem::error(ProblemCode::MissingLabel).row(header_row).say(
                    "缺少“时期”列。请增加“时期”列（如 2025Q3），或在标题行写明时期，或上传时指定时期。",
                    "the period column is missing. Add a period column (e.g. 2025Q3), put the period in a title row, or give it with the upload.",
                ));
                return None;
            }
        }
        for (index, label) in labels.iter().enumerate() {
            if !label.is_empty() && !columns.contains_key(&index) {
                self.report.push_with(false, || {
                    Problem::warning(ProblemCode::IgnoredColumn)
                        .row(header_row)
                        .column(index, Some(label))
                        .say("此列不是数据约定中的列，已忽略。", "this column is not part of the data contract and was ignored.")
                });
            }
        }
        let required = [Some(indicator_col), Some(region_col), Some(value_col), period_col].into_iter().flatten().max().unwrap_or(0) + 1;
        self.cells = CellOf::Long { column: value_col, label: labels[value_col].as_str().into() };
        Some(LongPlan { labels, columns, indicator_col, region_columns, value_col, period_col, note_col, unit_col, file_period, required })
    }

    fn long_row(&mut self, plan: &LongPlan, row: &GridRow) {
        let labels = &plan.labels;
        if row.cells.len() < plan.required {
            let missing = (row.cells.len()..plan.required).find(|i| plan.columns.contains_key(i)).unwrap_or(plan.required - 1);
            self.report.push(
                Problem::error(ProblemCode::MissingCell).row(row.number).column(missing, labels.get(missing).map(String::as_str)).say(
                    "这一行的单元格比表头少。请补齐缺少的单元格。",
                    "this row has fewer cells than the header. Fill in the missing cells.",
                ),
            );
            return;
        }
        self.check_row_shape(row, labels, labels.len());
        let indicator_text = row.cell(plan.indicator_col);
        let Some(indicator) = self.indicator(row.number, plan.indicator_col, &labels[plan.indicator_col], indicator_text) else { return };
        let region = self.region_of_row(row, &plan.region_columns, labels);
        let period = match plan.period_col {
            Some(col) => self.period(row.number, col, &labels[col], row.cell(col), plan.file_period),
            None => plan.file_period,
        };
        let shift = match plan.unit_col.map(|c| (c, row.cell(c))).filter(|(_, t)| !t.is_empty()) {
            Some((col, text)) => match unit_shift(self.catalog, indicator, Some(text)) {
                Ok(shift) => Some(shift),
                Err(problem) => {
                    let (zh, en) = problem.say();
                    self.report.push(
                        Problem::error(ProblemCode::UnitMismatch).row(row.number).column(col, Some(&labels[col])).cell(text).say(zh, en),
                    );
                    None
                }
            },
            None => Some(0),
        };
        let value_col = plan.value_col;
        let value = shift.and_then(|shift| self.value(row.number, value_col, &labels[value_col], row.cell(value_col), indicator, shift));
        let note = plan.note_col.map(|c| row.cell(c)).filter(|t| !t.is_empty()).map(str::to_owned);
        if let (Some(region), Some(period), Some(value)) = (region, period, value) {
            self.add(indicator, region, period, value, note, row.number);
        }
    }

    /// Data in cells beyond the header is an `extra-cell` error; data under a blank header
    /// cell is a `blank-header` error.
    fn check_row_shape(&mut self, row: &GridRow, labels: &[String], width: usize) {
        for (index, cell) in row.cells.iter().enumerate() {
            let text = trim_cell(cell);
            if text.is_empty() {
                continue;
            }
            if index >= width {
                self.report.push(Problem::error(ProblemCode::ExtraCell).row(row.number).column(index, None).cell(text).say(
                    "表头之外还有数据。请删除多余的单元格，或为该列加上表头。",
                    "there is data beyond the last header column. Delete the extra cell or give the column a header.",
                ));
                return;
            }
            if labels[index].is_empty() {
                self.report.push(Problem::error(ProblemCode::BlankHeader).row(row.number).column(index, None).cell(text).say(
                    "这一列有数据但没有表头。请填写表头（指标名称），或删除该列的数据。",
                    "this column has data but no header. Enter a header (the indicator's name) or delete the data.",
                ));
                return;
            }
        }
    }

    fn indicator(&mut self, row: u32, column: usize, label: &str, text: &str) -> Option<&'c Indicator> {
        // Built only for a problem: this runs for every row.
        let at = || Problem::error(ProblemCode::UnknownIndicator).row(row).column(column, Some(label)).cell(text);
        if text.is_empty() {
            self.report.push(
                Problem::error(ProblemCode::MissingCell)
                    .row(row)
                    .column(column, Some(label))
                    .say("缺少指标。请填写指标名称或代码。", "the indicator is missing. Enter its name or id."),
            );
            return None;
        }
        if let Some(indicator) = recent(&self.recent.indicator, text) {
            return Some(indicator);
        }
        let Some(indicator) = self.catalog.indicator(text) else {
            let (hint_zh, hint_en) = match self.catalog.suggest_indicator(text) {
                Some(i) => (format!("是否是“{}”？", i.name_zh), format!(" Did you mean “{}” ({})?", i.name_zh, i.id)),
                None => (String::new(), String::new()),
            };
            self.report.push(at().say(
                format!("“{text}”不是已知指标。{hint_zh}请使用指标目录中的名称或代码。"),
                format!("“{text}” is not a known indicator.{hint_en} Use a name or id from the indicator catalogue."),
            ));
            return None;
        };
        if let Some(derivation) = &indicator.derived {
            let at = Problem::error(ProblemCode::NotUploadable).row(row).column(column, Some(label)).cell(text);
            self.report.push(not_uploadable(self.catalog, indicator, derivation, at));
            return None;
        }
        remember(&mut self.recent.indicator, text, indicator);
        Some(indicator)
    }

    fn region(&mut self, row: u32, column: usize, label: &str, text: &str) -> Option<&'c Region> {
        if let Some(region) = recent(&self.recent.region, text) {
            return Some(region);
        }
        // "其中：两江新区" rows list zones inside a total.
        let name = ["其中：", "其中:", "其中"].iter().find_map(|p| text.strip_prefix(p)).map_or(text, trim_cell);
        let Some(region) = self.catalog.region(name) else {
            let (hint_zh, hint_en) = match self.catalog.suggest_region(text) {
                Some(r) => (
                    format!("是否是“{}”（{}）？", r.name_zh, r.code),
                    format!(" Did you mean “{}” ({}, {})?", r.name_zh, r.name_en, r.code),
                ),
                None => (String::new(), String::new()),
            };
            self.report.push(Problem::error(ProblemCode::UnknownRegion).row(row).column(column, Some(label)).cell(text).say(
                format!("“{text}”不是重庆市的区县或功能区。{hint_zh}请填写区县全称、简称或区划代码。"),
                format!("“{text}” is not a district or zone of Chongqing.{hint_en} Enter the district's full name, short name or code."),
            ));
            return None;
        };
        if let Some(allowed) = &self.options.allowed_regions
            && !allowed.contains(&*region.code)
        {
            let names: Vec<String> =
                allowed.iter().map(|c| self.catalog.region(c).map_or_else(|| c.clone(), |r| r.name_zh.clone())).collect();
            let names = names.join("、");
            self.report.push(Problem::error(ProblemCode::ScopeError).row(row).column(column, Some(label)).cell(text).say(
                format!("您的账号无权上报“{}”的数据（可上报：{names}）。请删除这一行，或请该地区的统计人员上报。", region.name_zh),
                format!("your account may not write data for “{}” (allowed: {names}). Remove the row, or ask that region's statistician to upload it.", region.name_en),
            ));
            return None;
        }
        remember(&mut self.recent.region, text, region);
        Some(region)
    }

    fn period(&mut self, row: u32, column: usize, label: &str, text: &str, fallback: Option<Period>) -> Option<Period> {
        if text.is_empty() {
            if fallback.is_none() {
                self.report.push(
                    Problem::error(ProblemCode::MissingCell)
                        .row(row)
                        .column(column, Some(label))
                        .say("缺少时期。请填写时期，如 2025Q3。", "the period is missing. Enter it, e.g. 2025Q3."),
                );
            }
            return fallback;
        }
        if let Some(period) = recent(&self.recent.period, text) {
            return Some(period);
        }
        match Period::parse(text) {
            Ok(period) => {
                remember(&mut self.recent.period, text, period);
                Some(period)
            }
            Err(e) => {
                self.report.push(
                    Problem::error(ProblemCode::BadPeriod).row(row).column(column, Some(label)).cell(text).say(e.message.zh, e.message.en),
                );
                None
            }
        }
    }

    /// Reads a value cell: `None` for no value (empty, —) or a problem (recorded).
    fn value(&mut self, row: u32, column: usize, label: &str, text: &str, indicator: &Indicator, shift: i32) -> Option<Decimal> {
        let at = || Problem::error(ProblemCode::TypeError).row(row).column(column, Some(label)).cell(text);
        let number = match parse_cell_number(text) {
            Ok(None) => return None,
            Ok(Some(number)) => number,
            Err(NumberError::BadGrouping) => {
                self.report.push(at().say(
                    format!("“{text}”的千位分隔符位置不对。请每三位数字加一个逗号（如 1,234），或不加逗号。"),
                    format!("“{text}” has misplaced thousands separators. Put a comma every three digits (1,234) or none at all."),
                ));
                return None;
            }
            Err(NumberError::TooLong) => {
                self.report.push(at().say(format!("“{text}”位数过多。"), format!("“{text}” has too many digits.")));
                return None;
            }
            Err(NumberError::NotANumber) => {
                self.report.push(at().say(
                    format!("“{text}”不是数字。请填写数字，如 1234 或 1,234.5；没有数据请留空或填“—”。"),
                    format!("“{text}” is not a number. Enter a number such as 1234 or 1,234.5; leave the cell empty or write “—” when there is no value."),
                ));
                return None;
            }
        };
        if number.percent && indicator.unit != "%" {
            self.report.push(at().say(
                format!("“{text}”带百分号，但“{}”的单位是“{}”。请去掉百分号。", indicator.name_zh, indicator.unit),
                format!(
                    "“{text}” has a percent sign, but “{}” is measured in {}. Remove the percent sign.",
                    indicator.name_en, indicator.unit
                ),
            ));
            return None;
        }
        let number = number.shifted(shift);
        let Some(exact) = Decimal::from_parts(number.mantissa, number.scale) else {
            self.report.push(at().say(format!("“{text}”位数过多。"), format!("“{text}” has too many digits.")));
            return None;
        };
        let value = exact.to_f64();
        let constraint = || Problem::error(ProblemCode::ConstraintError).row(row).column(column, Some(label)).cell(text);
        if indicator.is_count() && !number.is_whole() {
            let unit_en = self.catalog.unit(&indicator.unit).map_or(indicator.unit.as_str(), |u| u.name_en.as_str());
            self.report.push(constraint().say(
                format!("“{}”按{}计数，必须是整数，“{text}”不是。", indicator.name_zh, indicator.unit),
                format!("“{}” counts whole {unit_en}; “{text}” is not a whole number.", indicator.name_en),
            ));
            return None;
        }
        if value < indicator.min {
            self.report.push(constraint().say(
                format!(
                    "“{}”不能小于{}，“{text}”不符合。请核对符号。",
                    indicator.name_zh,
                    format_number(indicator.min, indicator.decimals)
                ),
                format!(
                    "“{}” cannot be below {}; “{text}” is. Check the sign.",
                    indicator.name_en,
                    format_number(indicator.min, indicator.decimals)
                ),
            ));
            return None;
        }
        if let Some(max) = indicator.max
            && value > max
        {
            self.report.push(constraint().say(
                format!("“{}”不能超过{}{}，“{text}”超出。请核对。", indicator.name_zh, format_number(max, 0), indicator.unit),
                format!(
                    "“{}” cannot exceed {}{}; “{text}” does. Check the value.",
                    indicator.name_en,
                    format_number(max, 0),
                    indicator.unit
                ),
            ));
            return None;
        }
        Some(exact)
    }

    fn add(&mut self, indicator: &Indicator, region: &Region, period: Period, value: Decimal, note: Option<String>, row: u32) {
        self.observations.push(Observation {
            indicator: indicator.id.clone(),
            region: region.code.clone(),
            period,
            value,
            note,
            row: Some(row),
        });
    }

    fn finish(mut self) -> Upload {
        self.drop_duplicates();
        self.check_totals();
        self.report.observations = u32::try_from(self.observations.len()).unwrap_or(u32::MAX);
        self.report.sort();
        Upload { observations: self.observations, report: self.report }
    }

    /// A key given twice is a `duplicate-row` at the later row: a warning when the values agree
    /// (one is kept), an error when they do not. Found once every row is read, by sorting the
    /// keys: a hash map of a million keys cost more memory than the observations themselves.
    fn drop_duplicates(&mut self) {
        let order = self.observations.key_order();
        let mut dropped = Vec::new();
        for group in self.observations.same_keys(&order) {
            let first = group[0] as usize;
            let (Some(earlier), Some((indicator_id, region_code, _, earlier_row))) =
                (self.observations.value(first), self.observations.key_parts(first))
            else {
                continue;
            };
            let (Some(indicator), Some(region)) = (self.catalog.indicator(indicator_id), self.catalog.region(region_code)) else {
                continue;
            };
            let earlier_row = earlier_row.unwrap_or(0);
            for &later in &group[1..] {
                let later = later as usize;
                dropped.push(later);
                let (Some(value), Some((_, _, period, row))) = (self.observations.value(later), self.observations.key_parts(later)) else {
                    continue;
                };
                let same = earlier == value;
                let cells = &self.cells;
                self.report.push_with(!same, || {
                    let builder =
                        if same { Problem::warning(ProblemCode::DuplicateRow) } else { Problem::error(ProblemCode::DuplicateRow) };
                    let what_zh = format!("{}{}“{}”", region.name_zh, period.label_zh(), indicator.name_zh);
                    let what_en = format!("{} for {} in {}", indicator.name_en, region.name_en, period.label_en());
                    let (column, label) = cells.of(indicator_id);
                    let problem = builder.row(row.unwrap_or(0)).column(column, label).cell(&format_decimal(value, value.scale()));
                    if same {
                        problem.say(
                            format!("{what_zh}与第{earlier_row}行重复（数值相同），只保留一条。"),
                            format!("{what_en} repeats row {earlier_row} with the same value; one is kept."),
                        )
                    } else {
                        problem.say(
                            format!(
                                "{what_zh}在第{earlier_row}行已填写为{}，这里为{}。请删除错误的一条。",
                                format_decimal(earlier, indicator.decimals),
                                format_decimal(value, indicator.decimals)
                            ),
                            format!(
                                "{what_en} is {} on row {earlier_row} and {} here. Delete the wrong one.",
                                format_decimal(earlier, indicator.decimals),
                                format_decimal(value, indicator.decimals)
                            ),
                        )
                    }
                });
            }
        }
        if !dropped.is_empty() {
            dropped.sort_unstable();
            self.observations.retain_indices(|i| dropped.binary_search(&i).is_err());
        }
    }

    /// A city row (合计/全市) is cross-checked against the sum of the districts in the file.
    fn check_totals(&mut self) {
        let city = &self.catalog.city().code;
        if !self.observations.regions().iter().any(|r| r == city) {
            return;
        }
        let mut totals = Totals::default();
        // Each name once, not each row's.
        let indicators: Vec<Option<&Indicator>> =
            self.observations.indicators().iter().map(|id| self.catalog.indicator(id).filter(|i| Totals::checks(i))).collect();
        let regions: Vec<Option<&Region>> = self.observations.regions().iter().map(|code| self.catalog.region(code)).collect();
        for i in 0..self.observations.len() {
            let Some((indicator, region)) = self.observations.interned(i) else { continue };
            if let (Some(Some(indicator)), Some(Some(region)), Some((_, _, period, _)), Some(value)) =
                (indicators.get(indicator), regions.get(region), self.observations.key_parts(i), self.observations.value(i))
            {
                totals.add(self.catalog, indicator, region, period, value);
            }
        }
        let mismatches = totals.mismatches(self.catalog);
        if mismatches.is_empty() {
            return;
        }
        let order = self.observations.key_order();
        for mismatch in mismatches {
            let Some(indicator) = self.catalog.indicator(&mismatch.indicator) else { continue };
            let Some(index) = self.observations.find(&order, &mismatch.indicator, city, mismatch.period.month_index()) else { continue };
            let row = self.observations.key_parts(index).and_then(|(_, _, _, row)| row).unwrap_or(0);
            let (column, label) = self.cells.of(&mismatch.indicator);
            let n = |v: Decimal| format_decimal(v, indicator.decimals);
            let diff = mismatch.stated.checked_sub(mismatch.sum).unwrap_or(Decimal::ZERO);
            self.report.push(Problem::warning(ProblemCode::TotalMismatch).row(row).column(column, label).cell(&n(mismatch.stated)).say(
                format!(
                    "全市合计{}与{}个区县之和{}不一致（相差{}）。请核对合计行或区县数据；功能区不计入合计。",
                    n(mismatch.stated),
                    self.catalog.district_count(),
                    n(mismatch.sum),
                    n(diff)
                ),
                format!(
                    "the city total {} differs from the sum of the {} districts, {} (by {}). Check the total row or the district values; functional zones are not part of the total.",
                    n(mismatch.stated),
                    self.catalog.district_count(),
                    n(mismatch.sum),
                    n(diff)
                ),
            ));
        }
    }
}

fn is_footer(row: &GridRow) -> bool {
    let first = row.cells.iter().map(trim_cell).find(|c| !c.is_empty()).unwrap_or("");
    let filled = row.cells.iter().filter(|c| !trim_cell(c).is_empty()).count();
    filled == 1 && FOOTER_PREFIXES.iter().any(|p| first.starts_with(p)) && first.chars().count() > 1
}
