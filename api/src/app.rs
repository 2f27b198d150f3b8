//! The state of one server process, built once at start and shared (behind an `Arc`) with
//! every request through the `with_app` filter.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use innogauge_model::Catalog;
use tokio::sync::watch;

use crate::accounts::SignInThrottle;
use crate::data::DataCache;
use crate::events::Events;
use crate::http::reply::BodyCache;
use crate::http::reply::CorsPolicy;
use crate::ingest::Ingest;
use crate::metrics::Metrics;
use crate::store::{PostgresStore, Store, StoreError};

/// Limits that protect the server.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest upload body, bytes.
    pub max_upload_bytes: usize,
    /// Most data rows in one upload.
    pub max_rows: usize,
    /// Longest a request may take before it is answered 503.
    pub request_timeout: Duration,
    /// Uploads per minute per token and per client address.
    pub uploads_per_minute: u32,
    /// Interval of SSE heartbeats.
    pub heartbeat: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_upload_bytes: 64 * 1024 * 1024,
            max_rows: 1_000_000,
            request_timeout: Duration::from_secs(120),
            uploads_per_minute: 30,
            heartbeat: Duration::from_secs(15),
        }
    }
}

/// Everything a request may need.
#[derive(Debug)]
pub struct App {
    /// The catalogue.
    pub catalog: &'static Catalog,
    /// The store.
    pub store: Arc<dyn Store>,
    /// The in-memory snapshot of current values.
    pub data: Arc<DataCache>,
    /// The ingestion service.
    pub ingest: Arc<Ingest>,
    /// The live-event hub.
    pub events: Arc<Events>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Limits.
    pub limits: Limits,
    /// Which origins may read.
    pub cors: CorsPolicy,
    /// Write rate limits.
    pub rate: RateLimiter,
    /// Sign-in backoff.
    pub throttle: SignInThrottle,
    /// Read answers of the current data version, built once.
    pub bodies: BodyCache,
}

impl App {
    /// Builds the state over a migrated store; `shutdown` ends the event streams.
    pub async fn new(store: Arc<dyn Store>, limits: Limits, cors: CorsPolicy, shutdown: watch::Receiver<bool>) -> Result<App, StoreError> {
        let catalog = Catalog::builtin();
        let metrics = Arc::new(Metrics::default());
        let data = Arc::new(DataCache::load(store.clone(), catalog).await?);
        let ingest = Arc::new(Ingest::new(catalog, store.clone(), data.clone()));
        let events = Arc::new(Events::new(catalog, store.clone(), metrics.clone(), shutdown, limits.heartbeat));
        let rate = RateLimiter::new(limits.uploads_per_minute);
        Ok(App {
            catalog,
            store,
            data,
            ingest,
            events,
            metrics,
            limits,
            cors,
            rate,
            throttle: SignInThrottle::default(),
            bodies: BodyCache::default(),
        })
    }

    /// After a commit in this process: refresh the snapshot and tell the clients.
    pub async fn committed(&self, version: i64) {
        if let Err(e) = self.data.refresh().await {
            tracing::error!(%e, "refreshing the data snapshot");
        }
        if let Err(e) = self.events.announce(version).await {
            tracing::error!(%e, version, "announcing a commit");
        }
    }
}

/// A fixed-window counter per key (token name, client address).
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// At most `per_minute` events per key and minute.
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter { per_minute, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one event for `key`; false if the key is over its limit.
    pub fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > 10_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_minute
    }
}

/// With PostgreSQL, commits of other processes arrive by `NOTIFY`: refresh and announce them.
pub async fn follow_other_processes(app: Arc<App>, pg: PostgresStore, mut shutdown: watch::Receiver<bool>) {
    loop {
        let mut listener = match pg.listen().await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::error!(%e, "LISTEN failed; retrying in 2 s");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        // A reconnect may have missed notifications: catch up on whatever is new.
        if let Ok(version) = app.store.data_version().await {
            app.committed(version).await;
        }
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                received = listener.recv() => match received {
                    Ok(notification) => match notification.payload().parse::<i64>() {
                        Ok(version) => app.committed(version).await,
                        Err(_) => tracing::warn!(payload = notification.payload(), "unexpected NOTIFY payload"),
                    },
                    Err(e) => {
                        tracing::warn!(%e, "LISTEN connection lost; reconnecting");
                        break;
                    }
                },
            }
        }
    }
}
