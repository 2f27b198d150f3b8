//! Number formatting as readers expect it: thousands separators, and the Chinese 万/亿
//! magnitudes (4.5万家, 686.6亿元); and CSV cells safe to open in a spreadsheet. Shared by the
//! server's exports and the widgets.

use crate::message::Lang;

/// `value` with `decimals` places and thousands separators: `45,000`, `686.60`.
/// Non-finite values print as `—`.
pub fn format_number(value: f64, decimals: u8) -> String {
    if !value.is_finite() {
        return "—".to_owned();
    }
    let fixed = format!("{:.*}", usize::from(decimals), value.abs());
    grouped(&fixed, value.is_sign_negative())
}

/// An exact decimal rounded (half away from zero, 四舍五入) to `decimals` places, with
/// thousands separators: `526.79`, `19.00`, `45,000`. No float is involved.
pub fn format_decimal(value: crate::decimal::Decimal, decimals: u8) -> String {
    let text = value.rounded(decimals).to_string();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    grouped(digits, negative)
}

/// Unsigned fixed-point digits (`1234567.50`) with thousands separators, and the sign.
fn grouped(fixed: &str, negative: bool) -> String {
    let (int_part, frac_part) = match fixed.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (fixed, None),
    };
    let mut grouped = String::with_capacity(fixed.len() + fixed.len() / 3);
    for (i, digit) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if let Some(frac) = frac_part {
        grouped.push('.');
        grouped.push_str(frac);
    }
    let is_zero = grouped.bytes().all(|b| matches!(b, b'0' | b'.' | b','));
    if negative && !is_zero {
        grouped.insert(0, '-');
    }
    grouped
}

/// A compact figure for a headline: in Chinese with 万 (10⁴) and 亿 (10⁸), in English with
/// k / M / bn, keeping about three significant digits. `45000` → `4.5万` / `45k`.
pub fn format_compact(value: f64, decimals: u8, lang: Lang) -> String {
    if !value.is_finite() {
        return "—".to_owned();
    }
    let magnitude = value.abs();
    let scaled = |divisor: f64, suffix: &str| {
        let v = value / divisor;
        let places = if v.abs() >= 100.0 {
            0
        } else if v.abs() >= 10.0 {
            1
        } else {
            2
        };
        let text = format_number(v, places);
        let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text };
        format!("{text}{suffix}")
    };
    match lang {
        Lang::Zh if magnitude >= 1e8 => scaled(1e8, "亿"),
        Lang::Zh if magnitude >= 1e4 => scaled(1e4, "万"),
        Lang::En if magnitude >= 1e9 => scaled(1e9, "bn"),
        Lang::En if magnitude >= 1e6 => scaled(1e6, "M"),
        Lang::En if magnitude >= 1e4 => scaled(1e3, "k"),
        _ => format_number(value, decimals),
    }
}

/// A percentage with one decimal: `12.5%`.
pub fn format_percent(percent: f64) -> String {
    format!("{}%", format_number(percent, 1))
}

/// A CSV cell that a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return gets a leading `'` (numbers, negative ones too, stay numbers);
/// quoted when it holds a comma, a quote or a line break.
pub fn csv_cell(text: &str) -> String {
    let formula_like = text.starts_with(['=', '+', '@', '\t', '\r']) || (text.starts_with('-') && !crate::float::is_float_text(text));
    let neutral = if formula_like { format!("'{text}") } else { text.to_owned() };
    if neutral.contains([',', '"', '\n', '\r']) { format!("\"{}\"", neutral.replace('"', "\"\"")) } else { neutral }
}

/// One CSV line (without its line break) of `cells`, each made safe by [`csv_cell`].
pub fn csv_line<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> String {
    cells.into_iter().map(|c| csv_cell(c.as_ref())).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        assert_eq!(csv_cell("永川区"), "永川区");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("-cmd|x"), "'-cmd|x");
        assert_eq!(csv_cell("-12.5"), "-12.5");
        assert_eq!(csv_line(["地区", "1,234"]), "地区,\"1,234\"");
    }

    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(format_number(45000.0, 0), "45,000");
        assert_eq!(format_number(1234567.891, 2), "1,234,567.89");
        assert_eq!(format_number(-1234.0, 0), "-1,234");
        assert_eq!(format_number(-0.0001, 2), "0.00");
        assert_eq!(format_number(999.0, 0), "999");
        assert_eq!(format_number(f64::NAN, 0), "—");
    }

    #[test]
    fn compact_uses_chinese_magnitudes() {
        assert_eq!(format_compact(45000.0, 0, Lang::Zh), "4.5万");
        assert_eq!(format_compact(42989.0, 0, Lang::Zh), "4.3万");
        assert_eq!(format_compact(8000.0, 0, Lang::Zh), "8,000");
        assert_eq!(format_compact(2.6e12, 0, Lang::Zh), "26,000亿");
        assert_eq!(format_compact(45000.0, 0, Lang::En), "45k");
        assert_eq!(format_compact(686.6, 1, Lang::En), "686.6");
    }
}
