//! The district innovation evaluation (seed 004: "建立区县创新监测评价体系，定期发布区县科技创新评价报告"):
//! how each of the 38 districts compares with the others across the whole of innovation, which
//! tier it is in, what it is strong and weak in, how sure its rank is, and why it moved.
//!
//! The framework is data (`fixtures/catalog/evaluation.toml`): five parts after the
//! 重庆科技创新指数报告, each with measures that make an indicator comparable across districts of
//! very different size. For district `d` at period `t`:
//!
//! ```text
//!   x(m, d)        = v(i, d, t) ÷ D(d, t) × f            a measure m of indicator i; D the
//!                                                        denominator (residents, GDP) or 1
//!                  = (v(i, d, t) ÷ v(i, d, t − 1 year) − 1) × 100        for a growth measure
//!
//!   target scoring (default; 中国区域科技创新评价, 全国科技进步统计监测):
//!       s(m, d)    = min(100, 100 · x / standard)          higher is better; 0 when x ≤ 0
//!
//!   min–max scoring (alternative; European Regional Innovation Scoreboard):
//!       values beyond mean ± 3σ of the districts are left out of min and max (and capped there);
//!       a measure whose values are skewed (skewness > 1, all ≥ 0) is taken as √x first;
//!       s(m, d)    = 100 · (x − min) / (max − min)          100 for all when max = min
//!
//!   part score     p(d) = Σ w_m s(m, d) / Σ w_m            over the measures d has
//!   index          I(d) = Σ w_p p(d) / Σ w_p               over the parts d has
//!   coverage       C(d) = Σ over measures d has of (w_p / Σ w_p) (w_m / Σ_part w_m)
//! ```
//!
//! A district is **rated** only when `C(d)` reaches the framework's coverage (two thirds): a
//! district with too little data is shown as not rated, never ranked on what it has. Among the
//! rated districts:
//!
//! - **rank**: 1 for the highest index, equal indices (to 0.01) share a rank (1, 2, 2, 4);
//!   **rank change**: the rank a year earlier (the same quarter) minus the rank now, so a
//!   positive change is a move up;
//! - **tiers** (the Chongqing reports' convention, relative to the average index of the rated
//!   districts `Ī`): first tier `I ≥ Ī`, second tier `I ≥ 0.8 Ī`, third tier below; and
//!   **performance groups** (the Scoreboard's): leader `I > 1.25 Ī`, strong `Ī < I ≤ 1.25 Ī`,
//!   moderate `0.7 Ī < I ≤ Ī`, emerging `I ≤ 0.7 Ī`;
//! - **strengths and weaknesses** (after the Global Innovation Index): each measure's percentile
//!   rank among the rated districts, `1 − (r − 1) / (n − 1)` for rank `r` of `n`; a strength is
//!   a measure at or above the 75th percentile, a weakness at or below the 25th, at most three of
//!   each, the most extreme first;
//! - **rank interval** (after the JRC's audit of the GII): the evaluation is run again 500 times
//!   with every part and measure weight multiplied by a factor drawn uniformly from [0.5, 1.5]
//!   and, in half of the runs, min–max scoring instead of target scoring; a district's interval
//!   is the 5th to 95th percentile of its ranks (a fixed seed, so the same data give the same
//!   interval);
//! - **what moved it**: against the same quarter a year earlier, each measure's contribution to
//!   the change of the index, `w(m) · (s_now − s_then)` with `w(m)` the measure's effective
//!   weight `(w_p / Σ w_p)(w_m / Σ_part w_m)`; the three largest by size.
//!
//! Pure: values in, values out, in the server and in WebAssembly alike.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::catalog::Catalog;
use crate::dataset::Dataset;
use crate::message::Bilingual;
use crate::period::Period;
use crate::region::Region;
use crate::wire::{
    EvaluationDistrictWire, EvaluationMeasureWire, EvaluationPartWire, EvaluationWire, MeasureScoreWire, MeasureShiftWire, PartScoreWire,
    SourceWire,
};

/// The built-in framework (`fixtures/catalog/evaluation.toml`).
const BUILTIN: &str = include_str!("../../fixtures/catalog/evaluation.toml");

/// The share of the evaluation a part or measure stands for.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartDoc {
    /// Id.
    pub id: String,
    /// 中文名.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Relative weight.
    pub weight: f64,
}

/// A measure as the framework file states it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureDoc {
    /// Id.
    pub id: String,
    /// The part it belongs to.
    pub part: String,
    /// 中文名.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The catalogue indicator measured.
    pub indicator: String,
    /// The indicator it is divided by (residents, GDP), if any.
    #[serde(default)]
    pub denominator: Option<String>,
    /// Multiplied by (100 for a percentage).
    #[serde(default = "one")]
    pub factor: f64,
    /// The change on a year earlier instead of the level.
    #[serde(default)]
    pub growth: bool,
    /// The unit of the measure, for readers.
    pub unit: String,
    /// The level that scores 100 under target scoring.
    pub standard: f64,
    /// Relative weight within its part.
    #[serde(default = "one")]
    pub weight: f64,
    /// Lower is better (none of the built-in measures).
    #[serde(default)]
    pub lower_is_better: bool,
    /// Where the measure or its standard comes from.
    #[serde(default)]
    pub note: Option<String>,
}

fn one() -> f64 {
    1.0
}

/// Where the framework comes from.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDoc {
    /// Seed file.
    pub seed: String,
    /// Document.
    pub document: String,
    /// Clause.
    pub clause: String,
    /// The words.
    pub quote: String,
}

/// The evaluation framework.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// Id.
    pub id: String,
    /// 中文名.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Share of the weight a district must cover to be rated.
    pub coverage: f64,
    /// Where it comes from.
    pub source: SourceDoc,
    /// The parts.
    #[serde(rename = "part")]
    pub parts: Vec<PartDoc>,
    /// The measures.
    #[serde(rename = "measure")]
    pub measures: Vec<MeasureDoc>,
}

pub use crate::wire::Method;

/// A finite number above zero (NaN is not).
fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// A tier in words: `第一梯队` / `first tier`.
pub fn tier_label(tier: u8) -> Bilingual {
    match tier {
        1 => Bilingual::new("第一梯队", "first tier"),
        2 => Bilingual::new("第二梯队", "second tier"),
        _ => Bilingual::new("第三梯队", "third tier"),
    }
}

/// A performance group in words (`leader`, `strong`, `moderate`, `emerging`).
pub fn performance_label(group: &str) -> Bilingual {
    match group {
        "leader" => Bilingual::new("领先", "leader"),
        "strong" => Bilingual::new("较强", "strong"),
        "moderate" => Bilingual::new("中等", "moderate"),
        _ => Bilingual::new("追赶", "emerging"),
    }
}

/// A rank change in symbols: `↑2`, `↓1`, `=`, or `—` without a rank a year earlier.
pub fn change_symbol(change: Option<i64>) -> String {
    match change {
        Some(c) if c > 0 => format!("↑{c}"),
        Some(c) if c < 0 => format!("↓{}", -c),
        Some(_) => "=".to_owned(),
        None => "—".to_owned(),
    }
}

/// A rank change in words: `比上年同期上升2位` / `up 2 on a year earlier`.
pub fn change_words(change: Option<i64>) -> Bilingual {
    match change {
        Some(c) if c > 0 => Bilingual::new(format!("比上年同期上升{c}位"), format!("up {c} on a year earlier")),
        Some(c) if c < 0 => Bilingual::new(format!("比上年同期下降{}位", -c), format!("down {} on a year earlier", -c)),
        Some(_) => Bilingual::new("与上年同期持平", "unchanged on a year earlier"),
        None => Bilingual::new("上年同期未参评", "not rated a year earlier"),
    }
}

/// A rank with its interval in words: `第14名（区间12–18）` / `rank 14 (interval 12–18)`.
pub fn rank_words(rank: usize, interval: Option<[usize; 2]>) -> Bilingual {
    match interval {
        Some([low, high]) if low != high => {
            Bilingual::new(format!("第{rank}名（区间第{low}–{high}名）"), format!("rank {rank} (interval {low}–{high})"))
        }
        _ => Bilingual::new(format!("第{rank}名"), format!("rank {rank}")),
    }
}

/// Why a framework cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the evaluation framework has problems: {}", .0.join("; "))]
pub struct FrameworkError(pub Vec<String>);

impl Framework {
    /// The built-in framework, checked against the built-in catalogue (a broken file is a
    /// build that fails its tests, so this does not fail at run time).
    pub fn builtin() -> &'static Framework {
        static FRAMEWORK: std::sync::OnceLock<Framework> = std::sync::OnceLock::new();
        FRAMEWORK.get_or_init(|| {
            Framework::parse(BUILTIN, Catalog::builtin()).unwrap_or_else(|e| Framework {
                id: "broken".into(),
                name_zh: format!("评价框架有误：{e}"),
                name_en: e.to_string(),
                coverage: 1.0,
                source: SourceDoc { seed: String::new(), document: String::new(), clause: String::new(), quote: String::new() },
                parts: Vec::new(),
                measures: Vec::new(),
            })
        })
    }

    /// Reads and checks a framework: every part and indicator known, weights and standards
    /// positive, coverage within (0, 1]. Every problem is reported at once.
    pub fn parse(text: &str, catalog: &Catalog) -> Result<Framework, FrameworkError> {
        let framework: Framework = toml::from_str(text).map_err(|e| FrameworkError(vec![e.to_string()]))?;
        let mut problems = Vec::new();
        if !(framework.coverage > 0.0 && framework.coverage <= 1.0) {
            problems.push(format!("coverage {} is not within (0, 1]", framework.coverage));
        }
        for part in &framework.parts {
            if !positive(part.weight) {
                problems.push(format!("part {}: the weight must be positive", part.id));
            }
            if !framework.measures.iter().any(|m| m.part == part.id) {
                problems.push(format!("part {} has no measure", part.id));
            }
        }
        for m in &framework.measures {
            if !framework.parts.iter().any(|p| p.id == m.part) {
                problems.push(format!("measure {}: unknown part {}", m.id, m.part));
            }
            for id in std::iter::once(&m.indicator).chain(m.denominator.as_ref()) {
                if catalog.indicator(id).is_none() {
                    problems.push(format!("measure {}: unknown indicator {id}", m.id));
                }
            }
            if !positive(m.weight) || !positive(m.standard) || !m.factor.is_finite() {
                problems.push(format!("measure {}: weight and standard must be positive", m.id));
            }
        }
        if problems.is_empty() { Ok(framework) } else { Err(FrameworkError(problems)) }
    }
}

impl Framework {
    /// The indicators the framework's measures use that `catalog` lacks, with the measure
    /// (a catalogue revision must keep them).
    pub fn missing_indicators(&self, catalog: &Catalog) -> Vec<(String, String)> {
        self.measures
            .iter()
            .flat_map(|m| std::iter::once(&m.indicator).chain(m.denominator.as_ref()).map(move |id| (m.id.clone(), id.clone())))
            .filter(|(_, id)| catalog.indicator(id).is_none())
            .collect()
    }
}

/// The measure values of every district at a period, with the districts' order.
#[derive(Clone, Debug, PartialEq)]
pub struct Inputs {
    /// District codes, in the catalogue's order.
    pub districts: Vec<String>,
    /// `values[m][d]`: measure `m` of district `d`, if it has one.
    pub values: Vec<Vec<Option<f64>>>,
}

/// The value of `indicator` in `region` at `period`: at the same point in time, or for a stock
/// denominator published less often (residents, yearly), the latest before it.
fn value_at(catalog: &Catalog, dataset: &Dataset, indicator: &str, region: &str, period: Period, latest_before: bool) -> Option<f64> {
    let series = dataset.series(catalog, indicator, region);
    if let Some(point) = series.at(period) {
        return Some(point.value);
    }
    if latest_before {
        return series.points.iter().rev().find(|p| p.period.month_index() <= period.month_index()).map(|p| p.value);
    }
    None
}

/// Every measure of every district at `period`, from the data.
pub fn inputs(catalog: &Catalog, dataset: &Dataset, framework: &Framework, period: Period) -> Inputs {
    let districts: Vec<&Region> = catalog.districts().collect();
    let values = framework
        .measures
        .iter()
        .map(|m| {
            let measure_is_stock = catalog.indicator(&m.indicator).is_some_and(|i| i.measure != crate::indicator::MeasureKind::Flow);
            districts
                .iter()
                .map(|d| {
                    // A stock may be the latest value up to the period (a yearly survey); a
                    // flow (year to date) only at the same months.
                    let x = value_at(catalog, dataset, &m.indicator, &d.code, period, measure_is_stock && !m.growth)?;
                    let level = if m.growth {
                        let before = value_at(catalog, dataset, &m.indicator, &d.code, period.year_earlier(), false)?;
                        (before > 0.0).then(|| (x / before - 1.0) * 100.0)?
                    } else {
                        x
                    };
                    let denominator = match &m.denominator {
                        None => 1.0,
                        Some(id) => {
                            let denominator_is_stock =
                                catalog.indicator(id).is_some_and(|i| i.measure == crate::indicator::MeasureKind::Stock);
                            value_at(catalog, dataset, id, &d.code, period, denominator_is_stock).filter(|v| *v > 0.0)?
                        }
                    };
                    let value = level / denominator * m.factor;
                    value.is_finite().then_some(value)
                })
                .collect()
        })
        .collect();
    Inputs { districts: districts.iter().map(|d| d.code.to_string()).collect(), values }
}

/// Scores of one measure across districts (`None` where the district has no value).
fn scores(measure: &MeasureDoc, values: &[Option<f64>], method: Method) -> Vec<Option<f64>> {
    let signed = |x: f64| if measure.lower_is_better { -x } else { x };
    match method {
        Method::Target => values
            .iter()
            .map(|v| {
                v.map(|x| {
                    let ratio =
                        if measure.lower_is_better { if x > 0.0 { measure.standard / x } else { 1.0 } } else { x / measure.standard };
                    (100.0 * ratio).clamp(0.0, 100.0)
                })
            })
            .collect(),
        Method::MinMax => {
            let present: Vec<f64> = values.iter().flatten().map(|&x| signed(x)).collect();
            if present.is_empty() {
                return vec![None; values.len()];
            }
            let n = present.len() as f64;
            let mean = present.iter().sum::<f64>() / n;
            let sd = (present.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
            let skewness = if sd > 0.0 { present.iter().map(|x| ((x - mean) / sd).powi(3)).sum::<f64>() / n } else { 0.0 };
            let root = skewness > 1.0 && present.iter().all(|&x| x >= 0.0);
            let transform = |x: f64| if root { x.sqrt() } else { x };
            let inside: Vec<f64> = present.iter().copied().filter(|x| sd == 0.0 || (x - mean).abs() <= 3.0 * sd).collect();
            let low = inside.iter().copied().fold(f64::INFINITY, f64::min);
            let high = inside.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let (low, high) = (transform(low), transform(high));
            values
                .iter()
                .map(|v| {
                    v.map(|x| {
                        let x = transform(signed(x).clamp(
                            inside.iter().copied().fold(f64::INFINITY, f64::min),
                            inside.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                        ));
                        if high > low { (100.0 * (x - low) / (high - low)).clamp(0.0, 100.0) } else { 100.0 }
                    })
                })
                .collect()
        }
    }
}

/// One run of the evaluation: per district, the part scores, the index and the coverage.
#[derive(Clone, Debug, PartialEq)]
struct Run {
    /// `scores[m][d]`.
    measure_scores: Vec<Vec<Option<f64>>>,
    /// `parts[p][d]`.
    parts: Vec<Vec<Option<f64>>>,
    /// The index of each district.
    index: Vec<Option<f64>>,
    /// The coverage of each district.
    coverage: Vec<f64>,
}

fn run(framework: &Framework, inputs: &Inputs, method: Method, part_weights: &[f64], measure_weights: &[f64]) -> Run {
    let measure_scores: Vec<Vec<Option<f64>>> =
        framework.measures.iter().zip(&inputs.values).map(|(m, values)| scores(m, values, method)).collect();
    let total_part_weight: f64 = part_weights.iter().sum();
    let n = inputs.districts.len();
    let mut parts = vec![vec![None; n]; framework.parts.len()];
    let mut coverage = vec![0.0; n];
    for (p, part) in framework.parts.iter().enumerate() {
        let members: Vec<usize> = framework.measures.iter().enumerate().filter(|(_, m)| m.part == part.id).map(|(i, _)| i).collect();
        let part_total: f64 = members.iter().map(|&m| measure_weights[m]).sum();
        for d in 0..n {
            let (mut sum, mut weight) = (0.0, 0.0);
            for &m in &members {
                if let Some(s) = measure_scores[m][d] {
                    sum += measure_weights[m] * s;
                    weight += measure_weights[m];
                    coverage[d] += part_weights[p] / total_part_weight * measure_weights[m] / part_total;
                }
            }
            parts[p][d] = (weight > 0.0).then(|| sum / weight);
        }
    }
    let index = (0..n)
        .map(|d| {
            let (mut sum, mut weight) = (0.0, 0.0);
            for (p, w) in part_weights.iter().enumerate() {
                if let Some(score) = parts[p][d] {
                    sum += w * score;
                    weight += w;
                }
            }
            (weight > 0.0 && coverage[d] + 1e-9 >= framework.coverage).then(|| sum / weight)
        })
        .collect();
    Run { measure_scores, parts, index, coverage }
}

/// Competition ranks (1, 2, 2, 4) of the values present, highest first, equal to 0.01.
fn ranks(values: &[Option<f64>]) -> Vec<Option<usize>> {
    let key = |v: f64| (v * 100.0).round() as i64;
    values.iter().map(|v| v.map(|x| 1 + values.iter().flatten().filter(|&&y| key(y) > key(x)).count())).collect()
}

/// A small deterministic generator (SplitMix64): the same data give the same rank intervals.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Runs of the sensitivity analysis.
pub const SENSITIVITY_RUNS: usize = 500;

/// The 5th and 95th percentile rank of each district over perturbed runs.
fn rank_intervals(framework: &Framework, inputs: &Inputs, method: Method) -> Vec<Option<(usize, usize)>> {
    let n = inputs.districts.len();
    let mut random = SplitMix(0x0C0F_FEE0_2025);
    let mut seen: Vec<Vec<usize>> = vec![Vec::with_capacity(SENSITIVITY_RUNS); n];
    for _ in 0..SENSITIVITY_RUNS {
        let parts: Vec<f64> = framework.parts.iter().map(|p| p.weight * (0.5 + random.next())).collect();
        let measures: Vec<f64> = framework.measures.iter().map(|m| m.weight * (0.5 + random.next())).collect();
        let chosen = if random.next() < 0.5 {
            method
        } else if method == Method::Target {
            Method::MinMax
        } else {
            Method::Target
        };
        let perturbed = run(framework, inputs, chosen, &parts, &measures);
        for (d, rank) in ranks(&perturbed.index).into_iter().enumerate() {
            if let Some(rank) = rank {
                seen[d].push(rank);
            }
        }
    }
    seen.into_iter()
        .map(|mut r| {
            if r.is_empty() {
                return None;
            }
            r.sort_unstable();
            let at = |q: f64| r[((r.len() - 1) as f64 * q).round() as usize];
            Some((at(0.05), at(0.95)))
        })
        .collect()
}

/// The Chongqing tier of an index against the average.
fn tier(index: f64, average: f64) -> u8 {
    if index >= average {
        1
    } else if index >= 0.8 * average {
        2
    } else {
        3
    }
}

/// The Scoreboard's performance group of an index against the average.
fn group(index: f64, average: f64) -> &'static str {
    if index > 1.25 * average {
        "leader"
    } else if index > average {
        "strong"
    } else if index > 0.7 * average {
        "moderate"
    } else {
        "emerging"
    }
}

/// Evaluates every district at `period` with `method`, against the same quarter a year
/// earlier for rank changes and what moved them.
pub fn evaluate(catalog: &Catalog, dataset: &Dataset, framework: &Framework, period: Period, method: Method) -> EvaluationWire {
    let now = inputs(catalog, dataset, framework, period);
    let before = inputs(catalog, dataset, framework, period.year_earlier());
    let part_weights: Vec<f64> = framework.parts.iter().map(|p| p.weight).collect();
    let measure_weights: Vec<f64> = framework.measures.iter().map(|m| m.weight).collect();
    let current = run(framework, &now, method, &part_weights, &measure_weights);
    let earlier = run(framework, &before, method, &part_weights, &measure_weights);
    let rank_now = ranks(&current.index);
    let rank_then = ranks(&earlier.index);
    let intervals = rank_intervals(framework, &now, method);
    let rated: Vec<f64> = current.index.iter().flatten().copied().collect();
    let average = (!rated.is_empty()).then(|| rated.iter().sum::<f64>() / rated.len() as f64);
    let part_averages: Vec<Option<f64>> = current
        .parts
        .iter()
        .map(|scores| {
            let present: Vec<f64> = scores.iter().zip(&current.index).filter(|(_, i)| i.is_some()).filter_map(|(s, _)| *s).collect();
            (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
        })
        .collect();
    // Effective weight of each measure in the index.
    let total_part: f64 = part_weights.iter().sum();
    let effective: Vec<f64> = framework
        .measures
        .iter()
        .map(|m| {
            let part = framework.parts.iter().find(|p| p.id == m.part).map_or(0.0, |p| p.weight);
            let in_part: f64 = framework.measures.iter().filter(|o| o.part == m.part).map(|o| o.weight).sum();
            part / total_part * m.weight / in_part
        })
        .collect();
    // Percentile ranks per measure among the rated districts.
    let percentiles: Vec<Vec<Option<f64>>> = framework
        .measures
        .iter()
        .zip(&now.values)
        .map(|(m, values)| {
            let considered: Vec<Option<f64>> =
                values.iter().zip(&current.index).map(|(v, i)| i.and(*v).map(|x| if m.lower_is_better { -x } else { x })).collect();
            let r = ranks(&considered);
            let n = considered.iter().flatten().count();
            r.into_iter().map(|rank| rank.map(|rank| if n > 1 { 1.0 - (rank - 1) as f64 / (n - 1) as f64 } else { 1.0 })).collect()
        })
        .collect();
    let districts = now
        .districts
        .iter()
        .enumerate()
        .map(|(d, code)| {
            let region = catalog.region(code);
            let index = current.index[d];
            let measures: Vec<MeasureScoreWire> = framework
                .measures
                .iter()
                .enumerate()
                .map(|(m, doc)| MeasureScoreWire {
                    measure: doc.id.clone(),
                    value: now.values[m][d].map(|v| round(v, 4)),
                    score: current.measure_scores[m][d].map(|v| round(v, 2)),
                    percentile: percentiles[m][d].map(|v| round(v, 3)),
                })
                .collect();
            let mut ordered: Vec<(usize, f64)> = percentiles.iter().enumerate().filter_map(|(m, p)| p[d].map(|p| (m, p))).collect();
            ordered.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let strengths = ordered.iter().filter(|(_, p)| *p >= 0.75).take(3).map(|(m, _)| framework.measures[*m].id.clone()).collect();
            let weaknesses =
                ordered.iter().rev().filter(|(_, p)| *p <= 0.25).take(3).map(|(m, _)| framework.measures[*m].id.clone()).collect();
            let mut shifts: Vec<MeasureShiftWire> = framework
                .measures
                .iter()
                .enumerate()
                .filter_map(|(m, doc)| {
                    let (a, b) = (current.measure_scores[m][d]?, earlier.measure_scores[m][d]?);
                    let change = effective[m] * (a - b);
                    (change.abs() >= 0.005).then(|| MeasureShiftWire { measure: doc.id.clone(), change: round(change, 2) })
                })
                .collect();
            shifts.sort_by(|a, b| b.change.abs().total_cmp(&a.change.abs()));
            shifts.truncate(3);
            EvaluationDistrictWire {
                region: code.clone(),
                name_zh: region.map_or_else(|| code.clone(), |r| r.name_zh.clone()),
                name_en: region.map_or_else(|| code.clone(), |r| r.name_en.clone()),
                group_zh: region.and_then(|r| r.group.as_ref()).and_then(|g| catalog.group(g)).map(|g| g.name_zh.clone()),
                rated: index.is_some(),
                coverage: round(current.coverage[d], 3),
                index: index.map(|v| round(v, 2)),
                rank: rank_now[d],
                rank_interval: index.and(intervals[d]).map(|(low, high)| [low, high]),
                rank_change: match (rank_now[d], rank_then[d]) {
                    (Some(now), Some(then)) => Some(then as i64 - now as i64),
                    _ => None,
                },
                tier: index.zip(average).map(|(i, a)| tier(i, a)),
                performance: index.zip(average).map(|(i, a)| group(i, a).to_owned()),
                parts: framework
                    .parts
                    .iter()
                    .enumerate()
                    .map(|(p, part)| PartScoreWire { part: part.id.clone(), score: current.parts[p][d].map(|v| round(v, 2)) })
                    .collect(),
                measures,
                strengths,
                weaknesses,
                moved_by: shifts,
            }
        })
        .collect();
    EvaluationWire {
        framework: framework.id.clone(),
        name_zh: framework.name_zh.clone(),
        name_en: framework.name_en.clone(),
        period: period.to_string(),
        compared_with: period.year_earlier().to_string(),
        method,
        coverage_required: framework.coverage,
        sensitivity_runs: SENSITIVITY_RUNS,
        average: average.map(|v| round(v, 2)),
        part_averages: framework
            .parts
            .iter()
            .zip(&part_averages)
            .map(|(part, avg)| PartScoreWire { part: part.id.clone(), score: avg.map(|v| round(v, 2)) })
            .collect(),
        parts: framework
            .parts
            .iter()
            .map(|p| EvaluationPartWire { id: p.id.clone(), name_zh: p.name_zh.clone(), name_en: p.name_en.clone(), weight: p.weight })
            .collect(),
        measures: framework
            .measures
            .iter()
            .map(|m| EvaluationMeasureWire {
                id: m.id.clone(),
                part: m.part.clone(),
                name_zh: m.name_zh.clone(),
                name_en: m.name_en.clone(),
                indicator: m.indicator.clone(),
                denominator: m.denominator.clone(),
                growth: m.growth,
                unit: m.unit.clone(),
                standard: m.standard,
                weight: m.weight,
                note: m.note.clone(),
            })
            .collect(),
        source: SourceWire {
            seed: framework.source.seed.clone(),
            document: framework.source.document.clone(),
            clause: framework.source.clause.clone(),
            quote: framework.source.quote.clone(),
        },
        districts,
    }
}

/// The latest quarter at which the evaluation can be made: the latest quarter at which enough
/// districts have values of the framework's indicators (at least as many districts rated as
/// not), at or before `until`.
pub fn latest_period(catalog: &Catalog, dataset: &Dataset, framework: &Framework, until: Option<Period>) -> Option<Period> {
    let mut quarters: Vec<Period> = dataset.periods().into_iter().filter(|p| matches!(p, Period::Quarter(..))).collect();
    quarters.sort_by_key(|p| std::cmp::Reverse(p.month_index()));
    quarters.dedup();
    let limit = until.map_or(i32::MAX, |u| u.month_index());
    let weights =
        (framework.parts.iter().map(|p| p.weight).collect::<Vec<_>>(), framework.measures.iter().map(|m| m.weight).collect::<Vec<_>>());
    quarters.into_iter().filter(|p| p.month_index() <= limit).find(|&p| {
        let evaluated = run(framework, &inputs(catalog, dataset, framework, p), Method::Target, &weights.0, &weights.1);
        let rated = evaluated.index.iter().flatten().count();
        rated * 2 >= evaluated.index.len().max(1)
    })
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

/// Helper for [`BTreeMap`]-keyed lookups in tests and views.
pub fn by_region(evaluation: &EvaluationWire) -> BTreeMap<&str, &EvaluationDistrictWire> {
    evaluation.districts.iter().map(|d| (d.region.as_str(), d)).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn ranks_and_changes_read_as_words() {
        assert_eq!(change_symbol(Some(2)), "↑2");
        assert_eq!(change_symbol(Some(-3)), "↓3");
        assert_eq!(change_symbol(Some(0)), "=");
        assert_eq!(change_symbol(None), "—");
        assert_eq!(change_words(Some(-2)).zh, "比上年同期下降2位");
        assert_eq!(change_words(Some(1)).en, "up 1 on a year earlier");
        assert_eq!(rank_words(14, Some([12, 18])).zh, "第14名（区间第12–18名）");
        assert_eq!(rank_words(14, Some([12, 18])).en, "rank 14 (interval 12–18)");
        assert_eq!(rank_words(1, Some([1, 1])).zh, "第1名", "an interval of one rank is not written");
        assert_eq!(tier_label(2).zh, "第二梯队");
        assert_eq!(performance_label("leader").en, "leader");
        assert_eq!(Method::parse("minmax"), Some(Method::MinMax));
        assert_eq!(Method::MinMax.label().zh, "极值标准化法");
    }

    fn doc(id: &str, part: &str, standard: f64) -> MeasureDoc {
        MeasureDoc {
            id: id.into(),
            part: part.into(),
            name_zh: id.into(),
            name_en: id.into(),
            indicator: "tech_smes".into(),
            denominator: None,
            factor: 1.0,
            growth: false,
            unit: String::new(),
            standard,
            weight: 1.0,
            lower_is_better: false,
            note: None,
        }
    }

    fn framework(measures: Vec<MeasureDoc>, parts: &[&str]) -> Framework {
        Framework {
            id: "t".into(),
            name_zh: "t".into(),
            name_en: "t".into(),
            coverage: 0.67,
            source: SourceDoc { seed: String::new(), document: String::new(), clause: String::new(), quote: String::new() },
            parts: parts.iter().map(|p| PartDoc { id: (*p).into(), name_zh: (*p).into(), name_en: (*p).into(), weight: 1.0 }).collect(),
            measures,
        }
    }

    fn inputs_of(values: Vec<Vec<Option<f64>>>) -> Inputs {
        Inputs { districts: (0..values[0].len()).map(|i| format!("D{i}")).collect(), values }
    }

    #[test]
    fn target_scores_are_capped_at_100_and_floored_at_0() {
        let m = doc("a", "p", 20.0);
        assert_eq!(
            scores(&m, &[Some(10.0), Some(20.0), Some(40.0), Some(-5.0), None], Method::Target),
            [Some(50.0), Some(100.0), Some(100.0), Some(0.0), None]
        );
    }

    #[test]
    fn min_max_leaves_outliers_out_and_gives_equal_values_100() {
        let m = doc("a", "p", 1.0);
        // 19 values 1..=19 and one far outlier: min and max come from the others.
        let mut values: Vec<Option<f64>> = (1..=19).map(|v| Some(f64::from(v))).collect();
        values.push(Some(10_000.0));
        let s = scores(&m, &values, Method::MinMax);
        assert_eq!(s[0], Some(0.0));
        assert_eq!(s[18], Some(100.0), "19 is the largest of the others");
        assert_eq!(s[19], Some(100.0), "the outlier is capped at the maximum");
        // Skewed (the outlier), so rescaled on square roots: (√10 − 1) / (√19 − 1) × 100.
        let expected = (10f64.sqrt() - 1.0) / (19f64.sqrt() - 1.0) * 100.0;
        assert!((s[9].unwrap() - expected).abs() < 1e-9, "{:?} vs {expected}", s[9]);
        assert_eq!(scores(&m, &[Some(3.0), Some(3.0), Some(3.0)], Method::MinMax), [Some(100.0); 3], "an indicator equal for all");
    }

    #[test]
    fn a_hand_computed_index_with_a_tie_and_a_district_without_data() {
        // Two parts; part a has two measures (standards 10 and 100), part b one (standard 4).
        let f = framework(vec![doc("a1", "a", 10.0), doc("a2", "a", 100.0), doc("b1", "b", 4.0)], &["a", "b"]);
        let inputs = inputs_of(vec![
            vec![Some(5.0), Some(10.0), Some(5.0), None],
            vec![Some(100.0), Some(50.0), Some(100.0), None],
            vec![Some(2.0), Some(4.0), Some(2.0), Some(4.0)],
        ]);
        let r = run(&f, &inputs, Method::Target, &[1.0, 1.0], &[1.0, 1.0, 1.0]);
        // D0: part a = (50 + 100) / 2 = 75, part b = 50 → 62.5. D1: a = (100 + 50) / 2 = 75, b = 100 → 87.5.
        assert_eq!(r.index[0], Some(62.5));
        assert_eq!(r.index[1], Some(87.5));
        assert_eq!(r.index[2], Some(62.5));
        // D3 has only part b: coverage ½ < ⅔, not rated (never ranked on what it has).
        assert!((r.coverage[3] - 0.5).abs() < 1e-12);
        assert_eq!(r.index[3], None);
        assert_eq!(ranks(&r.index), [Some(2), Some(1), Some(2), None], "the tie shares rank 2");
    }

    #[test]
    fn a_single_district_is_first_and_its_interval_is_one_rank() {
        let f = framework(vec![doc("a1", "a", 10.0)], &["a"]);
        let inputs = inputs_of(vec![vec![Some(3.0)]]);
        assert_eq!(ranks(&run(&f, &inputs, Method::Target, &[1.0], &[1.0]).index), [Some(1)]);
        assert_eq!(rank_intervals(&f, &inputs, Method::Target), [Some((1, 1))]);
    }

    #[test]
    fn tiers_and_groups_follow_the_average() {
        assert_eq!((tier(60.0, 50.0), tier(45.0, 50.0), tier(30.0, 50.0)), (1, 2, 3));
        assert_eq!(
            [group(70.0, 50.0), group(55.0, 50.0), group(40.0, 50.0), group(30.0, 50.0)],
            ["leader", "strong", "moderate", "emerging"]
        );
    }

    #[test]
    fn the_builtin_framework_reads_and_names_known_indicators() {
        let f = Framework::builtin();
        assert_eq!(f.parts.len(), 5, "{}", f.name_en);
        assert!(f.measures.len() >= 10);
        assert!(Framework::parse("id = 1", Catalog::builtin()).is_err());
        let broken = BUILTIN.replace("indicator = \"tech_smes\"", "indicator = \"nope\"");
        assert!(Framework::parse(&broken, Catalog::builtin()).unwrap_err().0.iter().any(|p| p.contains("unknown indicator nope")));
    }

    #[test]
    fn per_resident_measures_use_the_latest_yearly_population() {
        let catalog = Catalog::builtin();
        let f = Framework::builtin();
        let mut dataset = Dataset::new();
        let yongchuan = catalog.region("永川区").unwrap();
        dataset.insert(Arc::from("tech_smes"), yongchuan.code.clone(), Period::Quarter(2025, 3), 1_800.0);
        dataset.insert(Arc::from("resident_population"), yongchuan.code.clone(), Period::Year(2024), 120.0);
        let found = inputs(catalog, &dataset, f, Period::Quarter(2025, 3));
        let m = f.measures.iter().position(|m| m.id == "tech_smes_per_10k").unwrap();
        let d = found.districts.iter().position(|c| *c == *yongchuan.code).unwrap();
        assert_eq!(found.values[m][d], Some(15.0), "1,800 enterprises ÷ 120 万 residents");
    }
}
