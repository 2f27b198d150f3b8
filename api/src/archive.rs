//! `innogauge export --all`: every revision ever written, with its upload (when, who, which
//! file, what it reverts), as CSV (UTF-8 with BOM, spreadsheet-safe cells) or JSON lines: an
//! archive that any other tool can read without InnoGauge. Rows are streamed from the store, so
//! an archive of millions of revisions is never held in memory.

use std::io::Write;
use std::path::Path;

use innogauge_model::format::csv_line;
use serde::Serialize;

use crate::store::{ArchiveRow, Store, StoreError, UploadKind};

/// Why the archive could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The output failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A format other than `csv` and `jsonl`.
    #[error("unknown format {0:?}: use csv or jsonl")]
    Format(String),
}

/// One line of the JSON-lines archive.
#[derive(Serialize)]
struct Line<'a> {
    revision: i64,
    upload: i64,
    created_at: String,
    actor: &'a str,
    file_name: Option<&'a str>,
    kind: &'static str,
    reverts: Option<i64>,
    sha256: &'a str,
    indicator: &'a str,
    region: &'a str,
    period: &'a str,
    /// The exact digits as uploaded (a JSON number); null for a withdrawn value.
    value: Option<innogauge_model::Decimal>,
    note: Option<&'a str>,
}

const HEADER: [&str; 13] = [
    "revision",
    "upload",
    "created_at",
    "actor",
    "file_name",
    "kind",
    "reverts",
    "sha256",
    "indicator",
    "region",
    "period",
    "value",
    "note",
];

fn kind_name(kind: UploadKind) -> &'static str {
    match kind {
        UploadKind::Upload => "upload",
        UploadKind::Revert => "revert",
        UploadKind::Catalog => "catalog",
    }
}

/// Writes the archive to `output` (standard output when `None`); returns the number of rows.
pub async fn export(store: &dyn Store, format: &str, output: Option<&Path>) -> Result<u64, ArchiveError> {
    let jsonl = match format {
        "csv" => false,
        "jsonl" | "json" => true,
        other => return Err(ArchiveError::Format(other.to_owned())),
    };
    let mut out: Box<dyn Write + Send> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(std::fs::File::create(path)?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    if !jsonl {
        // UTF-8 with BOM, so that Excel on Chinese Windows opens it without mojibake.
        out.write_all("\u{FEFF}".as_bytes())?;
        writeln!(out, "{}", csv_line(HEADER))?;
    }
    let mut rows = 0u64;
    let mut failure: Option<std::io::Error> = None;
    store
        .each_archive_row(&mut |row: ArchiveRow| {
            if failure.is_some() {
                return;
            }
            let r = &row.revision;
            let written = if jsonl {
                let line = Line {
                    revision: r.id,
                    upload: r.upload_id,
                    created_at: crate::time::rfc3339(r.created_at_ms),
                    actor: &r.actor,
                    file_name: row.file_name.as_deref(),
                    kind: kind_name(row.kind),
                    reverts: row.reverts,
                    sha256: &row.sha256,
                    indicator: &r.indicator,
                    region: &r.region,
                    period: &r.period,
                    value: r.value,
                    note: r.note.as_deref(),
                };
                serde_json::to_writer(&mut out, &line).map_err(std::io::Error::other).and_then(|()| out.write_all(b"\n"))
            } else {
                let cells = [
                    r.id.to_string(),
                    r.upload_id.to_string(),
                    crate::time::rfc3339(r.created_at_ms),
                    r.actor.clone(),
                    row.file_name.clone().unwrap_or_default(),
                    kind_name(row.kind).to_owned(),
                    row.reverts.map(|v| v.to_string()).unwrap_or_default(),
                    row.sha256.clone(),
                    r.indicator.clone(),
                    r.region.clone(),
                    r.period.clone(),
                    r.value.map(|v| v.to_string()).unwrap_or_default(),
                    r.note.clone().unwrap_or_default(),
                ];
                writeln!(out, "{}", csv_line(cells))
            };
            match written {
                Ok(()) => rows += 1,
                Err(e) => failure = Some(e),
            }
        })
        .await?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    out.flush()?;
    Ok(rows)
}
