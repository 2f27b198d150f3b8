//! The root component of every widget: loads the catalogue and the widget type's data (through the page's
//! shared client), follows live events, keeps the last data when the API is unreachable (with a
//! visible "数据截至 … / data as of …" note), and hands the data to the widget type's view. It
//! only chooses and mounts: what the views share is in `data.rs`, `names.rs` and `draw.rs`, which
//! import no view, so no widget module imports this one.

use std::cell::RefCell;
use std::rc::Rc;

#[cfg(feature = "every-widget")]
use innogauge_model::geo::FeatureCollection;
#[cfg(feature = "every-widget")]
use innogauge_model::views::Ranking;
use innogauge_model::views::SeriesView;
#[cfg(feature = "every-widget")]
use innogauge_model::wire::{EvaluationWire, ProgressWire};
use innogauge_model::{Catalog, Lang};

pub use crate::data::{Data, FetchState, Loaded, Payload, SharedCatalog};
use crate::names::t;
use innogauge_model::json::FromJson;
#[cfg(feature = "every-widget")]
use serde::de::DeserializeOwned;
use yew::prelude::*;

#[cfg(feature = "every-widget")]
use crate::board::Board;
use crate::client::{Client, FetchError, client};
use crate::gauge::Gauge;
#[cfg(feature = "every-widget")]
use crate::index_map::TierMap;
#[cfg(feature = "every-widget")]
use crate::index_profile::IndexProfile;
#[cfg(feature = "every-widget")]
use crate::index_ranking::IndexRanking;
#[cfg(feature = "every-widget")]
use crate::index_table::IndexTable;
#[cfg(feature = "every-widget")]
use crate::map::DistrictMap;
use crate::options::{Kind, WidgetOptions, percent_encode as encode};
#[cfg(feature = "every-widget")]
use crate::ranking::RankingChart;
use crate::table::DataTable;
#[cfg(feature = "trend")]
use crate::trend::Trend;

/// The API paths a widget reads, by type.
fn paths(options: &WidgetOptions, kind: Kind) -> Vec<String> {
    let period = options.period.as_deref().map(|p| format!("&period={}", encode(p))).unwrap_or_default();
    let (indicator, region) = (encode(&options.indicator), encode(&options.region));
    match kind {
        Kind::Gauge | Kind::Trend | Kind::Kpi | Kind::Table => {
            vec![format!("/api/v1/series?indicator={indicator}&region={region}{period}")]
        }
        // A type this build lacks is never mounted (see `mount.rs`): nothing to ask for.
        _ if !kind.in_this_build() => Vec::new(),
        Kind::Ranking => vec![format!("/api/v1/ranking?indicator={indicator}&measure={}{period}", options.rank_measure())],
        Kind::Map => vec![
            format!("/api/v1/ranking?indicator={indicator}&measure={}{period}", options.rank_measure()),
            "/api/v1/boundaries".to_owned(),
        ],
        Kind::Board => vec![format!("/api/v1/progress?region={region}{period}")],
        // Every evaluation widget of a page asks for the same document (one request: the
        // client shares answers), whatever district it shows.
        Kind::IndexRanking | Kind::IndexProfile | Kind::IndexTable | Kind::IndexMap => {
            let method = options.method.as_deref().map(|m| format!("&method={m}")).unwrap_or_default();
            let mut paths = vec![format!("/api/v1/evaluation?{}{method}", period.trim_start_matches('&'))];
            if kind == Kind::IndexMap {
                paths.push("/api/v1/boundaries".to_owned());
            }
            paths
        }
    }
}

/// A document the small module reads (see `innogauge_model::json`: no serde there).
fn read<T: FromJson>(body: &str) -> Result<Rc<T>, FetchError> {
    T::from_json_text(body).map(Rc::new).map_err(|e| FetchError::Network(e.to_string()))
}

/// A document only the module with every type reads.
#[cfg(feature = "every-widget")]
fn parse<T: DeserializeOwned>(body: &str) -> Result<Rc<T>, FetchError> {
    serde_json::from_str::<T>(body).map(Rc::new).map_err(|e| FetchError::Network(e.to_string()))
}

/// The catalogue and a widget's data, as each arrives.
type Arrived = (Option<Result<Rc<Catalog>, FetchError>>, Option<Result<Payload, FetchError>>);

/// Fetches every path (through the page's shared client) and builds the payload.
// The small build has no type with a second request.
#[cfg_attr(not(feature = "every-widget"), allow(unused_variables))]
fn fetch(client: &Rc<Client>, kind: Kind, paths: Vec<String>, done: impl FnOnce(Result<Payload, FetchError>) + 'static) {
    let loader = client.clone();
    let mut paths = paths.into_iter();
    let first = paths.next().unwrap_or_default();
    let second = paths.next();
    client.get(&first, move |result| {
        let body = match result {
            Ok(body) => body,
            Err(e) => return done(Err(e)),
        };
        let payload = match kind {
            Kind::Gauge | Kind::Trend | Kind::Kpi | Kind::Table => read::<SeriesView>(&body).map(Payload::Series),
            #[cfg(not(feature = "every-widget"))]
            _ => Err(FetchError::Network(format!("{} is not in this build", kind.name()))),
            #[cfg(feature = "every-widget")]
            Kind::Ranking => parse::<Ranking>(&body).map(Payload::Ranking),
            #[cfg(feature = "every-widget")]
            Kind::Board => parse::<Vec<ProgressWire>>(&body).map(Payload::Board),
            #[cfg(feature = "every-widget")]
            Kind::IndexRanking | Kind::IndexProfile | Kind::IndexTable => parse::<EvaluationWire>(&body).map(Payload::Evaluation),
            #[cfg(feature = "every-widget")]
            Kind::IndexMap => {
                let evaluation = match parse::<EvaluationWire>(&body) {
                    Ok(evaluation) => evaluation,
                    Err(e) => return done(Err(e)),
                };
                loader.get(&second.unwrap_or_default(), move |result| {
                    done(result.and_then(|body| parse::<FeatureCollection>(&body)).map(|map| Payload::EvaluationMap(evaluation, map)));
                });
                return;
            }
            #[cfg(feature = "every-widget")]
            Kind::Map => {
                let ranking = match parse::<Ranking>(&body) {
                    Ok(ranking) => ranking,
                    Err(e) => return done(Err(e)),
                };
                loader.get(&second.unwrap_or_default(), move |result| {
                    done(result.and_then(|body| parse::<FeatureCollection>(&body)).map(|map| Payload::Map(ranking, map)));
                });
                return;
            }
        };
        done(payload);
    });
}

/// Properties of [`Widget`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct WidgetProps {
    /// The `data-*` options.
    pub options: WidgetOptions,
}

/// Counts refreshes; dispatching always increments the current value.
#[derive(Default, PartialEq)]
struct Refresh(u32);

impl Reducible for Refresh {
    type Action = ();
    fn reduce(self: Rc<Self>, _: ()) -> Rc<Self> {
        Rc::new(Refresh(self.0.wrapping_add(1)))
    }
}

/// Local time of day `HH:MM`, for the stale note.
fn now_label() -> String {
    let date = js_sys::Date::new_0();
    format!("{}-{:02}-{:02} {:02}:{:02}", date.get_full_year(), date.get_month() + 1, date.get_date(), date.get_hours(), date.get_minutes())
}

/// The widget.
#[function_component(Widget)]
pub fn widget(props: &WidgetProps) -> Html {
    let options = props.options.clone();
    let state = use_state(|| FetchState::<Data>::Loading);
    let stale_since = use_state(|| None::<String>);
    let last_ok = use_mut_ref(|| None::<String>);
    let refresh = use_reducer(Refresh::default);
    // Data that arrived live (not the first load) is marked for a moment: a leader at the wall
    // sees what an upload just moved (a glow, or only an outline with reduced motion).
    let fresh = use_state_eq(|| false);

    {
        let (state, stale_since, last_ok) = (state.clone(), stale_since.clone(), last_ok.clone());
        let options = options.clone();
        let fresh = fresh.clone();
        use_effect_with((options.clone(), refresh.0), move |&(_, refreshes)| {
            let Some(kind) = options.kind else { return };
            // The catalogue and the data are asked for together (the catalogue is one request
            // for the page, usually already here); the widget is ready when both are.
            let client = client();
            let both = Rc::new(RefCell::new((None, None)));
            let finish = Rc::new(move |both: &RefCell<Arrived>| {
                let arrived = {
                    let mut both = both.borrow_mut();
                    if both.0.is_none() || both.1.is_none() {
                        return;
                    }
                    (both.0.take(), both.1.take())
                };
                match arrived {
                    (Some(Ok(catalog)), Some(Ok(payload))) => {
                        *last_ok.borrow_mut() = Some(now_label());
                        stale_since.set(None);
                        let data = Data { catalog: SharedCatalog(catalog), payload };
                        let moved = refreshes > 0 && matches!(&*state, FetchState::Ready(shown) if *shown != data);
                        state.set(FetchState::Ready(data));
                        if moved {
                            mark_fresh(&fresh);
                        }
                    }
                    (Some(Err(e)), _) | (_, Some(Err(e))) => fail(&state, &stale_since, &last_ok, e),
                    _ => {}
                }
            });
            {
                let (both, finish) = (both.clone(), finish.clone());
                client.catalog(move |catalog| {
                    both.borrow_mut().0 = Some(catalog);
                    finish(&both);
                });
            }
            fetch(&client, kind, paths(&options, kind), move |payload| {
                both.borrow_mut().1 = Some(payload);
                finish(&both);
            });
        });
    }

    // Live: refetch when a commit touches this widget's data; mark stale while disconnected.
    // Rankings and maps follow every region of their indicator, boards every indicator of
    // their region ("*"), the evaluation everything (any value may move any district's rank).
    let key = match (&*state, options.kind) {
        (FetchState::Ready(data), Some(kind)) => {
            let indicator = data.catalog.indicator(&options.indicator).map(|i| i.id.to_string());
            let region = data.catalog.region(&options.region).map(|r| r.code.to_string());
            match kind {
                _ if kind.is_evaluation() => Some(("*".to_owned(), "*".to_owned())),
                Kind::Ranking | Kind::Map => indicator.map(|i| (i, "*".to_owned())),
                Kind::Board => region.map(|r| ("*".to_owned(), r)),
                _ => indicator.zip(region),
            }
        }
        _ => None,
    };
    {
        let (refresh, stale_since) = (refresh.dispatcher(), stale_since.clone());
        use_effect_with((key, options.live), move |(key, live)| {
            let mut subscription = None;
            if let (Some((indicator, region)), true) = (key, *live) {
                let client = client();
                let on_commit = refresh.clone();
                let id = client.subscribe(indicator, region, Rc::new(move || on_commit.dispatch(())));
                let on_connection = refresh.clone();
                client.watch_connection(
                    id,
                    Rc::new(move |up| {
                        if up {
                            // Back online: fetch what may have changed meanwhile.
                            on_connection.dispatch(());
                        } else {
                            stale_since.set(last_ok.borrow().clone());
                        }
                    }),
                );
                subscription = Some(id);
            }
            move || {
                if let Some(id) = subscription {
                    client().unsubscribe(id);
                }
            }
        });
    }

    // What is drawn follows the reader's screen (`data-theme="auto"`) and paper; what is
    // fetched does not: a theme change repaints without asking the server again.
    let media = crate::media::use_media();
    // On paper a widget is as tall as its content: no box to scroll in.
    let options = WidgetOptions { theme: options.shown_theme(media), height: options.height.filter(|_| !media.print), ..options };
    let lang = options.lang;
    let body = match (&*state, options.kind) {
        (_, None) => html! {
            <p class="message" role="alert">{ t(lang,
                &format!("未知的组件类型“{}”。可用：{}。", options.kind_text, Kind::NAMES.join("、")),
                &format!("Unknown widget type “{}”. Use {}.", options.kind_text, Kind::NAMES.join(", "))) }</p>
        },
        (FetchState::Loading, _) => html! { <p class="message loading" aria-busy="true">{ t(lang, "加载中…", "Loading…") }</p> },
        (FetchState::Failed(error), _) => html! { <p class="message" role="alert">{ failure_text(lang, &options, error) }</p> },
        (FetchState::Ready(data), Some(kind)) => view(data, kind, &options),
    };
    let stale = stale_since.as_ref().map(|at| {
        html! { <p class="stale" role="status">{ t(lang, &format!("数据截至 {at}（暂时无法连接数据服务）"), &format!("Data as of {at} (the data service is unreachable)")) }</p> }
    });
    html! {
        <div class={classes!("ig", options.theme.class(), options.height.map(|_| "sized"), fresh.then_some("fresh"))}>
            { body }
            { for stale }
        </div>
    }
}

/// How long live data stays marked, in milliseconds.
const FRESH_MS: i32 = 2500;

/// Marks the widget as just updated, and unmarks it after [`FRESH_MS`].
fn mark_fresh(fresh: &UseStateHandle<bool>) {
    fresh.set(true);
    let fresh = fresh.clone();
    let unmark = wasm_bindgen::closure::Closure::once_into_js(move || fresh.set(false));
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(wasm_bindgen::JsCast::unchecked_ref(&unmark), FRESH_MS);
    }
}

/// The widget type's view of its data.
fn view(data: &Data, kind: Kind, options: &WidgetOptions) -> Html {
    let catalog = data.catalog.clone();
    let options = options.clone();
    match (&data.payload, kind) {
        (Payload::Series(view), Kind::Gauge) => html! { <Gauge loaded={Loaded { catalog, view: view.clone() }} {options} /> },
        #[cfg(feature = "trend")]
        (Payload::Series(view), Kind::Trend) => html! { <Trend loaded={Loaded { catalog, view: view.clone() }} {options} /> },
        (Payload::Series(view), Kind::Kpi) => crate::kpi::kpi(&Loaded { catalog, view: view.clone() }, &options),
        (Payload::Series(view), Kind::Table) => {
            html! { <DataTable loaded={Loaded { catalog, view: view.clone() }} {options} visible={true} /> }
        }
        #[cfg(feature = "every-widget")]
        (Payload::Ranking(ranking), _) => html! { <RankingChart {catalog} ranking={ranking.clone()} {options} /> },
        #[cfg(feature = "every-widget")]
        (Payload::Map(ranking, map), _) => html! { <DistrictMap {catalog} ranking={ranking.clone()} map={map.clone()} {options} /> },
        #[cfg(feature = "every-widget")]
        (Payload::Board(list), _) => html! { <Board {catalog} progress={list.clone()} {options} /> },
        #[cfg(feature = "every-widget")]
        (Payload::Evaluation(evaluation), Kind::IndexRanking) => {
            html! { <IndexRanking {catalog} evaluation={evaluation.clone()} {options} /> }
        }
        #[cfg(feature = "every-widget")]
        (Payload::Evaluation(evaluation), Kind::IndexProfile) => {
            html! { <IndexProfile {catalog} evaluation={evaluation.clone()} {options} /> }
        }
        #[cfg(feature = "every-widget")]
        (Payload::Evaluation(evaluation), Kind::IndexTable) => html! { <IndexTable {catalog} evaluation={evaluation.clone()} {options} /> },
        #[cfg(feature = "every-widget")]
        (Payload::EvaluationMap(evaluation, map), _) => html! { <TierMap evaluation={evaluation.clone()} map={map.clone()} {options} /> },
        _ => html! {},
    }
}

fn fail(
    state: &UseStateHandle<FetchState<Data>>,
    stale_since: &UseStateHandle<Option<String>>,
    last_ok: &Rc<RefCell<Option<String>>>,
    error: FetchError,
) {
    match (&**state, &error) {
        // Keep showing what we had; say how old it is.
        (FetchState::Ready(_), FetchError::Network(_)) => stale_since.set(last_ok.borrow().clone()),
        _ => state.set(FetchState::Failed(error)),
    }
}

fn failure_text(lang: Lang, options: &WidgetOptions, error: &FetchError) -> String {
    match error {
        FetchError::Api { status: 404, message, .. } if options.kind.is_some_and(Kind::is_evaluation) => t(
            lang,
            &format!("还没有可以评价的季度数据（{message}）。区县上传季度数据后会自动显示。"),
            &format!("No quarter has the data for an evaluation yet ({message}). It appears once districts upload their quarters."),
        ),
        FetchError::Api { status: 404, message, .. } => t(
            lang,
            &format!("找不到指标“{}”或地区“{}”（{message}）。请检查 data-indicator 和 data-region。", options.indicator, options.region),
            &format!(
                "Unknown indicator “{}” or region “{}” ({message}). Check data-indicator and data-region.",
                options.indicator, options.region
            ),
        ),
        FetchError::Api { message, .. } => t(lang, &format!("数据服务报错：{message}"), &format!("The data service answered: {message}")),
        FetchError::Network(_) => {
            t(lang, "暂时无法连接数据服务，稍后会自动重试。", "The data service cannot be reached; the widget will retry.")
        }
    }
}
