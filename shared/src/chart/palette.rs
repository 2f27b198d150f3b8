//! Colours of every chart and theme, each checked against WCAG 2.1 (1.4.11: graphics that
//! carry meaning stand out 3:1 from what is next to them). Colour never carries meaning alone:
//! the status, the tier, the figure are always written beside it.

use plotters::style::RGBColor;

/// Colour themes (`data-theme` on a widget; reports are printed in the light one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Theme {
    /// Dark text on white.
    #[default]
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

/// Ink (axis, ticks) and grid colours of a theme.
pub fn ink(theme: Theme) -> (RGBColor, RGBColor) {
    match theme {
        Theme::Light => (RGBColor(55, 65, 81), RGBColor(229, 231, 235)),
        Theme::Dark => (RGBColor(209, 213, 219), RGBColor(55, 65, 81)),
        Theme::HighContrast => (RGBColor(255, 255, 255), RGBColor(110, 110, 110)),
    }
}

/// The accent colour of series lines and bars (blue, readable on each theme's background).
pub fn accent(theme: Theme) -> RGBColor {
    match theme {
        Theme::Light => RGBColor(29, 78, 216),
        Theme::Dark => RGBColor(96, 165, 250),
        Theme::HighContrast => RGBColor(255, 255, 0),
    }
}

/// The background of a theme (as in the widgets' stylesheet).
pub fn background(theme: Theme) -> RGBColor {
    match theme {
        Theme::Light => RGBColor(255, 255, 255),
        Theme::Dark => RGBColor(17, 24, 39),
        Theme::HighContrast => RGBColor(0, 0, 0),
    }
}

/// Colours of the progress statuses (fill colours; the words are always shown too).
pub fn status_colour(status: &str, theme: Theme) -> RGBColor {
    if theme == Theme::HighContrast {
        return RGBColor(255, 255, 255);
    }
    if theme == Theme::Dark {
        // Lighter shades: the light theme's would fall under 3:1 on the dark background.
        return match status {
            "target_achieved" => RGBColor(34, 197, 94),
            "substantial" => RGBColor(134, 239, 172),
            "moderate" => RGBColor(245, 158, 11),
            "limited" => RGBColor(251, 146, 60),
            "deterioration" => RGBColor(248, 113, 113),
            "target_missed" => RGBColor(244, 114, 182),
            _ => RGBColor(156, 163, 175),
        };
    }
    match status {
        "target_achieved" => RGBColor(21, 128, 61),
        "substantial" => RGBColor(22, 163, 74),
        "moderate" => RGBColor(217, 119, 6),
        "limited" => RGBColor(234, 88, 12),
        "deterioration" => RGBColor(185, 28, 28),
        // Final, so apart from the in-progress reds: a dark magenta.
        "target_missed" => RGBColor(134, 25, 143),
        _ => RGBColor(107, 114, 128),
    }
}

/// Colours of the evaluation's tiers (第一、二、三梯队; `None`: not rated). Dark blue, teal and
/// amber differ in lightness as well as hue, so they stay apart without colour vision; the
/// tier is written beside every bar and in every map tip.
pub fn tier_colour(tier: Option<u8>, theme: Theme) -> RGBColor {
    match (theme, tier) {
        (Theme::Light, Some(1)) => RGBColor(30, 64, 175),
        (Theme::Light, Some(2)) => RGBColor(13, 148, 136),
        (Theme::Light, Some(_)) => RGBColor(180, 83, 9),
        (Theme::Dark, Some(1)) => RGBColor(96, 165, 250),
        (Theme::Dark, Some(2)) => RGBColor(45, 212, 191),
        (Theme::Dark, Some(_)) => RGBColor(251, 191, 36),
        (Theme::HighContrast, Some(1)) => RGBColor(255, 255, 255),
        (Theme::HighContrast, Some(2)) => RGBColor(255, 255, 0),
        (Theme::HighContrast, Some(_)) => RGBColor(0, 255, 255),
        // Grey, not the white of "no data" in this theme: white is the first tier here.
        (Theme::HighContrast, None) => RGBColor(128, 128, 128),
        (theme, None) => status_colour("not_available", theme),
    }
}

/// The colour as CSS.
pub fn css(colour: RGBColor) -> String {
    format!("rgb({}, {}, {})", colour.0, colour.1, colour.2)
}

/// WCAG relative luminance of an sRGB colour.
pub fn luminance(colour: RGBColor) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(colour.0) + 0.7152 * channel(colour.1) + 0.0722 * channel(colour.2)
}

/// WCAG contrast ratio of two colours (1 to 21).
pub fn contrast(a: RGBColor, b: RGBColor) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUSES: [&str; 6] = ["target_achieved", "substantial", "moderate", "limited", "deterioration", "not_available"];
    const THEMES: [Theme; 3] = [Theme::Light, Theme::Dark, Theme::HighContrast];

    /// WCAG 2.1 AA, 1.4.11: graphics that carry meaning (arcs, bars, map fills, the status dot)
    /// need 3:1 against what is next to them.
    #[test]
    fn status_and_tier_colours_and_lines_stand_out_from_the_background() {
        for theme in THEMES {
            let bg = background(theme);
            for status in STATUSES {
                let ratio = contrast(status_colour(status, theme), bg);
                assert!(ratio >= 3.0, "{status} on {theme:?}: {ratio:.2}");
            }
            for tier in [Some(1), Some(2), Some(3), None] {
                let ratio = contrast(tier_colour(tier, theme), bg);
                assert!(ratio >= 3.0, "tier {tier:?} on {theme:?}: {ratio:.2}");
            }
            for (what, colour) in [("ink", ink(theme).0), ("accent", accent(theme))] {
                let ratio = contrast(colour, bg);
                assert!(ratio >= 3.0, "{what} on {theme:?}: {ratio:.2}");
            }
        }
    }

    /// Every tier and "not rated" has a colour of its own in every theme.
    #[test]
    fn tiers_and_not_rated_differ() {
        for theme in THEMES {
            let colours: Vec<RGBColor> = [Some(1), Some(2), Some(3), None].iter().map(|t| tier_colour(*t, theme)).collect();
            for (i, a) in colours.iter().enumerate() {
                for b in &colours[i + 1..] {
                    assert_ne!(a, b, "{theme:?}");
                }
            }
        }
    }

    /// Neighbouring tiers on the map are told apart by lightness too, not by hue alone.
    #[test]
    fn tiers_differ_in_lightness() {
        for theme in [Theme::Light, Theme::Dark] {
            let l: Vec<f64> = [1, 2, 3].iter().map(|t| luminance(tier_colour(Some(*t), theme))).collect();
            assert!((l[0] - l[1]).abs() > 0.05 && (l[1] - l[2]).abs() > 0.02, "{theme:?}: {l:?}");
        }
    }

    #[test]
    fn contrast_matches_the_wcag_examples() {
        assert!((contrast(RGBColor(0, 0, 0), RGBColor(255, 255, 255)) - 21.0).abs() < 1e-9);
        assert!((contrast(RGBColor(118, 118, 118), RGBColor(255, 255, 255)) - 4.54).abs() < 0.01);
    }

    #[test]
    fn unknown_themes_are_light() {
        assert_eq!(Theme::parse(Some(" dark ")), Theme::Dark);
        assert_eq!(Theme::parse(Some("high-contrast")), Theme::HighContrast);
        assert_eq!(Theme::parse(Some("neon")), Theme::Light);
        assert_eq!(Theme::parse(None), Theme::Light);
    }
}
