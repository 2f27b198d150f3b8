//! A small JSON reader for the documents the widgets read (the catalogue, a series, a commit
//! event), and [`FromJson`], the decoding each of those types writes out by hand.
//!
//! Why not serde here: the server writes these documents with serde, and reading them with
//! serde in the widgets cost the small WebAssembly module 66 KB of visitor code and serde_json's
//! tables (a third of its transfer after yew); `cargo xtask bench` measures the bundle. A tree
//! of [`Value`]s and a few lines per type read the same documents in a fraction of that. The
//! decoders are checked against serde's in this crate's tests: every field set, written by
//! serde, reads back equal.
//!
//! Numbers keep their text, so a decimal reads back digit for digit (`19.00`) and a float is
//! rounded once ([`crate::float::nearest_f64`]). Unknown fields are skipped: a widget keeps
//! working when a newer server adds one. Nesting deeper than [`MAX_DEPTH`] is refused, so a
//! hostile body cannot exhaust the stack.
//!
//! ```
//! use innogauge_model::json::{FromJson, Value};
//! use innogauge_model::wire::MessageWire;
//! let value = Value::parse(r#"{"zh": "已达标", "en": "Met", "extra": [1, 2]}"#).unwrap();
//! assert_eq!(MessageWire::from_json(&value).unwrap(), MessageWire { zh: "已达标".into(), en: "Met".into() });
//! ```

use std::borrow::Cow;
use std::fmt;

use crate::decimal::Decimal;

/// How deep arrays and objects may nest.
pub const MAX_DEPTH: usize = 64;

/// A parsed JSON value, borrowing from the text where it can.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(&'a str),
    /// A string, unescaped.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// An object's members in order (a later duplicate is not looked at).
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

/// Why a document could not be read: where, and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} at {at}")]
pub struct JsonError {
    /// The byte offset (parsing) or the field path (decoding, `progress[0].latest.value`).
    pub at: String,
    /// What was wrong.
    pub message: String,
}

impl JsonError {
    fn new(at: impl fmt::Display, message: &str) -> JsonError {
        JsonError { at: at.to_string(), message: message.to_owned() }
    }

    /// The error inside `field` of what contains it.
    fn within(mut self, field: &str) -> JsonError {
        self.at = if self.at.is_empty() {
            field.to_owned()
        } else if self.at.starts_with('[') {
            format!("{field}{}", self.at)
        } else {
            format!("{field}.{}", self.at)
        };
        self
    }
}

impl<'a> Value<'a> {
    /// Parses a whole document (whitespace around it allowed, nothing else after it).
    pub fn parse(text: &'a str) -> Result<Value<'a>, JsonError> {
        let mut parser = Parser { text, at: 0 };
        let value = parser.value(0)?;
        parser.skip_whitespace();
        if parser.at != text.len() {
            return Err(JsonError::new(parser.at, "unexpected text after the document"));
        }
        Ok(value)
    }

    /// The member `name` of an object (`None` for a missing one or a non-object).
    pub fn get(&self, name: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(members) => members.iter().find(|(key, _)| key == name).map(|(_, value)| value),
            _ => None,
        }
    }

    /// The string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// The number as an `i64`, if it is a whole one in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(text) => text.parse().ok(),
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    fn expected(&self, what: &str) -> JsonError {
        JsonError::new("", &format!("expected {what}, found {}", self.kind()))
    }

    /// The members of an object, for reading its fields.
    pub fn object(&self) -> Result<Object<'_, 'a>, JsonError> {
        match self {
            Value::Object(members) => Ok(Object(members)),
            other => Err(other.expected("an object")),
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Parser<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.bytes().get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn error(&self, message: &str) -> JsonError {
        JsonError::new(self.at, message)
    }

    fn literal(&mut self, word: &str, value: Value<'a>) -> Result<Value<'a>, JsonError> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error("unexpected text"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, JsonError> {
        self.skip_whitespace();
        match self.bytes().get(self.at) {
            None => Err(self.error("unexpected end")),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'[' | b'{') if depth >= MAX_DEPTH => Err(self.error("nested too deeply")),
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.close(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.separator(b']')? {
                            break;
                        }
                    }
                }
                Ok(Value::Array(items))
            }
            Some(b'{') => {
                self.at += 1;
                let mut members = Vec::new();
                if !self.close(b'}') {
                    loop {
                        self.skip_whitespace();
                        if self.bytes().get(self.at) != Some(&b'"') {
                            return Err(self.error("expected a member name"));
                        }
                        let name = self.string()?;
                        self.skip_whitespace();
                        if self.bytes().get(self.at) != Some(&b':') {
                            return Err(self.error("expected `:`"));
                        }
                        self.at += 1;
                        members.push((name, self.value(depth + 1)?));
                        if self.separator(b'}')? {
                            break;
                        }
                    }
                }
                Ok(Value::Object(members))
            }
            Some(_) => self.number(),
        }
    }

    /// Skips whitespace and the closing `end` of an empty array or object, if it is there.
    fn close(&mut self, end: u8) -> bool {
        self.skip_whitespace();
        let closed = self.bytes().get(self.at) == Some(&end);
        self.at += usize::from(closed);
        closed
    }

    /// After an item: `,` (more follow) or `end` (true).
    fn separator(&mut self, end: u8) -> Result<bool, JsonError> {
        self.skip_whitespace();
        match self.bytes().get(self.at) {
            Some(b',') => {
                self.at += 1;
                Ok(false)
            }
            Some(&b) if b == end => {
                self.at += 1;
                Ok(true)
            }
            _ => Err(self.error(if end == b']' { "expected `,` or `]`" } else { "expected `,` or `}`" })),
        }
    }

    fn number(&mut self) -> Result<Value<'a>, JsonError> {
        let start = self.at;
        let bytes = self.bytes();
        let digits = |at: usize| bytes[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        let mut at = start + usize::from(bytes.get(start) == Some(&b'-'));
        let whole = digits(at);
        // No leading zeros, as JSON has it.
        if whole == 0 || (whole > 1 && bytes[at] == b'0') {
            return Err(self.error("expected a value"));
        }
        at += whole;
        if bytes.get(at) == Some(&b'.') {
            let fraction = digits(at + 1);
            if fraction == 0 {
                return Err(JsonError::new(at, "expected digits after the point"));
            }
            at += 1 + fraction;
        }
        at += exponent_len(&bytes[at..]).ok_or_else(|| JsonError::new(at, "expected digits in the exponent"))?;
        self.at = at;
        Ok(Value::Number(&self.text[start..at]))
    }

    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        self.at += 1;
        let start = self.at;
        let bytes = self.bytes();
        // Most strings have no escape: borrowed as they are.
        while let Some(&b) = bytes.get(self.at) {
            match b {
                b'"' => {
                    self.at += 1;
                    return Ok(Cow::Borrowed(&self.text[start..self.at - 1]));
                }
                b'\\' => break,
                0..0x20 => return Err(self.error("a control character in a string")),
                _ => self.at += 1,
            }
        }
        let mut text = String::from(&self.text[start..self.at]);
        loop {
            match bytes.get(self.at) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(Cow::Owned(text));
                }
                Some(b'\\') => {
                    let escaped = match bytes.get(self.at + 1) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.at += 2;
                            let unit = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&unit) {
                                // A high surrogate: its low half must follow.
                                if !self.text[self.at..].starts_with("\\u") {
                                    return Err(self.error("a lone surrogate"));
                                }
                                self.at += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(self.error("a lone surrogate"));
                                }
                                0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                unit
                            };
                            text.push(char::from_u32(code).ok_or_else(|| self.error("a lone surrogate"))?);
                            continue;
                        }
                        _ => return Err(self.error("an unknown escape")),
                    };
                    text.push(escaped);
                    self.at += 2;
                }
                Some(0..0x20) => return Err(self.error("a control character in a string")),
                Some(_) => {
                    // Copy up to the next quote or backslash (UTF-8 continuation bytes are
                    // never either, so the cut is on a character boundary).
                    let run = bytes[self.at..].iter().take_while(|&&b| b != b'"' && b != b'\\' && b >= 0x20).count();
                    text.push_str(&self.text[self.at..self.at + run]);
                    self.at += run;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self.text.get(self.at..self.at + 4).filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        let unit = digits.and_then(|d| u32::from_str_radix(d, 16).ok()).ok_or_else(|| self.error("expected four hex digits"))?;
        self.at += 4;
        Ok(unit)
    }
}

/// The length of the exponent (`e5`, `E+05`, `e-7`) that `bytes` start with: `Some(0)` when
/// they start with none, `None` when one starts without digits.
fn exponent_len(bytes: &[u8]) -> Option<usize> {
    if !matches!(bytes.first(), Some(b'e' | b'E')) {
        return Some(0);
    }
    let sign = usize::from(matches!(bytes.get(1), Some(b'+' | b'-')));
    let digits = bytes[1 + sign..].iter().take_while(|b| b.is_ascii_digit()).count();
    (digits > 0).then_some(1 + sign + digits)
}

/// A JSON object's members, read field by field through [`Fields`].
#[derive(Clone, Copy, Debug)]
pub struct Object<'v, 'a>(&'v [(Cow<'a, str>, Value<'a>)]);

impl<'v, 'a> Object<'v, 'a> {
    fn find(&self, name: &str) -> Option<&'v Value<'a>> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value)
    }
}

/// An object's fields read into a struct under construction, each once, in one expression:
/// a field that fails records the first error and reads as its type's
/// [`placeholder`](FromJson::placeholder), and [`Fields::finish`] returns that error.
///
/// Why not `?` on each field: every `?` in a struct expression is an exit that drops the fields
/// read before it, and the compiler writes those drops out at each exit. For the 25 fields of
/// a progress record that was most of its decoder's code, which the browser downloads.
#[derive(Debug)]
pub struct Fields<'v, 'a> {
    object: Object<'v, 'a>,
    first_error: Option<JsonError>,
}

impl<'v, 'a> Fields<'v, 'a> {
    /// The fields of `value`, which must be an object.
    pub fn of(value: &'v Value<'a>) -> Result<Self, JsonError> {
        Ok(Fields { object: value.object()?, first_error: None })
    }

    /// Keeps the first error: field `name`'s `error`, or that it is missing (`None`). One
    /// function for every field type, so each type's readers below stay a lookup and a call.
    #[cold]
    #[inline(never)]
    fn failed(&mut self, name: &str, error: Option<JsonError>) {
        if self.first_error.is_none() {
            self.first_error = Some(error.unwrap_or_else(|| JsonError::new("", "missing field")).within(name));
        }
    }

    /// Field `name`: required unless `T` is an `Option` (missing or `null` is `None`).
    #[inline(never)]
    pub fn required<T: FromJson>(&mut self, name: &str) -> T {
        let read = match self.object.find(name) {
            Some(value) => T::from_json(value).map_err(Some),
            None => T::missing().ok_or(None),
        };
        read.unwrap_or_else(|error| {
            self.failed(name, error);
            T::placeholder()
        })
    }

    /// Field `name`, or `T`'s default when it is missing (serde's `#[serde(default)]`).
    #[inline(never)]
    pub fn or_default<T: FromJson + Default>(&mut self, name: &str) -> T {
        self.or_else(name, T::default)
    }

    /// Field `name`, or `default()` when it is missing.
    pub fn or_else<T: FromJson>(&mut self, name: &str, default: fn() -> T) -> T {
        match self.object.find(name) {
            Some(value) => T::from_json(value).unwrap_or_else(|error| {
                self.failed(name, Some(error));
                T::placeholder()
            }),
            None => default(),
        }
    }

    /// `built`, or the first field's error.
    pub fn finish<T>(self, built: T) -> Result<T, JsonError> {
        match self.first_error {
            None => Ok(built),
            Some(error) => Err(error),
        }
    }
}

/// A type read from a JSON value.
pub trait FromJson: Sized {
    /// Reads the value.
    fn from_json(value: &Value<'_>) -> Result<Self, JsonError>;

    /// What a field of this type holds after reading it failed, until [`Fields::finish`]
    /// returns the error: never given to a caller.
    fn placeholder() -> Self;

    /// What a missing field holds (`None` for an `Option`); `None` when it is required.
    fn missing() -> Option<Self> {
        None
    }

    /// Parses `text` and reads it.
    fn from_json_text(text: &str) -> Result<Self, JsonError> {
        Self::from_json(&Value::parse(text)?)
    }
}

impl FromJson for String {
    fn from_json(value: &Value<'_>) -> Result<Self, JsonError> {
        value.as_str().map(str::to_owned).ok_or_else(|| value.expected("a string"))
    }

    fn placeholder() -> Self {
        String::new()
    }
}

impl FromJson for bool {
    fn from_json(value: &Value<'_>) -> Result<Self, JsonError> {
        match value {
            Value::Bool(b) => Ok(*b),
            other => Err(other.expected("a boolean")),
        }
    }

    fn placeholder() -> Self {
        false
    }
}

impl FromJson for f64 {
    fn from_json(value: &Value<'_>) -> Result<Self, JsonError> {
        match value {
            Value::Number(text) => Ok(float_of(text)),
            other => Err(other.expected("a number")),
        }
    }

    fn placeholder() -> Self {
        0.0
    }
}

/// The nearest `f64` to a JSON number's text (which [`Parser::number`] has checked). Digits past
/// what an `i128` holds are dropped (no writer of these documents makes more than 17).
fn float_of(text: &str) -> f64 {
    let Some(read) = crate::float::read_decimal(text) else { return f64::NAN };
    let scale = i32::try_from(read.scale.clamp(-100_000, 100_000)).unwrap_or(0);
    let magnitude = crate::float::nearest_f64(read.digits, scale);
    if read.negative { -magnitude } else { magnitude }
}

macro_rules! whole_numbers {
    ($($t:ty),*) => {$(
        impl FromJson for $t {
            fn from_json(value: &Value<'_>) -> Result<Self, JsonError> {
                match value {
                    Value::Number(text) => text.parse().map_err(|_| JsonError::new("", concat!("expected a whole number (", stringify!($t), ")"))),
                    other => Err(other.expected("a number")),
                }
            }

            fn placeholder() -> Self {
                0
            }
        }
    )*};
}
whole_numbers!(u8, u32, i32, i64);

impl FromJson for Decimal {
    /// A number or a string of digits, digit for digit.
    fn from_json(value: &Value<'_>) -> Result<Self, JsonError> {
        let text = match value {
            Value::Number(text) => text,
            Value::String(text) => text.as_ref(),
            other => return Err(other.expected("a decimal number")),
        };
        text.parse().map_err(|_| JsonError::new("", "not a decimal the model keeps"))
    }

    fn placeholder() -> Self {
        Decimal::ZERO
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: &Value<'_>) -> Result<Self, JsonError> {
        match value {
            Value::Null => Ok(None),
            value => T::from_json(value).map(Some),
        }
    }

    fn missing() -> Option<Self> {
        Some(None)
    }

    fn placeholder() -> Self {
        None
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &Value<'_>) -> Result<Self, JsonError> {
        match value {
            Value::Array(items) => {
                items.iter().enumerate().map(|(i, item)| T::from_json(item).map_err(|e| e.within(&format!("[{i}]")))).collect()
            }
            other => Err(other.expected("an array")),
        }
    }

    fn placeholder() -> Self {
        Vec::new()
    }
}

impl FromJson for [f64; 2] {
    fn from_json(value: &Value<'_>) -> Result<Self, JsonError> {
        match Vec::<f64>::from_json(value)?.as_slice() {
            &[a, b] => Ok([a, b]),
            _ => Err(JsonError::new("", "expected two numbers")),
        }
    }

    fn placeholder() -> Self {
        [0.0; 2]
    }
}

/// `impl FromJson` for a struct whose fields are read by name through [`Fields`]: `required`
/// fields with [`Fields::required`], `default` ones with [`Fields::or_default`].
#[macro_export]
macro_rules! from_json_struct {
    ($t:ty { $($field:ident $(: $how:ident)?),* $(,)? }) => {
        impl $crate::json::FromJson for $t {
            fn from_json(value: &$crate::json::Value<'_>) -> Result<Self, $crate::json::JsonError> {
                let mut fields = $crate::json::Fields::of(value)?;
                let built = Self { $($field: $crate::from_json_struct!(@read fields, $field $(, $how)?)),* };
                fields.finish(built)
            }

            fn placeholder() -> Self {
                Self { $($field: $crate::json::FromJson::placeholder()),* }
            }
        }
    };
    (@read $fields:ident, $field:ident) => { $fields.required(stringify!($field)) };
    (@read $fields:ident, $field:ident, default) => { $fields.or_default(stringify!($field)) };
}

// The documents the small widget module reads, field by field as serde writes them.

use crate::catalog::{BoundDoc, CatalogDocument, DerivationDoc, GroupDoc, IndicatorDoc, RegionDoc, SourceDoc, TargetDoc, UnitDoc};
use crate::wire::{CommitEvent, MessageWire, PointWire, ProgressWire, SeriesView, SeriesWire, TrendWire, VerdictWire};

from_json_struct!(CatalogDocument { unit: default, group: default, region: default, indicator: default, target: default });
from_json_struct!(UnitDoc { symbol, name_en, dimension, power_of_ten: default, aliases: default });
from_json_struct!(GroupDoc { id, name_zh, name_en });
from_json_struct!(RegionDoc { code, name_zh, short_zh, name_en, kind, group, aliases: default, overlaps: default });
from_json_struct!(DerivationDoc { numerator, denominator, factor });
from_json_struct!(BoundDoc { at_least, more_than, at_most, less_than, about, between });
from_json_struct!(SourceDoc { seed, document, clause, quote });
from_json_struct!(TargetDoc { id, indicator, regions, kind, bound, base, deadline, times, every_months, from, until, source });
from_json_struct!(MessageWire { zh, en });
from_json_struct!(PointWire { period, value, origin });
from_json_struct!(SeriesWire { indicator, region, points });
from_json_struct!(SeriesView { series, progress });
from_json_struct!(TrendWire { kind, t0, x0, pace });
from_json_struct!(VerdictWire { achieved, margin, measure, text, detail: default });
from_json_struct!(CommitEvent { version, indicators, regions, periods, catalog: default });
from_json_struct!(ProgressWire {
    target,
    indicator,
    region,
    status,
    status_label,
    latest,
    base,
    target_value,
    deadline,
    met,
    achievement,
    expected_now,
    projected,
    growth_still_required,
    observed_growth,
    required_growth,
    ratio,
    year_on_year,
    required_path,
    projection,
    events_held,
    events_required,
    verdict,
    quarters_remaining,
    summary,
});

impl FromJson for IndicatorDoc {
    fn from_json(value: &Value<'_>) -> Result<Self, JsonError> {
        let mut o = Fields::of(value)?;
        let built = IndicatorDoc {
            id: o.required("id"),
            name_zh: o.required("name_zh"),
            name_en: o.required("name_en"),
            aliases: o.or_default("aliases"),
            unit: o.required("unit"),
            measure: o.required("measure"),
            additive: o.required("additive"),
            decimals: o.required("decimals"),
            direction: o.or_else("direction", crate::catalog::default_direction),
            derived: o.required("derived"),
            min: o.required("min"),
            max: o.required("max"),
        };
        o.finish(built)
    }

    fn placeholder() -> Self {
        IndicatorDoc {
            id: String::new(),
            name_zh: String::new(),
            name_en: String::new(),
            aliases: Vec::new(),
            unit: String::new(),
            measure: String::new(),
            additive: false,
            decimals: 0,
            direction: String::new(),
            derived: None,
            min: None,
            max: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `text` both ways, serde's and ours: the same value.
    fn same_as_serde<T: FromJson + serde::de::DeserializeOwned + PartialEq + fmt::Debug>(text: &str) -> T {
        let ours = T::from_json_text(text).unwrap();
        assert_eq!(ours, serde_json::from_str::<T>(text).unwrap());
        ours
    }

    #[test]
    fn the_catalogue_reads_as_serde_reads_it() {
        let document = crate::Catalog::builtin().document().clone();
        let text = serde_json::to_string(&document).unwrap();
        assert_eq!(same_as_serde::<CatalogDocument>(&text), document);
        // Every optional field, set.
        let unit = r#"{"symbol": "万家", "name_en": "10k", "dimension": "count", "power_of_ten": 4, "aliases": ["万户"]}"#;
        let region = r#"{"code": "500101", "name_zh": "万州区", "short_zh": "万州", "name_en": "Wanzhou", "kind": "district", "group": "g", "aliases": ["万州"], "overlaps": ["x"]}"#;
        let indicator = r#"{"id": "a", "name_zh": "甲", "name_en": "A", "aliases": ["甲甲"], "unit": "%", "measure": "ratio", "additive": false, "decimals": 2, "direction": "lower", "derived": {"numerator": "b", "denominator": "c", "factor": 100.0}, "min": -1.5, "max": 100}"#;
        let target = r#"{"id": "t", "indicator": "a", "regions": ["all_districts"], "kind": "cadence", "bound": {"at_least": 1, "more_than": 2, "at_most": 3, "less_than": 4, "about": 5.5, "between": [1, 2]}, "base": "2020", "deadline": "2025", "times": 2, "every_months": 6, "from": "2023", "until": "2025", "source": {"seed": "004.md", "document": "d", "clause": "c", "quote": "q"}}"#;
        let group = r#"{"id": "g", "name_zh": "主城", "name_en": "Core"}"#;
        let full =
            format!(r#"{{"unit": [{unit}], "group": [{group}], "region": [{region}], "indicator": [{indicator}], "target": [{target}]}}"#);
        let read = same_as_serde::<CatalogDocument>(&full);
        assert_eq!(read.indicator[0].direction, "lower");
        // And every defaulted one, missing.
        let sparse = r#"{"indicator": [{"id": "a", "name_zh": "甲", "name_en": "A", "unit": "%", "measure": "ratio", "additive": false, "decimals": 2}]}"#;
        assert_eq!(same_as_serde::<CatalogDocument>(sparse).indicator[0].direction, "higher");
    }

    #[test]
    fn a_series_and_an_event_read_as_serde_reads_them() {
        let point = r#"{"period": "2025Q3", "value": 19.5, "origin": "reported"}"#;
        let trend = r#"{"kind": "geometric", "t0": 2020.0, "x0": 526.79, "pace": 0.1}"#;
        let message = r#"{"zh": "中", "en": "en"}"#;
        let verdict = format!(r#"{{"achieved": false, "margin": -188.0, "measure": "level", "text": {message}, "detail": {message}}}"#);
        let progress = format!(
            r#"{{"target": "t", "indicator": "a", "region": "500000", "status": "on_track", "status_label": {message}, "latest": {point},
            "base": {point}, "target_value": 45000, "deadline": "2025", "met": true, "achievement": 0.93, "expected_now": 41000.5,
            "projected": 46000, "growth_still_required": 0.05, "observed_growth": 0.12, "required_growth": 0.1, "ratio": 1.02,
            "year_on_year": 0.08, "required_path": {trend}, "projection": {trend}, "events_held": 3.0, "events_required": 4.0,
            "verdict": {verdict}, "quarters_remaining": 2, "summary": {message}}}"#
        );
        let minimal = format!(
            r#"{{"indicator": "a", "region": "500000", "status": "no_target", "status_label": {message}, "met": false, "summary": {message}}}"#
        );
        let view = format!(
            r#"{{"series": {{"indicator": "a", "region": "500000", "points": [{point}, {point}]}}, "progress": [{progress}, {minimal}]}}"#
        );
        let read = same_as_serde::<SeriesView>(&view);
        assert!(read.progress[0].verdict.is_some() && read.progress[1].verdict.is_none());
        let verdict_without_detail = r#"{"achieved": true, "measure": "events", "text": {"zh": "a", "en": "b"}}"#;
        same_as_serde::<VerdictWire>(verdict_without_detail);
        let event = r#"{"version": 12, "indicators": ["a"], "regions": ["500000"], "periods": ["2025Q3"], "catalog": true}"#;
        assert!(same_as_serde::<CommitEvent>(event).catalog);
        same_as_serde::<CommitEvent>(r#"{"version": 3, "indicators": [], "regions": [], "periods": []}"#);
    }

    #[test]
    fn reads_what_serde_json_writes() {
        let text = r#" {"a": [1, -2.5e3, 0.1, true, false, null], "b": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00y", "c": {}, "d": []} "#;
        let value = Value::parse(text).unwrap();
        let Some(Value::Array(items)) = value.get("a") else { panic!("{value:?}") };
        assert_eq!(items[1], Value::Number("-2.5e3"));
        assert_eq!(f64::from_json(&items[1]).unwrap(), -2500.0);
        assert_eq!(f64::from_json(&items[2]).unwrap(), 0.1);
        assert_eq!(value.get("b").and_then(Value::as_str), Some("x\"\\/\u{8}\u{c}\n\r\t\u{e9}\u{1F600}y"));
        assert_eq!(value.get("c"), Some(&Value::Object(Vec::new())));
        assert_eq!(value.get("d"), Some(&Value::Array(Vec::new())));
    }

    #[test]
    fn floats_read_as_rust_parses_them() {
        for x in
            [0.1f64, 1e-7, 3.3306690738754696e-16, 1.7976931348623157e308, 5e-324, 123456789.123, -0.0, 2.5e-310, 1e21, 0.30000000000000004]
        {
            let text = serde_json::to_string(&x).unwrap();
            assert_eq!(f64::from_json(&Value::parse(&text).unwrap()).unwrap().to_bits(), x.to_bits(), "{text}");
        }
        let long = format!("0.{}1e2", "0".repeat(50));
        assert_eq!(f64::from_json(&Value::parse(&long).unwrap()).unwrap(), 1e-49);
        assert_eq!(float_of("1e999999999999"), f64::INFINITY);
        assert_eq!(float_of("1e-999999999999"), 0.0);
    }

    #[test]
    fn refuses_what_is_not_json() {
        for text in [
            "",
            " ",
            "{",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\":}",
            "{a:1}",
            "01",
            "1.",
            ".5",
            "1e",
            "-",
            "tru",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"a\u{1}b\"",
            "\"abc",
            "[1] x",
            "+1",
        ] {
            assert!(Value::parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = "[".repeat(1_000_000);
        assert_eq!(Value::parse(&deep).unwrap_err().message, "nested too deeply");
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(Value::parse(&fine).is_ok());
    }

    #[test]
    fn errors_name_the_field() {
        let error = Vec::<MessageWire>::from_json_text(r#"[{"zh": "a", "en": "b"}, {"zh": 1}]"#).unwrap_err();
        assert_eq!(error.to_string(), "expected a string, found a number at [1].zh");
        let error = MessageWire::from_json_text(r#"{"zh": "a"}"#).unwrap_err();
        assert_eq!(error.to_string(), "missing field at en");
        // Several bad fields: the first in the struct's order is the one named.
        let error = ProgressWire::from_json_text(r#"{"target": 1, "summary": 2}"#).unwrap_err();
        assert_eq!(error.to_string(), "expected a string, found a number at target");
        let error = IndicatorDoc::from_json_text(r#"{"id": "a", "name_zh": "b", "name_en": "c", "unit": 4}"#).unwrap_err();
        assert_eq!(error.to_string(), "expected a string, found a number at unit");
    }

    #[test]
    fn decimals_keep_their_digits() {
        let d = Decimal::from_json(&Value::parse("19.00").unwrap()).unwrap();
        assert_eq!(d.to_string(), "19.00");
        assert_eq!(Decimal::from_json(&Value::parse("\"526.79\"").unwrap()).unwrap().to_string(), "526.79");
    }
}
