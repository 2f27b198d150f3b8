//! The small menu in a chart's corner: the picture (PNG file, or the clipboard where the
//! browser allows), the data (CSV), and a link to the chart's own page on the server
//! (`/chart?type=…`, whose preview in a chat shows its title and picture). A real button with
//! `aria-expanded`, closed by Escape, each entry a button; what a copy did is said in a live
//! region, and where the page may not write the clipboard the link is shown, selected, to copy
//! by hand.

use innogauge_model::Lang;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::export::{ImageTo, can_copy_image};
use crate::names::t;

/// Properties of [`Menu`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct MenuProps {
    /// Saves or copies the picture (absent where there is no chart).
    #[prop_or_default]
    pub on_png: Option<Callback<ImageTo>>,
    /// Saves the data.
    pub on_csv: Callback<()>,
    /// The query of the chart's own page (`WidgetOptions::chart_query`).
    #[prop_or_default]
    pub link: Option<String>,
    /// Language.
    pub lang: Lang,
}

/// The absolute address of the chart page for `query`, on the server the widgets read.
pub fn chart_url(query: &str) -> String {
    let base = crate::client::client().base().to_owned();
    let base = if base.is_empty() { web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default() } else { base };
    format!("{base}/chart?{query}")
}

/// What the menu last did, said below it.
#[derive(Clone, Debug, PartialEq)]
enum Said {
    Nothing,
    Copied(&'static str, &'static str),
    /// The clipboard is closed to this page: the link, to copy by hand.
    Link(String),
}

/// The menu.
#[function_component(Menu)]
pub fn menu(props: &MenuProps) -> Html {
    let open = use_state(|| false);
    let said = use_state(|| Said::Nothing);
    let lang = props.lang;
    let toggle = {
        let (open, said) = (open.clone(), said.clone());
        Callback::from(move |_: MouseEvent| {
            said.set(Said::Nothing);
            open.set(!*open);
        })
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
    let copy_link = props.link.clone().map(|query| {
        let said = said.clone();
        Callback::from(move |()| {
            let url = chart_url(&query);
            let clipboard = web_sys::window().filter(web_sys::Window::is_secure_context).map(|w| w.navigator().clipboard());
            match clipboard {
                Some(clipboard) => {
                    let promise = clipboard.write_text(&url);
                    let said = said.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        match wasm_bindgen_futures::JsFuture::from(promise).await {
                            Ok(_) => said.set(Said::Copied("已复制图表链接", "Link to the chart copied")),
                            Err(_) => said.set(Said::Link(url)),
                        }
                    });
                }
                None => said.set(Said::Link(url)),
            }
        })
    });
    let copy_image = props.on_png.clone().filter(|_| can_copy_image()).map(|on_png| {
        let said = said.clone();
        Callback::from(move |()| {
            on_png.emit(ImageTo::Clipboard);
            said.set(Said::Copied("已复制图片", "Image copied"));
        })
    });
    let select_all = Callback::from(|event: FocusEvent| {
        if let Some(input) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
            input.select();
        }
    });
    let words = match &*said {
        Said::Nothing => html! {},
        Said::Copied(zh, en) => html! { { t(lang, zh, en) } },
        Said::Link(url) => html! {
            <label class="share-link">{ t(lang, "复制此链接：", "Copy this link:") }
                <input type="text" readonly=true value={url.clone()} onfocus={select_all} autofocus=true />
            </label>
        },
    };
    html! {
        <div class="menu" onkeydown={on_key}>
            <button type="button" class="menu-button" aria-haspopup="true" aria-expanded={open.to_string()} onclick={toggle}
                title={t(lang, "下载或分享", "Download or share")} aria-label={t(lang, "下载或分享图表、数据", "Download or share the chart or data")}>{ "⋯" }</button>
            if *open {
                <div class="menu-list" role="group" aria-label={t(lang, "下载或分享", "Download or share")}>
                    if let Some(on_png) = &props.on_png {
                        <button type="button" onclick={choose(on_png.reform(|()| ImageTo::File))}>{ t(lang, "下载图片（PNG）", "Image (PNG)") }</button>
                    }
                    if let Some(copy_image) = copy_image {
                        <button type="button" onclick={choose(copy_image)}>{ t(lang, "复制图片", "Copy image") }</button>
                    }
                    <button type="button" onclick={choose(props.on_csv.clone())}>{ t(lang, "下载数据（CSV）", "Data (CSV)") }</button>
                    if let Some(copy_link) = copy_link {
                        <button type="button" onclick={choose(copy_link)}>{ t(lang, "复制链接", "Copy link") }</button>
                    }
                </div>
            }
            <div class="menu-said" role="status" aria-live="polite">{ words }</div>
        </div>
    }
}
