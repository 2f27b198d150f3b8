//! The SQLite store: the default, one file under `./data/`. WAL mode so readers never wait
//! for the writer, `synchronous=FULL` so a committed upload survives a power cut, and every
//! write transaction opened with `BEGIN IMMEDIATE` so two writers queue on the lock up front
//! instead of failing half-way with `SQLITE_BUSY`.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use innogauge_model::Decimal;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, QueryBuilder, Row as _, Sqlite};

use super::common;
use super::schema::{self, REFRESH_CURRENT, UPLOAD_COLUMNS, USER_COLUMNS};
use super::{
    ArchiveRow, AuditRecord, BackupCounts, CheckReport, CommittedRevision, CurrentValue, NewPasswordReset, NewUpload, NewUser,
    PublishedReport, ReportRecord, RevertItem, RevisionRecord, Revisions, SessionRecord, Store, StoreError, StoredCatalog, TokenRecord,
    UploadRecord, UserRecord, WriteTx,
};

/// SQLite allows 32,766 bound values per statement; 8 per revision row.
const ROWS_PER_INSERT: usize = 4_000;

/// A SQLite database file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://data/innogauge.db` or a path).
    pub async fn open(url: &str) -> Result<SqliteStore, StoreError> {
        let url = if url.starts_with("sqlite:") { url.to_owned() } else { format!("sqlite://{url}") };
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // 16 MiB of page cache (the default is 2 MiB): a large upload updates two indexes and
            // a keyed table, and index pages that stay cached are written once, not re-read.
            // SQLite's own memory is about twice this while it writes; 64 MiB made a million-row
            // import 8 % faster but held 230 MB instead of 135 (BENCHMARKS.md, issue 19).
            .pragma("cache_size", "-16384")
            .pragma("temp_store", "memory")
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        Ok(SqliteStore { pool })
    }

    /// Opens a backup copy to read it: an existing file, turned to the rollback journal, so that
    /// reading it leaves no `-wal` or `-shm` file beside it (a WAL database's readers create
    /// both, and a kill while the copy is open would leave them next to the backup's name).
    pub async fn open_copy(path: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(false)
            .journal_mode(SqliteJournalMode::Delete)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
        Ok(SqliteStore { pool })
    }

    /// The pool, for tests that reach below the trait.
    #[cfg(test)]
    pub(crate) fn pool_for_tests(&self) -> SqlitePool {
        self.pool.clone()
    }

    /// Closes every connection (a dropped pool closes them later, in the background).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl SqliteStore {
    /// A transaction of the shared methods (accounts, resets, reports): `BEGIN IMMEDIATE`, the
    /// write lock taken first. A deferred transaction that reads and then writes fails at once
    /// with "database is locked" when another connection committed since its read (a stale
    /// snapshot, which no busy timeout waits out); immediate ones queue on the lock instead.
    async fn begin_tx(&self) -> Result<sqlx::Transaction<'_, Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }

    /// `PRAGMA integrity_check`: "ok", or what is wrong.
    async fn integrity(&self) -> Result<String, StoreError> {
        let found: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&self.pool).await?;
        Ok(found.join("; "))
    }
}

/// The pending migrations in one transaction on a connection without foreign-key enforcement;
/// refused at the end if any row's foreign key points nowhere.
async fn migrate_on(connection: &mut sqlx::SqliteConnection) -> Result<(), StoreError> {
    use sqlx::Connection as _;
    let mut tx = connection.begin_with("BEGIN IMMEDIATE").await?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations").fetch_all(&mut *tx).await?;
    for (version, sql) in schema::SQLITE {
        if applied.contains(version) {
            continue;
        }
        for statement in schema::statements(sql) {
            sqlx::query(AssertSqlSafe(statement)).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_at_ms) VALUES ($1, $2)")
            .bind(version)
            .bind(crate::time::now_ms())
            .execute(&mut *tx)
            .await?;
        tracing::info!(version, "sqlite schema migrated");
    }
    let dangling = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut *tx).await?;
    if !dangling.is_empty() {
        return Err(StoreError::Corrupt(format!("{} rows refer to rows that do not exist after migrating", dangling.len())));
    }
    tx.commit().await?;
    Ok(())
}

common::impl_store! {
    SqliteStore;

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)")
            .execute(&self.pool)
            .await?;
        // Foreign keys off while migrating, as SQLite's procedure for rebuilding a table asks
        // (the pragma does nothing inside a transaction, so it is set on the connection first).
        let mut connection = self.pool.acquire().await?;
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *connection).await?;
        let migrated = migrate_on(&mut connection).await;
        let restored = sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *connection).await;
        if restored.is_err() {
            // Never hand a connection without foreign keys back to the pool.
            drop(connection.detach());
        }
        migrated?;
        restored?;
        Ok(())
    }

    async fn backup_into(&self, to: &std::path::Path) -> Result<BackupCounts, StoreError> {
        // VACUUM INTO copies one read transaction's view of the database: consistent while
        // writers go on (a file copy of a live WAL database is not).
        let target = to.to_str().ok_or_else(|| StoreError::Tool(format!("{} is not a UTF-8 path", to.display())))?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(&self.pool).await?;
        // The version copied is the copy's own.
        let copy = SqliteStore::open_copy(target).await?;
        let version = copy.data_version().await;
        copy.close().await;
        let version = version?;
        self.counts_at(version).await
    }

    async fn begin_write(&self) -> Result<Box<dyn WriteTx>, StoreError> {
        // IMMEDIATE takes SQLite's one write lock now, for every process on the file.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let version = sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM uploads").fetch_one(&mut *tx).await?.unwrap_or(0);
        Ok(Box::new(SqliteWrite { tx, version }))
    }
}

/// A SQLite write transaction holding the database's write lock.
#[derive(Debug)]
struct SqliteWrite {
    tx: sqlx::Transaction<'static, Sqlite>,
    version: i64,
}

#[async_trait::async_trait]
impl WriteTx for SqliteWrite {
    fn version(&self) -> i64 {
        self.version
    }

    async fn commit(self: Box<Self>, upload: NewUpload, revisions: &mut Revisions<'_>) -> Result<UploadRecord, StoreError> {
        let mut tx = self.tx;
        let id: i64 = common::insert_upload(&upload).fetch_one(&mut *tx).await?;
        // The next batch is made while SQLite (on the driver's own thread) writes this one:
        // making the rows is a third of a large commit, and there are two cores.
        let mut digits = String::new();
        let mut next = insert_batch(id, revisions, &mut digits);
        while let Some(mut insert) = next {
            let (written, following) = tokio::join!(insert.build().execute(&mut *tx), async { insert_batch(id, revisions, &mut digits) });
            written?;
            next = following;
        }
        sqlx::query(REFRESH_CURRENT).bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(upload.recorded(id))
    }

    async fn commit_catalog(self: Box<Self>, upload: NewUpload, document: &str, source: &str) -> Result<UploadRecord, StoreError> {
        let mut tx = self.tx;
        let id: i64 = common::insert_upload(&upload).fetch_one(&mut *tx).await?;
        sqlx::query("INSERT INTO catalogs (upload_id, document, source) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(document)
            .bind(source)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(upload.recorded(id))
    }
}

/// The next (up to) [`ROWS_PER_INSERT`] revisions as one multi-row `INSERT`, or `None` when
/// there are no more.
fn insert_batch(upload_id: i64, revisions: &mut Revisions<'_>, digits: &mut String) -> Option<QueryBuilder<Sqlite>> {
    let mut batch = revisions.take(ROWS_PER_INSERT).peekable();
    batch.peek()?;
    let mut insert =
        QueryBuilder::<Sqlite>::new("INSERT INTO revisions (upload_id, indicator, region, period, month_index, value, value_text, note) ");
    insert.push_values(batch, |mut row, r| {
        row.push_bind(upload_id)
            .push_bind(r.indicator)
            .push_bind(r.region)
            .push_bind(r.period)
            .push_bind(r.month_index)
            .push_bind(r.value.map(Decimal::to_f64))
            .push_bind(r.value.map(|v| Arc::<str>::from(exact_text(digits, v))))
            .push_bind(r.note);
    });
    Some(insert)
}

/// A value's exact digits, written into `buffer` (one allocation a value fewer than `to_string`).
fn exact_text(buffer: &mut String, value: Decimal) -> &str {
    use std::fmt::Write as _;
    buffer.clear();
    let _ = write!(buffer, "{value}");
    buffer
}
