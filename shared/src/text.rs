//! Text normalisation for what people type into spreadsheets.
//!
//! Chinese Excel users mix full-width and half-width characters (`１２３`, `（家）`, `Ｑ３`),
//! pad two-character names with ideographic spaces (`渝　中　区`) and leave stray
//! non-breaking spaces. Every lookup in the model goes through [`lookup_key`] so that these
//! variants all find the same indicator or region; the original text is kept for messages.

/// Maps full-width ASCII variants (U+FF01..=U+FF5E) to ASCII and the ideographic space to a
/// space; leaves every other character alone.
pub fn to_half_width(text: &str) -> String {
    text.chars().map(half_width_char).collect()
}

fn half_width_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
        '\u{3000}' | '\u{00A0}' | '\u{2002}'..='\u{200B}' => ' ',
        _ => c,
    }
}

/// Trims the cell the way a person reads it: surrounding whitespace of any width, including
/// ideographic and non-breaking spaces, and a zero-width BOM that survived an export.
pub fn trim_cell(text: &str) -> &str {
    // Most cells start and end with a printable ASCII character, which is never space: nothing
    // to trim (this runs for every cell of every row).
    let bytes = text.as_bytes();
    if bytes.first().is_some_and(u8::is_ascii_graphic) && bytes.last().is_some_and(u8::is_ascii_graphic) {
        return text;
    }
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}')
}

/// The key under which names are compared: half-width, Latin letters in lower case, without
/// any whitespace. `渝　中　区`, `渝中区 ` and `渝中区` share one key; so do `（家）` and `(家)`,
/// and `Ｒ＆Ｄ` and `r&d`.
///
/// Only ASCII letters are folded (full-width ones become ASCII first): the catalogue's names are
/// Chinese and English, and Unicode's full case mapping brought a 13 KB table into the widgets,
/// which build the same keys.
pub fn lookup_key(text: &str) -> String {
    text.chars()
        .map(half_width_char)
        .filter(|c| !c.is_whitespace() && *c != '\u{FEFF}' && *c != '\u{200B}')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Levenshtein distance over characters (not bytes), for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// A hash map for keys from the catalogue (ids, codes, names, observation keys), with a fast
/// fixed hasher instead of SipHash: only catalogue keys are ever inserted, so no upload can
/// choose colliding keys, and on a million-row upload SipHash was a tenth of the contract.
pub type KeyMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_padding_share_a_key() {
        assert_eq!(lookup_key("渝　中　区"), lookup_key("渝中区"));
        assert_eq!(lookup_key("科技型企业（家）"), "科技型企业(家)");
        assert_eq!(lookup_key("２０２５Ｑ３"), "2025q3");
        assert_eq!(lookup_key("Ｒ＆Ｄ 经费"), lookup_key("r&d经费"));
        assert_eq!(lookup_key("ΣⅡ"), "ΣⅡ", "other scripts as written");
    }

    #[test]
    fn trim_cell_removes_every_kind_of_space() {
        assert_eq!(trim_cell("\u{3000} 永川区\u{00A0}"), "永川区");
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("科技型企业数", "科技型企业数量"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("永川", "永川"), 0);
    }
}
