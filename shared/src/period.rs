//! Reporting periods: years, halves, quarters and months.
//!
//! Statisticians report quarterly, surveys annually, some activity counts monthly. A
//! [`Period`] names the span a value belongs to. Two conventions make periods of different
//! length comparable, and the rest of the model relies on them:
//!
//! * a **stock** (number of enterprises) is the value at the *end* of the period, and
//! * a **flow** (spending, output, events held) is reported *year-to-date* (1–N月累计).
//!
//! So `2025`, `2025H2`, `2025Q4` and `2025-12` all denote "as of the end of December 2025"
//! and share one [`Period::month_index`]. Year-on-year comparisons (同比) take the same
//! period a year earlier ([`Period::year_earlier`]).
//!
//! [`Period::parse`] accepts what statisticians write (`2025Q3`, `2025-Q3`, `2025年第三季度`,
//! `2025年三季度`, `2025年1-9月`, `2025-09`, `2025年`, `2025`, `2025H1`, `2025年上半年`…) and
//! rejects anything else with a message that lists the accepted forms.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::message::Bilingual;
use crate::text::to_half_width;

/// The earliest and latest year the model accepts: a typo such as `20025` or `1025` is an
/// error, not a period.
pub const YEARS: std::ops::RangeInclusive<i32> = 1949..=2100;

/// A reporting period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Period {
    /// A calendar year.
    Year(i32),
    /// A half year, 1 (上半年) or 2 (下半年).
    Half(i32, u8),
    /// A quarter, 1..=4.
    Quarter(i32, u8),
    /// A month, 1..=12.
    Month(i32, u8),
}

/// The length class of a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Granularity {
    /// One month.
    Month,
    /// Three months.
    Quarter,
    /// Six months.
    Half,
    /// Twelve months.
    Year,
}

impl Granularity {
    /// Months in one period of this granularity.
    pub fn months(self) -> u8 {
        match self {
            Granularity::Month => 1,
            Granularity::Quarter => 3,
            Granularity::Half => 6,
            Granularity::Year => 12,
        }
    }
}

impl Period {
    /// Builds a period, checking the year range and the sub-period number.
    pub fn new(granularity: Granularity, year: i32, number: u8) -> Option<Period> {
        if !YEARS.contains(&year) {
            return None;
        }
        let period = match granularity {
            Granularity::Year => Period::Year(year),
            Granularity::Half if (1..=2).contains(&number) => Period::Half(year, number),
            Granularity::Quarter if (1..=4).contains(&number) => Period::Quarter(year, number),
            Granularity::Month if (1..=12).contains(&number) => Period::Month(year, number),
            _ => return None,
        };
        Some(period)
    }

    /// The calendar year.
    pub fn year(self) -> i32 {
        match self {
            Period::Year(y) | Period::Half(y, _) | Period::Quarter(y, _) | Period::Month(y, _) => y,
        }
    }

    /// The length class.
    pub fn granularity(self) -> Granularity {
        match self {
            Period::Year(_) => Granularity::Year,
            Period::Half(..) => Granularity::Half,
            Period::Quarter(..) => Granularity::Quarter,
            Period::Month(..) => Granularity::Month,
        }
    }

    /// The number within the year (1 for a year).
    pub fn number(self) -> u8 {
        match self {
            Period::Year(_) => 1,
            Period::Half(_, n) | Period::Quarter(_, n) | Period::Month(_, n) => n,
        }
    }

    /// The calendar month (1..=12) the period ends in.
    pub fn end_month(self) -> u8 {
        self.number() * self.granularity().months()
    }

    /// The calendar month (1..=12) the period starts in.
    pub fn start_month(self) -> u8 {
        self.end_month() + 1 - self.granularity().months()
    }

    /// Months since year 0 at the end of the period. Periods ending in the same month share
    /// it: under the stock/year-to-date conventions they describe the same point in time.
    pub fn month_index(self) -> i32 {
        self.year() * 12 + i32::from(self.end_month()) - 1
    }

    /// The end of the period in years, with the end of a calendar year a whole number:
    /// `2021` and `2021Q4` are 2021.0, `2025Q3` is 2024.75. Differences are elapsed years.
    pub fn end_in_years(self) -> f64 {
        f64::from(self.year() - 1) + f64::from(self.end_month()) / 12.0
    }

    /// The same period a year earlier (同比 comparisons).
    pub fn year_earlier(self) -> Period {
        self.shift_years(-1)
    }

    /// The same period `years` later (negative: earlier). Years outside [`YEARS`] saturate.
    pub fn shift_years(self, years: i32) -> Period {
        let year = (self.year() + years).clamp(*YEARS.start(), *YEARS.end());
        self.with_year(year)
    }

    fn with_year(self, year: i32) -> Period {
        match self {
            Period::Year(_) => Period::Year(year),
            Period::Half(_, n) => Period::Half(year, n),
            Period::Quarter(_, n) => Period::Quarter(year, n),
            Period::Month(_, n) => Period::Month(year, n),
        }
    }

    /// The next period of the same granularity.
    pub fn next(self) -> Period {
        self.step(1)
    }

    /// The previous period of the same granularity.
    pub fn prev(self) -> Period {
        self.step(-1)
    }

    /// Moves by `steps` periods of the same granularity.
    pub fn step(self, steps: i32) -> Period {
        let per_year = i32::from(12 / self.granularity().months());
        let ordinal = self.year() * per_year + i32::from(self.number()) - 1 + steps;
        let year = ordinal.div_euclid(per_year);
        let number = u8::try_from(ordinal.rem_euclid(per_year) + 1).unwrap_or(1);
        Period::new(self.granularity(), year, number).unwrap_or(self)
    }

    /// Parses what statisticians write. See the module documentation for the forms.
    pub fn parse(text: &str) -> Result<Period, PeriodError> {
        Self::parse_detailed(text).map(|parsed| parsed.period)
    }

    /// Like [`Period::parse`], and also says whether the text was an explicit year-to-date span
    /// (`2025年1-9月`, `2025年前三季度`).
    pub fn parse_detailed(text: &str) -> Result<ParsedPeriod, PeriodError> {
        let normal: String = to_half_width(text).chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
        parse_normalised(&normal).ok_or_else(|| PeriodError::new(text))
    }

    /// Finds a period inside a title such as `2025年1-9月重庆市各区县科技创新主要指标`: the
    /// longest parseable text starting at a four-digit year.
    pub fn find_in(text: &str) -> Option<ParsedPeriod> {
        let chars: Vec<char> = to_half_width(text).chars().collect();
        for start in 0..chars.len() {
            let is_year_start = chars[start..].iter().take(4).filter(|c| c.is_ascii_digit()).count() == 4
                && (start == 0 || !chars[start - 1].is_ascii_digit());
            if !is_year_start {
                continue;
            }
            // The longest match wins: `2025年1-9月` over `2025年`.
            let longest = chars.len().min(start + 16);
            for end in (start + 4..=longest).rev() {
                let candidate: String = chars[start..end].iter().collect();
                if end < chars.len() && chars[end].is_ascii_digit() {
                    continue;
                }
                if let Ok(parsed) = Period::parse_detailed(&candidate) {
                    return Some(parsed);
                }
            }
        }
        None
    }
}

/// The result of parsing, with what the notation said beyond the period itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedPeriod {
    /// The period.
    pub period: Period,
    /// The text named an explicit year-to-date span (1–N月, 前三季度).
    pub year_to_date: bool,
}

impl ParsedPeriod {
    fn plain(period: Period) -> Self {
        Self { period, year_to_date: false }
    }
}

/// A text that is not a period, with a message listing what is accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PeriodError {
    /// The rejected text.
    pub text: String,
    /// What is wrong and what to write instead.
    pub message: Bilingual,
}

impl PeriodError {
    fn new(text: &str) -> Self {
        let message = Bilingual::new(
            format!(
                "“{text}”不是可识别的时期。请写成 2025Q3、2025年第三季度、2025年1-9月、2025-09、2025H1、2025年上半年 或 2025 等形式（年份 {}–{}）。",
                YEARS.start(),
                YEARS.end()
            ),
            format!(
                "“{text}” is not a recognised period. Write it as 2025Q3, 2025年第三季度, 2025年1-9月 (year to date), 2025-09, 2025H1, 2025年上半年 or 2025 (years {}–{}).",
                YEARS.start(),
                YEARS.end()
            ),
        );
        Self { text: text.to_owned(), message }
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

impl fmt::Display for Period {
    /// The canonical spelling: `2025`, `2025H1`, `2025Q3`, `2025-09`. Parsing it gives the
    /// same period back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Half(y, h) => write!(f, "{y}H{h}"),
            Period::Quarter(y, q) => write!(f, "{y}Q{q}"),
            Period::Month(y, m) => write!(f, "{y}-{m:02}"),
        }
    }
}

impl Period {
    /// The period as a reader of `lang` names it.
    pub fn label(self, lang: crate::message::Lang) -> String {
        match lang {
            crate::message::Lang::Zh => self.label_zh(),
            crate::message::Lang::En => self.label_en(),
        }
    }

    /// How a Chinese reader names the period: `2025年`, `2025年上半年`, `2025年第三季度`,
    /// `2025年9月`.
    pub fn label_zh(self) -> String {
        const QUARTERS: [&str; 4] = ["一", "二", "三", "四"];
        match self {
            Period::Year(y) => format!("{y}年"),
            Period::Half(y, 1) => format!("{y}年上半年"),
            Period::Half(y, _) => format!("{y}年下半年"),
            Period::Quarter(y, q) => format!("{y}年第{}季度", QUARTERS[usize::from(q - 1) % 4]),
            Period::Month(y, m) => format!("{y}年{m}月"),
        }
    }

    /// How an English reader names it: `2025`, `H1 2025`, `Q3 2025`, `Sep 2025`.
    pub fn label_en(self) -> String {
        const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        match self {
            Period::Year(y) => format!("{y}"),
            Period::Half(y, h) => format!("H{h} {y}"),
            Period::Quarter(y, q) => format!("Q{q} {y}"),
            Period::Month(y, m) => format!("{} {y}", MONTHS[usize::from(m - 1) % 12]),
        }
    }
}

impl Ord for Period {
    /// Chronological by end month; among periods ending in the same month the shorter comes
    /// first (`2025-12` < `2025Q4` < `2025H2` < `2025`), so the order is total and stable.
    fn cmp(&self, other: &Self) -> Ordering {
        self.month_index().cmp(&other.month_index()).then(self.granularity().cmp(&other.granularity()))
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Parses an upper-cased, half-width, whitespace-free text.
fn parse_normalised(s: &str) -> Option<ParsedPeriod> {
    let (year, rest) = split_year(s)?;
    if rest.is_empty() {
        return Period::new(Granularity::Year, year, 1).map(ParsedPeriod::plain);
    }
    if let Some(rest) = rest.strip_prefix('年') {
        return parse_chinese_suffix(year, rest);
    }
    // 2025Q3, 2025-Q3, 2025/Q3, 2025.Q3, 2025H1, 2025-09, 2025/9, 202509
    let rest = rest.strip_prefix(['-', '/', '.', '_']).unwrap_or(rest);
    if let Some(q) = rest.strip_prefix('Q') {
        return Period::new(Granularity::Quarter, year, small_number(q)?).map(ParsedPeriod::plain);
    }
    if let Some(h) = rest.strip_prefix('H') {
        return Period::new(Granularity::Half, year, small_number(h)?).map(ParsedPeriod::plain);
    }
    if !rest.is_empty() && rest.len() <= 2 && rest.bytes().all(|b| b.is_ascii_digit()) {
        // A six-digit 202509 needs both digits: 20259 is more likely a typo than September.
        if rest.len() == 1 && !s.contains(['-', '/', '.', '_']) {
            return None;
        }
        return Period::new(Granularity::Month, year, small_number(rest)?).map(ParsedPeriod::plain);
    }
    None
}

/// The year and what follows it; the year must be exactly four digits.
fn split_year(s: &str) -> Option<(i32, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits < 4 || (digits > 4 && digits != 6) {
        return None;
    }
    let year: i32 = s.get(..4)?.parse().ok()?;
    Some((year, &s[4..]))
}

/// After `YYYY年`: ``, `度`, `全年`, `第三季度`, `三季度`, `3季度`, `Q3`, `上半年`, `1-9月`,
/// `前三季度`, `9月`.
fn parse_chinese_suffix(year: i32, rest: &str) -> Option<ParsedPeriod> {
    let plain = |g, n| Period::new(g, year, n).map(ParsedPeriod::plain);
    match rest {
        "" | "度" | "全年" | "年度" => return plain(Granularity::Year, 1),
        "上半年" | "上半年度" => return plain(Granularity::Half, 1),
        "下半年" | "下半年度" => return plain(Granularity::Half, 2),
        _ => {}
    }
    if let Some(q) = rest.strip_prefix('Q') {
        return plain(Granularity::Quarter, small_number(q)?);
    }
    if let Some(count) = rest.strip_prefix('前').and_then(|r| r.strip_suffix("季度")) {
        // 前三季度 = the first three quarters, year to date.
        let quarters = chinese_or_arabic(count)?;
        let period = Period::new(Granularity::Quarter, year, quarters)?;
        return Some(ParsedPeriod { period, year_to_date: true });
    }
    if let Some(q) = rest.strip_suffix("季度") {
        let q = q.strip_prefix('第').unwrap_or(q);
        return plain(Granularity::Quarter, chinese_or_arabic(q)?);
    }
    let months = rest.strip_suffix('月')?;
    let months = months.strip_suffix("份").unwrap_or(months);
    if let Some((from, to)) = months.split_once(['-', '~', '—', '–', '至', '到']) {
        let from = from.strip_suffix('月').unwrap_or(from);
        if small_number(from)? != 1 {
            // 7-9月 is a discrete quarter: flows are reported year-to-date only.
            return None;
        }
        let to = small_number(to)?;
        let period =
            if to % 3 == 0 { Period::new(Granularity::Quarter, year, to / 3)? } else { Period::new(Granularity::Month, year, to)? };
        return Some(ParsedPeriod { period, year_to_date: true });
    }
    plain(Granularity::Month, small_number(months)?)
}

fn small_number(s: &str) -> Option<u8> {
    if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn chinese_or_arabic(s: &str) -> Option<u8> {
    match s {
        "一" => Some(1),
        "二" | "两" => Some(2),
        "三" => Some(3),
        "四" => Some(4),
        _ => small_number(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(text: &str) -> Period {
        Period::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn parses_every_form_statisticians_write() {
        let q3 = Period::Quarter(2025, 3);
        for text in
            ["2025Q3", "2025-Q3", "2025q3", "２０２５Ｑ３", "2025年第三季度", "2025年三季度", "2025年3季度", "2025年第3季度", " 2025 Q3 "]
        {
            assert_eq!(p(text), q3, "{text}");
        }
        assert_eq!(p("2025-09"), Period::Month(2025, 9));
        assert_eq!(p("2025/9"), Period::Month(2025, 9));
        assert_eq!(p("202509"), Period::Month(2025, 9));
        assert_eq!(p("2025年9月"), Period::Month(2025, 9));
        assert_eq!(p("2025年"), Period::Year(2025));
        assert_eq!(p("2025"), Period::Year(2025));
        assert_eq!(p("2025年度"), Period::Year(2025));
        assert_eq!(p("2025H1"), Period::Half(2025, 1));
        assert_eq!(p("2025年上半年"), Period::Half(2025, 1));
        assert_eq!(p("2025年下半年"), Period::Half(2025, 2));
    }

    #[test]
    fn year_to_date_spans_map_to_their_end() {
        let parsed = Period::parse_detailed("2025年1-9月").unwrap();
        assert_eq!(parsed, ParsedPeriod { period: Period::Quarter(2025, 3), year_to_date: true });
        assert_eq!(p("2025年1—6月"), Period::Quarter(2025, 2));
        assert_eq!(p("2025年1至12月"), Period::Quarter(2025, 4));
        assert_eq!(p("2025年1-5月"), Period::Month(2025, 5));
        assert_eq!(p("2025年1月-9月"), Period::Quarter(2025, 3));
        assert_eq!(p("2025年前三季度"), Period::Quarter(2025, 3));
    }

    #[test]
    fn rejects_anything_else_with_a_bilingual_message() {
        for text in
            ["", "Q3", "25Q3", "2025Q5", "2025H3", "2025-13", "2025年7-9月", "2025年第五季度", "20259", "1800", "2025Q3x", "二〇二五年"]
        {
            let err = Period::parse(text).expect_err(text);
            assert!(err.message.zh.contains("不是可识别的时期"), "{text}");
            assert!(err.message.en.contains("not a recognised period"), "{text}");
        }
    }

    #[test]
    fn finds_the_period_in_a_title_row() {
        let found = Period::find_in("2025年1-9月重庆市各区县科技创新主要指标").unwrap();
        assert_eq!(found.period, Period::Quarter(2025, 3));
        assert!(found.year_to_date);
        assert_eq!(Period::find_in("重庆市2024年科技统计").unwrap().period, Period::Year(2024));
        assert_eq!(Period::find_in("各区县科技创新主要指标"), None);
    }

    #[test]
    fn same_end_month_means_same_point_in_time() {
        assert_eq!(p("2025").month_index(), p("2025Q4").month_index());
        assert_eq!(p("2025H1").month_index(), p("2025-06").month_index());
        assert!(p("2025-12") < p("2025Q4") && p("2025Q4") < p("2025H2") && p("2025H2") < p("2025"));
        assert!(p("2024") < p("2025Q1"));
        assert_eq!(p("2021").end_in_years(), 2021.0);
        assert_eq!(p("2025Q3").end_in_years(), 2024.75);
    }

    #[test]
    fn arithmetic_crosses_year_boundaries() {
        assert_eq!(p("2025Q1").prev(), p("2024Q4"));
        assert_eq!(p("2024Q4").next(), p("2025Q1"));
        assert_eq!(p("2025-01").step(-13), p("2023-12"));
        assert_eq!(p("2025H2").next(), p("2026H1"));
        assert_eq!(p("2025Q3").year_earlier(), p("2024Q3"));
        assert_eq!(p("2025").step(2), p("2027"));
    }

    #[test]
    fn labels_read_naturally() {
        assert_eq!(p("2025Q3").label_zh(), "2025年第三季度");
        assert_eq!(p("2025-09").label_en(), "Sep 2025");
    }

    fn any_period() -> impl Strategy<Value = Period> {
        (1949i32..=2100, 0u8..4, 1u8..=12).prop_map(|(year, kind, n)| match kind {
            0 => Period::Year(year),
            1 => Period::Half(year, 1 + n % 2),
            2 => Period::Quarter(year, 1 + n % 4),
            _ => Period::Month(year, n),
        })
    }

    proptest! {
        #[test]
        fn printing_then_parsing_is_the_identity(period in any_period()) {
            prop_assert_eq!(Period::parse(&period.to_string()).unwrap(), period);
            prop_assert_eq!(Period::parse(&period.label_zh()).unwrap(), period);
        }

        #[test]
        fn a_year_earlier_is_twelve_months_earlier(period in any_period()) {
            prop_assume!(period.year() > 1949);
            prop_assert_eq!(period.month_index() - period.year_earlier().month_index(), 12);
        }

        #[test]
        fn next_then_prev_returns(period in any_period()) {
            prop_assume!(period.year() > 1949 && period.year() < 2100);
            prop_assert_eq!(period.next().prev(), period);
            prop_assert!(period.next() > period);
        }
    }
}
