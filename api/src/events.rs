//! Live events: after each commit, every open `GET /api/v1/events` stream receives an event
//! naming the changed indicators, regions and periods and the new data version (which is also
//! the event id, so `Last-Event-ID` resumes). Heartbeats keep proxies from closing idle streams;
//! streams end when the server shuts down (warp would otherwise wait on them forever).
//!
//! Events are announced only by the ingest door ([`crate::ingest::Ingest`]), for its own commits
//! and for those of other processes it catches up with, in version order, so every client of
//! every process sees every commit exactly once. What an event names comes from the model's
//! [`Touched`] rule.

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

/// The event hub of one process.
#[derive(Debug)]
pub struct Events {
    sender: broadcast::Sender<Arc<CommitEvent>>,
    recent: Mutex<VecDeque<Arc<CommitEvent>>>,
    shutdown: watch::Receiver<bool>,
    metrics: Arc<Metrics>,
    heartbeat: Duration,
}

impl Events {
    /// A hub; streams end when `shutdown` turns true.
    pub fn new(metrics: Arc<Metrics>, shutdown: watch::Receiver<bool>, heartbeat: Duration) -> Events {
        let (sender, _) = broadcast::channel(1024);
        Events { sender, recent: Mutex::new(VecDeque::new()), shutdown, metrics, heartbeat }
    }

    /// Tells every client about a commit, once: a version at or below one already announced is
    /// dropped. Callers announce in version order (the ingest door does, under its apply lock).
    pub fn announce(&self, event: CommitEvent) {
        let version = event.version;
        let event = Arc::new(event);
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
        let _ = self.sender.send(event);
    }

    /// The stream of one client, resuming after `last_event_id` when given, starting with a
    /// `hello` event that carries the current data version.
    pub fn stream(
        &self,
        current_version: i64,
        last_event_id: Option<i64>,
    ) -> impl Stream<Item = Result<Event, Infallible>> + Send + 'static {
        let receiver = self.sender.subscribe();
        let recent: Vec<Arc<CommitEvent>> = self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().cloned().collect();
        let (replay, reset) = match last_event_id {
            None => (Vec::new(), false),
            Some(last) => {
                let missed: Vec<Arc<CommitEvent>> = recent.iter().filter(|e| e.version > last).cloned().collect();
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
        let replayed: Vec<Event> = replay.iter().map(|e| commit_event(e)).collect();
        let live = BroadcastStream::new(receiver).filter_map(|item| async move {
            match item {
                Ok(event) => Some(commit_event(&event)),
                // A slow client missed events: tell it to refetch everything.
                Err(_) => Some(Event::default().event("reset").data("{}")),
            }
        });
        let heartbeat = self.heartbeat;
        let ticks =
            tokio_stream::wrappers::IntervalStream::new(tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat))
                .map(|_| Event::default().comment("heartbeat"));
        let mut shutdown = WatchStream::new(self.shutdown.clone()).filter(|stop| futures_util::future::ready(*stop));
        let guard = ClientGuard::new(self.metrics.clone());
        let merged = futures_util::stream::select(live, ticks);
        futures_util::stream::once(futures_util::future::ready(hello))
            .chain(futures_util::stream::iter(replayed))
            .chain(merged)
            .take_until(async move {
                shutdown.next().await;
            })
            .map(move |event| {
                let _keep = &guard;
                Ok(event)
            })
    }
}

fn commit_event(event: &CommitEvent) -> Event {
    let name = if event.catalog { "catalog" } else { "commit" };
    Event::default().event(name).id(event.version.to_string()).json_data(event).unwrap_or_default()
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
