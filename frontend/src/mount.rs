//! Putting widgets into a host page: every element with `data-innogauge` gets an open shadow
//! root (host CSS cannot reach in, ours cannot leak out) with the stylesheet adopted, and a
//! Yew app mounted into it with `Renderer::with_root_and_props` when it first scrolls into view.
//! A `MutationObserver` mounts elements added later (single-page portals) and unmounts removed
//! ones.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement};
use yew::AppHandle;

use crate::options::WidgetOptions;
use crate::styles::CSS;
use crate::widget::{Widget, WidgetProps};

thread_local! {
    static MOUNTED: RefCell<Vec<(Element, AppHandle<Widget>)>> = const { RefCell::new(Vec::new()) };
    static SHEET: RefCell<Option<web_sys::CssStyleSheet>> = const { RefCell::new(None) };
    static WATCHING: RefCell<Option<(web_sys::MutationObserver, web_sys::IntersectionObserver)>> = const { RefCell::new(None) };
    static MISSING_TYPE: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    static RETIRED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Who to tell about an element of a type this build lacks (the boot module).
pub fn on_missing_type(callback: js_sys::Function) {
    MISSING_TYPE.with(|m| *m.borrow_mut() = Some(callback));
}

/// Stops watching the page and unmounts every widget: another module takes the page over.
pub fn retire() {
    RETIRED.with(|r| r.set(true));
    if let Some((mutation, intersection)) = WATCHING.with(|w| w.borrow_mut().take()) {
        mutation.disconnect();
        intersection.disconnect();
    }
    let elements: Vec<Element> = MOUNTED.with(|m| m.borrow().iter().map(|(e, _)| e.clone()).collect());
    for element in elements {
        unmount(&element);
    }
}

/// The widgets' stylesheet, parsed once and adopted by every shadow root: the browser then
/// shares its rules between widgets instead of parsing and matching 50 copies.
fn stylesheet() -> Result<web_sys::CssStyleSheet, JsValue> {
    if let Some(sheet) = SHEET.with(|s| s.borrow().clone()) {
        return Ok(sheet);
    }
    let sheet = web_sys::CssStyleSheet::new()?;
    sheet.replace_sync(CSS)?;
    SHEET.with(|s| *s.borrow_mut() = Some(sheet.clone()));
    Ok(sheet)
}

fn is_mounted(element: &Element) -> bool {
    MOUNTED.with(|m| m.borrow().iter().any(|(e, _)| e == element))
}

/// Mounts a widget into `element` now (visible or not). `options` may be a JS object whose
/// fields (`indicator`, `region`, `lang`…) are written to the element's `data-*` attributes.
pub fn mount_now(element: &Element, options: &JsValue) -> Result<(), JsValue> {
    if let Some(object) = options.dyn_ref::<js_sys::Object>() {
        for entry in js_sys::Object::entries(object).iter() {
            let pair: js_sys::Array = entry.unchecked_into();
            if let (Some(key), Some(value)) =
                (pair.get(0).as_string(), pair.get(1).as_string().or_else(|| pair.get(1).as_f64().map(|n| n.to_string())))
            {
                let name = if key == "type" || key == "widget" { "data-innogauge".to_owned() } else { format!("data-{key}") };
                element.set_attribute(&name, &value)?;
            }
        }
    }
    if is_mounted(element) {
        unmount(element);
    }
    let options = WidgetOptions::from_attributes(|name| element.get_attribute(&format!("data-{name}")));
    if RETIRED.with(std::cell::Cell::get) {
        return Ok(());
    }
    if options.kind.is_some_and(|kind| !kind.in_this_build()) {
        // The full module mounts it; until it has arrived, the element stays as it is.
        let callback = MISSING_TYPE.with(|m| m.borrow().clone());
        return match callback {
            Some(callback) => callback.call1(&JsValue::NULL, element).map(|_| ()),
            None => Err(JsValue::from_str("InnoGauge: this widget type is not in this build")),
        };
    }
    let shadow = match element.shadow_root() {
        Some(shadow) => shadow,
        None => element.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))?,
    };
    let sheet = stylesheet()?;
    js_sys::Reflect::set(&shadow, &JsValue::from_str("adoptedStyleSheets"), &js_sys::Array::of1(&sheet))?;
    let document = element.owner_document().ok_or_else(|| JsValue::from_str("no document"))?;
    let container = document.create_element("div")?;
    container.set_attribute("part", "widget")?;
    shadow.set_inner_html("");
    shadow.append_child(&container)?;
    if let (Some(height), Some(host)) = (options.height, element.dyn_ref::<HtmlElement>()) {
        // CSSOM, not a style attribute: allowed under a strict CSP.
        host.style().set_property("height", &format!("{height}px"))?;
    }
    let handle = yew::Renderer::<Widget>::with_root_and_props(container, WidgetProps { options }).render();
    MOUNTED.with(|m| m.borrow_mut().push((element.clone(), handle)));
    Ok(())
}

/// Removes the widget from `element`.
pub fn unmount(element: &Element) {
    let handle = MOUNTED.with(|m| {
        let mut mounted = m.borrow_mut();
        mounted.iter().position(|(e, _)| e == element).map(|i| mounted.remove(i).1)
    });
    if let Some(handle) = handle {
        handle.destroy();
    }
    if let Some(shadow) = element.shadow_root() {
        shadow.set_inner_html("");
    }
}

/// Finds every `[data-innogauge]` element and mounts it when it first becomes visible; starts
/// watching the page for elements added or removed later.
pub fn mount_all() -> Result<(), JsValue> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| JsValue::from_str("no document"))?;
    watch(&document)?;
    report_frame_height(&document)?;
    let elements = document.query_selector_all("[data-innogauge]")?;
    WATCHING.with(|w| {
        if let Some((_, intersection)) = &*w.borrow() {
            for i in 0..elements.length() {
                if let Some(element) = elements.get(i).and_then(|n| n.dyn_into::<Element>().ok())
                    && !is_mounted(&element)
                {
                    intersection.observe(&element);
                }
            }
        }
    });
    Ok(())
}

/// In a frame page (`/frame`, whose `<html>` has `data-innogauge-frame`), tells the page that
/// framed it how tall the content is, whenever that changes:
/// `postMessage({"innogauge-frame": id, "height": px}, "*")`, as responsive iframes do, so a
/// portal's iframe can follow its widget. Only the height is sent: nothing private.
fn report_frame_height(document: &web_sys::Document) -> Result<(), JsValue> {
    thread_local! {
        static FRAME: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    let Some(root) = document.document_element() else { return Ok(()) };
    let Some(id) = root.get_attribute("data-innogauge-frame") else { return Ok(()) };
    if FRAME.with(|f| f.replace(true)) {
        return Ok(());
    }
    let Some(body) = document.body() else { return Ok(()) };
    let last = std::cell::Cell::new(0.0_f64);
    let on_resize = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
        let Some(entry) = entries.iter().last().and_then(|e| e.dyn_into::<web_sys::ResizeObserverEntry>().ok()) else { return };
        let height = entry.target().get_bounding_client_rect().height().ceil();
        if (height - last.replace(height)).abs() < 1.0 {
            return;
        }
        let Some(parent) = web_sys::window().and_then(|w| w.parent().ok().flatten()) else { return };
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &JsValue::from_str("innogauge-frame"), &JsValue::from_str(&id));
        let _ = js_sys::Reflect::set(&message, &JsValue::from_str("height"), &JsValue::from_f64(height));
        let _ = parent.post_message(&message, "*");
    });
    let observer = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref())?;
    observer.observe(&body);
    on_resize.forget();
    std::mem::forget(observer);
    Ok(())
}

fn watch(document: &web_sys::Document) -> Result<(), JsValue> {
    if WATCHING.with(|w| w.borrow().is_some()) {
        return Ok(());
    }
    // Render a widget only once it is (nearly) on screen.
    let on_visible = Closure::<dyn Fn(js_sys::Array, web_sys::IntersectionObserver)>::new(
        |entries: js_sys::Array, observer: web_sys::IntersectionObserver| {
            for entry in entries.iter() {
                let entry: web_sys::IntersectionObserverEntry = entry.unchecked_into();
                if entry.is_intersecting() {
                    let element = entry.target();
                    observer.unobserve(&element);
                    if !is_mounted(&element)
                        && let Err(e) = mount_now(&element, &JsValue::UNDEFINED)
                    {
                        web_sys::console::error_2(&JsValue::from_str("InnoGauge: mounting failed"), &e);
                    }
                }
            }
        },
    );
    let init = web_sys::IntersectionObserverInit::new();
    init.set_root_margin("200px");
    let intersection = web_sys::IntersectionObserver::new_with_options(on_visible.as_ref().unchecked_ref(), &init)?;
    on_visible.forget();
    let on_change = Closure::<dyn Fn(js_sys::Array)>::new(|_records: js_sys::Array| {
        // Unmount widgets whose element left the page; look for new ones.
        let gone: Vec<Element> = MOUNTED.with(|m| m.borrow().iter().filter(|(e, _)| !e.is_connected()).map(|(e, _)| e.clone()).collect());
        for element in gone {
            unmount(&element);
        }
        let _ = mount_all();
    });
    let mutation = web_sys::MutationObserver::new(on_change.as_ref().unchecked_ref())?;
    on_change.forget();
    let init = web_sys::MutationObserverInit::new();
    init.set_child_list(true);
    init.set_subtree(true);
    if let Some(body) = document.body() {
        mutation.observe_with_options(&body, &init)?;
    }
    WATCHING.with(|w| *w.borrow_mut() = Some((mutation, intersection)));
    Ok(())
}
