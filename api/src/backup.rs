//! Backups a statistics office can trust: a consistent copy of the live database at one data
//! version, verified before it is given its name, restored only into an empty database, and on
//! a schedule beside the server, with old copies pruned.
//!
//! A backup is written to `FILE.partial` and renamed to `FILE` only after it was checked: a
//! backup cut off (a crash, kill -9, a full disk) leaves nothing that looks complete. SQLite
//! copies are opened and checked (`PRAGMA integrity_check`, every upload whole, `current_values`
//! the latest revisions) and their counts compared with the source's at the copied version;
//! PostgreSQL dumps (`pg_dump` custom format) are listed by `pg_restore --list`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::metrics::Metrics;
use crate::store::{BackupCounts, SqliteStore, Store, StoreError};

/// What went wrong with a backup or a restore.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file could not be written, read or renamed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The copy is not what the source held.
    #[error("the backup does not check out: {0}")]
    Verify(String),
    /// The target of a restore holds data.
    #[error("the database already holds {0} uploads; restore into an empty one, or pass --force to replace it")]
    NotEmpty(i64),
    /// A file that is neither kind of backup.
    #[error("{0} is neither a SQLite backup nor a pg_dump archive")]
    UnknownFormat(String),
}

/// A finished backup.
#[derive(Clone, Debug, PartialEq)]
pub struct Done {
    /// Where it is.
    pub file: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// The data version it holds, and the counts at it.
    pub counts: BackupCounts,
}

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

fn partial(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    file.with_file_name(name)
}

/// Writes a verified backup of `store` to `file`.
pub async fn backup(store: &dyn Store, postgres: bool, file: &Path) -> Result<Done, BackupError> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(dir).await?;
    }
    let temporary = partial(file);
    let _ = tokio::fs::remove_file(&temporary).await;
    let counts = store.backup_into(&temporary).await?;
    let verified = if postgres { verify_dump(&temporary).await } else { verify_copy(&temporary, counts).await };
    if let Err(e) = verified {
        let _ = tokio::fs::remove_file(&temporary).await;
        return Err(e);
    }
    // Durable before it is named: the name says the copy is whole.
    tokio::fs::File::open(&temporary).await?.sync_all().await?;
    tokio::fs::rename(&temporary, file).await?;
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(dir) = tokio::fs::File::open(dir).await
    {
        let _ = dir.sync_all().await;
    }
    let bytes = tokio::fs::metadata(file).await?.len();
    tracing::info!(file = %file.display(), version = counts.version, bytes, "backup written and verified");
    Ok(Done { file: file.to_owned(), bytes, counts })
}

/// Opens a SQLite copy and checks it against the source's counts at its version.
async fn verify_copy(copy: &Path, expected: BackupCounts) -> Result<(), BackupError> {
    let store = SqliteStore::open_copy(&copy.display().to_string()).await?;
    let found = store.check().await;
    store.close().await;
    let found = found?;
    if !found.is_sound() {
        return Err(BackupError::Verify(format!("{found:?}")));
    }
    let counts = (found.version, found.uploads, found.revisions, found.current_values);
    let wanted = (expected.version, expected.uploads, expected.revisions, expected.current_values);
    if counts != wanted {
        return Err(BackupError::Verify(format!(
            "version, uploads, revisions, current values are {counts:?} in the copy and {wanted:?} in the source"
        )));
    }
    Ok(())
}

/// `pg_restore --list`: the archive is whole and readable.
async fn verify_dump(dump: &Path) -> Result<(), BackupError> {
    let output = tokio::process::Command::new("pg_restore")
        .arg("--list")
        .arg(dump)
        .output()
        .await
        .map_err(|e| BackupError::Verify(format!("starting pg_restore: {e}")))?;
    let listing = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || !listing.contains("TABLE DATA") {
        return Err(BackupError::Verify(format!("pg_restore --list: {}", String::from_utf8_lossy(&output.stderr).trim())));
    }
    Ok(())
}

/// What kind of backup a file is, by its first bytes.
fn is_sqlite_file(bytes: &[u8]) -> bool {
    bytes.starts_with(b"SQLite format 3\0")
}

/// Restores `file` into the database at `url`, which must hold no uploads unless `force`.
/// SQLite: the copy becomes the database file (no server may have it open). PostgreSQL:
/// `pg_restore`, replacing what is there when forced.
pub async fn restore(file: &Path, url: &str, force: bool) -> Result<BackupCounts, BackupError> {
    let mut head = [0u8; 16];
    let read = {
        use tokio::io::AsyncReadExt as _;
        tokio::fs::File::open(file).await?.read(&mut head).await?
    };
    let head = &head[..read];
    if is_postgres(url) {
        if !head.starts_with(b"PGDMP") {
            return Err(BackupError::UnknownFormat(file.display().to_string()));
        }
        let target = crate::store::PostgresStore::open(url).await?;
        target.migrate().await?;
        let uploads = target.data_version().await?;
        if uploads > 0 && !force {
            return Err(BackupError::NotEmpty(uploads));
        }
        let (plain, password) = crate::store::without_password(url);
        let mut command = tokio::process::Command::new("pg_restore");
        // The schema comes from the archive: the tables created by `migrate` go first.
        command.args(["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "--dbname"]);
        command.arg(&plain).arg(file);
        if let Some(password) = password {
            command.env("PGPASSWORD", password);
        }
        let output = command.output().await.map_err(|e| BackupError::Verify(format!("starting pg_restore: {e}")))?;
        if !output.status.success() {
            return Err(BackupError::Verify(format!("pg_restore failed: {}", String::from_utf8_lossy(&output.stderr).trim())));
        }
        return checked(&target).await;
    }
    if !is_sqlite_file(head) {
        return Err(BackupError::UnknownFormat(file.display().to_string()));
    }
    let path = PathBuf::from(url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url));
    if tokio::fs::metadata(&path).await.is_ok() {
        let existing = SqliteStore::open(url).await?;
        existing.migrate().await?;
        let uploads = existing.data_version().await?;
        drop(existing);
        if uploads > 0 && !force {
            return Err(BackupError::NotEmpty(uploads));
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(dir).await?;
    }
    let temporary = partial(&path);
    tokio::fs::copy(file, &temporary).await?;
    tokio::fs::File::open(&temporary).await?.sync_all().await?;
    for suffix in ["-wal", "-shm"] {
        let mut stale = path.as_os_str().to_os_string();
        stale.push(suffix);
        let _ = tokio::fs::remove_file(PathBuf::from(stale)).await;
    }
    tokio::fs::rename(&temporary, &path).await?;
    let restored = SqliteStore::open(url).await?;
    restored.migrate().await?;
    checked(&restored).await
}

/// The restored database's counts, once it checks out.
async fn checked(store: &dyn Store) -> Result<BackupCounts, BackupError> {
    let found = store.check().await?;
    if !found.is_sound() {
        return Err(BackupError::Verify(format!("the restored database is not sound: {found:?}")));
    }
    Ok(BackupCounts { version: found.version, uploads: found.uploads, revisions: found.revisions, current_values: found.current_values })
}

/// Backups on a schedule: every `every` into `dir` (`innogauge-YYYYMMDDTHHMMSSZ-v{version}.db`
/// or `.pgdump`), the newest `keep` kept; the last one's time, size and version in `/metrics`.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// Where the copies go.
    pub dir: PathBuf,
    /// How often.
    pub every: Duration,
    /// How many to keep.
    pub keep: usize,
}

/// Runs `schedule` until `shutdown`.
pub async fn run_schedule(
    store: Arc<dyn Store>,
    postgres: bool,
    schedule: Schedule,
    metrics: Arc<Metrics>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(schedule.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tick.tick() => {}
        }
        let name = format!("innogauge-{}.{}", crate::time::compact_utc(crate::time::now_ms()), if postgres { "pgdump" } else { "db" });
        match backup(&*store, postgres, &schedule.dir.join(name)).await {
            Ok(done) => {
                metrics.backed_up(crate::time::now_ms(), done.bytes, done.counts.version);
                if let Err(e) = prune(&schedule.dir, schedule.keep).await {
                    tracing::warn!(%e, "pruning old backups");
                }
            }
            Err(e) => {
                metrics.backup_failed();
                tracing::error!(%e, "scheduled backup failed");
            }
        }
    }
}

/// Keeps the newest `keep` backups in `dir` (by name, which sorts by time) and removes the rest,
/// with any `.partial` file a crash left behind (and a journal beside one).
pub async fn prune(dir: &Path, keep: usize) -> Result<Vec<PathBuf>, std::io::Error> {
    let mut backups = Vec::new();
    let mut removed = Vec::new();
    let mut entries = tokio::fs::read_dir(dir).await?;
    while let Some(entry) = entries.next_entry().await? {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("innogauge-") {
            continue;
        }
        if name.ends_with(".partial") || name.contains(".partial-") {
            tokio::fs::remove_file(&path).await?;
            removed.push(path);
        } else if name.ends_with(".db") || name.ends_with(".pgdump") {
            backups.push(path);
        }
    }
    backups.sort();
    let excess = backups.len().saturating_sub(keep.max(1));
    for path in backups.into_iter().take(excess) {
        tokio::fs::remove_file(&path).await?;
        removed.push(path);
    }
    Ok(removed)
}

/// The newest backup in `dir`: its path, size and modification time.
pub fn latest(dir: &Path) -> Option<(PathBuf, u64, SystemTime)> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("innogauge-") && (n.ends_with(".db") || n.ends_with(".pgdump")))
        })
        .collect();
    found.sort();
    let path = found.pop()?;
    let meta = std::fs::metadata(&path).ok()?;
    Some((path, meta.len(), meta.modified().ok()?))
}
