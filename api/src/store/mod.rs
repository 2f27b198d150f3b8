//! Storage behind one trait, with a SQLite and a PostgreSQL implementation (as atuin does),
//! both run through the same test suite.
//!
//! The store is append-only. Every upload is a row in `uploads` (who, when, file name, sha256,
//! counts, its validation report); every value is a row in `revisions` linked to its upload;
//! `current_values` holds the latest revision of each key so reads do not scan history. A
//! revert appends revisions that restore earlier values; nothing is ever deleted or updated in
//! `revisions`. A commit is one transaction: all of an upload or none of it.

mod common;
mod postgres;
mod schema;
mod sqlite;

pub use postgres::PostgresStore;
pub(crate) use postgres::without_password;
pub use sqlite::SqliteStore;

use std::sync::Arc;

use async_trait::async_trait;
use innogauge_model::Decimal;

/// A storage failure. Never shown to users verbatim: the HTTP layer answers 500 with a generic
/// message and logs this.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database said no.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The stored data is not what this version expects.
    #[error("stored data: {0}")]
    Corrupt(String),
    /// A unique name is taken.
    #[error("already exists: {0}")]
    Conflict(String),
    /// A file could not be written or read (backups).
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    /// An outside tool (`pg_dump`, `pg_restore`) failed.
    #[error("{0}")]
    Tool(String),
}

/// What a backup holds: its data version and the counts of the source at that version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackupCounts {
    /// The data version copied.
    pub version: i64,
    /// Uploads up to that version.
    pub uploads: i64,
    /// Revisions of those uploads.
    pub revisions: i64,
    /// Keys with a value (or a withdrawal) at that version: the rows of `current_values`.
    pub current_values: i64,
}

/// One revision with its upload, for the full-history archive (`innogauge export --all`).
#[derive(Clone, Debug, PartialEq)]
pub struct ArchiveRow {
    /// The revision.
    pub revision: RevisionRecord,
    /// Its upload's file name.
    pub file_name: Option<String>,
    /// Upload or revert.
    pub kind: UploadKind,
    /// The upload a revert reverts.
    pub reverts: Option<i64>,
    /// SHA-256 of the upload's file.
    pub sha256: String,
}

pub use innogauge_model::wire::UploadKind;

/// How an upload's kind is stored.
pub(crate) fn kind_text(kind: UploadKind) -> &'static str {
    match kind {
        UploadKind::Upload => "upload",
        UploadKind::Revert => "revert",
        UploadKind::Catalog => "catalog",
    }
}

fn parse_kind(text: &str) -> Result<UploadKind, StoreError> {
    match text {
        "upload" => Ok(UploadKind::Upload),
        "revert" => Ok(UploadKind::Revert),
        "catalog" => Ok(UploadKind::Catalog),
        other => Err(StoreError::Corrupt(format!("unknown upload kind {other:?}"))),
    }
}

/// An upload about to be committed.
#[derive(Clone, Debug)]
pub struct NewUpload {
    /// Who: the token's or account's name.
    pub actor: String,
    /// The file name as sent.
    pub file_name: Option<String>,
    /// SHA-256 of the bytes (hex).
    pub sha256: String,
    /// The client's `Idempotency-Key`, if any.
    pub idempotency_key: Option<String>,
    /// Upload or revert.
    pub kind: UploadKind,
    /// For a revert: the upload it reverts.
    pub reverts: Option<i64>,
    /// Data rows in the file.
    pub rows: i64,
    /// Values not known before.
    pub new_values: i64,
    /// Values that replaced another value.
    pub revised_values: i64,
    /// Values equal to what was known (no revision written).
    pub unchanged_values: i64,
    /// The validation report and change summary (JSON).
    pub report: String,
    /// Unix milliseconds.
    pub created_at_ms: i64,
}

impl NewUpload {
    /// The record of this upload once committed as `id`.
    pub fn recorded(self, id: i64) -> UploadRecord {
        UploadRecord {
            id,
            created_at_ms: self.created_at_ms,
            actor: self.actor,
            file_name: self.file_name,
            sha256: self.sha256,
            idempotency_key: self.idempotency_key,
            kind: self.kind,
            reverts: self.reverts,
            rows: self.rows,
            new_values: self.new_values,
            revised_values: self.revised_values,
            unchanged_values: self.unchanged_values,
            report: self.report,
        }
    }
}

/// A committed upload.
#[derive(Clone, Debug, PartialEq)]
pub struct UploadRecord {
    /// Id, increasing; the data version after this upload is its id.
    pub id: i64,
    /// Unix milliseconds.
    pub created_at_ms: i64,
    /// Who.
    pub actor: String,
    /// File name.
    pub file_name: Option<String>,
    /// SHA-256 hex.
    pub sha256: String,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
    /// Upload or revert.
    pub kind: UploadKind,
    /// The upload a revert reverts.
    pub reverts: Option<i64>,
    /// Data rows.
    pub rows: i64,
    /// New values.
    pub new_values: i64,
    /// Revised values.
    pub revised_values: i64,
    /// Unchanged values.
    pub unchanged_values: i64,
    /// Report JSON.
    pub report: String,
}

/// One value written by a commit: a revision. `value: None` records that a value was
/// withdrawn (a revert of a value that did not exist before).
#[derive(Clone, Debug, PartialEq)]
pub struct NewRevision {
    /// Indicator id. Shared texts (`Arc<str>`): a million revisions name a few dozen
    /// indicators, regions and periods, and the SQLite driver binds an `Arc<str>` without
    /// copying it (a `&str` it copies twice).
    pub indicator: Arc<str>,
    /// Region code.
    pub region: Arc<str>,
    /// Canonical period.
    pub period: Arc<str>,
    /// `Period::month_index`, the key's time part.
    pub month_index: i32,
    /// The value, exactly as reported, or `None` for "no value".
    pub value: Option<Decimal>,
    /// The note.
    pub note: Option<String>,
}

/// The revisions of one commit, made as the store writes them, a batch at a time: a
/// million-row upload is never a million [`NewRevision`]s at once.
pub type Revisions<'a> = dyn ExactSizeIterator<Item = NewRevision> + Send + 'a;

/// A stored revision with its upload.
#[derive(Clone, Debug, PartialEq)]
pub struct RevisionRecord {
    /// Revision id.
    pub id: i64,
    /// Upload id.
    pub upload_id: i64,
    /// Indicator id.
    pub indicator: String,
    /// Region code.
    pub region: String,
    /// Canonical period.
    pub period: String,
    /// Month index.
    pub month_index: i32,
    /// Value, exactly as stored (`None`: withdrawn).
    pub value: Option<Decimal>,
    /// Note.
    pub note: Option<String>,
    /// When the upload was committed.
    pub created_at_ms: i64,
    /// Who committed it.
    pub actor: String,
}

/// The latest value of a key.
#[derive(Clone, Debug, PartialEq)]
pub struct CurrentValue {
    /// Indicator id.
    pub indicator: String,
    /// Region code.
    pub region: String,
    /// Canonical period.
    pub period: String,
    /// Value, exactly as stored.
    pub value: Decimal,
}

/// A committed revision as a process that did not write it learns of it.
#[derive(Clone, Debug, PartialEq)]
pub struct CommittedRevision {
    /// The upload that wrote it.
    pub upload_id: i64,
    /// Indicator id.
    pub indicator: String,
    /// Region code.
    pub region: String,
    /// Canonical period.
    pub period: String,
    /// The value (`None`: withdrawn).
    pub value: Option<Decimal>,
}

/// The store's one write lock, taken before a commit is compared with the current values and
/// held until it commits: no other writer, in this process or any other, can commit in between,
/// so upload ids (the data versions) are assigned in commit order and "old → new" in a report
/// is what the commit really replaced. Dropping it without [`WriteTx::commit`] rolls back.
#[async_trait]
pub trait WriteTx: Send + std::fmt::Debug {
    /// The data version when the lock was taken; it cannot move until the lock ends.
    fn version(&self) -> i64;
    /// Appends an upload and its revisions, updates `current_values`, and commits.
    async fn commit(self: Box<Self>, upload: NewUpload, revisions: &mut Revisions<'_>) -> Result<UploadRecord, StoreError>;
    /// Appends a catalogue revision (an upload row of kind `catalog`, no values) and commits:
    /// from its id on, `document` is the catalogue.
    async fn commit_catalog(self: Box<Self>, upload: NewUpload, document: &str, source: &str) -> Result<UploadRecord, StoreError>;
}

/// A catalogue revision as stored: the data version it was applied as, the whole resulting
/// catalogue (the model's document as JSON) and the file that was applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCatalog {
    /// Its upload id: the data version from which it is in force.
    pub version: i64,
    /// The whole catalogue, `CatalogDocument` as JSON.
    pub document: String,
    /// The catalogue file as applied (TOML).
    pub source: String,
}

/// What reverting one revision of an upload would restore.
#[derive(Clone, Debug, PartialEq)]
pub struct RevertItem {
    /// The revision the upload wrote.
    pub revision: RevisionRecord,
    /// The value before it (`None`: there was none).
    pub previous: Option<Decimal>,
    /// Whether that revision is still the current value (not superseded since).
    pub still_current: bool,
}

/// What [`Store::check`] found: every count is of things that are wrong (all zero and
/// `integrity` "ok" for a sound database).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// The database's own check (`PRAGMA integrity_check` on SQLite; "ok" on PostgreSQL, whose
    /// pages carry checksums when the cluster has them).
    pub integrity: String,
    /// The data version.
    pub version: i64,
    /// Uploads.
    pub uploads: i64,
    /// Revisions.
    pub revisions: i64,
    /// Rows of `current_values`.
    pub current_values: i64,
    /// Uploads whose stored revisions are not as many as they say they wrote (partly stored).
    pub partial_uploads: i64,
    /// Keys whose `current_values` row is not their latest revision, is missing, or has none.
    pub stale_current_values: i64,
}

impl CheckReport {
    /// Whether nothing is wrong.
    pub fn is_sound(&self) -> bool {
        self.integrity == "ok" && self.partial_uploads == 0 && self.stale_current_values == 0
    }
}

/// A stored API token (the secret itself is never stored, only its hash).
#[derive(Clone, Debug, PartialEq)]
pub struct TokenRecord {
    /// Id.
    pub id: i64,
    /// Human name ("永川区统计局 张三").
    pub name: String,
    /// `admin`, `statistician` or `reader`.
    pub role: String,
    /// Region codes a statistician may write.
    pub regions: Vec<String>,
    /// SHA-256 hex of the secret.
    pub hash: String,
    /// Unix milliseconds.
    pub created_at_ms: i64,
    /// Unix milliseconds of revocation.
    pub revoked_at_ms: Option<i64>,
    /// Unix milliseconds after which it is refused (none: it does not expire).
    pub expires_at_ms: Option<i64>,
    /// When it was last presented (to the minute: see `auth::authenticate`).
    pub last_used_at_ms: Option<i64>,
}

/// A published report in one language: both forms, with the data version it was built from.
/// Stored once and never changed.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishedReport {
    /// The quarter (`2025Q3`).
    pub period: String,
    /// `zh` or `en`.
    pub lang: String,
    /// The data version (upload id) it was built from.
    pub data_version: i64,
    /// RFC 3339 UTC time of publication.
    pub published_at: String,
    /// Who published it.
    pub actor: String,
    /// The HTML page.
    pub html: Vec<u8>,
    /// The PDF.
    pub pdf: Vec<u8>,
    /// SHA-256 hex of the PDF.
    pub sha256_pdf: String,
}

/// A published report without its bytes (the list, the feed).
#[derive(Clone, Debug, PartialEq)]
pub struct ReportRecord {
    /// The quarter.
    pub period: String,
    /// `zh` or `en`.
    pub lang: String,
    /// The data version.
    pub data_version: i64,
    /// RFC 3339 UTC time of publication.
    pub published_at: String,
    /// Who published it.
    pub actor: String,
    /// Size of the PDF.
    pub pdf_bytes: i64,
    /// SHA-256 hex of the PDF.
    pub sha256_pdf: String,
}

/// A web account: a person who signs in with a password (the secret is stored only as an
/// argon2id PHC string).
#[derive(Clone, Debug, PartialEq)]
pub struct UserRecord {
    /// Id.
    pub id: i64,
    /// Sign-in name (`zhangsan`), unique.
    pub login: String,
    /// Human name ("永川区统计局 张三"), recorded as the actor of uploads.
    pub name: String,
    /// `admin`, `statistician` or `reader`.
    pub role: String,
    /// Region codes a statistician may write.
    pub regions: Vec<String>,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Unix milliseconds.
    pub created_at_ms: i64,
    /// Unix milliseconds of disabling.
    pub disabled_at_ms: Option<i64>,
    /// Unix milliseconds of the last sign-in.
    pub last_sign_in_at_ms: Option<i64>,
}

/// One entry of the audit trail: who did what to which account or token, when, from where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Id, increasing.
    pub id: i64,
    /// Unix milliseconds.
    pub at_ms: i64,
    /// Who acted: an account's or token's name, `console` for the command line.
    pub actor: String,
    /// What: `user.created`, `user.disabled`, `user.enabled`, `user.password_changed`,
    /// `user.regions_changed`, `user.renamed`, `token.created`, `token.revoked`, `signed_in`,
    /// `sign_in_failed`.
    pub action: String,
    /// The account's login or the token's id it concerns.
    pub subject: String,
    /// The client's address, for actions over HTTP.
    pub address: Option<String>,
    /// More, in words (the new regions, the new name).
    pub detail: Option<String>,
}

/// A new account.
#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    /// Sign-in name.
    pub login: &'a str,
    /// Human name.
    pub name: &'a str,
    /// Role.
    pub role: &'a str,
    /// Region codes.
    pub regions: &'a [String],
    /// argon2id PHC string.
    pub password_hash: &'a str,
    /// Unix milliseconds.
    pub created_at_ms: i64,
}

/// A password-reset link about to be stored (only the SHA-256 of its secret).
#[derive(Clone, Debug)]
pub struct NewPasswordReset<'a> {
    /// SHA-256 hex of the link's secret.
    pub hash: &'a str,
    /// The account's login.
    pub login: &'a str,
    /// Who issued it.
    pub created_by: &'a str,
    /// Unix milliseconds.
    pub created_at_ms: i64,
    /// Unix milliseconds after which the link is void.
    pub expires_at_ms: i64,
}

/// A signed-in browser: the session secret lives only in its cookie; the store keeps its
/// SHA-256 and the CSRF token the pages send back on every state-changing request.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionRecord {
    /// SHA-256 hex of the cookie's secret.
    pub hash: String,
    /// The account.
    pub user: UserRecord,
    /// The CSRF token of this session.
    pub csrf: String,
    /// Unix milliseconds.
    pub created_at_ms: i64,
    /// Unix milliseconds after which the session is void.
    pub expires_at_ms: i64,
}

/// The storage interface of the server.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Creates or upgrades the schema.
    async fn migrate(&self) -> Result<(), StoreError>;
    /// The id of the latest upload (0 when empty): the data version.
    async fn data_version(&self) -> Result<i64, StoreError>;
    /// The catalogue in force at data version `version`: the last revision applied at or
    /// before it (`None`: none was applied, the built-in catalogue is in force).
    async fn catalog_as_of(&self, version: i64) -> Result<Option<StoredCatalog>, StoreError>;
    /// Catalogue revisions applied after data version `after` up to `up_to`, in order.
    async fn catalogs_between(&self, after: i64, up_to: i64) -> Result<Vec<StoredCatalog>, StoreError>;
    /// The catalogue revisions' upload rows, newest first.
    async fn catalog_revisions(&self) -> Result<Vec<UploadRecord>, StoreError>;
    /// Takes the write lock (waiting for any other writer of any process) and opens the
    /// transaction of the next commit.
    async fn begin_write(&self) -> Result<Box<dyn WriteTx>, StoreError>;
    /// Appends an upload and its revisions in one transaction and returns the record (tests;
    /// the server commits through [`crate::ingest::Ingest`], which compares under the lock).
    #[cfg(test)]
    async fn commit(&self, upload: NewUpload, revisions: &[NewRevision]) -> Result<UploadRecord, StoreError> {
        self.begin_write().await?.commit(upload, &mut revisions.iter().cloned()).await
    }
    /// An earlier upload of the same bytes (sha256) or with the same idempotency key.
    async fn find_duplicate(&self, sha256: &str, idempotency_key: Option<&str>) -> Result<Option<UploadRecord>, StoreError>;
    /// Uploads, newest first.
    async fn uploads(&self, limit: i64, before: Option<i64>) -> Result<Vec<UploadRecord>, StoreError>;
    /// One upload.
    async fn upload(&self, id: i64) -> Result<Option<UploadRecord>, StoreError>;
    /// The revisions an upload wrote.
    #[cfg(test)]
    async fn upload_revisions(&self, id: i64) -> Result<Vec<RevisionRecord>, StoreError>;
    /// Checks the stored data against its invariants: the database's own integrity, every upload
    /// whole, `current_values` the latest revision of every key.
    async fn check(&self) -> Result<CheckReport, StoreError>;
    /// Writes a consistent copy of the database at one data version to `to` (SQLite `VACUUM
    /// INTO`, PostgreSQL `pg_dump` in its custom format on an exported snapshot), while writers
    /// go on; returns the version copied and the source's counts at it.
    async fn backup_into(&self, to: &std::path::Path) -> Result<BackupCounts, StoreError>;
    /// The counts of the source as they were at data version `version`.
    async fn counts_at(&self, version: i64) -> Result<BackupCounts, StoreError>;
    /// Calls `visit` with every revision and its upload, oldest first, one at a time.
    async fn each_archive_row(&self, visit: &mut (dyn FnMut(ArchiveRow) + Send)) -> Result<(), StoreError>;
    /// Ids of the uploads after `after` up to `up_to`, in order.
    async fn upload_ids_between(&self, after: i64, up_to: i64) -> Result<Vec<i64>, StoreError>;
    /// Calls `visit` with every revision of the uploads after `after` up to `up_to`, in commit
    /// order, one row at a time: how a process catches up with commits it did not make.
    async fn each_revision_between(
        &self,
        after: i64,
        up_to: i64,
        visit: &mut (dyn FnMut(CommittedRevision) + Send),
    ) -> Result<(), StoreError>;
    /// What reverting an upload would restore, revision by revision.
    async fn revert_plan(&self, id: i64) -> Result<Vec<RevertItem>, StoreError>;
    /// Calls `visit` with every current value, optionally as known right after upload `as_of`,
    /// one row at a time (a snapshot of millions of values is never held twice).
    async fn each_current_value(&self, as_of: Option<i64>, visit: &mut (dyn FnMut(CurrentValue) + Send)) -> Result<(), StoreError>;
    /// Runs the `current_values` refresh of upload `id` again (tests of its guard).
    #[cfg(test)]
    async fn replay_refresh_for_tests(&self, id: i64) -> Result<(), StoreError>;
    /// Every current value, as a list (for tests).
    #[cfg(test)]
    async fn current_values(&self, as_of: Option<i64>) -> Result<Vec<CurrentValue>, StoreError> {
        let mut values = Vec::new();
        self.each_current_value(as_of, &mut |v| values.push(v)).await?;
        Ok(values)
    }
    /// Every revision of one key, oldest first.
    async fn history(&self, indicator: &str, region: &str, month_index: i32) -> Result<Vec<RevisionRecord>, StoreError>;
    /// Stores a new token.
    async fn create_token(
        &self,
        name: &str,
        role: &str,
        regions: &[String],
        hash: &str,
        created_at_ms: i64,
        expires_at_ms: Option<i64>,
    ) -> Result<TokenRecord, StoreError>;
    /// Records that a token was presented at `at_ms`.
    async fn token_used(&self, id: i64, at_ms: i64) -> Result<(), StoreError>;
    /// All tokens.
    async fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;
    /// Revokes a token; false if there is none with that id.
    async fn revoke_token(&self, id: i64, at_ms: i64) -> Result<bool, StoreError>;
    /// The live token with this hash.
    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// Stores a new account; [`StoreError::Conflict`] if the login is taken.
    async fn create_user(&self, user: NewUser<'_>) -> Result<UserRecord, StoreError>;
    /// All accounts.
    async fn users(&self) -> Result<Vec<UserRecord>, StoreError>;
    /// The account with this login (disabled or not).
    async fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, StoreError>;
    /// Disables an account, ends its sessions and voids its reset links; false if there is no
    /// enabled account by that login.
    async fn disable_user(&self, login: &str, at_ms: i64) -> Result<bool, StoreError>;
    /// Enables a disabled account; false when there is no disabled account of that login.
    async fn enable_user(&self, login: &str) -> Result<bool, StoreError>;
    /// Sets an account's password hash and ends every session of it but `keep` (the session
    /// of a user who changed their own password); false when there is no such account.
    async fn set_user_password(&self, login: &str, password_hash: &str, keep: Option<&str>) -> Result<bool, StoreError>;
    /// Stores a password-reset link's hash for the account `login`, void after
    /// `expires_at_ms`; earlier unused links of that account stop working. `None` when there is
    /// no enabled account of that login.
    async fn create_password_reset(&self, reset: NewPasswordReset<'_>) -> Result<Option<UserRecord>, StoreError>;
    /// The enabled account a live (unused, unexpired) reset link belongs to.
    async fn password_reset_user(&self, hash: &str, now_ms: i64) -> Result<Option<UserRecord>, StoreError>;
    /// Uses a live reset link once, in one transaction: marks it used, sets the password and
    /// ends every session of the account. `None` (and nothing changed) when the link is
    /// unknown, used, expired or its account disabled: of two concurrent uses one wins.
    async fn use_password_reset(&self, hash: &str, password_hash: &str, now_ms: i64) -> Result<Option<UserRecord>, StoreError>;
    /// Sets the regions a statistician may write; false when there is no such account.
    async fn set_user_regions(&self, login: &str, regions: &[String]) -> Result<bool, StoreError>;
    /// Renames an account (the name recorded on its uploads from now on); false when none.
    async fn rename_user(&self, login: &str, name: &str) -> Result<bool, StoreError>;
    /// Appends an entry to the audit trail (never changed or removed).
    async fn audit(&self, entry: &AuditRecord) -> Result<(), StoreError>;
    /// Audit entries before id `before` (all when `None`), newest first, at most `limit`.
    async fn audit_entries(&self, limit: i64, before: Option<i64>) -> Result<Vec<AuditRecord>, StoreError>;
    /// Stores a session.
    async fn create_session(&self, hash: &str, user_id: i64, csrf: &str, created_at_ms: i64, expires_at_ms: i64) -> Result<(), StoreError>;
    /// The unexpired session with this hash, of an enabled account.
    async fn session(&self, hash: &str, now_ms: i64) -> Result<Option<SessionRecord>, StoreError>;
    /// Ends a session (and, on the way, every expired one).
    async fn delete_session(&self, hash: &str, now_ms: i64) -> Result<(), StoreError>;

    /// Stores published reports (the languages of one quarter) in one transaction; a report
    /// already published for a quarter and language is never replaced: `Conflict`, and nothing
    /// is stored.
    async fn publish_reports(&self, reports: &[PublishedReport]) -> Result<(), StoreError>;

    /// The published reports without their bytes, newest quarter first.
    async fn published_reports(&self) -> Result<Vec<ReportRecord>, StoreError>;

    /// One published report.
    async fn published_report(&self, period: &str, lang: &str) -> Result<Option<PublishedReport>, StoreError>;
}

fn split_regions(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
pub(crate) mod tests;
