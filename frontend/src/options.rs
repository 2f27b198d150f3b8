//! What a portal maintainer writes on a `<div>`: `data-innogauge` (the widget), and
//! `data-indicator`, `data-region`, `data-period`, `data-measure`, `data-method`, `data-lang`,
//! `data-theme`, `data-height`, `data-live`. Parsed once per mount into [`WidgetOptions`].

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
    /// The district innovation index: every district ranked, with its interval and change.
    IndexRanking,
    /// One district's evaluation: its parts against the average, strengths and weaknesses.
    IndexProfile,
    /// The evaluation's tiers on the map.
    IndexMap,
    /// Every district × part of the evaluation, as a table.
    IndexTable,
}

impl Kind {
    /// The `data-innogauge` values.
    pub const NAMES: [&str; 11] =
        ["gauge", "trend", "ranking", "map", "kpi", "table", "board", "index-ranking", "index-profile", "index-map", "index-table"];

    /// Every type, in the order of [`Kind::NAMES`].
    pub const ALL: [Kind; 11] = [
        Kind::Gauge,
        Kind::Trend,
        Kind::Ranking,
        Kind::Map,
        Kind::Kpi,
        Kind::Table,
        Kind::Board,
        Kind::IndexRanking,
        Kind::IndexProfile,
        Kind::IndexMap,
        Kind::IndexTable,
    ];

    /// From `data-innogauge`.
    pub fn parse(text: &str) -> Option<Kind> {
        let text = text.trim();
        Kind::ALL.into_iter().find(|kind| kind.name() == text)
    }

    /// The types in the small widget module (`dist/`'s `core`): what most portals show. A page
    /// with any other type loads the module with every type (`every-widget`).
    pub const CORE: [Kind; 4] = [Kind::Gauge, Kind::Trend, Kind::Kpi, Kind::Table];

    /// The types in the base module (`dist/`'s `base`): the small module's without the trend,
    /// whose drawing, menu and exports are a sixth of the small module. A page of gauges, KPIs
    /// and tables loads this one.
    pub const BASE: [Kind; 3] = [Kind::Gauge, Kind::Kpi, Kind::Table];

    /// The `data-innogauge` value.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Gauge => "gauge",
            Kind::Kpi => "kpi",
            Kind::Table => "table",
            Kind::Trend => "trend",
            Kind::Ranking => "ranking",
            Kind::Map => "map",
            Kind::Board => "board",
            Kind::IndexRanking => "index-ranking",
            Kind::IndexProfile => "index-profile",
            Kind::IndexMap => "index-map",
            Kind::IndexTable => "index-table",
        }
    }

    /// Whether this build of the widgets can draw this type.
    pub fn in_this_build(self) -> bool {
        if cfg!(feature = "every-widget") {
            true
        } else if cfg!(feature = "trend") {
            Kind::CORE.contains(&self)
        } else {
            Kind::BASE.contains(&self)
        }
    }

    /// Whether the widget shows the district evaluation (it reads `/api/v1/evaluation`, needs
    /// no indicator, and follows every commit).
    pub fn is_evaluation(self) -> bool {
        matches!(self, Kind::IndexRanking | Kind::IndexProfile | Kind::IndexMap | Kind::IndexTable)
    }
}

pub use innogauge_model::chart::Theme;

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
    /// Which target to show where an indicator has several (`data-target`: a target id or a
    /// deadline year; default the nearest open target).
    pub target: Option<String>,
    /// Ranking measure.
    pub measure: Option<String>,
    /// The evaluation's scoring: `target` (default) or `min_max`.
    pub method: Option<String>,
    /// Language.
    pub lang: Lang,
    /// Theme (with `data-theme="auto"`, light until [`WidgetOptions::shown_theme`] reads the
    /// system's scheme).
    pub theme: Theme,
    /// `data-theme="auto"`: dark when the reader's system is, switching live.
    pub follows_system: bool,
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

    /// The theme to draw in now: light on paper whatever the screen shows (ink on white prints
    /// best), the system's scheme for `data-theme="auto"`, else the one asked for.
    pub fn shown_theme(&self, media: crate::media::Media) -> Theme {
        if media.print {
            Theme::Light
        } else if self.follows_system {
            if media.dark { Theme::Dark } else { Theme::Light }
        } else {
            self.theme
        }
    }

    /// The query of the chart's own page (`/chart?…`, the server's share page): the widget's
    /// attributes under the names a frame takes, so that the link opens this very chart.
    pub fn chart_query(&self) -> String {
        let theme = if self.follows_system {
            Some("auto")
        } else {
            match self.theme {
                Theme::Light => None,
                Theme::Dark => Some("dark"),
                Theme::HighContrast => Some("high-contrast"),
            }
        };
        let lang = (self.lang == Lang::En).then_some("en");
        let pairs = [
            ("type", Some(self.kind_text.trim())),
            ("indicator", Some(self.indicator.trim()).filter(|i| !i.is_empty())),
            ("region", Some(self.region.trim()).filter(|r| *r != innogauge_model::CITY_CODE)),
            ("period", self.period.as_deref()),
            ("target", self.target.as_deref()),
            ("measure", self.measure.as_deref()),
            ("method", self.method.as_deref()),
            ("lang", lang),
            ("theme", theme),
        ];
        pairs.iter().filter_map(|(name, value)| value.map(|v| format!("{name}={}", percent_encode(v.trim())))).collect::<Vec<_>>().join("&")
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
            target: get("target").map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()),
            measure: get("measure").filter(|m| !m.trim().is_empty()),
            method: get("method").map(|m| m.trim().to_owned()).filter(|m| m == "target" || m == "min_max"),
            lang: get("lang").and_then(|l| Lang::parse(&l)).unwrap_or_default(),
            theme: Theme::parse(get("theme").as_deref()),
            follows_system: get("theme").is_some_and(|t| t.trim() == "auto"),
            height: get("height").and_then(|h| h.trim().trim_end_matches("px").parse().ok()).filter(|h: &u32| (60..=2000).contains(h)),
            live: get("live").is_none_or(|l| l.trim() != "false"),
        }
    }
}

/// `text` for a URL's query: every byte but the unreserved ones as `%XX` (UTF-8 for Chinese).
/// The widgets' API paths and the chart link both use it.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_named_once_in_order_and_the_core_is_built() {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, Kind::NAMES);
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.name()), Some(kind));
        }
        assert_eq!(Kind::parse(" map "), Some(Kind::Map));
        assert_eq!(Kind::parse("pie"), None);
        assert!(Kind::BASE.iter().all(|k| k.in_this_build() && Kind::CORE.contains(k)));
        assert_eq!(Kind::CORE.iter().all(|k| k.in_this_build()), cfg!(feature = "trend"));
        assert_eq!(Kind::ALL.iter().all(|k| k.in_this_build()), cfg!(feature = "every-widget"));
    }

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
        assert!(!options.follows_system);
    }

    #[test]
    fn the_chart_link_carries_the_attributes() {
        let options = WidgetOptions::from_attributes(|name| match name {
            "innogauge" => Some("ranking".into()),
            "indicator" => Some("rd_expenditure".into()),
            "region" => Some("永川区".into()),
            "measure" => Some("growth".into()),
            "lang" => Some("en".into()),
            "theme" => Some("auto".into()),
            "height" => Some("560".into()),
            _ => None,
        });
        assert_eq!(
            options.chart_query(),
            "type=ranking&indicator=rd_expenditure&region=%E6%B0%B8%E5%B7%9D%E5%8C%BA&measure=growth&lang=en&theme=auto"
        );
        let city = WidgetOptions::from_attributes(|name| (name == "innogauge").then(|| "index-map".into()));
        assert_eq!(city.chart_query(), "type=index-map", "defaults stay out of the link");
        let odd = WidgetOptions::from_attributes(|name| match name {
            "innogauge" => Some("gauge".into()),
            "indicator" => Some("a&b=c".into()),
            _ => None,
        });
        assert_eq!(odd.chart_query(), "type=gauge&indicator=a%26b%3Dc");
    }

    #[test]
    fn auto_theme_follows_the_system_and_paper_is_light() {
        use crate::media::Media;
        let auto = WidgetOptions::from_attributes(|name| (name == "theme").then(|| " auto ".into()));
        assert!(auto.follows_system);
        assert_eq!(auto.shown_theme(Media::default()), Theme::Light);
        assert_eq!(auto.shown_theme(Media { dark: true, ..Media::default() }), Theme::Dark);
        assert_eq!(auto.shown_theme(Media { dark: true, print: true, ..Media::default() }), Theme::Light);
        let dark = WidgetOptions::from_attributes(|name| (name == "theme").then(|| "dark".into()));
        assert_eq!(dark.shown_theme(Media::default()), Theme::Dark, "an explicit theme ignores the system");
        assert_eq!(dark.shown_theme(Media { print: true, ..Media::default() }), Theme::Light);
        let hc = WidgetOptions::from_attributes(|name| (name == "theme").then(|| "high-contrast".into()));
        assert_eq!(hc.shown_theme(Media { dark: false, ..Media::default() }), Theme::HighContrast);
    }

    #[test]
    fn evaluation_widgets_take_a_method() {
        let options = WidgetOptions::from_attributes(|name| match name {
            "innogauge" => Some(" index-profile ".into()),
            "region" => Some("500118".into()),
            "method" => Some("min_max".into()),
            _ => None,
        });
        assert_eq!(options.kind, Some(Kind::IndexProfile));
        assert!(options.kind.is_some_and(Kind::is_evaluation));
        assert_eq!(options.method.as_deref(), Some("min_max"));
        let unknown = WidgetOptions::from_attributes(|name| (name == "method").then(|| "best".into()));
        assert_eq!(unknown.method, None, "an unknown method is the default, not an error from the API");
        for name in Kind::NAMES {
            assert!(Kind::parse(name).is_some(), "{name}");
        }
    }
}
