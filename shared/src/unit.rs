//! Units of measure and their exact power-of-ten conversions.
//!
//! A header such as `科技型企业（万家）` states the unit the statistician used. If it has the
//! same dimension as the indicator's unit the value is rescaled by an exact power of ten
//! (万家 → 家 is ×10⁴, 万元 → 亿元 is ×10⁻⁴); a unit of another dimension is rejected, never
//! guessed. The units themselves are catalogue data (`fixtures/catalog/indicators.toml`).

use crate::text::lookup_key;

/// A unit of measure.
#[derive(Clone, Debug, PartialEq)]
pub struct Unit {
    /// The symbol as Chinese tables write it: 家, 万家, 亿元, %, 名…
    pub symbol: String,
    /// English name, e.g. "enterprises", "100 million yuan".
    pub name_en: String,
    /// What is counted or measured; only units of one dimension convert into each other.
    pub dimension: String,
    /// The unit is 10^power_of_ten of the dimension's base unit (万家: 4, 亿元: 8).
    pub power_of_ten: i32,
    /// Other spellings (`％` for `%`).
    pub aliases: Vec<String>,
}

impl Unit {
    /// Whether `text` names this unit.
    pub fn is_named(&self, text: &str) -> bool {
        let key = lookup_key(text);
        lookup_key(&self.symbol) == key || self.aliases.iter().any(|a| lookup_key(a) == key)
    }

    /// The power of ten that turns a value in `self` into a value in `target`, or `None` when
    /// the dimensions differ. 4.5 万家 → 家 is `Some(4)`.
    pub fn shift_to(&self, target: &Unit) -> Option<i32> {
        (self.dimension == target.dimension).then(|| self.power_of_ten - target.power_of_ten)
    }
}
