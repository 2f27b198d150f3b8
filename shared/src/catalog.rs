//! The catalogue: units, regions, indicators and targets, loaded from data and validated.
//!
//! The data lives in `fixtures/catalog/*.toml` (and is embedded by [`Catalog::builtin`]); the
//! same document shape travels as JSON on `GET /api/v1/catalog`, so a browser rebuilds the
//! very same [`Catalog`] (with [`Catalog::from_trusted_document`]: the server checked it).
//! Loading with [`Catalog::from_document`] checks everything a typo could break and reports
//! *all* problems at once: a target on an unknown indicator, an unknown unit, a share whose
//! parts are missing, a region code used twice…

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::indicator::{Derivation, Direction, Indicator, MeasureKind};
use crate::period::Period;
use crate::region::{CITY_CODE, Group, Region, RegionKind};
use crate::target::{Bound, Rule, Source, Target};
use crate::text::{KeyMap, edit_distance, lookup_key};
use crate::unit::Unit;

const BUILTIN_INDICATORS: &str = include_str!("../../fixtures/catalog/indicators.toml");
const BUILTIN_REGIONS: &str = include_str!("../../fixtures/catalog/regions.toml");

/// The scope word that expands to every district (not the city, not the zones).
pub const ALL_DISTRICTS: &str = "all_districts";

/// The catalogue as written in the data files and on the wire.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogDocument {
    /// Units of measure.
    #[serde(default)]
    pub unit: Vec<UnitDoc>,
    /// Region groups (一区两群).
    #[serde(default)]
    pub group: Vec<GroupDoc>,
    /// Regions.
    #[serde(default)]
    pub region: Vec<RegionDoc>,
    /// Indicators.
    #[serde(default)]
    pub indicator: Vec<IndicatorDoc>,
    /// Targets.
    #[serde(default)]
    pub target: Vec<TargetDoc>,
}

/// A unit as written in the catalogue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitDoc {
    /// Symbol, e.g. `万家`.
    pub symbol: String,
    /// English name.
    pub name_en: String,
    /// Dimension; units of one dimension convert.
    pub dimension: String,
    /// Power of ten of the dimension's base unit.
    #[serde(default)]
    pub power_of_ten: i32,
    /// Other spellings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// A group as written in the catalogue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDoc {
    /// Stable id.
    pub id: String,
    /// 中文名.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// A region as written in the catalogue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionDoc {
    /// Code.
    pub code: String,
    /// Full Chinese name.
    pub name_zh: String,
    /// Short Chinese name.
    pub short_zh: String,
    /// English name.
    pub name_en: String,
    /// `city`, `district` or `functional_zone`.
    pub kind: String,
    /// Group id (districts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Other names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Districts a functional zone overlaps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overlaps: Vec<String>,
}

/// A derivation as written in the catalogue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DerivationDoc {
    /// Numerator indicator id.
    pub numerator: String,
    /// Denominator indicator id.
    pub denominator: String,
    /// Scale (100 for percent).
    pub factor: f64,
}

/// An indicator as written in the catalogue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDoc {
    /// Stable id.
    pub id: String,
    /// 中文名.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Other names used in headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Unit symbol.
    pub unit: String,
    /// `stock`, `flow` or `ratio`.
    pub measure: String,
    /// District values add up to the city value.
    pub additive: bool,
    /// Decimal places.
    pub decimals: u8,
    /// `higher` or `lower`.
    #[serde(default = "default_direction")]
    pub direction: String,
    /// Formula of a derived indicator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived: Option<DerivationDoc>,
    /// Smallest valid value (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest valid value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

pub(crate) fn default_direction() -> String {
    "higher".to_owned()
}

/// A bound as written in the catalogue: exactly one of the fields.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoundDoc {
    /// ≥
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    /// >
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more_than: Option<f64>,
    /// ≤
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    /// <
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub less_than: Option<f64>,
    /// 左右
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<f64>,
    /// a–b
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub between: Option<[f64; 2]>,
}

/// A source citation as written in the catalogue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDoc {
    /// Seed file name.
    pub seed: String,
    /// Document number or title.
    pub document: String,
    /// Clause.
    pub clause: String,
    /// The notice's words.
    pub quote: String,
}

/// A target as written in the catalogue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetDoc {
    /// Stable id.
    pub id: String,
    /// Indicator id.
    pub indicator: String,
    /// Region codes, or `all_districts`.
    pub regions: Vec<String>,
    /// `level`, `growth`, `share` or `cadence`.
    pub kind: String,
    /// Threshold (level, growth, share).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<BoundDoc>,
    /// Base period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// Deadline period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// Cadence: events per window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Cadence: window length in months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_months: Option<u8>,
    /// Cadence: first period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Cadence: last period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Where it comes from.
    pub source: SourceDoc,
}

/// Everything wrong with a catalogue, one problem per entry and fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct CatalogError {
    /// Each problem, naming the entry and what is wrong.
    pub problems: Vec<CatalogProblem>,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the catalogue has {} problem(s):", self.problems.len())?;
        for problem in &self.problems {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

/// The kinds of entry a catalogue holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    /// `[[unit]]`, keyed by `symbol`.
    Unit,
    /// `[[group]]`, keyed by `id`.
    Group,
    /// `[[region]]`, keyed by `code`.
    Region,
    /// `[[indicator]]`, keyed by `id`.
    Indicator,
    /// `[[target]]`, keyed by `id`.
    Target,
}

impl Section {
    /// The table name in a catalogue file (`target` for `[[target]]`).
    pub fn table(self) -> &'static str {
        match self {
            Section::Unit => "unit",
            Section::Group => "group",
            Section::Region => "region",
            Section::Indicator => "indicator",
            Section::Target => "target",
        }
    }

    /// The field that names an entry of this section.
    pub fn key_field(self) -> &'static str {
        match self {
            Section::Unit => "symbol",
            Section::Region => "code",
            Section::Group | Section::Indicator | Section::Target => "id",
        }
    }

    /// The section's word in Chinese.
    pub fn word_zh(self) -> &'static str {
        match self {
            Section::Unit => "单位",
            Section::Group => "区域组",
            Section::Region => "地区",
            Section::Indicator => "指标",
            Section::Target => "目标",
        }
    }
}

/// One problem of a catalogue: the entry it is in (none for the file as a whole), the line of
/// the file it starts on when the catalogue was read from a file, and what to fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogProblem {
    /// The entry's section and key (`target`, `rd_expenditure_growth_2030`).
    pub entry: Option<(Section, String)>,
    /// 1-based line of the file.
    pub line: Option<usize>,
    /// What is wrong and what to do, in both languages.
    pub message: crate::message::Bilingual,
}

impl CatalogProblem {
    /// A problem of an entry.
    pub fn of(section: Section, key: &str, zh: impl Into<String>, en: impl Into<String>) -> CatalogProblem {
        CatalogProblem { entry: Some((section, key.to_owned())), line: None, message: crate::message::Bilingual::new(zh, en) }
    }

    /// A problem of the whole catalogue.
    pub fn whole(zh: impl Into<String>, en: impl Into<String>) -> CatalogProblem {
        CatalogProblem { entry: None, line: None, message: crate::message::Bilingual::new(zh, en) }
    }

    /// The problem in one language, with its line and entry:
    /// `第 12 行，目标 x：未知的指标 "nope"` / `line 12, target x: unknown indicator "nope"`.
    pub fn text(&self, lang: crate::message::Lang) -> String {
        let zh = lang == crate::message::Lang::Zh;
        let mut at = Vec::new();
        if let Some(line) = self.line {
            at.push(if zh { format!("第 {line} 行") } else { format!("line {line}") });
        }
        if let Some((section, key)) = &self.entry {
            at.push(if zh { format!("{} {key}", section.word_zh()) } else { format!("{} {key}", section.table()) });
        }
        let message = if zh { &self.message.zh } else { &self.message.en };
        if at.is_empty() {
            message.clone()
        } else {
            format!("{}{}{message}", at.join(if zh { "，" } else { ", " }), if zh { "：" } else { ": " })
        }
    }
}

impl fmt::Display for CatalogProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(crate::message::Lang::En))
    }
}

/// The validated catalogue with lookups by id, code, name and alias.
#[derive(Clone, Debug)]
pub struct Catalog {
    document: CatalogDocument,
    units: Vec<Unit>,
    groups: Vec<Group>,
    regions: Vec<Region>,
    indicators: Vec<Indicator>,
    targets: Vec<Target>,
    region_keys: KeyMap<String, usize>,
    indicator_keys: KeyMap<String, usize>,
    district_count: usize,
}

impl Catalog {
    /// The catalogue shipped in `fixtures/catalog/`, parsed once. Its validity is asserted by
    /// the crate's tests, so a broken data file fails the build's tests, not a user.
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Catalog::from_toml(&[BUILTIN_INDICATORS, BUILTIN_REGIONS])
                .unwrap_or_else(|e| panic!("the built-in catalogue is invalid (tests catch this): {e}"))
        })
    }

    /// Loads catalogue files (TOML), merging their sections, and validates the result.
    pub fn from_toml(files: &[&str]) -> Result<Catalog, CatalogError> {
        let mut merged = CatalogDocument::default();
        let mut problems = Vec::new();
        for (i, text) in files.iter().enumerate() {
            match toml::from_str::<CatalogDocument>(text) {
                Ok(doc) => {
                    merged.unit.extend(doc.unit);
                    merged.group.extend(doc.group);
                    merged.region.extend(doc.region);
                    merged.indicator.extend(doc.indicator);
                    merged.target.extend(doc.target);
                }
                Err(e) => problems.push(CatalogProblem::whole(format!("第 {} 个文件无法读取：{e}", i + 1), format!("file {}: {e}", i + 1))),
            }
        }
        if !problems.is_empty() {
            return Err(CatalogError { problems });
        }
        Catalog::from_document(merged)
    }

    /// Validates a document (from TOML or from the wire) into a catalogue.
    pub fn from_document(document: CatalogDocument) -> Result<Catalog, CatalogError> {
        let (catalog, problems) = Builder::<true>::default().build(document);
        if problems.is_empty() { Ok(catalog) } else { Err(CatalogError { problems }) }
    }

    /// Builds a catalogue from a document that a server has already validated (the widgets'
    /// copy from `GET /api/v1/catalog`), without checking it again: the same catalogue as
    /// [`Catalog::from_document`] for a valid document; from an invalid one, a catalogue
    /// without the parts that are wrong (a region of an unknown kind, a target without its
    /// indicator or rule), never a panic.
    pub fn from_trusted_document(document: CatalogDocument) -> Catalog {
        Builder::<false>::default().build(document).0
    }

    /// The document this catalogue was built from (the wire form).
    pub fn document(&self) -> &CatalogDocument {
        &self.document
    }

    /// All units.
    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    /// All region groups.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// The region groups (一区两群).
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// All regions, the city first, then districts, then zones, in catalogue order.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// The 38 districts and counties.
    pub fn districts(&self) -> impl Iterator<Item = &Region> {
        self.regions.iter().filter(|r| r.is_district())
    }

    /// How many districts partition the city (38).
    pub fn district_count(&self) -> usize {
        self.district_count
    }

    /// All indicators.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    /// All targets.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// The unit with this symbol or alias.
    pub fn unit(&self, symbol: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.is_named(symbol))
    }

    /// The region with this code, full name, short name or alias (spaces and full-width
    /// characters ignored).
    pub fn region(&self, text: &str) -> Option<&Region> {
        // Text already in key form (a code, most names) is found without normalising it: a key
        // normalises to itself, so the answer is the same, and a million-row upload asks this
        // once per row.
        let index = self.region_keys.get(text).or_else(|| self.region_keys.get(&lookup_key(text)));
        index.map(|&i| &self.regions[i])
    }

    /// The city.
    pub fn city(&self) -> &Region {
        self.regions.iter().find(|r| r.is_city()).unwrap_or(&self.regions[0])
    }

    /// The indicator with this id, Chinese or English name, or alias.
    pub fn indicator(&self, text: &str) -> Option<&Indicator> {
        // As in `region`: a key is its own normal form.
        let index = self.indicator_keys.get(text).or_else(|| self.indicator_keys.get(&lookup_key(text)));
        index.map(|&i| &self.indicators[i])
    }

    /// The target with this id.
    pub fn target(&self, id: &str) -> Option<&Target> {
        self.targets.iter().find(|t| &*t.id == id)
    }

    /// Targets on an indicator that apply to a region.
    pub fn targets_for<'a>(&'a self, indicator: &'a str, region: &'a str) -> impl Iterator<Item = &'a Target> + 'a {
        self.targets.iter().filter(move |t| &*t.indicator == indicator && t.applies_to(region))
    }

    /// The indicators with a target for `region` (due in `year`, when given), each once, in
    /// catalogue order of their targets: what a board of that region shows.
    pub fn targeted_indicators(&self, region: &str, year: Option<i32>) -> Vec<&Indicator> {
        let mut found: Vec<&Indicator> = Vec::new();
        for target in self.targets.iter().filter(|t| t.applies_to(region)) {
            if year.is_some_and(|y| target.rule.deadline().is_none_or(|d| d.year() != y)) {
                continue;
            }
            if let Some(indicator) = self.indicator(&target.indicator)
                && !found.iter().any(|i| i.id == indicator.id)
            {
                found.push(indicator);
            }
        }
        found
    }

    /// The closest indicator name to an unknown one, for "did you mean …?".
    pub fn suggest_indicator(&self, text: &str) -> Option<&Indicator> {
        let key = lookup_key(text);
        suggest(&key, self.indicator_keys.iter().map(|(k, &i)| (k.as_str(), i))).map(|i| &self.indicators[i])
    }

    /// The closest region name to an unknown one, for "did you mean …?".
    pub fn suggest_region(&self, text: &str) -> Option<&Region> {
        let key = lookup_key(text);
        suggest(&key, self.region_keys.iter().map(|(k, &i)| (k.as_str(), i))).map(|i| &self.regions[i])
    }
}

/// The best candidate within an edit distance of a third of the text (at least 1), or one
/// that contains the text or is contained in it.
fn suggest<'a>(key: &str, candidates: impl Iterator<Item = (&'a str, usize)>) -> Option<usize> {
    if key.is_empty() {
        return None;
    }
    let limit = (key.chars().count() / 3).max(1);
    candidates
        .filter_map(|(candidate, index)| {
            let distance = edit_distance(key, candidate);
            let contains = candidate.chars().count() >= 2 && (candidate.contains(key) || key.contains(candidate));
            (distance <= limit || contains).then_some((distance, candidate.len(), index))
        })
        .min()
        .map(|(_, _, index)| index)
}

/// Builds a catalogue from its document. `CHECKED` builds report every problem; unchecked ones
/// (`Catalog::from_trusted_document`) skip the checks that build nothing and never make a
/// message: each problem is a closure, so in a build that only makes unchecked catalogues (the
/// widgets) the messages and their formatting are not linked at all.
#[derive(Default)]
struct Builder<const CHECKED: bool> {
    problems: Vec<CatalogProblem>,
}

impl<const CHECKED: bool> Builder<CHECKED> {
    fn report(&mut self, problem: impl FnOnce() -> CatalogProblem) {
        if CHECKED {
            self.problems.push(problem());
        }
    }

    fn problem<Z: Into<String>, E: Into<String>>(&mut self, (section, key): (Section, &str), say: impl FnOnce() -> (Z, E)) {
        self.report(|| {
            let (zh, en) = say();
            CatalogProblem::of(section, key, zh, en)
        });
    }

    fn period(&mut self, at: (Section, &str), field: &str, text: Option<&str>) -> Option<Period> {
        let text = text?;
        match Period::parse(text) {
            Ok(p) => Some(p),
            Err(e) => {
                self.problem(at, || (format!("{field}：{}", e.message.zh), format!("{field} {}", e.message.en)));
                None
            }
        }
    }

    /// The catalogue, and every problem found (none from an unchecked build).
    fn build(mut self, document: CatalogDocument) -> (Catalog, Vec<CatalogProblem>) {
        let units = self.units(&document);
        let groups: Vec<Group> =
            document.group.iter().map(|g| Group { id: g.id.clone(), name_zh: g.name_zh.clone(), name_en: g.name_en.clone() }).collect();
        let (regions, region_keys) = self.regions(&document, &groups);
        let (indicators, indicator_keys) = self.indicators(&document, &units);
        let targets = self.targets(&document, &regions, &indicators);
        let district_count = regions.iter().filter(|r| r.is_district()).count();
        (Catalog { document, units, groups, regions, indicators, targets, region_keys, indicator_keys, district_count }, self.problems)
    }

    fn units(&mut self, document: &CatalogDocument) -> Vec<Unit> {
        let mut seen = BTreeSet::new();
        let mut units = Vec::new();
        for u in &document.unit {
            for name in std::iter::once(&u.symbol).chain(&u.aliases) {
                if CHECKED && !seen.insert(lookup_key(name)) {
                    self.problem((Section::Unit, &u.symbol), || {
                        (format!("名称 {name:?} 用了两次"), format!("the name {name:?} is used twice"))
                    });
                }
            }
            units.push(Unit {
                symbol: u.symbol.clone(),
                name_en: u.name_en.clone(),
                dimension: u.dimension.clone(),
                power_of_ten: u.power_of_ten,
                aliases: u.aliases.clone(),
            });
        }
        units
    }

    fn regions(&mut self, document: &CatalogDocument, groups: &[Group]) -> (Vec<Region>, KeyMap<String, usize>) {
        let mut regions = Vec::new();
        let mut keys: KeyMap<String, usize> = KeyMap::default();
        for doc in &document.region {
            let context = (Section::Region, doc.code.as_str());
            let kind = match doc.kind.as_str() {
                "city" => RegionKind::City,
                "district" => RegionKind::District,
                "functional_zone" => RegionKind::FunctionalZone,
                other => {
                    self.problem(context, || {
                        (
                            format!("未知的类型 {other:?}（可用 city、district、functional_zone）"),
                            format!("unknown kind {other:?} (city, district, functional_zone)"),
                        )
                    });
                    continue;
                }
            };
            if kind == RegionKind::City && doc.code != CITY_CODE {
                self.problem(context, || (format!("全市的代码必须是 {CITY_CODE}"), format!("the city must have code {CITY_CODE}")));
            }
            if kind == RegionKind::District {
                match &doc.group {
                    Some(g) if groups.iter().any(|x| &x.id == g) => {}
                    Some(g) => self.problem(context, || (format!("未知的区域组 {g:?}"), format!("unknown group {g:?}"))),
                    None => self.problem(context, || ("区县须注明所属区域组（group）", "a district needs a group")),
                }
            }
            let index = regions.len();
            for name in [&doc.code, &doc.name_zh, &doc.short_zh, &doc.name_en].into_iter().chain(&doc.aliases) {
                if let Some(&other) = keys.get(&lookup_key(name)) {
                    if other != index {
                        let other: &Region = &regions[other];
                        let code = other.code.clone();
                        self.problem(context, || {
                            (format!("名称 {name:?} 已是地区 {code} 的名称"), format!("the name {name:?} also names region {code}"))
                        });
                    }
                } else {
                    keys.insert(lookup_key(name), index);
                }
            }
            regions.push(Region {
                code: Arc::from(doc.code.as_str()),
                name_zh: doc.name_zh.clone(),
                short_zh: doc.short_zh.clone(),
                name_en: doc.name_en.clone(),
                kind,
                group: doc.group.clone(),
                aliases: doc.aliases.clone(),
                overlaps: doc.overlaps.iter().map(|c| Arc::from(c.as_str())).collect(),
            });
        }
        if !CHECKED {
            return (regions, keys);
        }
        if regions.iter().filter(|r| r.is_city()).count() != 1 {
            self.report(|| {
                CatalogProblem::whole("目录须有且只有一个全市地区（kind = \"city\"）", "the catalogue needs exactly one city region")
            });
        }
        let codes: BTreeSet<&str> = regions.iter().map(|r| &*r.code).collect();
        for zone in regions.iter().filter(|r| r.kind == RegionKind::FunctionalZone) {
            for overlapped in &zone.overlaps {
                if !codes.contains(&**overlapped) {
                    self.report(|| {
                        CatalogProblem::of(
                            Section::Region,
                            &zone.code,
                            format!("重叠的地区 {overlapped} 不存在"),
                            format!("overlaps unknown region {overlapped}"),
                        )
                    });
                }
            }
        }
        (regions, keys)
    }

    fn indicators(&mut self, document: &CatalogDocument, units: &[Unit]) -> (Vec<Indicator>, KeyMap<String, usize>) {
        let mut indicators = Vec::new();
        let mut keys: KeyMap<String, usize> = KeyMap::default();
        for doc in &document.indicator {
            let context = (Section::Indicator, doc.id.as_str());
            if !units.iter().any(|u| u.symbol == doc.unit) {
                self.problem(context, || (format!("未知的单位 {:?}", doc.unit), format!("unknown unit {:?}", doc.unit)));
            }
            let measure = match doc.measure.as_str() {
                "stock" => MeasureKind::Stock,
                "flow" => MeasureKind::Flow,
                "ratio" => MeasureKind::Ratio,
                other => {
                    self.problem(context, || {
                        (
                            format!("未知的计量类型 {other:?}（可用 stock、flow、ratio）"),
                            format!("unknown measure {other:?} (stock, flow, ratio)"),
                        )
                    });
                    MeasureKind::Stock
                }
            };
            let direction = match doc.direction.as_str() {
                "higher" => Direction::Higher,
                "lower" => Direction::Lower,
                other => {
                    self.problem(context, || {
                        (format!("未知的方向 {other:?}（可用 higher、lower）"), format!("unknown direction {other:?} (higher, lower)"))
                    });
                    Direction::Higher
                }
            };
            if measure == MeasureKind::Ratio && doc.additive {
                self.problem(context, || ("比率指标不能相加（additive 应为 false）", "a ratio is never additive"));
            }
            if doc.derived.is_some() && measure != MeasureKind::Ratio {
                self.problem(context, || ("派生指标的 measure 必须是 \"ratio\"", "a derived indicator must have measure \"ratio\""));
            }
            let index = indicators.len();
            for name in [&doc.id, &doc.name_zh, &doc.name_en].into_iter().chain(&doc.aliases) {
                match keys.get(&lookup_key(name)) {
                    Some(&other) if other != index => {
                        let other: &Indicator = &indicators[other];
                        let id = other.id.clone();
                        self.problem(context, || {
                            (format!("名称 {name:?} 已是指标 {id} 的名称"), format!("the name {name:?} also names indicator {id}"))
                        });
                    }
                    Some(_) => {}
                    None => {
                        keys.insert(lookup_key(name), index);
                    }
                }
            }
            indicators.push(Indicator {
                id: Arc::from(doc.id.as_str()),
                name_zh: doc.name_zh.clone(),
                name_en: doc.name_en.clone(),
                aliases: doc.aliases.clone(),
                unit: doc.unit.clone(),
                measure,
                additive: doc.additive,
                decimals: doc.decimals,
                direction,
                derived: doc.derived.as_ref().map(|d| Derivation {
                    numerator: Arc::from(d.numerator.as_str()),
                    denominator: Arc::from(d.denominator.as_str()),
                    factor: d.factor,
                }),
                min: doc.min.unwrap_or(0.0),
                max: doc.max,
            });
        }
        // Parts of derived indicators must exist and be uploaded values themselves.
        for indicator in indicators.iter().filter(|_| CHECKED) {
            if let Some(d) = &indicator.derived {
                for part in [&d.numerator, &d.denominator] {
                    match indicators.iter().find(|i| i.id == *part) {
                        None => self.report(|| {
                            CatalogProblem::of(
                                Section::Indicator,
                                &indicator.id,
                                format!("派生自不存在的指标 {part}"),
                                format!("derived from unknown indicator {part}"),
                            )
                        }),
                        Some(p) if p.derived.is_some() => {
                            self.report(|| {
                                CatalogProblem::of(
                                    Section::Indicator,
                                    &indicator.id,
                                    format!("不能派生自派生指标 {part}"),
                                    format!("derived from derived indicator {part}"),
                                )
                            });
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        (indicators, keys)
    }

    fn bound(&mut self, context: (Section, &str), doc: Option<&BoundDoc>) -> Option<Bound> {
        let Some(doc) = doc else {
            self.problem(context, || {
                (
                    "缺少目标值 bound（at_least、more_than、at_most、less_than、about 或 between）",
                    "needs a bound (at_least, more_than, at_most, less_than, about or between)",
                )
            });
            return None;
        };
        let mut bounds = Vec::new();
        bounds.extend(doc.at_least.map(Bound::AtLeast));
        bounds.extend(doc.more_than.map(Bound::MoreThan));
        bounds.extend(doc.at_most.map(Bound::AtMost));
        bounds.extend(doc.less_than.map(Bound::LessThan));
        bounds.extend(doc.about.map(Bound::About));
        bounds.extend(doc.between.map(|[a, b]| Bound::Between(a, b)));
        match bounds.as_slice() {
            [Bound::Between(a, b)] if a > b => {
                self.problem(context, || (format!("区间 {a}–{b} 上下限颠倒"), format!("range {a}–{b} is reversed")));
                None
            }
            [bound] => Some(*bound),
            _ => {
                self.problem(context, || ("bound 只能有一种比较（如 at_least）", "the bound must have exactly one comparison"));
                None
            }
        }
    }

    fn targets(&mut self, document: &CatalogDocument, regions: &[Region], indicators: &[Indicator]) -> Vec<Target> {
        let mut targets = Vec::new();
        let mut ids = BTreeSet::new();
        for doc in &document.target {
            let context = (Section::Target, doc.id.as_str());
            if CHECKED && !ids.insert(doc.id.clone()) {
                self.problem(context, || ("id 重复", "id used twice"));
            }
            let Some(indicator) = indicators.iter().find(|i| *i.id == *doc.indicator) else {
                self.problem(context, || (format!("未知的指标 {:?}", doc.indicator), format!("unknown indicator {:?}", doc.indicator)));
                continue;
            };
            // Each region once, in the order first named: a scope is a set, and 65,000 copies of
            // `all_districts` fit the catalogue's 1 MB as 2.5 million codes to scan on every look.
            let mut scope: Vec<Arc<str>> = Vec::new();
            let mut in_scope = vec![false; regions.len()];
            let mut add = |index: usize| {
                if !std::mem::replace(&mut in_scope[index], true) {
                    scope.push(regions[index].code.clone());
                }
            };
            for selector in &doc.regions {
                if selector == ALL_DISTRICTS {
                    (0..regions.len()).filter(|&i| regions[i].is_district()).for_each(&mut add);
                } else if let Some(index) = regions.iter().position(|r| *r.code == **selector) {
                    add(index);
                } else {
                    self.problem(context, || (format!("未知的地区 {selector:?}"), format!("unknown region {selector:?}")));
                }
            }
            if scope.is_empty() {
                self.problem(context, || ("没有适用的地区（regions 为空）", "applies to no region"));
            }
            let base = self.period(context, "base", doc.base.as_deref());
            let deadline = self.period(context, "deadline", doc.deadline.as_deref());
            let rule = match doc.kind.as_str() {
                "level" | "growth" | "share" => {
                    let bound = self.bound(context, doc.bound.as_ref());
                    if deadline.is_none() {
                        self.problem(context, || ("缺少截止期 deadline", "needs a deadline"));
                    }
                    if let (Some(b), Some(d)) = (base, deadline)
                        && b >= d
                    {
                        self.problem(context, || (format!("基期 {b} 不早于截止期 {d}"), format!("base {b} is not before deadline {d}")));
                    }
                    match (doc.kind.as_str(), bound, deadline) {
                        ("level", Some(bound), Some(deadline)) => Some(Rule::Level { bound, base, deadline }),
                        ("growth", Some(bound), Some(deadline)) => match base {
                            Some(base) => Some(Rule::Growth { bound, base, deadline }),
                            None => {
                                self.problem(context, || ("增速目标须有基期 base", "a growth target needs a base year"));
                                None
                            }
                        },
                        ("share", Some(bound), Some(deadline)) => {
                            match &indicator.derived {
                                None => self.problem(context, || {
                                    (
                                        format!("占比目标须针对由两个指标派生的指标，{} 不是派生指标", indicator.id),
                                        format!(
                                            "a share target needs an indicator derived from two others; {} is not derived",
                                            indicator.id
                                        ),
                                    )
                                }),
                                Some(d)
                                    if !(indicators.iter().any(|i| i.id == d.numerator)
                                        && indicators.iter().any(|i| i.id == d.denominator)) =>
                                {
                                    self.problem(context, || {
                                        (
                                            format!("占比的分子 {} 和分母 {} 必须都存在", d.numerator, d.denominator),
                                            format!("the share's parts {} and {} must both exist", d.numerator, d.denominator),
                                        )
                                    });
                                }
                                Some(_) => {}
                            }
                            Some(Rule::Share { bound, base, deadline })
                        }
                        _ => None,
                    }
                }
                "cadence" => {
                    let from = self.period(context, "from", doc.from.as_deref());
                    let until = self.period(context, "until", doc.until.as_deref());
                    if indicator.measure != MeasureKind::Flow {
                        self.problem(context, || {
                            (
                                format!("频次目标计的是活动次数，{} 须为累计量（flow）", indicator.id),
                                format!("a cadence counts events, so {} must be a flow", indicator.id),
                            )
                        });
                    }
                    match (doc.times, doc.every_months, from) {
                        (Some(times), Some(every_months), Some(from))
                            if times > 0 && (1..=12).contains(&every_months) && 12 % every_months == 0 =>
                        {
                            Some(Rule::Cadence { times, every_months, from, until })
                        }
                        _ => {
                            self.problem(context, || {
                                (
                                    "频次目标须有 times ≥ 1、能整除 12 的 every_months 和起始期 from",
                                    "a cadence needs times ≥ 1, every_months dividing 12, and from",
                                )
                            });
                            None
                        }
                    }
                }
                other => {
                    self.problem(context, || {
                        (
                            format!("未知的目标类型 {other:?}（可用 level、growth、share、cadence）"),
                            format!("unknown kind {other:?} (level, growth, share, cadence)"),
                        )
                    });
                    None
                }
            };
            let cited = !doc.source.seed.trim().is_empty() || !doc.source.document.trim().is_empty();
            if !cited || doc.source.clause.trim().is_empty() || doc.source.quote.trim().is_empty() {
                self.problem(context, || {
                    (
                        "来源 source 须注明文件（seed 或 document）、条款 clause 和原文 quote",
                        "the source needs its document (seed or document), clause and quote",
                    )
                });
            }
            if let Some(rule) = rule {
                targets.push(Target {
                    id: Arc::from(doc.id.as_str()),
                    indicator: indicator.id.clone(),
                    regions: scope,
                    rule,
                    source: Source {
                        seed: doc.source.seed.clone(),
                        document: doc.source.document.clone(),
                        clause: doc.source.clause.clone(),
                        quote: doc.source.quote.clone(),
                    },
                });
            }
        }
        targets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_its_own_normal_form_so_the_direct_lookup_agrees() {
        let catalog = Catalog::builtin();
        for key in catalog.region_keys.keys().chain(catalog.indicator_keys.keys()) {
            assert_eq!(&lookup_key(key), key);
        }
        // And text that is not in key form still goes through normalisation.
        assert_eq!(catalog.region("渝　中　区").map(|r| &*r.code), Some("500103"));
        assert_eq!(catalog.indicator("HIGH_TECH_ENTERPRISES").map(|i| &*i.id), Some("high_tech_enterprises"));
    }

    #[test]
    fn the_builtin_catalogue_is_valid_and_complete() {
        let catalog = Catalog::from_toml(&[BUILTIN_INDICATORS, BUILTIN_REGIONS]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(catalog.district_count(), 38);
        assert_eq!(catalog.regions().iter().filter(|r| r.kind == RegionKind::FunctionalZone).count(), 3);
        assert_eq!(&*catalog.city().code, "500000");
        for id in [
            "tech_smes",
            "high_tech_enterprises",
            "specialized_smes",
            "rd_expenditure",
            "hitech_zone_output_share",
            "national_innovative_counties",
            "district_platforms",
            "science_literacy_rate",
            "bimonthly_forums",
            "expert_district_visits",
            "experts_engaged",
            "enterprise_problems_solved",
            "innovation_method_courses",
            "innovation_engineers_trained",
            "patent_info_trainings",
            "patent_db_new_users",
            "patent_engineers_trained",
            "expert_service_teams",
            "municipal_pilot_districts",
            "rd_personnel",
            "rd_fte",
        ] {
            assert!(catalog.indicator(id).is_some(), "missing indicator {id}");
        }
        for kind in ["level", "growth", "share", "cadence"] {
            assert!(catalog.targets().iter().any(|t| t.rule.kind() == kind), "no {kind} target");
        }
        for target in catalog.targets() {
            assert!(target.source.seed.ends_with(".txt"), "{} cites no seed file", target.id);
        }
    }

    #[test]
    fn looks_up_regions_by_code_name_short_name_and_alias() {
        let catalog = Catalog::builtin();
        for text in ["500118", "永川区", "永川", "永　川　区", "Yongchuan District"] {
            assert_eq!(&*catalog.region(text).unwrap().code, "500118", "{text}");
        }
        assert_eq!(&*catalog.region("梁平县").unwrap().code, "500155");
        assert_eq!(&*catalog.region("合计").unwrap().code, "500000");
        assert!(catalog.region("永川市").is_none());
        assert_eq!(&*catalog.suggest_region("永川市").unwrap().code, "500118");
    }

    #[test]
    fn looks_up_indicators_by_id_name_and_alias() {
        let catalog = Catalog::builtin();
        assert_eq!(&*catalog.indicator("高新技术企业数量").unwrap().id, "high_tech_enterprises");
        assert_eq!(&*catalog.indicator("high_tech_enterprises").unwrap().id, "high_tech_enterprises");
        assert_eq!(&*catalog.suggest_indicator("科技型企业数").unwrap().id, "tech_smes");
    }

    fn minimal(extra: &str) -> Result<Catalog, CatalogError> {
        let base = r#"
[[unit]]
symbol = "家"
name_en = "enterprises"
dimension = "enterprises"
[[unit]]
symbol = "%"
name_en = "percent"
dimension = "percent"
[[region]]
code = "500000"
name_zh = "重庆市"
short_zh = "重庆"
name_en = "Chongqing"
kind = "city"
[[indicator]]
id = "firms"
name_zh = "企业"
name_en = "Firms"
unit = "家"
measure = "stock"
additive = true
decimals = 0
"#;
        Catalog::from_toml(&[base, extra])
    }

    #[test]
    fn a_trusted_build_of_a_valid_document_is_the_checked_catalogue() {
        let checked = Catalog::builtin();
        let trusted = Catalog::from_trusted_document(checked.document().clone());
        assert_eq!(format!("{trusted:?}"), format!("{checked:?}"));
        for region in checked.regions() {
            for name in [&*region.code, &region.name_zh, &region.short_zh, &region.name_en] {
                assert_eq!(trusted.region(name).map(|r| &r.code), Some(&region.code), "{name}");
            }
        }
        for indicator in checked.indicators() {
            assert_eq!(trusted.indicator(&indicator.name_zh).map(|i| &i.id), Some(&indicator.id));
        }
    }

    #[test]
    fn a_trusted_build_of_an_invalid_document_leaves_out_what_is_wrong() {
        let mut document = Catalog::builtin().document().clone();
        let valid_targets = document.target.len();
        let mut orphan = document.target[0].clone();
        orphan.id = "orphan".to_owned();
        orphan.indicator = "no_such_indicator".to_owned();
        document.target.push(orphan);
        let mut nameless = document.target[0].clone();
        nameless.kind = "wish".to_owned();
        document.target.push(nameless);
        document.region[1].kind = "planet".to_owned();
        let problems = Catalog::from_document(document.clone()).unwrap_err().problems;
        assert_eq!(problems.len(), 4, "{problems:?}"); // the target id twice, the unknown indicator, kind, region kind
        let trusted = Catalog::from_trusted_document(document.clone());
        assert_eq!(trusted.targets().len(), valid_targets);
        assert_eq!(trusted.regions().len(), document.region.len() - 1);
        assert!(trusted.region(&document.region[1].code).is_none());
        assert!(trusted.target("orphan").is_none());
        // Nothing at all builds too (the checked build refuses it: no city).
        let empty = Catalog::from_trusted_document(CatalogDocument::default());
        assert!(empty.regions().is_empty() && empty.indicators().is_empty() && empty.region("500000").is_none());
        assert!(Catalog::from_document(CatalogDocument::default()).is_err());
    }

    #[test]
    fn a_scope_names_each_region_once() {
        let mut document = Catalog::builtin().document().clone();
        let first_district = Catalog::builtin().districts().next().unwrap().code.to_string();
        document.target[0].regions = vec!["all_districts".to_owned(); 65_000];
        document.target[0].regions.push(first_district.clone());
        document.target[0].regions.insert(0, first_district.clone());
        let catalog = Catalog::from_document(document).unwrap();
        let scope = &catalog.targets()[0].regions;
        assert_eq!(scope.len(), 38);
        assert_eq!(&*scope[0], first_district, "in the order first named");
    }

    fn problems(extra: &str) -> String {
        minimal(extra).expect_err("should be rejected").to_string()
    }

    const SOURCE: &str = r#"source = { seed = "004_38e28bd9a1a18c0a.txt", document = "d", clause = "c", quote = "q" }"#;

    #[test]
    fn a_target_on_an_unknown_indicator_is_an_error() {
        let text = problems(&format!(
            "[[target]]\nid = \"t\"\nindicator = \"nope\"\nregions = [\"500000\"]\nkind = \"level\"\nbound = {{ at_least = 1 }}\ndeadline = \"2025\"\n{SOURCE}\n"
        ));
        assert!(text.contains("target t: unknown indicator \"nope\""), "{text}");
    }

    #[test]
    fn an_unknown_unit_is_an_error() {
        let text = problems(
            "[[indicator]]\nid = \"x\"\nname_zh = \"某\"\nname_en = \"X\"\nunit = \"斤\"\nmeasure = \"stock\"\nadditive = true\ndecimals = 0\n",
        );
        assert!(text.contains("indicator x: unknown unit \"斤\""), "{text}");
    }

    #[test]
    fn a_share_of_missing_indicators_is_an_error() {
        let text = problems(&format!(
            "[[indicator]]\nid = \"s\"\nname_zh = \"占比\"\nname_en = \"Share\"\nunit = \"%\"\nmeasure = \"ratio\"\nadditive = false\ndecimals = 1\nderived = {{ numerator = \"a\", denominator = \"firms\", factor = 100 }}\n\
             [[target]]\nid = \"t\"\nindicator = \"s\"\nregions = [\"500000\"]\nkind = \"share\"\nbound = {{ more_than = 30 }}\ndeadline = \"2025\"\n{SOURCE}\n"
        ));
        assert!(text.contains("indicator s: derived from unknown indicator a"), "{text}");
        assert!(text.contains("target t: the share's parts a and firms must both exist"), "{text}");
    }

    #[test]
    fn a_share_target_on_a_plain_indicator_is_an_error() {
        let text = problems(&format!(
            "[[target]]\nid = \"t\"\nindicator = \"firms\"\nregions = [\"500000\"]\nkind = \"share\"\nbound = {{ more_than = 30 }}\ndeadline = \"2025\"\n{SOURCE}\n"
        ));
        assert!(text.contains("firms is not derived"), "{text}");
    }

    #[test]
    fn reports_every_problem_at_once() {
        let text = problems(&format!(
            "[[target]]\nid = \"t\"\nindicator = \"firms\"\nregions = [\"999\"]\nkind = \"level\"\nbound = {{ at_least = 1, at_most = 2 }}\ndeadline = \"2025Q5\"\n{SOURCE}\n"
        ));
        assert!(text.contains("unknown region \"999\""), "{text}");
        assert!(text.contains("exactly one comparison"), "{text}");
        assert!(text.contains("not a recognised period"), "{text}");
    }

    #[test]
    fn the_city_has_seven_indicators_with_a_2025_target() {
        let catalog = Catalog::builtin();
        let ids: Vec<&str> = catalog.targeted_indicators("500000", Some(2025)).iter().map(|i| &*i.id).collect();
        assert_eq!(
            ids,
            [
                "tech_smes",
                "high_tech_enterprises",
                "rd_expenditure",
                "hitech_zone_output_share",
                "national_innovative_counties",
                "district_platforms",
                "science_literacy_rate"
            ]
        );
        let all = catalog.targeted_indicators("500000", None);
        assert!(all.len() >= ids.len(), "without a year every target counts");
        assert!(catalog.targeted_indicators("500118", Some(2025)).iter().any(|i| &*i.id == "rd_expenditure"));
    }

    #[test]
    fn document_round_trips_through_json() {
        let catalog = Catalog::builtin();
        let json = serde_json::to_string(catalog.document()).unwrap();
        let back: CatalogDocument = serde_json::from_str(&json).unwrap();
        let rebuilt = Catalog::from_document(back).unwrap();
        assert_eq!(rebuilt.indicators(), catalog.indicators());
        assert_eq!(rebuilt.targets(), catalog.targets());
        assert_eq!(rebuilt.regions(), catalog.regions());
    }
}
