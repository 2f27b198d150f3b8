//! InnoGauge in the browser, compiled to WebAssembly: the embeddable widgets (and, with the
//! `upload` feature, the statisticians' in-browser upload check).
//!
//! A portal pastes `<script src="https://HOST/widgets/innogauge.js" defer>` and
//! `<div data-innogauge="gauge" data-indicator="high_tech_enterprises">`; the loader script
//! initialises this module and calls [`mount_all`]. Every number shown comes from the
//! `innogauge-model` crate (computed by the API with it, formatted here with it): the browser
//! never re-implements a rule.
//!
//! Modules: [`options`] (the `data-*` attributes), [`client`] (one data client and one event
//! stream per page), [`mount`] (shadow roots, lazy mounting, watching the page), [`widget`]
//! (loading, live refresh, stale data), one module per widget type ([`gauge`], [`trend`],
//! [`ranking`], [`map`], [`kpi`], [`table`], [`board`]), [`menu`] and [`export`] (PNG and CSV
//! downloads, links), [`draw`] (canvas helpers), [`media`] (colour scheme, print, reduced motion),
//! and [`styles`]. With the `pages` feature, also the
//! server's own web pages ([`pages`]: sign-in, upload, board, embed builder).

#![allow(unsafe_code)] // wasm-bindgen's generated glue

#[cfg(feature = "every-widget")]
pub mod board;
pub mod client;
pub mod data;
pub mod draw;
#[cfg(feature = "every-widget")]
pub mod evaluation;
#[cfg(feature = "trend")]
pub mod export;
pub mod gauge;
#[cfg(feature = "every-widget")]
pub mod index_map;
#[cfg(feature = "every-widget")]
pub mod index_profile;
#[cfg(feature = "every-widget")]
pub mod index_ranking;
#[cfg(feature = "every-widget")]
pub mod index_table;
pub mod kpi;
#[cfg(feature = "every-widget")]
pub mod map;
pub mod media;
#[cfg(feature = "trend")]
pub mod menu;
pub mod mount;
pub mod names;
pub mod options;
#[cfg(feature = "pages")]
pub mod pages;
#[cfg(feature = "every-widget")]
pub mod ranking;
pub mod styles;
pub mod table;
#[cfg(feature = "trend")]
pub mod trend;
#[cfg(feature = "upload")]
pub mod upload;
pub mod widget;

use wasm_bindgen::prelude::*;

// talc instead of the default dlmalloc: smaller in the module portals download (measured in
// BENCHMARKS.md) and faster by its authors' wasm benchmarks; one thread, so no lock.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Sets the API origin (the loader passes the origin its own script came from).
#[wasm_bindgen]
pub fn configure(api_base: &str) {
    client::configure(api_base);
    // Every widget needs the catalogue: ask for it now, before the widgets are mounted.
    client::client().catalog(|_| {});
}

/// Mounts every `[data-innogauge]` element of the page as it scrolls into view, and widgets
/// added later.
#[wasm_bindgen(js_name = mountAll)]
pub fn mount_all() -> Result<(), JsValue> {
    mount::mount_all()
}

/// `InnoGauge.mount(element, options)`: mounts one widget now.
#[wasm_bindgen]
#[allow(clippy::needless_pass_by_value)] // wasm-bindgen passes JS values by value
pub fn mount(element: web_sys::Element, options: JsValue) -> Result<(), JsValue> {
    mount::mount_now(&element, &options)
}

/// Called with an element whose widget type this module lacks (the base module has gauge, KPI
/// and table, the small one the trend too): the boot module then starts the module with every
/// type.
#[wasm_bindgen(js_name = onMissingType)]
pub fn on_missing_type(callback: js_sys::Function) {
    mount::on_missing_type(callback);
}

/// Lets go of the page: stops watching it, unmounts every widget and closes the event stream,
/// so that another module can take the page over.
#[wasm_bindgen]
pub fn retire() {
    mount::retire();
    client::client().close_events();
}

/// `InnoGauge.unmount(element)`.
#[wasm_bindgen]
#[allow(clippy::needless_pass_by_value)] // wasm-bindgen passes JS values by value
pub fn unmount(element: web_sys::Element) {
    mount::unmount(&element);
}
