//! What the two stores share: the SQL whose text is the same for both databases, the mapping
//! of rows to records (generic over the driver's row type), and, in [`impl_store!`], every
//! method of [`super::Store`] but the few that differ (migrations, the write lock, bulk
//! inserts, the integrity check).
//!
//! Why a macro and not generic functions over sqlx's `Database`: each shared method binds and
//! decodes several column types, and a generic function needs an `Encode`/`Decode`/`Type` bound
//! per type and an `Executor` bound per lifetime, repeated on every function (the row mappers
//! below show the shape for decoding alone); sqlx's `Any` driver has no `COPY`, arrays or
//! advisory locks, which the PostgreSQL store needs. The macro keeps one text per query; both
//! stores run one test suite (`tests.rs`), so a query that is wrong for one database fails there.

use innogauge_model::Decimal;
use sqlx::{ColumnIndex, Database, Decode, Row, Type};

use super::{RevertItem, RevisionRecord, SessionRecord, StoreError, TokenRecord, UploadRecord, UserRecord, split_regions};

/// Reads the column `name`, turning a driver error into a [`StoreError`].
fn get<'r, R, T>(row: &'r R, name: &'static str) -> Result<T, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    T: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get(name).map_err(StoreError::from)
}

/// A stored value: the exact digits (`value_text`), or, for a revision written before they were
/// kept, the float read back as its shortest decimal.
fn exact<R>(row: &R, value: &'static str, text: &'static str) -> Result<Option<Decimal>, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    Option<f64>: Decodes<R::Database>,
    Option<String>: Decodes<R::Database>,
{
    if let Some(digits) = get::<R, Option<String>>(row, text)? {
        return digits.parse().map(Some).map_err(|_| StoreError::Corrupt(format!("a stored value {digits:?} is not a decimal")));
    }
    Ok(get::<R, Option<f64>>(row, value)?.and_then(Decimal::from_f64))
}

/// The column types every mapper needs.
pub trait Decodes<DB: Database>: for<'r> Decode<'r, DB> + Type<DB> {}
impl<DB: Database, T: for<'r> Decode<'r, DB> + Type<DB>> Decodes<DB> for T {}

/// An upload row (columns of [`super::schema::UPLOAD_COLUMNS`]).
pub fn upload<R>(row: &R) -> Result<UploadRecord, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decodes<R::Database>,
    String: Decodes<R::Database>,
    Option<String>: Decodes<R::Database>,
    Option<i64>: Decodes<R::Database>,
{
    Ok(UploadRecord {
        id: get(row, "id")?,
        created_at_ms: get(row, "created_at_ms")?,
        actor: get(row, "actor")?,
        file_name: get(row, "file_name")?,
        sha256: get(row, "sha256")?,
        idempotency_key: get(row, "idempotency_key")?,
        kind: super::parse_kind(&get::<R, String>(row, "kind")?)?,
        reverts: get(row, "reverts")?,
        rows: get(row, "rows")?,
        new_values: get(row, "new_values")?,
        revised_values: get(row, "revised_values")?,
        unchanged_values: get(row, "unchanged_values")?,
        report: get(row, "report")?,
    })
}

/// A revision row joined with its upload's time and actor.
pub fn revision<R>(row: &R) -> Result<RevisionRecord, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decodes<R::Database>,
    i32: Decodes<R::Database>,
    String: Decodes<R::Database>,
    Option<String>: Decodes<R::Database>,
    Option<f64>: Decodes<R::Database>,
{
    Ok(RevisionRecord {
        id: get(row, "id")?,
        upload_id: get(row, "upload_id")?,
        indicator: get(row, "indicator")?,
        region: get(row, "region")?,
        period: get(row, "period")?,
        month_index: get(row, "month_index")?,
        value: exact(row, "value", "value_text")?,
        note: get(row, "note")?,
        created_at_ms: get(row, "created_at_ms")?,
        actor: get(row, "actor")?,
    })
}

/// A revert-plan row: a revision plus `previous` and `still_current`.
pub fn revert_item<R>(row: &R) -> Result<RevertItem, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decodes<R::Database>,
    i32: Decodes<R::Database>,
    String: Decodes<R::Database>,
    Option<String>: Decodes<R::Database>,
    Option<f64>: Decodes<R::Database>,
{
    Ok(RevertItem {
        revision: revision(row)?,
        previous: exact(row, "previous", "previous_text")?,
        still_current: get::<R, i32>(row, "still_current")? == 1,
    })
}

/// A token row.
pub fn token<R>(row: &R) -> Result<TokenRecord, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decodes<R::Database>,
    String: Decodes<R::Database>,
    Option<i64>: Decodes<R::Database>,
{
    Ok(TokenRecord {
        id: get(row, "id")?,
        name: get(row, "name")?,
        role: get(row, "role")?,
        regions: split_regions(&get::<R, String>(row, "regions")?),
        hash: get(row, "hash")?,
        created_at_ms: get(row, "created_at_ms")?,
        revoked_at_ms: get(row, "revoked_at_ms")?,
        expires_at_ms: get(row, "expires_at_ms")?,
        last_used_at_ms: get(row, "last_used_at_ms")?,
    })
}

/// A user row (columns of [`super::schema::USER_COLUMNS`]).
pub fn user<R>(row: &R) -> Result<UserRecord, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decodes<R::Database>,
    String: Decodes<R::Database>,
    Option<i64>: Decodes<R::Database>,
{
    Ok(UserRecord {
        id: get(row, "id")?,
        login: get(row, "login")?,
        name: get(row, "name")?,
        role: get(row, "role")?,
        regions: split_regions(&get::<R, String>(row, "regions")?),
        password_hash: get(row, "password_hash")?,
        created_at_ms: get(row, "created_at_ms")?,
        disabled_at_ms: get(row, "disabled_at_ms")?,
        last_sign_in_at_ms: get(row, "last_sign_in_at_ms")?,
    })
}

/// A session row joined with its user ([`SESSION`]).
pub fn session<R>(row: &R) -> Result<SessionRecord, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decodes<R::Database>,
    String: Decodes<R::Database>,
    Option<i64>: Decodes<R::Database>,
{
    Ok(SessionRecord {
        hash: get(row, "session_hash")?,
        user: user(row)?,
        csrf: get(row, "session_csrf")?,
        created_at_ms: get(row, "session_created_at_ms")?,
        expires_at_ms: get(row, "session_expires_at_ms")?,
    })
}

/// A live session and its enabled user.
pub const SESSION: &str = "SELECT s.hash AS session_hash, s.csrf AS session_csrf, s.created_at_ms AS session_created_at_ms,
 s.expires_at_ms AS session_expires_at_ms, u.id, u.login, u.name, u.role, u.regions, u.password_hash, u.created_at_ms, u.disabled_at_ms,
 u.last_sign_in_at_ms FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = $1 AND s.expires_at_ms > $2 AND u.disabled_at_ms IS NULL";

/// A current-value row.
pub fn current<R>(row: &R) -> Result<super::CurrentValue, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Decodes<R::Database>,
    Option<String>: Decodes<R::Database>,
    Option<f64>: Decodes<R::Database>,
{
    Ok(super::CurrentValue {
        indicator: get(row, "indicator")?,
        region: get(row, "region")?,
        period: get(row, "period")?,
        value: exact(row, "value", "value_text")?.unwrap_or(Decimal::ZERO),
    })
}

/// The counts of a database at data version `$1`.
pub const COUNTS_AT: &str = "SELECT
 (SELECT COUNT(*) FROM uploads WHERE id <= $1) AS uploads,
 (SELECT COUNT(*) FROM revisions WHERE upload_id <= $1) AS revisions,
 (SELECT COUNT(*) FROM (SELECT 1 FROM revisions WHERE upload_id <= $1 GROUP BY indicator, region, month_index) k) AS current_values";

/// Every revision with its upload, oldest first.
pub const ARCHIVE: &str =
    "SELECT r.id, r.upload_id, r.indicator, r.region, r.period, r.month_index, r.value, r.value_text, r.note, u.created_at_ms, u.actor,
 u.file_name, u.kind, u.reverts, u.sha256 FROM revisions r JOIN uploads u ON u.id = r.upload_id ORDER BY r.id";

/// An archive row ([`ARCHIVE`]).
pub fn archive_row<R>(row: &R) -> Result<super::ArchiveRow, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decodes<R::Database>,
    i32: Decodes<R::Database>,
    String: Decodes<R::Database>,
    Option<String>: Decodes<R::Database>,
    Option<f64>: Decodes<R::Database>,
    Option<i64>: Decodes<R::Database>,
{
    Ok(super::ArchiveRow {
        revision: revision(row)?,
        file_name: get(row, "file_name")?,
        kind: super::parse_kind(&get::<R, String>(row, "kind")?)?,
        reverts: get(row, "reverts")?,
        sha256: get(row, "sha256")?,
    })
}

/// Uploads whose stored revisions are not as many as the values they say they wrote.
pub const PARTIAL_UPLOADS: &str = "SELECT COUNT(*) FROM uploads u
 LEFT JOIN (SELECT upload_id, COUNT(*) AS n FROM revisions GROUP BY upload_id) r ON r.upload_id = u.id
 WHERE COALESCE(r.n, 0) <> u.new_values + u.revised_values";

/// Keys whose `current_values` row is missing, not their latest revision, or without revision.
pub const STALE_CURRENT_VALUES: &str = "SELECT
 (SELECT COUNT(*) FROM (SELECT indicator, region, month_index, MAX(id) AS id FROM revisions GROUP BY indicator, region, month_index) l
   LEFT JOIN current_values c ON c.indicator = l.indicator AND c.region = l.region AND c.month_index = l.month_index
   WHERE c.revision_id IS NULL OR c.revision_id <> l.id)
 + (SELECT COUNT(*) FROM current_values c WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.id = c.revision_id))";

/// A revision row as [`REVISIONS_BETWEEN`] reads it.
pub fn committed_revision<R>(row: &R) -> Result<super::CommittedRevision, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decodes<R::Database>,
    String: Decodes<R::Database>,
    Option<f64>: Decodes<R::Database>,
    Option<String>: Decodes<R::Database>,
{
    Ok(super::CommittedRevision {
        upload_id: get(row, "upload_id")?,
        indicator: get(row, "indicator")?,
        region: get(row, "region")?,
        period: get(row, "period")?,
        value: exact(row, "value", "value_text")?,
    })
}

/// The revisions of the uploads in (`$1`, `$2`], in commit order.
pub const REVISIONS_BETWEEN: &str = "SELECT upload_id, indicator, region, period, value, value_text FROM revisions WHERE upload_id > $1 AND upload_id <= $2 ORDER BY upload_id, id";

/// The revisions of one upload, joined with it (tests).
#[cfg(test)]
pub const REVISIONS_OF_UPLOAD: &str =
    "SELECT r.id, r.upload_id, r.indicator, r.region, r.period, r.month_index, r.value, r.value_text, r.note, u.created_at_ms, u.actor
 FROM revisions r JOIN uploads u ON u.id = r.upload_id WHERE r.upload_id = $1 ORDER BY r.id";
/// Every revision of one key, joined with its upload.
pub const HISTORY: &str =
    "SELECT r.id, r.upload_id, r.indicator, r.region, r.period, r.month_index, r.value, r.value_text, r.note, u.created_at_ms, u.actor
 FROM revisions r JOIN uploads u ON u.id = r.upload_id WHERE r.indicator = $1 AND r.region = $2 AND r.month_index = $3 ORDER BY r.id";
/// For every revision of an upload: the value before it and whether it is still current.
pub const REVERT_PLAN: &str =
    "SELECT r.id, r.upload_id, r.indicator, r.region, r.period, r.month_index, r.value, r.value_text, r.note, u.created_at_ms, u.actor,
 (SELECT p.value FROM revisions p WHERE p.indicator = r.indicator AND p.region = r.region AND p.month_index = r.month_index AND p.id < r.id
  ORDER BY p.id DESC LIMIT 1) AS previous,
 (SELECT p.value_text FROM revisions p WHERE p.indicator = r.indicator AND p.region = r.region AND p.month_index = r.month_index AND p.id < r.id
  ORDER BY p.id DESC LIMIT 1) AS previous_text,
 CASE WHEN c.revision_id = r.id THEN 1 ELSE 0 END AS still_current
 FROM revisions r JOIN uploads u ON u.id = r.upload_id
 JOIN current_values c ON c.indicator = r.indicator AND c.region = r.region AND c.month_index = r.month_index
 WHERE r.upload_id = $1 ORDER BY r.id";
/// Current values (non-withdrawn).
pub const CURRENT: &str = "SELECT indicator, region, period, value, value_text FROM current_values WHERE value IS NOT NULL";
/// Values as known right after upload `$1`.
pub const AS_OF: &str = "SELECT r.indicator, r.region, r.period, r.value, r.value_text FROM revisions r
 JOIN (SELECT MAX(id) AS id FROM revisions WHERE upload_id <= $1 GROUP BY indicator, region, month_index) latest ON latest.id = r.id
 WHERE r.value IS NOT NULL";
/// Inserts an upload and returns its id.
const INSERT_UPLOAD: &str = "INSERT INTO uploads (created_at_ms, actor, file_name, sha256, idempotency_key, kind, reverts, rows, new_values, revised_values, unchanged_values, report)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";

/// The insert of an upload row with its fields bound, for either database.
pub fn insert_upload<'q, DB>(upload: &'q super::NewUpload) -> sqlx::query::QueryScalar<'q, DB, i64, <DB as Database>::Arguments>
where
    DB: Database,
    i64: for<'r> Decode<'r, DB> + Type<DB> + sqlx::Encode<'q, DB>,
    Option<i64>: sqlx::Encode<'q, DB> + Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB> + Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    sqlx::query_scalar(INSERT_UPLOAD)
        .bind(upload.created_at_ms)
        .bind(upload.actor.as_str())
        .bind(upload.file_name.as_deref())
        .bind(upload.sha256.as_str())
        .bind(upload.idempotency_key.as_deref())
        .bind(super::kind_text(upload.kind))
        .bind(upload.reverts)
        .bind(upload.rows)
        .bind(upload.new_values)
        .bind(upload.revised_values)
        .bind(upload.unchanged_values)
        .bind(upload.report.as_str())
}

/// Token columns.
pub const TOKEN_COLUMNS: &str = "id, name, role, regions, hash, created_at_ms, revoked_at_ms, expires_at_ms, last_used_at_ms";

/// The `Store` implementation of a pool-backed store: the methods given (migrations and
/// commits, which differ between the databases) plus the reads and token methods, whose SQL is
/// the same for both. Paths in the shared methods resolve where the macro is used, so both
/// stores import the same names.
macro_rules! impl_store {
    ($store:ty; $($specific:tt)*) => {
        #[async_trait::async_trait]
        impl Store for $store {
            $($specific)*

    async fn data_version(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM uploads").fetch_one(&self.pool).await?.unwrap_or(0))
    }

    async fn find_duplicate(&self, sha256: &str, idempotency_key: Option<&str>) -> Result<Option<UploadRecord>, StoreError> {
        let sql = format!(
            "SELECT {UPLOAD_COLUMNS} FROM uploads u WHERE kind = 'upload' AND (idempotency_key = $2
             OR (sha256 = $1 AND NOT EXISTS (SELECT 1 FROM uploads r WHERE r.reverts = u.id))) ORDER BY id LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql)).bind(sha256).bind(idempotency_key).fetch_optional(&self.pool).await?;
        row.as_ref().map(common::upload).transpose()
    }

    async fn uploads(&self, limit: i64, before: Option<i64>) -> Result<Vec<UploadRecord>, StoreError> {
        let sql = format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id < $1 ORDER BY id DESC LIMIT $2");
        let found = sqlx::query(AssertSqlSafe(sql)).bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(&self.pool).await?;
        found.iter().map(common::upload).collect()
    }

    async fn upload(&self, id: i64) -> Result<Option<UploadRecord>, StoreError> {
        let sql = format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(common::upload).transpose()
    }

    #[cfg(test)]
    async fn replay_refresh_for_tests(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query(super::schema::REFRESH_CURRENT).bind(id).execute(&self.pool).await?;
        Ok(())
    }

    #[cfg(test)]
    async fn upload_revisions(&self, id: i64) -> Result<Vec<RevisionRecord>, StoreError> {
        let found = sqlx::query(common::REVISIONS_OF_UPLOAD).bind(id).fetch_all(&self.pool).await?;
        found.iter().map(common::revision).collect()
    }

    async fn check(&self) -> Result<CheckReport, StoreError> {
        let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).fetch_one(&self.pool);
        Ok(CheckReport {
            integrity: self.integrity().await?,
            version: self.data_version().await?,
            uploads: count("SELECT COUNT(*) FROM uploads").await?,
            revisions: count("SELECT COUNT(*) FROM revisions").await?,
            current_values: count("SELECT COUNT(*) FROM current_values").await?,
            partial_uploads: count(common::PARTIAL_UPLOADS).await?,
            stale_current_values: count(common::STALE_CURRENT_VALUES).await?,
        })
    }

    async fn counts_at(&self, version: i64) -> Result<BackupCounts, StoreError> {
        let (uploads, revisions, current_values): (i64, i64, i64) =
            sqlx::query_as(common::COUNTS_AT).bind(version).fetch_one(&self.pool).await?;
        Ok(BackupCounts { version, uploads, revisions, current_values })
    }

    async fn each_archive_row(&self, visit: &mut (dyn FnMut(ArchiveRow) + Send)) -> Result<(), StoreError> {
        use futures_util::TryStreamExt as _;
        let mut found = sqlx::query(common::ARCHIVE).fetch(&self.pool);
        while let Some(row) = found.try_next().await? {
            visit(common::archive_row(&row)?);
        }
        Ok(())
    }

    async fn catalog_as_of(&self, version: i64) -> Result<Option<StoredCatalog>, StoreError> {
        let row = sqlx::query("SELECT upload_id, document, source FROM catalogs WHERE upload_id <= $1 ORDER BY upload_id DESC LIMIT 1")
            .bind(version)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| Ok(StoredCatalog { version: row.try_get(0)?, document: row.try_get(1)?, source: row.try_get(2)? })).transpose()
    }

    async fn catalogs_between(&self, after: i64, up_to: i64) -> Result<Vec<StoredCatalog>, StoreError> {
        let rows = sqlx::query("SELECT upload_id, document, source FROM catalogs WHERE upload_id > $1 AND upload_id <= $2 ORDER BY upload_id")
            .bind(after)
            .bind(up_to)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| Ok(StoredCatalog { version: row.try_get(0)?, document: row.try_get(1)?, source: row.try_get(2)? })).collect()
    }

    async fn catalog_revisions(&self) -> Result<Vec<UploadRecord>, StoreError> {
        let sql = format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE kind = 'catalog' ORDER BY id DESC");
        let found = sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        found.iter().map(common::upload).collect()
    }

    async fn upload_ids_between(&self, after: i64, up_to: i64) -> Result<Vec<i64>, StoreError> {
        let ids = sqlx::query_scalar::<_, i64>("SELECT id FROM uploads WHERE id > $1 AND id <= $2 ORDER BY id")
            .bind(after)
            .bind(up_to)
            .fetch_all(&self.pool)
            .await?;
        Ok(ids)
    }

    async fn each_revision_between(
        &self,
        after: i64,
        up_to: i64,
        visit: &mut (dyn FnMut(CommittedRevision) + Send),
    ) -> Result<(), StoreError> {
        use futures_util::TryStreamExt as _;
        let mut found = sqlx::query(common::REVISIONS_BETWEEN).bind(after).bind(up_to).fetch(&self.pool);
        while let Some(row) = found.try_next().await? {
            visit(common::committed_revision(&row)?);
        }
        Ok(())
    }

    async fn revert_plan(&self, id: i64) -> Result<Vec<RevertItem>, StoreError> {
        let found = sqlx::query(common::REVERT_PLAN).bind(id).fetch_all(&self.pool).await?;
        found.iter().map(common::revert_item).collect()
    }

    async fn each_current_value(&self, as_of: Option<i64>, visit: &mut (dyn FnMut(CurrentValue) + Send)) -> Result<(), StoreError> {
        use futures_util::TryStreamExt as _;
        let query = match as_of {
            None => sqlx::query(common::CURRENT),
            Some(upload) => sqlx::query(common::AS_OF).bind(upload),
        };
        // Row by row: a million rows fetched at once held several hundred MB that the
        // allocator then kept (measured by the scale bench).
        let mut found = query.fetch(&self.pool);
        while let Some(row) = found.try_next().await? {
            visit(common::current(&row)?);
        }
        Ok(())
    }

    async fn history(&self, indicator: &str, region: &str, month_index: i32) -> Result<Vec<RevisionRecord>, StoreError> {
        let found = sqlx::query(common::HISTORY).bind(indicator).bind(region).bind(month_index).fetch_all(&self.pool).await?;
        found.iter().map(common::revision).collect()
    }

    async fn create_token(
        &self,
        name: &str,
        role: &str,
        regions: &[String],
        hash: &str,
        created_at_ms: i64,
        expires_at_ms: Option<i64>,
    ) -> Result<TokenRecord, StoreError> {
        let sql = format!(
            "INSERT INTO tokens (name, role, regions, hash, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {}",
            common::TOKEN_COLUMNS
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(name)
            .bind(role)
            .bind(regions.join(","))
            .bind(hash)
            .bind(created_at_ms)
            .bind(expires_at_ms)
            .fetch_one(&self.pool)
            .await?;
        common::token(&row)
    }

    async fn token_used(&self, id: i64, at_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE tokens SET last_used_at_ms = $1 WHERE id = $2").bind(at_ms).bind(id).execute(&self.pool).await?;
        Ok(())
    }

    async fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let sql = format!("SELECT {} FROM tokens ORDER BY id", common::TOKEN_COLUMNS);
        let found = sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        found.iter().map(common::token).collect()
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
        let sql = format!("SELECT {} FROM tokens WHERE hash = $1 AND revoked_at_ms IS NULL", common::TOKEN_COLUMNS);
        let row = sqlx::query(AssertSqlSafe(sql)).bind(hash).fetch_optional(&self.pool).await?;
        row.as_ref().map(common::token).transpose()
    }

    async fn create_user(&self, user: NewUser<'_>) -> Result<UserRecord, StoreError> {
        // One statement, not a look-up then an insert: of two servers adding the same login at
        // once, one gets the account and the other a conflict (not the database's error).
        let sql = format!(
            "INSERT INTO users (login, name, role, regions, password_hash, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (login) DO NOTHING RETURNING {}",
            USER_COLUMNS
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(user.login)
            .bind(user.name)
            .bind(user.role)
            .bind(user.regions.join(","))
            .bind(user.password_hash)
            .bind(user.created_at_ms)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => common::user(&row),
            None => Err(StoreError::Conflict(format!("an account named {:?}", user.login))),
        }
    }

    async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
        let found = sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        found.iter().map(common::user).collect()
    }

    async fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE login = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(login).fetch_optional(&self.pool).await?;
        row.as_ref().map(common::user).transpose()
    }

    async fn disable_user(&self, login: &str, at_ms: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_tx().await?;
        let id: Option<i64> =
            sqlx::query_scalar("UPDATE users SET disabled_at_ms = $1 WHERE login = $2 AND disabled_at_ms IS NULL RETURNING id")
                .bind(at_ms)
                .bind(login)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(id) = id {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            // A link issued before the account was disabled must not reopen it later.
            sqlx::query("UPDATE password_resets SET used_at_ms = $1 WHERE user_id = $2 AND used_at_ms IS NULL")
                .bind(at_ms)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id.is_some())
    }

    async fn enable_user(&self, login: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET disabled_at_ms = NULL WHERE login = $1 AND disabled_at_ms IS NOT NULL")
            .bind(login)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_user_password(&self, login: &str, password_hash: &str, keep: Option<&str>) -> Result<bool, StoreError> {
        let mut tx = self.begin_tx().await?;
        let id: Option<i64> = sqlx::query_scalar("UPDATE users SET password_hash = $1 WHERE login = $2 RETURNING id")
            .bind(password_hash)
            .bind(login)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(id) = id {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND hash <> $2").bind(id).bind(keep.unwrap_or("")).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(id.is_some())
    }

    async fn create_password_reset(&self, reset: NewPasswordReset<'_>) -> Result<Option<UserRecord>, StoreError> {
        let mut tx = self.begin_tx().await?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE login = $1 AND disabled_at_ms IS NULL");
        let Some(user) = sqlx::query(AssertSqlSafe(sql)).bind(reset.login).fetch_optional(&mut *tx).await? else {
            return Ok(None);
        };
        let user = common::user(&user)?;
        // One live link per account: the newest one handed over is the one that works.
        sqlx::query("UPDATE password_resets SET used_at_ms = $1 WHERE user_id = $2 AND used_at_ms IS NULL")
            .bind(reset.created_at_ms)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO password_resets (hash, user_id, created_by, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5)")
            .bind(reset.hash)
            .bind(user.id)
            .bind(reset.created_by)
            .bind(reset.created_at_ms)
            .bind(reset.expires_at_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(user))
    }

    async fn password_reset_user(&self, hash: &str, now_ms: i64) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM users WHERE disabled_at_ms IS NULL AND id = (SELECT user_id FROM password_resets WHERE hash = $1 AND used_at_ms IS NULL AND expires_at_ms > $2)",
            USER_COLUMNS
        );
        let row = sqlx::query(AssertSqlSafe(sql)).bind(hash).bind(now_ms).fetch_optional(&self.pool).await?;
        row.as_ref().map(common::user).transpose()
    }

    async fn use_password_reset(&self, hash: &str, password_hash: &str, now_ms: i64) -> Result<Option<UserRecord>, StoreError> {
        let mut tx = self.begin_tx().await?;
        // The conditions are re-checked by the UPDATE itself, under the row's write lock: of two
        // uses at once, the second finds the link used.
        let user_id: Option<i64> = sqlx::query_scalar(
            "UPDATE password_resets SET used_at_ms = $1 WHERE hash = $2 AND used_at_ms IS NULL AND expires_at_ms > $1
             AND user_id IN (SELECT id FROM users WHERE disabled_at_ms IS NULL) RETURNING user_id",
        )
        .bind(now_ms)
        .bind(hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user_id) = user_id else { return Ok(None) };
        let sql = format!("UPDATE users SET password_hash = $1 WHERE id = $2 RETURNING {USER_COLUMNS}");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(password_hash).bind(user_id).fetch_one(&mut *tx).await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(common::user(&row)?))
    }

    async fn set_user_regions(&self, login: &str, regions: &[String]) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET regions = $1 WHERE login = $2").bind(regions.join(",")).bind(login).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn rename_user(&self, login: &str, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET name = $1 WHERE login = $2").bind(name).bind(login).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn audit(&self, entry: &AuditRecord) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO audit (at_ms, actor, action, subject, address, detail) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(entry.at_ms)
            .bind(&entry.actor)
            .bind(&entry.action)
            .bind(&entry.subject)
            .bind(entry.address.as_deref())
            .bind(entry.detail.as_deref())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn audit_entries(&self, limit: i64, before: Option<i64>) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query("SELECT id, at_ms, actor, action, subject, address, detail FROM audit WHERE id < $1 ORDER BY id DESC LIMIT $2")
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditRecord {
                    id: row.try_get(0)?,
                    at_ms: row.try_get(1)?,
                    actor: row.try_get(2)?,
                    action: row.try_get(3)?,
                    subject: row.try_get(4)?,
                    address: row.try_get(5)?,
                    detail: row.try_get(6)?,
                })
            })
            .collect()
    }

    async fn create_session(&self, hash: &str, user_id: i64, csrf: &str, created_at_ms: i64, expires_at_ms: i64) -> Result<(), StoreError> {
        let mut tx = self.begin_tx().await?;
        sqlx::query("INSERT INTO sessions (hash, user_id, csrf, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5)")
            .bind(hash)
            .bind(user_id)
            .bind(csrf)
            .bind(created_at_ms)
            .bind(expires_at_ms)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE users SET last_sign_in_at_ms = $1 WHERE id = $2").bind(created_at_ms).bind(user_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, hash: &str, now_ms: i64) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(common::SESSION).bind(hash).bind(now_ms).fetch_optional(&self.pool).await?;
        row.as_ref().map(common::session).transpose()
    }

    async fn delete_session(&self, hash: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE hash = $1 OR expires_at_ms <= $2").bind(hash).bind(now_ms).execute(&self.pool).await?;
        Ok(())
    }

    async fn publish_reports(&self, reports: &[PublishedReport]) -> Result<(), StoreError> {
        let mut tx = self.begin_tx().await?;
        for report in reports {
            let done = sqlx::query(
                "INSERT INTO reports (period, lang, data_version, published_at, actor, html, pdf, sha256_pdf) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (period, lang) DO NOTHING",
            )
            .bind(&report.period)
            .bind(&report.lang)
            .bind(report.data_version)
            .bind(&report.published_at)
            .bind(&report.actor)
            .bind(&report.html)
            .bind(&report.pdf)
            .bind(&report.sha256_pdf)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                // Dropping the transaction rolls it back: nothing of this publication is kept.
                return Err(StoreError::Conflict(format!("the {} report of {}", report.lang, report.period)));
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn published_reports(&self) -> Result<Vec<ReportRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT period, lang, data_version, published_at, actor, CAST(LENGTH(pdf) AS BIGINT), sha256_pdf FROM reports ORDER BY period DESC, lang DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ReportRecord {
                    period: row.try_get(0)?,
                    lang: row.try_get(1)?,
                    data_version: row.try_get(2)?,
                    published_at: row.try_get(3)?,
                    actor: row.try_get(4)?,
                    pdf_bytes: row.try_get::<Option<i64>, _>(5)?.unwrap_or(0),
                    sha256_pdf: row.try_get(6)?,
                })
            })
            .collect()
    }

    async fn published_report(&self, period: &str, lang: &str) -> Result<Option<PublishedReport>, StoreError> {
        let row = sqlx::query("SELECT period, lang, data_version, published_at, actor, html, pdf, sha256_pdf FROM reports WHERE period = $1 AND lang = $2")
            .bind(period)
            .bind(lang)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(PublishedReport {
                period: row.try_get(0)?,
                lang: row.try_get(1)?,
                data_version: row.try_get(2)?,
                published_at: row.try_get(3)?,
                actor: row.try_get(4)?,
                html: row.try_get(5)?,
                pdf: row.try_get(6)?,
                sha256_pdf: row.try_get(7)?,
            })
        })
        .transpose()
    }
        }
    };
}
pub(crate) use impl_store;
