//! Decimal digits to the nearest `f64`, correctly rounded, without the standard library's
//! decimal-to-float parser.
//!
//! Why not `str::parse::<f64>`: it brings the Eisel–Lemire table of 128-bit powers of five
//! (10 KB that no compressor shrinks) into every WebAssembly module that converts a decimal,
//! and the widgets convert every value they draw. Values as statistics have them (at most
//! 16 digits, a power of ten an `f64` holds exactly) take one IEEE division, which is already
//! the correctly rounded result (Clinger's fast path). The rest start from a close guess and
//! are corrected by comparing the exact decimal with the halfway points around the guess, in
//! big integers (`Big`): slower, and rare.
//!
//! ```
//! use innogauge_model::float::nearest_f64;
//! assert_eq!(nearest_f64(52679, 2), 526.79);
//! assert_eq!(nearest_f64(33306690738754696, 32), 3.3306690738754696e-16);
//! assert_eq!(nearest_f64(1, -400), f64::INFINITY);
//! ```

use std::cmp::Ordering;

/// Powers of ten that an `f64` holds exactly (10^22 is the last).
const EXACT_POWERS: [f64; 23] =
    [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/// The `f64` nearest to `mantissa × 10^-scale`, rounded once (ties to even), as parsing the
/// text `{mantissa}e{-scale}` gives it.
pub fn nearest_f64(mantissa: i128, scale: i32) -> f64 {
    const EXACT_DIGITS: u128 = 1 << 53;
    if mantissa.unsigned_abs() <= EXACT_DIGITS
        && let Some(&power) = usize::try_from(scale.unsigned_abs()).ok().and_then(|s| EXACT_POWERS.get(s))
    {
        // `mantissa` is exact in an f64 here.
        let digits = mantissa as f64;
        return if scale >= 0 { digits / power } else { digits * power };
    }
    let magnitude = nearest_positive(mantissa.unsigned_abs(), scale.saturating_neg());
    if mantissa < 0 { -magnitude } else { magnitude }
}

/// The nearest `f64` to `digits × 10^exponent`.
fn nearest_positive(digits: u128, exponent: i32) -> f64 {
    // `digits` < 2^128 < 10^39: past these bounds the value is beyond the largest `f64`, or
    // below half the smallest one, whatever the digits (and a hostile exponent costs nothing).
    if digits == 0 || exponent < -364 {
        return 0.0;
    }
    if exponent > 310 {
        return f64::INFINITY;
    }
    // A guess within a few units in the last place: one rounding of the digits and a few in
    // the powers (split in two so that neither over- nor underflows on its own).
    let half = exponent / 2;
    let mut guess = digits as f64 * 10f64.powi(half) * 10f64.powi(exponent - half);
    if guess.is_infinite() {
        guess = f64::MAX;
    } else if guess == 0.0 {
        guess = f64::from_bits(1);
    }
    let exact = Exact { digits, exponent };
    loop {
        let (significand, power) = decompose(guess);
        // The halfway points to the neighbours: (2s ± 1) × 2^(p-1), except below the
        // smallest significand of a binade, where the gap is half as wide.
        let odd = significand & 1 == 1;
        match exact.cmp_halfway(2 * significand + 1, power - 1) {
            Ordering::Greater => {}
            Ordering::Equal if odd => {}
            _ => {
                let lower = if significand == 1 << 52 && power > -1074 {
                    exact.cmp_halfway(4 * significand - 1, power - 2)
                } else {
                    exact.cmp_halfway(2 * significand - 1, power - 1)
                };
                match lower {
                    Ordering::Less => {}
                    Ordering::Equal if odd => {}
                    _ => return guess,
                }
                guess = f64::from_bits(guess.to_bits() - 1);
                if guess == 0.0 {
                    return 0.0;
                }
                continue;
            }
        }
        guess = f64::from_bits(guess.to_bits() + 1);
        if guess.is_infinite() {
            return guess;
        }
    }
}

/// A positive finite `f64` as `significand × 2^power` (the significand has 53 bits for a
/// normal number).
fn decompose(value: f64) -> (u64, i32) {
    let bits = value.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    if biased == 0 { (fraction, -1074) } else { (fraction | (1 << 52), biased - 1075) }
}

/// The decimal being converted, `digits × 10^exponent`.
struct Exact {
    digits: u128,
    exponent: i32,
}

impl Exact {
    /// How the decimal compares with `odd × 2^power`: both sides in whole numbers, each
    /// multiplied by the negative powers of the other.
    fn cmp_halfway(&self, odd: u64, power: i32) -> Ordering {
        let mut decimal = Big::from(self.digits);
        let mut binary = Big::from(u128::from(odd));
        if self.exponent >= 0 {
            decimal.mul_pow10(self.exponent.unsigned_abs());
        } else {
            binary.mul_pow10(self.exponent.unsigned_abs());
        }
        if power >= 0 {
            binary.shl(power.unsigned_abs());
        } else {
            decimal.shl(power.unsigned_abs());
        }
        decimal.cmp(&binary)
    }
}

/// A natural number in 32-bit limbs, least significant first, with no high zero limbs: just
/// what comparing a decimal with a binary halfway point needs (at most ~2,300 bits here).
#[derive(PartialEq, Eq)]
struct Big(Vec<u32>);

impl From<u128> for Big {
    fn from(mut value: u128) -> Big {
        let mut limbs = Vec::with_capacity(80);
        while value != 0 {
            limbs.push(value as u32);
            value >>= 32;
        }
        Big(limbs)
    }
}

impl Big {
    fn mul_small(&mut self, factor: u32) {
        let mut carry = 0u64;
        for limb in &mut self.0 {
            let product = u64::from(*limb) * u64::from(factor) + carry;
            *limb = product as u32;
            carry = product >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut n: u32) {
        while n >= 9 {
            self.mul_small(1_000_000_000);
            n -= 9;
        }
        self.mul_small(10u32.pow(n));
    }

    fn shl(&mut self, bits: u32) {
        if self.0.is_empty() {
            return;
        }
        let (limbs, bits) = ((bits / 32) as usize, bits % 32);
        if bits != 0 {
            let mut carry = 0;
            for limb in &mut self.0 {
                let shifted = (u64::from(*limb) << bits) | carry;
                *limb = shifted as u32;
                carry = shifted >> 32;
            }
            if carry != 0 {
                self.0.push(carry as u32);
            }
        }
        self.0.splice(0..0, std::iter::repeat_n(0, limbs));
    }
}

impl Ord for Big {
    fn cmp(&self, other: &Big) -> Ordering {
        self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, other: &Big) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Whether `text` is a number as Rust's `f64` parser reads one (an optional sign; digits with
/// an optional point, or a point and digits; an optional exponent; or `inf`, `infinity`,
/// `nan` in any case), without parsing it.
pub fn is_float_text(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    ["inf", "infinity", "nan"].iter().any(|word| unsigned.eq_ignore_ascii_case(word)) || read_decimal(text).is_some()
}

/// A decimal number's text taken apart: `digits × 10^-scale`, with its sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecimalText {
    /// The sign was `-` (kept apart so that `-0` stays negative).
    pub negative: bool,
    /// The digits, without the point (never negative).
    pub digits: i128,
    /// Digits after the point, less the exponent.
    pub scale: i64,
    /// Every digit is in `digits`: none had to be dropped for want of room in an `i128`.
    pub exact: bool,
}

impl DecimalText {
    /// The digits with their sign.
    pub fn signed_digits(&self) -> i128 {
        if self.negative { -self.digits } else { self.digits }
    }
}

/// Reads `[+-]digits[.digits][(e|E)[+-]digits]`, with digits on at least one side of the point
/// (`1.`, `.5` and `1.2E+04` are numbers): the grammar of Rust's float parser and of
/// [`crate::decimal::Decimal`], and a superset of JSON's. Digits past what an `i128` holds are
/// dropped (and the result is not `exact`); an exponent past ±10^15 saturates. `None` for
/// anything else.
pub fn read_decimal(text: &str) -> Option<DecimalText> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (number, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((number, exponent)) => (number, read_exponent(exponent)?),
        None => (unsigned, 0),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty()) || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut read = DecimalText { negative, digits: 0, scale: 0, exact: true };
    for (i, b) in whole.bytes().chain(fraction.bytes()).enumerate() {
        let in_fraction = i >= whole.len();
        match read.digits.checked_mul(10).and_then(|d| d.checked_add(i128::from(b - b'0'))) {
            Some(digits) if read.exact => {
                read.digits = digits;
                read.scale += i64::from(in_fraction);
            }
            // No room: the digit is dropped, and so are all after it.
            _ => {
                read.exact = false;
                read.scale -= i64::from(!in_fraction);
            }
        }
    }
    read.scale -= exponent;
    Some(read)
}

/// An exponent's digits with their optional sign, saturating at ±10^15.
fn read_exponent(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits.bytes().fold(0i64, |e, b| (e * 10 + i64::from(b - b'0')).min(1_000_000_000_000_000));
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn parsed(m: i128, scale: i32) -> f64 {
        format!("{m}e{}", -i64::from(scale)).parse().unwrap()
    }

    proptest! {
        /// Every path gives the very float that parsing the decimal text gives.
        #[test]
        fn the_nearest_float_is_the_parsed_text(mantissa in any::<i64>(), small in -(1i64 << 53)..(1i64 << 53), scale in -25i32..30) {
            for m in [i128::from(mantissa), i128::from(small)] {
                prop_assert_eq!(nearest_f64(m, scale).to_bits(), parsed(m, scale).to_bits(), "{}e{}", m, -scale);
            }
        }

        /// Wide digits and exponents to the ends of the `f64` range, subnormals included.
        #[test]
        fn far_exponents_and_wide_digits_too(wide in any::<i128>(), digits in 1u32..39, scale in -400i32..400) {
            let m = wide % 10i128.pow(digits);
            prop_assert_eq!(nearest_f64(m, scale).to_bits(), parsed(m, scale).to_bits(), "{}e{}", m, -scale);
        }
    }

    #[test]
    fn halfway_cases_round_to_even() {
        // 2^53 + 1 is halfway between two floats; 2^53 + 3 too, and rounds up to the even one.
        for (m, scale) in [
            ((1i128 << 53) + 1, 0),
            ((1 << 53) + 3, 0),
            (9007199254740993000, 3),
            (5, 324),
            (25, 325),
            (1, -309),
            (17976931348623158, -292),
        ] {
            assert_eq!(nearest_f64(m, scale).to_bits(), parsed(m, scale).to_bits(), "{m}e{}", -scale);
        }
        assert_eq!(nearest_f64(i128::MIN, 0), -1.7014118346046923e38);
        assert_eq!(nearest_f64(1, i32::MIN), f64::INFINITY);
        assert_eq!(nearest_f64(-1, i32::MAX), -0.0);
    }

    #[test]
    fn decimal_text_is_taken_apart() {
        let read = |text| read_decimal(text).map(|d| (d.signed_digits(), d.scale, d.exact));
        assert_eq!(read("-12.50"), Some((-1250, 2, true)));
        assert_eq!(read("+1.2E+04"), Some((12, -3, true)));
        assert_eq!(read(".5"), Some((5, 1, true)));
        assert_eq!(read("1e-2147483648"), Some((1, 2_147_483_648, true)));
        assert_eq!(read("1e99999999999999999999"), Some((1, -1_000_000_000_000_000, true)));
        assert!(read_decimal("-0").is_some_and(|d| d.negative && d.digits == 0));
        let long = format!("1{}", "0".repeat(45));
        let read_long = read_decimal(&long).unwrap();
        assert!(!read_long.exact);
        assert_eq!(nearest_f64(read_long.digits, i32::try_from(read_long.scale).unwrap()), 1e45);
        for text in ["", "-", ".", "e5", "1e", "1e+", "1.2.3", "--1", "1 ", "0x10", "1_000", "1e5e3"] {
            assert_eq!(read_decimal(text), None, "{text:?}");
        }
    }

    #[test]
    fn float_text_is_what_the_parser_takes() {
        for text in [
            "1",
            "-1",
            "+1",
            "1.",
            ".5",
            "-.5",
            "1e5",
            "1E+5",
            "1e-5",
            "1.5e3",
            "inf",
            "-Infinity",
            "NaN",
            "",
            ".",
            "-",
            "e5",
            "1e",
            "1e+",
            "1.2.3",
            "--1",
            "1 ",
            " 1",
            "0x10",
            "1_000",
            "١",
            "-=1",
            "-1,234",
            "-∞",
            "-1e5x",
        ] {
            assert_eq!(is_float_text(text), text.parse::<f64>().is_ok(), "{text:?}");
        }
    }
}
