//! The SQLite store: the default, one file under `./data/`. WAL mode so readers never wait
//! for the writer, `synchronous=FULL` so a committed upload survives a power cut, and every
//! write transaction opened with `BEGIN IMMEDIATE` so two writers queue on the lock up front
//! instead of failing half-way with `SQLITE_BUSY`.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite};

use super::rows;
use super::schema::{self, REFRESH_CURRENT, UPLOAD_COLUMNS};
use super::{CurrentValue, NewRevision, NewUpload, RevertItem, RevisionRecord, Store, StoreError, TokenRecord, UploadRecord};

/// SQLite allows 32,766 bound values per statement; 7 per revision row.
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
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        Ok(SqliteStore { pool })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)")
            .execute(&self.pool)
            .await?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
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
        tx.commit().await?;
        Ok(())
    }

    async fn data_version(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM uploads").fetch_one(&self.pool).await?.unwrap_or(0))
    }

    async fn commit(&self, upload: NewUpload, revisions: &[NewRevision]) -> Result<UploadRecord, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO uploads (created_at_ms, actor, file_name, sha256, idempotency_key, kind, reverts, rows, new_values, revised_values, unchanged_values, report)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(upload.created_at_ms)
        .bind(&upload.actor)
        .bind(&upload.file_name)
        .bind(&upload.sha256)
        .bind(&upload.idempotency_key)
        .bind(upload.kind.as_str())
        .bind(upload.reverts)
        .bind(upload.rows)
        .bind(upload.new_values)
        .bind(upload.revised_values)
        .bind(upload.unchanged_values)
        .bind(&upload.report)
        .fetch_one(&mut *tx)
        .await?;
        for chunk in revisions.chunks(ROWS_PER_INSERT) {
            let mut insert =
                QueryBuilder::<Sqlite>::new("INSERT INTO revisions (upload_id, indicator, region, period, month_index, value, note) ");
            insert.push_values(chunk, |mut row, r| {
                row.push_bind(id)
                    .push_bind(r.indicator.as_str())
                    .push_bind(r.region.as_str())
                    .push_bind(r.period.as_str())
                    .push_bind(r.month_index)
                    .push_bind(r.value)
                    .push_bind(r.note.as_deref());
            });
            insert.build().execute(&mut *tx).await?;
        }
        sqlx::query(REFRESH_CURRENT).bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(UploadRecord {
            id,
            created_at_ms: upload.created_at_ms,
            actor: upload.actor,
            file_name: upload.file_name,
            sha256: upload.sha256,
            idempotency_key: upload.idempotency_key,
            kind: upload.kind,
            reverts: upload.reverts,
            rows: upload.rows,
            new_values: upload.new_values,
            revised_values: upload.revised_values,
            unchanged_values: upload.unchanged_values,
            report: upload.report,
        })
    }

    async fn find_duplicate(&self, sha256: &str, idempotency_key: Option<&str>) -> Result<Option<UploadRecord>, StoreError> {
        let sql = format!(
            "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE kind = 'upload' AND (sha256 = $1 OR idempotency_key = $2) ORDER BY id LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql)).bind(sha256).bind(idempotency_key).fetch_optional(&self.pool).await?;
        row.as_ref().map(rows::upload).transpose()
    }

    async fn uploads(&self, limit: i64, before: Option<i64>) -> Result<Vec<UploadRecord>, StoreError> {
        let sql = format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id < $1 ORDER BY id DESC LIMIT $2");
        let found = sqlx::query(AssertSqlSafe(sql)).bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(&self.pool).await?;
        found.iter().map(rows::upload).collect()
    }

    async fn upload(&self, id: i64) -> Result<Option<UploadRecord>, StoreError> {
        let sql = format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(rows::upload).transpose()
    }

    async fn upload_revisions(&self, id: i64) -> Result<Vec<RevisionRecord>, StoreError> {
        let found = sqlx::query(rows::REVISIONS_OF_UPLOAD).bind(id).fetch_all(&self.pool).await?;
        found.iter().map(rows::revision).collect()
    }

    async fn revert_plan(&self, id: i64) -> Result<Vec<RevertItem>, StoreError> {
        let found = sqlx::query(rows::REVERT_PLAN).bind(id).fetch_all(&self.pool).await?;
        found.iter().map(rows::revert_item).collect()
    }

    async fn current_values(&self, as_of: Option<i64>) -> Result<Vec<CurrentValue>, StoreError> {
        let found = match as_of {
            None => sqlx::query(rows::CURRENT).fetch_all(&self.pool).await?,
            Some(upload) => sqlx::query(rows::AS_OF).bind(upload).fetch_all(&self.pool).await?,
        };
        found.iter().map(rows::current).collect()
    }

    async fn history(&self, indicator: &str, region: &str, month_index: i32) -> Result<Vec<RevisionRecord>, StoreError> {
        let found = sqlx::query(rows::HISTORY).bind(indicator).bind(region).bind(month_index).fetch_all(&self.pool).await?;
        found.iter().map(rows::revision).collect()
    }

    async fn create_token(
        &self,
        name: &str,
        role: &str,
        regions: &[String],
        hash: &str,
        created_at_ms: i64,
    ) -> Result<TokenRecord, StoreError> {
        let sql = format!(
            "INSERT INTO tokens (name, role, regions, hash, created_at_ms) VALUES ($1, $2, $3, $4, $5) RETURNING {}",
            rows::TOKEN_COLUMNS
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(name)
            .bind(role)
            .bind(regions.join(","))
            .bind(hash)
            .bind(created_at_ms)
            .fetch_one(&self.pool)
            .await?;
        rows::token(&row)
    }

    async fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let sql = format!("SELECT {} FROM tokens ORDER BY id", rows::TOKEN_COLUMNS);
        let found = sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        found.iter().map(rows::token).collect()
    }

    async fn revoke_token(&self, id: i64, at_ms: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE tokens SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL")
            .bind(at_ms)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let sql = format!("SELECT {} FROM tokens WHERE hash = $1 AND revoked_at_ms IS NULL", rows::TOKEN_COLUMNS);
        let row = sqlx::query(AssertSqlSafe(sql)).bind(hash).fetch_optional(&self.pool).await?;
        row.as_ref().map(rows::token).transpose()
    }
}
