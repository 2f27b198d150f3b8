//! Targets: what the notices in `../shared/seeds/` ask for, by when, and for which regions.
//!
//! Four kinds (see [`Rule`]): a level by a deadline, an average annual growth rate, a share of
//! two indicators, and a count per period (cadence). Every target cites its source notice by
//! seed file name and clause.

use std::sync::Arc;

use crate::format::format_number;
use crate::indicator::Direction;
use crate::message::Bilingual;
use crate::period::Period;

/// Relative tolerance of an "about" (左右) target: within 10 % counts as reached.
pub const ABOUT_TOLERANCE: f64 = 0.10;

/// Floating-point slack when comparing a value with a bound, so that 44 999.999 999 9 from
/// a sum of rounded shares does not miss 45 000.
const EPSILON: f64 = 1e-9;

/// A comparison with a threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    /// ≥ (不低于, 以上, 达到).
    AtLeast(f64),
    /// > (超过).
    MoreThan(f64),
    /// ≤ (不高于, 以内).
    AtMost(f64),
    /// < (低于).
    LessThan(f64),
    /// About (左右): within [`ABOUT_TOLERANCE`], overshooting in the good direction is fine.
    About(f64),
    /// A range such as 3–4 (3-4期); reaching the near end is enough, overshooting is fine.
    Between(f64, f64),
}

impl Bound {
    /// The single level to aim for: the threshold, or the near end of a range in the good
    /// direction.
    pub fn level(self, direction: Direction) -> f64 {
        match self {
            Bound::AtLeast(v) | Bound::MoreThan(v) | Bound::AtMost(v) | Bound::LessThan(v) | Bound::About(v) => v,
            Bound::Between(low, high) => match direction {
                Direction::Higher => low,
                Direction::Lower => high,
            },
        }
    }

    /// Whether `value` satisfies the bound.
    pub fn is_met(self, value: f64, direction: Direction) -> bool {
        let slack = EPSILON * value.abs().max(1.0);
        match self {
            Bound::AtLeast(t) => value >= t - slack,
            Bound::MoreThan(t) => value > t + slack,
            Bound::AtMost(t) => value <= t + slack,
            Bound::LessThan(t) => value < t - slack,
            Bound::About(t) => match direction {
                Direction::Higher => value >= t * (1.0 - ABOUT_TOLERANCE) - slack,
                Direction::Lower => value <= t * (1.0 + ABOUT_TOLERANCE) + slack,
            },
            Bound::Between(low, high) => match direction {
                Direction::Higher => value >= low - slack,
                Direction::Lower => value <= high + slack,
            },
        }
    }

    /// The bound in words, e.g. `不低于 45,000家` / `at least 45,000 家`.
    pub fn describe(self, unit: &str, decimals: u8) -> Bilingual {
        let n = |v: f64| format_number(v, decimals);
        match self {
            Bound::AtLeast(v) => Bilingual::new(format!("不低于{}{unit}", n(v)), format!("at least {} {unit}", n(v))),
            Bound::MoreThan(v) => Bilingual::new(format!("超过{}{unit}", n(v)), format!("more than {} {unit}", n(v))),
            Bound::AtMost(v) => Bilingual::new(format!("不高于{}{unit}", n(v)), format!("at most {} {unit}", n(v))),
            Bound::LessThan(v) => Bilingual::new(format!("低于{}{unit}", n(v)), format!("less than {} {unit}", n(v))),
            Bound::About(v) => Bilingual::new(format!("{}{unit}左右", n(v)), format!("about {} {unit}", n(v))),
            Bound::Between(a, b) => Bilingual::new(format!("{}–{}{unit}", n(a), n(b)), format!("{}–{} {unit}", n(a), n(b))),
        }
    }

    /// Catalogue spelling of the comparison.
    pub fn comparator(self) -> &'static str {
        match self {
            Bound::AtLeast(_) => "at_least",
            Bound::MoreThan(_) => "more_than",
            Bound::AtMost(_) => "at_most",
            Bound::LessThan(_) => "less_than",
            Bound::About(_) => "about",
            Bound::Between(..) => "between",
        }
    }
}

/// What a target asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// The indicator reaches a level by the end of `deadline`; progress is measured from
    /// `base` when given (4.5万家 科技型企业 by 2025).
    Level {
        /// The threshold.
        bound: Bound,
        /// Base period of the required path.
        base: Option<Period>,
        /// The period by whose end the level is due.
        deadline: Period,
    },
    /// Average annual growth of at least `bound` percent from `base` to `deadline`, in every
    /// region of the target (研发经费投入年均增长10%以上). With a base value this implies a level
    /// per region: `base_value × (1 + r)^(years)`.
    Growth {
        /// Threshold on the growth rate in percent a year.
        bound: Bound,
        /// Base year.
        base: Period,
        /// Final year.
        deadline: Period,
    },
    /// A share of two indicators passes a threshold (高新区工业总产值占全市比重超过30%); the
    /// indicator must be derived from the two parts, and the share is computed from them.
    Share {
        /// Threshold in percent.
        bound: Bound,
        /// Base period of the required path.
        base: Option<Period>,
        /// The period by whose end the share is due.
        deadline: Period,
    },
    /// At least `times` events in every window of `every_months` months from `from`
    /// (技洽会每年两次, 企业云课堂每两月一次).
    Cadence {
        /// Events required per window.
        times: u32,
        /// Window length in months.
        every_months: u8,
        /// First period of the first window.
        from: Period,
        /// Optional end.
        until: Option<Period>,
    },
}

impl Rule {
    /// Catalogue spelling of the kind: `level`, `growth`, `share`, `cadence`.
    pub fn kind(&self) -> &'static str {
        match self {
            Rule::Level { .. } => "level",
            Rule::Growth { .. } => "growth",
            Rule::Share { .. } => "share",
            Rule::Cadence { .. } => "cadence",
        }
    }

    /// The period by which the target is due, if it has one.
    pub fn deadline(&self) -> Option<Period> {
        match self {
            Rule::Level { deadline, .. } | Rule::Growth { deadline, .. } | Rule::Share { deadline, .. } => Some(*deadline),
            Rule::Cadence { until, .. } => *until,
        }
    }
}

/// Where a target comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// Seed file name, e.g. `004_38e28bd9a1a18c0a.txt`.
    pub seed: String,
    /// The notice's document number or title.
    pub document: String,
    /// The clause, e.g. `一(三) 工作目标`.
    pub clause: String,
    /// The words of the notice.
    pub quote: String,
}

/// A target on one indicator for a set of regions.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// Stable id, e.g. `tech_smes_2025`.
    pub id: Arc<str>,
    /// The indicator it is about.
    pub indicator: Arc<str>,
    /// The regions it applies to, each on its own ("every district ≥ 10 %").
    pub regions: Vec<Arc<str>>,
    /// What it asks for.
    pub rule: Rule,
    /// The notice it comes from.
    pub source: Source,
}

impl Target {
    /// Whether the target applies to `region`.
    pub fn applies_to(&self, region: &str) -> bool {
        self.regions.iter().any(|r| &**r == region)
    }
}
