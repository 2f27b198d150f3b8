//! Exact decimals: values as statisticians report them, digit for digit (`19.00` stays `19.00`),
//! summed exactly over districts (the city's R&D spending in 2020 is `526.79`, not
//! `526.7899999999997`), and derived ratios rounded once, to the indicator's published
//! decimals, half away from zero (四舍五入, as statistical offices round).
//!
//! Why our own type and not `rust_decimal`: the model needs five operations (parse, add,
//! compare, one rounded division, printing) on values of at most 30 digits; an `i128` mantissa
//! with a decimal scale does all of them exactly, and the widgets, which compile the model to
//! WebAssembly, carry no second arithmetic library.
//!
//! On the wire (JSON) a decimal is a JSON *number* written with exactly its digits (`19.00`,
//! `526.79`); reading one back accepts a number or a string.
//!
//! ```
//! use innogauge_model::decimal::Decimal;
//! let a: Decimal = "89.55".parse().unwrap();
//! let b: Decimal = "437.24".parse().unwrap();
//! assert_eq!(a.checked_add(b).unwrap().to_string(), "526.79");
//! assert_eq!("19.00".parse::<Decimal>().unwrap().to_string(), "19.00");
//! // 2 ÷ 3 × 100 to one decimal, half away from zero:
//! let share = Decimal::ratio("2".parse().unwrap(), "3".parse().unwrap(), "100".parse().unwrap(), 1).unwrap();
//! assert_eq!(share.to_string(), "66.7");
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// The most digits after the point a decimal keeps.
pub const MAX_SCALE: u8 = 18;

/// An exact decimal: `mantissa × 10^-scale`. Equality and order are numeric (`19.00 == 19`);
/// the digits as written are kept and printed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Decimal {
    mantissa: i128,
    scale: u8,
}

/// Decimals kept as 9 bytes, an `i64` of digits and a scale, where the digits fit (every real
/// statistic's do), with the wider ones in this table: what a million values are stored as, in
/// an upload ([`crate::observation::Observations`]) and in a snapshot ([`crate::Dataset`]),
/// instead of the 32 bytes of a `Decimal`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WideDecimals(Vec<Decimal>);

impl WideDecimals {
    /// The scale that marks a value kept in the table (scales go up to [`MAX_SCALE`]).
    const WIDE: u8 = u8::MAX;

    /// `(digits, scale)` for `value`: its own, or its place in the table.
    pub fn pack(&mut self, value: Decimal) -> (i64, u8) {
        match i64::try_from(value.mantissa) {
            Ok(digits) => (digits, value.scale),
            Err(_) => {
                self.0.push(value);
                (i64::try_from(self.0.len() - 1).unwrap_or(i64::MAX), Self::WIDE)
            }
        }
    }

    /// The value `pack` gave `(digits, scale)` for.
    pub fn unpack(&self, digits: i64, scale: u8) -> Decimal {
        if scale == Self::WIDE {
            usize::try_from(digits).ok().and_then(|i| self.0.get(i)).copied().unwrap_or(Decimal::ZERO)
        } else {
            // Every scale packed came from a decimal, so it is valid.
            Decimal::new(i128::from(digits), scale).unwrap_or(Decimal::ZERO)
        }
    }
}

/// `10^n` for the scales a decimal uses.
fn ten_to(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal { mantissa: 0, scale: 0 };

    /// `mantissa × 10^-scale`; `None` past [`MAX_SCALE`].
    pub fn new(mantissa: i128, scale: u8) -> Option<Decimal> {
        (scale <= MAX_SCALE).then_some(Decimal { mantissa, scale })
    }

    /// A decimal from `mantissa × 10^-scale` with any scale (a negative one, `1.2E+04`, is
    /// multiplied out); `None` when it does not fit.
    pub fn from_parts(mantissa: i128, scale: i32) -> Option<Decimal> {
        if scale < 0 {
            let factor = ten_to(scale.unsigned_abs())?;
            Some(Decimal { mantissa: mantissa.checked_mul(factor)?, scale: 0 })
        } else {
            Decimal::new(mantissa, u8::try_from(scale).ok()?)
        }
    }

    /// The shortest decimal that reads back as `value` (for values computed in floating point,
    /// such as a target level implied by a growth rate); `None` for NaN and infinities.
    pub fn from_f64(value: f64) -> Option<Decimal> {
        if !value.is_finite() {
            return None;
        }
        // Rust prints the shortest round-trip form, never with an exponent.
        format!("{value}").parse().ok()
    }

    /// The nearest `f64` (for the progress maths and for drawing), rounded once.
    pub fn to_f64(self) -> f64 {
        crate::float::nearest_f64(self.mantissa, i32::from(self.scale))
    }

    /// Digits after the point, as written.
    pub fn scale(self) -> u8 {
        self.scale
    }

    /// Whether it is zero.
    pub fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// Whether it is below zero.
    pub fn is_negative(self) -> bool {
        self.mantissa < 0
    }

    /// The mantissa at a larger scale (`None` when it does not fit).
    fn at_scale(self, scale: u8) -> Option<i128> {
        self.mantissa.checked_mul(ten_to(u32::from(scale.checked_sub(self.scale)?))?)
    }

    /// The exact sum, at the larger of the two scales.
    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        Some(Decimal { mantissa: self.at_scale(scale)?.checked_add(other.at_scale(scale)?)?, scale })
    }

    /// The exact difference.
    pub fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        self.checked_add(Decimal { mantissa: other.mantissa.checked_neg()?, ..other })
    }

    /// Rounded (half away from zero) or padded to exactly `decimals` digits after the point.
    pub fn rounded(self, decimals: u8) -> Decimal {
        let decimals = decimals.min(MAX_SCALE);
        match decimals.cmp(&self.scale) {
            Ordering::Equal => self,
            Ordering::Greater => self.at_scale(decimals).map_or(self, |mantissa| Decimal { mantissa, scale: decimals }),
            Ordering::Less => {
                let Some(divisor) = ten_to(u32::from(self.scale - decimals)) else { return self };
                Decimal { mantissa: div_half_away(self.mantissa, divisor), scale: decimals }
            }
        }
    }

    /// `numerator ÷ denominator × factor`, rounded once, half away from zero, to `decimals`
    /// digits; `None` for a zero denominator or a result that does not fit.
    pub fn ratio(numerator: Decimal, denominator: Decimal, factor: Decimal, decimals: u8) -> Option<Decimal> {
        if denominator.is_zero() {
            return None;
        }
        let decimals = decimals.min(MAX_SCALE);
        // value = (n·f / d) with n·f at scale s_n + s_f and d at scale s_d; the result's
        // mantissa at `decimals` is n·f·10^(decimals + s_d − s_n − s_f) / d.
        let top = numerator.mantissa.checked_mul(factor.mantissa)?;
        let shift = i32::from(decimals) + i32::from(denominator.scale) - i32::from(numerator.scale) - i32::from(factor.scale);
        let (top, bottom) = if shift >= 0 {
            (top.checked_mul(ten_to(shift.unsigned_abs())?)?, denominator.mantissa)
        } else {
            (top, denominator.mantissa.checked_mul(ten_to(shift.unsigned_abs())?)?)
        };
        Some(Decimal { mantissa: div_half_away(top, bottom), scale: decimals })
    }

    /// The exact sum of `values`, or `None` if one does not fit.
    pub fn sum(values: impl IntoIterator<Item = Decimal>) -> Option<Decimal> {
        values.into_iter().try_fold(Decimal::ZERO, Decimal::checked_add)
    }

    /// Whether the two are written with the same digits (`19.00` and `19.0` are equal, not the same).
    pub fn same_digits(self, other: Decimal) -> bool {
        self.mantissa == other.mantissa && self.scale == other.scale
    }
}

/// `a / b` rounded half away from zero.
fn div_half_away(a: i128, b: i128) -> i128 {
    let (quotient, remainder) = (a / b, a % b);
    if remainder.unsigned_abs().saturating_mul(2) >= b.unsigned_abs() {
        if (a < 0) == (b < 0) { quotient + 1 } else { quotient - 1 }
    } else {
        quotient
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        let scale = self.scale.max(other.scale);
        match (self.at_scale(scale), other.at_scale(scale)) {
            (Some(a), Some(b)) => a.cmp(&b),
            // Out of i128 at the common scale: compare as floats (never for real statistics).
            _ => self.to_f64().total_cmp(&other.to_f64()),
        }
    }
}

/// The shortest decimal that reads back as the float (`1742.0` → `1742`); NaN and infinities,
/// which no statistic is, become zero. For computed values and tests; reported values never pass
/// through a float.
impl From<f64> for Decimal {
    fn from(value: f64) -> Decimal {
        Decimal::from_f64(value).unwrap_or(Decimal::ZERO)
    }
}

impl From<i64> for Decimal {
    fn from(value: i64) -> Decimal {
        Decimal { mantissa: i128::from(value), scale: 0 }
    }
}

/// Compares the value with a float (as the float reads back): for tests and thresholds.
impl PartialEq<f64> for Decimal {
    fn eq(&self, other: &f64) -> bool {
        self.to_f64() == *other
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.unsigned_abs().to_string();
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let scale = usize::from(self.scale);
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{whole}.{fraction}")
    }
}

/// Text that is not a plain decimal (`-12.340`, `7`, `.5`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseDecimalError;

impl fmt::Display for ParseDecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a decimal number")
    }
}

impl std::error::Error for ParseDecimalError {}

impl FromStr for Decimal {
    type Err = ParseDecimalError;

    fn from_str(text: &str) -> Result<Decimal, ParseDecimalError> {
        let read = crate::float::read_decimal(text.trim()).filter(|read| read.exact).ok_or(ParseDecimalError)?;
        let scale = i32::try_from(read.scale).map_err(|_| ParseDecimalError)?;
        Decimal::from_parts(read.signed_digits(), scale).ok_or(ParseDecimalError)
    }
}

impl serde::Serialize for Decimal {
    /// A JSON number with exactly the decimal's digits; other formats get the digits as text.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match serde_json::value::RawValue::from_string(self.to_string()) {
            Ok(raw) if serializer.is_human_readable() => raw.serialize(serializer),
            _ => serializer.serialize_str(&self.to_string()),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Decimal {
    /// A number or a string of digits.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal number")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Decimal, E> {
                Decimal::from_f64(v).ok_or_else(|| E::custom("not a finite number"))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
                Ok(Decimal { mantissa: i128::from(v), scale: 0 })
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
                Ok(Decimal { mantissa: i128::from(v), scale: 0 })
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Decimal {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Number)
            .description(Some(
                "an exact decimal: a JSON number written with exactly the digits reported (19.00 stays 19.00); sums of districts are exact, derived ratios are rounded half away from zero to the indicator's decimals",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Decimal {}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn keeps_the_digits_as_written() {
        for text in ["19.00", "0.1797", "-12.340", "7", "0", "526.79", "0.05"] {
            assert_eq!(d(text).to_string(), text);
        }
        assert_eq!(d(".5").to_string(), "0.5");
        assert_eq!(d("1.2E+04").to_string(), "12000");
        assert_eq!(d("19.00"), d("19"), "equal in value");
        assert!(!d("19.00").same_digits(d("19")));
        assert!("1,234".parse::<Decimal>().is_err() && "".parse::<Decimal>().is_err() && "1.2.3".parse::<Decimal>().is_err());
    }

    #[test]
    fn sums_are_exact_where_floats_are_not() {
        let parts = ["89.55", "102.31", "145.62", "189.31"].map(d);
        assert_eq!(Decimal::sum(parts).unwrap().to_string(), "526.79");
        let tenths = ["0.1", "0.2"].map(d);
        assert_eq!(Decimal::sum(tenths).unwrap().to_string(), "0.3");
        assert_ne!(tenths.iter().map(|p| p.to_f64()).sum::<f64>().to_string(), "0.3", "the float sum is noisy");
    }

    #[test]
    fn ratios_round_half_away_from_zero_once() {
        let pct = d("100");
        assert_eq!(Decimal::ratio(d("1"), d("8"), pct, 1).unwrap().to_string(), "12.5");
        assert_eq!(Decimal::ratio(d("1"), d("16"), pct, 1).unwrap().to_string(), "6.3", "6.25 rounds up");
        assert_eq!(Decimal::ratio(d("-1"), d("16"), pct, 1).unwrap().to_string(), "-6.3", "away from zero");
        assert_eq!(Decimal::ratio(d("19.00"), d("526.79"), pct, 2).unwrap().to_string(), "3.61");
        assert!(Decimal::ratio(d("1"), d("0.00"), pct, 1).is_none());
        assert_eq!(d("2.345").rounded(2).to_string(), "2.35");
        assert_eq!(d("2.3").rounded(2).to_string(), "2.30");
    }

    #[test]
    fn json_carries_the_digits_as_a_number() {
        assert_eq!(serde_json::to_string(&[d("19.00"), d("-0.5")]).unwrap(), "[19.00,-0.5]");
        let back: Vec<Decimal> = serde_json::from_str(r#"[19.00, "19.00", 7]"#).unwrap();
        assert_eq!(back, [d("19"), d("19"), d("7")]);
        assert!(back[1].same_digits(d("19.00")), "a string keeps its digits");
    }

    proptest! {
        #[test]
        fn printing_and_parsing_round_trip(mantissa in -10i128.pow(20)..10i128.pow(20), scale in 0u8..=8) {
            let value = Decimal::new(mantissa, scale).unwrap();
            let back: Decimal = value.to_string().parse().unwrap();
            prop_assert!(back.same_digits(value));
        }

        #[test]
        fn addition_matches_integers(a in -10i64.pow(12)..10i64.pow(12), b in -10i64.pow(12)..10i64.pow(12)) {
            let sum = Decimal::new(i128::from(a), 2).unwrap().checked_add(Decimal::new(i128::from(b), 3).unwrap()).unwrap();
            prop_assert_eq!(sum, Decimal::new(i128::from(a) * 10 + i128::from(b), 3).unwrap());
        }
    }
}
