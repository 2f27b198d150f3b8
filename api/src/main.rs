//! The `innogauge` binary: the server and its command-line tools.
//!
//! ```text
//! innogauge serve                 HTTP API on 127.0.0.1:8080 (SQLite under ./data/ by default)
//! innogauge demo                  load the demo data, print the progress board, serve
//! innogauge import FILE…          validate and store files through the same path as the API
//! innogauge validate FILE…        check files as the server would, store nothing
//! innogauge token create|list|revoke
//! innogauge migrate
//! innogauge check                 the database's integrity and invariants
//! innogauge backup FILE           a verified copy of the live database; restore FILE puts one back
//! innogauge export --all          every revision with its upload, as CSV or JSON lines
//! innogauge evaluate              the district innovation evaluation as a table
//! ```
//!
//! `anyhow` lives here only; everything below returns typed errors.

mod accounts;
mod answers;
mod app;
mod archive;
mod audit;
mod auth;
mod backup;
mod board;
mod bundle;
mod data;
mod events;
mod http;
mod ingest;
mod map;
mod metrics;
mod report;
mod store;
mod time;
mod xlsx;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use innogauge_model::wire::ReportWire;
use innogauge_model::{Catalog, Lang, Period, UploadOptions};

use crate::app::CorsPolicy;
use crate::app::{App, Limits};
use crate::ingest::{FileFormat, UploadRequest};
use crate::store::{NewUser, PostgresStore, SqliteStore, Store};
use innogauge_model::wire::UploadStatus as Status;

/// The demo data set (fixtures/sample/observations.csv), embedded so a fresh install shows data.
const DEMO_DATA: &[u8] = include_bytes!("../../fixtures/sample/observations.csv");

#[derive(Parser, Debug)]
#[command(name = "innogauge", version, about = "InnoGauge 科创目标仪表: Chongqing's sci-tech targets, tracked")]
struct Cli {
    /// Database: a `postgres://` URL, or a SQLite file (`sqlite://path` or a plain path).
    #[arg(long, global = true, env = "INNOGAUGE_DATABASE_URL", default_value = "sqlite://data/innogauge.db")]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "INNOGAUGE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Origins allowed to read the API from a browser (default: any).
    #[arg(long = "cors-origin", env = "INNOGAUGE_CORS_ORIGINS", value_delimiter = ',')]
    cors_origins: Vec<String>,
    /// Largest upload, bytes.
    #[arg(long, env = "INNOGAUGE_MAX_UPLOAD_BYTES", default_value_t = 64 * 1024 * 1024)]
    max_upload_bytes: usize,
    /// Most data rows in one upload.
    #[arg(long, env = "INNOGAUGE_MAX_ROWS", default_value_t = 1_000_000)]
    max_rows: usize,
    /// Uploads per minute per token and per client address.
    #[arg(long, env = "INNOGAUGE_UPLOADS_PER_MINUTE", default_value_t = 30)]
    uploads_per_minute: u32,
    /// Write a verified backup into this directory on a schedule (see --backup-every, --keep).
    #[arg(long, env = "INNOGAUGE_BACKUP_DIR")]
    backup_dir: Option<PathBuf>,
    /// How often to back up (`6h`, `30m`, `1d`).
    #[arg(long, env = "INNOGAUGE_BACKUP_EVERY", default_value = "6h", value_parser = humantime::parse_duration)]
    backup_every: std::time::Duration,
    /// How many scheduled backups to keep (the oldest are removed).
    #[arg(long, env = "INNOGAUGE_BACKUP_KEEP", default_value_t = 28)]
    keep: usize,
    /// Serve the widget bundle from this directory (as `cargo xtask dist` writes it) instead of
    /// the one built in: to try a new bundle, or an upgrade, without rebuilding.
    #[arg(long, env = "INNOGAUGE_WIDGETS_DIR")]
    widgets_dir: Option<PathBuf>,
    /// Where the reports' fonts are (Noto Sans CJK; read when the first report is made).
    #[arg(long, env = "INNOGAUGE_FONT_DIR", default_value = report::pdf::DEFAULT_FONT_DIR)]
    font_dir: PathBuf,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the HTTP server.
    Serve(ServeArgs),
    /// Load the demo data (once), print the progress board, then serve.
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// Load and print, but do not serve.
        #[arg(long)]
        no_serve: bool,
        /// Language of the board: zh or en.
        #[arg(long, default_value = "zh", env = "INNOGAUGE_LANG")]
        lang: String,
    },
    /// Validate and store files (CSV or Excel) through the same path as the API.
    Import {
        /// Files to import, each all-or-nothing.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Period of wide files without a title row.
        #[arg(long)]
        period: Option<String>,
        /// Validate and compare only.
        #[arg(long)]
        dry_run: bool,
    },
    /// Check files exactly as the server will; store nothing.
    Validate {
        /// Files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Period of files that do not state one (2025Q3, 2025年1-9月…).
        #[arg(long)]
        period: Option<String>,
        /// Regions (code or name) the uploader may write (a district statistician's scope).
        #[arg(long = "region")]
        regions: Vec<String>,
        /// Print the report as JSON (the API's shape).
        #[arg(long)]
        json: bool,
        /// Language of the messages: zh or en.
        #[arg(long, default_value = "zh", env = "INNOGAUGE_LANG")]
        lang: String,
    },
    /// The catalogue (indicators, regions, targets): apply a file such as the next plan's
    /// targets, export the one in force, list its revisions.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// The quarterly evaluation report: build one to a file, publish one, list the published.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage web accounts (sign-in at /signin).
    #[command(subcommand)]
    Users(UsersCommand),
    /// Create or upgrade the database schema.
    Migrate,
    /// Write a consistent, verified copy of the database while the server runs (SQLite: a
    /// database file; PostgreSQL: a pg_dump archive in its custom format). Prints the data
    /// version it holds.
    Backup {
        /// Where to write it (written as FILE.partial, renamed once verified).
        file: PathBuf,
    },
    /// Restore a backup into an empty database (the --database); no server may be running on a
    /// SQLite file meanwhile.
    Restore {
        /// A file `innogauge backup` wrote.
        file: PathBuf,
        /// Replace a database that holds data.
        #[arg(long)]
        force: bool,
    },
    /// Write every revision with its upload (who, when, file name, reverts) as CSV or JSON lines:
    /// an archive any other tool can read.
    Export {
        /// Every revision ever written (the only export so far).
        #[arg(long, required = true)]
        all: bool,
        /// `csv` or `jsonl`.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Print the district innovation evaluation (seed 004) as a table.
    Evaluate {
        /// The quarter (2025Q3); the latest that enough districts have data for by default.
        #[arg(long)]
        period: Option<String>,
        /// `target` (default) or `min_max`.
        #[arg(long, default_value = "target")]
        method: String,
        /// Print the API's JSON instead.
        #[arg(long)]
        json: bool,
        /// Language: zh or en.
        #[arg(long, default_value = "zh", env = "INNOGAUGE_LANG")]
        lang: String,
    },
    /// The audit trail of accounts and tokens, newest first: who created, disabled, enabled or
    /// changed what, and every sign-in and failed sign-in with its address.
    Audit {
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Check the database: its own integrity check, every upload whole, every current value
    /// the latest revision. Exit code 1 when anything is wrong. Safe while the server runs.
    Check {
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum CatalogCommand {
    /// Check a catalogue file and apply it as a new revision: entries add or replace by key
    /// (symbol, id, code), `[remove]` takes entries out. Running servers pick it up within a
    /// second. Every problem is listed with its line, and a file with problems changes nothing.
    Apply {
        /// The file (TOML), e.g. plan-2030.toml.
        file: PathBuf,
        /// Check and list the changes only.
        #[arg(long)]
        dry_run: bool,
        /// Who applies it (recorded with the revision).
        #[arg(long, default_value = "console")]
        actor: String,
        /// Language of the messages: zh or en.
        #[arg(long, default_value = "zh", env = "INNOGAUGE_LANG")]
        lang: String,
    },
    /// Print the catalogue in force as a catalogue file (edit a copy and apply it).
    Export {
        /// Write it here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// List the catalogue revisions, newest first.
    History,
}

#[derive(Subcommand, Debug)]
enum ReportCommand {
    /// Build a report from the database to a file, without a server: PDF, or HTML when the
    /// file name ends in `.html`. Marked as a draft: only `publish` makes a report of record.
    Build {
        /// The quarter (2025Q3); the latest that enough districts have data for by default.
        #[arg(long)]
        period: Option<String>,
        /// The file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Language: zh or en.
        #[arg(long, default_value = "zh")]
        lang: String,
        /// Where the report's fonts are (Noto Sans CJK).
        #[arg(long, env = "INNOGAUGE_FONT_DIR", default_value = report::pdf::DEFAULT_FONT_DIR)]
        font_dir: PathBuf,
    },
    /// Publish a quarter's report (both languages, HTML and PDF), stored for good with its data
    /// version; a published quarter is never published again.
    Publish {
        /// The quarter (2025Q3); the latest that enough districts have data for by default.
        period: Option<String>,
        /// Where the report's fonts are (Noto Sans CJK).
        #[arg(long, env = "INNOGAUGE_FONT_DIR", default_value = report::pdf::DEFAULT_FONT_DIR)]
        font_dir: PathBuf,
    },
    /// List the published reports.
    List,
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Create a token and print it once.
    Create {
        /// Who it is for, e.g. "永川区统计局 张三".
        #[arg(long)]
        name: String,
        /// admin, statistician or reader.
        #[arg(long)]
        role: String,
        /// Region codes a statistician may write (repeat).
        #[arg(long = "region")]
        regions: Vec<String>,
        /// Refuse it after this long: `90d` (days) or `12h` (hours); never when absent.
        #[arg(long)]
        expires: Option<String>,
    },
    /// List tokens (never their secrets), with their expiry and last use.
    List,
    /// Revoke a token by id.
    Revoke {
        /// Token id.
        id: i64,
    },
}

#[derive(Subcommand, Debug)]
enum UsersCommand {
    /// Create an account. The password is read from standard input (one line), so it never
    /// appears in the shell history or the process list.
    Add {
        /// Sign-in name, e.g. zhangsan.
        login: String,
        /// Human name recorded on uploads, e.g. "永川区统计局 张三".
        #[arg(long)]
        name: String,
        /// admin, statistician or reader.
        #[arg(long)]
        role: String,
        /// Regions a statistician may write (code or name; repeat).
        #[arg(long = "region")]
        regions: Vec<String>,
    },
    /// List accounts (never their password hashes).
    List,
    /// Disable an account and end its sessions.
    Disable {
        /// Sign-in name.
        login: String,
    },
    /// Enable a disabled account again (back from leave): its uploads keep its name.
    Enable {
        /// Sign-in name.
        login: String,
    },
    /// Set an account's password, read from standard input; every session of it ends.
    Passwd {
        /// Sign-in name.
        login: String,
    },
    /// Set the regions a statistician may write (code or name; repeat --region).
    SetRegions {
        /// Sign-in name.
        login: String,
        /// Regions (code or name; repeat).
        #[arg(long = "region", required = true)]
        regions: Vec<String>,
    },
    /// Print a one-time link (valid 24 h) with which the account's owner sets a new password;
    /// an earlier unused link of that account stops working.
    Reset {
        /// Sign-in name.
        login: String,
        /// The address readers use to reach the server, for the link.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
    /// Change the name recorded on the account's uploads from now on.
    Rename {
        /// Sign-in name.
        login: String,
        /// The new name, e.g. "永川区统计局 李四".
        #[arg(long)]
        name: String,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!("starting the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::from(2)
        }
    }
}

/// The store named by `url`, migrated; for PostgreSQL also the concrete store for `LISTEN`.
async fn open_store(url: &str) -> Result<(Arc<dyn Store>, Option<PostgresStore>)> {
    let (store, postgres): (Arc<dyn Store>, Option<PostgresStore>) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let pg = PostgresStore::open(url).await.context("connecting to PostgreSQL")?;
        (Arc::new(pg.clone()), Some(pg))
    } else {
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        (Arc::new(SqliteStore::open(url).await.with_context(|| format!("opening {url}"))?), None)
    };
    store.migrate().await.context("migrating the schema")?;
    Ok((store, postgres))
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => {
            let (store, postgres) = open_store(&cli.database).await?;
            serve(store, postgres, &args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { serve: args, no_serve, lang } => {
            let (store, postgres) = open_store(&cli.database).await?;
            load_demo(store.clone()).await?;
            let accounts = demo_accounts(&*store).await?;
            let data = data::DataCache::load(store.clone(), data::builtin_catalog()).await?;
            let snapshot = data.current();
            print!("{}", board::progress_board(&snapshot.catalog, &snapshot.dataset, Lang::parse(&lang).unwrap_or_default()));
            let report = demo_report(store.clone(), snapshot, args.font_dir.clone()).await;
            if !no_serve {
                println!(
                    "\nInnoGauge is running: http://{0}/demo  (a demo portal with the widgets; API: http://{0}/api/v1/snapshot; Ctrl-C to stop)",
                    args.listen
                );
                println!("Sign in at http://{}/signin to upload: {accounts}", args.listen);
                if let Some(period) = report {
                    println!(
                        "The {period} evaluation report: http://{0}/reports/{period} (PDF: http://{0}/reports/{period}.pdf)",
                        args.listen
                    );
                }
                serve(store, postgres, &args).await?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { files, period, dry_run } => {
            let (store, _) = open_store(&cli.database).await?;
            let period = period.as_deref().map(Period::parse).transpose().map_err(|e| anyhow::anyhow!("{}", e.message))?;
            import(store, &files, period, dry_run).await
        }
        Command::Validate { files, period, regions, json, lang } => {
            let catalog = cli_catalog(&cli.database).await?;
            validate(&catalog, &files, period.as_deref(), &regions, json, &lang)
        }
        Command::Catalog(command) => {
            let (store, _) = open_store(&cli.database).await?;
            catalog_command(store, command).await
        }
        Command::Report(command) => {
            let (store, _) = open_store(&cli.database).await?;
            report_command(store, command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(command) => {
            let (store, _) = open_store(&cli.database).await?;
            token(&*store, command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Users(command) => {
            let (store, _) = open_store(&cli.database).await?;
            users(&*store, command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            open_store(&cli.database).await?;
            println!("schema up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file } => {
            let (store, _) = open_store(&cli.database).await?;
            let done = backup::backup(&*store, backup::is_postgres(&cli.database), &file).await?;
            println!(
                "backup {}: data version {}, {} uploads, {} revisions, {} current values, {} bytes; verified",
                done.file.display(),
                done.counts.version,
                done.counts.uploads,
                done.counts.revisions,
                done.counts.current_values,
                done.bytes
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file, force } => {
            let counts = backup::restore(&file, &cli.database, force).await?;
            println!(
                "restored {}: data version {}, {} uploads, {} revisions, {} current values; sound",
                file.display(),
                counts.version,
                counts.uploads,
                counts.revisions,
                counts.current_values
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { all: _, format, output } => {
            let (store, _) = open_store(&cli.database).await?;
            let rows = archive::export(&*store, &format, output.as_deref()).await?;
            eprintln!("{rows} revisions exported");
            Ok(ExitCode::SUCCESS)
        }
        Command::Evaluate { period, method, json, lang } => {
            let (store, _) = open_store(&cli.database).await?;
            let data = data::DataCache::load(store, data::builtin_catalog()).await?;
            let snapshot = data.current();
            let catalog = &snapshot.catalog;
            let framework = innogauge_model::evaluation::Framework::builtin();
            let method = innogauge_model::evaluation::Method::parse(&method).context("--method is target or min_max")?;
            let period = match period.as_deref().map(Period::parse).transpose().map_err(|e| anyhow::anyhow!("{}", e.message))? {
                Some(p) => p,
                None => innogauge_model::evaluation::latest_period(catalog, &snapshot.dataset, framework, None)
                    .context("no quarter has the data for an evaluation yet")?,
            };
            let result = innogauge_model::evaluation::evaluate(catalog, &snapshot.dataset, framework, period, method);
            if json {
                println!("{}", serde_json::to_string_pretty(&result)?);
            } else {
                print!("{}", board::evaluation_table(&result, Lang::parse(&lang).unwrap_or_default()));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { limit } => {
            let (store, _) = open_store(&cli.database).await?;
            for e in store.audit_entries(limit.clamp(1, 10_000), None).await? {
                println!(
                    "{:>6}  {}  {:<22}  {:<16}  by {}{}{}",
                    e.id,
                    time::rfc3339(e.at_ms),
                    e.action,
                    e.subject,
                    e.actor,
                    e.address.map(|a| format!(" from {a}")).unwrap_or_default(),
                    e.detail.map(|d| format!("  ({d})")).unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { json } => {
            let (store, _) = open_store(&cli.database).await?;
            let found = store.check().await?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "sound": found.is_sound(), "integrity": found.integrity, "data_version": found.version, "uploads": found.uploads,
                        "revisions": found.revisions, "current_values": found.current_values,
                        "partial_uploads": found.partial_uploads, "stale_current_values": found.stale_current_values,
                    })
                );
            } else {
                println!(
                    "integrity {}; data version {}; {} uploads, {} revisions, {} current values; {} partly stored uploads, {} stale current values: {}",
                    found.integrity,
                    found.version,
                    found.uploads,
                    found.revisions,
                    found.current_values,
                    found.partial_uploads,
                    found.stale_current_values,
                    if found.is_sound() { "sound" } else { "NOT SOUND" }
                );
            }
            Ok(if found.is_sound() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
    }
}

async fn serve(store: Arc<dyn Store>, postgres: Option<PostgresStore>, args: &ServeArgs) -> Result<()> {
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let limits = Limits {
        max_upload_bytes: args.max_upload_bytes,
        max_rows: args.max_rows,
        uploads_per_minute: args.uploads_per_minute,
        ..Limits::default()
    };
    let cors = if args.cors_origins.is_empty() { CorsPolicy::AnyOrigin } else { CorsPolicy::Allow(args.cors_origins.clone()) };
    let mut app = App::new(store, limits, cors, shutdown.clone()).await?;
    if let Some(dir) = &args.widgets_dir {
        app.widgets = bundle::WidgetBundle::from_dir(dir).with_context(|| format!("reading the widget bundle in {}", dir.display()))?;
    }
    let app = Arc::new(app);
    if let Some(dir) = &args.backup_dir {
        let schedule = backup::Schedule { dir: dir.clone(), every: args.backup_every, keep: args.keep };
        tracing::info!(dir = %dir.display(), every = ?args.backup_every, keep = args.keep, "scheduled backups");
        tokio::spawn(backup::run_schedule(app.store.clone(), postgres.is_some(), schedule, app.metrics.clone(), shutdown.clone()));
    }
    app.backups.set(args.backup_dir.clone()).ok();
    app.reports.set_font_dir(args.font_dir.clone());
    tokio::spawn(ingest::follow(app.ingest.clone(), postgres, app.limits.follow_every, shutdown.clone()));
    let listener = tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    tracing::info!(address = %args.listen, "serving");
    let mut done = shutdown.clone();
    let signal = async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        let _ = stop.send(true);
    };
    tokio::spawn(signal);
    http::serve(app, listener, async move {
        let _ = done.wait_for(|stopping| *stopping).await;
    })
    .await;
    Ok(())
}

async fn wait_for_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let Ok(mut terminate) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// The ingestion door for a command-line tool: the same as the server's, with nobody listening.
async fn door(store: Arc<dyn Store>) -> Result<ingest::Ingest> {
    let data = Arc::new(data::DataCache::load(store.clone(), data::builtin_catalog()).await?);
    let limits = Limits::default();
    let (_, nobody) = tokio::sync::watch::channel(false);
    let events = Arc::new(events::Events::new(Arc::new(metrics::Metrics::default()), nobody, limits.heartbeat));
    Ok(ingest::Ingest::new(store, data, events, limits.read()))
}

/// The catalogue a command without a server checks files against: the database's when there
/// is one, else the built-in one (a statistician's own machine).
async fn cli_catalog(database: &str) -> Result<Arc<Catalog>> {
    let local = !database.starts_with("postgres") && !database.trim_start_matches("sqlite://").trim_start_matches("sqlite:").is_empty();
    let exists = !local || std::path::Path::new(database.trim_start_matches("sqlite://").trim_start_matches("sqlite:")).exists();
    if !exists {
        return Ok(data::builtin_catalog());
    }
    let (store, _) = open_store(database).await?;
    let version = store.data_version().await?;
    Ok(data::catalog_at(&*store, &data::builtin_catalog(), version).await?)
}

async fn load_demo(store: Arc<dyn Store>) -> Result<()> {
    let ingest = door(store).await?;
    let request = UploadRequest {
        bytes: DEMO_DATA.to_vec(),
        format: FileFormat::Csv,
        file_name: Some("fixtures/sample/observations.csv".into()),
        options: UploadOptions::default(),
        actor: "demo".into(),
        idempotency_key: Some("innogauge-demo-data".into()),
        dry_run: false,
        grid_rows: None,
    };
    let outcome = ingest.upload(request).await?;
    match outcome.status {
        Status::Committed => tracing::info!(values = outcome.changes.new_total(), "demo data loaded"),
        Status::Duplicate => tracing::info!("demo data already loaded"),
        other => bail!("the embedded demo data was not accepted ({other:?}): {:?}", outcome.report.problems.first()),
    }
    Ok(())
}

async fn import(store: Arc<dyn Store>, files: &[PathBuf], period: Option<Period>, dry_run: bool) -> Result<ExitCode> {
    let ingest = door(store).await?.without_live_snapshot();
    let actor = format!("import:{}", std::env::var("USER").unwrap_or_else(|_| "console".into()));
    let mut all_ok = true;
    let style = indicatif::ProgressStyle::with_template("[{pos}/{len}] {bar:20} {msg} ({elapsed})")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("█░");
    let bar = indicatif::ProgressBar::new(files.len() as u64).with_style(style);
    for file in files {
        bar.set_message(format!("{}: 读取 reading", file.display()));
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        let format = name.as_deref().and_then(FileFormat::from_name).unwrap_or(FileFormat::Csv);
        bar.set_message(format!("{}: 校验与写入 validating and storing {} bytes", file.display(), bytes.len()));
        let request = UploadRequest {
            bytes,
            format,
            file_name: name,
            options: UploadOptions { period, ..UploadOptions::default() },
            actor: actor.clone(),
            idempotency_key: None,
            dry_run,
            grid_rows: None,
        };
        let outcome = ingest.upload(request).await?;
        all_ok &= outcome.status != Status::Rejected;
        bar.inc(1);
        // Always printed, terminal or not (`println` would be silent without a terminal).
        let line = format!(
            "{}: {:?}: {} new, {} revised, {} unchanged, {} error(s), {} warning(s)",
            file.display(),
            outcome.status,
            outcome.changes.new_total(),
            outcome.changes.revised_total(),
            outcome.changes.unchanged,
            outcome.report.errors,
            outcome.report.warnings
        );
        bar.suspend(|| {
            eprintln!("{line}");
            for problem in outcome.report.problems.iter().take(20) {
                eprintln!("    [{} {}] {}", problem.severity, problem.code, problem.message.zh);
            }
        });
    }
    bar.finish_and_clear();
    Ok(if all_ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn validate(catalog: &Catalog, files: &[PathBuf], period: Option<&str>, regions: &[String], json: bool, lang: &str) -> Result<ExitCode> {
    let options = UploadOptions {
        period: period.map(Period::parse).transpose().map_err(|e| anyhow::anyhow!("{}", e.message))?,
        // Names (永川区) as well as codes: the scope is compared by code.
        allowed_regions: if regions.is_empty() { None } else { Some(region_codes(regions)?.into_iter().collect::<BTreeSet<_>>()) },
        ..UploadOptions::default()
    };
    let lang = Lang::parse(lang).unwrap_or_default();
    let mut all_valid = true;
    for file in files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let format = file.to_str().and_then(FileFormat::from_name).unwrap_or(FileFormat::Csv);
        let limits = xlsx::WorkbookLimits::for_upload(options.max_bytes, options.max_rows);
        let upload = ingest::read_file(catalog, &bytes, format, &options, &limits);
        tracing::info!(file = %file.display(), observations = upload.report.observations, errors = upload.report.error_count(), "validated");
        all_valid &= !upload.report.has_errors();
        if json {
            println!("{}", serde_json::to_string_pretty(&ReportWire::from(&upload.report))?);
        } else {
            print!("{}", board::report_text(&file.display().to_string(), &upload.report, lang));
        }
    }
    Ok(if all_valid { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The demo's sign-in accounts (created once, with a password everyone knows: demo only).
async fn demo_accounts(store: &dyn Store) -> Result<String> {
    const PASSWORD: &str = "innogauge-demo";
    let yongchuan = ["500118".to_owned()];
    let accounts: [(&str, &str, &str, &[String]); 2] =
        [("admin", "市科技局 管理员（演示）", "admin", &[]), ("yongchuan", "永川区统计局 张三（演示）", "statistician", &yongchuan)];
    for (login, name, role, regions) in accounts {
        if store.user_by_login(login).await?.is_none() {
            let password_hash = accounts::hash_password(PASSWORD)?;
            store.create_user(NewUser { login, name, role, regions, password_hash: &password_hash, created_at_ms: time::now_ms() }).await?;
        }
    }
    Ok(format!("`admin` or `yongchuan` (永川区), password `{PASSWORD}`"))
}

/// Region codes of `--region` values (codes or names).
fn region_codes(regions: &[String]) -> Result<Vec<String>> {
    let catalog = Catalog::builtin();
    regions
        .iter()
        .map(|region| catalog.region(region).map(|found| found.code.to_string()).with_context(|| format!("unknown region {region:?}")))
        .collect()
}

/// The role and region codes of a new token or account: a statistician needs a region.
fn role_and_scope(role: &str, regions: &[String]) -> Result<(auth::Role, Vec<String>)> {
    let Some(parsed) = auth::Role::parse(role) else { bail!("role must be admin, statistician or reader") };
    let codes = accounts::scope_of(Catalog::builtin(), parsed, regions.iter().map(String::as_str)).map_err(|p| anyhow::anyhow!(p.en))?;
    Ok((parsed, codes))
}

/// One line of standard input, prompting (without echo) when it is a terminal.
fn read_password() -> Result<String> {
    use std::io::{BufRead as _, IsTerminal as _};
    let terminal = std::io::stdin().is_terminal();
    let echo_off = terminal && std::process::Command::new("stty").arg("-echo").status().is_ok_and(|s| s.success());
    if terminal {
        eprint!("Password (at least {} characters): ", accounts::MIN_PASSWORD_CHARS);
    }
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if echo_off {
        let _ = std::process::Command::new("stty").arg("echo").status();
        eprintln!();
    }
    read.context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// A lifetime as `90d` or `12h`, in milliseconds.
fn duration_ms(text: &str) -> Result<i64> {
    let text = text.trim();
    let (number, unit_ms) = match text.chars().last() {
        Some('d') => (&text[..text.len() - 1], 86_400_000),
        Some('h') => (&text[..text.len() - 1], 3_600_000),
        _ => bail!("--expires is a number of days or hours: 90d or 12h"),
    };
    let n: i64 = number.parse().ok().filter(|n| (1..=36_500).contains(n)).with_context(|| format!("--expires {text:?}: 90d or 12h"))?;
    Ok(n * unit_ms)
}

/// The actor of what the command line does (who ran it is the server's shell's business).
const CONSOLE: &str = "console";

async fn users(store: &dyn Store, command: UsersCommand) -> Result<()> {
    match command {
        UsersCommand::Add { login, name, role, regions } => {
            let (parsed, codes) = role_and_scope(&role, &regions)?;
            if let Some(problem) = accounts::login_problem(&login) {
                bail!("{}", problem.en);
            }
            let password = read_password()?;
            if let Some(problem) = accounts::new_password_problem(&password, None) {
                bail!("{}", problem.en);
            }
            let password_hash = accounts::hash_password(&password)?;
            let user = NewUser {
                login: &login,
                name: &name,
                role: parsed.as_str(),
                regions: &codes,
                password_hash: &password_hash,
                created_at_ms: time::now_ms(),
            };
            let record = store.create_user(user).await?;
            audit::record(
                store,
                CONSOLE,
                "user.created",
                &record.login,
                None,
                Some(format!("{} {}{}", record.role, record.name, accounts::scope_text(&codes))),
            )
            .await?;
            println!(
                "account {} ({}, {}{}) created; sign in at /signin",
                record.login,
                record.name,
                record.role,
                accounts::scope_text(&codes)
            );
        }
        UsersCommand::List => {
            for u in store.users().await? {
                let state = u.disabled_at_ms.map_or_else(|| "active".to_owned(), |at| format!("disabled {}", time::rfc3339(at)));
                println!(
                    "{:>4}  {:<16}  {:<12}  {:<24}  {:<20}  created {}  {state}",
                    u.id,
                    u.login,
                    u.role,
                    u.name,
                    u.regions.join(","),
                    time::rfc3339(u.created_at_ms)
                );
            }
        }
        UsersCommand::Disable { login } => {
            if store.disable_user(&login, time::now_ms()).await? {
                audit::record(store, CONSOLE, "user.disabled", &login, None, None).await?;
                println!("account {login} disabled; its sessions are ended");
            } else {
                bail!("no active account {login}");
            }
        }
        UsersCommand::Enable { login } => {
            if store.enable_user(&login).await? {
                audit::record(store, CONSOLE, "user.enabled", &login, None, None).await?;
                println!("account {login} enabled; it may sign in again");
            } else {
                bail!("no disabled account {login}");
            }
        }
        UsersCommand::Passwd { login } => {
            if store.user_by_login(&login).await?.is_none() {
                bail!("no account {login}");
            }
            let password = read_password()?;
            if let Some(problem) = accounts::new_password_problem(&password, None) {
                bail!("{}", problem.en);
            }
            let hash = accounts::hash_password(&password)?;
            if !store.set_user_password(&login, &hash, None).await? {
                bail!("no account {login}");
            }
            audit::record(store, CONSOLE, "user.password_changed", &login, None, None).await?;
            println!("the password of {login} is changed; its sessions are ended");
        }
        UsersCommand::SetRegions { login, regions } => {
            let codes = region_codes(&regions)?;
            if !store.set_user_regions(&login, &codes).await? {
                bail!("no account {login}");
            }
            audit::record(store, CONSOLE, "user.regions_changed", &login, None, Some(codes.join(","))).await?;
            println!("{login} may now write the regions {}", codes.join(", "));
        }
        UsersCommand::Reset { login, base_url } => {
            let Some(issued) = accounts::issue_reset(store, &login, CONSOLE, time::now_ms()).await? else {
                bail!("no active account {login}");
            };
            audit::record(store, CONSOLE, "user.reset_issued", &login, None, None).await?;
            eprintln!("a one-time link for {login} ({}), valid until {}:", issued.user.name, time::rfc3339(issued.expires_at_ms));
            println!("{}", issued.link(&base_url));
        }
        UsersCommand::Rename { login, name } => {
            if name.trim().is_empty() {
                bail!("a name is needed");
            }
            if !store.rename_user(&login, name.trim()).await? {
                bail!("no account {login}");
            }
            audit::record(store, CONSOLE, "user.renamed", &login, None, Some(name.trim().to_owned())).await?;
            println!("{login} is now {}", name.trim());
        }
    }
    Ok(())
}

/// Publishes the demo's latest quarter once (the demo shows a published report); without the
/// fonts it says how to get them and goes on.
async fn demo_report(store: Arc<dyn Store>, snapshot: Arc<data::Snapshot>, font_dir: PathBuf) -> Option<String> {
    let handle = tokio::runtime::Handle::current();
    let outcome = tokio::task::spawn_blocking(move || -> Result<Option<String>> {
        let catalog = snapshot.catalog.clone();
        let period = report::quarter(&catalog, &snapshot.dataset, None)?;
        if handle.block_on(store.published_report(&period.to_string(), "zh"))?.is_some() {
            return Ok(Some(period.to_string()));
        }
        let fonts = report::Fonts::load(&font_dir)?;
        report::publish_blocking(&handle, &*store, &snapshot, &catalog, &fonts, period, "demo")?;
        Ok(Some(period.to_string()))
    })
    .await;
    match outcome {
        Ok(Ok(period)) => period,
        Ok(Err(e)) => {
            eprintln!("The demo report was not published: {e:#}");
            None
        }
        Err(e) => {
            eprintln!("The demo report was not published: {e}");
            None
        }
    }
}

async fn catalog_command(store: Arc<dyn Store>, command: CatalogCommand) -> Result<ExitCode> {
    match command {
        CatalogCommand::Apply { file, dry_run, actor, lang } => {
            let lang = Lang::parse(&lang).context("--lang is zh or en")?;
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            // Catalogue files are written by hand: UTF-8 (with or without BOM) or GB18030, as uploads.
            let (text, _) = innogauge_model::contract::decode(&bytes).map_err(|p| anyhow::anyhow!("{}: {}", file.display(), p.message))?;
            let ingest = door(store).await?;
            let file_name = file.file_name().map(|n| n.to_string_lossy().into_owned());
            let outcome = ingest.apply_catalog(ingest::CatalogRequest { text: text.into_owned(), file_name, actor, dry_run }).await?;
            let say = |m: &innogauge_model::wire::MessageWire| if lang == Lang::Zh { m.zh.clone() } else { m.en.clone() };
            for change in &outcome.changes {
                println!("{}", say(&change.words));
            }
            for problem in &outcome.problems {
                eprintln!("{}", say(&problem.text));
            }
            let verdict = match (outcome.status.as_str(), lang) {
                ("applied", Lang::Zh) => format!("已应用：目录修订为数据版本 {}", outcome.data_version),
                ("applied", Lang::En) => format!("applied: the catalogue revision is data version {}", outcome.data_version),
                ("dry_run", Lang::Zh) => format!("检查通过（未应用），{} 处改动", outcome.changes.len()),
                ("dry_run", Lang::En) => format!("checked, not applied: {} change(s)", outcome.changes.len()),
                ("unchanged", Lang::Zh) => "文件与现行目录相同，未产生新修订".to_owned(),
                ("unchanged", Lang::En) => "the file changes nothing; no revision made".to_owned(),
                (_, Lang::Zh) => format!("未应用：{} 个问题，目录未改变", outcome.problems.len()),
                (_, Lang::En) => format!("not applied: {} problem(s); the catalogue is unchanged", outcome.problems.len()),
            };
            println!("{verdict}");
            Ok(if outcome.status == "rejected" { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        CatalogCommand::Export { output } => {
            let version = store.data_version().await?;
            let catalog = data::catalog_at(&*store, &data::builtin_catalog(), version).await?;
            let text = catalog_file_text(&catalog, version)?;
            match output {
                Some(path) => std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::History => {
            let revisions = store.catalog_revisions().await?;
            if revisions.is_empty() {
                println!("no revision applied: the built-in catalogue is in force");
            }
            for r in revisions {
                println!(
                    "data version {}  {}  {}  {}",
                    r.id,
                    time::rfc3339(r.created_at_ms),
                    r.actor,
                    r.file_name.as_deref().unwrap_or("(no name)")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The catalogue as a file to edit and apply again.
fn catalog_file_text(catalog: &Catalog, version: i64) -> Result<String> {
    let body = toml::to_string(&innogauge_model::catalog_change::CatalogFile::whole(catalog))?;
    Ok(format!(
        "# The InnoGauge catalogue in force at data version {version}. Entries add or replace by key\n# (unit: symbol; group, indicator, target: id; region: code); a [remove] table lists keys\n# to take out. Apply an edited copy with `innogauge catalog apply FILE`.\n\n{body}"
    ))
}

async fn report_command(store: Arc<dyn Store>, command: ReportCommand) -> Result<()> {
    match command {
        ReportCommand::Build { period, output, lang, font_dir } => {
            let data = data::DataCache::load(store, data::builtin_catalog()).await?;
            let snapshot = data.current();
            let asked = period.as_deref().map(Period::parse).transpose().map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let lang = Lang::parse(&lang).context("--lang is zh or en")?;
            let started = std::time::Instant::now();
            let rendition = tokio::task::spawn_blocking(move || -> Result<report::Rendition> {
                let fonts = report::Fonts::load(&font_dir)?;
                let catalog = &snapshot.catalog;
                let period = report::quarter(catalog, &snapshot.dataset, asked)?;
                let data = report::data(catalog, &snapshot.dataset, period, snapshot.version)?;
                Ok(report::render(&data, catalog, Some(map::boundaries()), &fonts, lang, &report::Edition::Draft)?)
            })
            .await??;
            let html = output.extension().is_some_and(|e| e == "html" || e == "htm");
            std::fs::write(&output, if html { &rendition.html } else { &rendition.pdf })
                .with_context(|| format!("writing {}", output.display()))?;
            eprintln!(
                "{} written ({} bytes) in {:.1} s",
                output.display(),
                if html { rendition.html.len() } else { rendition.pdf.len() },
                started.elapsed().as_secs_f64()
            );
        }
        ReportCommand::Publish { period, font_dir } => {
            let data = data::DataCache::load(store.clone(), data::builtin_catalog()).await?;
            let snapshot = data.current();
            let asked = period.as_deref().map(Period::parse).transpose().map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let handle = tokio::runtime::Handle::current();
            let published = tokio::task::spawn_blocking(move || -> Result<Vec<store::PublishedReport>> {
                let fonts = report::Fonts::load(&font_dir)?;
                let catalog = snapshot.catalog.clone();
                let period = report::quarter(&catalog, &snapshot.dataset, asked)?;
                Ok(report::publish_blocking(&handle, &*store, &snapshot, &catalog, &fonts, period, "console")?)
            })
            .await??;
            for r in &published {
                println!(
                    "published {} ({}) at data version {}: {} bytes of PDF, sha256 {}",
                    r.period,
                    r.lang,
                    r.data_version,
                    r.pdf.len(),
                    r.sha256_pdf
                );
            }
        }
        ReportCommand::List => {
            for r in store.published_reports().await? {
                println!(
                    "{}  {}  version {:>6}  {}  {:>9} bytes  {}  {}",
                    r.period, r.lang, r.data_version, r.published_at, r.pdf_bytes, r.actor, r.sha256_pdf
                );
            }
        }
    }
    Ok(())
}

async fn token(store: &dyn Store, command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create { name, role, regions, expires } => {
            let (parsed, codes) = role_and_scope(&role, &regions)?;
            let lifetime = expires.as_deref().map(duration_ms).transpose()?;
            let (secret, hash) = auth::new_token();
            let now = time::now_ms();
            let record = store.create_token(&name, parsed.as_str(), &codes, &hash, now, lifetime.map(|ms| now + ms)).await?;
            audit::record(
                store,
                CONSOLE,
                "token.created",
                &record.id.to_string(),
                None,
                Some(format!("{} {}{}", record.role, record.name, accounts::scope_text(&codes))),
            )
            .await?;
            println!("token {} for {} ({}{}):", record.id, record.name, record.role, accounts::scope_text(&codes));
            println!("{secret}");
            println!("It is shown only now; keep it safe. Use it as `Authorization: Bearer <token>`.");
        }
        TokenCommand::List => {
            let now = time::now_ms();
            for t in store.tokens().await? {
                let state = match (t.revoked_at_ms, t.expires_at_ms) {
                    (Some(at), _) => format!("revoked {}", time::rfc3339(at)),
                    (None, Some(at)) if at <= now => format!("expired {}", time::rfc3339(at)),
                    (None, Some(at)) => format!("active until {}", time::rfc3339(at)),
                    (None, None) => "active".to_owned(),
                };
                let used = t.last_used_at_ms.map_or_else(|| "never used".to_owned(), |at| format!("last used {}", time::rfc3339(at)));
                println!(
                    "{:>4}  {:<12}  {:<24}  {:<20}  created {}  {state}  {used}",
                    t.id,
                    t.role,
                    t.name,
                    t.regions.join(","),
                    time::rfc3339(t.created_at_ms)
                );
            }
        }
        TokenCommand::Revoke { id } => {
            if store.revoke_token(id, time::now_ms()).await? {
                audit::record(store, CONSOLE, "token.revoked", &id.to_string(), None, None).await?;
                println!("token {id} revoked");
            } else {
                bail!("no active token {id}");
            }
        }
    }
    Ok(())
}
