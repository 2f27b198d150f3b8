//! The ingest part of the bench: one generated long CSV through every path that stores or
//! checks it, each beside what a user would use instead, in the same run:
//!
//! - `innogauge import` into SQLite against the `sqlite3` CLI's `.import` of the same rows into
//!   a staging table followed by the same inserts into the same tables and indexes (the
//!   store's own bulk path, without validation), alternating, best of three each;
//! - the same into PostgreSQL against `psql`'s `\copy` and the same inserts;
//! - `innogauge validate` against `frictionless validate` with the equivalent Table Schema, and
//!   against the csv crate's bare parse of the file (the ceiling);
//! - the peak resident memory of each, and of a server taking the file as an API upload.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use innogauge_model::Catalog;

use super::{Measured, Plan, bench_server, generate_long_csv, http, measured_in, memory_mb, verdict};
use crate::pg::TestPostgres;

/// The store's own bulk path in SQL: what `innogauge import` writes for a valid long file, as
/// one upload row, its revisions and the refresh of `current_values` (the same statement the
/// store runs), from a staging table the peer's loader filled. `$UPLOAD` is the upload's id.
const PEER_INSERTS: &str = "
INSERT INTO revisions (upload_id, indicator, region, period, month_index, value, value_text, note)
  SELECT $UPLOAD, indicator, region, period,
         CAST(substr(period, 1, 4) AS INTEGER) * 12 + CAST(substr(period, 6, 2) AS INTEGER) - 1,
         CAST(value AS DOUBLE PRECISION), value, NULL FROM staging;
INSERT INTO current_values (indicator, region, month_index, period, value, value_text, revision_id, upload_id)
  SELECT indicator, region, month_index, period, value, value_text, id, upload_id FROM revisions WHERE upload_id = $UPLOAD
  ON CONFLICT (indicator, region, month_index) DO UPDATE SET period = excluded.period, value = excluded.value,
  value_text = excluded.value_text, revision_id = excluded.revision_id, upload_id = excluded.upload_id
  WHERE current_values.revision_id < excluded.revision_id;
";

const PEER_UPLOAD: &str =
    "INSERT INTO uploads (created_at_ms, actor, sha256, kind, rows, new_values, revised_values, unchanged_values, report)
  VALUES (0, 'peer', 'peer', 'upload', 0, 0, 0, 0, '{}')";

/// The `sqlite3` script: the store's pragmas (WAL, `synchronous=FULL`, its page cache), then
/// `.import` and the inserts in one transaction.
fn sqlite3_script(csv: &Path) -> String {
    format!(
        "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=FULL;\nPRAGMA cache_size=-16384;\nPRAGMA temp_store=memory;\n\
         CREATE TEMP TABLE staging (indicator TEXT, region TEXT, period TEXT, value TEXT);\n\
         .import --csv --skip 1 {} staging\nBEGIN IMMEDIATE;\n{PEER_UPLOAD};\n{}COMMIT;\n",
        csv.display(),
        PEER_INSERTS.replace("$UPLOAD", "(SELECT MAX(id) FROM uploads)")
    )
}

/// The `psql` script: `\copy` into a staging table, then the inserts in one transaction.
fn psql_script(csv: &Path) -> String {
    format!(
        "\\set ON_ERROR_STOP on\nCREATE TEMP TABLE staging (indicator TEXT, region TEXT, period TEXT, value TEXT);\n\
         \\copy staging FROM '{}' WITH (FORMAT csv, HEADER true)\nBEGIN;\n{PEER_UPLOAD} RETURNING id AS upload \\gset\n{}COMMIT;\n",
        csv.display(),
        PEER_INSERTS.replace("$UPLOAD", ":upload")
    )
}

/// The Table Schema that asks what the contract asks of a long file: known indicator and
/// region, a period `YYYY-MM`, a number ≥ 0.
fn table_schema() -> serde_json::Value {
    let catalog = Catalog::builtin();
    let indicators: Vec<String> = catalog.indicators().iter().filter(|i| i.derived.is_none()).map(|i| i.id.to_string()).collect();
    let regions: Vec<String> = catalog.regions().iter().map(|r| r.code.to_string()).collect();
    serde_json::json!({
        "fields": [
            { "name": "indicator", "type": "string", "constraints": { "required": true, "enum": indicators } },
            { "name": "region", "type": "string", "constraints": { "required": true, "enum": regions } },
            { "name": "period", "type": "string", "constraints": { "required": true, "pattern": "[0-9]{4}-[0-9]{2}" } },
            { "name": "value", "type": "number", "constraints": { "minimum": 0 } }
        ],
        "primaryKey": ["indicator", "region", "period"]
    })
}

/// The csv crate reading every record and parsing the value: the ceiling of any CSV ingest.
fn raw_parse(path: &Path) -> Result<(f64, usize)> {
    let start = Instant::now();
    let mut reader = csv::Reader::from_path(path)?;
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut sum) = (0usize, 0f64);
    while reader.read_byte_record(&mut record)? {
        rows += 1;
        sum += std::str::from_utf8(&record[3]).ok().and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    }
    std::hint::black_box(sum);
    Ok((start.elapsed().as_secs_f64(), rows))
}

/// A new SQLite database with the store's schema.
fn fresh_sqlite(bin: &Path, path: &Path) -> Result<String> {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let text = path.display().to_string();
    measured_in(Path::new("."), bin, &["--database", &text, "migrate"], &[("RUST_LOG", "warn")], Duration::from_secs(60))?;
    Ok(text)
}

/// The best (fastest) of several runs, with the highest peak among them.
fn best(runs: &[Measured]) -> Measured {
    Measured {
        seconds: runs.iter().map(|r| r.seconds).fold(f64::INFINITY, f64::min),
        peak_mb: runs.iter().map(|r| r.peak_mb).fold(0.0, f64::max),
    }
}

pub(super) fn ingest(root: &Path, bin: &Path, dir: &Path, plan: Plan, report: &mut String) -> Result<()> {
    let csv = dir.join(format!("long_{}.csv", plan.rows));
    generate_long_csv(&csv, plan.rows, 0)?;
    let csv = csv.canonicalize()?;
    let file_mb = std::fs::metadata(&csv)?.len() as f64 / 1_048_576.0;
    let schema = dir.join("schema.json");
    std::fs::write(&schema, serde_json::to_vec_pretty(&table_schema())?)?;
    let csv_text = csv.display().to_string();
    let limit = Duration::from_secs(30 * 60);
    let quiet = [("RUST_LOG", "warn")];
    let here = Path::new(".");
    let rounds = if plan.rows < 1_000_000 { 1 } else { 3 };

    // Best of three for the in-process parse.
    let raw = (0..3).map(|_| raw_parse(&csv)).collect::<Result<Vec<_>>>()?;
    let raw_seconds = raw.iter().map(|r| r.0).fold(f64::INFINITY, f64::min);

    // SQLite, alternating with the sqlite3 CLI on a database of its own.
    let script = dir.join("peer-sqlite.sql");
    std::fs::write(&script, sqlite3_script(&csv))?;
    let read_script = format!(".read {}", script.display());
    let (mut ours, mut peer) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let db = fresh_sqlite(bin, &dir.join("ingest.db"))?;
        ours.push(measured_in(here, bin, &["--database", &db, "import", &csv_text], &quiet, limit)?);
        let db = fresh_sqlite(bin, &dir.join("peer.db"))?;
        peer.push(measured_in(here, Path::new("sqlite3"), &["-bail", &db, &read_script], &[], limit)?);
    }
    let (sqlite, sqlite3) = (best(&ours), best(&peer));
    let validate = best(&(0..rounds).map(|_| measured_in(here, bin, &["validate", &csv_text], &quiet, limit)).collect::<Result<Vec<_>>>()?);

    // PostgreSQL (fsync on), each side in a database of its own.
    let postgres = TestPostgres::start_durable(root)?;
    let script = dir.join("peer-postgres.sql");
    std::fs::write(&script, psql_script(&csv))?;
    postgres.psql("CREATE DATABASE ours")?;
    postgres.psql("CREATE DATABASE peer")?;
    let (ours_url, peer_url) = (postgres.url_of("ours"), postgres.url_of("peer"));
    measured_in(here, bin, &["--database", &ours_url, "migrate"], &quiet, limit)?;
    measured_in(here, bin, &["--database", &peer_url, "migrate"], &quiet, limit)?;
    let pg = measured_in(here, bin, &["--database", &ours_url, "import", &csv_text], &quiet, limit)?;
    let script_text = script.display().to_string();
    let psql = measured_in(here, &postgres.program("psql"), &["-X", "-q", "-d", &peer_url, "-f", &script_text], &[], limit)?;
    let counted = postgres.psql_in("peer", "SELECT count(*) FROM current_values")?;
    if counted != plan.rows.to_string() {
        bail!("the psql peer stored {counted} values, not {}", plan.rows);
    }
    drop(postgres);

    // frictionless refuses absolute paths ("not safe"): run it beside the files.
    let csv_name = csv.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let frictionless =
        measured_in(dir, Path::new("frictionless"), &["validate", "--schema", "schema.json", &csv_name], &[], limit)?.seconds;

    let upload = api_upload(bin, dir, &csv)?;

    let rate = |s: f64| plan.rows as f64 / s;
    writeln!(report, "## Ingest: {} rows of a long CSV ({file_mb:.1} MiB)\n", plan.rows)?;
    writeln!(
        report,
        "Command: `cargo xtask bench{}` (files under `target/bench/`). Each side starts as a process of its own; \
         peaks are the resident set's high-water mark (`VmHWM`). {}\n",
        if plan.rows < 1_000_000 { " --quick" } else { "" },
        if rounds > 1 { "SQLite and validation: best of three, the two sides alternating." } else { "" }
    )?;
    writeln!(report, "| what | seconds | rows/s | peak MB | peak ÷ file |")?;
    writeln!(report, "|---|---:|---:|---:|---:|")?;
    let line = |report: &mut String, what: &str, m: Measured| {
        writeln!(report, "| {what} | {:.2} | {:.0} | {:.0} | {:.1}× |", m.seconds, rate(m.seconds), m.peak_mb, m.peak_mb / file_mb)
    };
    line(report, "`innogauge import` → SQLite (validate, compare, commit, `synchronous=FULL`)", sqlite)?;
    line(report, "`sqlite3`: `.import` into a staging table, then the same inserts (no validation)", sqlite3)?;
    line(report, "`innogauge import` → PostgreSQL (validate, compare, `COPY`, fsync on)", pg)?;
    line(report, "`psql`: `\\copy` into a staging table, then the same inserts (no validation)", psql)?;
    line(report, "`innogauge validate` (the contract alone, no store)", validate)?;
    writeln!(report, "| `frictionless validate` with the equivalent Table Schema | {frictionless:.2} | {:.0} | | |", rate(frictionless))?;
    writeln!(report, "| csv crate: read every record, parse the value (the ceiling) | {raw_seconds:.2} | {:.0} | | |", rate(raw_seconds))?;
    writeln!(report)?;
    writeln!(
        report,
        "The same file as an API upload (`POST /api/v1/uploads` to `innogauge serve` on an empty SQLite database): resident \
         {:.0} MB before, peak {:.0} MB, {:.0} MB after (the server then holds the values it serves). \
         Peak over the resident set before: **{:.0} MB, {:.1}× the file**.\n",
        upload.before_mb,
        upload.peak_mb,
        upload.after_mb,
        upload.peak_mb - upload.before_mb,
        (upload.peak_mb - upload.before_mb) / file_mb
    )?;
    let against_sqlite3 = sqlite3.seconds / sqlite.seconds;
    let against_psql = psql.seconds / pg.seconds;
    writeln!(
        report,
        "Goals: import ≥ 0.8× the `sqlite3` CLI's speed: **{against_sqlite3:.2}×** ({}); ≥ 0.5× `psql \\copy`'s: **{against_psql:.2}×** ({}); \
         peak memory ≤ 3× the file, import **{:.1}×** ({}) and API upload **{:.1}×** ({}); `validate` ≥ 20× frictionless: \
         **{:.1}×** ({}); `validate` within 4× of the raw parse: **{:.1}×** ({}).\n",
        verdict(against_sqlite3 >= 0.8),
        verdict(against_psql >= 0.5),
        sqlite.peak_mb / file_mb,
        verdict(sqlite.peak_mb <= 3.0 * file_mb),
        (upload.peak_mb - upload.before_mb) / file_mb,
        verdict(upload.peak_mb - upload.before_mb <= 3.0 * file_mb),
        frictionless / validate.seconds,
        verdict(frictionless / validate.seconds >= 20.0),
        validate.seconds / raw_seconds,
        verdict(validate.seconds / raw_seconds <= 4.0),
    )?;
    Ok(())
}

/// What a server's memory did while it took one upload.
struct UploadMemory {
    before_mb: f64,
    peak_mb: f64,
    after_mb: f64,
}

/// `innogauge serve` on an empty SQLite database takes `csv` as one API upload (committed).
fn api_upload(bin: &Path, dir: &Path, csv: &Path) -> Result<UploadMemory> {
    let db = fresh_sqlite(bin, &dir.join("upload.db"))?;
    let (server, addr, token) = bench_server(bin, &db)?;
    let pid = server.child.id();
    let (before_mb, _) = memory_mb(pid);
    let body = std::fs::read(csv)?;
    let headers = [("Authorization", format!("Bearer {token}")), ("Content-Type", "text/csv".to_owned())];
    let sent = std::thread::spawn(move || {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        http(addr, "POST", "/api/v1/uploads", &headers, &body)
    });
    let mut peak_mb = 0f64;
    while !sent.is_finished() {
        peak_mb = peak_mb.max(memory_mb(pid).1);
        std::thread::sleep(Duration::from_millis(20));
    }
    let (status, answer) = sent.join().map_err(|_| anyhow::anyhow!("the upload thread panicked"))??;
    if status != 201 {
        bail!("the API upload answered {status}: {}", String::from_utf8_lossy(&answer).chars().take(500).collect::<String>());
    }
    let (after_mb, high) = memory_mb(pid);
    drop(server);
    Ok(UploadMemory { before_mb, peak_mb: peak_mb.max(high), after_mb })
}
