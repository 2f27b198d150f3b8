//! What the reader's device asks of every widget, followed live: the system's colour scheme
//! (for `data-theme="auto"`), printing (light colours, sharper canvases, no menus) and reduced
//! motion. One listener per media query for the whole page, however many widgets: each widget
//! subscribes with [`use_media`] and re-renders when the answer changes.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// The answers of the media queries the widgets follow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Media {
    /// `(prefers-color-scheme: dark)`.
    pub dark: bool,
    /// Printing or saving as PDF (`print` media, or between `beforeprint` and `afterprint`).
    pub print: bool,
    /// `(prefers-reduced-motion: reduce)`.
    pub reduced_motion: bool,
}

/// How many times the CSS size a canvas's backing store has on paper: a print is read at
/// 300 dpi or more, three times a 96 dpi screen.
pub const PRINT_RATIO: f64 = 3.0;

type Listener = Weak<dyn Fn(Media)>;

struct Watch {
    now: Media,
    listeners: Vec<Listener>,
    // Kept alive for the page's lifetime: the browser calls them.
    _closures: Vec<Closure<dyn Fn()>>,
}

thread_local! {
    static WATCH: RefCell<Option<Watch>> = const { RefCell::new(None) };
    static PRINTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn query(window: &web_sys::Window, text: &str) -> Option<web_sys::MediaQueryList> {
    window.match_media(text).ok().flatten()
}

fn read(window: &web_sys::Window) -> Media {
    let matches = |text: &str| query(window, text).is_some_and(|q| q.matches());
    Media {
        dark: matches("(prefers-color-scheme: dark)"),
        print: matches("print") || PRINTING.with(std::cell::Cell::get),
        reduced_motion: matches("(prefers-reduced-motion: reduce)"),
    }
}

/// Reads the queries again and tells every live subscriber if anything changed.
fn changed() {
    let Some(window) = web_sys::window() else { return };
    let now = read(&window);
    let listeners: Vec<Rc<dyn Fn(Media)>> = WATCH.with(|w| {
        let mut w = w.borrow_mut();
        let Some(watch) = w.as_mut() else { return Vec::new() };
        watch.listeners.retain(|l| l.strong_count() > 0);
        if watch.now == now {
            return Vec::new();
        }
        watch.now = now;
        watch.listeners.iter().filter_map(Weak::upgrade).collect()
    });
    // Called outside the borrow: a listener may subscribe or drop another.
    for listener in listeners {
        listener(now);
    }
}

fn start() -> Media {
    if let Some(now) = WATCH.with(|w| w.borrow().as_ref().map(|w| w.now)) {
        return now;
    }
    let Some(window) = web_sys::window() else { return Media::default() };
    let mut closures = Vec::new();
    for text in ["(prefers-color-scheme: dark)", "print", "(prefers-reduced-motion: reduce)"] {
        let on_change = Closure::<dyn Fn()>::new(changed);
        if let Some(list) = query(&window, text) {
            let _ = list.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
        }
        closures.push(on_change);
    }
    // Chromium's print dialog fires these; the `print` query alone answers late in some
    // browsers, and the widgets must have repainted before the page is laid out on paper.
    for (event, printing) in [("beforeprint", true), ("afterprint", false)] {
        let on_event = Closure::<dyn Fn()>::new(move || {
            PRINTING.with(|p| p.set(printing));
            changed();
        });
        let _ = window.add_event_listener_with_callback(event, on_event.as_ref().unchecked_ref());
        closures.push(on_event);
    }
    let now = read(&window);
    WATCH.with(|w| *w.borrow_mut() = Some(Watch { now, listeners: Vec::new(), _closures: closures }));
    now
}

/// The media answers now.
pub fn now() -> Media {
    start()
}

/// The media answers, re-rendering the component whenever one changes.
#[yew::hook]
pub fn use_media() -> Media {
    let media = yew::use_state_eq(start);
    let listener = yew::use_mut_ref(|| None::<Rc<dyn Fn(Media)>>);
    {
        let media = media.clone();
        yew::use_effect_with((), move |()| {
            let on_change: Rc<dyn Fn(Media)> = Rc::new(move |now| media.set(now));
            WATCH.with(|w| {
                if let Some(watch) = w.borrow_mut().as_mut() {
                    watch.listeners.push(Rc::downgrade(&on_change));
                }
            });
            *listener.borrow_mut() = Some(on_change);
            // Dropping the only strong reference unsubscribes (the list holds weak ones).
            move || drop(listener.borrow_mut().take())
        });
    }
    *media
}
