//! Prometheus metrics (`GET /metrics`), kept with the `prometheus-client` crate, whose text
//! encoding follows the exposition format to the letter (our hand-written one interleaved two
//! metric families): requests and latency by route and status, uploads and rows by outcome,
//! open SSE clients.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Latency histogram bucket bounds, seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteStatus {
    route: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

/// The server's metrics.
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RouteStatus, Counter>,
    latency: Family<Route, Histogram>,
    uploads: Family<Outcome, Counter>,
    upload_rows: Family<Outcome, Counter>,
    sse_clients: Gauge,
    last_backup_time: Gauge,
    last_backup_bytes: Gauge,
    last_backup_version: Gauge,
    backup_failures: Counter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").field("sse_clients", &self.sse_clients.get()).finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("innogauge");
        let requests = Family::<RouteStatus, Counter>::default();
        let latency = Family::<Route, Histogram>::new_with_constructor((|| Histogram::new(BUCKETS)) as fn() -> Histogram);
        let uploads = Family::<Outcome, Counter>::default();
        let upload_rows = Family::<Outcome, Counter>::default();
        let sse_clients = Gauge::default();
        let (last_backup_time, last_backup_bytes, last_backup_version) = (Gauge::default(), Gauge::default(), Gauge::default());
        let backup_failures = Counter::default();
        registry.register("http_requests", "HTTP requests by route and status", requests.clone());
        registry.register("http_request_duration_seconds", "Request latency by route", latency.clone());
        registry.register("uploads", "Uploads by outcome", uploads.clone());
        registry.register("upload_rows", "Data rows of uploads by outcome", upload_rows.clone());
        registry.register("sse_clients", "Open Server-Sent Events streams", sse_clients.clone());
        registry.register(
            "last_backup_timestamp_seconds",
            "When the last scheduled backup was written (Unix time)",
            last_backup_time.clone(),
        );
        registry.register("last_backup_bytes", "Size of the last scheduled backup", last_backup_bytes.clone());
        registry.register("last_backup_data_version", "The data version the last scheduled backup holds", last_backup_version.clone());
        registry.register("backup_failures", "Scheduled backups that failed", backup_failures.clone());
        Metrics {
            registry: Mutex::new(registry),
            requests,
            latency,
            uploads,
            upload_rows,
            sse_clients,
            last_backup_time,
            last_backup_bytes,
            last_backup_version,
            backup_failures,
        }
    }
}

impl Metrics {
    /// Records one request.
    pub fn request(&self, route: &'static str, status: u16, elapsed: Duration) {
        self.requests.get_or_create(&RouteStatus { route, status }).inc();
        self.latency.get_or_create(&Route { route }).observe(elapsed.as_secs_f64());
    }

    /// Records one upload and its data rows by outcome (`committed`, `rejected`, …).
    pub fn upload(&self, outcome: &'static str, rows: u64) {
        self.uploads.get_or_create(&Outcome { outcome }).inc();
        self.upload_rows.get_or_create(&Outcome { outcome }).inc_by(rows);
    }

    /// An SSE client connected (+1) or left (−1).
    pub fn sse_clients(&self, delta: i64) {
        self.sse_clients.inc_by(delta);
    }

    /// A scheduled backup was written at `at_ms` with `bytes`, holding data version `version`.
    pub fn backed_up(&self, at_ms: i64, bytes: u64, version: i64) {
        self.last_backup_time.set(at_ms / 1000);
        self.last_backup_bytes.set(i64::try_from(bytes).unwrap_or(i64::MAX));
        self.last_backup_version.set(version);
    }

    /// A scheduled backup failed.
    pub fn backup_failed(&self) {
        self.backup_failures.inc();
    }

    /// Open SSE clients now.
    #[cfg(test)]
    pub fn open_sse_clients(&self) -> i64 {
        self.sse_clients.get()
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &registry) {
            tracing::error!(%e, "encoding the metrics");
        }
        out
    }
}
