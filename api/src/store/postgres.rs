//! The PostgreSQL store, used when a `postgres://` URL is given. Several `innogauge serve`
//! processes can share one database: each commit sends a `NOTIFY` on [`COMMITS_CHANNEL`] inside
//! its transaction, so every process learns of every commit (and tells its SSE clients).
//! Large uploads' revisions are streamed in with `COPY … FROM STDIN` (text format, blocks of
//! about a MiB); smaller ones are one `UNNEST` insert.

use innogauge_model::Decimal;
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Row as _};

use super::common;
use super::schema::{self, REFRESH_CURRENT, UPLOAD_COLUMNS, USER_COLUMNS};
use super::{
    ArchiveRow, AuditRecord, BackupCounts, CheckReport, CommittedRevision, CurrentValue, NewPasswordReset, NewRevision, NewUpload, NewUser,
    PublishedReport, ReportRecord, RevertItem, RevisionRecord, Revisions, SessionRecord, Store, StoreError, StoredCatalog, TokenRecord,
    UploadRecord, UserRecord, WriteTx,
};

/// Revisions per `UNNEST` insert.
const ROWS_PER_INSERT: usize = 50_000;

/// From this many revisions on, `COPY` (a million took 18.5 s as `UNNEST` batches, 16 s with
/// `COPY`). Below, one `UNNEST` insert: `COPY`'s data and its end are two writes, and with
/// Nagle's algorithm on the client's socket the server's delayed ACK holds the second for 40 ms:
/// a one-value upload took 47 ms instead of 4 (BENCHMARKS.md).
const COPY_FROM: usize = 10_000;

/// Revisions per block of `COPY` data sent (about a MiB at some 50 bytes a line).
const COPY_ROWS_PER_BLOCK: usize = 20_000;

/// Appends one revision as a line of `COPY` text format: tab-separated, `\N` for null.
fn copy_line(out: &mut Vec<u8>, upload_id: i64, revision: &NewRevision) {
    use std::io::Write as _;
    let _ = write!(out, "{upload_id}\t");
    for text in [&revision.indicator, &revision.region, &revision.period] {
        copy_text(out, text);
        out.push(b'\t');
    }
    let _ = write!(out, "{}\t", revision.month_index);
    // The float for SQL that reads `value`, and the exact digits.
    match revision.value {
        Some(value) => {
            let _ = write!(out, "{}\t{value}", value.to_f64());
        }
        None => out.extend_from_slice(b"\\N\t\\N"),
    }
    out.push(b'\t');
    match &revision.note {
        Some(note) => copy_text(out, note),
        None => out.extend_from_slice(b"\\N"),
    }
    out.push(b'\n');
}

/// A text value escaped for `COPY` text format (backslash, tab, newline, carriage return).
fn copy_text(out: &mut Vec<u8>, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            other => out.push(other),
        }
    }
}

/// A connection URL without its password, and the password (for `PGPASSWORD`): a password in
/// a command line is visible to every user of the machine.
pub(crate) fn without_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else { return (url.to_owned(), None) };
    let Some((userinfo, host)) = rest.split_once('@') else { return (url.to_owned(), None) };
    match userinfo.split_once(':') {
        Some((user, password)) => (format!("{scheme}://{user}@{host}"), Some(percent_decode(password))),
        None => (url.to_owned(), None),
    }
}

/// `%40` → `@` in a URL's password.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The advisory lock every writer holds for the length of its transaction.
const WRITE_LOCK: i64 = 4_242_002;

/// The `LISTEN`/`NOTIFY` channel that carries commits between server processes.
pub const COMMITS_CHANNEL: &str = "innogauge_commits";

/// A PostgreSQL database.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// For `pg_dump` and tests; never logged (it may hold a password).
    url: String,
}

impl std::fmt::Debug for PostgresStore {
    /// Without the URL, which may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/db`).
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let pool = PgPoolOptions::new().max_connections(16).connect(url).await?;
        Ok(PostgresStore { pool, url: url.to_owned() })
    }

    /// The URL, for tests that start a second process on the same database.
    #[cfg(test)]
    pub(crate) fn url_for_tests(&self) -> String {
        self.url.clone()
    }

    /// The pool, for tests that create throwaway databases.
    #[cfg(test)]
    pub(crate) fn pool_for_tests(&self) -> PgPool {
        self.pool.clone()
    }

    /// A listener on the commit channel (one per server process).
    pub async fn listen(&self) -> Result<PgListener, StoreError> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(COMMITS_CHANNEL).await?;
        Ok(listener)
    }
}

impl PostgresStore {
    /// A transaction of the shared methods: PostgreSQL's row locks make a plain one enough.
    async fn begin_tx(&self) -> Result<sqlx::Transaction<'_, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }

    /// PostgreSQL checks its pages as it reads them (and their checksums, where the cluster has
    /// them); a query over every table reads them all.
    async fn integrity(&self) -> Result<String, StoreError> {
        sqlx::query("SELECT COUNT(*) FROM uploads, (SELECT COUNT(*) FROM revisions) r, (SELECT COUNT(*) FROM current_values) c")
            .execute(&self.pool)
            .await?;
        Ok("ok".to_owned())
    }
}

common::impl_store! {
    PostgresStore;

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // Several processes may start at once: one migrates, the others wait here.
        sqlx::query("SELECT pg_advisory_xact_lock(4242001)").execute(&mut *tx).await?;
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at_ms BIGINT NOT NULL)")
            .execute(&mut *tx)
            .await?;
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations").fetch_all(&mut *tx).await?;
        for (version, sql) in schema::POSTGRES {
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
            tracing::info!(version, "postgres schema migrated");
        }
        tx.commit().await?;
        Ok(())
    }

    async fn backup_into(&self, to: &std::path::Path) -> Result<BackupCounts, StoreError> {
        // pg_dump on a snapshot exported from our own transaction: the dump and the counts
        // read here are of the very same data version.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
        let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()").fetch_one(&mut *tx).await?;
        let version = sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM uploads").fetch_one(&mut *tx).await?.unwrap_or(0);
        let (uploads, revisions, current_values): (i64, i64, i64) = sqlx::query_as(common::COUNTS_AT).bind(version).fetch_one(&mut *tx).await?;
        let (url, password) = without_password(&self.url);
        let mut command = tokio::process::Command::new("pg_dump");
        command.args(["--format=custom", "--no-owner", "--no-privileges", "--snapshot", &snapshot, "--file"]).arg(to).arg("--dbname").arg(&url);
        if let Some(password) = password {
            command.env("PGPASSWORD", password);
        }
        let output = command.output().await.map_err(|e| StoreError::Tool(format!("starting pg_dump: {e}")))?;
        tx.commit().await?;
        if !output.status.success() {
            return Err(StoreError::Tool(format!("pg_dump failed: {}", String::from_utf8_lossy(&output.stderr).trim())));
        }
        Ok(BackupCounts { version, uploads, revisions, current_values })
    }

    async fn begin_write(&self) -> Result<Box<dyn WriteTx>, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Every writer of every process takes this lock first and holds it to the end of its
        // transaction: commits happen one at a time, so an upload's id, taken after the lock,
        // is in commit order and `MAX(id)` never passes a commit still in flight.
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITE_LOCK).execute(&mut *tx).await?;
        let version = sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM uploads").fetch_one(&mut *tx).await?.unwrap_or(0);
        Ok(Box::new(PostgresWrite { tx, version }))
    }
}

/// A PostgreSQL write transaction holding [`WRITE_LOCK`].
#[derive(Debug)]
struct PostgresWrite {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
    version: i64,
}

#[async_trait::async_trait]
impl WriteTx for PostgresWrite {
    fn version(&self) -> i64 {
        self.version
    }

    async fn commit(self: Box<Self>, upload: NewUpload, revisions: &mut Revisions<'_>) -> Result<UploadRecord, StoreError> {
        let mut tx = self.tx;
        let id: i64 = common::insert_upload(&upload).fetch_one(&mut *tx).await?;
        if revisions.len() >= COPY_FROM {
            let mut copy = tx
                .copy_in_raw("COPY revisions (upload_id, indicator, region, period, month_index, value, value_text, note) FROM STDIN")
                .await?;
            loop {
                let mut block = Vec::with_capacity(COPY_ROWS_PER_BLOCK * 64);
                for revision in (&mut *revisions).take(COPY_ROWS_PER_BLOCK) {
                    copy_line(&mut block, id, &revision);
                }
                if block.is_empty() {
                    break;
                }
                if let Err(e) = copy.send(block).await {
                    // Leave the connection usable; the transaction rolls back when dropped.
                    let _ = copy.abort("the upload could not be sent").await;
                    return Err(e.into());
                }
            }
            copy.finish().await?;
        } else {
            let mut chunk: Vec<NewRevision> = Vec::new();
            loop {
                chunk.clear();
                chunk.extend((&mut *revisions).take(ROWS_PER_INSERT));
                if chunk.is_empty() {
                    break;
                }
                sqlx::query(
                    "INSERT INTO revisions (upload_id, indicator, region, period, month_index, value, value_text, note)
                     SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::int4[], $6::float8[], $7::text[], $8::text[])",
                )
                .bind(id)
                .bind(chunk.iter().map(|r| &*r.indicator).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| &*r.region).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| &*r.period).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| r.month_index).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| r.value.map(Decimal::to_f64)).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| r.value.map(|v| v.to_string())).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| r.note.as_deref()).collect::<Vec<_>>())
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query(REFRESH_CURRENT).bind(id).execute(&mut *tx).await?;
        // Delivered to every listening process when (and only if) the transaction commits.
        sqlx::query("SELECT pg_notify($1, $2)").bind(COMMITS_CHANNEL).bind(id.to_string()).execute(&mut *tx).await?;
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
        sqlx::query("SELECT pg_notify($1, $2)").bind(COMMITS_CHANNEL).bind(id.to_string()).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(upload.recorded(id))
    }
}

#[cfg(test)]
mod copy_tests {
    use super::*;

    #[test]
    fn copy_lines_escape_text_and_write_nulls() {
        let revision = NewRevision {
            indicator: "tech_smes".into(),
            region: "500118".into(),
            period: "2025Q3".into(),
            month_index: 24308,
            value: Some("1234.50".parse().unwrap()),
            note: Some("含\t制表符\\与\n换行".into()),
        };
        let mut out = Vec::new();
        copy_line(&mut out, 7, &revision);
        copy_line(&mut out, 7, &NewRevision { value: None, note: None, ..revision });
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "7\ttech_smes\t500118\t2025Q3\t24308\t1234.5\t1234.50\t含\\t制表符\\\\与\\n换行\n7\ttech_smes\t500118\t2025Q3\t24308\t\\N\t\\N\t\\N\n"
        );
    }
}
