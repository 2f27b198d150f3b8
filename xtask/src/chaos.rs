//! `cargo xtask chaos [--quick]`: the reliability proof, run against real processes on
//! 127.0.0.1 (a throwaway PostgreSQL and SQLite files under `target/chaos/`), every process it
//! starts stopped when it ends or fails, every wait bounded.
//!
//! - **kill -9 during large uploads**, SQLite and PostgreSQL, round after round: an upload
//!   the client saw acknowledged (201) must be there after the restart, whole; an upload cut
//!   off must be there whole or not at all;
//! - **two `serve` processes on one database** (PostgreSQL, and one SQLite file), uploads sent
//!   to both at once with a key in common: every commit reaches the snapshot and the event
//!   stream of both, each report's "old" value is the value the previous commit wrote, and both
//!   serve exactly what a freshly started process reads from the database;
//! - **`innogauge import` beside a running server**: its commit reaches the server's event
//!   stream and reads within seconds;
//! - after every round, `innogauge check`: the database's integrity, every upload whole,
//!   `current_values` the latest revision of every key.
//!
//! `cargo xtask test` runs the quick version (a few rounds of each, the debug binary);
//! the full one (the release binary, 60 kills per store, 100 two-process trials) writes
//! `target/chaos/report.md`, which RELIABILITY.md quotes.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bench::{Guard, free_port, http, wait_for};
use crate::pg::TestPostgres;
use crate::run;

/// How much of everything.
#[derive(Clone, Copy, Debug)]
struct Plan {
    kills: usize,
    rows: usize,
    trials: usize,
    uploads_per_trial: usize,
}

impl Plan {
    fn quick() -> Plan {
        Plan { kills: 3, rows: 12_000, trials: 2, uploads_per_trial: 8 }
    }

    fn full() -> Plan {
        Plan { kills: 60, rows: 111_720, trials: 100, uploads_per_trial: 20 }
    }
}

/// A database the binary is pointed at.
#[derive(Clone, Debug)]
enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    fn arg(&self) -> String {
        match self {
            Database::Sqlite(path) => path.display().to_string(),
            Database::Postgres(url) => url.clone(),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "SQLite",
            Database::Postgres(_) => "PostgreSQL",
        }
    }
}

/// The findings of a run, for the report.
#[derive(Debug, Default)]
struct Findings {
    lines: Vec<String>,
    failures: Vec<String>,
}

impl Findings {
    fn line(&mut self, text: String) {
        println!("chaos: {text}");
        self.lines.push(text);
    }

    fn fail(&mut self, text: String) {
        println!("chaos FAILURE: {text}");
        self.failures.push(text);
    }
}

/// Runs the chaos suite; fails if any invariant broke.
pub fn chaos(root: &Path, quick: bool) -> Result<()> {
    let plan = if quick { Plan::quick() } else { Plan::full() };
    let bin = if quick {
        crate::debug_server(root)?
    } else {
        run(root, "cargo", &["build", "--locked", "--release", "-p", "innogauge-api"])?;
        root.join("target/release/innogauge")
    };
    // Apart for the two runs, so that the quick one (in `cargo xtask test`) never clears the
    // files of a full one under way.
    let dir = root.join(if quick { "target/chaos-quick" } else { "target/chaos" });
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let postgres = TestPostgres::start_durable(root)?;
    let mut findings = Findings::default();
    let started = Instant::now();

    for (i, database) in
        [Database::Sqlite(dir.join("kill.db")), Database::Postgres(new_database(&postgres, "chaos_kill")?)].iter().enumerate()
    {
        kill_rounds(&bin, &dir, database, plan, i as u64 + 1, &mut findings)?;
    }
    for database in [Database::Postgres(new_database(&postgres, "chaos_two")?), Database::Sqlite(dir.join("two.db"))] {
        two_processes(&bin, &dir, &database, plan, &mut findings)?;
    }
    for database in [Database::Sqlite(dir.join("import.db")), Database::Postgres(new_database(&postgres, "chaos_import")?)] {
        import_beside(&bin, &dir, &database, &mut findings)?;
    }
    scheduled_backups_under_kill(&bin, &dir, &Database::Sqlite(dir.join("backups.db")), plan, &mut findings)?;

    let mut report = format!(
        "# cargo xtask chaos{}\n\n{} on {}, {:.0} s in all.\n\n",
        if quick { " --quick" } else { "" },
        if quick { "Debug binary" } else { "Release binary" },
        crate::bench::machine(),
        started.elapsed().as_secs_f64()
    );
    for line in &findings.lines {
        let _ = writeln!(report, "- {line}");
    }
    if findings.failures.is_empty() {
        report.push_str("\nEvery invariant held.\n");
    } else {
        let _ = writeln!(report, "\n## Failures\n");
        for failure in &findings.failures {
            let _ = writeln!(report, "- {failure}");
        }
    }
    std::fs::write(dir.join("report.md"), &report)?;
    println!("chaos report: {}", dir.join("report.md").display());
    if !findings.failures.is_empty() {
        bail!("chaos: {} invariant(s) broke; see {}", findings.failures.len(), dir.join("report.md").display());
    }
    Ok(())
}

fn new_database(postgres: &TestPostgres, name: &str) -> Result<String> {
    postgres.psql(&format!("CREATE DATABASE {name}"))?;
    Ok(postgres.url.replace("/postgres", &format!("/{name}")))
}

fn innogauge(bin: &Path, database: &Database) -> Command {
    let mut command = Command::new(bin);
    command.arg("--database").arg(database.arg()).env("RUST_LOG", "warn").env_remove("RUST_BACKTRACE");
    command
}

/// An admin token in `database` (migrating it on the way).
fn admin_token(bin: &Path, database: &Database) -> Result<String> {
    let out = innogauge(bin, database).args(["token", "create", "--name", "chaos", "--role", "admin"]).output()?;
    if !out.status.success() {
        bail!("token create failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8(out.stdout)?.lines().nth(1).map(|l| l.trim().to_owned()).context("no token printed")
}

/// A running `innogauge serve`.
fn serve(bin: &Path, database: &Database) -> Result<(Guard, SocketAddr)> {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
    let child = innogauge(bin, database)
        .args(["serve", "--listen", &addr.to_string(), "--uploads-per-minute", "100000"])
        .stdout(Stdio::null())
        .spawn()
        .context("starting innogauge serve")?;
    let guard = Guard { child, name: "innogauge serve" };
    wait_for(addr)?;
    Ok((guard, addr))
}

/// `innogauge check --json` of the database, or what is wrong with it.
fn check(bin: &Path, database: &Database) -> Result<std::result::Result<serde_json::Value, String>> {
    let out = innogauge(bin, database).args(["check", "--json"]).output()?;
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    Ok(if out.status.success() && found["sound"] == true {
        Ok(found)
    } else {
        Err(format!("{found} {}", String::from_utf8_lossy(&out.stderr)))
    })
}

fn upload(addr: SocketAddr, token: &str, name: &str, csv: &[u8]) -> Result<(u16, serde_json::Value)> {
    let (status, body) = http(
        addr,
        "POST",
        &format!("/api/v1/uploads?filename={name}"),
        &[("Authorization", &format!("Bearer {token}")), ("Content-Type", "text/csv")],
        csv,
    )?;
    Ok((status, serde_json::from_slice(&body).unwrap_or_default()))
}

/// The value the API serves for one indicator of one district in one month, if any.
fn served(addr: SocketAddr, indicator: &str, region: &str, period: &str) -> Result<Option<f64>> {
    let (status, body) = http(addr, "GET", &format!("/api/v1/history?indicator={indicator}&region={region}&period={period}"), &[], b"")?;
    if status != 200 {
        bail!("history answered {status}");
    }
    let history: serde_json::Value = serde_json::from_slice(&body)?;
    Ok(history.as_array().and_then(|h| h.last()).and_then(|r| r["value"].as_f64()))
}

/// A long file of `rows` values of R&D personnel (district × month, from 2099-01 backwards by
/// year), row `i` holding `base + i`.
fn large_csv(rows: usize, base: u64) -> Vec<u8> {
    format!("indicator,region,period,value\n{}", large_rows(rows, base)).into_bytes()
}

/// The rows of [`large_csv`].
fn large_rows(rows: usize, base: u64) -> String {
    let mut csv = String::new();
    for i in 0..rows as u64 {
        let (indicator, year, month, district) = row_key(i);
        let _ = writeln!(csv, "{indicator},{district},{year}-{month:02},{}", base + i);
    }
    csv
}

/// Stock counts whose monthly values the large files write: 150 years × 12 months × 38
/// districts each (the period parser reads the years 1949 to 2100).
const LARGE_INDICATORS: [&str; 4] = ["rd_personnel", "tech_smes", "high_tech_enterprises", "specialized_smes"];

/// A small deterministic generator (xorshift), so that a failing round can be replayed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Kills the server with SIGKILL at a random moment of a large upload, round after round.
fn kill_rounds(bin: &Path, dir: &Path, database: &Database, plan: Plan, seed: u64, findings: &mut Findings) -> Result<()> {
    let token = admin_token(bin, database)?;
    let mut random = Random(0x9E37_79B9_7F4A_7C15 ^ seed);
    // How long an upload takes here, to spread the kills over its whole length.
    let (mut server, mut addr) = serve(bin, database)?;
    let timing = Instant::now();
    let (status, _) = upload(addr, &token, "chaos-warmup.csv", &large_csv(plan.rows, 1))?;
    if status != 201 {
        bail!("the warm-up upload answered {status}");
    }
    let upload_ms = timing.elapsed().as_millis().max(50) as u64;
    let (mut acknowledged, mut cut, mut whole_after_cut) = (0, 0, 0);
    for round in 0..plan.kills {
        let base = (round as u64 + 2) * 1_000_000;
        let csv = large_csv(plan.rows, base);
        let name = format!("chaos-round-{round}.csv");
        let sender = {
            let (token, name) = (token.clone(), name.clone());
            std::thread::spawn(move || upload(addr, &token, &name, &csv).map(|(status, _)| status).unwrap_or(0))
        };
        std::thread::sleep(Duration::from_millis(random.below(upload_ms * 3 / 2)));
        let _ = Command::new("kill").args(["-9", &server.child.id().to_string()]).status();
        let _ = server.child.wait();
        let status = sender.join().unwrap_or(0);
        drop(server);
        (server, addr) = serve(bin, database)?;
        if let Err(e) = check(bin, database)? {
            findings.fail(format!("{}: round {round}: the database is not sound after kill -9: {e}", database.name()));
        }
        // The first and the last value of the round's file tell whether it is there, and whole.
        let last_row = plan.rows as u64 - 1;
        let value_at = |row: u64| {
            let (indicator, year, month, district) = row_key(row);
            served(addr, indicator, &district, &format!("{year}-{month:02}"))
        };
        let (first, last) = (value_at(0)?, value_at(last_row)?);
        let present = first == Some(base as f64);
        if status == 201 {
            acknowledged += 1;
            if !present || last != Some((base + last_row) as f64) {
                findings.fail(format!("{}: round {round}: an acknowledged upload is missing after kill -9", database.name()));
            }
        } else {
            cut += 1;
            whole_after_cut += usize::from(present);
            if present && last != Some((base + last_row) as f64) {
                findings.fail(format!("{}: round {round}: an upload cut off by kill -9 is there in part", database.name()));
            }
        }
    }
    let _ = dir;
    findings.line(format!(
        "{}: {} kill -9 during uploads of {} rows (each ~{} ms): {acknowledged} acknowledged and found whole, {cut} cut off ({whole_after_cut} of them committed whole just before the kill, none in part); `innogauge check` sound after every restart",
        database.name(),
        plan.kills,
        plan.rows,
        upload_ms
    ));
    Ok(())
}

/// The (indicator, year, month, district code) of row `i` of [`large_csv`].
fn row_key(i: u64) -> (&'static str, i32, u32, String) {
    let districts: Vec<String> = innogauge_model::Catalog::builtin().districts().map(|r| r.code.to_string()).collect();
    let per_year = 12 * districts.len() as u64;
    let per_indicator = 150 * per_year;
    let indicator = LARGE_INDICATORS[(i / per_indicator) as usize % LARGE_INDICATORS.len()];
    let i = i % per_indicator;
    let year = 2099 - (i / per_year) as i32;
    let month = ((i % per_year) / districts.len() as u64) as u32 + 1;
    (indicator, year, month, districts[(i % districts.len() as u64) as usize].clone())
}

/// Collects the ids of the `commit` events of one server's stream until dropped.
struct EventLog {
    ids: Arc<Mutex<BTreeSet<i64>>>,
    stream: TcpStream,
}

impl EventLog {
    fn open(addr: SocketAddr) -> Result<EventLog> {
        let mut stream = TcpStream::connect(addr)?;
        stream.write_all(format!("GET /api/v1/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n").as_bytes())?;
        let ids = Arc::new(Mutex::new(BTreeSet::new()));
        let (reader, seen) = (stream.try_clone()?, ids.clone());
        std::thread::spawn(move || {
            let mut event = String::new();
            for line in BufReader::new(reader).lines().map_while(std::result::Result::ok) {
                if let Some(name) = line.strip_prefix("event:") {
                    event = name.trim().to_owned();
                } else if let Some(id) = line.strip_prefix("id:")
                    && event == "commit"
                    && let Ok(id) = id.trim().parse::<i64>()
                {
                    seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id);
                }
            }
        });
        Ok(EventLog { ids, stream })
    }

    /// Waits up to `limit` for every id; returns the missing ones.
    fn missing(&self, wanted: &[i64], limit: Duration) -> Vec<i64> {
        let deadline = Instant::now() + limit;
        loop {
            let seen = self.ids.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
            let missing: Vec<i64> = wanted.iter().copied().filter(|id| !seen.contains(id)).collect();
            if missing.is_empty() || Instant::now() > deadline {
                return missing;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for EventLog {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

/// Two servers on one database; uploads to both at once, with one key in common.
fn two_processes(bin: &Path, dir: &Path, database: &Database, plan: Plan, findings: &mut Findings) -> Result<()> {
    let token = admin_token(bin, database)?;
    let (_a, a) = serve(bin, database)?;
    let (_b, b) = serve(bin, database)?;
    let (events_a, events_b) = (EventLog::open(a)?, EventLog::open(b)?);
    let districts: Vec<String> = innogauge_model::Catalog::builtin().districts().map(|r| r.code.to_string()).collect();
    let (mut commits, mut lost_events, mut wrong_old, mut lost_values, mut previous) = (0, 0, 0, 0, None::<f64>);
    for trial in 0..plan.trials {
        let mut senders = Vec::new();
        for i in 0..plan.uploads_per_trial {
            let addr = if i % 2 == 0 { a } else { b };
            let value = (trial * 1000 + i) as u64 + 1;
            let mut csv = format!("indicator,region,period,value\nrd_personnel,500118,2025-09,{value}\n");
            let _ = writeln!(csv, "rd_personnel,{},2024-{:02},{value}", districts[i % districts.len()], i / districts.len() % 12 + 1);
            if i % 5 == 0 {
                // Some large ones, so that commits overlap and finish out of order.
                csv.push_str(&large_rows(plan.rows / 4, value * 100_000));
            }
            let token = token.clone();
            senders.push(std::thread::spawn(move || {
                upload(addr, &token, &format!("two-{trial}-{i}.csv"), csv.as_bytes()).map(|r| (value, r))
            }));
        }
        let mut outcomes = Vec::new();
        for sender in senders {
            let (value, (status, body)) = sender.join().map_err(|_| anyhow::anyhow!("an upload thread panicked"))??;
            if status != 201 {
                findings.fail(format!("{}: trial {trial}: an upload answered {status}: {body}", database.name()));
                continue;
            }
            let old = body["changes"]["revised"]
                .as_array()
                .and_then(|r| r.iter().find(|c| c["region"] == "500118" && c["period"] == "2025-09"))
                .and_then(|c| c["old"].as_f64());
            outcomes.push((body["upload"]["id"].as_i64().unwrap_or(0), value, old));
        }
        outcomes.sort_by_key(|o| o.0);
        for (id, value, old) in &outcomes {
            if *old != previous {
                wrong_old += 1;
                findings.fail(format!(
                    "{}: trial {trial}: upload {id} reports old value {old:?}, the previous commit wrote {previous:?}",
                    database.name()
                ));
            }
            previous = Some(*value as f64);
        }
        commits += outcomes.len();
        let ids: Vec<i64> = outcomes.iter().map(|o| o.0).collect();
        for (name, log) in [("A", &events_a), ("B", &events_b)] {
            let missing = log.missing(&ids, Duration::from_secs(10));
            if !missing.is_empty() {
                lost_events += missing.len();
                findings
                    .fail(format!("{}: trial {trial}: server {name}'s event stream never carried commits {missing:?}", database.name()));
            }
        }
        for (name, addr) in [("A", a), ("B", b)] {
            if served(addr, "rd_personnel", "500118", "2025-09")? != previous {
                lost_values += 1;
                findings.fail(format!("{}: trial {trial}: server {name} does not serve the last commit's value", database.name()));
            }
        }
    }
    // Both serve what a process starting now reads from the database.
    let (_c, c) = serve(bin, database)?;
    let export = |addr| http(addr, "GET", "/api/v1/export.csv", &[], b"").map(|r| r.1);
    let fresh = export(c)?;
    for (name, addr) in [("A", a), ("B", b)] {
        if export(addr)? != fresh {
            findings.fail(format!("{}: server {name} serves other values than the database holds", database.name()));
        }
    }
    if let Err(e) = check(bin, database)? {
        findings.fail(format!("{}: two processes: the database is not sound: {e}", database.name()));
    }
    let _ = dir;
    findings.line(format!(
        "{}, two `serve` processes: {} trials of {} concurrent uploads (one key in common, every fifth with {} rows): {commits} commits; events missing from a stream: {lost_events}; reports with a wrong old value: {wrong_old}; servers not serving the last value: {lost_values}; both serve exactly what a fresh process reads",
        database.name(),
        plan.trials,
        plan.uploads_per_trial,
        plan.rows / 4
    ));
    Ok(())
}

/// A server writing a backup every second while uploads go on, killed with SIGKILL round after
/// round: every backup named as complete is sound, and so is the database.
fn scheduled_backups_under_kill(bin: &Path, dir: &Path, database: &Database, plan: Plan, findings: &mut Findings) -> Result<()> {
    let token = admin_token(bin, database)?;
    let backups = dir.join("backups");
    std::fs::create_dir_all(&backups)?;
    let mut random = Random(0xB4C4_0001);
    let (mut complete, mut partial) = (0usize, 0usize);
    for round in 0..plan.kills {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        let child = innogauge(bin, database)
            .args([
                "serve",
                "--listen",
                &addr.to_string(),
                "--uploads-per-minute",
                "100000",
                "--backup-every",
                "1s",
                "--keep",
                "4",
                "--backup-dir",
            ])
            .arg(&backups)
            .stdout(Stdio::null())
            .spawn()?;
        let mut server = Guard { child, name: "innogauge serve (backups)" };
        wait_for(addr)?;
        let sender = {
            let token = token.clone();
            std::thread::spawn(move || {
                upload(addr, &token, &format!("backups-{round}.csv"), &large_csv(plan.rows / 4, round as u64 * 1_000_000))
            })
        };
        std::thread::sleep(Duration::from_millis(1_000 + random.below(2_000)));
        let _ = Command::new("kill").args(["-9", &server.child.id().to_string()]).status();
        let _ = server.child.wait();
        let _ = sender.join();
        drop(server);
        for entry in std::fs::read_dir(&backups)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            if name.ends_with(".partial") || name.contains(".partial-") {
                partial += 1;
                continue;
            }
            if !name.ends_with(".db") {
                // A journal beside a complete backup: something opened it after it was named.
                findings.fail(format!("SQLite: round {round}: a stray file {name} beside the backups"));
                continue;
            }
            complete += 1;
            // Checked on a copy: opening the backup itself would put a journal beside it.
            let scratch = dir.join("backup-under-check.db");
            for side in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(format!("{}{side}", scratch.display()));
            }
            std::fs::copy(&path, &scratch)?;
            if check(bin, &Database::Sqlite(scratch))?.is_err() {
                findings.fail(format!("SQLite: round {round}: the backup {name}, named as complete, is not sound"));
            }
        }
        if let Err(e) = check(bin, database)? {
            findings.fail(format!("SQLite: round {round}: the database is not sound after kill -9 during backups: {e}"));
        }
    }
    findings.line(format!(
        "SQLite, `serve --backup-every 1s` killed with SIGKILL {} times during uploads: {complete} backup files checked after the kills, every one sound; {partial} `.partial` files left by cut-off backups (never a complete name); the database sound every time",
        plan.kills
    ));
    Ok(())
}

/// `innogauge import` while a server runs on the same database.
fn import_beside(bin: &Path, dir: &Path, database: &Database, findings: &mut Findings) -> Result<()> {
    let _token = admin_token(bin, database)?;
    let (_server, addr) = serve(bin, database)?;
    let events = EventLog::open(addr)?;
    let file = dir.join(format!("import-{}.csv", database.name()));
    std::fs::write(&file, "indicator,region,period,value\nrd_personnel,500116,2025-09,4321\n")?;
    let out = innogauge(bin, database).arg("import").arg(&file).output()?;
    if !out.status.success() {
        bail!("innogauge import failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let (_, health) = http(addr, "GET", "/healthz", &[], b"")?;
    let started = Instant::now();
    let version = check(bin, database)?.ok().and_then(|c| c["data_version"].as_i64()).unwrap_or(0);
    let missing = events.missing(&[version], Duration::from_secs(10));
    let value = served(addr, "rd_personnel", "500116", "2025-09")?;
    if !missing.is_empty() || value != Some(4321.0) {
        findings.fail(format!(
            "{}: an import beside a running server did not reach it (event {version} missing: {}, served {value:?}; {})",
            database.name(),
            !missing.is_empty(),
            String::from_utf8_lossy(&health)
        ));
    }
    findings.line(format!(
        "{}: `innogauge import` beside a running server: its commit reached the server's event stream and reads in {:.1} s",
        database.name(),
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}
