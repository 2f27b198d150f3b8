//! `cargo xtask bench [--quick]`: what users feel, measured side by side with what they would
//! use instead, in the same run, as ratios (the machines are shared and noisy; an absolute time
//! alone says little). Writes the report to `target/bench/report.md` (BENCHMARKS.md quotes it).
//!
//! - ingest: `innogauge import` of a generated long CSV into SQLite and PostgreSQL, against
//!   `frictionless validate` with an equivalent Table Schema and a bare csv-crate parse;
//! - read API: wrk against `/api/v1/progress` and `/api/v1/snapshot`, alternating with nginx
//!   serving the very same bytes as static files;
//! - live latency: 200 event-stream clients, from an upload's POST to each client's refetch;
//! - memory: the server's resident set idle and under that load;
//! - scale: ten million observations in PostgreSQL, and the p99 of reads on them;
//! - bundle: the widget bundle's bytes against ECharts' `echarts.min.js` (npm).
//!
//! Every server it starts listens on 127.0.0.1 and is stopped when the bench ends or fails;
//! every load runs for a bounded time.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use innogauge_model::{Catalog, MeasureKind};

use crate::{dist, run};

mod ingest;
mod live;
mod scale;

pub(crate) use live::clients as live_clients;

/// Sizes of a run.
#[derive(Clone, Copy, Debug)]
struct Plan {
    rows: usize,
    wrk_seconds: u32,
    rounds: usize,
    sse_clients: usize,
    live_uploads: usize,
    /// Keys of the scale test, each written once and then revised `scale_rounds - 1` times.
    scale_keys: usize,
    scale_rounds: usize,
}

impl Plan {
    fn full() -> Plan {
        Plan { rows: 1_000_000, wrk_seconds: 10, rounds: 3, sse_clients: 200, live_uploads: 5, scale_keys: 1_000_000, scale_rounds: 10 }
    }

    fn quick() -> Plan {
        Plan { rows: 100_000, wrk_seconds: 3, rounds: 1, sse_clients: 200, live_uploads: 2, scale_keys: 100_000, scale_rounds: 10 }
    }
}

/// A child process killed when dropped, so that a failing bench leaves nothing running.
pub(crate) struct Guard {
    pub(crate) child: Child,
    pub(crate) name: &'static str,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return; // it ended already (a chaos round killed it)
        }
        // SIGTERM first (graceful), then kill.
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        println!("{} did not stop on SIGTERM; killed", self.name);
    }
}

/// Runs the benchmarks and writes the report.
/// `only`: one part (`bundle`, `ingest`, `scale` or `serve`), for work on that part.
pub fn bench(root: &Path, quick: bool, only: Option<&str>) -> Result<()> {
    let plan = if quick { Plan::quick() } else { Plan::full() };
    const PARTS: [&str; 6] = ["bundle", "ingest", "scale", "serve", "live", "report"];
    if let Some(part) = only
        && !PARTS.contains(&part)
    {
        bail!("--only takes one of {}", PARTS.join(", "));
    }
    let runs = |part: &str| only.is_none_or(|o| o == part);
    // The report part needs only poppler's pdfinfo; the others measure against these tools.
    let tools: &[(&str, &str)] = if only == Some("report") {
        &[("pdfinfo", "poppler-utils")]
    } else {
        &[
            ("wrk", "wrk"),
            ("nginx", "nginx-light"),
            ("sqlite3", "sqlite3"),
            ("frictionless", "pip install frictionless"),
            ("pdfinfo", "poppler-utils"),
        ]
    };
    for (tool, package) in tools {
        if Command::new("sh")
            .args(["-c", &format!("command -v {tool} || test -x /usr/sbin/{tool}")])
            .output()
            .map_or(true, |o| !o.status.success())
        {
            bail!("the bench needs {tool}: install it ({package})");
        }
    }
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir)?;
    // The widget bundle only for the parts that measure or serve it (a wasm build takes minutes).
    if runs("bundle") || runs("serve") {
        dist::build(root, dist::Target::Web)?;
    }
    run(root, "cargo", &["build", "--locked", "--release", "-p", "innogauge-api"])?;
    let bin = root.join("target/release/innogauge");
    let mut report = String::new();
    writeln!(report, "# cargo xtask bench{}\n", if quick { " --quick" } else { "" })?;
    writeln!(report, "{}\n", machine())?;

    let (echarts, version) = if runs("bundle") || runs("serve") { fetch_echarts(&dir)? } else { (dir.clone(), String::new()) };
    // The report is written after each part, so a failing part keeps the earlier results.
    if runs("bundle") {
        bundle(root, &echarts, &version, &mut report)?;
        std::fs::write(dir.join("report.md"), &report)?;
    }
    if runs("ingest") {
        ingest::ingest(root, &bin, &dir, plan, &mut report)?;
        std::fs::write(dir.join("report.md"), &report)?;
    }
    if runs("scale") {
        scale::scale(root, &bin, &dir, plan, &mut report)?;
        std::fs::write(dir.join("report.md"), &report)?;
    }
    if runs("serve") {
        serve_and_load(root, &bin, &dir, plan, &echarts, &mut report)?;
        std::fs::write(dir.join("report.md"), &report)?;
    }
    if runs("live") {
        live::live(&bin, &dir, plan, &mut report)?;
        std::fs::write(dir.join("report.md"), &report)?;
    }
    if runs("report") {
        quarterly_report(&bin, &dir, &mut report)?;
        std::fs::write(dir.join("report.md"), &report)?;
    }
    println!("\n{report}");
    println!("written to {}", dir.join("report.md").display());
    Ok(())
}

/// CPU, cores, memory and kernel, for the report.
pub(crate) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned()))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<u64>().ok()))
        .map_or_else(|| "?".into(), |kb| format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0));
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("Machine: {cpu}, {cores} cores, {memory} RAM, Linux {}.", kernel.trim())
}

// ------------------------------------------------------------------------------------ report

/// The quarterly report on the demo data: building the PDF and the HTML (each includes the
/// evaluation with its 500 sensitivity runs), side by side with the evaluation alone, and the
/// sizes of what is published.
fn quarterly_report(bin: &Path, dir: &Path, report: &mut String) -> Result<()> {
    let work = dir.join("report");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let database = work.join("demo.db");
    let db = database.to_string_lossy().into_owned();
    let limit = Duration::from_secs(600);
    // The demo loads the sample data and publishes its latest quarter (both languages, both forms).
    let publish = timed(bin, &["--database", &db, "demo", "--no-serve"], &[("RUST_LOG", "warn")], limit)?;
    let (pdf, html) = (work.join("report.pdf"), work.join("report.html"));
    let (pdf_path, html_path) = (pdf.to_string_lossy().into_owned(), html.to_string_lossy().into_owned());
    let best = |args: &[&str]| -> Result<f64> {
        let mut times = Vec::new();
        for _ in 0..3 {
            times.push(timed(bin, args, &[("RUST_LOG", "warn")], limit)?);
        }
        Ok(times.into_iter().fold(f64::INFINITY, f64::min))
    };
    let evaluate = best(&["--database", &db, "evaluate", "--json"])?;
    let build_pdf = best(&["--database", &db, "report", "build", "-o", &pdf_path])?;
    let build_html = best(&["--database", &db, "report", "build", "-o", &html_path])?;
    let pages = Command::new("pdfinfo").arg(&pdf).output().ok().and_then(|o| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .find(|l| l.starts_with("Pages:"))
            .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
    });
    writeln!(report, "## The quarterly report (demo data, 2025Q3, release build)\n")?;
    writeln!(report, "| | best of 3 | against the evaluation alone |")?;
    writeln!(report, "|---|---|---|")?;
    writeln!(report, "| `innogauge evaluate --json` (38 districts, 500 sensitivity runs) | {evaluate:.2} s | 1.0× |")?;
    writeln!(report, "| `innogauge report build -o report.pdf` (zh) | {build_pdf:.2} s | {:.1}× |", build_pdf / evaluate)?;
    writeln!(report, "| `innogauge report build -o report.html` (zh) | {build_html:.2} s | {:.1}× |", build_html / evaluate)?;
    writeln!(report, "| `innogauge demo --no-serve` (load the sample, publish zh + en, HTML + PDF) | {publish:.2} s | |\n")?;
    writeln!(
        report,
        "PDF: {} bytes, {} pages, fonts embedded as subsets (Noto Sans CJK); HTML: {} bytes with the charts inline.\n",
        std::fs::metadata(&pdf)?.len(),
        pages.unwrap_or_else(|| "?".into()),
        std::fs::metadata(&html)?.len()
    )?;
    Ok(())
}

// ------------------------------------------------------------------------------------ ingest

/// A long CSV of `rows` distinct observations: every uploadable indicator × every region (the
/// city, the 38 districts, the functional zones) × consecutive months back from 2025-12 (a
/// million rows reach back to 1955; periods start in 1949). Values rise month by month (a stock
/// never drops, a year-to-date flow never falls within a year) and the city is the sum of the
/// districts, so the file is valid and warning-free.
///
/// `round` is added to every value: round 1 of the same size revises every value of round 0
/// (the scale test stacks revisions this way).
pub(crate) fn generate_long_csv(path: &Path, rows: usize, round: usize) -> Result<()> {
    let catalog = Catalog::builtin();
    let indicators: Vec<_> = catalog.indicators().iter().filter(|i| i.derived.is_none()).collect();
    let regions = catalog.regions();
    let districts = catalog.district_count();
    let series = indicators.len() * regions.len();
    let months = rows.div_ceil(series);
    if months > (2025 - 1949) * 12 {
        bail!("{rows} rows need months before 1949");
    }
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "indicator,region,period,value")?;
    let mut written = 0;
    'all: for indicator in &indicators {
        for region in regions {
            for m in 0..months {
                if written == rows {
                    break 'all;
                }
                let index = 2025 * 12 + 11 - (months - 1 - m); // months back from 2025-12
                let (year, month) = (index / 12, index % 12 + 1);
                let value = match indicator.measure {
                    MeasureKind::Ratio => 10 + (m % 7) + round,
                    _ if region.code.as_ref() == innogauge_model::CITY_CODE => (100 + m + round) * districts,
                    _ => 100 + m + round,
                };
                writeln!(out, "{},{},{year}-{month:02},{value}", indicator.id, region.code)?;
                written += 1;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// Seconds `program args` takes, failing if it fails or runs past `limit`.
fn timed(program: &Path, args: &[&str], env: &[(&str, &str)], limit: Duration) -> Result<f64> {
    Ok(measured_in(Path::new("."), program, args, env, limit)?.seconds)
}

/// What one run of a program took: wall time, and the peak of its resident set (`VmHWM`,
/// read every 20 ms while it runs: the peak of a run that ends is never in its last 20 ms,
/// where it frees).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Measured {
    pub(crate) seconds: f64,
    pub(crate) peak_mb: f64,
}

/// [`Measured`] of `program args` in directory `cwd`, failing if it fails or runs past `limit`.
pub(crate) fn measured_in(cwd: &Path, program: &Path, args: &[&str], env: &[(&str, &str)], limit: Duration) -> Result<Measured> {
    let start = Instant::now();
    let mut command = Command::new(program);
    command.current_dir(cwd);
    // Output goes to files, not pipes: a full pipe would stall a chatty program.
    let log = std::env::temp_dir().join(format!("innogauge-bench-{}.log", std::process::id()));
    let file = std::fs::File::create(&log)?;
    command.args(args).stdout(file.try_clone()?).stderr(file);
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().with_context(|| format!("starting {}", program.display()))?;
    let mut peak_mb = 0f64;
    loop {
        peak_mb = peak_mb.max(memory_mb(child.id()).1);
        if let Some(status) = child.try_wait()? {
            let seconds = start.elapsed().as_secs_f64();
            if !status.success() {
                let err = std::fs::read_to_string(&log).unwrap_or_default();
                let err: String = err.chars().rev().take(2000).collect::<Vec<_>>().into_iter().rev().collect();
                bail!("{} {} failed: {err}", program.display(), args.join(" "));
            }
            return Ok(Measured { seconds, peak_mb });
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            bail!("{} {} ran past {} s", program.display(), args.join(" "), limit.as_secs());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub(crate) fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "missed" }
}

// ------------------------------------------------------------------------- serving and load

pub(crate) fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// One HTTP/1.1 request on a new connection; (status, body).
pub(crate) fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    // Head and body in one write, without Nagle (see `KeepAlive::get`).
    stream.set_nodelay(true)?;
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    stream.write_all(&request)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").context("no HTTP header")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut body = raw[split + 4..].to_vec();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Ok((status, body))
}

/// POSTs a CSV upload with the bench's admin token; fails unless it is committed (201).
pub(crate) fn commit_upload(addr: SocketAddr, token: &str, csv: &str) -> Result<()> {
    let (status, answer) = http(
        addr,
        "POST",
        "/api/v1/uploads",
        &[("Authorization", &format!("Bearer {token}")), ("Content-Type", "text/csv")],
        csv.as_bytes(),
    )?;
    if status != 201 {
        bail!("the bench upload answered {status}: {}", String::from_utf8_lossy(&answer));
    }
    Ok(())
}

/// The `q`-quantile of sorted samples.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
    out
}

/// Resident and peak resident memory of a process, in MB.
pub(crate) fn memory_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok())
    };
    (field("VmRSS:").unwrap_or(0.0) / 1024.0, field("VmHWM:").unwrap_or(0.0) / 1024.0)
}

/// wrk's requests per second and p99 latency (ms).
struct WrkResult {
    rps: f64,
    p99_ms: f64,
}

fn wrk(url: &str, seconds: u32) -> Result<WrkResult> {
    let output = Command::new("wrk")
        .args(["-t2", "-c64", &format!("-d{seconds}s"), "--latency", "--timeout", "5s", url])
        .output()
        .context("starting wrk")?;
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let rps = text
        .lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("wrk said: {text}"))?;
    let p99 = text.lines().find(|l| l.trim_start().starts_with("99%")).and_then(|l| l.split_whitespace().nth(1)).map(parse_duration_ms);
    if text.contains("Non-2xx") {
        bail!("wrk saw errors from {url}: {text}");
    }
    Ok(WrkResult { rps, p99_ms: p99.unwrap_or(f64::NAN) })
}

/// `1.23ms`, `456.00us`, `1.02s` → milliseconds.
fn parse_duration_ms(text: &str) -> f64 {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (text, 1.0)
    };
    number.parse::<f64>().map_or(f64::NAN, |n| n * factor)
}

fn nginx(dir: &Path, port: u16) -> Result<Guard> {
    let conf = dir.join("nginx.conf");
    let root = dir.join("static");
    std::fs::write(
        &conf,
        format!(
            "worker_processes auto;\ndaemon off;\npid {pid};\nerror_log {log} warn;\nevents {{ worker_connections 1024; }}\n\
             http {{\n  access_log off;\n  default_type application/json;\n  keepalive_requests 100000;\n\
             client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp}; uwsgi_temp_path {tmp}; scgi_temp_path {tmp};\n\
             server {{ listen 127.0.0.1:{port}; root {root}; location / {{ try_files $uri =404; }} }}\n}}\n",
            pid = dir.join("nginx.pid").display(),
            log = dir.join("nginx.log").display(),
            tmp = dir.join("nginx-tmp").display(),
            root = root.display(),
        ),
    )?;
    std::fs::create_dir_all(dir.join("nginx-tmp"))?;
    let child = Command::new("nginx").args(["-c", &conf.display().to_string(), "-p", &dir.display().to_string()]).spawn()?;
    let guard = Guard { child, name: "nginx" };
    wait_for(SocketAddr::from(([127, 0, 0, 1], port)))?;
    Ok(guard)
}

/// `innogauge serve` on `database` for a part of the bench, with an admin token, started and
/// settled: (the server, its address, the token).
fn bench_server(bin: &Path, database: &str) -> Result<(Guard, SocketAddr, String)> {
    let token_output =
        Command::new(bin).args(["--database", database, "token", "create", "--name", "bench", "--role", "admin"]).output()?;
    let token = String::from_utf8_lossy(&token_output.stdout).lines().nth(1).unwrap_or_default().trim().to_owned();
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
    let child = Command::new(bin)
        .args(["--database", database, "serve", "--listen", &addr.to_string(), "--uploads-per-minute", "100000"])
        // Load tools drop their connections mid-request when they end; hyper logs each as an error.
        .env("RUST_LOG", "warn,warp::server=off")
        .stdout(Stdio::null())
        .spawn()?;
    let server = Guard { child, name: "innogauge" };
    wait_for(addr)?;
    std::thread::sleep(Duration::from_millis(500));
    Ok((server, addr, token))
}

pub(crate) fn wait_for(addr: SocketAddr) -> Result<()> {
    for _ in 0..200 {
        if TcpStream::connect(addr).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("nothing listens on {addr}")
}

fn serve_and_load(root: &Path, bin: &Path, dir: &Path, plan: Plan, echarts: &Path, report: &mut String) -> Result<()> {
    let database = dir.join("serve.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    let database = database.display().to_string();
    timed(bin, &["--database", &database, "demo", "--no-serve"], &[("RUST_LOG", "warn")], Duration::from_secs(300))?;
    let (server, addr, token) = bench_server(bin, &database)?;
    let (idle_mb, _) = memory_mb(server.child.id());

    // The same bytes for nginx.
    let paths = [("progress", "/api/v1/progress?indicator=high_tech_enterprises&region=500000"), ("snapshot", "/api/v1/snapshot")];
    std::fs::create_dir_all(dir.join("static"))?;
    for (name, path) in paths {
        let (status, body) = http(addr, "GET", path, &[], b"")?;
        if status != 200 {
            bail!("{path} answered {status}");
        }
        std::fs::write(dir.join("static").join(format!("{name}.json")), body)?;
    }
    let nginx_port = free_port()?;
    let nginx_guard = nginx(dir, nginx_port)?;

    writeln!(report, "## Read API: wrk on loopback, 2 threads, 64 connections, {} s per run, alternating\n", plan.wrk_seconds)?;
    writeln!(report, "| route | bytes | innogauge req/s | nginx req/s | ratio | innogauge p99 | nginx p99 | ratio |")?;
    writeln!(report, "|---|---:|---:|---:|---:|---:|---:|---:|")?;
    let mut worst = (f64::INFINITY, 0.0f64);
    for (name, path) in paths {
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..plan.rounds {
            ours.push(wrk(&format!("http://{addr}{path}"), plan.wrk_seconds)?);
            theirs.push(wrk(&format!("http://127.0.0.1:{nginx_port}/{name}.json"), plan.wrk_seconds)?);
        }
        let median = |v: &[f64]| {
            let mut v = v.to_vec();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (rps, nginx_rps) =
            (median(&ours.iter().map(|r| r.rps).collect::<Vec<_>>()), median(&theirs.iter().map(|r| r.rps).collect::<Vec<_>>()));
        let (p99, nginx_p99) =
            (median(&ours.iter().map(|r| r.p99_ms).collect::<Vec<_>>()), median(&theirs.iter().map(|r| r.p99_ms).collect::<Vec<_>>()));
        let bytes = std::fs::metadata(dir.join("static").join(format!("{name}.json")))?.len();
        writeln!(
            report,
            "| `{path}` | {bytes} | {rps:.0} | {nginx_rps:.0} | {:.2}× | {p99:.2} ms | {nginx_p99:.2} ms | {:.2}× |",
            rps / nginx_rps,
            p99 / nginx_p99
        )?;
        worst = (worst.0.min(rps / nginx_rps), worst.1.max(p99 / nginx_p99));
    }
    writeln!(
        report,
        "\nMedians of {} runs each. Goals: ≥ 0.8× nginx's requests/s: worst **{:.2}×** ({}); p99 ≤ 2× nginx's: worst **{:.2}×** ({}).\n",
        plan.rounds,
        worst.0,
        verdict(worst.0 >= 0.8),
        worst.1,
        verdict(worst.1 <= 2.0)
    )?;
    drop(nginx_guard);

    widget_paint_times(root, addr, echarts, plan, report)?;

    let (latencies, loaded_mb) = live_latency(addr, &token, server.child.id(), plan)?;
    let percentile = |q: f64| percentile(&latencies, q);
    writeln!(report, "## Live latency: {} event-stream clients, {} uploads\n", plan.sse_clients, plan.live_uploads)?;
    writeln!(
        report,
        "From sending an upload (POST, one changed value) to each client having received the `commit` event and refetched the \
         changed progress over its kept-alive connection (what a widget does before it repaints): {} samples, p50 **{:.0} ms**, p95 **{:.0} ms**, max {:.0} ms. \
         Goal p95 ≤ 1 s: {}.\n",
        latencies.len(),
        percentile(0.5),
        percentile(0.95),
        latencies.last().copied().unwrap_or(0.0),
        verdict(percentile(0.95) <= 1000.0)
    )?;
    writeln!(report, "## Memory (resident set of `innogauge serve`, demo data)\n")?;
    writeln!(
        report,
        "Idle: **{idle_mb:.1} MB** (goal ≤ 30 MB: {}). Peak while serving the wrk runs above and {} event streams: **{loaded_mb:.1} MB** \
         (goal ≤ 150 MB: {}).\n",
        verdict(idle_mb <= 30.0),
        plan.sse_clients,
        verdict(loaded_mb <= 150.0)
    )?;
    drop(server);
    Ok(())
}

/// Opens `plan.sse_clients` event streams, makes `plan.live_uploads` uploads, and returns every
/// client's latency (ms, sorted) from the POST to its refetch, and the server's peak memory.
fn live_latency(addr: SocketAddr, token: &str, pid: u32, plan: Plan) -> Result<(Vec<f64>, f64)> {
    let samples = Arc::new(Mutex::new(Vec::new()));
    let sent_at = Arc::new(Mutex::new(Instant::now()));
    let (ready, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut clients = Vec::new();
    // Opened in waves, each waited for: ten thousand connects at once overflow the listen
    // backlog, and a refused SYN is retried only after a second. A client is a thread with a
    // small stack, blocked on its socket.
    const WAVE: usize = 250;
    for wave in (0..plan.sse_clients).step_by(WAVE) {
        let size = WAVE.min(plan.sse_clients - wave);
        for _ in 0..size {
            let (samples, sent_at, ready, failed) = (samples.clone(), sent_at.clone(), ready.clone(), failed.clone());
            let uploads = plan.live_uploads;
            let client = std::thread::Builder::new().stack_size(128 * 1024).spawn(move || -> Result<()> {
                let result = sse_client(addr, uploads, &samples, &sent_at, &ready);
                if result.is_err() {
                    failed.fetch_add(1, Ordering::SeqCst);
                }
                result
            })?;
            clients.push(client);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while ready.load(Ordering::SeqCst) + failed.load(Ordering::SeqCst) < wave + size && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if failed.load(Ordering::SeqCst) > 0 {
            bail!("{} of the first {} event streams failed to open", failed.load(Ordering::SeqCst), wave + size);
        }
    }
    if ready.load(Ordering::SeqCst) < plan.sse_clients {
        bail!("only {} of {} event streams opened", ready.load(Ordering::SeqCst), plan.sse_clients);
    }
    let mut peak = 0.0f64;
    for i in 0..plan.live_uploads {
        std::thread::sleep(Duration::from_millis(700));
        let body = format!("indicator,region,period,value\nexperts_engaged,500000,2025Q3,{}\n", 100 + i);
        *sent_at.lock().map_err(|_| anyhow::anyhow!("poisoned"))? = Instant::now();
        commit_upload(addr, token, &body)?;
        // Wait until every client has its sample for this upload.
        let deadline = Instant::now() + Duration::from_secs(30);
        while samples.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.len() < plan.sse_clients * (i + 1) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        peak = peak.max(memory_mb(pid).1);
    }
    let mut dropped = 0;
    for client in clients {
        if client.join().map_err(|_| anyhow::anyhow!("a client thread panicked"))?.is_err() {
            dropped += 1;
        }
    }
    let mut latencies = std::mem::take(&mut *samples.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    latencies.sort_by(f64::total_cmp);
    // Every client sees every commit: a stream that closed, or a commit a client never saw, fails.
    if dropped > 0 || latencies.len() < plan.sse_clients * plan.live_uploads {
        bail!("{dropped} clients dropped; {} of {} refetches seen", latencies.len(), plan.sse_clients * plan.live_uploads);
    }
    Ok((latencies, peak.max(memory_mb(pid).1)))
}

// ----------------------------------------------------------------------------------- widgets

/// `tests/browser/widgets.bench.mjs`: first gauge and 50 widgets painted, ours against ECharts.
fn widget_paint_times(root: &Path, addr: SocketAddr, echarts: &Path, plan: Plan, report: &mut String) -> Result<()> {
    let browser = root.join("tests/browser");
    run(&browser, "npm", &["ci", "--no-audit", "--no-fund", "--silent"])?;
    let output = Command::new("node")
        .arg("widgets.bench.mjs")
        .current_dir(&browser)
        .env("INNOGAUGE_API", format!("http://{addr}"))
        .env("ECHARTS", echarts)
        .env("RUNS", plan.rounds.max(2).to_string())
        .stderr(Stdio::inherit())
        .output()
        .context("starting node")?;
    if !output.status.success() {
        bail!("widgets.bench.mjs failed");
    }
    let times: serde_json::Value = serde_json::from_slice(&output.stdout).context("widgets.bench.mjs printed no JSON")?;
    let median = |name: &str| {
        let mut v: Vec<f64> = times[name].as_array().map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect()).unwrap_or_default();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let (one, one_e, fifty, fifty_e) = (median("ours-1"), median("echarts-1"), median("ours-50"), median("echarts-50"));
    writeln!(report, "## Widgets in headless Chromium: navigation start → painted (cold cache, 1920×1200)\n")?;
    writeln!(report, "| page | innogauge | ECharts | ratio |")?;
    writeln!(report, "|---|---:|---:|---:|")?;
    writeln!(report, "| first gauge | {one:.0} ms | {one_e:.0} ms | {:.2}× |", one / one_e)?;
    writeln!(report, "| 50 widgets (25 gauges, 25 lines) | {fifty:.0} ms | {fifty_e:.0} ms | {:.2}× |\n", fifty / fifty_e)?;
    writeln!(
        report,
        "Medians of {} runs, alternating. Goals, no slower than ECharts: first gauge {}, 50 widgets {}.\n",
        plan.rounds.max(2),
        verdict(one <= one_e),
        verdict(fifty <= fifty_e)
    )?;
    Ok(())
}

/// An HTTP/1.1 connection kept open for several GETs (answers with a `Content-Length`).
struct KeepAlive {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
}

impl KeepAlive {
    fn connect(addr: SocketAddr) -> Result<KeepAlive> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        stream.set_nodelay(true)?;
        Ok(KeepAlive { addr, reader: BufReader::new(stream) })
    }

    /// GETs `path`; the status. The body is read and dropped.
    fn get(&mut self, path: &str) -> Result<u16> {
        let addr = self.addr;
        // Compressed, as a browser asks. One write: `write!` on the socket would send each piece
        // as its own segment, and Nagle's algorithm with delayed ACKs then holds the last one
        // for 40 ms (every request measured 44 ms before this).
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: br, gzip\r\n\r\n");
        self.reader.get_mut().write_all(request.as_bytes())?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut length = 0usize;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        self.reader.read_exact(&mut body)?;
        Ok(status)
    }
}

/// The event name of an SSE `event:` line (`event:commit` or `event: commit`).
fn sse_event(line: &str) -> Option<&str> {
    line.strip_prefix("event:").map(str::trim)
}

/// An open `GET /api/v1/events` stream, read line by line.
pub(crate) struct EventStream {
    lines: BufReader<TcpStream>,
    line: String,
}

impl EventStream {
    /// Opens the stream and waits for its `hello` event.
    fn open(addr: SocketAddr, timeout: Duration) -> Result<EventStream> {
        let mut stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.write_all(format!("GET /api/v1/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n").as_bytes())?;
        let mut events = EventStream { lines: BufReader::with_capacity(1024, stream), line: String::new() };
        events.until("hello")?;
        Ok(events)
    }

    /// Reads until an event named `name` (`commit`, `hello`).
    fn until(&mut self, name: &str) -> Result<()> {
        loop {
            self.line.clear();
            if self.lines.read_line(&mut self.line)? == 0 {
                bail!("the event stream closed");
            }
            if sse_event(&self.line) == Some(name) {
                return Ok(());
            }
        }
    }
}

/// One event-stream client: opens the stream, says it is ready, then for each of `uploads`
/// commits refetches the changed progress and records the time since the upload was sent.
fn sse_client(addr: SocketAddr, uploads: usize, samples: &Mutex<Vec<f64>>, sent_at: &Mutex<Instant>, ready: &AtomicUsize) -> Result<()> {
    let mut events = EventStream::open(addr, Duration::from_secs(30))?;
    // Refetches go over one kept-alive connection per client, as a browser's do.
    let mut refetch = KeepAlive::connect(addr)?;
    ready.fetch_add(1, Ordering::SeqCst);
    for _ in 0..uploads {
        events.until("commit")?;
        let status = refetch.get("/api/v1/progress?indicator=experts_engaged&region=500000")?;
        let start = *sent_at.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        if status == 200 {
            samples.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.push(start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------ bundle

/// `echarts.min.js` of npm's latest `echarts`, and its version.
fn fetch_echarts(dir: &Path) -> Result<(std::path::PathBuf, String)> {
    let npm = dir.join("npm");
    std::fs::create_dir_all(&npm)?;
    let tarball = String::from_utf8(Command::new("npm").args(["pack", "echarts", "--silent"]).current_dir(&npm).output()?.stdout)?;
    let tarball = tarball.lines().last().context("npm pack echarts printed nothing")?.trim().to_owned();
    run(&npm, "tar", &["xzf", &tarball, "package/dist/echarts.min.js", "package/package.json"])?;
    let version: serde_json::Value = serde_json::from_slice(&std::fs::read(npm.join("package/package.json"))?)?;
    Ok((npm.join("package/dist/echarts.min.js"), version["version"].as_str().unwrap_or("?").to_owned()))
}

fn bundle(root: &Path, echarts_path: &Path, version: &str, report: &mut String) -> Result<()> {
    let echarts = std::fs::read(echarts_path)?;
    let (e_br, e_gz) = (dist::brotli_best(&echarts)?.len(), dist::gzip_best(&echarts)?.len());
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(root.join("dist/manifest.json"))?)?;
    // What a portal page transfers: the loader, the boot module, and one module's glue and wasm
    // (the base one when every widget on the page is a gauge, KPI or table, the small one when
    // a trend is among them).
    let transfer = |glue: &serde_json::Value, wasm: &serde_json::Value, field: &str| -> u64 {
        let names = [Some("innogauge.js"), manifest["boot"].as_str(), glue.as_str(), wasm.as_str()];
        names.iter().flatten().filter_map(|n| manifest["bytes"][*n][field].as_u64()).sum()
    };
    writeln!(report, "## Widget bundle against ECharts {version} (`echarts.min.js` from npm)\n")?;
    writeln!(report, "| loader + boot + glue + wasm | raw | gzip -9 | brotli 11 | brotli vs ECharts |")?;
    writeln!(report, "|---|---:|---:|---:|---:|")?;
    let mut pages = Vec::new();
    for (label, module) in [
        ("gauge, KPI, table (the base module)", &manifest["base"]),
        ("gauge, trend, KPI, table (the small module)", &manifest["core"]),
        ("every widget type", &manifest),
    ] {
        let (raw, gz, br) = (
            transfer(&module["glue"], &module["wasm"], "raw"),
            transfer(&module["glue"], &module["wasm"], "gzip"),
            transfer(&module["glue"], &module["wasm"], "br"),
        );
        pages.push(br);
        writeln!(report, "| innogauge, {label} | {raw} | {gz} | {br} | {:.2}× |", br as f64 / e_br as f64)?;
    }
    let (base, small) = (pages[0], pages[1]);
    let (raw, gz, floor_br) = floor(root)?;
    writeln!(
        report,
        "| yew + plotters-canvas alone: one gauge, one line chart (`xtask/floor`, glue + wasm) | {raw} | {gz} | {floor_br} | {:.2}× |",
        floor_br as f64 / e_br as f64
    )?;
    writeln!(report, "| echarts.min.js | {} | {e_gz} | {e_br} | 1.00× |\n", echarts.len())?;
    let goal = |bytes: u64| verdict(bytes as f64 / e_br as f64 <= 0.4 && bytes <= 120_000);
    writeln!(
        report,
        "Goal: ≤ 40 % of ECharts' transfer and ≤ 120 KB brotli. A page without a trend (the base module): **{:.0} %**, \
         **{:.0} KB** ({}); a page with a trend (the small module): **{:.0} %**, **{:.0} KB** ({}).\n",
        base as f64 / e_br as f64 * 100.0,
        base as f64 / 1000.0,
        goal(base),
        small as f64 / e_br as f64 * 100.0,
        small as f64 / 1000.0,
        goal(small)
    )?;
    writeln!(
        report,
        "Of the small page's transfer, {:.0} KB is yew and plotters-canvas themselves (the yardstick) and {:.0} KB our widgets' own \
         code, data and loader.\n",
        floor_br as f64 / 1000.0,
        small.saturating_sub(floor_br as u64) as f64 / 1000.0
    )?;
    Ok(())
}

/// Builds the yardstick crate `xtask/floor` (yew + plotters-canvas, a gauge and a line chart,
/// nothing else) as the widgets are built, and returns its glue and wasm's raw, gzip and
/// brotli bytes.
fn floor(root: &Path) -> Result<(usize, usize, usize)> {
    let manifest = root.join("xtask/floor/Cargo.toml");
    let target = root.join("target");
    let args = ["build", "--locked", "--target", "wasm32-unknown-unknown", "--profile", "wasm-release", "--manifest-path"];
    run(root, "cargo", &[&args[..], &[manifest.to_str().context("path")?, "--target-dir", target.to_str().context("path")?]].concat())?;
    let out = root.join("target/bench/floor");
    dist::bindgen(&target.join("wasm32-unknown-unknown/wasm-release/innogauge_floor.wasm"), &out, "floor", dist::Target::Web)?;
    let mut sizes = (0, 0, 0);
    for name in ["floor.js", "floor_bg.wasm"] {
        let bytes = std::fs::read(out.join(name))?;
        sizes.0 += bytes.len();
        sizes.1 += dist::gzip_best(&bytes)?.len();
        sizes.2 += dist::brotli_best(&bytes)?.len();
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_durations_are_read_in_milliseconds() {
        assert!((parse_duration_ms("456.00us") - 0.456).abs() < 1e-9);
        assert!((parse_duration_ms("1.23ms") - 1.23).abs() < 1e-9);
        assert!((parse_duration_ms("1.02s") - 1020.0).abs() < 1e-9);
    }

    #[test]
    fn the_generated_file_is_valid_and_has_the_rows_asked_for() {
        let dir = std::env::temp_dir().join(format!("innogauge-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("long.csv");
        generate_long_csv(&path, 30_000, 0).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let mut upload = innogauge_model::read_upload(Catalog::builtin(), &bytes, &innogauge_model::UploadOptions::default());
        assert!(upload.report.problems.is_empty(), "{:?}", upload.report.problems.first());
        innogauge_model::revision::compare(Catalog::builtin(), &upload.observations, &innogauge_model::Dataset::new(), &mut upload.report);
        assert_eq!(upload.observations.len(), 30_000);
        assert!(upload.report.problems.is_empty(), "no warnings either: {:?}", upload.report.problems.first());
        // A million rows still start after 1949.
        assert!(1_000_000usize.div_ceil(28 * Catalog::builtin().regions().len()) <= (2025 - 1949) * 12);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
