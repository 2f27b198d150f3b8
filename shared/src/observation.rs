//! Observations: one value of one indicator for one region and period.

use std::sync::Arc;

use crate::decimal::{Decimal, WideDecimals};
use crate::period::Period;

/// A value as uploaded (or computed), in the indicator's own unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// Indicator id (shared with the catalogue, cheap to clone).
    pub indicator: Arc<str>,
    /// Region code.
    pub region: Arc<str>,
    /// Period.
    pub period: Period,
    /// The value in the indicator's unit (家, 亿元, %…), digit for digit as reported.
    pub value: Decimal,
    /// The statistician's note (备注), if any.
    pub note: Option<String>,
    /// The spreadsheet row it came from, for messages that point back at the file.
    pub row: Option<u32>,
}

impl Observation {
    /// The identity of the value: two observations with the same key describe the same fact.
    /// Periods ending in the same month share a key (see [`Period::month_index`]).
    pub fn key(&self) -> ObservationKey {
        ObservationKey { indicator: self.indicator.clone(), region: self.region.clone(), month_index: self.period.month_index() }
    }
}

/// The identity of an observation: indicator, region and the point in time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObservationKey {
    /// Indicator id.
    pub indicator: Arc<str>,
    /// Region code.
    pub region: Arc<str>,
    /// [`Period::month_index`] of the period.
    pub month_index: i32,
}

/// Indicator id, region code, period and spreadsheet row of one observation.
pub type KeyParts<'a> = (&'a Arc<str>, &'a Arc<str>, Period, Option<u32>);

/// Observations held compactly, in the order they were added: 32 bytes each, where a
/// `Vec<Observation>` takes 112 and a million-row upload holds a million of them.
///
/// Indicator ids and region codes are interned (an upload names a few dozen of each); values
/// whose digits fit an `i64` (all real ones) are kept inline, wider ones beside; notes beside.
/// [`Observations::get`] gives an [`Observation`] back, exactly as it was added.
///
/// ```
/// use innogauge_model::observation::{Observation, Observations};
/// use innogauge_model::Period;
/// let mut all = Observations::default();
/// let o = Observation {
///     indicator: "tech_smes".into(),
///     region: "500118".into(),
///     period: Period::Quarter(2025, 3),
///     value: "1753".parse().unwrap(),
///     note: Some("含新认定".into()),
///     row: Some(4),
/// };
/// all.push(o.clone());
/// assert_eq!(all.get(0), Some(o));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observations {
    packed: Vec<Packed>,
    indicators: Vec<Arc<str>>,
    regions: Vec<Arc<str>>,
    notes: Vec<Box<str>>,
    wide: WideDecimals,
}

/// One observation: 8 + 8 + 4 + 4 + 2 + 2 + 1 bytes, 32 with alignment.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Packed {
    /// The value's digits and scale, packed by [`WideDecimals`].
    mantissa: i64,
    period: Period,
    /// Spreadsheet row, 0 for none (rows count from 1).
    row: u32,
    /// Index + 1 in `notes`, 0 for none.
    note: u32,
    indicator: u16,
    region: u16,
    scale: u8,
}

impl Observations {
    /// How many.
    pub fn len(&self) -> usize {
        self.packed.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.packed.is_empty()
    }

    /// Adds one at the end.
    pub fn push(&mut self, o: Observation) {
        let indicator = intern(&mut self.indicators, &o.indicator);
        let region = intern(&mut self.regions, &o.region);
        let (mantissa, scale) = self.wide.pack(o.value);
        let note = match o.note {
            Some(text) => {
                self.notes.push(text.into_boxed_str());
                u32::try_from(self.notes.len()).unwrap_or(u32::MAX)
            }
            None => 0,
        };
        self.packed.push(Packed { mantissa, period: o.period, row: o.row.unwrap_or(0), note, indicator, region, scale });
    }

    /// The observation at `index`.
    pub fn get(&self, index: usize) -> Option<Observation> {
        self.packed.get(index).map(|p| self.build(p))
    }

    fn build(&self, p: &Packed) -> Observation {
        Observation {
            indicator: self.indicators[usize::from(p.indicator)].clone(),
            region: self.regions[usize::from(p.region)].clone(),
            period: p.period,
            value: self.value_of(p),
            note: p.note.checked_sub(1).map(|i| self.notes[i as usize].to_string()),
            row: (p.row != 0).then_some(p.row),
        }
    }

    /// The value at `index`, without building the observation.
    pub fn value(&self, index: usize) -> Option<Decimal> {
        self.packed.get(index).map(|p| self.value_of(p))
    }

    /// Indicator id, region code, period and row at `index`, without building the observation.
    pub fn key_parts(&self, index: usize) -> Option<KeyParts<'_>> {
        let p = self.packed.get(index)?;
        Some((&self.indicators[usize::from(p.indicator)], &self.regions[usize::from(p.region)], p.period, (p.row != 0).then_some(p.row)))
    }

    /// The indicator ids named, each once.
    pub fn indicators(&self) -> &[Arc<str>] {
        &self.indicators
    }

    /// The positions in [`Observations::indicators`] and [`Observations::regions`] of the
    /// indicator and region at `index`.
    pub fn interned(&self, index: usize) -> Option<(usize, usize)> {
        self.packed.get(index).map(|p| (usize::from(p.indicator), usize::from(p.region)))
    }

    /// The region codes named, each once.
    pub fn regions(&self) -> &[Arc<str>] {
        &self.regions
    }

    fn value_of(&self, p: &Packed) -> Decimal {
        self.wide.unpack(p.mantissa, p.scale)
    }

    /// The observations in order.
    pub fn iter(&self) -> ObservationsIter<'_> {
        ObservationsIter { all: self, next: 0 }
    }

    /// All of them as plain observations.
    pub fn to_vec(&self) -> Vec<Observation> {
        self.iter().collect()
    }

    /// A packed identity (indicator, region, month), equal for equal [`ObservationKey`]s of
    /// this collection; its order is not the keys' order.
    fn packed_key(p: &Packed) -> u64 {
        (u64::from(p.indicator) << 48) | (u64::from(p.region) << 32) | u64::from(p.period.month_index() as u32)
    }

    /// Indices in key order, ties by position: equal keys end up side by side, the first added
    /// first. 4 bytes an observation, instead of a hash map of owned keys.
    pub fn key_order(&self) -> KeyOrder {
        let mut order: Vec<u32> = (0..u32::try_from(self.len()).unwrap_or(u32::MAX)).collect();
        order.sort_unstable_by_key(|&i| (Self::packed_key(&self.packed[i as usize]), i));
        KeyOrder { order }
    }

    /// The index of the observation with this key, if any, by binary search in `order`.
    pub fn find(&self, order: &KeyOrder, indicator: &str, region: &str, month_index: i32) -> Option<usize> {
        let i = self.indicators.iter().position(|x| **x == *indicator)?;
        let r = self.regions.iter().position(|x| **x == *region)?;
        let wanted = (u64::try_from(i).ok()? << 48) | (u64::try_from(r).ok()? << 32) | u64::from(month_index as u32);
        let at = order.order.partition_point(|&k| Self::packed_key(&self.packed[k as usize]) < wanted);
        let &k = order.order.get(at)?;
        (Self::packed_key(&self.packed[k as usize]) == wanted).then_some(k as usize)
    }

    /// Groups of indices with the same key (more than one member), each in the order added.
    pub fn same_keys<'s>(&'s self, order: &'s KeyOrder) -> impl Iterator<Item = &'s [u32]> + 's {
        order
            .order
            .chunk_by(|&a, &b| Self::packed_key(&self.packed[a as usize]) == Self::packed_key(&self.packed[b as usize]))
            .filter(|group| group.len() > 1)
    }

    /// Keeps only the observations for which `keep(index)` is true, in order.
    pub fn retain_indices(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let mut index = 0;
        self.packed.retain(|_| {
            let kept = keep(index);
            index += 1;
            kept
        });
    }
}

/// The observations of an [`Observations`], built one at a time.
#[derive(Clone, Debug)]
pub struct ObservationsIter<'a> {
    all: &'a Observations,
    next: usize,
}

impl Iterator for ObservationsIter<'_> {
    type Item = Observation;

    fn next(&mut self) -> Option<Observation> {
        let o = self.all.get(self.next)?;
        self.next += 1;
        Some(o)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.all.len().saturating_sub(self.next);
        (left, Some(left))
    }
}

impl ExactSizeIterator for ObservationsIter<'_> {}

impl<'a> IntoIterator for &'a Observations {
    type Item = Observation;
    type IntoIter = ObservationsIter<'a>;

    fn into_iter(self) -> ObservationsIter<'a> {
        self.iter()
    }
}

/// Indices of an [`Observations`] sorted by key (see [`Observations::key_order`]); stale once
/// the observations change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyOrder {
    order: Vec<u32>,
}

/// The index of `id` in `table`, added if new. An upload names few indicators and regions
/// (a long file cycles through dozens), and its ids are the catalogue's own `Arc`s: a scan for
/// the same pointer first, and only then for equal text (an id from elsewhere, or a new one).
/// Comparing text first was a tenth of `innogauge validate` (a `memcmp` per table entry passed).
fn intern(table: &mut Vec<Arc<str>>, id: &Arc<str>) -> u16 {
    let found = table.iter().rposition(|x| Arc::ptr_eq(x, id)).or_else(|| table.iter().rposition(|x| **x == **id));
    let index = found.unwrap_or_else(|| {
        table.push(id.clone());
        table.len() - 1
    });
    // The catalogue holds at most 2,000 entries a section, far below 65,536.
    u16::try_from(index).unwrap_or(u16::MAX)
}

impl From<Vec<Observation>> for Observations {
    fn from(all: Vec<Observation>) -> Observations {
        let mut observations = Observations::default();
        for o in all {
            observations.push(o);
        }
        observations
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(indicator: &str, region: &str, period: Period, value: &str, row: u32) -> Observation {
        Observation {
            indicator: indicator.into(),
            region: region.into(),
            period,
            value: value.parse().unwrap(),
            note: None,
            row: Some(row),
        }
    }

    #[test]
    fn a_packed_observation_is_32_bytes() {
        assert_eq!(size_of::<Packed>(), 32);
    }

    #[test]
    fn gives_back_what_was_added_wide_values_and_notes_included() {
        let wide = Decimal::new(i128::from(i64::MAX) * 1000 + 7, 2).unwrap();
        let all = vec![
            o("tech_smes", "500118", Period::Quarter(2025, 3), "1753", 2),
            Observation {
                value: wide, note: Some("备注".into()), row: None, ..o("rd_expenditure", "500116", Period::Year(2024), "0", 0)
            },
            o("tech_smes", "500116", Period::Month(2025, 9), "-0.50", 4),
        ];
        let packed = Observations::from(all.clone());
        assert_eq!(packed.len(), 3);
        assert_eq!(packed.to_vec(), all);
        assert_eq!(packed.get(1).unwrap().note.as_deref(), Some("备注"));
        assert_eq!(packed.value(2), Some("-0.50".parse().unwrap()));
        assert_eq!(packed.value(2).unwrap().scale(), 2, "the digits as written");
    }

    #[test]
    fn key_order_groups_equal_keys_and_finds_them() {
        // 2025Q3 and 2025-09 end in the same month: one key.
        let all = Observations::from(vec![
            o("tech_smes", "500118", Period::Quarter(2025, 3), "1", 2),
            o("tech_smes", "500116", Period::Quarter(2025, 3), "2", 3),
            o("tech_smes", "500118", Period::Month(2025, 9), "3", 4),
            o("tech_smes", "500118", Period::Month(2025, 8), "4", 5),
        ]);
        let order = all.key_order();
        let groups: Vec<&[u32]> = all.same_keys(&order).collect();
        assert_eq!(groups, [&[0u32, 2][..]]);
        assert_eq!(all.find(&order, "tech_smes", "500118", Period::Month(2025, 8).month_index()), Some(3));
        assert_eq!(all.find(&order, "tech_smes", "500116", Period::Month(2025, 8).month_index()), None);
        assert_eq!(all.find(&order, "rd_expenditure", "500116", Period::Quarter(2025, 3).month_index()), None);
        let mut kept = all.clone();
        kept.retain_indices(|i| i != 2);
        assert_eq!(kept.len(), 3);
        assert_eq!(kept.get(2).unwrap().row, Some(5));
    }
}
