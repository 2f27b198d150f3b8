//! API wire types (serde), kept apart from the domain types so that the model can change
//! shape without breaking the JSON the widgets and portals read, and so that the domain types
//! carry no serialisation concerns. Periods travel in their canonical spelling (`2025Q3`),
//! statuses and codes as the strings their `as_str` gives.

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
pub use crate::catalog::CatalogDocument as CatalogWire;
use crate::contract::{Problem, Report};
use crate::dataset::{Point, Series};
pub use crate::decimal::Decimal;
use crate::format::format_number;
use crate::message::Bilingual;
use crate::observation::Observation;
use crate::progress::{Progress, Trend};

/// A message in both languages.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageWire {
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

impl From<&Bilingual> for MessageWire {
    fn from(m: &Bilingual) -> Self {
        Self { zh: m.zh.clone(), en: m.en.clone() }
    }
}

/// One problem of a validation report.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemWire {
    /// Frictionless-style code, e.g. `type-error`.
    pub code: String,
    /// `error` or `warning`.
    pub severity: String,
    /// Spreadsheet row (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// Spreadsheet column letter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Zero-based column number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column_index: Option<u32>,
    /// The column's header text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The cell text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    /// What is wrong and what to do.
    pub message: MessageWire,
}

impl From<&Problem> for ProblemWire {
    fn from(p: &Problem) -> Self {
        Self {
            code: p.code.as_str().to_owned(),
            severity: p.severity.as_str().to_owned(),
            row: p.row,
            column: p.column.as_ref().map(crate::contract::ColumnRef::letter),
            column_index: p.column.as_ref().map(|c| c.index),
            label: p.column.as_ref().and_then(|c| c.label.clone()),
            cell: p.cell.clone(),
            message: (&p.message).into(),
        }
    }
}

/// A validation report.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportWire {
    /// Whether the upload may be stored.
    pub valid: bool,
    /// Encoding detected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// `long` or `wide`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    /// Header row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_row: Option<u32>,
    /// Period of the whole file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Data rows read.
    pub data_rows: u32,
    /// Observations read.
    pub observations: u32,
    /// Errors listed.
    pub errors: usize,
    /// Warnings listed.
    pub warnings: usize,
    /// Problems found beyond the listed ones.
    pub suppressed: u32,
    /// The problems.
    pub problems: Vec<ProblemWire>,
}

impl From<&Report> for ReportWire {
    fn from(r: &Report) -> Self {
        Self {
            valid: !r.has_errors(),
            encoding: r.encoding.map(|e| e.as_str().to_owned()),
            layout: r.layout.map(|l| l.as_str().to_owned()),
            header_row: r.header_row,
            period: r.period.map(|p| p.to_string()),
            data_rows: r.data_rows,
            observations: r.observations,
            errors: r.error_count(),
            warnings: r.warning_count(),
            suppressed: r.suppressed,
            problems: r.problems.iter().map(ProblemWire::from).collect(),
        }
    }
}

/// An observation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObservationWire {
    /// Indicator id.
    pub indicator: String,
    /// Region code.
    pub region: String,
    /// Period, canonical spelling.
    pub period: String,
    /// Value in the indicator's unit, exactly as reported.
    pub value: Decimal,
    /// Note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl From<&Observation> for ObservationWire {
    fn from(o: &Observation) -> Self {
        Self {
            indicator: o.indicator.to_string(),
            region: o.region.to_string(),
            period: o.period.to_string(),
            value: o.value,
            note: o.note.clone(),
        }
    }
}

/// A point of a series.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointWire {
    /// Period.
    pub period: String,
    /// The value, exactly: as reported, the exact sum of the districts, or a derived ratio
    /// rounded half away from zero to the indicator's decimals.
    pub value: Decimal,
    /// `reported`, `sum_of_districts` or `derived`.
    pub origin: String,
}

impl From<&Point> for PointWire {
    fn from(p: &Point) -> Self {
        Self { period: p.period.to_string(), value: p.exact, origin: p.origin.as_str().to_owned() }
    }
}

/// A series.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesWire {
    /// Indicator id.
    pub indicator: String,
    /// Region code.
    pub region: String,
    /// Points in time order.
    pub points: Vec<PointWire>,
}

impl From<&Series> for SeriesWire {
    fn from(s: &Series) -> Self {
        Self { indicator: s.indicator.to_string(), region: s.region.to_string(), points: s.points.iter().map(PointWire::from).collect() }
    }
}

/// A growth path for drawing: `kind` is `geometric` (rate a year) or `linear` (slope a year),
/// starting at `x0` at time `t0` (years; the end of a calendar year is a whole number).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrendWire {
    /// `geometric` or `linear`.
    pub kind: String,
    /// Start time.
    pub t0: f64,
    /// Start value.
    pub x0: f64,
    /// Rate (geometric) or slope (linear) a year.
    pub pace: f64,
}

impl TrendWire {
    /// The path's value at time `t` (years, as [`crate::Period::end_in_years`]): the model's
    /// formula, so a chart draws exactly the path the progress was judged against.
    pub fn at(&self, t: f64) -> f64 {
        let trend = if self.kind == "geometric" {
            Trend::Geometric { t0: self.t0, x0: self.x0, rate: self.pace }
        } else {
            Trend::Linear { t0: self.t0, x0: self.x0, slope: self.pace }
        };
        trend.at(t)
    }
}

impl From<Trend> for TrendWire {
    fn from(t: Trend) -> Self {
        match t {
            Trend::Geometric { t0, x0, rate } => Self { kind: "geometric".to_owned(), t0, x0, pace: rate },
            Trend::Linear { t0, x0, slope } => Self { kind: "linear".to_owned(), t0, x0, pace: slope },
        }
    }
}

/// A progress summary.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgressWire {
    /// Target id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Indicator id.
    pub indicator: String,
    /// Region code.
    pub region: String,
    /// Status code.
    pub status: String,
    /// Status in words.
    pub status_label: MessageWire,
    /// Latest point judged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<PointWire>,
    /// Base point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<PointWire>,
    /// Target level, in the indicator's unit and decimals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_value: Option<Decimal>,
    /// Deadline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// Whether met.
    pub met: bool,
    /// Achievement ratio.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub achievement: Option<f64>,
    /// Expected now on the required path, in the indicator's unit and decimals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_now: Option<Decimal>,
    /// Projected at the deadline, in the indicator's unit and decimals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projected: Option<Decimal>,
    /// Growth a year still required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub growth_still_required: Option<f64>,
    /// Observed CAGR.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_growth: Option<f64>,
    /// Required CAGR.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_growth: Option<f64>,
    /// P.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// 同比.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year_on_year: Option<f64>,
    /// Required path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_path: Option<TrendWire>,
    /// Projection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projection: Option<TrendWire>,
    /// Cadence: events held.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_held: Option<f64>,
    /// Cadence: events required so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_required: Option<f64>,
    /// The final verdict, once the deadline's data are in (then `status` is `target_achieved`
    /// or `target_missed` and nothing is projected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<VerdictWire>,
    /// Quarters of data still to come before the deadline, while the target is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarters_remaining: Option<u32>,
    /// The figure in words, for an `aria-label`: indicator, region, value, target, status.
    pub summary: MessageWire,
}

/// A target's final verdict on the wire.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerdictWire {
    /// Whether the target was met at the deadline.
    pub achieved: bool,
    /// How far beyond (positive) or short of (negative) the target, in the good direction:
    /// in the indicator's unit (`level`), as a growth rate (`growth`, 0.01 = one point), or in
    /// events (`events`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    /// `level`, `growth` or `events`.
    pub measure: String,
    /// The verdict in words, e.g. `2025年目标未实现（最终结果），差188家`.
    pub text: MessageWire,
    /// By how much alone (`差188家`), for a line that says achieved or missed elsewhere.
    #[serde(default)]
    pub detail: MessageWire,
}

impl ProgressWire {
    /// Whether its target is a growth rate (R&D spending +10 % a year) rather than a level.
    pub fn is_growth_target(&self, catalog: &Catalog) -> bool {
        self.target.as_ref().and_then(|id| catalog.target(id)).is_some_and(|target| target.rule.kind() == "growth")
    }

    /// The growth a year its target requires: as judged, or before there is a base value to
    /// judge from, the growth target's own threshold (0.08 for "8 % a year").
    pub fn required_rate(&self, catalog: &Catalog) -> Option<f64> {
        self.required_growth.or_else(|| {
            let target = catalog.target(self.target.as_deref()?)?;
            let direction = catalog.indicator(&self.indicator)?.direction;
            match target.rule {
                crate::target::Rule::Growth { bound, .. } => Some(bound.level(direction) / 100.0),
                _ => None,
            }
        })
    }

    /// How far along its target it is, for a bar or an arc: the achievement of a level target,
    /// or for a growth target the observed growth as a share of the required (P).
    pub fn target_fraction(&self, catalog: &Catalog) -> Option<f64> {
        if self.is_growth_target(catalog) { self.ratio } else { self.achievement }
    }

    /// Where the expected-by-now mark sits on the same bar, as a share of a level target (none
    /// for growth targets, whose bar is already growth against the required rate).
    pub fn expected_fraction(&self, catalog: &Catalog) -> Option<f64> {
        match (self.is_growth_target(catalog), self.expected_now, self.target_value) {
            (false, Some(expected), Some(target)) if !target.is_zero() => Some(expected.to_f64() / target.to_f64()),
            _ => None,
        }
    }

    /// The wire form of a progress summary, with its sentence for screen readers.
    pub fn new(catalog: &Catalog, p: &Progress) -> Self {
        // Levels computed in floating point are published at the indicator's decimals.
        let decimals = catalog.indicator(&p.indicator).map_or(2, |i| i.decimals);
        let level = |v: Option<f64>| v.and_then(Decimal::from_f64).map(|d| d.rounded(decimals));
        Self {
            target: p.target.as_ref().map(ToString::to_string),
            indicator: p.indicator.to_string(),
            region: p.region.to_string(),
            status: p.status.as_str().to_owned(),
            status_label: (&p.status.label()).into(),
            latest: p.latest.as_ref().map(PointWire::from),
            base: p.base.as_ref().map(PointWire::from),
            target_value: level(p.target_value),
            deadline: p.deadline.map(|d| d.to_string()),
            met: p.met,
            achievement: p.achievement,
            expected_now: level(p.expected_now),
            projected: level(p.projected),
            growth_still_required: p.growth_still_required,
            observed_growth: p.observed_growth,
            required_growth: p.required_growth,
            ratio: p.ratio,
            year_on_year: p.year_on_year,
            required_path: p.required_path.map(TrendWire::from),
            projection: p.projection.map(TrendWire::from),
            events_held: p.cadence.map(|c| c.held),
            events_required: p.cadence.map(|c| c.required),
            verdict: p.verdict.map(|v| VerdictWire {
                achieved: v.achieved,
                margin: v.margin,
                measure: v.measure.as_str().to_owned(),
                text: (&verdict_words(catalog, p, &v)).into(),
                detail: (&verdict_detail(catalog, p, &v)).into(),
            }),
            quarters_remaining: p.quarters_remaining,
            summary: (&summary(catalog, p)).into(),
        }
    }
}

/// One sentence that says the figure in words, e.g.
/// `重庆市 高新技术企业数量 2025年第三季度为 7,812家，2025年目标 8,000家，完成 97.7%，进展良好，有望按期实现。`
pub fn summary(catalog: &Catalog, p: &Progress) -> Bilingual {
    let indicator = catalog.indicator(&p.indicator);
    let region = catalog.region(&p.region);
    let (name_zh, name_en, unit, decimals) = indicator.map_or((p.indicator.to_string(), p.indicator.to_string(), String::new(), 2), |i| {
        (i.name_zh.clone(), i.name_en.clone(), i.unit.clone(), i.decimals)
    });
    let (region_zh, region_en) = region.map_or((p.region.to_string(), p.region.to_string()), |r| (r.name_zh.clone(), r.name_en.clone()));
    let status = p.status.label();
    let Some(latest) = p.latest else {
        return Bilingual::new(format!("{region_zh}{name_zh}：暂无数据。"), format!("{name_en}, {region_en}: no data yet."));
    };
    let value = crate::format::format_decimal(latest.exact, decimals);
    let mut zh = format!("{region_zh}{name_zh}{}为{value}{unit}", latest.period.label_zh());
    let mut en = format!("{name_en}, {region_en}, {}: {value} {unit}", latest.period.label_en());
    if let (Some(target), Some(deadline)) = (p.target_value, p.deadline) {
        let target = format_number(target, decimals);
        zh.push_str(&format!("，{}目标{target}{unit}", deadline.label_zh()));
        en.push_str(&format!("; target {target} {unit} by {}", deadline.label_en()));
    }
    if let Some(a) = p.achievement {
        zh.push_str(&format!("，完成{}%", format_number(a * 100.0, 1)));
        en.push_str(&format!(" ({}% achieved)", format_number(a * 100.0, 1)));
    }
    match (&p.verdict, p.quarters_remaining) {
        (Some(verdict), _) => {
            let words = verdict_words(catalog, p, verdict);
            zh.push_str(&format!("，{}。", words.zh));
            en.push_str(&format!(". {}.", words.en));
        }
        (None, Some(quarters)) => {
            zh.push_str(&format!("，{}（距截止期还有{quarters}个季度的数据）。", status.zh));
            en.push_str(&format!(". {} ({quarters} {} of data to come before the deadline).", status.en, plural(quarters, "quarter")));
        }
        (None, None) => {
            zh.push_str(&format!("，{}。", status.zh));
            en.push_str(&format!(". {}.", status.en));
        }
    }
    Bilingual::new(zh, en)
}

fn plural(n: u32, word: &str) -> String {
    if n == 1 { word.to_owned() } else { format!("{word}s") }
}

/// A final verdict in words: achieved or missed, by how much, and for a growth target the
/// average growth achieved against the one required
/// (`2025年目标未实现（最终结果），差188家`).
pub fn verdict_words(catalog: &Catalog, p: &Progress, verdict: &crate::progress::Verdict) -> Bilingual {
    let deadline_zh = p.deadline.map_or_else(String::new, crate::period::Period::label_zh);
    let deadline_en = p.deadline.map_or_else(String::new, crate::period::Period::label_en);
    let (mut zh, mut en) = if verdict.achieved {
        (format!("{deadline_zh}目标已实现（最终结果）"), format!("{deadline_en} target achieved (final)"))
    } else {
        (format!("{deadline_zh}目标未实现（最终结果）"), format!("{deadline_en} target missed (final)"))
    };
    let detail = verdict_detail(catalog, p, verdict);
    if !detail.zh.is_empty() {
        zh.push_str(&format!("，{}", detail.zh));
        en.push_str(&format!(", {}", detail.en));
    }
    Bilingual::new(zh, en)
}

/// By how much a final verdict was achieved or missed (`差188家`, `short by 188 家`), and for a
/// growth target the average growth achieved against the one required; empty without figures.
pub fn verdict_detail(catalog: &Catalog, p: &Progress, verdict: &crate::progress::Verdict) -> Bilingual {
    use crate::progress::Margin;
    let indicator = catalog.indicator(&p.indicator);
    let (unit, decimals) = indicator.map_or((String::new(), 2), |i| (i.unit.clone(), i.decimals));
    let percent = |rate: f64| format!("{}%", format_number(rate * 100.0, 1));
    let gap = match (verdict.measure, verdict.margin) {
        (_, None) => None,
        (Margin::Level, Some(m)) => Some((format_number(m.abs(), decimals), unit)),
        (Margin::Events, Some(m)) => Some((format_number(m.abs(), 0), if unit.is_empty() { "次".to_owned() } else { unit })),
        (Margin::Growth, Some(m)) => Some((format_number(m.abs() * 100.0, 1), "个百分点".to_owned())),
    };
    let (mut zh, mut en) = (Vec::new(), Vec::new());
    if let Some((amount, unit)) = gap {
        let en_unit = if verdict.measure == Margin::Growth { "percentage points".to_owned() } else { unit.clone() };
        if verdict.achieved {
            zh.push(format!("超出{amount}{unit}"));
            en.push(format!("by {amount} {en_unit} more than required"));
        } else {
            zh.push(format!("差{amount}{unit}"));
            en.push(format!("short by {amount} {en_unit}"));
        }
    }
    if verdict.measure == Margin::Growth
        && let (Some(observed), Some(required)) = (p.observed_growth, p.required_growth)
    {
        zh.push(format!("实际年均增长{}，要求{}", percent(observed), percent(required)));
        en.push(format!("average growth {} a year against {} required", percent(observed), percent(required)));
    }
    Bilingual::new(zh.join("；"), en.join("; "))
}

/// How to read an upload, as the API's query string, the browser and the fixture cases say it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadOptionsWire {
    /// Period of a file that does not state one (`2025Q3`, `2025年1-9月`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Region codes the uploader may write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_regions: Option<Vec<String>>,
    /// Row limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rows: Option<usize>,
    /// Size limit in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<usize>,
}

impl UploadOptionsWire {
    /// The options, or the period's error.
    pub fn to_options(&self) -> Result<crate::contract::UploadOptions, crate::period::PeriodError> {
        let defaults = crate::contract::UploadOptions::default();
        Ok(crate::contract::UploadOptions {
            period: self.period.as_deref().map(crate::period::Period::parse).transpose()?,
            max_bytes: self.max_bytes.unwrap_or(defaults.max_bytes),
            max_rows: self.max_rows.unwrap_or(defaults.max_rows),
            allowed_regions: self.allowed_regions.as_ref().map(|r| r.iter().cloned().collect()),
        })
    }
}

/// The report of reading `bytes` with `options`: what the upload page shows, and what the
/// fixture snapshots hold (the same function runs natively and in wasm).
pub fn validation_report(catalog: &Catalog, bytes: &[u8], options: &UploadOptionsWire) -> Result<ReportWire, crate::period::PeriodError> {
    let options = options.to_options()?;
    let upload = crate::contract::read_upload(catalog, bytes, &options);
    Ok(ReportWire::from(&upload.report))
}

/// A file's cells as the upload page shows them, with the spreadsheet's own row numbers, so
/// that each problem of the report (row, column index) marks its cell.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridWire {
    /// The first rows of the sheet (at most the limit asked for).
    pub rows: Vec<GridRowWire>,
    /// How many rows the sheet has in all.
    pub total_rows: usize,
}

/// One row of a [`GridWire`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridRowWire {
    /// Spreadsheet row number (1-based).
    pub number: u32,
    /// The cells as written.
    pub cells: Vec<String>,
}

impl GridWire {
    /// The first `max_rows` rows of a grid.
    pub fn of(grid: &crate::contract::Grid, max_rows: usize) -> GridWire {
        GridWire {
            rows: grid.rows.iter().take(max_rows).map(|r| GridRowWire { number: r.number, cells: r.cells.to_vec() }).collect(),
            total_rows: grid.rows.len(),
        }
    }

    /// The grid of a CSV file's bytes, decoded the way [`validation_report`] reads them
    /// (`None` if the bytes are not text in a known encoding or not CSV).
    pub fn of_csv(bytes: &[u8], max_rows: usize) -> Option<GridWire> {
        use crate::contract::Rows;
        let (text, _) = crate::contract::decode(bytes).ok()?;
        // Read as the contract reads it, row by row: only the rows shown are kept.
        let mut rows = crate::contract::CsvRows::new(&text, usize::MAX);
        let mut grid = GridWire { rows: Vec::new(), total_rows: 0 };
        while let Some(row) = rows.next_row() {
            let row = row.ok()?;
            if grid.rows.len() < max_rows {
                grid.rows.push(GridRowWire { number: row.number, cells: row.cells.to_vec() });
            }
            grid.total_rows += 1;
        }
        Some(grid)
    }
}

/// A value an upload revises.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RevisionWire {
    /// Indicator id.
    pub indicator: String,
    /// Region code.
    pub region: String,
    /// Period.
    pub period: String,
    /// The value it replaces.
    pub old: Decimal,
    /// The new value.
    pub new: Decimal,
    /// Spreadsheet row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
}

/// What an upload changes: new values, revisions (old → new), and how many are unchanged.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangesWire {
    /// Values not known before: the first 5,000 (`new_count` says how many there are).
    pub new: Vec<ObservationWire>,
    /// Values that replace another value: the first 5,000 (`revised_count` says how many).
    pub revised: Vec<RevisionWire>,
    /// Values equal to what is known.
    pub unchanged: usize,
    /// How many values are new, listed or not.
    #[serde(default)]
    pub new_count: usize,
    /// How many values are revised, listed or not (a revert's withdrawn values included).
    #[serde(default)]
    pub revised_count: usize,
    /// Values removed (a revert of a value that did not exist before): the value removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withdrawn: Vec<KeyedValueWire>,
    /// Values a revert left alone because a later upload replaced them since: the value kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<KeyedValueWire>,
}

/// One value named by its key.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyedValueWire {
    /// Indicator id.
    pub indicator: String,
    /// Region code.
    pub region: String,
    /// Period.
    pub period: String,
    /// The value (none: no value).
    pub value: Option<Decimal>,
}

/// What happened to an upload.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadStatus {
    /// Stored (201).
    Committed,
    /// Checked only, `dry_run=true` (200).
    DryRun,
    /// Refused: the report has errors; nothing was stored (422, or 413 over a size limit).
    Rejected,
    /// The same file (or `Idempotency-Key`) was committed before; nothing new was stored (200).
    Duplicate,
}

/// An upload or a revert.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadKind {
    /// A file sent to the API or imported from the command line.
    Upload,
    /// The revisions restoring what an earlier upload replaced.
    Revert,
    /// A catalogue revision (`innogauge catalog apply`): no values, a new data version.
    Catalog,
}

/// A stored upload as the API lists it. Who sent it and the file's name are shown only to
/// signed-in users and token holders; the public sees when and how much.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UploadSummary {
    /// Id, which is also the data version right after it.
    pub id: i64,
    /// RFC 3339 time of the commit.
    pub created_at: String,
    /// Who (the token's or account's name); absent for the public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The file's name as sent; absent for the public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// SHA-256 of the file, hex (`revert:<id>` for a revert).
    pub sha256: String,
    /// Upload or revert.
    pub kind: UploadKind,
    /// The upload a revert reverts.
    #[serde(default)]
    pub reverts: Option<i64>,
    /// Data rows.
    pub rows: i64,
    /// New values.
    pub new_values: i64,
    /// Revised values.
    pub revised_values: i64,
    /// Unchanged values.
    pub unchanged_values: i64,
}

impl UploadSummary {
    /// What an anonymous reader may see: without who and which file.
    pub fn public(self) -> UploadSummary {
        UploadSummary { actor: None, file_name: None, ..self }
    }
}

/// The answer to `POST /api/v1/uploads` and to a revert.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UploadOutcome {
    /// What happened.
    pub status: UploadStatus,
    /// The stored upload (committed, or the earlier one for a duplicate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<UploadSummary>,
    /// The validation report.
    pub report: ReportWire,
    /// What the upload changes (or changed).
    #[serde(default)]
    pub changes: ChangesWire,
    /// The data version after the request.
    pub data_version: i64,
    /// The file as a grid, when asked for (`grid=true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<GridWire>,
}

/// `GET /api/v1/uploads/{id}`: one upload with its report and changes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UploadDetail {
    /// The upload.
    pub upload: UploadSummary,
    /// Its validation report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportWire>,
    /// What it changed (the first 5,000 new and revised values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<ChangesWire>,
}

impl ChangesWire {
    /// How many values are new (an answer stored before the count was kept lists them all).
    pub fn new_total(&self) -> usize {
        self.new_count.max(self.new.len())
    }

    /// How many values are revised (likewise).
    pub fn revised_total(&self) -> usize {
        self.revised_count.max(self.revised.len() + self.withdrawn.len())
    }

    /// At most this many new and this many revised values are listed; the counts say how many
    /// there are. An answer listing a million values was 100 MB of JSON nobody reads.
    pub const LISTED: usize = 5_000;

    /// The changes of an upload's `observations` against `current` (the values they were
    /// compared with), the first [`ChangesWire::LISTED`] of each kind listed.
    pub fn of(changes: &crate::revision::Changes, observations: &crate::observation::Observations, current: &crate::Dataset) -> Self {
        use crate::revision::Change;
        let new = changes.of_kind(Change::New).take(Self::LISTED).filter_map(|i| observations.get(i)).map(|o| ObservationWire::from(&o));
        let revised = changes.of_kind(Change::Revised).take(Self::LISTED).filter_map(|i| observations.get(i)).map(|o| RevisionWire {
            indicator: o.indicator.to_string(),
            region: o.region.to_string(),
            period: o.period.to_string(),
            old: current.reported(&o.indicator, &o.region, o.period).unwrap_or(Decimal::ZERO),
            new: o.value,
            row: o.row,
        });
        Self {
            new: new.collect(),
            revised: revised.collect(),
            unchanged: changes.unchanged_count(),
            new_count: changes.new_count(),
            revised_count: changes.revised_count(),
            withdrawn: Vec::new(),
            skipped: Vec::new(),
        }
    }
}

// ---------------------------------------------------------------------------------- read views

/// A series with everything needed to draw it against its target.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesView {
    /// The values.
    pub series: SeriesWire,
    /// Progress toward each target that applies (or the trend alone when none does); carries
    /// the required path and the projection.
    pub progress: Vec<ProgressWire>,
}

impl SeriesView {
    /// The summary a widget shows: see [`choose_progress`].
    pub fn progress_for(&self, wanted: Option<&str>) -> Option<&ProgressWire> {
        choose_progress(&self.progress, wanted)
    }
}

/// Which of a series' summaries to show when an indicator has several targets (the 2025 plan's
/// and the 2030 plan's): the one `wanted` names, by target id or deadline year (`2030`); else the
/// nearest open target (the earliest deadline without a final verdict; a target without a
/// deadline is open for good); else, when every target has passed, the latest deadline's; a
/// series without targets has its trend alone. A `wanted` that names none of them is ignored.
pub fn choose_progress<'a>(list: &'a [ProgressWire], wanted: Option<&str>) -> Option<&'a ProgressWire> {
    crate::progress::choose_target(list, wanted, |p| crate::progress::TargetKey {
        target: p.target.as_deref(),
        deadline: p.deadline.as_deref().and_then(|d| crate::period::Period::parse(d).ok()),
        settled: p.verdict.is_some(),
    })
}

/// A plan: the targets due in one year, and whether all of them have their final verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The deadline year.
    pub year: i32,
    /// Every target of the plan is settled (its deadline's data are in).
    pub ended: bool,
}

/// The plans among target summaries (a region's, or the city's), by deadline year, oldest
/// first, and the current one: the earliest with a target still open, or when every plan has
/// ended, the latest. Targets without a deadline (a cadence with no end) belong to no plan.
pub fn plans(list: &[ProgressWire]) -> (Vec<Plan>, Option<i32>) {
    let mut years: std::collections::BTreeMap<i32, bool> = std::collections::BTreeMap::new();
    for p in list.iter().filter(|p| p.target.is_some()) {
        let Some(year) = p.deadline.as_deref().and_then(|d| crate::period::Period::parse(d).ok()).map(crate::period::Period::year) else {
            continue;
        };
        let ended = years.entry(year).or_insert(true);
        *ended &= p.verdict.is_some();
    }
    let plans: Vec<Plan> = years.into_iter().map(|(year, ended)| Plan { year, ended }).collect();
    let current = plans.iter().find(|p| !p.ended).or(plans.last()).map(|p| p.year);
    (plans, current)
}

/// Whether a summary is one of the plan of `year`.
pub fn in_plan(p: &ProgressWire, year: i32) -> bool {
    p.target.is_some() && p.deadline.as_deref().and_then(|d| crate::period::Period::parse(d).ok()).is_some_and(|d| d.year() == year)
}

/// How a ranking orders regions.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankMeasure {
    /// The value itself.
    Value,
    /// Achievement of the region's target (value ÷ target level).
    Achievement,
    /// Growth on the same period a year earlier (同比).
    Growth,
}

impl RankMeasure {
    /// Parses `value`, `achievement`, `growth`.
    pub fn parse(text: &str) -> Option<RankMeasure> {
        match text {
            "value" => Some(RankMeasure::Value),
            "achievement" => Some(RankMeasure::Achievement),
            "growth" => Some(RankMeasure::Growth),
            _ => None,
        }
    }
}

/// One region in a ranking.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RankEntry {
    /// 1 for the best; regions without a figure come last with no rank.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<usize>,
    /// Region code.
    pub region: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The figure ranked (value, achievement ratio, or growth ratio).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub figure: Option<f64>,
    /// The value at the period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<PointWire>,
    /// The region's progress status (its first applicable target, or its trend).
    pub status: String,
}

/// A ranking of the districts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// Indicator id.
    pub indicator: String,
    /// The period ranked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// What is ranked.
    pub measure: RankMeasure,
    /// The threshold to draw, in the figure's terms: the growth target's rate for `growth`,
    /// 1 for `achievement`, none for `value`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Best first (in the indicator's direction).
    pub entries: Vec<RankEntry>,
}

/// Everything a dashboard needs in one response: every target's progress for every region it
/// applies to, and the latest values of every indicator in every region.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotView {
    /// Progress of every (target, region).
    pub progress: Vec<ProgressWire>,
    /// The latest point of every indicator in every region that has one.
    pub latest: Vec<LatestValue>,
}

/// The latest value of one series.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatestValue {
    /// Indicator id.
    pub indicator: String,
    /// Region code.
    pub region: String,
    /// The point.
    pub point: PointWire,
}

// ---------------------------------------------------------------------------------- evaluation

/// `GET /api/v1/evaluation`: the district innovation index at a period, every district.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationWire {
    /// The framework's id.
    pub framework: String,
    /// Its name.
    pub name_zh: String,
    /// Its English name.
    pub name_en: String,
    /// The quarter evaluated.
    pub period: String,
    /// The quarter rank changes and what moved the index are measured against (a year earlier).
    pub compared_with: String,
    /// Target scoring or min–max.
    pub method: Method,
    /// Share of the weight a district must cover to be rated.
    pub coverage_required: f64,
    /// Runs of the sensitivity analysis behind the rank intervals.
    pub sensitivity_runs: usize,
    /// The average index of the rated districts (the reference of tiers and groups).
    pub average: Option<f64>,
    /// The average score of each part over the rated districts.
    pub part_averages: Vec<PartScoreWire>,
    /// The parts.
    pub parts: Vec<EvaluationPartWire>,
    /// The measures.
    pub measures: Vec<EvaluationMeasureWire>,
    /// Where the evaluation comes from.
    pub source: SourceWire,
    /// Every district, in the catalogue's order.
    pub districts: Vec<EvaluationDistrictWire>,
}

/// How the evaluation turns measures into scores (`shared::evaluation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Method {
    /// `min(100, 100 · x / standard)`.
    #[default]
    Target,
    /// Min–max rescaling with outliers and skew treated.
    MinMax,
}

impl Method {
    /// The method in words.
    pub fn label(self) -> Bilingual {
        match self {
            Method::Target => Bilingual::new("目标值评分法", "target-based scoring"),
            Method::MinMax => Bilingual::new("极值标准化法", "min–max scoring"),
        }
    }

    /// Parses `target` or `min_max` (also `minmax`).
    pub fn parse(text: &str) -> Option<Method> {
        match text {
            "target" => Some(Method::Target),
            "min_max" | "minmax" => Some(Method::MinMax),
            _ => None,
        }
    }
}

/// A part of the framework.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationPartWire {
    /// Id.
    pub id: String,
    /// 中文名.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Relative weight.
    pub weight: f64,
}

/// A measure of the framework.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationMeasureWire {
    /// Id.
    pub id: String,
    /// Its part.
    pub part: String,
    /// 中文名.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The catalogue indicator measured.
    pub indicator: String,
    /// What it is divided by.
    pub denominator: Option<String>,
    /// The change on a year earlier.
    pub growth: bool,
    /// Unit of the measure.
    pub unit: String,
    /// The level scoring 100 under target scoring.
    pub standard: f64,
    /// Relative weight in its part.
    pub weight: f64,
    /// Where it comes from.
    pub note: Option<String>,
}

/// Where a figure or a method comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceWire {
    /// Seed file.
    pub seed: String,
    /// Document.
    pub document: String,
    /// Clause.
    pub clause: String,
    /// The words.
    pub quote: String,
}

/// One district's evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationDistrictWire {
    /// Region code.
    pub region: String,
    /// 中文名.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Its group (一区两群).
    pub group_zh: Option<String>,
    /// Whether it has enough data to be rated.
    pub rated: bool,
    /// The share of the framework's weight its data cover.
    pub coverage: f64,
    /// The index, 0–100 (none when not rated).
    pub index: Option<f64>,
    /// 1 for the highest; equal indices share a rank.
    pub rank: Option<usize>,
    /// The 5th–95th percentile rank over the sensitivity runs.
    pub rank_interval: Option<[usize; 2]>,
    /// Rank a year earlier minus rank now (positive: moved up).
    pub rank_change: Option<i64>,
    /// 1, 2 or 3 (第一、二、三梯队): at or above the average, from 80 % of it, below.
    pub tier: Option<u8>,
    /// `leader`, `strong`, `moderate` or `emerging` against the average.
    pub performance: Option<String>,
    /// Scores of the parts.
    pub parts: Vec<PartScoreWire>,
    /// Values, scores and percentile ranks of the measures.
    pub measures: Vec<MeasureScoreWire>,
    /// Measures at or above the 75th percentile (at most three).
    pub strengths: Vec<String>,
    /// Measures at or below the 25th percentile (at most three).
    pub weaknesses: Vec<String>,
    /// The measures that changed the index most since a year earlier, in index points.
    pub moved_by: Vec<MeasureShiftWire>,
}

/// A part's score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartScoreWire {
    /// The part.
    pub part: String,
    /// 0–100 (none without data).
    pub score: Option<f64>,
}

/// A measure of one district.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeasureScoreWire {
    /// The measure.
    pub measure: String,
    /// Its value in the measure's unit.
    pub value: Option<f64>,
    /// Its score, 0–100.
    pub score: Option<f64>,
    /// Its percentile rank among the rated districts (1: the best).
    pub percentile: Option<f64>,
}

/// How much a measure changed a district's index since a year earlier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeasureShiftWire {
    /// The measure.
    pub measure: String,
    /// Index points (positive: up).
    pub change: f64,
}

/// `GET /api/v1/evaluation`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct EvaluationQuery {
    /// The quarter; the latest that enough districts have data for when absent.
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<schemas::QuarterOrEmpty>))]
    pub period: Option<String>,
    /// Only this district (the others are still evaluated, for its rank).
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<schemas::DistrictOrEmpty>))]
    pub region: Option<String>,
    /// `target` (default) or `min_max`.
    #[serde(default)]
    pub method: Option<Method>,
    /// An upload id: the evaluation as the data stood right after it (a published report).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub as_of: Option<i64>,
}

// ---------------------------------------------------------------------------------- requests

/// Schemas of the parameters whose values come from the catalogue, for the OpenAPI document:
/// every indicator id and Chinese name, every region code and name, the canonical periods.
#[cfg(feature = "openapi")]
pub mod schemas {
    use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

    use crate::catalog::Catalog;

    fn one_of(description: &str, mut values: Vec<String>, empty: bool) -> Object {
        if empty {
            values.push(String::new());
        }
        ObjectBuilder::new().schema_type(Type::String).description(Some(description)).enum_values(Some(values)).build()
    }

    fn indicators() -> Vec<String> {
        let catalog = Catalog::builtin();
        let mut values: Vec<String> = catalog.indicators().iter().map(|i| i.id.to_string()).collect();
        values.extend(catalog.indicators().iter().map(|i| i.name_zh.clone()));
        values
    }

    fn regions() -> Vec<String> {
        let catalog = Catalog::builtin();
        let mut values: Vec<String> = catalog.regions().iter().map(|r| r.code.to_string()).collect();
        values.extend(catalog.regions().iter().map(|r| r.name_zh.clone()));
        values
    }

    /// An indicator: its id or Chinese name.
    pub fn indicator() -> Object {
        one_of("indicator id or Chinese name, e.g. high_tech_enterprises or 高新技术企业数量", indicators(), false)
    }

    /// An optional indicator: empty is the same as absent.
    pub fn indicator_or_empty() -> Object {
        one_of("indicator id or Chinese name, e.g. high_tech_enterprises or 高新技术企业数量; empty: none", indicators(), true)
    }

    /// A region: its code or name.
    pub fn region() -> Object {
        one_of("region code or name, e.g. 500118 or 永川区", regions(), false)
    }

    /// An optional region: empty is the same as absent.
    pub fn region_or_empty() -> Object {
        one_of("region code or name, e.g. 500118 or 永川区; empty: none", regions(), true)
    }

    /// An optional district (one of the 38, not the city or a zone): empty is the same as absent.
    pub fn district_or_empty() -> Object {
        let catalog = Catalog::builtin();
        let mut values: Vec<String> = catalog.districts().map(|r| r.code.to_string()).collect();
        values.extend(catalog.districts().map(|r| r.name_zh.clone()));
        one_of("district code or name, e.g. 500118 or 永川区; empty: none", values, true)
    }

    /// The widget types a chart picture is drawn for.
    pub fn chart_type() -> Object {
        let types = ["gauge", "ranking", "map", "board", "index-ranking", "index-profile", "index-map"];
        one_of("the widget type", types.iter().map(|t| (*t).to_owned()).collect(), false)
    }

    /// `zh` or `en`; empty: `zh`.
    pub fn lang_or_empty() -> Object {
        one_of("the language", vec!["zh".to_owned(), "en".to_owned()], true)
    }

    /// An optional quarter: empty is the same as absent.
    pub fn quarter_or_empty() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("a quarter: 2025Q3 (also 2025年三季度), years 1949–2100; empty: none"))
            .pattern(Some(format!("^({YEAR}Q[1-4])?$")))
            .build()
    }

    const YEAR: &str = "(19(49|[5-9][0-9])|20[0-9][0-9]|2100)";
    const PERIOD: &str = "(19(49|[5-9][0-9])|20[0-9][0-9]|2100)(Q[1-4]|H[12]|-(0[1-9]|1[0-2]))?";

    /// A period in its canonical spelling (the server also reads 2025年三季度, 2025年1-9月…).
    pub fn period() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("a period: 2025, 2025H1, 2025Q3 or 2025-09 (also 2025年三季度, 2025年1-9月 …), years 1949–2100"))
            .pattern(Some(format!("^{PERIOD}$")))
            .build()
    }

    /// Schema types of the parameters above, for `#[param(value_type = …)]` (a `schema_with`
    /// function would lose the parameter's description and whether it is required).
    macro_rules! named {
        ($($name:ident => $schema:ident),* $(,)?) => {$(
            #[doc = concat!("The `", stringify!($name), "` parameter schema.")]
            #[derive(Debug)]
            pub struct $name;
            impl utoipa::PartialSchema for $name {
                fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                    $schema().into()
                }
            }
            impl utoipa::ToSchema for $name {}
        )*};
    }
    named!(Indicator => indicator, IndicatorOrEmpty => indicator_or_empty, Region => region, RegionOrEmpty => region_or_empty, DistrictOrEmpty => district_or_empty, QuarterOrEmpty => quarter_or_empty, ChartType => chart_type, LangOrEmpty => lang_or_empty, PeriodText => period, PeriodOrEmpty => period_or_empty);

    /// An optional period: empty is the same as absent.
    pub fn period_or_empty() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("a period: 2025, 2025H1, 2025Q3 or 2025-09 (also 2025年三季度, 2025年1-9月 …), years 1949–2100; empty: none"))
            .pattern(Some(format!("^({PERIOD})?$")))
            .build()
    }
}

/// A query flag: `true`/`false` (also `1`/`0`, `yes`/`no`).
fn flag<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some("true" | "1" | "yes") => Ok(Some(true)),
        Some("false" | "0" | "no") => Ok(Some(false)),
        Some(other) => Err(serde::de::Error::custom(format!("`{other}` is not true or false"))),
    }
}

/// An optional text parameter, empty meaning absent.
fn text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.filter(|s| !s.trim().is_empty()))
}

/// One problem of a catalogue file, as the API and the admin page show it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogProblemWire {
    /// 1-based line of the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The section of the entry (`target`, `indicator`, `region`, `unit`, `group`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// The entry's key (its id, code or symbol).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// What is wrong and what to do.
    pub message: MessageWire,
    /// The whole line of the report, e.g. `第 12 行，目标 x：…` / `line 12, target x: …`.
    pub text: MessageWire,
}

impl From<&crate::catalog::CatalogProblem> for CatalogProblemWire {
    fn from(p: &crate::catalog::CatalogProblem) -> Self {
        CatalogProblemWire {
            line: p.line,
            section: p.entry.as_ref().map(|(s, _)| s.table().to_owned()),
            key: p.entry.as_ref().map(|(_, k)| k.clone()),
            message: (&p.message).into(),
            text: MessageWire { zh: p.text(crate::message::Lang::Zh), en: p.text(crate::message::Lang::En) },
        }
    }
}

/// One entry a catalogue file changes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogChangeWire {
    /// `target`, `indicator`, `region`, `unit` or `group`.
    pub section: String,
    /// The entry's key.
    pub key: String,
    /// `added`, `changed` or `removed`.
    pub kind: String,
    /// For a change: the fields that differ.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// The change in words.
    pub words: MessageWire,
}

impl From<&crate::catalog_change::Change> for CatalogChangeWire {
    fn from(c: &crate::catalog_change::Change) -> Self {
        CatalogChangeWire {
            section: c.section.table().to_owned(),
            key: c.key.clone(),
            kind: c.kind.as_str().to_owned(),
            fields: c.fields.clone(),
            words: (&c.words).into(),
        }
    }
}

/// What became of a catalogue file (`POST /api/v1/catalog`, `innogauge catalog apply`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogOutcome {
    /// `applied`, `dry_run` (checked only), `unchanged` (valid, but it changes nothing) or
    /// `rejected` (it has problems and changed nothing).
    pub status: String,
    /// The data version the revision became (applied), or the one it was checked against.
    pub data_version: i64,
    /// Every entry it changes (or would change).
    pub changes: Vec<CatalogChangeWire>,
    /// Every problem, in the order of the file's lines.
    pub problems: Vec<CatalogProblemWire>,
}

/// `GET /api/v1/catalog`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct CatalogQuery {
    /// An upload id: the catalogue in force right after it (the current one at or past the
    /// current version).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub as_of: Option<i64>,
}

/// `GET /api/v1/series`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct SeriesQuery {
    /// The indicator (id or Chinese name).
    #[cfg_attr(feature = "openapi", param(value_type = schemas::Indicator))]
    pub indicator: String,
    /// The region (code or name); the city when absent.
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<schemas::RegionOrEmpty>))]
    pub region: Option<String>,
    /// Judge progress at this period (later values are left out); the latest when absent.
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<schemas::PeriodOrEmpty>))]
    pub period: Option<String>,
    /// An upload id: the values as known right after it (the current data at or past the
    /// current version).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub as_of: Option<i64>,
}

/// `GET /api/v1/progress`: one series (indicator and region), every region of an indicator,
/// every target of a region, or every city target.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ProgressQuery {
    /// The indicator (id or Chinese name).
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<schemas::IndicatorOrEmpty>))]
    pub indicator: Option<String>,
    /// The region (code or name).
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<schemas::RegionOrEmpty>))]
    pub region: Option<String>,
    /// Judge progress at this period; the latest when absent.
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<schemas::PeriodOrEmpty>))]
    pub period: Option<String>,
}

/// `GET /api/v1/ranking`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct RankingQuery {
    /// The indicator (id or Chinese name).
    #[cfg_attr(feature = "openapi", param(value_type = schemas::Indicator))]
    pub indicator: String,
    /// The period; the latest when absent.
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<schemas::PeriodOrEmpty>))]
    pub period: Option<String>,
    /// What to rank by: `value` (default), `achievement` or `growth`.
    #[serde(default)]
    pub measure: Option<RankMeasure>,
}

/// `GET /api/v1/history`: every revision of one value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct HistoryQuery {
    /// The indicator (id or Chinese name).
    #[cfg_attr(feature = "openapi", param(value_type = schemas::Indicator))]
    pub indicator: String,
    /// The region (code or name).
    #[cfg_attr(feature = "openapi", param(value_type = schemas::Region))]
    pub region: String,
    /// The period.
    #[cfg_attr(feature = "openapi", param(value_type = schemas::PeriodText))]
    pub period: String,
}

/// `GET /api/v1/export.csv`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ExportQuery {
    /// Only this indicator.
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<schemas::IndicatorOrEmpty>))]
    pub indicator: Option<String>,
    /// Only this region.
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<schemas::RegionOrEmpty>))]
    pub region: Option<String>,
}

/// `GET /api/v1/uploads`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct UploadsQuery {
    /// How many: 50 by default, at least 1 and at most 500 (other numbers are taken to the
    /// nearest of those).
    #[serde(default)]
    pub limit: Option<i64>,
    /// Only uploads before this id (the next page).
    #[serde(default)]
    pub before: Option<i64>,
}

/// `POST /api/v1/uploads`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct UploadQuery {
    /// Validate and compare only; store nothing.
    #[serde(default, deserialize_with = "flag")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<bool>))]
    pub dry_run: Option<bool>,
    /// The period of a wide file without a title row.
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<schemas::PeriodOrEmpty>))]
    pub period: Option<String>,
    /// The file name of a raw body (tells CSV from Excel where the type does not).
    #[serde(default, deserialize_with = "text")]
    pub filename: Option<String>,
    /// Also answer the file's first 5,000 rows as `grid` (the upload page shows workbooks so).
    #[serde(default, deserialize_with = "flag")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<bool>))]
    pub grid: Option<bool>,
}

/// `POST /api/v1/session`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credentials {
    /// Sign-in name.
    pub login: String,
    /// Password.
    pub password: String,
}

/// The body of every error answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable, machine-readable: `not-found`, `bad-period`, `payload-too-large` …
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
}

/// `GET /healthz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// The data version (the id of the last upload).
    pub data_version: i64,
}

/// `GET /api/v1/snapshot`: every target's progress and every latest value, at a data version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnapshotWire {
    /// The data version the answer was computed at.
    pub data_version: i64,
    /// Progress of every target.
    pub progress: Vec<ProgressWire>,
    /// The latest value of every series.
    pub latest: Vec<LatestValue>,
}

/// One revision of a value (`GET /api/v1/history`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    /// Revision id.
    pub revision: i64,
    /// The upload that wrote it.
    pub upload: i64,
    /// RFC 3339 time of that upload.
    pub created_at: String,
    /// Who uploaded it.
    pub actor: String,
    /// The period as written.
    pub period: String,
    /// The value exactly as uploaded (none: withdrawn).
    pub value: Option<Decimal>,
    /// The statistician's note.
    pub note: Option<String>,
}

/// One commit as the event stream (`GET /api/v1/events`, event `commit`) carries it: what it
/// touched, so that each widget refetches only what changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommitEvent {
    /// The data version after the commit (its upload id, and the event id).
    pub version: i64,
    /// Indicators whose values changed, with the derived indicators computed from them.
    pub indicators: Vec<String>,
    /// Regions whose values changed, with the city when a district's additive value changed.
    pub regions: Vec<String>,
    /// Periods that changed.
    pub periods: Vec<String>,
    /// A catalogue revision (the stream's `catalog` event): targets, names or indicators may
    /// have changed, so every widget fetches the catalogue and its figures again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub catalog: bool,
}

impl CommitEvent {
    /// The event of commit `version`, naming what it touched.
    pub fn new(version: i64, touched: crate::revision::Touched) -> CommitEvent {
        CommitEvent {
            version,
            indicators: touched.indicators.into_iter().collect(),
            regions: touched.regions.into_iter().collect(),
            periods: touched.periods.into_iter().collect(),
            catalog: false,
        }
    }

    /// The event of catalogue revision `version`.
    pub fn catalog(version: i64) -> CommitEvent {
        CommitEvent { version, catalog: true, ..CommitEvent::default() }
    }
}

/// What a token or an account may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Everything, including reverts and other regions.
    Admin,
    /// Uploads for their regions only.
    Statistician,
    /// Reads (public data needs no token at all).
    Reader,
}

impl Role {
    /// Parses `admin`, `statistician`, `reader`.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "statistician" => Some(Role::Statistician),
            "reader" => Some(Role::Reader),
            _ => None,
        }
    }

    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Statistician => "statistician",
            Role::Reader => "reader",
        }
    }
}

/// `GET /api/v1/backup` (admins): the scheduled backups of this server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BackupStatus {
    /// Whether this server writes backups on a schedule (`--backup-dir`).
    pub scheduled: bool,
    /// The newest backup in the directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<BackupFile>,
}

/// One backup file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BackupFile {
    /// Its name (`innogauge-20261202T040000Z.db`).
    pub name: String,
    /// Its size.
    pub bytes: u64,
    /// RFC 3339 time it was written.
    pub written_at: String,
}

/// The signed-in account (`GET`/`POST /api/v1/session`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionUser {
    /// Sign-in name.
    pub login: String,
    /// Human name.
    pub name: String,
    /// What the account may do.
    pub role: Role,
    /// Region codes a statistician may write.
    pub regions: Vec<String>,
}

/// A session: the account and the CSRF token every cookie-authenticated write must echo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionWire {
    /// The account.
    pub user: SessionUser,
    /// Echoed in `X-CSRF-Token`.
    pub csrf: String,
    /// RFC 3339 end of the session.
    #[serde(default)]
    pub expires_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_grid_keeps_the_spreadsheet_row_numbers() {
        let grid = GridWire::of_csv("标题\n\nindicator,value\nx,1\ny,2\n".as_bytes(), 3).unwrap();
        assert_eq!(grid.total_rows, 4);
        assert_eq!(grid.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 3, 4]);
        assert_eq!(grid.rows[1].cells.to_vec(), ["indicator", "value"]);
    }

    #[test]
    fn a_final_verdict_is_said_as_such_and_an_open_target_counts_its_quarters() {
        use crate::dataset::{Origin, Point};
        let catalog = Catalog::builtin();
        let target = catalog.target("tech_smes_2025").unwrap();
        let indicator = catalog.indicator("tech_smes").unwrap();
        let series = |points: &[(&str, f64)]| {
            Series::new(
                "tech_smes".into(),
                "500000".into(),
                points.iter().map(|&(p, value)| Point {
                    period: crate::Period::parse(p).unwrap(),
                    value,
                    exact: value.into(),
                    origin: Origin::Reported,
                }),
            )
        };
        let missed = ProgressWire::new(
            catalog,
            &crate::progress::progress(indicator, target, &series(&[("2021Q4", 36_900.0), ("2025Q4", 44_812.0)])),
        );
        assert_eq!(missed.status, "target_missed");
        let verdict = missed.verdict.as_ref().unwrap();
        assert_eq!(verdict.text.zh, "2025年目标未实现（最终结果），差188家");
        assert_eq!(verdict.text.en, "2025 target missed (final), short by 188 家");
        assert!(missed.summary.zh.ends_with("，2025年目标未实现（最终结果），差188家。"), "{}", missed.summary.zh);
        assert!(missed.projected.is_none());
        let open = ProgressWire::new(
            catalog,
            &crate::progress::progress(indicator, target, &series(&[("2021Q4", 36_900.0), ("2025Q3", 44_000.0)])),
        );
        assert_eq!((open.verdict.as_ref(), open.quarters_remaining), (None, Some(1)));
        assert!(open.summary.en.ends_with("(1 quarter of data to come before the deadline)."), "{}", open.summary.en);
        let json = serde_json::to_value(&missed).unwrap();
        assert_eq!(json["verdict"]["measure"], "level");
        assert_eq!(serde_json::from_value::<ProgressWire>(json).unwrap(), missed);
    }

    #[test]
    fn trend_wire_evaluates_like_the_model() {
        for trend in [Trend::Geometric { t0: 2020.0, x0: 100.0, rate: 0.1 }, Trend::Linear { t0: 2020.0, x0: 100.0, slope: 5.0 }] {
            let wire = TrendWire::from(trend);
            assert!((wire.at(2023.25) - trend.at(2023.25)).abs() < 1e-9);
        }
    }
}

/// A published report (`GET /api/v1/reports`, `POST /api/v1/reports/{period}/publish`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedReportWire {
    /// The quarter.
    pub period: String,
    /// `zh` or `en`.
    pub lang: String,
    /// The data version (upload id) it was built from.
    pub data_version: i64,
    /// RFC 3339 time of publication.
    pub published_at: String,
    /// Its permanent HTML address (a path on this server).
    pub html: String,
    /// Its permanent PDF address.
    pub pdf: String,
    /// Size of the PDF in bytes.
    pub pdf_bytes: i64,
    /// SHA-256 of the PDF, hex.
    pub sha256_pdf: String,
}

/// `GET /api/v1/chart.svg`: a widget as a picture, by the widget's own attributes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ChartQuery {
    /// The widget type: `gauge`, `ranking`, `map`, `board`, `index-ranking`, `index-profile`,
    /// `index-map` (as `data-innogauge`).
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", param(value_type = schemas::ChartType))]
    pub kind: String,
    /// The indicator (gauge, ranking, map).
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<schemas::IndicatorOrEmpty>))]
    pub indicator: Option<String>,
    /// The region (gauge, board; the district outlined or profiled); the city when absent.
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<schemas::RegionOrEmpty>))]
    pub region: Option<String>,
    /// Judge at this period; the latest when absent.
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<schemas::PeriodOrEmpty>))]
    pub period: Option<String>,
    /// The ranking's measure.
    #[serde(default)]
    pub measure: Option<RankMeasure>,
    /// The evaluation's scoring.
    #[serde(default)]
    pub method: Option<Method>,
    /// A gauge's target where its indicator has several: a target id or a deadline year
    /// (as `data-target`); the nearest open target when absent.
    #[serde(default, deserialize_with = "text")]
    pub target: Option<String>,
    /// `zh` (default) or `en`.
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<schemas::LangOrEmpty>))]
    pub lang: Option<String>,
}

#[cfg(test)]
mod plan_tests {
    use super::*;

    fn summary(target: &str, deadline: &str, settled: bool) -> ProgressWire {
        ProgressWire {
            target: Some(target.to_owned()),
            indicator: "tech_smes".to_owned(),
            region: "500000".to_owned(),
            status: "substantial".to_owned(),
            status_label: MessageWire { zh: String::new(), en: String::new() },
            latest: None,
            base: None,
            target_value: None,
            deadline: Some(deadline.to_owned()),
            met: false,
            achievement: None,
            expected_now: None,
            projected: None,
            growth_still_required: None,
            observed_growth: None,
            required_growth: None,
            ratio: None,
            year_on_year: None,
            required_path: None,
            projection: None,
            events_held: None,
            events_required: None,
            verdict: settled.then(|| VerdictWire {
                achieved: true,
                margin: None,
                measure: "level".to_owned(),
                text: MessageWire { zh: String::new(), en: String::new() },
                detail: MessageWire { zh: String::new(), en: String::new() },
            }),
            quarters_remaining: None,
            summary: MessageWire { zh: String::new(), en: String::new() },
        }
    }

    #[test]
    fn the_current_plan_is_the_earliest_with_an_open_target() {
        let list = [
            summary("a_2023", "2023", true),
            summary("a_2025", "2025", false),
            summary("b_2025", "2025Q4", true),
            summary("a_2030", "2030", false),
        ];
        let (plans, current) = plans(&list);
        assert_eq!(plans, [Plan { year: 2023, ended: true }, Plan { year: 2025, ended: false }, Plan { year: 2030, ended: false }]);
        assert_eq!(current, Some(2025));
        let all_ended = [summary("a_2023", "2023", true), summary("a_2025", "2025", true)];
        assert_eq!(super::plans(&all_ended).1, Some(2025), "every plan ended: the latest");
        assert!(in_plan(&list[2], 2025) && !in_plan(&list[0], 2025));
    }
}
