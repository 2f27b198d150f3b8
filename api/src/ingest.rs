//! Ingestion: the one door by which values enter the store and the snapshot moves, shared by
//! `POST /api/v1/uploads`, reverts and `innogauge import`. Bytes are read by the model's
//! contract (CSV) or through calamine (Excel); any error rejects the whole file; the accepted
//! values are compared with the current ones (new, revised, unchanged, plausibility warnings)
//! under the store's write lock, so "old → new" in a report is what the commit replaced, and
//! committed in one transaction. Commits of other processes arrive through the same door
//! ([`Ingest::catch_up`], driven by [`follow`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use innogauge_model::catalog::{CatalogProblem, Section};
use innogauge_model::catalog_change::{Proposal, propose};
use innogauge_model::contract::{Problem, ProblemCode, Report, Upload, UploadOptions, read_grid, read_upload};
use innogauge_model::evaluation::Framework;
use innogauge_model::observation::Observations;
use innogauge_model::revision::{Changes, compare};
use innogauge_model::wire::{CatalogChangeWire, CatalogOutcome, CatalogProblemWire};
use innogauge_model::wire::{ChangesWire, GridWire, KeyedValueWire, ReportWire, RevisionWire, UploadOutcome, UploadStatus, UploadSummary};
use innogauge_model::{Catalog, Decimal, Observation, Period};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::{Mutex, Semaphore};

use crate::data::{DataCache, Snapshot, Written};
use crate::events::Events;
use crate::store::{NewRevision, NewUpload, Store, StoreError, UploadKind, UploadRecord};
use crate::xlsx::{self, WorkbookError, WorkbookLimits};

/// The format of an upload's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// CSV (or TSV) text.
    Csv,
    /// An Excel workbook.
    Workbook,
}

impl FileFormat {
    /// From a file name's extension; `None` for anything else.
    pub fn from_name(name: &str) -> Option<FileFormat> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") || lower.ends_with(".txt") || lower.ends_with(".tsv") {
            Some(FileFormat::Csv)
        } else if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
            Some(FileFormat::Workbook)
        } else {
            None
        }
    }

    /// From a MIME type; `None` for anything else.
    pub fn from_mime(mime: &str) -> Option<FileFormat> {
        let essence = mime.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match essence.as_str() {
            "text/csv"
            | "text/plain"
            | "text/tab-separated-values"
            | "application/csv"
            | "text/x-csv"
            | "application/x-csv"
            | "text/comma-separated-values" => Some(FileFormat::Csv),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" | "application/vnd.ms-excel.sheet.macroenabled.12" => {
                Some(FileFormat::Workbook)
            }
            _ => None,
        }
    }
}

/// An upload to process.
#[derive(Debug)]
pub struct UploadRequest {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// CSV or workbook.
    pub format: FileFormat,
    /// The file name as sent.
    pub file_name: Option<String>,
    /// How to read it (period, scope, limits).
    pub options: UploadOptions,
    /// Who sends it.
    pub actor: String,
    /// The client's `Idempotency-Key`.
    pub idempotency_key: Option<String>,
    /// Validate and compare only.
    pub dry_run: bool,
    /// Send the file back as a grid of at most this many rows (the upload page shows it).
    pub grid_rows: Option<usize>,
}

/// An upload record as the API shows it.
pub fn summary(u: &UploadRecord) -> UploadSummary {
    UploadSummary {
        id: u.id,
        created_at: crate::time::rfc3339(u.created_at_ms),
        actor: Some(u.actor.clone()),
        file_name: u.file_name.clone(),
        sha256: u.sha256.clone(),
        kind: u.kind,
        reverts: u.reverts,
        rows: u.rows,
        new_values: u.new_values,
        revised_values: u.revised_values,
        unchanged_values: u.unchanged_values,
    }
}

/// Why a revert cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum RevertError {
    /// No upload with that id.
    #[error("no upload {0}")]
    NotFound(i64),
    /// Every value it wrote has been superseded (or it was reverted already).
    #[error("upload {0} has nothing left to revert")]
    NothingToRevert(i64),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What reading an upload may cost the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadLimits {
    /// Largest file, bytes.
    pub max_upload_bytes: usize,
    /// Most data rows.
    pub max_rows: usize,
    /// Bytes of files being read at once. Reading holds about ten times a file's size in
    /// memory (BENCHMARKS.md), so this bounds what uploads can add to the server's memory.
    /// A file larger than the budget waits until it can have all of it.
    pub read_budget_bytes: usize,
    /// Longest one file may take to read and check.
    pub read_timeout: Duration,
}

impl Default for ReadLimits {
    fn default() -> Self {
        let max_upload_bytes = 64 * 1024 * 1024;
        ReadLimits { max_upload_bytes, max_rows: 1_000_000, read_budget_bytes: max_upload_bytes, read_timeout: Duration::from_secs(60) }
    }
}

/// Files up to this size are read beside large ones, without a share of the read budget: a
/// statistician's 300-byte dry run never waits behind someone's 60 MB file.
const SMALL_FILE: usize = 1024 * 1024;
/// Small files read at once.
const SMALL_READERS: usize = 16;

/// The ingestion door of one process: the only owner of commits. It reads and checks a file
/// (off the async runtime, within the read budget, without any lock), then, holding the
/// store's write lock, catches up with every commit made elsewhere, compares, commits, advances
/// the snapshot and announces the commit, all in one pass. Commits of other processes come in
/// through [`Ingest::catch_up`], the same door, so snapshots and events follow the store's
/// commit order in every process.
#[derive(Debug)]
pub struct Ingest {
    store: Arc<dyn Store>,
    data: Arc<DataCache>,
    events: Arc<Events>,
    limits: ReadLimits,
    /// One commit at a time in this process: they would queue on the store's write lock
    /// anyway, each holding a pooled connection.
    writer: Mutex<()>,
    /// Snapshot moves and their announcements, one at a time and in version order.
    apply: Mutex<()>,
    /// The read budget, in KiB.
    reading: Arc<Semaphore>,
    /// Places for small files.
    small: Arc<Semaphore>,
    /// Whether a commit advances the in-memory snapshot (see [`Ingest::without_live_snapshot`]).
    live_snapshot: bool,
}

impl Ingest {
    /// A door over a store, its snapshot and its event hub.
    pub fn new(store: Arc<dyn Store>, data: Arc<DataCache>, events: Arc<Events>, limits: ReadLimits) -> Ingest {
        let budget_kib = (limits.read_budget_bytes / 1024).clamp(1, Semaphore::MAX_PERMITS);
        Ingest {
            store,
            data,
            events,
            limits,
            writer: Mutex::new(()),
            apply: Mutex::new(()),
            reading: Arc::new(Semaphore::new(budget_kib)),
            small: Arc::new(Semaphore::new(SMALL_READERS)),
            live_snapshot: true,
        }
    }

    /// For a command that commits and ends (`innogauge import`): a commit leaves the in-memory
    /// snapshot behind instead of advancing it. Nobody reads it, and after a million new values
    /// it is the largest thing such a command would hold (BENCHMARKS.md); a later file of the
    /// same command catches up from the store under the write lock, as after another process's
    /// commit.
    pub fn without_live_snapshot(mut self) -> Ingest {
        self.live_snapshot = false;
        self
    }

    /// Brings the snapshot up to the store's data version, announcing every commit it applies
    /// (those of other processes), in order.
    pub async fn catch_up(&self) -> Result<Arc<Snapshot>, StoreError> {
        let _apply = self.apply.lock().await;
        let (snapshot, applied) = self.data.catch_up().await?;
        for commit in applied {
            self.events.announce(&commit.event());
        }
        Ok(snapshot)
    }

    /// After this process committed `version` on top of `base`: the snapshot advances with what
    /// was written, and the commit is announced. If the follower has already read the commit
    /// back from the store, there is nothing left to do.
    async fn publish(&self, base: &Snapshot, version: i64, written: impl Iterator<Item = Written> + Send) -> Result<(), StoreError> {
        if !self.live_snapshot {
            return Ok(());
        }
        let _apply = self.apply.lock().await;
        let current = self.data.current().version;
        if current >= version {
            return Ok(());
        }
        if current != base.version {
            drop(_apply);
            self.catch_up().await?;
            return Ok(());
        }
        let applied = self.data.advance(base, version, written);
        self.events.announce(&applied.event());
        Ok(())
    }

    /// Reads, checks, compares and (unless a dry run) commits an upload. A file checked
    /// against a catalogue that a revision replaced before the write lock was taken is read
    /// again under the new one (its indicators, names and limits may differ).
    pub async fn upload(&self, request: UploadRequest) -> Result<UploadOutcome, StoreError> {
        let mut bytes = Arc::new(request.bytes);
        let mut attempt = 0;
        loop {
            let catalog = self.data.catalog();
            // The bytes go with the attempt: once its catalogue is known to hold they are let go
            // before the commit, and come back only for another reading.
            let attempted = UploadAttempt {
                bytes,
                format: request.format,
                file_name: request.file_name.clone(),
                options: request.options.clone(),
                actor: request.actor.clone(),
                idempotency_key: request.idempotency_key.clone(),
                dry_run: request.dry_run,
                grid_rows: request.grid_rows,
            };
            match self.try_upload(attempted, catalog).await? {
                Attempt::Done(outcome) => return Ok(*outcome),
                Attempt::CatalogChanged(again) if attempt < 3 => {
                    attempt += 1;
                    bytes = again;
                    tracing::info!(attempt, "the catalogue changed while the upload was read; reading it again");
                }
                Attempt::CatalogChanged(_) => {
                    return Err(StoreError::Conflict("the catalogue kept changing while the upload was read".to_owned()));
                }
            }
        }
    }

    async fn try_upload(&self, request: UploadAttempt, catalog: Arc<Catalog>) -> Result<Attempt, StoreError> {
        let started = Instant::now();
        let UploadAttempt { bytes, format, file_name, options, actor, idempotency_key, dry_run, grid_rows } = request;
        let (upload, sha256, grid) = self.read(bytes.clone(), format, options, grid_rows, catalog.clone()).await;
        let read_ms = started.elapsed().as_millis();
        if upload.report.has_errors() {
            let report = ReportWire::from(&upload.report);
            tracing::info!(errors = report.errors, warnings = report.warnings, read_ms, "upload rejected");
            let data_version = self.data.current().version;
            return Ok(Attempt::Done(Box::new(UploadOutcome {
                status: UploadStatus::Rejected,
                upload: None,
                report,
                changes: ChangesWire::default(),
                data_version,
                grid,
            })));
        }
        if dry_run {
            let snapshot = self.catch_up().await?;
            let (upload, changes) = self.compare(&snapshot, upload).await?;
            let report = ReportWire::from(&upload.report);
            tracing::info!(errors = report.errors, warnings = report.warnings, read_ms, "upload checked (dry run)");
            let changes = ChangesWire::of(&changes, &upload.observations, &snapshot.dataset);
            return Ok(Attempt::Done(Box::new(UploadOutcome {
                status: UploadStatus::DryRun,
                upload: None,
                report,
                changes,
                data_version: snapshot.version,
                grid,
            })));
        }
        let _writer = self.writer.lock().await;
        let lock_wait_started = Instant::now();
        let tx = self.store.begin_write().await?;
        let locked_ms = lock_wait_started.elapsed().as_millis();
        let snapshot = self.catch_up().await?;
        if snapshot.version != tx.version() {
            return Err(StoreError::Corrupt(format!("snapshot at {} while the store is at {}", snapshot.version, tx.version())));
        }
        if !Arc::ptr_eq(&catalog, &snapshot.catalog) {
            return Ok(Attempt::CatalogChanged(bytes));
        }
        // Read under the catalogue in force: the file is not needed again. A large one is let
        // go before the commit, where the store's cache grows (BENCHMARKS.md, peak memory).
        drop(bytes);
        // Checked under the lock: two copies of one file sent at once commit once.
        if let Some(earlier) = self.store.find_duplicate(&sha256, idempotency_key.as_deref()).await? {
            drop(tx);
            tracing::info!(upload = earlier.id, "duplicate upload: nothing new stored");
            let report = serde_json::from_str::<StoredReport>(&earlier.report).map(|r| r.report).ok();
            return Ok(Attempt::Done(Box::new(UploadOutcome {
                status: UploadStatus::Duplicate,
                upload: Some(summary(&earlier)),
                report: report.unwrap_or_else(|| ReportWire::from(&Report::default())),
                changes: ChangesWire::default(),
                data_version: snapshot.version,
                grid,
            })));
        }
        let (upload, changes) = self.compare(&snapshot, upload).await?;
        let report = ReportWire::from(&upload.report);
        let changes_wire = ChangesWire::of(&changes, &upload.observations, &snapshot.dataset);
        let compared_ms = started.elapsed().as_millis();
        let observations = &upload.observations;
        // Made as they are written, never all at once.
        let mut periods = std::collections::HashMap::new();
        let mut revisions = Counted::new(
            changes.written().filter_map(|i| observations.get(i)).map(|o| new_revision(o, &mut periods)),
            changes.written_count(),
        );
        let written = changes.written().filter_map(|i| observations.get(i)).map(|o| Written {
            indicator: o.indicator,
            region: o.region,
            period: o.period,
            value: Some(o.value),
        });
        let record = NewUpload {
            actor,
            file_name,
            sha256,
            idempotency_key,
            kind: UploadKind::Upload,
            reverts: None,
            rows: i64::from(upload.report.data_rows),
            new_values: count(changes.new_count()),
            revised_values: count(changes.revised_count()),
            unchanged_values: count(changes.unchanged_count()),
            report: StoredReport::json(&report, &changes_wire),
            created_at_ms: crate::time::now_ms(),
        };
        let stored = tx.commit(record, &mut revisions).await?;
        let committed_ms = started.elapsed().as_millis();
        self.publish(&snapshot, stored.id, written).await?;
        tracing::info!(
            upload = stored.id,
            actor = %stored.actor,
            new = stored.new_values,
            revised = stored.revised_values,
            read_ms,
            locked_ms,
            compared_ms,
            committed_ms,
            published_ms = started.elapsed().as_millis(),
            "upload committed"
        );
        Ok(Attempt::Done(Box::new(UploadOutcome {
            status: UploadStatus::Committed,
            upload: Some(summary(&stored)),
            report,
            changes: changes_wire,
            data_version: stored.id,
            grid,
        })))
    }

    /// Reads and checks a file off the async runtime, within the read budget and the time
    /// limit, and hashes it. Never fails: every limit is a problem in the report.
    async fn read(
        &self,
        bytes: Arc<Vec<u8>>,
        format: FileFormat,
        options: UploadOptions,
        grid_rows: Option<usize>,
        catalog: Arc<Catalog>,
    ) -> (Upload, String, Option<GridWire>) {
        let permit = if bytes.len() <= SMALL_FILE {
            self.small.clone().acquire_owned().await
        } else {
            let kib = u32::try_from((bytes.len() / 1024 + 1).min(self.limits.read_budget_bytes / 1024).max(1)).unwrap_or(u32::MAX);
            self.reading.clone().acquire_many_owned(kib).await
        };
        let workbook = WorkbookLimits::for_upload(self.limits.max_upload_bytes, options.max_rows);
        let size = bytes.len();
        // The permit goes with the work: a read that outlives its time limit keeps its share of
        // the budget until it really ends, so abandoned reads cannot pile up in memory.
        let work = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let sha256 = crate::auth::hex(&Sha256::digest(bytes.as_slice()));
            let grid = grid_rows.and_then(|rows| match format {
                FileFormat::Workbook => xlsx::first_sheet(&bytes, &workbook).ok().map(|g| GridWire::of(&g, rows)),
                FileFormat::Csv => GridWire::of_csv(&bytes, rows),
            });
            (read_file(&catalog, &bytes, format, &options, &workbook), sha256, grid)
        });
        match tokio::time::timeout(self.limits.read_timeout, work).await {
            Ok(Ok(done)) => done,
            Ok(Err(e)) => {
                tracing::error!(%e, size, "reading an upload failed");
                (
                    limit_problem(Problem::error(ProblemCode::EncodingError).say(
                        "读取文件时出错，文件未被接受。请检查文件是否完好，另存后重新上传。",
                        "reading the file failed and it was not accepted. Check that the file is intact, save it again and upload it.",
                    )),
                    String::new(),
                    None,
                )
            }
            Err(_) => {
                let seconds = self.limits.read_timeout.as_secs();
                tracing::warn!(size, seconds, "reading an upload took too long");
                (limit_problem(Problem::error(ProblemCode::TimeLimit).say(
                    format!("检查这个文件超过了 {seconds} 秒的上限，文件未被接受。请拆分为几个较小的文件上传。"),
                    format!("checking this file took longer than the {seconds}-second limit; it was not accepted. Split it into smaller files."),
                )), String::new(), None)
            }
        }
    }

    /// Compares with the snapshot off the async runtime (a million rows take a while); the
    /// plausibility warnings join the upload's report.
    async fn compare(&self, snapshot: &Arc<Snapshot>, upload: Upload) -> Result<(Upload, Changes), StoreError> {
        let snapshot = snapshot.clone();
        tokio::task::spawn_blocking(move || {
            let mut upload = upload;
            let changes = compare(&snapshot.catalog, &upload.observations, &snapshot.dataset, &mut upload.report);
            (upload, changes)
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("comparing an upload failed: {e}")))
    }

    /// Appends revisions that restore what upload `id` replaced, for every value it wrote that
    /// is still current; values superseded since are left alone and named in the answer.
    pub async fn revert(&self, id: i64, actor: &str) -> Result<UploadOutcome, RevertError> {
        let _writer = self.writer.lock().await;
        let tx = self.store.begin_write().await?;
        let snapshot = self.catch_up().await?;
        let original = self.store.upload(id).await?.ok_or(RevertError::NotFound(id))?;
        let plan = self.store.revert_plan(id).await?;
        let mut changes = ChangesWire::default();
        let mut restore = Vec::new();
        let mut written = Vec::new();
        for item in &plan {
            let r = &item.revision;
            let keyed =
                |value| KeyedValueWire { indicator: r.indicator.clone(), region: r.region.clone(), period: r.period.clone(), value };
            if !item.still_current {
                let now = snapshot
                    .catalog
                    .indicator(&r.indicator)
                    .zip(Period::parse(&r.period).ok())
                    .and_then(|(i, p)| snapshot.dataset.reported(&i.id, &r.region, p));
                changes.skipped.push(keyed(now));
                continue;
            }
            if r.value == item.previous {
                continue;
            }
            match (r.value, item.previous) {
                (Some(old), Some(new)) => changes.revised.push(RevisionWire {
                    indicator: r.indicator.clone(),
                    region: r.region.clone(),
                    period: r.period.clone(),
                    old,
                    new,
                    row: None,
                }),
                (Some(old), None) => changes.withdrawn.push(keyed(Some(old))),
                (None, Some(new)) => changes.new.push(innogauge_model::wire::ObservationWire {
                    indicator: r.indicator.clone(),
                    region: r.region.clone(),
                    period: r.period.clone(),
                    value: new,
                    note: None,
                }),
                (None, None) => {}
            }
            restore.push(NewRevision {
                indicator: r.indicator.as_str().into(),
                region: r.region.as_str().into(),
                period: r.period.as_str().into(),
                month_index: r.month_index,
                value: item.previous,
                note: Some(format!("revert of upload {id}")),
            });
            if let Some(w) = written_value(&snapshot.catalog, &r.indicator, &r.region, &r.period, item.previous) {
                written.push(w);
            }
        }
        if restore.is_empty() {
            return Err(RevertError::NothingToRevert(id));
        }
        changes.new_count = changes.new.len();
        changes.revised_count = changes.revised.len() + changes.withdrawn.len();
        let report = ReportWire::from(&Report::default());
        let record = NewUpload {
            actor: actor.to_owned(),
            file_name: original.file_name.clone(),
            sha256: format!("revert:{id}"),
            idempotency_key: None,
            kind: UploadKind::Revert,
            reverts: Some(id),
            rows: 0,
            new_values: count(changes.new.len()),
            revised_values: count(changes.revised.len() + changes.withdrawn.len()),
            unchanged_values: count(changes.skipped.len()),
            report: StoredReport::json(&report, &changes),
            created_at_ms: crate::time::now_ms(),
        };
        let stored = tx.commit(record, &mut restore.iter().cloned()).await?;
        self.publish(&snapshot, stored.id, written.into_iter()).await?;
        tracing::info!(upload = stored.id, reverts = id, restored = restore.len(), skipped = changes.skipped.len(), "upload reverted");
        Ok(UploadOutcome {
            status: UploadStatus::Committed,
            upload: Some(summary(&stored)),
            report,
            changes,
            data_version: stored.id,
            grid: None,
        })
    }
}

fn written_value(catalog: &Catalog, indicator: &str, region: &str, period: &str, value: Option<Decimal>) -> Option<Written> {
    let (i, r, p) = (catalog.indicator(indicator)?, catalog.region(region)?, Period::parse(period).ok()?);
    Some(Written { indicator: i.id.clone(), region: r.code.clone(), period: p, value })
}

/// One try of an upload against one catalogue.
struct UploadAttempt {
    bytes: Arc<Vec<u8>>,
    format: FileFormat,
    file_name: Option<String>,
    options: UploadOptions,
    actor: String,
    idempotency_key: Option<String>,
    dry_run: bool,
    grid_rows: Option<usize>,
}

/// How a try ended.
enum Attempt {
    /// With an answer.
    Done(Box<UploadOutcome>),
    /// A catalogue revision came between reading and the write lock: the bytes, to read again.
    CatalogChanged(Arc<Vec<u8>>),
}

/// A catalogue file to check and, unless a dry run, apply (`innogauge catalog apply`, the admin
/// page).
#[derive(Debug)]
pub struct CatalogRequest {
    /// The file (TOML).
    pub text: String,
    /// Its name as sent.
    pub file_name: Option<String>,
    /// Who applies it.
    pub actor: String,
    /// Check and list the changes only.
    pub dry_run: bool,
}

impl Ingest {
    /// Checks a catalogue file against the catalogue and values in force and, unless a dry
    /// run, commits it as a catalogue revision: a new data version from which every read, in
    /// this process and every other, uses the new catalogue, announced as a `catalog` event.
    /// It is checked once without the lock, so that a file with errors never waits for
    /// writers, and again under it, against exactly what it replaces.
    pub async fn apply_catalog(&self, request: CatalogRequest) -> Result<CatalogOutcome, StoreError> {
        let snapshot = self.catch_up().await?;
        let proposal = propose_on(&snapshot, &request.text);
        if !proposal.is_valid() {
            tracing::info!(problems = proposal.problems.len(), "catalogue file rejected");
            return Ok(catalog_outcome("rejected", snapshot.version, &proposal));
        }
        if request.dry_run {
            return Ok(catalog_outcome("dry_run", snapshot.version, &proposal));
        }
        if proposal.changes.is_empty() {
            return Ok(catalog_outcome("unchanged", snapshot.version, &proposal));
        }
        let _writer = self.writer.lock().await;
        let tx = self.store.begin_write().await?;
        let snapshot = self.catch_up().await?;
        if snapshot.version != tx.version() {
            return Err(StoreError::Corrupt(format!("snapshot at {} while the store is at {}", snapshot.version, tx.version())));
        }
        let proposal = propose_on(&snapshot, &request.text);
        let Some(catalog) = proposal.catalog.clone().filter(|_| proposal.is_valid()) else {
            return Ok(catalog_outcome("rejected", snapshot.version, &proposal));
        };
        if proposal.changes.is_empty() {
            return Ok(catalog_outcome("unchanged", snapshot.version, &proposal));
        }
        let document = serde_json::to_string(&proposal.document).map_err(|e| StoreError::Corrupt(format!("catalogue document: {e}")))?;
        let changes: Vec<CatalogChangeWire> = proposal.changes.iter().map(CatalogChangeWire::from).collect();
        let record = NewUpload {
            actor: request.actor,
            file_name: request.file_name,
            sha256: crate::auth::hex(&Sha256::digest(request.text.as_bytes())),
            idempotency_key: None,
            kind: UploadKind::Catalog,
            reverts: None,
            rows: 0,
            // No values: the store's check counts revisions against these.
            new_values: 0,
            revised_values: 0,
            unchanged_values: 0,
            report: serde_json::json!({ "changes": changes }).to_string(),
            created_at_ms: crate::time::now_ms(),
        };
        let stored = tx.commit_catalog(record, &document, &request.text).await?;
        {
            let _apply = self.apply.lock().await;
            let current = self.data.current();
            if current.version < stored.id {
                if current.version == snapshot.version {
                    let applied = self.data.switch_catalog(&snapshot, stored.id, Arc::new(catalog));
                    self.events.announce(&applied.event());
                } else {
                    drop(_apply);
                    self.catch_up().await?;
                }
            }
        }
        tracing::info!(version = stored.id, actor = %stored.actor, changes = changes.len(), "catalogue revision applied");
        Ok(CatalogOutcome { status: "applied".to_owned(), data_version: stored.id, changes, problems: Vec::new() })
    }
}

/// The checks of a catalogue file against a snapshot: the model's, plus the evaluation
/// framework's indicators, which must stay.
fn propose_on(snapshot: &Snapshot, text: &str) -> Proposal {
    let framework = Framework::builtin();
    let keeps_the_evaluation = |catalog: &Catalog| {
        framework
            .missing_indicators(catalog)
            .into_iter()
            .map(|(measure, indicator)| {
                CatalogProblem::of(
                    Section::Indicator,
                    &indicator,
                    format!("区县科技创新评价的测度 {measure} 使用这个指标，不能删除"),
                    format!("the district evaluation's measure {measure} uses this indicator; it cannot be removed"),
                )
            })
            .collect()
    };
    propose(&snapshot.catalog, text, &snapshot.dataset, &keeps_the_evaluation)
}

fn catalog_outcome(status: &str, data_version: i64, proposal: &Proposal) -> CatalogOutcome {
    CatalogOutcome {
        status: status.to_owned(),
        data_version,
        changes: proposal.changes.iter().map(CatalogChangeWire::from).collect(),
        problems: proposal.problems.iter().map(CatalogProblemWire::from).collect(),
    }
}

/// An upload refused by a limit before its content was read.
fn limit_problem(problem: Problem) -> Upload {
    let mut report = Report::default();
    report.push(problem);
    Upload { observations: Observations::default(), report }
}

/// Reads a file's bytes as the contract does, CSV or workbook.
pub fn read_file(catalog: &Catalog, bytes: &[u8], format: FileFormat, options: &UploadOptions, limits: &WorkbookLimits) -> Upload {
    match format {
        FileFormat::Csv => read_upload(catalog, bytes, options),
        // The CSV path reports a file over the size limit too; a workbook is refused before unzipping.
        FileFormat::Workbook if bytes.len() > options.max_bytes => read_upload(catalog, bytes, options),
        FileFormat::Workbook => match xlsx::first_sheet(bytes, limits) {
            Ok(grid) => read_grid(catalog, &grid, options),
            Err(e) => limit_problem(workbook_problem(&e)),
        },
    }
}

/// The problem a workbook that cannot be read is reported as.
fn workbook_problem(error: &WorkbookError) -> Problem {
    match error {
        WorkbookError::Inflates { limit } => Problem::error(ProblemCode::FileTooLarge).say(
            format!("这个 Excel 文件解压后超过 {} MB 的上限，未读取。请删去多余的工作表和格式，或另存为 CSV 后上传。", limit / 1024 / 1024),
            format!("this Excel file inflates to more than {} MB, the limit; nothing was read. Remove extra sheets and formatting, or save it as CSV.", limit / 1024 / 1024),
        ),
        WorkbookError::TooManyEntries { limit } => Problem::error(ProblemCode::FileTooLarge).say(
            format!("这个 Excel 文件的组成部分超过 {limit} 个，未读取。请另存为 CSV 后上传。"),
            format!("this Excel file has more than {limit} parts; nothing was read. Save it as CSV and upload that."),
        ),
        WorkbookError::TooManyRows { row, limit } => Problem::error(ProblemCode::TooManyRows).say(
            format!("工作表在第 {row} 行有单元格，超过 {limit} 行的上限，未读取。请删去多余的行或拆分为多个文件。"),
            format!("the sheet has a cell on row {row}, beyond the limit of {limit} rows; nothing was read. Delete the extra rows or split the file."),
        ),
        WorkbookError::TooManyCells { limit } => Problem::error(ProblemCode::TooManyRows).say(
            format!("工作表中有值的单元格超过 {limit} 个的上限，未读取。请拆分为多个文件上传。"),
            format!("the sheet has more than {limit} cells with values, the limit; nothing was read. Split it into several files."),
        ),
        WorkbookError::TooManyColumns { column, limit } => Problem::error(ProblemCode::TooManyColumns).say(
            format!("工作表在第 {column} 列有单元格，超过 {limit} 列的上限，未读取。请删去右侧多余的列。"),
            format!("the sheet has a cell in column {column}, beyond the limit of {limit} columns; nothing was read. Delete the extra columns on the right."),
        ),
        WorkbookError::OldFormat => Problem::error(ProblemCode::EncodingError).say(
            "只能读取 .xlsx 格式的 Excel 文件。请在 Excel 或 WPS 中“另存为”Excel 工作簿（.xlsx）或 CSV UTF-8 后上传。",
            "only .xlsx workbooks can be read. In Excel or WPS, use “Save as” Excel Workbook (.xlsx) or CSV UTF-8 and upload that.",
        ),
        WorkbookError::Unreadable(_) | WorkbookError::NoSheet => Problem::error(ProblemCode::EncodingError).say(
            format!("无法读取这个 Excel 文件（{error}）。请在 Excel 中另存为 .xlsx 或 CSV UTF-8 后重新上传。"),
            format!("this Excel file cannot be read ({error}). Save it again as .xlsx or CSV UTF-8 and upload it."),
        ),
    }
}

/// What is kept with an upload: its report and what it changed.
#[derive(Serialize, serde::Deserialize)]
pub struct StoredReport {
    /// The validation report.
    pub report: ReportWire,
    /// The changes.
    pub changes: ChangesWire,
}

impl StoredReport {
    /// Changes kept beside an upload: the full counts are in its row; the revisions themselves
    /// are in `revisions`. A million-row upload would otherwise store (and serialise, at the
    /// cost of a second) a hundred megabytes of JSON nobody reads whole.
    pub const KEPT_CHANGES: usize = 5_000;

    /// The stored JSON: the report, and the first [`Self::KEPT_CHANGES`] new and revised values.
    pub fn json(report: &ReportWire, changes: &ChangesWire) -> String {
        #[derive(Serialize)]
        struct Borrowed<'a> {
            report: &'a ReportWire,
            changes: Kept<'a>,
        }
        #[derive(Serialize)]
        struct Kept<'a> {
            new: &'a [innogauge_model::wire::ObservationWire],
            revised: &'a [RevisionWire],
            unchanged: usize,
            new_count: usize,
            revised_count: usize,
        }
        let kept = Kept {
            new: &changes.new[..changes.new.len().min(Self::KEPT_CHANGES)],
            revised: &changes.revised[..changes.revised.len().min(Self::KEPT_CHANGES)],
            unchanged: changes.unchanged,
            new_count: changes.new_total(),
            revised_count: changes.revised_total(),
        };
        serde_json::to_string(&Borrowed { report, changes: kept }).unwrap_or_default()
    }
}

/// The revision of an observation; its period's text from `periods`, made once per period.
fn new_revision(o: Observation, periods: &mut std::collections::HashMap<Period, Arc<str>>) -> NewRevision {
    let period = periods.entry(o.period).or_insert_with(|| o.period.to_string().into()).clone();
    NewRevision {
        indicator: o.indicator,
        region: o.region,
        period,
        month_index: o.period.month_index(),
        value: Some(o.value),
        note: o.note,
    }
}

/// An iterator that knows its length (the store decides how to write by the count).
struct Counted<I> {
    inner: I,
    left: usize,
}

impl<I> Counted<I> {
    fn new(inner: I, len: usize) -> Counted<I> {
        Counted { inner, left: len }
    }
}

impl<I: Iterator> Iterator for Counted<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let item = self.inner.next()?;
        self.left = self.left.saturating_sub(1);
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<I: Iterator> ExactSizeIterator for Counted<I> {}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Keeps this process's snapshot and event streams up with commits of other processes (another
/// `serve` on the same database, `innogauge import`): on every PostgreSQL `NOTIFY`, and every
/// `every` regardless (SQLite has no notifications, and a notification can be missed while the
/// listening connection reconnects).
pub async fn follow(
    ingest: Arc<Ingest>,
    postgres: Option<crate::store::PostgresStore>,
    every: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut listener = None;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if listener.is_none()
            && let Some(pg) = &postgres
        {
            match pg.listen().await {
                Ok(l) => listener = Some(l),
                Err(e) => tracing::warn!(%e, "LISTEN failed; polling until it works"),
            }
        }
        let notified = async {
            match listener.as_mut() {
                Some(l) => l.recv().await.map(|_| ()),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tick.tick() => {}
            received = notified => {
                if let Err(e) = received {
                    tracing::warn!(%e, "LISTEN connection lost; reconnecting");
                    listener = None;
                }
            }
        }
        if let Err(e) = ingest.catch_up().await {
            tracing::error!(%e, "catching up with the store");
        }
    }
}
