//! The live part at portal scale: a public portal keeps one event stream open per visitor, so
//! one server holds ten thousand (`--quick`: two thousand) on loopback while uploads commit;
//! each client refetches the changed progress when its `commit` event arrives, as a widget
//! does. Measured: commit → refetched per client, the server's resident set with every stream
//! open and at its peak, and that no client dropped.
//!
//! The clients run in child processes of the bench (`cargo xtask bench-clients`, 2,500 each):
//! a process may hold 20,000 open files on these machines and cannot raise that, and the
//! server must hold every stream. Each child reads its streams on threads with small stacks and
//! refetches over a pool of kept-alive connections (a browser's HTTP/1.1 pool, shared by the
//! widgets of a process). Times cross processes as wall-clock nanoseconds on one machine.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use super::{EventStream, Guard, KeepAlive, Plan, bench_server, commit_upload, measured_in, memory_mb, percentile, verdict};

/// Clients per child process: two threads' worth of files each is far below the limit.
const PER_PROCESS: usize = 2_500;
/// Kept-alive connections a child process refetches over.
const POOL: usize = 64;
/// Streams opened at once: ten thousand connects at once overflow the listen backlog, and a
/// refused SYN is retried only after a second.
const WAVE: usize = 250;

fn now_ns() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

pub(super) fn live(bin: &Path, dir: &Path, plan: Plan, report: &mut String) -> Result<()> {
    let clients = if plan.rows < 1_000_000 { 2_000 } else { 10_000 };
    let uploads = 3;
    let database = dir.join("live.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    let database = database.display().to_string();
    measured_in(Path::new("."), bin, &["--database", &database, "demo", "--no-serve"], &[("RUST_LOG", "warn")], Duration::from_secs(300))?;
    let (server, addr, token) = bench_server(bin, &database)?;
    let pid = server.child.id();
    let (idle_mb, _) = memory_mb(pid);

    // The client processes, opened one after another.
    let exe = std::env::current_exe()?;
    let mut groups = Vec::new();
    // (upload, event arrived, refetch answered), nanoseconds.
    let samples: Arc<Mutex<Vec<(usize, u128, u128)>>> = Arc::default();
    // `done UPLOAD` lines: a process's clients have all refetched after that upload.
    let done = Arc::new(AtomicUsize::new(0));
    let mut readers = Vec::new();
    for start in (0..clients).step_by(PER_PROCESS) {
        let count = PER_PROCESS.min(clients - start);
        let mut child = Command::new(&exe)
            .args(["bench-clients", &addr.to_string(), &count.to_string(), &uploads.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .context("starting a client process")?;
        let stdout = child.stdout.take().context("no stdout")?;
        groups.push(Guard { child, name: "bench clients" });
        let mut lines = BufReader::new(stdout).lines();
        match lines.next().transpose()? {
            Some(line) if line == "ready" => {}
            other => bail!("a client process did not open its streams: {other:?}"),
        }
        let (samples, done) = (samples.clone(), done.clone());
        readers.push(std::thread::spawn(move || -> Result<usize> {
            let mut dropped = 0;
            for line in lines {
                let line = line?;
                if line.starts_with("done ") {
                    done.fetch_add(1, Ordering::SeqCst);
                } else if let Some(rest) = line.strip_prefix("seen ") {
                    let mut fields = rest.split(' ').map(str::parse::<u128>);
                    let (Some(Ok(upload)), Some(Ok(arrived)), Some(Ok(at))) = (fields.next(), fields.next(), fields.next()) else {
                        bail!("a bad sample line: {line}");
                    };
                    samples.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.push((usize::try_from(upload)?, arrived, at));
                } else if let Some(n) = line.strip_prefix("dropped ") {
                    dropped += n.parse::<usize>()?;
                }
            }
            Ok(dropped)
        }));
    }
    let (open_mb, _) = memory_mb(pid);
    let mut sent = Vec::new();
    let mut peak_mb = 0f64;
    for i in 0..uploads {
        std::thread::sleep(Duration::from_millis(700));
        let body = format!("indicator,region,period,value\nexperts_engaged,500000,2025Q3,{}\n", 100 + i);
        sent.push(now_ns());
        commit_upload(addr, &token, &body)?;
        let deadline = Instant::now() + Duration::from_secs(60);
        while done.load(Ordering::SeqCst) < groups.len() * (i + 1) && Instant::now() < deadline {
            peak_mb = peak_mb.max(memory_mb(pid).1);
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    peak_mb = peak_mb.max(memory_mb(pid).1);
    let mut dropped = 0;
    for reader in readers {
        dropped += reader.join().map_err(|_| anyhow::anyhow!("a reader thread panicked"))??;
    }
    drop(groups);
    drop(server);
    let samples = std::mem::take(&mut *samples.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    if dropped > 0 || samples.len() < clients * uploads {
        bail!("{dropped} clients dropped; {} of {} refetches seen", samples.len(), clients * uploads);
    }
    let since_sent = |pick: fn(&(usize, u128, u128)) -> u128| {
        let mut ms: Vec<f64> = samples.iter().map(|s| pick(s).saturating_sub(sent[s.0]) as f64 / 1e6).collect();
        ms.sort_by(f64::total_cmp);
        ms
    };
    let latencies = since_sent(|s| s.2);
    let events = since_sent(|s| s.1);

    let p95 = percentile(&latencies, 0.95);
    writeln!(report, "## Live at portal scale: {clients} event-stream clients on one server, {uploads} uploads\n")?;
    writeln!(
        report,
        "Clients in processes of {PER_PROCESS}, each stream on its own connection, opened {WAVE} at a time; on each `commit` \
         every client refetches the changed progress over its process's pool of {POOL} kept-alive connections. \
         {} samples: p50 **{:.0} ms**, p95 **{p95:.0} ms**, max {:.0} ms; no client dropped. \
         The `commit` event itself reached the clients at p50 {:.0} ms, p95 {:.0} ms. \
         Server resident: {idle_mb:.0} MB idle, {open_mb:.0} MB with every stream open, peak **{peak_mb:.0} MB**.\n",
        latencies.len(),
        percentile(&latencies, 0.5),
        latencies.last().copied().unwrap_or(0.0),
        percentile(&events, 0.5),
        percentile(&events, 0.95),
    )?;
    writeln!(
        report,
        "Goals: p95 commit → refetched ≤ 1 s: {}; resident ≤ 300 MB: {}; no client dropped: met (the part fails otherwise).\n",
        verdict(p95 <= 1000.0),
        verdict(peak_mb <= 300.0)
    )?;
    Ok(())
}

/// `cargo xtask bench-clients ADDR COUNT UPLOADS`: opens COUNT event streams to ADDR, prints
/// `ready`, then `done UPLOAD` once every client has refetched after that upload, and at the
/// end `seen UPLOAD ARRIVED ANSWERED` per client and upload and `dropped N`. Samples are kept in
/// memory until then: a line per sample as it happens was ten thousand pipe writes (and wakings
/// of the bench) per commit, on the cores the server needs.
pub(crate) fn clients(args: &[String]) -> Result<()> {
    let [addr, count, uploads] = args else { bail!("usage: bench-clients ADDR COUNT UPLOADS") };
    let (addr, count, uploads): (SocketAddr, usize, usize) = (addr.parse()?, count.parse()?, uploads.parse()?);
    let pool =
        Arc::new(Pool { free: Mutex::new((0..POOL).map(|_| KeepAlive::connect(addr)).collect::<Result<_>>()?), returned: Condvar::new() });
    let out = Arc::new(Samples {
        seen: Mutex::new(Vec::with_capacity(count * uploads)),
        per_upload: (0..uploads).map(|_| AtomicUsize::new(0)).collect(),
    });
    let (ready, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut threads = Vec::new();
    for wave in (0..count).step_by(WAVE) {
        let size = WAVE.min(count - wave);
        for _ in 0..size {
            let (pool, out, ready, failed) = (pool.clone(), out.clone(), ready.clone(), failed.clone());
            threads.push(std::thread::Builder::new().stack_size(128 * 1024).spawn(move || {
                if stream_client(addr, uploads, &pool, &out, &ready).is_err() {
                    failed.fetch_add(1, Ordering::SeqCst);
                }
            })?);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while ready.load(Ordering::SeqCst) + failed.load(Ordering::SeqCst) < wave + size && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if failed.load(Ordering::SeqCst) > 0 || ready.load(Ordering::SeqCst) < wave + size {
            bail!("{} of {} streams opened, {} failed", ready.load(Ordering::SeqCst), wave + size, failed.load(Ordering::SeqCst));
        }
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "ready")?;
    stdout.flush()?;
    for (upload, refetched) in out.per_upload.iter().enumerate() {
        while refetched.load(Ordering::SeqCst) + failed.load(Ordering::SeqCst) < count {
            std::thread::sleep(Duration::from_millis(2));
        }
        writeln!(stdout, "done {upload}")?;
        stdout.flush()?;
    }
    for thread in threads {
        let _ = thread.join();
    }
    let mut text = String::new();
    for (upload, arrived, at) in out.seen.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.iter() {
        let _ = writeln!(text, "seen {upload} {arrived} {at}");
    }
    writeln!(stdout, "{text}dropped {}", failed.load(Ordering::SeqCst))?;
    stdout.flush()?;
    Ok(())
}

/// What the clients of a process saw: `(upload, event arrived, refetch answered)`, and how many
/// clients have refetched after each upload.
struct Samples {
    seen: Mutex<Vec<(usize, u128, u128)>>,
    per_upload: Vec<AtomicUsize>,
}

/// Kept-alive connections shared by the clients of a process; a client waits for a free one.
struct Pool {
    free: Mutex<Vec<KeepAlive>>,
    returned: Condvar,
}

impl Pool {
    fn take(&self) -> Result<KeepAlive> {
        let mut free = self.free.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        loop {
            if let Some(connection) = free.pop() {
                return Ok(connection);
            }
            free = self.returned.wait(free).map_err(|_| anyhow::anyhow!("poisoned"))?;
        }
    }

    fn give_back(&self, connection: KeepAlive) -> Result<()> {
        self.free.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.push(connection);
        self.returned.notify_one();
        Ok(())
    }
}

/// One visitor: its event stream, and a refetch from the pool after each `commit`.
fn stream_client(addr: SocketAddr, uploads: usize, pool: &Pool, out: &Samples, ready: &AtomicUsize) -> Result<()> {
    let mut events = EventStream::open(addr, Duration::from_secs(120))?;
    ready.fetch_add(1, Ordering::SeqCst);
    for seen in 0..uploads {
        events.until("commit")?;
        let arrived = now_ns();
        let mut connection = pool.take()?;
        let status = connection.get("/api/v1/progress?indicator=experts_engaged&region=500000");
        let at = now_ns();
        pool.give_back(connection)?;
        if status? != 200 {
            bail!("the refetch failed");
        }
        out.seen.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.push((seen, arrived, at));
        out.per_upload[seen].fetch_add(1, Ordering::SeqCst);
    }
    Ok(())
}
