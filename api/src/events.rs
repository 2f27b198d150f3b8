//! Live events: after each commit, every open `GET /api/v1/events` stream receives an event
//! naming the changed indicators, regions and periods and the new data version (which is also
//! the event id, so `Last-Event-ID` resumes). Heartbeats keep proxies from closing idle streams;
//! streams end when the server shuts down (warp would otherwise wait on them forever).
//!
//! Events are announced only by the ingest door ([`crate::ingest::Ingest`]), for its own commits
//! and for those of other processes it catches up with, in version order, so every client of
//! every process sees every commit exactly once. What an event names comes from the model's
//! [`Touched`] rule.
//!
//! A public portal keeps a stream open per visitor, ten thousand on one server (BENCHMARKS.md):
//! so an event is encoded once for all its clients ([`Frame`]), and one ticker sends every
//! stream's heartbeat through the same channel, instead of a timer per stream.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{Stream, StreamExt};
pub use innogauge_model::wire::CommitEvent;
use tokio::sync::{broadcast, watch};
use tokio_stream::wrappers::{BroadcastStream, WatchStream};
use warp::sse::Event;

use crate::metrics::Metrics;

/// How many recent events are kept for clients that resume with `Last-Event-ID`.
const REPLAY: usize = 512;

/// What every stream receives: a commit, encoded once for all of them, or a heartbeat.
#[derive(Clone, Debug)]
enum Frame {
    Commit(Arc<Encoded>),
    Heartbeat,
}

/// A commit event as it goes out: its name, id and JSON data.
#[derive(Debug)]
struct Encoded {
    version: i64,
    name: &'static str,
    id: String,
    data: String,
}

impl Encoded {
    fn of(event: &CommitEvent) -> Encoded {
        Encoded {
            version: event.version,
            name: if event.catalog { "catalog" } else { "commit" },
            id: event.version.to_string(),
            data: serde_json::to_string(event).unwrap_or_default(),
        }
    }

    fn event(&self) -> Event {
        Event::default().event(self.name).id(self.id.clone()).data(self.data.clone())
    }
}

/// The event hub of one process.
#[derive(Debug)]
pub struct Events {
    sender: broadcast::Sender<Frame>,
    recent: Mutex<VecDeque<Arc<Encoded>>>,
    shutdown: watch::Receiver<bool>,
    metrics: Arc<Metrics>,
    heartbeat: Duration,
    /// Whether the heartbeat ticker runs (started with the first stream, in the runtime).
    ticking: std::sync::Once,
}

impl Events {
    /// A hub; streams end when `shutdown` turns true.
    pub fn new(metrics: Arc<Metrics>, shutdown: watch::Receiver<bool>, heartbeat: Duration) -> Events {
        let (sender, _) = broadcast::channel(1024);
        Events { sender, recent: Mutex::new(VecDeque::new()), shutdown, metrics, heartbeat, ticking: std::sync::Once::new() }
    }

    /// Tells every client about a commit, once: a version at or below one already announced is
    /// dropped. Callers announce in version order (the ingest door does, under its apply lock).
    pub fn announce(&self, event: &CommitEvent) {
        let version = event.version;
        let event = Arc::new(Encoded::of(event));
        {
            let mut recent = self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if recent.back().is_some_and(|e| e.version >= version) {
                tracing::warn!(version, "commit event out of order: dropped");
                return;
            }
            recent.push_back(event.clone());
            while recent.len() > REPLAY {
                recent.pop_front();
            }
        }
        tracing::debug!(version, clients = self.sender.receiver_count(), "commit event");
        // No receivers is fine: nobody is listening.
        let _ = self.sender.send(Frame::Commit(event));
    }

    /// One heartbeat for every stream each interval, until shutdown.
    fn start_ticking(&self) {
        self.ticking.call_once(|| {
            let (sender, heartbeat, mut shutdown) = (self.sender.clone(), self.heartbeat, self.shutdown.clone());
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
                loop {
                    tokio::select! {
                        _ = ticks.tick() => { let _ = sender.send(Frame::Heartbeat); }
                        _ = shutdown.wait_for(|stop| *stop) => break,
                    }
                }
            });
        });
    }

    /// The stream of one client, resuming after `last_event_id` when given, starting with a
    /// `hello` event that carries the current data version.
    pub fn stream(
        &self,
        current_version: i64,
        last_event_id: Option<i64>,
    ) -> impl Stream<Item = Result<Event, Infallible>> + Send + 'static {
        self.start_ticking();
        let receiver = self.sender.subscribe();
        let recent: Vec<Arc<Encoded>> = self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().cloned().collect();
        let (replay, reset) = match last_event_id {
            None => (Vec::new(), false),
            Some(last) => {
                let missed: Vec<Arc<Encoded>> = recent.iter().filter(|e| e.version > last).cloned().collect();
                // If the client is further behind than the buffer reaches, it must refetch all.
                let reachable = recent.first().is_some_and(|e| e.version <= last + 1) || (missed.is_empty() && last >= current_version);
                (missed, !reachable && last < current_version)
            }
        };
        let hello = Event::default()
            .event(if reset { "reset" } else { "hello" })
            .id(current_version.to_string())
            .retry(Duration::from_secs(3))
            .json_data(serde_json::json!({ "version": current_version }))
            .unwrap_or_default();
        let replayed: Vec<Event> = replay.iter().map(|e| e.event()).collect();
        let live = BroadcastStream::new(receiver).map(|item| match item {
            Ok(Frame::Commit(event)) => event.event(),
            Ok(Frame::Heartbeat) => Event::default().comment("heartbeat"),
            // A slow client missed events: tell it to refetch everything.
            Err(_) => Event::default().event("reset").data("{}"),
        });
        let mut shutdown = WatchStream::new(self.shutdown.clone()).filter(|stop| futures_util::future::ready(*stop));
        let guard = ClientGuard::new(self.metrics.clone());
        futures_util::stream::once(futures_util::future::ready(hello))
            .chain(futures_util::stream::iter(replayed))
            .chain(live)
            .take_until(async move {
                shutdown.next().await;
            })
            .map(move |event| {
                let _keep = &guard;
                Ok(event)
            })
    }
}

/// Counts an open stream for `/metrics` while it lives.
struct ClientGuard(Arc<Metrics>);

impl ClientGuard {
    fn new(metrics: Arc<Metrics>) -> ClientGuard {
        metrics.sse_clients(1);
        ClientGuard(metrics)
    }
}

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.0.sse_clients(-1);
    }
}
