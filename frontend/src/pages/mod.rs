//! The web pages of the `innogauge` server, built into their own bundle (`--features pages`):
//! [`signin`], [`upload`] (the statisticians' upload), [`board`] (the leaders' wall display)
//! and [`embed`] (the embed-code builder). The server sends one HTML shell per page with
//! `<div id="app" data-page="…">`; [`start`] renders that page's component into it.
//!
//! Chinese by default; the language switch in the [`header`] is remembered in
//! `localStorage`. Widgets on these pages are the embeddable widgets themselves, mounted by
//! [`crate::mount`] from `data-innogauge` elements, exactly as on a portal.

pub mod api;
pub mod board;
pub mod embed;
pub mod grid;
pub mod header;
pub mod signin;
pub mod upload;

use innogauge_model::Lang;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// The language of a page, shared by its components.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PageLang(pub Lang);

const LANG_KEY: &str = "innogauge-lang";

/// The language remembered from an earlier visit (Chinese by default).
pub fn remembered_lang() -> Lang {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(LANG_KEY).ok().flatten())
        .and_then(|l| Lang::parse(&l))
        .unwrap_or_default()
}

/// Remembers the language and labels the document with it.
pub fn remember_lang(lang: Lang) {
    let (stored, code) = match lang {
        Lang::Zh => ("zh", "zh-CN"),
        Lang::En => ("en", "en"),
    };
    if let Some(window) = web_sys::window() {
        if let Some(storage) = window.local_storage().ok().flatten() {
            let _ = storage.set_item(LANG_KEY, stored);
        }
        if let Some(root) = window.document().and_then(|d| d.document_element()) {
            let _ = root.set_attribute("lang", code);
        }
    }
}

/// The page to render.
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct AppProps {
    /// `signin`, `upload`, `board` or `embed`.
    pub page: String,
}

/// The page's root: the language state around the page's component.
#[function_component(PageApp)]
pub fn page_app(props: &AppProps) -> Html {
    let lang = use_state(remembered_lang);
    let set_lang = {
        let lang = lang.clone();
        Callback::from(move |next: Lang| {
            remember_lang(next);
            lang.set(next);
        })
    };
    {
        let lang = *lang;
        use_effect_with(lang, move |_| remember_lang(lang));
    }
    let page = match props.page.as_str() {
        "signin" => html! { <signin::SignIn set_lang={set_lang} /> },
        "upload" => html! { <upload::UploadPage set_lang={set_lang} /> },
        "board" => html! { <board::BoardPage set_lang={set_lang} /> },
        "embed" => html! { <embed::EmbedPage set_lang={set_lang} /> },
        other => html! { <p role="alert">{ format!("unknown page {other}") }</p> },
    };
    html! {
        <ContextProvider<PageLang> context={PageLang(*lang)}>
            { page }
        </ContextProvider<PageLang>>
    }
}

/// The catalogue in force on the server (the built-in one until it has arrived, and again
/// after every catalogue revision the page hears of), for the pages' lists and checks.
#[hook]
pub fn use_catalog() -> std::rc::Rc<innogauge_model::Catalog> {
    let catalog = use_state(|| {
        crate::client::client().cached_catalog().unwrap_or_else(|| std::rc::Rc::new(innogauge_model::Catalog::builtin().clone()))
    });
    {
        let catalog = catalog.clone();
        use_effect_with((), move |_| {
            let client = crate::client::client();
            let fetch = {
                std::rc::Rc::new(move || {
                    let catalog = catalog.clone();
                    crate::client::client().catalog(move |found| {
                        if let Ok(found) = found {
                            catalog.set(found);
                        }
                    });
                })
            };
            fetch();
            let id = client.subscribe("*", "*", std::rc::Rc::new(move || fetch()));
            move || crate::client::client().unsubscribe(id)
        });
    }
    (*catalog).clone()
}

/// The current page language (Chinese outside a [`PageApp`]).
#[hook]
pub fn use_lang() -> Lang {
    use_context::<PageLang>().map_or(Lang::Zh, |l| l.0)
}

/// Renders the page named by `#app[data-page]` and starts mounting the widgets on it.
#[wasm_bindgen(js_name = startPage)]
pub fn start() -> Result<(), JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let document = window.document().ok_or_else(|| JsValue::from_str("no document"))?;
    let root = document.get_element_by_id("app").ok_or_else(|| JsValue::from_str("no #app element"))?;
    let page = root.get_attribute("data-page").unwrap_or_default();
    crate::client::configure(&window.location().origin()?);
    root.set_inner_html("");
    yew::Renderer::<PageApp>::with_root_and_props(root, AppProps { page }).render();
    crate::mount::mount_all()
}

/// Today's local date and time, `YYYY-MM-DD HH:MM:SS`.
pub fn now_text() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{}-{:02}-{:02} {:02}:{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}

/// An RFC 3339 time (UTC, from the API) as local `YYYY-MM-DD HH:MM`.
pub fn local_time(rfc3339: &str) -> String {
    let d = js_sys::Date::new(&JsValue::from_str(rfc3339));
    if d.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    format!("{}-{:02}-{:02} {:02}:{:02}", d.get_full_year(), d.get_month() + 1, d.get_date(), d.get_hours(), d.get_minutes())
}
