//! One data client per page, shared by every widget: requests for the same URL are made once
//! and answered to every widget that asked; one `EventSource` carries live events for all of
//! them. A commit event invalidates exactly the widgets whose indicator and region it names.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use innogauge_model::Catalog;
use innogauge_model::catalog::CatalogDocument;
use innogauge_model::json::{FromJson, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;

/// Why a request gave no data.
#[derive(Clone, Debug, PartialEq)]
pub enum FetchError {
    /// The API answered an error `{code, message}` (unknown indicator, …).
    Api {
        /// HTTP status.
        status: u16,
        /// The API's code.
        code: String,
        /// The API's message.
        message: String,
    },
    /// The API could not be reached.
    Network(String),
}

type Done = Box<dyn FnOnce(Result<Rc<String>, FetchError>)>;

/// Watchers of the live connection: (subscription id, called with `true` when connected).
type ConnectionWatchers = RefCell<Vec<(u64, Rc<dyn Fn(bool)>)>>;

/// Something that wants to hear about commits touching `(indicator, region)`.
struct Subscriber {
    id: u64,
    indicator: String,
    region: String,
    notify: Rc<dyn Fn()>,
}

/// The page's client.
pub struct Client {
    base: String,
    cache: RefCell<HashMap<String, Rc<String>>>,
    /// Requests in flight by (path, data generation): a request started before a commit never
    /// answers a caller that asked after it.
    pending: RefCell<HashMap<(String, u64), Vec<Done>>>,
    /// Counts the commits seen: every commit empties the cache and starts a new generation.
    generation: Cell<u64>,
    /// The live connection dropped since it was last up.
    dropped: Cell<bool>,
    subscribers: RefCell<Vec<Subscriber>>,
    next_id: Cell<u64>,
    source: RefCell<Option<web_sys::EventSource>>,
    catalog: RefCell<Option<Rc<Catalog>>>,
    /// Notified when the live connection drops or comes back (`true`: connected).
    connection: ConnectionWatchers,
    /// Reconnection attempts since the stream was last open (for the backoff).
    attempts: Cell<u32>,
    /// The oldest data version among the answers handed out since the last refetch (from their
    /// `ETag`): a stream that opens at a later version means a commit (or a catalogue revision)
    /// came between a widget's fetch and its subscription, and nobody will be told of it.
    oldest_answer: Cell<Option<i64>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish_non_exhaustive()
    }
}

thread_local! {
    static CLIENT: RefCell<Option<Rc<Client>>> = const { RefCell::new(None) };
}

/// Sets the API origin (the loader derives it from its own URL); the first call wins.
pub fn configure(base: &str) {
    CLIENT.with(|c| {
        if c.borrow().is_none() {
            *c.borrow_mut() = Some(Rc::new(Client::new(base.trim_end_matches('/'))));
        }
    });
}

/// The page's client (configured with the page's own origin if the loader did not say).
pub fn client() -> Rc<Client> {
    CLIENT.with(|c| {
        if c.borrow().is_none() {
            let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
            *c.borrow_mut() = Some(Rc::new(Client::new(&origin)));
        }
        c.borrow().clone().unwrap_or_else(|| Rc::new(Client::new("")))
    })
}

impl Client {
    fn new(base: &str) -> Client {
        Client {
            base: base.to_owned(),
            cache: RefCell::default(),
            pending: RefCell::default(),
            generation: Cell::new(0),
            dropped: Cell::new(false),
            subscribers: RefCell::default(),
            next_id: Cell::new(1),
            source: RefCell::new(None),
            catalog: RefCell::new(None),
            connection: RefCell::default(),
            attempts: Cell::new(0),
            oldest_answer: Cell::new(None),
        }
    }

    /// The API origin.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// GETs `path` (under the API origin), once for all callers; cached until invalidated.
    pub fn get(self: &Rc<Self>, path: &str, done: impl FnOnce(Result<Rc<String>, FetchError>) + 'static) {
        if let Some(body) = self.cache.borrow().get(path).cloned() {
            done(Ok(body));
            return;
        }
        let generation = self.generation.get();
        let key = (path.to_owned(), generation);
        let first = {
            let mut pending = self.pending.borrow_mut();
            let waiting = pending.entry(key.clone()).or_default();
            waiting.push(Box::new(done));
            waiting.len() == 1
        };
        if !first {
            return;
        }
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = fetch_text(&format!("{}{}", this.base, key.0)).await.map(|(body, version)| {
                if let Some(version) = version {
                    this.oldest_answer.set(Some(this.oldest_answer.get().map_or(version, |v| v.min(version))));
                }
                Rc::new(body)
            });
            // An answer to a request sent before the last commit may predate it: it goes to the
            // callers that asked then, and is not kept for the ones that ask now.
            if let Ok(body) = &result
                && this.generation.get() == generation
            {
                this.cache.borrow_mut().insert(key.0.clone(), body.clone());
            }
            let waiting = this.pending.borrow_mut().remove(&key).unwrap_or_default();
            for done in waiting {
                done(result.clone());
            }
        });
    }

    /// Forgets a cached response so the next `get` asks the server again.
    pub fn invalidate(&self, path: &str) {
        self.cache.borrow_mut().remove(path);
    }

    /// The catalogue already fetched, if any (pages that check files fetch it on start).
    pub fn cached_catalog(&self) -> Option<Rc<Catalog>> {
        self.catalog.borrow().clone()
    }

    /// The catalogue (fetched once), built by the model from the API's document.
    pub fn catalog(self: &Rc<Self>, done: impl FnOnce(Result<Rc<Catalog>, FetchError>) + 'static) {
        if let Some(catalog) = self.catalog.borrow().clone() {
            done(Ok(catalog));
            return;
        }
        let this = self.clone();
        self.get("/api/v1/catalog", move |result| {
            // Every widget waiting for the one fetch is called in turn: the first builds the
            // catalogue, the rest share it (50 builds cost a page of 50 widgets 20 ms).
            if let Some(catalog) = this.catalog.borrow().clone() {
                done(Ok(catalog));
                return;
            }
            let built = result.and_then(|body| {
                let document = CatalogDocument::from_json_text(&body).map_err(|e| FetchError::Network(e.to_string()))?;
                // The server validated it; the widget does not check it again (BENCHMARKS.md:
                // the checks and their messages were a tenth of the small module).
                Ok(Rc::new(Catalog::from_trusted_document(document)))
            });
            if let Ok(catalog) = &built {
                *this.catalog.borrow_mut() = Some(catalog.clone());
            }
            done(built);
        });
    }

    /// Calls `notify` after every commit that touches `(indicator, region)` (either may be `*`
    /// for any); returns the
    /// subscription id for [`Client::unsubscribe`]. Opens the page's event stream on first use.
    pub fn subscribe(self: &Rc<Self>, indicator: &str, region: &str, notify: Rc<dyn Fn()>) -> u64 {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        self.subscribers.borrow_mut().push(Subscriber { id, indicator: indicator.to_owned(), region: region.to_owned(), notify });
        self.ensure_events();
        id
    }

    /// Stops a subscription.
    pub fn unsubscribe(&self, id: u64) {
        self.subscribers.borrow_mut().retain(|s| s.id != id);
        self.connection.borrow_mut().retain(|(i, _)| *i != id);
    }

    /// Calls `notify(connected)` when the live connection drops or returns.
    pub fn watch_connection(&self, id: u64, notify: Rc<dyn Fn(bool)>) {
        self.connection.borrow_mut().push((id, notify));
    }

    /// Closes the page's event stream for good (the module is retiring).
    pub fn close_events(&self) {
        self.subscribers.borrow_mut().clear();
        if let Some(source) = self.source.borrow_mut().take() {
            source.close();
        }
    }

    fn ensure_events(self: &Rc<Self>) {
        if self.source.borrow().is_some() {
            return;
        }
        let Ok(source) = web_sys::EventSource::new(&format!("{}/api/v1/events", self.base)) else { return };
        let this = Rc::downgrade(self);
        let on_commit = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let Some(this) = this.upgrade() else { return };
            let data = event.data().as_string().unwrap_or_default();
            let Ok(commit) = innogauge_model::wire::CommitEvent::from_json_text(&data) else { return };
            let (indicators, regions) = (commit.indicators, commit.regions);
            // "*" follows every indicator (a board) or every region (a ranking, a map).
            this.notify(|s| (s.indicator == "*" || indicators.contains(&s.indicator)) && (s.region == "*" || regions.contains(&s.region)));
        });
        // The stream's first event says its data version: anything handed out before it is older
        // was fetched before a commit this stream will not announce.
        let this = Rc::downgrade(self);
        let on_hello = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let Some(this) = this.upgrade() else { return };
            let data = event.data().as_string().unwrap_or_default();
            let version = Value::parse(&data).ok().and_then(|v| v.get("version").and_then(Value::as_i64));
            if let (Some(stream), Some(oldest)) = (version, this.oldest_answer.get())
                && oldest < stream
            {
                this.catalog.borrow_mut().take();
                this.notify(|_| true);
            }
        });
        let this = Rc::downgrade(self);
        let on_reset = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |_event: web_sys::MessageEvent| {
            if let Some(this) = this.upgrade() {
                // What was missed may include a catalogue revision.
                this.catalog.borrow_mut().take();
                this.notify(|_| true);
            }
        });
        // A catalogue revision (the next plan's targets, a renamed indicator): every widget
        // fetches the catalogue and its figures again.
        let this = Rc::downgrade(self);
        let on_catalog = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |_event: web_sys::MessageEvent| {
            if let Some(this) = this.upgrade() {
                this.catalog.borrow_mut().take();
                this.notify(|_| true);
            }
        });
        let this = Rc::downgrade(self);
        let on_open = Closure::<dyn Fn(web_sys::Event)>::new(move |_event: web_sys::Event| {
            if let Some(this) = this.upgrade() {
                this.attempts.set(0);
                this.connected(true);
            }
        });
        let this = Rc::downgrade(self);
        let on_error = Closure::<dyn Fn(web_sys::Event)>::new(move |_event: web_sys::Event| {
            let Some(this) = this.upgrade() else { return };
            this.connected(false);
            // While the stream is only interrupted the browser reconnects on its own (the server
            // asks for 3 s) and sends Last-Event-ID. An answer that is not an event stream (a
            // proxy's 502 while the server restarts) closes it for good: open a new one, waiting
            // longer after each failure.
            let closed = this.source.borrow().as_ref().is_some_and(|s| s.ready_state() == web_sys::EventSource::CLOSED);
            if closed {
                this.source.borrow_mut().take();
                let attempt = this.attempts.get();
                this.attempts.set(attempt.saturating_add(1));
                let delay = reconnect_delay(attempt, js_sys::Math::random());
                let again = Rc::downgrade(&this);
                let retry = Closure::once_into_js(move || {
                    if let Some(client) = again.upgrade() {
                        client.ensure_events();
                    }
                });
                if let Some(window) = web_sys::window() {
                    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(retry.unchecked_ref(), delay);
                }
            }
        });
        let _ = source.add_event_listener_with_callback("commit", on_commit.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("reset", on_reset.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("catalog", on_catalog.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("hello", on_hello.as_ref().unchecked_ref());
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // The stream lives as long as the page: its handlers do too.
        on_commit.forget();
        on_reset.forget();
        on_catalog.forget();
        on_hello.forget();
        on_open.forget();
        on_error.forget();
        *self.source.borrow_mut() = Some(source);
    }

    fn notify(&self, touches: impl Fn(&Subscriber) -> bool) {
        // Drop every cached response: a commit may change any derived figure they hold. Requests
        // in flight belong to the old generation: whoever asks again gets a new request.
        self.cache.borrow_mut().clear();
        self.generation.set(self.generation.get().wrapping_add(1));
        self.oldest_answer.set(None);
        let hits: Vec<Rc<dyn Fn()>> = self.subscribers.borrow().iter().filter(|s| touches(s)).map(|s| s.notify.clone()).collect();
        for notify in hits {
            notify();
        }
    }

    fn connected(&self, up: bool) {
        // Back after a drop: what is cached may predate commits made meanwhile.
        if up && self.dropped.replace(false) {
            self.cache.borrow_mut().clear();
            self.catalog.borrow_mut().take();
            self.generation.set(self.generation.get().wrapping_add(1));
        }
        if !up {
            self.dropped.set(true);
        }
        let watchers: Vec<Rc<dyn Fn(bool)>> = self.connection.borrow().iter().map(|(_, f)| f.clone()).collect();
        for watcher in watchers {
            watcher(up);
        }
    }
}

/// Milliseconds before reconnection attempt `attempt` (0-based): 1 s doubling to a minute, with
/// up to 30 % random spread so that the pages of a whole portal do not return at once.
pub fn reconnect_delay(attempt: u32, random: f64) -> i32 {
    let base = 1000.0 * 2f64.powi(attempt.min(6) as i32);
    (base.min(60_000.0) * (1.0 + 0.3 * random.clamp(0.0, 1.0))).round() as i32
}

/// The data version an answer was built at, from its `ETag` (`"v12-…"`); none for answers
/// that do not follow the data (boundaries, the bundle).
fn version_of_etag(etag: &str) -> Option<i64> {
    etag.trim_start_matches("W/").trim_matches('"').strip_prefix('v')?.split('-').next()?.parse().ok()
}

/// The body of a GET, with the data version of its `ETag`.
async fn fetch_text(url: &str) -> Result<(String, Option<i64>), FetchError> {
    let window = web_sys::window().ok_or_else(|| FetchError::Network("no window".into()))?;
    let response = JsFuture::from(window.fetch_with_str(url)).await.map_err(|e| FetchError::Network(format!("{e:?}")))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| FetchError::Network("not a response".into()))?;
    let text = JsFuture::from(response.text().map_err(|e| FetchError::Network(format!("{e:?}")))?)
        .await
        .map_err(|e| FetchError::Network(format!("{e:?}")))?;
    let text = text.as_string().unwrap_or_default();
    if response.ok() {
        let version = response.headers().get("etag").ok().flatten().as_deref().and_then(version_of_etag);
        Ok((text, version))
    } else {
        let body = Value::parse(&text).unwrap_or(Value::Null);
        let field = |name| body.get(name).and_then(Value::as_str);
        Err(FetchError::Api {
            status: response.status(),
            code: field("code").unwrap_or("error").to_owned(),
            message: field("message").unwrap_or("").to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{reconnect_delay, version_of_etag};

    #[test]
    fn answers_say_their_data_version_in_their_etag() {
        assert_eq!(version_of_etag("\"v12-00ff00ff00ff00ff\""), Some(12));
        assert_eq!(version_of_etag("W/\"v3-ab\""), Some(3));
        assert_eq!(version_of_etag("\"s0123-4f\""), None, "static answers follow no version");
    }

    #[test]
    fn reconnection_backs_off_to_a_minute() {
        let delays: Vec<i32> = (0..9).map(|attempt| reconnect_delay(attempt, 0.0)).collect();
        assert_eq!(delays, [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
        assert_eq!(reconnect_delay(0, 1.0), 1300);
    }
}
