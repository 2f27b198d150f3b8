//! Prometheus metrics in the text exposition format, kept by hand (a few counters and one
//! histogram do not need a metrics framework): requests and latency by route and status,
//! uploads and rows by outcome, open SSE clients.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Latency histogram bucket bounds, seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The server's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, u16), Histogram>>,
    uploads: Mutex<BTreeMap<&'static str, (u64, u64)>>,
    sse_clients: AtomicI64,
}

impl Metrics {
    /// Records one request.
    pub fn request(&self, route: &'static str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut requests = self.requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let histogram = requests.entry((route, status)).or_default();
        histogram.count += 1;
        histogram.sum += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                histogram.counts[i] += 1;
            }
        }
    }

    /// Records one upload and its data rows by outcome (`committed`, `rejected`, …).
    pub fn upload(&self, outcome: &'static str, rows: u64) {
        let mut uploads = self.uploads.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = uploads.entry(outcome).or_default();
        entry.0 += 1;
        entry.1 += rows;
    }

    /// An SSE client connected (+1) or left (−1).
    pub fn sse_clients(&self, delta: i64) {
        self.sse_clients.fetch_add(delta, Ordering::Relaxed);
    }

    /// Open SSE clients now.
    pub fn open_sse_clients(&self) -> i64 {
        self.sse_clients.load(Ordering::Relaxed)
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP innogauge_http_requests_total HTTP requests by route and status.\n# TYPE innogauge_http_requests_total counter\n",
        );
        let requests = self.requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for ((route, status), h) in requests.iter() {
            let _ = writeln!(out, "innogauge_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {}", h.count);
        }
        out.push_str("# HELP innogauge_http_request_duration_seconds Request latency by route.\n# TYPE innogauge_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<&str, Histogram> = BTreeMap::new();
        for ((route, _), h) in requests.iter() {
            let merged = by_route.entry(route).or_default();
            merged.count += h.count;
            merged.sum += h.sum;
            for (m, c) in merged.counts.iter_mut().zip(h.counts) {
                *m += c;
            }
        }
        for (route, h) in &by_route {
            for (bound, count) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(out, "innogauge_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}");
            }
            let _ = writeln!(out, "innogauge_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "innogauge_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "innogauge_http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
        }
        drop(requests);
        out.push_str("# HELP innogauge_uploads_total Uploads by outcome.\n# TYPE innogauge_uploads_total counter\n");
        out.push_str("# HELP innogauge_upload_rows_total Data rows of uploads by outcome.\n# TYPE innogauge_upload_rows_total counter\n");
        let uploads = self.uploads.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (outcome, (count, rows)) in uploads.iter() {
            let _ = writeln!(out, "innogauge_uploads_total{{outcome=\"{outcome}\"}} {count}");
            let _ = writeln!(out, "innogauge_upload_rows_total{{outcome=\"{outcome}\"}} {rows}");
        }
        out.push_str("# HELP innogauge_sse_clients Open Server-Sent Events streams.\n# TYPE innogauge_sse_clients gauge\n");
        let _ = writeln!(out, "innogauge_sse_clients {}", self.open_sse_clients());
        out
    }
}
