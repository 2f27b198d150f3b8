//! The current data set, held in memory per server process: every read is computed from an
//! immutable snapshot (`Arc<Snapshot>`) without touching the database, and the snapshot is
//! replaced when the data version moves (after a local commit, or a PostgreSQL `NOTIFY` from
//! another process).

use std::sync::Arc;

use innogauge_model::{Catalog, Dataset, Observation, Period};
use tokio::sync::RwLock;

use crate::store::{Store, StoreError};

/// The values as of one data version.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The id of the last upload included (0: empty).
    pub version: i64,
    /// Current values.
    pub dataset: Dataset,
}

/// The snapshot of this process, with its store.
#[derive(Debug)]
pub struct DataCache {
    store: Arc<dyn Store>,
    catalog: &'static Catalog,
    current: RwLock<Arc<Snapshot>>,
}

impl DataCache {
    /// A cache over `store`, loaded now.
    pub async fn load(store: Arc<dyn Store>, catalog: &'static Catalog) -> Result<DataCache, StoreError> {
        let cache = DataCache { store, catalog, current: RwLock::new(Arc::new(Snapshot::default())) };
        cache.refresh().await?;
        Ok(cache)
    }

    /// The snapshot readers use.
    pub async fn current(&self) -> Arc<Snapshot> {
        self.current.read().await.clone()
    }

    /// Reloads if the store's data version moved; returns the (possibly new) snapshot.
    pub async fn refresh(&self) -> Result<Arc<Snapshot>, StoreError> {
        let version = self.store.data_version().await?;
        if self.current.read().await.version == version && version != 0 {
            return Ok(self.current().await);
        }
        let snapshot = Arc::new(self.build(None).await?);
        let mut slot = self.current.write().await;
        // Another refresh may have loaded something newer meanwhile; keep the newest.
        if snapshot.version >= slot.version {
            *slot = snapshot;
        }
        Ok(slot.clone())
    }

    /// After a commit in this process: when `base` was the version right before `version`, the
    /// new snapshot is `base` plus the values just written, without reading every value back
    /// (for a large upload that reload cost as much as the commit). Otherwise (another process
    /// committed in between, or the ids have a gap) a full reload.
    pub async fn advance(&self, base: &Snapshot, version: i64, written: &[Observation]) -> Result<Arc<Snapshot>, StoreError> {
        if base.version + 1 != version {
            return self.refresh().await;
        }
        let mut dataset = base.dataset.clone();
        for o in written {
            dataset.insert(o.indicator.clone(), o.region.clone(), o.period, o.value);
        }
        let snapshot = Arc::new(Snapshot { version, dataset });
        let mut slot = self.current.write().await;
        if snapshot.version > slot.version {
            *slot = snapshot;
        }
        Ok(slot.clone())
    }

    /// The values as known right after upload `as_of` (not cached).
    pub async fn as_of(&self, as_of: i64) -> Result<Snapshot, StoreError> {
        self.build(Some(as_of)).await
    }

    async fn build(&self, as_of: Option<i64>) -> Result<Snapshot, StoreError> {
        // Read the version first: values loaded after it are at least as new.
        let version = match as_of {
            Some(v) => v,
            None => self.store.data_version().await?,
        };
        let mut dataset = Dataset::new();
        let catalog = self.catalog;
        self.store
            .each_current_value(as_of, &mut |value| {
                let (Some(indicator), Some(region), Ok(period)) =
                    (catalog.indicator(&value.indicator), catalog.region(&value.region), Period::parse(&value.period))
                else {
                    tracing::warn!(indicator = %value.indicator, region = %value.region, "stored value not in the catalogue; skipped");
                    return;
                };
                dataset.insert(indicator.id.clone(), region.code.clone(), period, value.value);
            })
            .await?;
        tracing::debug!(version, values = dataset.len(), "data snapshot built");
        Ok(Snapshot { version, dataset })
    }
}
