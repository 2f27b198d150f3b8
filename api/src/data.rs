//! The current data set, held in memory per server process: every read is computed from an
//! immutable snapshot (`Arc<Snapshot>`) without touching the database.
//!
//! The snapshot moves forward only, one commit at a time, and only through the ingest door
//! ([`crate::ingest::Ingest`]): after a commit of this process it [`DataCache::advance`]s with
//! the values just written; commits of other processes (another `serve`, `innogauge import`)
//! are read back by [`DataCache::catch_up`], upload by upload, in commit order. Each step
//! returns what it applied, so the door can announce exactly that commit.
//!
//! The catalogue is part of the snapshot: a catalogue revision is a data version of its own
//! ([`crate::store::StoredCatalog`]), so every read sees values and targets of one version, and
//! a read as of a past version gets the catalogue that was in force then.

use std::sync::{Arc, RwLock};

use innogauge_model::catalog::CatalogDocument;
use innogauge_model::revision::Touched;
use innogauge_model::{Catalog, Dataset, Decimal, Period};

use crate::store::{CommittedRevision, Store, StoreError, StoredCatalog};

/// The values and the catalogue as of one data version.
#[derive(Debug)]
pub struct Snapshot {
    /// The id of the last upload included (0: empty).
    pub version: i64,
    /// Current values.
    pub dataset: Dataset,
    /// The catalogue in force.
    pub catalog: Arc<Catalog>,
}

/// One commit applied to the snapshot: its version and what it touched.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// The upload id.
    pub version: i64,
    /// What it wrote, with what is computed from it.
    pub touched: Touched,
    /// Whether it is a catalogue revision.
    pub catalog: bool,
}

impl Applied {
    /// Its event on the stream.
    pub fn event(self) -> crate::events::CommitEvent {
        if self.catalog {
            crate::events::CommitEvent::catalog(self.version)
        } else {
            crate::events::CommitEvent::new(self.version, self.touched)
        }
    }
}

/// A value a commit wrote: `None` withdraws the value.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    /// Indicator id.
    pub indicator: Arc<str>,
    /// Region code.
    pub region: Arc<str>,
    /// Period.
    pub period: Period,
    /// The value exactly, or `None`.
    pub value: Option<Decimal>,
}

/// The snapshot of this process, with its store.
#[derive(Debug)]
pub struct DataCache {
    store: Arc<dyn Store>,
    /// The catalogue before any revision was applied (the built-in one).
    builtin: Arc<Catalog>,
    current: RwLock<Arc<Snapshot>>,
    /// The last past version built: building one reads every revision up to it, so they are
    /// built one at a time (an anonymous reader cannot start a hundred at once) and the last
    /// is kept (a report or chart of one past version asks for many series of it).
    past: tokio::sync::Mutex<Option<Arc<Snapshot>>>,
}

impl DataCache {
    /// A cache over `store`, loaded now; `builtin` is the catalogue of a store where none was
    /// applied.
    pub async fn load(store: Arc<dyn Store>, builtin: Arc<Catalog>) -> Result<DataCache, StoreError> {
        let snapshot = build(&*store, &builtin, None).await?;
        Ok(DataCache { store, builtin, current: RwLock::new(Arc::new(snapshot)), past: tokio::sync::Mutex::new(None) })
    }

    /// The catalogue readers use now.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.current().catalog.clone()
    }

    /// The snapshot readers use.
    pub fn current(&self) -> Arc<Snapshot> {
        self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn replace(&self, snapshot: Snapshot) -> Arc<Snapshot> {
        let snapshot = Arc::new(snapshot);
        let mut slot = self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        debug_assert!(snapshot.version >= slot.version, "the snapshot only moves forward");
        *slot = snapshot.clone();
        snapshot
    }

    /// Applies every commit in the store that the snapshot lacks, in commit order, and returns
    /// them. The caller serialises this with [`DataCache::advance`] (the ingest door's apply lock).
    pub(crate) async fn catch_up(&self) -> Result<(Arc<Snapshot>, Vec<Applied>), StoreError> {
        let base = self.current();
        let latest = self.store.data_version().await?;
        if latest <= base.version {
            return Ok((base, Vec::new()));
        }
        // Every upload id gets its event, also one whose values were all unchanged.
        let ids = self.store.upload_ids_between(base.version, latest).await?;
        let revisions = self.store.catalogs_between(base.version, latest).await?;
        let mut applied: Vec<Applied> = ids
            .iter()
            .map(|&version| Applied { version, touched: Touched::new(), catalog: revisions.iter().any(|c| c.version == version) })
            .collect();
        // Values are read with the newest catalogue of the batch: catalogues only add what
        // values can refer to (an indicator or region with values is never removed).
        let catalog = match revisions.last() {
            Some(stored) => Arc::new(parse_catalog(stored)?),
            None => base.catalog.clone(),
        };
        let mut dataset = base.dataset.clone();
        let mut runs = Runs::default();
        let mut at = 0;
        self.store
            .each_revision_between(base.version, latest, &mut |revision: CommittedRevision| {
                while at + 1 < applied.len() && applied[at].version < revision.upload_id {
                    at += 1;
                }
                let Some(written) = written_of(&catalog, &revision.indicator, &revision.region, &revision.period, revision.value) else {
                    return;
                };
                if let Some(entry) = applied.get_mut(at).filter(|a| a.version == revision.upload_id) {
                    entry.touched.add(&catalog, &written.indicator, &written.region, &revision.period);
                }
                runs.apply(&mut dataset, written);
            })
            .await?;
        runs.finish(&mut dataset);
        dataset.shrink_to_fit();
        tracing::info!(
            from = base.version,
            to = latest,
            commits = applied.len(),
            catalogues = revisions.len(),
            "caught up with commits of other processes"
        );
        let snapshot = self.replace(Snapshot { version: latest, dataset, catalog });
        Ok((snapshot, applied))
    }

    /// After commit `version` of this process, made on top of `base`: the new snapshot is `base`
    /// plus the values just written, without reading anything back (for a large upload a reload
    /// cost as much as the commit). `base` must be the current snapshot: the commit was compared
    /// with it while the store's write lock kept every other writer out.
    pub(crate) fn advance(&self, base: &Snapshot, version: i64, written: impl Iterator<Item = Written>) -> Applied {
        debug_assert_eq!(self.current().version, base.version, "advance on top of the current snapshot");
        let mut dataset = base.dataset.clone();
        let mut touched = Touched::new();
        let mut runs = Runs::default();
        for w in written {
            touched.add(&base.catalog, &w.indicator, &w.region, &w.period.to_string());
            runs.apply(&mut dataset, w);
        }
        runs.finish(&mut dataset);
        dataset.shrink_to_fit();
        self.replace(Snapshot { version, dataset, catalog: base.catalog.clone() });
        Applied { version, touched, catalog: false }
    }

    /// After this process committed catalogue revision `version` on top of `base`: the same
    /// values under the new catalogue.
    pub(crate) fn switch_catalog(&self, base: &Snapshot, version: i64, catalog: Arc<Catalog>) -> Applied {
        debug_assert_eq!(self.current().version, base.version, "switch on top of the current snapshot");
        self.replace(Snapshot { version, dataset: base.dataset.clone(), catalog });
        Applied { version, touched: Touched::new(), catalog: true }
    }

    /// The values as known right after upload `as_of`.
    pub async fn as_of(&self, as_of: i64) -> Result<Arc<Snapshot>, StoreError> {
        let mut past = self.past.lock().await;
        if let Some(kept) = past.as_ref().filter(|p| p.version == as_of) {
            return Ok(kept.clone());
        }
        let built = Arc::new(build(&*self.store, &self.builtin, Some(as_of)).await?);
        *past = Some(built.clone());
        Ok(built)
    }
}

/// Values applied a series' run at a time. Values of one series come one after another (an
/// upload is read in file order, files keep a series together, the store reads in key order):
/// each run goes in at once, its room made once ([`Dataset::insert_run`]).
#[derive(Default)]
struct Runs {
    series: Option<(Arc<str>, Arc<str>)>,
    run: Vec<(Period, Decimal)>,
}

impl Runs {
    fn apply(&mut self, dataset: &mut Dataset, w: Written) {
        let same = self.series.as_ref().is_some_and(|(i, r)| *i == w.indicator && *r == w.region);
        if !same || w.value.is_none() {
            self.finish(dataset);
        }
        match w.value {
            Some(value) => {
                self.run.push((w.period, value));
                self.series = Some((w.indicator, w.region));
            }
            None => apply(dataset, &w),
        }
    }

    fn finish(&mut self, dataset: &mut Dataset) {
        if let Some((indicator, region)) = self.series.take() {
            dataset.insert_run(indicator, region, &self.run);
        }
        self.run.clear();
    }
}

fn apply(dataset: &mut Dataset, w: &Written) {
    match w.value {
        Some(value) => dataset.insert(w.indicator.clone(), w.region.clone(), w.period, value),
        None => dataset.remove(&w.indicator, &w.region, w.period),
    }
}

/// A stored value as the model knows it, or `None` (logged) when the catalogue does not know
/// its indicator, region or period.
fn written_of(catalog: &Catalog, indicator: &str, region: &str, period: &str, value: Option<Decimal>) -> Option<Written> {
    let (Some(i), Some(r), Ok(p)) = (catalog.indicator(indicator), catalog.region(region), Period::parse(period)) else {
        tracing::warn!(indicator, region, period, "stored value not in the catalogue; skipped");
        return None;
    };
    Some(Written { indicator: i.id.clone(), region: r.code.clone(), period: p, value })
}

/// The built-in catalogue, shared: the catalogue of a store where none was applied.
pub fn builtin_catalog() -> Arc<Catalog> {
    static BUILTIN: std::sync::OnceLock<Arc<Catalog>> = std::sync::OnceLock::new();
    BUILTIN.get_or_init(|| Arc::new(Catalog::builtin().clone())).clone()
}

/// The catalogue of a stored revision. It was checked when applied; one that no longer builds
/// (a later release checks more) is an error naming the revision, never a silent fallback.
pub fn parse_catalog(stored: &StoredCatalog) -> Result<Catalog, StoreError> {
    let document: CatalogDocument =
        serde_json::from_str(&stored.document).map_err(|e| StoreError::Corrupt(format!("catalogue revision {}: {e}", stored.version)))?;
    Catalog::from_document(document).map_err(|e| StoreError::Corrupt(format!("catalogue revision {}: {e}", stored.version)))
}

/// The catalogue in force at `version`.
pub async fn catalog_at(store: &dyn Store, builtin: &Arc<Catalog>, version: i64) -> Result<Arc<Catalog>, StoreError> {
    match store.catalog_as_of(version).await? {
        Some(stored) => Ok(Arc::new(parse_catalog(&stored)?)),
        None => Ok(builtin.clone()),
    }
}

async fn build(store: &dyn Store, builtin: &Arc<Catalog>, as_of: Option<i64>) -> Result<Snapshot, StoreError> {
    // Read the version first: values loaded after it are at least as new. (A commit between
    // the two reads is applied again by the next catch-up: applying a value twice is harmless;
    // a catalogue revision between them is read by that catch-up too.)
    let version = match as_of {
        Some(v) => v,
        None => store.data_version().await?,
    };
    let catalog = catalog_at(store, builtin, version).await?;
    let mut dataset = Dataset::new();
    let mut runs = Runs::default();
    store
        .each_current_value(as_of, &mut |value| {
            if let Some(w) = written_of(&catalog, &value.indicator, &value.region, &value.period, Some(value.value)) {
                runs.apply(&mut dataset, w);
            }
        })
        .await?;
    runs.finish(&mut dataset);
    dataset.shrink_to_fit();
    tracing::debug!(version, values = dataset.len(), "data snapshot built");
    Ok(Snapshot { version, dataset, catalog })
}
