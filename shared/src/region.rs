//! Regions: the city of Chongqing (500000), its 38 districts and counties in the "一区两群"
//! groups, and the three functional zones that overlap districts.
//!
//! Invariant: a functional zone is never summed into the city. Only [`RegionKind::District`]
//! regions add up to the city value of an additive indicator.

use std::sync::Arc;

/// The administrative division code of the city of Chongqing.
pub const CITY_CODE: &str = "500000";

/// What kind of region this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegionKind {
    /// 重庆市, the sum of its districts for additive indicators.
    City,
    /// One of the 38 districts and counties (区县), which partition the city.
    District,
    /// A functional zone (两江新区, 重庆高新区, 万盛经开区) overlapping districts; never summed.
    FunctionalZone,
}

impl RegionKind {
    /// The catalogue spelling: `city`, `district`, `functional_zone`.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionKind::City => "city",
            RegionKind::District => "district",
            RegionKind::FunctionalZone => "functional_zone",
        }
    }
}

/// A group of the "一区两群" layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Stable id, e.g. `central_urban`.
    pub id: String,
    /// 中文名, e.g. 主城都市区·中心城区.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// A region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// Administrative division code (500118), or the project's stable code for a zone.
    pub code: Arc<str>,
    /// Full Chinese name: 永川区.
    pub name_zh: String,
    /// Short Chinese name as tables often write it: 永川.
    pub short_zh: String,
    /// English name.
    pub name_en: String,
    /// City, district or functional zone.
    pub kind: RegionKind,
    /// The 一区两群 group of a district.
    pub group: Option<String>,
    /// Other names that identify the region (old names such as 梁平县, abbreviations).
    pub aliases: Vec<String>,
    /// For a functional zone: the districts it overlaps.
    pub overlaps: Vec<Arc<str>>,
}

impl Region {
    /// Whether this region is the city.
    pub fn is_city(&self) -> bool {
        self.kind == RegionKind::City
    }

    /// Whether this region is one of the 38 districts that add up to the city.
    pub fn is_district(&self) -> bool {
        self.kind == RegionKind::District
    }
}
