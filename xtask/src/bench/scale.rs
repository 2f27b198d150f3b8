//! The scale test: millions of stored observations in a durable PostgreSQL, each key revised
//! round after round through `innogauge import` (the product's own path, not a bulk `INSERT`),
//! then `innogauge serve` on that database and the p50/p99 of the read queries widgets make.
//!
//! The catalogue has 28 uploadable indicators, not the 500 of the example, so the keys
//! spread over months instead: 28 indicators × 42 regions × about 850 months is the same million
//! keys, and ten rounds of revisions make ten million observations.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use innogauge_model::{Catalog, MeasureKind};

use super::{Guard, KeepAlive, Plan, commit_upload, free_port, generate_long_csv, http, memory_mb, percentile, timed, verdict};
use crate::pg::TestPostgres;

/// Connections the probe spreads its requests over (as many pages would).
const PROBE_CONNECTIONS: usize = 4;

/// Histories asked for (each a query on the revisions table).
const HISTORY_KEYS: usize = 1_000;

pub(super) fn scale(root: &Path, bin: &Path, dir: &Path, plan: Plan, report: &mut String) -> Result<()> {
    let postgres = TestPostgres::start_durable(root)?;
    let quiet = [("RUST_LOG", "warn")];
    let limit = Duration::from_secs(30 * 60);
    timed(bin, &["--database", &postgres.url, "migrate"], &quiet, limit)?;

    // Round 0 writes every key; every later round revises every key.
    let csv = dir.join("scale.csv");
    let csv_text = csv.display().to_string();
    let mut import_seconds = Vec::new();
    for round in 0..plan.scale_rounds {
        generate_long_csv(&csv, plan.scale_keys, round)?;
        let seconds = timed(bin, &["--database", &postgres.url, "import", &csv_text], &quiet, limit)?;
        println!("scale: round {} of {} imported in {seconds:.1} s", round + 1, plan.scale_rounds);
        import_seconds.push(seconds);
    }
    let _ = std::fs::remove_file(&csv);
    let revisions: u64 = postgres.psql("SELECT count(*) FROM revisions")?.parse().context("counting revisions")?;
    let current: u64 = postgres.psql("SELECT count(*) FROM current_values")?.parse().context("counting current values")?;
    let table_mb: f64 = postgres.psql("SELECT pg_total_relation_size('revisions')")?.parse::<f64>().context("sizing revisions")? / 1e6;
    if revisions != (plan.scale_keys * plan.scale_rounds) as u64 || current != plan.scale_keys as u64 {
        bail!("the scale database holds {revisions} revisions and {current} current values, not what was imported");
    }

    let token_output = Command::new(bin)
        .args(["--database", &postgres.url, "token", "create", "--name", "bench", "--role", "admin"])
        .env("RUST_LOG", "warn")
        .output()?;
    let token = String::from_utf8_lossy(&token_output.stdout).lines().nth(1).unwrap_or_default().trim().to_owned();

    // Start: the server loads every current value into its snapshot before it listens.
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
    let started = Instant::now();
    let child = Command::new(bin)
        .args(["--database", &postgres.url, "serve", "--listen", &addr.to_string(), "--uploads-per-minute", "100000"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()?;
    let server = Guard { child, name: "innogauge" };
    while !matches!(http(addr, "GET", "/healthz", &[], b""), Ok((200, _))) {
        if started.elapsed() > Duration::from_secs(300) {
            bail!("the server did not answer within 300 s of its start");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let start_seconds = started.elapsed().as_secs_f64();
    let (idle_mb, _) = memory_mb(server.child.id());

    let catalog = Catalog::builtin();
    let pairs: Vec<(String, String)> =
        catalog.indicators().iter().flat_map(|i| catalog.regions().iter().map(move |r| (i.id.to_string(), r.code.to_string()))).collect();
    let progress: Vec<String> = pairs.iter().map(|(i, r)| format!("/api/v1/progress?indicator={i}&region={r}")).collect();
    let series: Vec<String> = pairs.iter().map(|(i, r)| format!("/api/v1/series?indicator={i}&region={r}")).collect();
    let history = history_paths(catalog, plan.scale_keys);

    // Cold: the first request for each answer since the data version moved (the server builds
    // it from the snapshot); warm: the same requests again (served from the body cache).
    let mut rows = Vec::new();
    for (name, paths) in [("progress", &progress), ("series", &series)] {
        rows.push((format!("`/api/v1/{name}`, each indicator × region, first request (built)"), probe(addr, paths)?));
        rows.push((format!("`/api/v1/{name}`, the same again (cached)"), probe(addr, paths)?));
    }
    rows.push(("`/api/v1/history`, 1,000 keys (a query on the revisions table)".to_owned(), probe(addr, &history)?));

    // A statistician's small upload against the big tables, then the first reads after it.
    let commit_ms = small_upload(addr, &token, catalog)?;
    rows.push(("`/api/v1/progress` again after that upload (built)".to_owned(), probe(addr, &progress)?));
    let (_, peak_mb) = memory_mb(server.child.id());
    drop(server);
    drop(postgres);

    let rate = |s: f64| plan.scale_keys as f64 / s;
    let (first, last) = (import_seconds[0], *import_seconds.last().unwrap_or(&import_seconds[0]));
    let total: f64 = import_seconds.iter().sum();
    writeln!(report, "## Scale: {revisions} observations in PostgreSQL\n")?;
    writeln!(
        report,
        "{} keys (28 indicators × 42 regions × consecutive months) written once and revised {} times, each round a \
         `innogauge import` of a {}-row long CSV into a durable PostgreSQL (fsync on): {revisions} revisions \
         ({table_mb:.0} MB with indexes), {current} current values.\n",
        plan.scale_keys,
        plan.scale_rounds - 1,
        plan.scale_keys
    )?;
    writeln!(
        report,
        "Import: first round {first:.1} s ({:.0} rows/s), last round {last:.1} s ({:.0} rows/s), last/first **{:.2}×**; all rounds {total:.0} s.\n",
        rate(first),
        rate(last),
        last / first
    )?;
    writeln!(
        report,
        "Server start with {current} current values (load into the snapshot until `/healthz` answers): **{start_seconds:.1} s**. \
         Resident memory: {idle_mb:.0} MB after the start, peak {peak_mb:.0} MB after the queries below. \
         A one-value upload (POST to 201) with these tables: **{commit_ms:.0} ms**.\n"
    )?;
    writeln!(report, "| query ({PROBE_CONNECTIONS} kept-alive connections) | requests | p50 | p99 | max |")?;
    writeln!(report, "|---|---:|---:|---:|---:|")?;
    let mut worst_read = 0.0f64;
    for (what, latencies) in &rows {
        let p99 = percentile(latencies, 0.99);
        if !what.contains("history") {
            worst_read = worst_read.max(p99);
        }
        writeln!(
            report,
            "| {what} | {} | {:.2} ms | {p99:.2} ms | {:.2} ms |",
            latencies.len(),
            percentile(latencies, 0.5),
            latencies.last().copied().unwrap_or(f64::NAN)
        )?;
    }
    writeln!(report, "\nGoal: p99 of progress and series ≤ 10 ms: worst **{worst_read:.2} ms** ({}).\n", verdict(worst_read <= 10.0))?;
    Ok(())
}

/// History requests for keys spread over the stored ones (a fixed pseudo-random walk, so that
/// runs compare).
fn history_paths(catalog: &Catalog, keys: usize) -> Vec<String> {
    let indicators: Vec<_> = catalog.indicators().iter().filter(|i| i.derived.is_none()).collect();
    let regions = catalog.regions();
    let months = keys.div_ceil(indicators.len() * regions.len());
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..HISTORY_KEYS)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let pick = (state >> 33) as usize;
            let (indicator, region) = (indicators[pick % indicators.len()], &regions[(pick / 31) % regions.len()]);
            let index = 2025 * 12 + 11 - (pick / 1_009) % months.min(12 * 20);
            format!("/api/v1/history?indicator={}&region={}&period={}-{:02}", indicator.id, region.code, index / 12, index % 12 + 1)
        })
        .collect()
}

/// Every path once, spread over [`PROBE_CONNECTIONS`] kept-alive connections at once; each
/// request's latency in ms, sorted. Any answer but 200 fails the bench.
fn probe(addr: SocketAddr, paths: &[String]) -> Result<Vec<f64>> {
    let chunks: Vec<Vec<String>> =
        (0..PROBE_CONNECTIONS).map(|c| paths.iter().skip(c).step_by(PROBE_CONNECTIONS).cloned().collect()).collect();
    let workers: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            std::thread::spawn(move || -> Result<Vec<f64>> {
                let mut connection = KeepAlive::connect(addr)?;
                let mut samples = Vec::with_capacity(chunk.len());
                for path in &chunk {
                    let start = Instant::now();
                    let status = connection.get(path)?;
                    samples.push(start.elapsed().as_secs_f64() * 1000.0);
                    if status != 200 {
                        bail!("{path} answered {status}");
                    }
                }
                Ok(samples)
            })
        })
        .collect();
    let mut samples = Vec::new();
    for worker in workers {
        samples.extend(worker.join().map_err(|_| anyhow::anyhow!("a probe thread panicked"))??);
    }
    samples.sort_by(f64::total_cmp);
    Ok(samples)
}

/// Milliseconds from sending a one-value upload to its 201 (median of three).
fn small_upload(addr: SocketAddr, token: &str, catalog: &Catalog) -> Result<f64> {
    // A ratio has no district sum to keep consistent.
    let ratio = catalog
        .indicators()
        .iter()
        .find(|i| i.derived.is_none() && i.measure == MeasureKind::Ratio)
        .context("the catalogue has no ratio indicator")?;
    let mut times = Vec::new();
    for value in [30.5, 31.5, 32.5] {
        let body = format!("indicator,region,period,value\n{},500118,2025-12,{value}\n", ratio.id);
        let start = Instant::now();
        commit_upload(addr, token, &body)?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[1])
}
