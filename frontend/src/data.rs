//! What a widget view receives: the loading state, the payload each widget type reads, and
//! the page's catalogue. Imports no widget: `widget.rs` fetches and chooses the view, the views
//! (`gauge.rs`, `trend.rs`, …) take these types.

use std::rc::Rc;

use innogauge_model::Catalog;
#[cfg(feature = "every-widget")]
use innogauge_model::geo::FeatureCollection;
#[cfg(feature = "every-widget")]
use innogauge_model::views::Ranking;
use innogauge_model::views::SeriesView;
#[cfg(feature = "every-widget")]
use innogauge_model::wire::{EvaluationWire, ProgressWire};

use crate::client::FetchError;

/// Loading state of a widget's data.
#[derive(Clone, Debug, PartialEq)]
pub enum FetchState<T> {
    /// Waiting for the first answer.
    Loading,
    /// Data to show.
    Ready(T),
    /// No data and an error to explain.
    Failed(FetchError),
}

/// What a widget type reads from the API.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// One series with its progress (gauge, trend, kpi, table).
    Series(Rc<SeriesView>),
    /// The districts ranked (ranking).
    #[cfg(feature = "every-widget")]
    Ranking(Rc<Ranking>),
    /// The districts ranked, and their boundaries (map).
    #[cfg(feature = "every-widget")]
    Map(Rc<Ranking>, Rc<FeatureCollection>),
    /// Every target of a region (board).
    #[cfg(feature = "every-widget")]
    Board(Rc<Vec<ProgressWire>>),
    /// The district evaluation (index ranking, profile, table).
    #[cfg(feature = "every-widget")]
    Evaluation(Rc<EvaluationWire>),
    /// The district evaluation and the boundaries (index map).
    #[cfg(feature = "every-widget")]
    EvaluationMap(Rc<EvaluationWire>, Rc<FeatureCollection>),
}

/// Everything a series view needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    /// The catalogue (names, units).
    pub catalog: SharedCatalog,
    /// The series with its progress, as the API computed it with the model.
    pub view: Rc<SeriesView>,
}

/// The page's catalogue, compared by identity: it is loaded once per page and never changes,
/// so the same `Rc` is the same catalogue.
#[derive(Clone, Debug)]
pub struct SharedCatalog(pub Rc<Catalog>);

impl PartialEq for SharedCatalog {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for SharedCatalog {
    type Target = Catalog;
    fn deref(&self) -> &Catalog {
        &self.0
    }
}

/// The catalogue and a payload.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// The catalogue.
    pub catalog: SharedCatalog,
    /// What the widget type reads.
    pub payload: Payload,
}
