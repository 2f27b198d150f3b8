//! Numbers as Chinese Excel writes them: `1,234`, `１２３４`, `1,234.5`, `12.5%`, `1.2E+04`,
//! and the marks that mean "no value" (empty, `—`, `-`, `/`…), which are never zero.
//!
//! Values are parsed into an exact decimal first so that a unit conversion (万家 → 家) is an
//! exact shift of the decimal point, and "is this a whole number of enterprises" is decided on
//! the digits the statistician typed, not on a binary float.

use crate::text::to_half_width;

/// Cell texts that mean "no value" (not zero).
pub const NO_VALUE_MARKS: [&str; 9] = ["—", "——", "-", "--", "－", "…", "……", "/", "／"];

/// A number read from a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellNumber {
    /// Digits without the decimal point.
    pub mantissa: i128,
    /// Digits after the decimal point (value = mantissa × 10^-scale).
    pub scale: i32,
    /// The text ended with a percent sign.
    pub percent: bool,
}

/// Why a cell is not a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberError {
    /// Letters or symbols where digits belong.
    NotANumber,
    /// Thousands separators that do not group three digits (`12,34`).
    BadGrouping,
    /// More digits than a statistic can meaningfully have.
    TooLong,
}

/// Parses a cell: `Ok(None)` for an empty or no-value cell, `Ok(Some(n))` for a number.
pub fn parse_cell_number(text: &str) -> Result<Option<CellNumber>, NumberError> {
    let trimmed = crate::text::trim_cell(text);
    if trimmed.is_empty() || NO_VALUE_MARKS.contains(&trimmed) {
        return Ok(None);
    }
    // Full-width digits, ，．－％ become their ASCII twins (a cell that is ASCII already, as
    // nearly all are, is read as it is: no copy per cell).
    let half;
    let mut s = if trimmed.is_ascii() {
        trimmed
    } else {
        half = to_half_width(trimmed);
        half.trim()
    };
    let percent = s.ends_with('%');
    if percent {
        s = s[..s.len() - 1].trim_end();
    }
    let negative = s.starts_with('-');
    if negative || s.starts_with('+') {
        s = &s[1..];
    }
    let (number, exponent) = match s.find(['e', 'E']) {
        Some(i) => {
            let exponent: i32 = s[i + 1..].parse().map_err(|_| NumberError::NotANumber)?;
            (&s[..i], exponent)
        }
        None => (s, 0),
    };
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(NumberError::NotANumber);
    }
    check_grouping(int_part)?;
    if !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::NotANumber);
    }
    let digits = int_part.bytes().chain(frac_part.bytes()).filter(|b| *b != b',');
    if digits.clone().count() > 30 {
        return Err(NumberError::TooLong);
    }
    // At most 30 digits: an i128 holds them.
    let mantissa = digits.fold(0i128, |m, d| m * 10 + i128::from(d - b'0'));
    let scale = i32::try_from(frac_part.len()).map_err(|_| NumberError::TooLong)? - exponent;
    Ok(Some(CellNumber { mantissa: if negative { -mantissa } else { mantissa }, scale, percent }))
}

/// `1,234,567` is fine; groups that are not three digits are not, nor anything but digits.
fn check_grouping(int_part: &str) -> Result<(), NumberError> {
    if !int_part.contains(',') {
        return if int_part.bytes().all(|b| b.is_ascii_digit()) { Ok(()) } else { Err(NumberError::NotANumber) };
    }
    let mut groups = int_part.split(',');
    let all_digits = groups.clone().all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()));
    if !all_digits {
        return Err(NumberError::NotANumber);
    }
    let first_ok = groups.next().is_some_and(|g| g.len() <= 3);
    let rest_ok = groups.all(|g| g.len() == 3);
    if first_ok && rest_ok { Ok(()) } else { Err(NumberError::BadGrouping) }
}

impl CellNumber {
    /// The number multiplied by 10^shift, exactly.
    pub fn shifted(self, shift: i32) -> CellNumber {
        CellNumber { scale: self.scale - shift, ..self }
    }

    /// Whether the value has no fractional part.
    pub fn is_whole(self) -> bool {
        if self.scale <= 0 {
            return true;
        }
        let Ok(scale) = u32::try_from(self.scale) else { return false };
        10i128.checked_pow(scale).is_none_or(|divisor| self.mantissa % divisor == 0)
    }

    /// The nearest `f64`, rounded once (see [`crate::float::nearest_f64`]).
    pub fn to_f64(self) -> f64 {
        crate::float::nearest_f64(self.mantissa, self.scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> f64 {
        parse_cell_number(text).unwrap().unwrap().to_f64()
    }

    #[test]
    fn reads_what_excel_writes() {
        assert_eq!(value("1,234"), 1234.0);
        assert_eq!(value("１２３４"), 1234.0);
        assert_eq!(value("1，234．5"), 1234.5);
        assert_eq!(value(" 686.60 "), 686.6);
        assert_eq!(value("-12"), -12.0);
        assert_eq!(value("1.2E+04"), 12000.0);
        assert_eq!(value(".5"), 0.5);
        let percent = parse_cell_number("12.5%").unwrap().unwrap();
        assert!(percent.percent);
        assert_eq!(percent.to_f64(), 12.5);
        assert!(parse_cell_number("12.5％").unwrap().unwrap().percent);
    }

    #[test]
    fn no_value_marks_are_not_zero() {
        for text in ["", "  ", "—", "-", "--", "/", "…"] {
            assert_eq!(parse_cell_number(text), Ok(None), "{text:?}");
        }
    }

    #[test]
    fn rejects_non_numbers() {
        assert_eq!(parse_cell_number("12a"), Err(NumberError::NotANumber));
        assert_eq!(parse_cell_number("约100"), Err(NumberError::NotANumber));
        assert_eq!(parse_cell_number("12,34"), Err(NumberError::BadGrouping));
        assert_eq!(parse_cell_number("1,2345"), Err(NumberError::BadGrouping));
        assert_eq!(parse_cell_number("."), Err(NumberError::NotANumber));
        assert_eq!(parse_cell_number("1.2.3"), Err(NumberError::NotANumber));
    }

    #[test]
    fn unit_shifts_are_exact() {
        let n = parse_cell_number("4.2").unwrap().unwrap();
        assert_eq!(n.shifted(4).to_f64(), 42000.0);
        assert!(n.shifted(4).is_whole());
        assert!(!n.is_whole());
        let wan_yuan = parse_cell_number("6,866,000").unwrap().unwrap();
        assert_eq!(wan_yuan.shifted(-4).to_f64(), 686.6);
        assert!(parse_cell_number("4.00001").unwrap().unwrap().shifted(4).to_f64() > 40000.0);
        assert!(!parse_cell_number("4.00001").unwrap().unwrap().shifted(4).is_whole());
    }
}
