//! Progress toward a target: the maths every widget and API response shows.
//!
//! The method is the Open SDG / Statistics Canada / UN ESCAP one (sdg-build's progress
//! measure): compare the growth achieved since a base year with the growth needed to reach the
//! target on time, both as compound annual growth rates, and sort the ratio into categories.
//!
//! ```text
//!   CAGR_observed = (x_t / x_0)^(1 / (t − t_0)) − 1
//!   CAGR_required = (L / x_0)^(1 / (T − t_0)) − 1
//!   P             = (d · CAGR_observed) / (d · CAGR_required)      d = +1 higher is better, −1 lower
//!
//!   target met now                → target_achieved
//!   P ≥ 0.95                      → substantial     (on track)
//!   0.6 ≤ P < 0.95                → moderate        (progress, acceleration needed)
//!   0 ≤ P < 0.6                   → limited
//!   P < 0                         → deterioration
//!   fewer than two usable points  → not_available
//! ```
//!
//! `x_0` is the value at the base period `t_0`, `x_t` the latest value at `t`, `L` the target
//! level due at the end of the deadline `T`; times are in years, with the end of a calendar
//! year a whole number ([`Period::end_in_years`]). When a value is zero or negative the
//! geometric rates are undefined and the same comparison is made with linear rates
//! (`(x_t − x_0)/(t − t_0)` against `(L − x_0)/(T − t_0)`), e.g. a count of platforms
//! starting from 0.
//!
//! Derived quantities, all in the indicator's unit:
//!
//! * **expected now**: the value on the required path at `t`: `x_0 · (1 + CAGR_required)^(t − t_0)`;
//! * **projected**: the value at `T` if the observed trend continues: `x_t · (1 + CAGR_observed)^(T − t)`;
//! * **growth still required** per year from now: `(L / x_t)^(1 / (T − t)) − 1`;
//! * **achievement**: `x_t / L` (or `L / x_t` when lower is better); 1 means reached;
//! * **year-on-year growth** (同比): `x_t / x_(t−1 year, same period) − 1`.
//!
//! Flows are reported year-to-date, so they are only compared with the same months of another
//! year: the observed growth of a flow is `(x_t / x_0,same months)^(1/whole years) − 1`, the
//! target level is a full-year value, the path and projection are full-year values at year
//! ends, "expected now" is the same-months base grown at the required rate, and achievement
//! uses the last full year (or the year-to-date value once in the deadline year, when reaching
//! the level early means it is reached). A flow target without a base year (the 2023 activity
//! counts) is judged by pace within the deadline year: `P = x_t / (L · months/12)`.
//!
//! **Growth targets** ("R&D spending ≥ 10 % a year in every district") imply a level per
//! region, `L = x_0,full year · (1 + r)^(T − t_0)`, so the same machinery applies and
//! `CAGR_required = r`; the target is achieved when the deadline year is complete and the
//! average growth since the base meets the threshold.
//!
//! **Cadence targets** ("twice a year from 2021 H1") count events per window. Where the data
//! resolves every completed window (quarterly data, yearly or half-yearly windows), `P` is the
//! share of windows that held at least `times` events, and the target is being met when every
//! window did; otherwise, with `C` events held since the first window and
//! `R = times × completed windows` due, `P = C / R`.
//!
//! **Without a target**, the observed CAGR alone is judged, as sdg-build does: ≥ 1.5 %
//! substantial, ≥ 0.5 % moderate, ≥ 0 limited, below 0 deterioration (sign-adjusted by `d`).
//!
//! A target whose deadline has passed is judged at the deadline, so later data never rewrites
//! whether a 2023 target was met.
//!
//! **The final verdict.** Once the data reach the end of the deadline (2025Q4, or the annual
//! 2025 value), the judgement is final: [`Status::TargetAchieved`] or [`Status::TargetMissed`],
//! with a [`Verdict`] saying by how much (the gap to the level in the indicator's unit, the
//! achieved average growth against the required one for growth targets, events for cadences),
//! and nothing forward-looking is left (no projection, no growth still required). Until then
//! [`Progress::quarters_remaining`] counts the quarters of data still to come.

use std::sync::Arc;

use crate::dataset::{Point, Series};
use crate::indicator::{Indicator, MeasureKind};
use crate::message::Bilingual;
use crate::period::Period;
use crate::target::{Rule, Target};

/// Ratio thresholds of the categories (sdg-build).
pub const SUBSTANTIAL_RATIO: f64 = 0.95;
/// See [`SUBSTANTIAL_RATIO`].
pub const MODERATE_RATIO: f64 = 0.6;
/// Observed growth thresholds without a target (sdg-build): 1.5 % and 0.5 % a year.
pub const NO_TARGET_SUBSTANTIAL_GROWTH: f64 = 0.015;
/// See [`NO_TARGET_SUBSTANTIAL_GROWTH`].
pub const NO_TARGET_MODERATE_GROWTH: f64 = 0.005;

/// The progress category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// The target is met.
    TargetAchieved,
    /// On track: P ≥ 0.95.
    Substantial,
    /// Progress, but acceleration needed: 0.6 ≤ P < 0.95.
    Moderate,
    /// Limited progress: 0 ≤ P < 0.6.
    Limited,
    /// Moving away from the target: P < 0.
    Deterioration,
    /// The deadline's data are in and the target was not met (final).
    TargetMissed,
    /// Too few points to judge.
    NotAvailable,
}

impl Status {
    /// All statuses, best first.
    pub const ALL: [Status; 7] = [
        Status::TargetAchieved,
        Status::Substantial,
        Status::Moderate,
        Status::Limited,
        Status::Deterioration,
        Status::TargetMissed,
        Status::NotAvailable,
    ];

    /// The category of a ratio P of observed to required growth.
    pub fn from_ratio(ratio: f64) -> Status {
        if ratio.is_nan() {
            Status::NotAvailable
        } else if ratio >= SUBSTANTIAL_RATIO {
            Status::Substantial
        } else if ratio >= MODERATE_RATIO {
            Status::Moderate
        } else if ratio >= 0.0 {
            Status::Limited
        } else {
            Status::Deterioration
        }
    }

    /// The code used by the API and the widgets: `target_achieved`, `substantial`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Status::TargetAchieved => "target_achieved",
            Status::Substantial => "substantial",
            Status::Moderate => "moderate",
            Status::Limited => "limited",
            Status::Deterioration => "deterioration",
            Status::TargetMissed => "target_missed",
            Status::NotAvailable => "not_available",
        }
    }

    /// Parses [`Status::as_str`].
    pub fn parse(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// The status in words; widgets always show it beside the colour.
    pub fn label(self) -> Bilingual {
        match self {
            Status::TargetAchieved => Bilingual::new("已实现目标", "Target achieved"),
            Status::Substantial => Bilingual::new("进展良好，有望按期实现", "On track"),
            Status::Moderate => Bilingual::new("有进展，需加快", "Progress made, acceleration needed"),
            Status::Limited => Bilingual::new("进展有限", "Limited progress"),
            Status::Deterioration => Bilingual::new("出现倒退", "Deterioration"),
            Status::TargetMissed => Bilingual::new("未实现目标", "Target missed"),
            Status::NotAvailable => Bilingual::new("数据不足", "Not enough data"),
        }
    }
}

/// A growth path: geometric (`x_0 · (1+rate)^(t−t_0)`) or, where values are not positive,
/// linear (`x_0 + slope · (t−t_0)`). Times in years as [`Period::end_in_years`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Trend {
    /// Compound growth at `rate` a year (0.1 = 10 %).
    Geometric {
        /// Start time.
        t0: f64,
        /// Start value.
        x0: f64,
        /// Growth per year.
        rate: f64,
    },
    /// Straight line.
    Linear {
        /// Start time.
        t0: f64,
        /// Start value.
        x0: f64,
        /// Change per year.
        slope: f64,
    },
}

impl Trend {
    /// The value at time `t`.
    pub fn at(self, t: f64) -> f64 {
        match self {
            Trend::Geometric { t0, x0, rate } => x0 * (1.0 + rate).powf(t - t0),
            Trend::Linear { t0, x0, slope } => x0 + slope * (t - t0),
        }
    }

    /// The value at the end of `period`.
    pub fn at_period(self, period: Period) -> f64 {
        self.at(period.end_in_years())
    }

    /// The trend through `(t0, x0)` and `(t1, x1)`: geometric if both are positive.
    fn through(t0: f64, x0: f64, t1: f64, x1: f64) -> Option<Trend> {
        let span = t1 - t0;
        if span <= 0.0 || !x0.is_finite() || !x1.is_finite() {
            return None;
        }
        Some(if x0 > 0.0 && x1 > 0.0 {
            Trend::Geometric { t0, x0, rate: (x1 / x0).powf(1.0 / span) - 1.0 }
        } else {
            Trend::Linear { t0, x0, slope: (x1 - x0) / span }
        })
    }

    /// The same growth starting from another point.
    fn restarted_at(self, t0: f64, x0: f64) -> Trend {
        match self {
            Trend::Geometric { rate, .. } => Trend::Geometric { t0, x0, rate },
            Trend::Linear { slope, .. } => Trend::Linear { t0, x0, slope },
        }
    }

    /// The rate of change in comparable terms: the growth rate, or the slope.
    fn pace(self) -> f64 {
        match self {
            Trend::Geometric { rate, .. } => rate,
            Trend::Linear { slope, .. } => slope,
        }
    }

    /// The growth rate a year if geometric.
    pub fn rate(self) -> Option<f64> {
        match self {
            Trend::Geometric { rate, .. } => Some(rate),
            Trend::Linear { .. } => None,
        }
    }
}

/// Progress of a cadence target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CadenceProgress {
    /// Events held since the first window began.
    pub held: f64,
    /// Events required by the completed windows.
    pub required: f64,
    /// Completed windows.
    pub windows: u32,
}

/// Progress of one series toward one target (or, without a target, its trend).
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// Target id, if judged against a target.
    pub target: Option<Arc<str>>,
    /// Indicator id.
    pub indicator: Arc<str>,
    /// Region code.
    pub region: Arc<str>,
    /// The point judged: the latest, or the last one by the deadline.
    pub latest: Option<Point>,
    /// The base point growth is measured from (for flows: the same months of the base year).
    pub base: Option<Point>,
    /// The level aimed at by the deadline (implied by a growth target).
    pub target_value: Option<f64>,
    /// The deadline.
    pub deadline: Option<Period>,
    /// Whether the target is met by the latest value.
    pub met: bool,
    /// Latest comparable value ÷ target level (1 = reached).
    pub achievement: Option<f64>,
    /// The value expected at the latest period on the required path.
    pub expected_now: Option<f64>,
    /// The value expected at the deadline if the observed trend continues.
    pub projected: Option<f64>,
    /// Growth per year still needed from now to reach the target (0.08 = 8 %).
    pub growth_still_required: Option<f64>,
    /// Average growth a year since the base (CAGR observed).
    pub observed_growth: Option<f64>,
    /// Average growth a year the target requires from the base (CAGR required).
    pub required_growth: Option<f64>,
    /// P, observed over required.
    pub ratio: Option<f64>,
    /// Growth on the same period a year earlier (同比).
    pub year_on_year: Option<f64>,
    /// The required path, for charts (for flows: full-year values at year ends).
    pub required_path: Option<Trend>,
    /// The observed trend continued, for charts (for flows: full-year values at year ends).
    pub projection: Option<Trend>,
    /// Cadence details.
    pub cadence: Option<CadenceProgress>,
    /// The category.
    pub status: Status,
    /// The final verdict, once the deadline's data are in.
    pub verdict: Option<Verdict>,
    /// Quarters of data still to come before the deadline (0 < n), while the target is open.
    pub quarters_remaining: Option<u32>,
}

/// The final judgement of a target whose deadline's data are in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
    /// Whether the target was met at the deadline.
    pub achieved: bool,
    /// How far beyond (positive) or short of (negative) the target, in the good direction, as
    /// [`Verdict::measure`] says.
    pub margin: Option<f64>,
    /// What [`Verdict::margin`] counts.
    pub measure: Margin,
}

/// What a verdict's margin is measured in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Margin {
    /// The indicator's unit: the value at the deadline minus the level.
    Level,
    /// Average annual growth achieved minus required (0.01 = one percentage point).
    Growth,
    /// Events held minus events due.
    Events,
}

impl Margin {
    /// The code used on the wire: `level`, `growth` or `events`.
    pub fn as_str(self) -> &'static str {
        match self {
            Margin::Level => "level",
            Margin::Growth => "growth",
            Margin::Events => "events",
        }
    }
}

impl Progress {
    fn empty(target: Option<&Target>, series: &Series) -> Progress {
        Progress {
            target: target.map(|t| t.id.clone()),
            indicator: series.indicator.clone(),
            region: series.region.clone(),
            latest: None,
            base: None,
            target_value: None,
            deadline: target.and_then(|t| t.rule.deadline()),
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
            cadence: None,
            status: Status::NotAvailable,
            verdict: None,
            quarters_remaining: None,
        }
    }
}

/// What [`choose_target`] needs to know of a summary.
#[derive(Clone, Copy, Debug)]
pub struct TargetKey<'a> {
    /// Target id (none: the trend of an indicator without targets).
    pub target: Option<&'a str>,
    /// Deadline (none: a cadence without an end).
    pub deadline: Option<Period>,
    /// Whether its verdict is final.
    pub settled: bool,
}

/// Which of a series' summaries to show when an indicator has several targets (the 2025 plan's
/// and the 2030 plan's): the one `wanted` names, by target id or deadline year (`2030`); else the
/// nearest open target (the earliest deadline without a final verdict; a target without a
/// deadline stays open); else, when every target has passed, the latest deadline's. A `wanted`
/// that names none of them is ignored.
pub fn choose_target<'a, T>(list: &'a [T], wanted: Option<&str>, key: impl Fn(&T) -> TargetKey<'_>) -> Option<&'a T> {
    if let Some(wanted) = wanted.map(str::trim).filter(|w| !w.is_empty()) {
        let year: Option<i32> = wanted.parse().ok();
        let named = list.iter().find(|p| key(p).target == Some(wanted)).or_else(|| {
            let year = year?;
            list.iter().find(|p| key(p).deadline.is_some_and(|d| d.year() == year))
        });
        if named.is_some() {
            return named;
        }
    }
    let deadline = |p: &T| key(p).deadline.map(Period::month_index);
    let open = list.iter().filter(|p| !key(p).settled).min_by_key(|p| deadline(p).unwrap_or(i32::MAX));
    open.or_else(|| list.iter().max_by_key(|p| deadline(p).unwrap_or(i32::MIN)))
}

/// The [`TargetKey`] of a computed summary.
pub fn target_key(p: &Progress) -> TargetKey<'_> {
    TargetKey { target: p.target.as_deref(), deadline: p.deadline, settled: p.verdict.is_some() }
}

/// Progress of `series` (of `indicator`) toward `target`.
pub fn progress(indicator: &Indicator, target: &Target, series: &Series) -> Progress {
    let mut result = Progress::empty(Some(target), series);
    let series = match target.rule.deadline() {
        Some(deadline) => series.until(deadline),
        None => series.clone(),
    };
    let Some(&latest) = series.latest() else { return result };
    result.latest = Some(latest);
    result.year_on_year = year_on_year(&series, latest);
    match &target.rule {
        Rule::Level { bound, base, deadline } | Rule::Share { bound, base, deadline } => {
            let level = bound.level(indicator.direction);
            result.target_value = Some(level);
            result.met = bound.is_met(latest.value, indicator.direction);
            if indicator.measure == MeasureKind::Flow {
                let base_year = base.map(Period::year);
                judge_flow(&mut result, indicator, &series, latest, level, base_year, *deadline, |v| bound.is_met(v, indicator.direction));
            } else {
                let base_point = base.map_or_else(|| series.points.first().copied(), |b| point_at_or_after(&series, b));
                judge_level(&mut result, indicator, latest, level, base_point, *deadline);
            }
        }
        Rule::Growth { bound, base, deadline } => {
            let rate = bound.level(indicator.direction) / 100.0;
            let base_value = series.at(Period::Year(base.year())).map(|p| p.value);
            let Some(base_value) = base_value else { return result };
            let years = f64::from(deadline.year() - base.year());
            let level = base_value * (1.0 + rate).powf(years);
            result.target_value = Some(level);
            let bound = *bound;
            let direction = indicator.direction;
            if indicator.measure == MeasureKind::Flow {
                judge_flow(&mut result, indicator, &series, latest, level, Some(base.year()), *deadline, |_| false);
            } else {
                let base_point = point_at_or_after(&series, Period::Year(base.year()));
                judge_level(&mut result, indicator, latest, level, base_point, *deadline);
            }
            // Achieved only once the deadline year is complete and the average growth held.
            let complete = latest.period.month_index() >= Period::Year(deadline.year()).month_index();
            result.met = complete && result.observed_growth.is_some_and(|g| bound.is_met(g * 100.0, direction));
            if result.met {
                result.status = Status::TargetAchieved;
            } else if result.status == Status::TargetAchieved {
                // Reaching the implied level early is on track, not yet achieved.
                result.status = Status::Substantial;
            }
        }
        Rule::Cadence { times, every_months, from, .. } => judge_cadence(&mut result, &series, latest, *times, *every_months, *from),
    }
    settle(&mut result, indicator, target, latest);
    result
}

/// The final verdict once the data reach the end of the deadline; until then, the quarters of
/// data still to come.
fn settle(result: &mut Progress, indicator: &Indicator, target: &Target, latest: Point) {
    let Some(deadline) = target.rule.deadline() else { return };
    let months_left = deadline.month_index() - latest.period.month_index();
    if months_left > 0 {
        result.quarters_remaining = u32::try_from((months_left + 2) / 3).ok();
        return;
    }
    let d = indicator.direction.sign();
    let (margin, measure) = match &target.rule {
        Rule::Growth { .. } => (result.observed_growth.zip(result.required_growth).map(|(o, r)| d * (o - r)), Margin::Growth),
        Rule::Cadence { .. } => (result.cadence.map(|c| c.held - c.required), Margin::Events),
        Rule::Level { .. } | Rule::Share { .. } => (result.target_value.map(|level| d * (latest.value - level)), Margin::Level),
    };
    result.verdict = Some(Verdict { achieved: result.met, margin, measure });
    result.status = if result.met { Status::TargetAchieved } else { Status::TargetMissed };
    // Nothing forward-looking remains about a target whose time is up.
    result.projected = None;
    result.projection = None;
    result.growth_still_required = None;
}

/// Progress of a series without a target: its trend alone (sdg-build's no-target method).
pub fn trend(indicator: &Indicator, series: &Series) -> Progress {
    let mut result = Progress::empty(None, series);
    let Some(&latest) = series.latest() else { return result };
    result.latest = Some(latest);
    result.year_on_year = year_on_year(series, latest);
    let base = match indicator.measure {
        // The earliest value of the same months.
        MeasureKind::Flow => series.points.iter().find(|p| p.period.end_month() == latest.period.end_month()).copied(),
        _ => series.points.first().copied(),
    };
    let Some(base) = base else { return result };
    result.base = Some(base);
    let span = elapsed(indicator, base, latest);
    if let Some(observed) = Trend::through(0.0, base.value, span, latest.value).filter(|_| span > 0.0) {
        result.observed_growth = observed.rate();
        let d = indicator.direction.sign();
        let growth = observed.rate().unwrap_or_else(|| observed.pace() / base.value.abs().max(1.0));
        result.status = match d * growth {
            g if g >= NO_TARGET_SUBSTANTIAL_GROWTH => Status::Substantial,
            g if g >= NO_TARGET_MODERATE_GROWTH => Status::Moderate,
            g if g >= 0.0 => Status::Limited,
            _ => Status::Deterioration,
        };
    }
    result
}

/// Years between two comparable points: fractional for stocks and ratios, whole years of the
/// same months for flows.
fn elapsed(indicator: &Indicator, base: Point, latest: Point) -> f64 {
    match indicator.measure {
        MeasureKind::Flow => f64::from(latest.period.year() - base.period.year()),
        _ => latest.period.end_in_years() - base.period.end_in_years(),
    }
}

fn point_at_or_after(series: &Series, period: Period) -> Option<Point> {
    series.points.iter().find(|p| p.period.month_index() >= period.month_index()).copied()
}

fn year_on_year(series: &Series, latest: Point) -> Option<f64> {
    let previous = series.at(latest.period.year_earlier())?;
    (previous.value != 0.0).then(|| latest.value / previous.value - 1.0)
}

/// P from observed and required paces, with the sign convention of the module docs.
fn ratio(d: f64, observed: f64, required: f64) -> Option<f64> {
    let required = d * required;
    (required > 0.0).then(|| d * observed / required)
}

/// Stocks and ratios: a level at any time, compared on the geometric (or linear) path.
fn judge_level(result: &mut Progress, indicator: &Indicator, latest: Point, level: f64, base: Option<Point>, deadline: Period) {
    let d = indicator.direction.sign();
    let t = latest.period.end_in_years();
    let big_t = deadline.end_in_years();
    result.achievement = achievement(d, latest.value, level);
    result.growth_still_required = remaining_growth(latest.value, level, big_t - t);
    let Some(base) = base else {
        result.status = if result.met { Status::TargetAchieved } else { Status::NotAvailable };
        return;
    };
    result.base = Some(base);
    let t0 = base.period.end_in_years();
    let required = Trend::through(t0, base.value, big_t, level);
    result.required_path = required;
    result.required_growth = required.and_then(Trend::rate);
    result.expected_now = required.map(|r| r.at(t));
    let observed = Trend::through(t0, base.value, t, latest.value);
    result.observed_growth = observed.and_then(Trend::rate);
    result.projection = observed.map(|o| o.restarted_at(t, latest.value));
    result.projected = result.projection.map(|p| p.at(big_t));
    result.ratio = match (observed, required) {
        (Some(o), Some(r)) => ratio(d, comparable_pace(o, r), r.pace()),
        _ => None,
    };
    let moved = observed.map(|o| d * o.pace());
    result.status = status(result.met, result.ratio, moved, required);
}

/// Observed pace in the units of the required one (both geometric, or both linear).
fn comparable_pace(observed: Trend, required: Trend) -> f64 {
    match (observed, required) {
        (Trend::Geometric { rate, .. }, Trend::Geometric { .. }) => rate,
        // The first year's absolute change against the required slope.
        (Trend::Geometric { x0, rate, .. }, Trend::Linear { .. }) => x0 * rate,
        (Trend::Linear { slope, x0, .. }, Trend::Geometric { .. }) => slope / x0.abs().max(f64::MIN_POSITIVE),
        (Trend::Linear { slope, .. }, Trend::Linear { .. }) => slope,
    }
}

/// The status from P, or, where no growth is required (the base already stood at or past the
/// level), from how the value moved since (`moved`: the observed pace, sign-adjusted).
fn status(met: bool, ratio: Option<f64>, moved: Option<f64>, required: Option<Trend>) -> Status {
    if met {
        return Status::TargetAchieved;
    }
    match (ratio, moved, required) {
        (Some(p), _, _) => Status::from_ratio(p),
        // The base met the target and the latest does not: it fell.
        (None, Some(m), Some(_)) if m < 0.0 => Status::Deterioration,
        // Standing still at a level that a strict target ("more than 15 %") needs exceeded:
        // nothing fell, nothing was gained.
        (None, Some(_), Some(_)) => Status::Limited,
        _ => Status::NotAvailable,
    }
}

fn achievement(d: f64, value: f64, level: f64) -> Option<f64> {
    if d > 0.0 { (level != 0.0).then(|| value / level) } else { (value != 0.0).then(|| level / value) }
}

fn remaining_growth(value: f64, level: f64, years: f64) -> Option<f64> {
    (years > 0.0 && value > 0.0 && level > 0.0).then(|| (level / value).powf(1.0 / years) - 1.0)
}

/// Flows: same-months comparisons; path and projection in full-year values at year ends.
#[allow(clippy::too_many_arguments)]
fn judge_flow(
    result: &mut Progress,
    indicator: &Indicator,
    series: &Series,
    latest: Point,
    level: f64,
    base_year: Option<i32>,
    deadline: Period,
    is_met: impl Fn(f64) -> bool,
) {
    let d = indicator.direction.sign();
    let deadline_year = deadline.year();
    let in_deadline_year = latest.period.year() >= deadline_year;
    let months = f64::from(latest.period.end_month());
    // The last complete year: the latest if it is a December value, else the year before.
    let last_full = if latest.period.end_month() == 12 { Some(latest) } else { series.at(Period::Year(latest.period.year() - 1)).copied() };
    result.met = in_deadline_year && is_met(latest.value);
    result.achievement =
        if in_deadline_year { achievement(d, latest.value, level) } else { last_full.and_then(|p| achievement(d, p.value, level)) };
    if let Some(full) = last_full {
        result.growth_still_required = remaining_growth(full.value, level, f64::from(deadline_year - full.period.year()));
    }
    let Some(base_year) = base_year else {
        // Pace within the deadline year: a share of the annual level, pro rata by month.
        if in_deadline_year {
            let expected = level * months / 12.0;
            result.expected_now = Some(expected);
            result.ratio = if expected > 0.0 { Some(latest.value / expected) } else { None };
        } else if let Some(full) = last_full {
            result.ratio = achievement(d, full.value, level);
        }
        // A completed deadline year is settled afterwards ([`settle`]).
        result.status = if result.met { Status::TargetAchieved } else { result.ratio.map_or(Status::NotAvailable, Status::from_ratio) };
        return;
    };
    let base_same = series.at(latest.period.shift_years(base_year - latest.period.year())).copied();
    let base_full = series.at(Period::Year(base_year)).copied();
    let (Some(base_same), Some(base_full)) = (base_same, base_full) else {
        result.status = if result.met { Status::TargetAchieved } else { Status::NotAvailable };
        return;
    };
    result.base = Some(base_same);
    let years = f64::from(latest.period.year() - base_year);
    let horizon = f64::from(deadline_year - base_year);
    let required = Trend::through(f64::from(base_year), base_full.value, f64::from(deadline_year), level);
    let observed = Trend::through(0.0, base_same.value, years, latest.value);
    result.required_path = required;
    result.required_growth = required.and_then(Trend::rate);
    result.observed_growth = observed.and_then(Trend::rate);
    // Same months of the base year, grown at the required rate.
    result.expected_now = required.map(|r| match r {
        Trend::Geometric { rate, .. } => base_same.value * (1.0 + rate).powf(years),
        Trend::Linear { slope, .. } => base_same.value + slope * years * months / 12.0,
    });
    result.projection = observed.map(|o| o.restarted_at(f64::from(base_year), base_full.value));
    result.projected = result.projection.map(|p| p.at(f64::from(base_year) + horizon));
    result.ratio = match (observed, required) {
        (Some(o), Some(r)) => ratio(d, comparable_pace(o, r), r.pace()),
        _ => None,
    };
    result.status = status(result.met, result.ratio, observed.map(|o| d * o.pace()), required);
}

/// Cadence: each completed window is checked on its own where the data has values at both of
/// its ends (quarterly data resolves yearly and half-yearly windows); otherwise the events held
/// since the first window are compared with the events due by the completed windows.
fn judge_cadence(result: &mut Progress, series: &Series, latest: Point, times: u32, every_months: u8, from: Period) {
    let start = from.year() * 12 + i32::from(from.start_month()) - 1;
    let elapsed_months = latest.period.month_index() - start + 1;
    if elapsed_months <= 0 {
        return;
    }
    let every = i32::from(every_months);
    let windows = u32::try_from(elapsed_months / every).unwrap_or(0);
    // Events held from January of the first year up to the end of `month` (a month index):
    // earlier full years plus the year-to-date value. `None` where the data has no value.
    let cumulative = |month: i32| -> Option<f64> {
        if month < from.year() * 12 {
            return Some(0.0);
        }
        let year = month.div_euclid(12);
        let mut total = series.points.iter().find(|p| p.period.month_index() == month && p.period.year() == year).map(|p| p.value)?;
        for earlier in from.year()..year {
            total += series.at(Period::Year(earlier))?.value;
        }
        Some(total)
    };
    let Some(before) = cumulative(start - 1) else { return };
    let Some(now) = cumulative(latest.period.month_index()) else { return };
    let held = now - before;
    let required = f64::from(times) * f64::from(windows);
    result.cadence = Some(CadenceProgress { held, required, windows });
    result.expected_now = Some(required);
    result.target_value = Some(required);
    if windows == 0 {
        result.met = held >= f64::from(times);
        result.status = if result.met { Status::TargetAchieved } else { Status::NotAvailable };
        return;
    }
    result.achievement = Some(held / required);
    let per_window: Option<Vec<bool>> = (0..i32::try_from(windows).unwrap_or(0))
        .map(|k| {
            let (open, close) = (start + k * every - 1, start + (k + 1) * every - 1);
            Some(cumulative(close)? - cumulative(open)? >= f64::from(times))
        })
        .collect();
    let ratio = match per_window {
        // Every window resolvable: the share of windows that held enough events.
        Some(met) => met.iter().filter(|m| **m).count() as f64 / met.len() as f64,
        None => held / required,
    };
    result.ratio = Some(ratio);
    result.met = ratio >= 1.0;
    result.status = if result.met { Status::TargetAchieved } else { Status::from_ratio(ratio) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::dataset::Origin;
    use proptest::prelude::*;

    fn series(indicator: &str, region: &str, points: &[(&str, f64)]) -> Series {
        Series::new(
            Arc::from(indicator),
            Arc::from(region),
            points.iter().map(|&(p, value)| Point {
                period: Period::parse(p).unwrap(),
                value,
                exact: value.into(),
                origin: Origin::Reported,
            }),
        )
    }

    fn judge(target: &str, points: &[(&str, f64)]) -> Progress {
        let catalog = Catalog::builtin();
        let target = catalog.target(target).unwrap();
        let indicator = catalog.indicator(&target.indicator).unwrap();
        progress(indicator, target, &series(&target.indicator, &target.regions[0], points))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn tech_smes_on_the_required_path_is_on_track() {
        // 36,900 at the end of 2021, 45,000 due at the end of 2025: required CAGR 5.088 %.
        let required = (45_000f64 / 36_900.0).powf(0.25) - 1.0;
        let on_path = 36_900.0 * (1.0 + required).powf(2.0);
        let p = judge("tech_smes_2025", &[("2021Q4", 36_900.0), ("2023Q4", on_path)]);
        assert!(close(p.required_growth.unwrap(), required));
        assert!(close(p.observed_growth.unwrap(), required));
        assert!(close(p.ratio.unwrap(), 1.0));
        assert!(close(p.expected_now.unwrap(), on_path));
        assert!(close(p.projected.unwrap(), 45_000.0));
        assert!(close(p.growth_still_required.unwrap(), required));
        assert_eq!(p.status, Status::Substantial);
        assert!(!p.met);
    }

    #[test]
    fn public_figures_put_tech_smes_on_track() {
        // 36,900 (2021) → 42,989 (2022): 16.5 % observed against 5.1 % required.
        let p = judge("tech_smes_2025", &[("2021Q4", 36_900.0), ("2022Q4", 42_989.0)]);
        assert!(p.ratio.unwrap() > 3.0);
        assert_eq!(p.status, Status::Substantial);
        assert!(close(p.achievement.unwrap(), 42_989.0 / 45_000.0));
    }

    #[test]
    fn categories_follow_the_ratio_thresholds() {
        let required = (45_000f64 / 36_900.0).powf(0.25) - 1.0;
        let at = |share: f64| 36_900.0 * (1.0 + required * share).powf(2.0);
        assert_eq!(judge("tech_smes_2025", &[("2021Q4", 36_900.0), ("2023Q4", at(0.96))]).status, Status::Substantial);
        assert_eq!(judge("tech_smes_2025", &[("2021Q4", 36_900.0), ("2023Q4", at(0.94))]).status, Status::Moderate);
        assert_eq!(judge("tech_smes_2025", &[("2021Q4", 36_900.0), ("2023Q4", at(0.59))]).status, Status::Limited);
        assert_eq!(judge("tech_smes_2025", &[("2021Q4", 36_900.0), ("2023Q4", 36_000.0)]).status, Status::Deterioration);
        assert_eq!(judge("tech_smes_2025", &[("2021Q4", 36_900.0)]).status, Status::NotAvailable);
        assert_eq!(judge("tech_smes_2025", &[]).status, Status::NotAvailable);
    }

    #[test]
    fn reaching_the_level_is_achieved() {
        let p = judge("tech_smes_2025", &[("2021Q4", 36_900.0), ("2024Q4", 45_000.0)]);
        assert!(p.met);
        assert_eq!(p.status, Status::TargetAchieved);
        let p = judge("science_literacy_2025", &[("2020", 10.20), ("2024", 15.0)]);
        assert!(!p.met, "more than 15 % needs more than 15.0");
        let p = judge("science_literacy_2025", &[("2020", 10.20), ("2024", 15.01)]);
        assert_eq!(p.status, Status::TargetAchieved);
    }

    #[test]
    fn standing_still_at_a_strict_level_is_no_deterioration() {
        // "More than 15 %" from a base of exactly 15 %: no growth is required, nothing fell.
        let p = judge("science_literacy_2025", &[("2022", 15.0), ("2024", 15.0)]);
        assert!(!p.met);
        assert_eq!(p.status, Status::Limited);
        let p = judge("science_literacy_2025", &[("2022", 15.0), ("2024", 14.5)]);
        assert_eq!(p.status, Status::Deterioration, "falling from the level is");
    }

    #[test]
    fn the_deadlines_data_make_the_verdict_final() {
        // 44,812 at the end of 2025 against 45,000: missed by 188, nothing projected.
        let p = judge("tech_smes_2025", &[("2021Q4", 36_900.0), ("2025Q3", 44_100.0), ("2025Q4", 44_812.0)]);
        assert_eq!(p.status, Status::TargetMissed);
        let verdict = p.verdict.expect("final");
        assert!(!verdict.achieved);
        assert_eq!(verdict.measure, Margin::Level);
        assert!(close(verdict.margin.unwrap(), -188.0));
        assert_eq!((p.projected, p.projection, p.growth_still_required, p.quarters_remaining), (None, None, None, None));
        assert!(p.observed_growth.is_some() && p.required_growth.is_some(), "the growth achieved and required stay");
        let p = judge("tech_smes_2025", &[("2021Q4", 36_900.0), ("2025Q4", 45_100.0)]);
        assert_eq!(p.status, Status::TargetAchieved);
        assert!(p.verdict.is_some_and(|v| v.achieved && close(v.margin.unwrap(), 100.0)));
        // The annual value is the deadline's data too.
        let p = judge("science_literacy_2025", &[("2020", 10.20), ("2025", 16.0)]);
        assert!(p.verdict.is_some_and(|v| v.achieved));
    }

    #[test]
    fn an_open_target_counts_the_quarters_still_to_come() {
        let p = judge("tech_smes_2025", &[("2021Q4", 36_900.0), ("2025Q2", 43_000.0)]);
        assert_eq!(p.quarters_remaining, Some(2));
        assert_eq!(p.verdict, None);
        assert_ne!(p.status, Status::TargetMissed);
        assert!(p.projected.is_some(), "an open target is still projected");
        assert_eq!(judge("tech_smes_2025", &[("2021Q4", 36_900.0), ("2024Q4", 40_000.0)]).quarters_remaining, Some(4));
        assert_eq!(judge("science_literacy_2025", &[("2020", 10.20), ("2024", 14.0)]).quarters_remaining, Some(4));
        // Reaching the level early is achieved, but not final.
        let p = judge("tech_smes_2025", &[("2021Q4", 36_900.0), ("2024Q4", 45_000.0)]);
        assert_eq!((p.status, p.verdict, p.quarters_remaining), (Status::TargetAchieved, None, Some(4)));
    }

    #[test]
    fn a_growth_targets_verdict_compares_the_growth_achieved_with_the_required() {
        // R&D spending (a year-to-date flow) from 100 in 2020 to 150 in 2025: 8.45 % a year
        // against at least 10 %.
        let p = judge("rd_expenditure_growth_2025", &[("2020Q4", 100.0), ("2025Q4", 150.0)]);
        assert_eq!(p.status, Status::TargetMissed);
        let verdict = p.verdict.unwrap();
        assert_eq!(verdict.measure, Margin::Growth);
        let achieved = 1.5f64.powf(0.2) - 1.0;
        assert!(close(p.observed_growth.unwrap(), achieved));
        assert!(close(verdict.margin.unwrap(), achieved - 0.10));
        let p = judge("rd_expenditure_growth_2025", &[("2020Q4", 100.0), ("2025Q4", 170.0)]);
        assert!(p.verdict.is_some_and(|v| v.achieved && v.margin.unwrap() > 0.0));
        assert_eq!(p.status, Status::TargetAchieved);
    }

    #[test]
    fn the_target_shown_is_the_named_one_else_the_nearest_open_else_the_last() {
        fn key<'a>((id, deadline, settled): &'a (&'static str, &str, bool)) -> TargetKey<'a> {
            TargetKey { target: Some(id), deadline: Period::parse(deadline).ok(), settled: *settled }
        }
        let plans = [("a_2030", "2030", false), ("a_2025", "2025", true), ("a_2027", "2027Q2", false)];
        let chosen = |wanted: Option<&str>, list: &[(&'static str, &str, bool)]| choose_target(list, wanted, key).map(|p| p.0);
        assert_eq!(chosen(None, &plans), Some("a_2027"), "the nearest open deadline");
        assert_eq!(chosen(Some("2025"), &plans), Some("a_2025"), "a deadline year");
        assert_eq!(chosen(Some("a_2030"), &plans), Some("a_2030"), "a target id");
        assert_eq!(chosen(Some("2040"), &plans), Some("a_2027"), "a year without a target is ignored");
        let passed = [("a_2023", "2023", true), ("a_2025", "2025", true)];
        assert_eq!(chosen(None, &passed), Some("a_2025"), "all passed: the latest");
        assert_eq!(chosen(None, &[]), None);
    }

    #[test]
    fn a_passed_deadline_is_judged_at_the_deadline() {
        // 2023 activity target "at least 30 experts": 2024 data does not change the verdict.
        let p = judge("experts_engaged_2023", &[("2023Q4", 25.0), ("2024Q4", 60.0)]);
        assert_eq!(p.latest.unwrap().period, Period::Quarter(2023, 4));
        assert!(!p.met);
        assert_ne!(p.status, Status::TargetAchieved);
        assert!(close(p.achievement.unwrap(), 25.0 / 30.0));
    }

    #[test]
    fn activity_counts_are_judged_by_pace_within_the_year() {
        // 200 engineers in 2023; 120 by the end of June is 120 % of the pro-rata 100.
        let p = judge("innovation_engineers_trained_2023", &[("2023Q2", 120.0)]);
        assert!(close(p.expected_now.unwrap(), 100.0));
        assert!(close(p.ratio.unwrap(), 1.2));
        assert_eq!(p.status, Status::Substantial);
        let p = judge("innovation_engineers_trained_2023", &[("2023Q2", 120.0), ("2023Q3", 210.0)]);
        assert_eq!(p.status, Status::TargetAchieved);
        // 3–4 forums: 3 is enough.
        assert_eq!(judge("bimonthly_forums_2023", &[("2023Q4", 3.0)]).status, Status::TargetAchieved);
        let missed = judge("bimonthly_forums_2023", &[("2023Q4", 2.0)]);
        assert_eq!(missed.status, Status::TargetMissed, "the year is over: final");
        assert!(missed.verdict.is_some_and(|v| close(v.margin.unwrap(), -1.0)));
    }

    #[test]
    fn growth_targets_compare_same_months_and_imply_a_level() {
        // 100 in 2020, 10 % a year → 161.051 due in 2025.
        let p = judge(
            "rd_expenditure_growth_2025",
            &[
                ("2020Q3", 60.0),
                ("2020Q4", 100.0),
                ("2023Q3", 60.0 * 1.1f64.powi(3)),
                ("2023Q4", 100.0 * 1.1f64.powi(3)),
                ("2024Q3", 60.0 * 1.1f64.powi(4)),
            ],
        );
        assert!(close(p.target_value.unwrap(), 100.0 * 1.1f64.powi(5)));
        assert_eq!(p.base.unwrap().period, Period::Quarter(2020, 3), "same months of the base year");
        assert!(close(p.observed_growth.unwrap(), 0.1));
        assert!(close(p.required_growth.unwrap(), 0.1));
        assert!(close(p.year_on_year.unwrap(), 0.1));
        assert!(close(p.expected_now.unwrap(), 60.0 * 1.1f64.powi(4)));
        assert!(close(p.projected.unwrap(), 100.0 * 1.1f64.powi(5)));
        assert!(close(p.achievement.unwrap(), 1.1f64.powi(3) / 1.1f64.powi(5)), "last full year against the 2025 level");
        assert_eq!(p.status, Status::Substantial);
        assert!(!p.met, "achieved only when 2025 is complete");
        let slow = judge("rd_expenditure_growth_2025", &[("2020Q4", 100.0), ("2024Q4", 100.0 * 1.05f64.powi(4))]);
        assert!(close(slow.ratio.unwrap(), 0.5));
        assert_eq!(slow.status, Status::Limited);
        let done = judge("rd_expenditure_growth_2025", &[("2020Q4", 100.0), ("2025Q4", 100.0 * 1.12f64.powi(5))]);
        assert_eq!(done.status, Status::TargetAchieved);
    }

    #[test]
    fn counts_from_zero_use_linear_rates() {
        // District platforms from 10 (2021) to 38 (2025): 7 a year needed; 14 in 2 years is on track.
        let p = judge("district_platforms_city_2025", &[("2021Q4", 10.0), ("2023Q4", 24.0)]);
        assert!(p.ratio.unwrap() > 1.0, "positive values use compound rates");
        let p = judge("district_platforms_city_2025", &[("2021Q4", 0.0), ("2023Q4", 19.0)]);
        assert!(close(p.ratio.unwrap(), 1.0));
        assert!(close(p.expected_now.unwrap(), 19.0));
    }

    #[test]
    fn cadence_counts_events_against_completed_windows() {
        // Twice a year from 2021 H1; by 2023 Q3: 2 complete years → 4 required.
        let p = judge("yc_tech_matchmaking_fairs_twice_yearly", &[("2021Q4", 2.0), ("2022Q4", 2.0), ("2023Q3", 1.0)]);
        let cadence = p.cadence.unwrap();
        assert_eq!((cadence.held, cadence.required, cadence.windows), (5.0, 4.0, 2));
        assert_eq!(p.status, Status::TargetAchieved);
        // 2022 held one: a later year's extra event does not make up for a missed window.
        let p = judge("yc_tech_matchmaking_fairs_twice_yearly", &[("2021Q4", 2.0), ("2022Q4", 1.0), ("2023Q4", 3.0)]);
        assert_eq!(p.cadence.unwrap().held, 6.0);
        assert!(close(p.ratio.unwrap(), 2.0 / 3.0));
        assert_eq!(p.status, Status::Moderate);
        // Half-yearly windows resolved from quarterly year-to-date data.
        let p = judge("yc_tech_promotion_half_yearly", &[("2021Q2", 1.0), ("2021Q4", 2.0), ("2022Q2", 0.0), ("2022Q4", 2.0)]);
        assert!(close(p.ratio.unwrap(), 0.75));
        // Every two months from 2021-01: by 2021 Q3 (9 months), 4 windows done.
        let p = judge("yc_cloud_classes_bimonthly", &[("2021Q3", 4.0)]);
        assert_eq!(p.cadence.unwrap().required, 4.0);
        assert_eq!(p.status, Status::TargetAchieved);
    }

    #[test]
    fn a_target_below_the_base_counts_lower_is_better() {
        let catalog = Catalog::builtin();
        let mut indicator = catalog.indicator("tech_smes").unwrap().clone();
        indicator.direction = crate::indicator::Direction::Lower;
        let target = Target {
            rule: Rule::Level { bound: crate::target::Bound::AtMost(50.0), base: Some(Period::Year(2021)), deadline: Period::Year(2025) },
            ..catalog.target("tech_smes_2025").unwrap().clone()
        };
        let on_track = progress(&indicator, &target, &series("tech_smes", "500000", &[("2021", 100.0), ("2023", 100.0 * 0.5f64.sqrt())]));
        assert!(close(on_track.ratio.unwrap(), 1.0));
        let worse = progress(&indicator, &target, &series("tech_smes", "500000", &[("2021", 100.0), ("2023", 120.0)]));
        assert_eq!(worse.status, Status::Deterioration);
    }

    #[test]
    fn trend_without_target_uses_growth_thresholds() {
        let catalog = Catalog::builtin();
        let indicator = catalog.indicator("specialized_smes").unwrap();
        let p = trend(indicator, &series("specialized_smes", "500000", &[("2021Q4", 1000.0), ("2023Q4", 1100.0)]));
        assert_eq!(p.status, Status::Substantial);
        let p = trend(indicator, &series("specialized_smes", "500000", &[("2021Q4", 1000.0), ("2023Q4", 1001.0)]));
        assert_eq!(p.status, Status::Limited);
        let p = trend(indicator, &series("specialized_smes", "500000", &[("2021Q4", 1000.0), ("2023Q4", 900.0)]));
        assert_eq!(p.status, Status::Deterioration);
    }

    proptest! {
        #[test]
        fn progress_does_not_depend_on_row_order(values in proptest::collection::vec(1_000.0f64..60_000.0, 2..12), seed in any::<u64>()) {
            let periods: Vec<String> = (0..values.len()).map(|i| Period::Quarter(2021, 4).step(i as i32).to_string()).collect();
            let points: Vec<(&str, f64)> = periods.iter().map(String::as_str).zip(values.iter().copied()).collect();
            let mut shuffled = points.clone();
            // A deterministic shuffle from the seed.
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            prop_assert_eq!(judge("tech_smes_2025", &points), judge("tech_smes_2025", &shuffled));
        }

        #[test]
        fn a_series_that_reached_its_target_is_achieved(start in 1_000.0f64..44_000.0, end in 45_000.0f64..100_000.0, quarters in 1i32..16) {
            let last = Period::Quarter(2021, 4).step(quarters).to_string();
            let p = judge("tech_smes_2025", &[("2021Q4", start), (last.as_str(), end)]);
            prop_assert_eq!(p.status, Status::TargetAchieved);
        }

        #[test]
        fn status_never_improves_when_the_latest_value_falls(start in 30_000.0f64..40_000.0, a in 30_000.0f64..44_000.0, b in 30_000.0f64..44_000.0) {
            let (low, high) = if a < b { (a, b) } else { (b, a) };
            let p_low = judge("tech_smes_2025", &[("2021Q4", start), ("2023Q4", low)]);
            let p_high = judge("tech_smes_2025", &[("2021Q4", start), ("2023Q4", high)]);
            prop_assert!(p_low.status >= p_high.status);
        }
    }
}
