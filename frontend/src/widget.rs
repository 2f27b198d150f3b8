//! The root component of every widget: loads the catalogue and the series (through the page's
//! shared client), follows live events, keeps the last data when the API is unreachable (with a
//! visible "数据截至 … / data as of …" note), and hands the data to the widget type's view.

use std::rc::Rc;

use innogauge_model::views::SeriesView;
use innogauge_model::{Catalog, Lang};
use yew::prelude::*;

use crate::client::{FetchError, client};
use crate::gauge::Gauge;
use crate::kpi::Kpi;
use crate::options::{Kind, WidgetOptions};
use crate::table::DataTable;

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

/// Everything a view needs.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The catalogue (names, units).
    pub catalog: Rc<Catalog>,
    /// The series with its progress, as the API computed it with the model.
    pub view: Rc<SeriesView>,
}

impl PartialEq for Loaded {
    /// The catalogue is loaded once per page: the same `Rc` is the same catalogue.
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.catalog, &other.catalog) && self.view == other.view
    }
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

fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).as_string().unwrap_or_default()
}

/// Local time of day `HH:MM`, for the stale note.
fn now_label() -> String {
    let date = js_sys::Date::new_0();
    format!("{}-{:02}-{:02} {:02}:{:02}", date.get_full_year(), date.get_month() + 1, date.get_date(), date.get_hours(), date.get_minutes())
}

/// Texts in the widget's language.
pub fn t(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// The widget.
#[function_component(Widget)]
pub fn widget(props: &WidgetProps) -> Html {
    let options = props.options.clone();
    let state = use_state(|| FetchState::<Loaded>::Loading);
    let stale_since = use_state(|| None::<String>);
    let last_ok = use_mut_ref(|| None::<String>);
    let refresh = use_reducer(Refresh::default);

    {
        let (state, stale_since, last_ok) = (state.clone(), stale_since.clone(), last_ok.clone());
        let options = options.clone();
        use_effect_with((options.clone(), refresh.0), move |_| {
            let path = format!("/api/v1/series?indicator={}&region={}", encode(&options.indicator), encode(&options.region));
            let client = client();
            let loader = client.clone();
            client.catalog(move |catalog| {
                let catalog = match catalog {
                    Ok(catalog) => catalog,
                    Err(e) => {
                        fail(&state, &stale_since, &last_ok, e);
                        return;
                    }
                };
                loader.get(&path, move |result| {
                    match result.and_then(|body| serde_json::from_str::<SeriesView>(&body).map_err(|e| FetchError::Network(e.to_string())))
                    {
                        Ok(view) => {
                            *last_ok.borrow_mut() = Some(now_label());
                            stale_since.set(None);
                            state.set(FetchState::Ready(Loaded { catalog, view: Rc::new(view) }));
                        }
                        Err(e) => fail(&state, &stale_since, &last_ok, e),
                    }
                });
            });
        });
    }

    // Live: refetch when a commit touches this series; mark stale while disconnected.
    let key = match &*state {
        FetchState::Ready(loaded) => Some((loaded.view.series.indicator.clone(), loaded.view.series.region.clone())),
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

    let lang = options.lang;
    let body = match (&*state, options.kind) {
        (_, None) => {
            html! { <p class="message" role="alert">{ t(lang, &format!("未知的组件类型“{}”。可用：gauge、kpi、table。", options.kind_text), &format!("Unknown widget type “{}”. Use gauge, kpi or table.", options.kind_text)) }</p> }
        }
        (FetchState::Loading, _) => html! { <p class="message loading" aria-busy="true">{ t(lang, "加载中…", "Loading…") }</p> },
        (FetchState::Failed(error), _) => html! { <p class="message" role="alert">{ failure_text(lang, &options, error) }</p> },
        (FetchState::Ready(loaded), Some(Kind::Gauge)) => html! { <Gauge loaded={loaded.clone()} options={options.clone()} /> },
        (FetchState::Ready(loaded), Some(Kind::Kpi)) => html! { <Kpi loaded={loaded.clone()} options={options.clone()} /> },
        (FetchState::Ready(loaded), Some(Kind::Table)) => {
            html! { <DataTable loaded={loaded.clone()} options={options.clone()} visible={true} /> }
        }
    };
    let stale = stale_since.as_ref().map(|at| {
        html! { <p class="stale" role="status">{ t(lang, &format!("数据截至 {at}（暂时无法连接数据服务）"), &format!("Data as of {at} (the data service is unreachable)")) }</p> }
    });
    html! {
        <div class={classes!("ig", options.theme.class())}>
            { body }
            { for stale }
        </div>
    }
}

fn fail(
    state: &UseStateHandle<FetchState<Loaded>>,
    stale_since: &UseStateHandle<Option<String>>,
    last_ok: &Rc<std::cell::RefCell<Option<String>>>,
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
