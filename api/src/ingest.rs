//! Ingestion: the one path by which values enter the store, shared by `POST /api/v1/uploads`
//! and `innogauge import`. Bytes are read by the model's contract (CSV) or through calamine
//! (Excel); any error rejects the whole file; the accepted values are compared with the current
//! ones (new, revised, unchanged, plausibility warnings) and committed in one transaction.
//! Writes are serialised within a process so that "old → new" in a report is what the commit
//! replaced.

use std::sync::Arc;

use innogauge_model::contract::{Problem, ProblemCode, Report, Upload, UploadOptions, read_grid, read_upload, too_many_rows};
use innogauge_model::revision::{Changes, compare};
use innogauge_model::wire::{ChangesWire, ReportWire};
use innogauge_model::{Catalog, Observation};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use crate::data::DataCache;
use crate::store::{NewRevision, NewUpload, Store, StoreError, UploadKind, UploadRecord};
use crate::xlsx;

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
        } else if lower.ends_with(".xlsx") || lower.ends_with(".xls") || lower.ends_with(".xlsm") || lower.ends_with(".ods") {
            Some(FileFormat::Workbook)
        } else {
            None
        }
    }

    /// From a MIME type; `None` for anything else.
    pub fn from_mime(mime: &str) -> Option<FileFormat> {
        let essence = mime.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match essence.as_str() {
            "text/csv" | "text/plain" | "text/tab-separated-values" | "application/csv" => Some(FileFormat::Csv),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            | "application/vnd.ms-excel"
            | "application/vnd.oasis.opendocument.spreadsheet" => Some(FileFormat::Workbook),
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
}

/// What happened to an upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Stored.
    Committed,
    /// Checked only (`dry_run`).
    DryRun,
    /// Refused: the report has errors; nothing was stored.
    Rejected,
    /// The same file (or idempotency key) was committed before; nothing new was stored.
    Duplicate,
}

/// The outcome, as the API returns it.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    /// What happened.
    pub status: Status,
    /// The stored upload (committed, or the earlier one for a duplicate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload: Option<UploadSummary>,
    /// The validation report.
    pub report: ReportWire,
    /// What the upload changes (or changed).
    pub changes: ChangesWire,
    /// The data version after the request.
    pub data_version: i64,
}

/// An upload record as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct UploadSummary {
    /// Id.
    pub id: i64,
    /// RFC 3339 time.
    pub created_at: String,
    /// Who.
    pub actor: String,
    /// File name.
    pub file_name: Option<String>,
    /// SHA-256 hex.
    pub sha256: String,
    /// `upload` or `revert`.
    pub kind: &'static str,
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
}

impl From<&UploadRecord> for UploadSummary {
    fn from(u: &UploadRecord) -> Self {
        Self {
            id: u.id,
            created_at: crate::time::rfc3339(u.created_at_ms),
            actor: u.actor.clone(),
            file_name: u.file_name.clone(),
            sha256: u.sha256.clone(),
            kind: u.kind.as_str(),
            reverts: u.reverts,
            rows: u.rows,
            new_values: u.new_values,
            revised_values: u.revised_values,
            unchanged_values: u.unchanged_values,
        }
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

/// The ingestion service of one process.
#[derive(Debug)]
pub struct Ingest {
    catalog: &'static Catalog,
    store: Arc<dyn Store>,
    data: Arc<DataCache>,
    writer: Mutex<()>,
}

impl Ingest {
    /// A service over a store and its data cache.
    pub fn new(catalog: &'static Catalog, store: Arc<dyn Store>, data: Arc<DataCache>) -> Ingest {
        Ingest { catalog, store, data, writer: Mutex::new(()) }
    }

    /// Reads, checks, compares and (unless a dry run) commits an upload.
    pub async fn upload(&self, request: UploadRequest) -> Result<Outcome, StoreError> {
        let sha256 = crate::auth::hex(&Sha256::digest(&request.bytes));
        let _writer = self.writer.lock().await;
        if !request.dry_run
            && let Some(earlier) = self.store.find_duplicate(&sha256, request.idempotency_key.as_deref()).await?
        {
            tracing::info!(upload = earlier.id, "duplicate upload: nothing new stored");
            let report = serde_json::from_str::<StoredReport>(&earlier.report).map(|r| r.report).ok();
            return Ok(Outcome {
                status: Status::Duplicate,
                upload: Some(UploadSummary::from(&earlier)),
                report: report.unwrap_or_else(|| ReportWire::from(&Report::default())),
                changes: ChangesWire::default(),
                data_version: self.store.data_version().await?,
            });
        }
        // Phase times go into the log line of the commit: where a slow upload spends its time.
        let started = std::time::Instant::now();
        let mut upload = self.read(&request);
        let read_ms = started.elapsed().as_millis();
        let snapshot = self.data.refresh().await?;
        let (changes, warnings) = if upload.report.has_errors() {
            (Changes::default(), Vec::new())
        } else {
            compare(self.catalog, &upload.observations, &snapshot.dataset)
        };
        for warning in warnings {
            upload.report.push(warning);
        }
        let report = ReportWire::from(&upload.report);
        let changes_wire = ChangesWire::from(&changes);
        let status = if upload.report.has_errors() {
            Status::Rejected
        } else if request.dry_run {
            Status::DryRun
        } else {
            Status::Committed
        };
        if status != Status::Committed {
            tracing::info!(?status, errors = report.errors, warnings = report.warnings, "upload checked");
            return Ok(Outcome { status, upload: None, report, changes: changes_wire, data_version: snapshot.version });
        }
        let compared_ms = started.elapsed().as_millis();
        let revisions: Vec<NewRevision> =
            changes.new.iter().chain(changes.revised.iter().map(|r| &r.observation)).map(new_revision).collect();
        let record = NewUpload {
            actor: request.actor.clone(),
            file_name: request.file_name.clone(),
            sha256,
            idempotency_key: request.idempotency_key.clone(),
            kind: UploadKind::Upload,
            reverts: None,
            rows: i64::from(upload.report.data_rows),
            new_values: count(changes.new.len()),
            revised_values: count(changes.revised.len()),
            unchanged_values: count(changes.unchanged.len()),
            report: StoredReport::json(&report, &changes_wire),
            created_at_ms: crate::time::now_ms(),
        };
        let prepared_ms = started.elapsed().as_millis();
        let stored = self.store.commit(record, &revisions).await?;
        let committed_ms = started.elapsed().as_millis();
        let written: Vec<Observation> = changes.new.iter().cloned().chain(changes.revised.iter().map(|r| r.observation.clone())).collect();
        let snapshot = self.data.advance(&snapshot, stored.id, &written).await?;
        tracing::info!(
            upload = stored.id,
            actor = %stored.actor,
            new = stored.new_values,
            revised = stored.revised_values,
            read_ms,
            compared_ms,
            prepared_ms,
            committed_ms,
            refreshed_ms = started.elapsed().as_millis(),
            "upload committed"
        );
        Ok(Outcome { status, upload: Some(UploadSummary::from(&stored)), report, changes: changes_wire, data_version: snapshot.version })
    }

    fn read(&self, request: &UploadRequest) -> Upload {
        match request.format {
            FileFormat::Csv => read_upload(self.catalog, &request.bytes, &request.options),
            FileFormat::Workbook => {
                if request.bytes.len() > request.options.max_bytes {
                    // The CSV path reports this too; a workbook is refused before unzipping.
                    return read_upload(self.catalog, &request.bytes, &request.options);
                }
                match xlsx::first_sheet(&request.bytes) {
                    Ok(grid) if grid.rows.len() > request.options.max_rows.saturating_add(100) => {
                        let mut report = Report::default();
                        report.push(too_many_rows(request.options.max_rows));
                        Upload { observations: Vec::new(), report }
                    }
                    Ok(grid) => read_grid(self.catalog, &grid, &request.options),
                    Err(e) => {
                        let mut report = Report::default();
                        report.push(Problem::error(ProblemCode::EncodingError).say(
                            format!("无法读取这个 Excel 文件（{e}）。请在 Excel 中另存为 .xlsx 或 CSV UTF-8 后重新上传。"),
                            format!("this Excel file cannot be read ({e}). Save it again as .xlsx or CSV UTF-8 and upload it."),
                        ));
                        Upload { observations: Vec::new(), report }
                    }
                }
            }
        }
    }

    /// Appends revisions that restore what upload `id` replaced, for every value it wrote that
    /// is still current; values superseded since are left alone.
    pub async fn revert(&self, id: i64, actor: &str) -> Result<Outcome, RevertError> {
        let _writer = self.writer.lock().await;
        let original = self.store.upload(id).await?.ok_or(RevertError::NotFound(id))?;
        let plan = self.store.revert_plan(id).await?;
        let restore: Vec<NewRevision> = plan
            .iter()
            .filter(|item| item.still_current && item.revision.value != item.previous)
            .map(|item| NewRevision {
                indicator: item.revision.indicator.clone(),
                region: item.revision.region.clone(),
                period: item.revision.period.clone(),
                month_index: item.revision.month_index,
                value: item.previous,
                note: Some(format!("revert of upload {id}")),
            })
            .collect();
        if restore.is_empty() {
            return Err(RevertError::NothingToRevert(id));
        }
        let skipped = plan.len() - restore.len();
        let mut changes = ChangesWire::default();
        for (item, revision) in plan.iter().filter(|i| i.still_current && i.revision.value != i.previous).zip(&restore) {
            if let (Some(old), Some(new)) = (item.revision.value, revision.value) {
                changes.revised.push(innogauge_model::wire::RevisionWire {
                    indicator: revision.indicator.clone(),
                    region: revision.region.clone(),
                    period: revision.period.clone(),
                    old,
                    new,
                    row: None,
                });
            }
        }
        let report = ReportWire::from(&Report::default());
        let record = NewUpload {
            actor: actor.to_owned(),
            file_name: original.file_name.clone(),
            sha256: format!("revert:{id}"),
            idempotency_key: None,
            kind: UploadKind::Revert,
            reverts: Some(id),
            rows: 0,
            new_values: 0,
            revised_values: count(restore.len()),
            unchanged_values: count(skipped),
            report: StoredReport::json(&report, &changes),
            created_at_ms: crate::time::now_ms(),
        };
        let stored = self.store.commit(record, &restore).await?;
        let snapshot = self.data.refresh().await?;
        tracing::info!(upload = stored.id, reverts = id, restored = restore.len(), skipped, "upload reverted");
        Ok(Outcome {
            status: Status::Committed,
            upload: Some(UploadSummary::from(&stored)),
            report,
            changes,
            data_version: snapshot.version,
        })
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
            revised: &'a [innogauge_model::wire::RevisionWire],
            unchanged: usize,
        }
        let kept = Kept {
            new: &changes.new[..changes.new.len().min(Self::KEPT_CHANGES)],
            revised: &changes.revised[..changes.revised.len().min(Self::KEPT_CHANGES)],
            unchanged: changes.unchanged,
        };
        serde_json::to_string(&Borrowed { report, changes: kept }).unwrap_or_default()
    }
}

fn new_revision(o: &Observation) -> NewRevision {
    NewRevision {
        indicator: o.indicator.to_string(),
        region: o.region.to_string(),
        period: o.period.to_string(),
        month_index: o.period.month_index(),
        value: Some(o.value),
        note: o.note.clone(),
    }
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
