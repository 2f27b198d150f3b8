//! Row → record mapping shared by both databases (generic over the driver's row type), and the
//! queries whose text is the same for both.

use sqlx::{ColumnIndex, Database, Decode, Row, Type};

use super::{RevertItem, RevisionRecord, StoreError, TokenRecord, UploadKind, UploadRecord, split_regions};

/// Reads the column `name`, turning a driver error into a [`StoreError`].
fn get<'r, R, T>(row: &'r R, name: &'static str) -> Result<T, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    T: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get(name).map_err(StoreError::from)
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
        kind: UploadKind::parse(&get::<R, String>(row, "kind")?)?,
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
        value: get(row, "value")?,
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
    Ok(RevertItem { revision: revision(row)?, previous: get(row, "previous")?, still_current: get::<R, i32>(row, "still_current")? == 1 })
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
    })
}

/// A current-value row.
pub fn current<R>(row: &R) -> Result<super::CurrentValue, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Decodes<R::Database>,
    f64: Decodes<R::Database>,
{
    Ok(super::CurrentValue {
        indicator: get(row, "indicator")?,
        region: get(row, "region")?,
        period: get(row, "period")?,
        value: get(row, "value")?,
    })
}

/// Revisions joined with their upload, for one upload or one key.
pub const REVISIONS_OF_UPLOAD: &str =
    "SELECT r.id, r.upload_id, r.indicator, r.region, r.period, r.month_index, r.value, r.note, u.created_at_ms, u.actor
 FROM revisions r JOIN uploads u ON u.id = r.upload_id WHERE r.upload_id = $1 ORDER BY r.id";
/// See [`REVISIONS_OF_UPLOAD`].
pub const HISTORY: &str =
    "SELECT r.id, r.upload_id, r.indicator, r.region, r.period, r.month_index, r.value, r.note, u.created_at_ms, u.actor
 FROM revisions r JOIN uploads u ON u.id = r.upload_id WHERE r.indicator = $1 AND r.region = $2 AND r.month_index = $3 ORDER BY r.id";
/// For every revision of an upload: the value before it and whether it is still current.
pub const REVERT_PLAN: &str =
    "SELECT r.id, r.upload_id, r.indicator, r.region, r.period, r.month_index, r.value, r.note, u.created_at_ms, u.actor,
 (SELECT p.value FROM revisions p WHERE p.indicator = r.indicator AND p.region = r.region AND p.month_index = r.month_index AND p.id < r.id
  ORDER BY p.id DESC LIMIT 1) AS previous,
 CASE WHEN c.revision_id = r.id THEN 1 ELSE 0 END AS still_current
 FROM revisions r JOIN uploads u ON u.id = r.upload_id
 JOIN current_values c ON c.indicator = r.indicator AND c.region = r.region AND c.month_index = r.month_index
 WHERE r.upload_id = $1 ORDER BY r.id";
/// Current values (non-withdrawn).
pub const CURRENT: &str = "SELECT indicator, region, period, value FROM current_values WHERE value IS NOT NULL";
/// Values as known right after upload `$1`.
pub const AS_OF: &str = "SELECT r.indicator, r.region, r.period, r.value FROM revisions r
 JOIN (SELECT MAX(id) AS id FROM revisions WHERE upload_id <= $1 GROUP BY indicator, region, month_index) latest ON latest.id = r.id
 WHERE r.value IS NOT NULL";
/// Token columns.
pub const TOKEN_COLUMNS: &str = "id, name, role, regions, hash, created_at_ms, revoked_at_ms";
