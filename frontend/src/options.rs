//! What a portal maintainer writes on a `<div>`: `data-innogauge` (the widget), and
//! `data-indicator`, `data-region`, `data-period`, `data-measure`, `data-lang`, `data-theme`,
//! `data-height`, `data-live`. Parsed once per mount into [`WidgetOptions`].

use innogauge_model::Lang;

/// The widget types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Current value against the target, with the expected-by-now mark.
    Gauge,
    /// One number with its change on a year ago.
    Kpi,
    /// The data as an accessible table.
    Table,
    /// The quarterly series against the required path, the target and the projection.
    Trend,
    /// The districts as bars.
    Ranking,
    /// The districts on a map.
    Map,
    /// Every target of a region.
    Board,
}

impl Kind {
    /// The `data-innogauge` values.
    pub const NAMES: [&str; 7] = ["gauge", "trend", "ranking", "map", "kpi", "table", "board"];

    /// From `data-innogauge`.
    pub fn parse(text: &str) -> Option<Kind> {
        match text.trim() {
            "gauge" => Some(Kind::Gauge),
            "kpi" => Some(Kind::Kpi),
            "table" => Some(Kind::Table),
            "trend" => Some(Kind::Trend),
            "ranking" => Some(Kind::Ranking),
            "map" => Some(Kind::Map),
            "board" => Some(Kind::Board),
            _ => None,
        }
    }
}

/// Colour themes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Dark text on white.
    Light,
    /// Light text on near-black.
    Dark,
    /// Black and white with bold outlines.
    HighContrast,
}

impl Theme {
    /// From `data-theme`; unknown values are light.
    pub fn parse(text: Option<&str>) -> Theme {
        match text.map(str::trim) {
            Some("dark") => Theme::Dark,
            Some("high-contrast") => Theme::HighContrast,
            _ => Theme::Light,
        }
    }

    /// The CSS class of the theme.
    pub fn class(self) -> &'static str {
        match self {
            Theme::Light => "theme-light",
            Theme::Dark => "theme-dark",
            Theme::HighContrast => "theme-hc",
        }
    }
}

/// A widget's options.
#[derive(Clone, Debug, PartialEq)]
pub struct WidgetOptions {
    /// What to draw (`None`: an unknown `data-innogauge` value, shown as a message).
    pub kind: Option<Kind>,
    /// The raw `data-innogauge` text, for that message.
    pub kind_text: String,
    /// Indicator id or name.
    pub indicator: String,
    /// Region code or name (default the city).
    pub region: String,
    /// Period (default latest).
    pub period: Option<String>,
    /// Ranking measure.
    pub measure: Option<String>,
    /// Language.
    pub lang: Lang,
    /// Theme.
    pub theme: Theme,
    /// Height in CSS pixels.
    pub height: Option<u32>,
    /// Refetch on live events.
    pub live: bool,
}

impl WidgetOptions {
    /// The ranking measure asked for (`value`, `achievement`, `growth`; a map's `status`
    /// colours by status and ranks by value).
    pub fn rank_measure(&self) -> &str {
        match self.measure.as_deref().map(str::trim) {
            Some(m @ ("achievement" | "growth")) => m,
            _ => "value",
        }
    }

    /// Whether a map is coloured by the figure rather than by status.
    pub fn colour_by_figure(&self) -> bool {
        matches!(self.measure.as_deref().map(str::trim), Some("value" | "achievement" | "growth"))
    }

    /// Reads the options from an attribute getter (`data-*` name without the prefix).
    pub fn from_attributes(get: impl Fn(&str) -> Option<String>) -> WidgetOptions {
        let kind_text = get("innogauge").unwrap_or_default();
        WidgetOptions {
            kind: Kind::parse(&kind_text),
            kind_text,
            indicator: get("indicator").unwrap_or_default(),
            region: get("region").filter(|r| !r.trim().is_empty()).unwrap_or_else(|| innogauge_model::CITY_CODE.to_owned()),
            period: get("period").filter(|p| !p.trim().is_empty()),
            measure: get("measure").filter(|m| !m.trim().is_empty()),
            lang: get("lang").and_then(|l| Lang::parse(&l)).unwrap_or_default(),
            theme: Theme::parse(get("theme").as_deref()),
            height: get("height").and_then(|h| h.trim().trim_end_matches("px").parse().ok()).filter(|h: &u32| (60..=2000).contains(h)),
            live: get("live").is_none_or(|l| l.trim() != "false"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_attributes_with_defaults() {
        let options = WidgetOptions::from_attributes(|name| match name {
            "innogauge" => Some("gauge".into()),
            "indicator" => Some("high_tech_enterprises".into()),
            "lang" => Some("en".into()),
            "height" => Some("240px".into()),
            "live" => Some("false".into()),
            _ => None,
        });
        assert_eq!(options.kind, Some(Kind::Gauge));
        assert_eq!(options.region, "500000");
        assert_eq!(options.lang, Lang::En);
        assert_eq!(options.height, Some(240));
        assert!(!options.live);
        assert_eq!(options.theme, Theme::Light);
    }
}
