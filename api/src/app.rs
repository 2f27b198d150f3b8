//! The state of one server process, built once at start and shared (behind an `Arc`) with
//! every request through the `with_app` filter.

use std::sync::Arc;
use std::time::Duration;

use innogauge_model::Catalog;
use tokio::sync::watch;

use crate::accounts::SignInThrottle;
use crate::answers::BodyCache;
use crate::bundle::WidgetBundle;
use crate::data::DataCache;
use crate::events::Events;
use crate::ingest::{Ingest, ReadLimits};
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

/// Which origins may read the API from a browser.
#[derive(Clone, Debug, Default)]
pub enum CorsPolicy {
    /// Any origin (`Access-Control-Allow-Origin: *`).
    #[default]
    AnyOrigin,
    /// Only these origins.
    Allow(Vec<String>),
}

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
    /// Bytes of upload files being read at once (see [`ReadLimits::read_budget_bytes`]).
    pub read_budget_bytes: usize,
    /// Longest one upload may take to read and check.
    pub read_timeout: Duration,
    /// How often the store is asked whether another process committed.
    pub follow_every: Duration,
}

impl Limits {
    /// What reading an upload may cost.
    pub fn read(&self) -> ReadLimits {
        ReadLimits {
            max_upload_bytes: self.max_upload_bytes,
            max_rows: self.max_rows,
            read_budget_bytes: self.read_budget_bytes,
            read_timeout: self.read_timeout,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_upload_bytes: 64 * 1024 * 1024,
            max_rows: 1_000_000,
            request_timeout: Duration::from_secs(120),
            uploads_per_minute: 30,
            heartbeat: Duration::from_secs(15),
            read_budget_bytes: ReadLimits::default().read_budget_bytes,
            read_timeout: ReadLimits::default().read_timeout,
            follow_every: Duration::from_secs(1),
        }
    }
}

/// Everything a request may need.
#[derive(Debug)]
pub struct App {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The in-memory snapshot of current values (read it here; only `ingest` moves it).
    pub data: Arc<DataCache>,
    /// The ingestion door: every commit, and every catch-up with other processes.
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
    /// The widget bundle served under `/widgets/`.
    pub widgets: WidgetBundle,
    /// Where scheduled backups go, when they are on (set once at start).
    pub backups: std::sync::OnceLock<Option<std::path::PathBuf>>,
    /// The quarterly reports: fonts, drafts, publishing.
    pub reports: crate::report::Reports,
}

impl App {
    /// Builds the state over a migrated store; `shutdown` ends the event streams.
    pub async fn new(store: Arc<dyn Store>, limits: Limits, cors: CorsPolicy, shutdown: watch::Receiver<bool>) -> Result<App, StoreError> {
        let metrics = Arc::new(Metrics::default());
        let data = Arc::new(DataCache::load(store.clone(), crate::data::builtin_catalog()).await?);
        let events = Arc::new(Events::new(metrics.clone(), shutdown, limits.heartbeat));
        let ingest = Arc::new(Ingest::new(store.clone(), data.clone(), events.clone(), limits.read()));
        let rate = RateLimiter::new(limits.uploads_per_minute);
        Ok(App {
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
            widgets: WidgetBundle::embedded(),
            backups: std::sync::OnceLock::new(),
            reports: crate::report::Reports::default(),
        })
    }
}

impl App {
    /// The catalogue in force now (a request that also reads values takes both from one
    /// snapshot instead: `app.data.current()`).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.data.catalog()
    }
}

/// Uploads a minute per key (token name, client address), by governor's keyed limiter.
#[derive(Debug)]
pub struct RateLimiter {
    limiter: governor::DefaultKeyedRateLimiter<String>,
    clock: governor::clock::DefaultClock,
}

impl RateLimiter {
    /// At most `per_minute` events per key and minute.
    pub fn new(per_minute: u32) -> RateLimiter {
        let quota = governor::Quota::per_minute(std::num::NonZeroU32::new(per_minute).unwrap_or(std::num::NonZeroU32::MIN));
        RateLimiter { limiter: governor::RateLimiter::keyed(quota), clock: governor::clock::DefaultClock::default() }
    }

    /// Counts one event for `key`; over the limit, how long until the next is allowed.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        use governor::clock::Clock as _;
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&key.to_owned()).map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}
