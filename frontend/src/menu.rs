//! The small download menu in a chart's corner: PNG (with title and legend) and CSV. A real
//! button with `aria-expanded`, closed by Escape, each entry a button.

use innogauge_model::Lang;
use yew::prelude::*;

use crate::names::t;

/// Properties of [`Menu`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct MenuProps {
    /// Saves the picture (absent where there is no chart).
    #[prop_or_default]
    pub on_png: Option<Callback<()>>,
    /// Saves the data.
    pub on_csv: Callback<()>,
    /// Language.
    pub lang: Lang,
}

/// The menu.
#[function_component(Menu)]
pub fn menu(props: &MenuProps) -> Html {
    let open = use_state(|| false);
    let lang = props.lang;
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let on_key = {
        let open = open.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" {
                open.set(false);
            }
        })
    };
    let choose = |action: Callback<()>| {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| {
            open.set(false);
            action.emit(());
        })
    };
    html! {
        <div class="menu" onkeydown={on_key}>
            <button type="button" class="menu-button" aria-haspopup="true" aria-expanded={open.to_string()} onclick={toggle}
                title={t(lang, "下载", "Download")} aria-label={t(lang, "下载图表或数据", "Download the chart or data")}>{ "⋯" }</button>
            if *open {
                <div class="menu-list" role="group" aria-label={t(lang, "下载", "Download")}>
                    if let Some(on_png) = &props.on_png {
                        <button type="button" onclick={choose(on_png.clone())}>{ t(lang, "下载图片（PNG）", "Image (PNG)") }</button>
                    }
                    <button type="button" onclick={choose(props.on_csv.clone())}>{ t(lang, "下载数据（CSV）", "Data (CSV)") }</button>
                </div>
            }
        </div>
    }
}
