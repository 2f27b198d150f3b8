//! `/board`: the leaders' wall display, one screen with nothing to scroll at 1920×1080 (and,
//! zoomed by its CSS, at 3840×2160), on a dark background: every
//! city target of the current plan as a gauge (the plan whose deadline is the nearest still
//! open; an ended plan's outcome one press away), the district map, rankings of the key
//! district indicators, the clock and the time of the last upload. Everything on it is a live
//! widget, so a commit anywhere (a catalogue revision too) repaints it within seconds; no
//! reload is ever needed.

use std::rc::Rc;

use innogauge_model::Lang;
use innogauge_model::wire::{BackupStatus, Plan, ProgressWire, Role, in_plan, plans};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

use super::api::{self, UploadSummary};
use super::header::Header;
use super::{local_time, now_text, use_lang};
use crate::client::client;
use crate::names::t;

/// Properties of [`BoardPage`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct BoardPageProps {
    /// Switches the language.
    pub set_lang: Callback<Lang>,
}

/// The clock, ticking every second.
#[hook]
fn use_clock() -> String {
    let now = use_state(now_text);
    {
        let now = now.clone();
        use_effect_with((), move |_| {
            let tick = Closure::<dyn Fn()>::new(move || now.set(now_text()));
            let window = web_sys::window();
            let id = window
                .as_ref()
                .and_then(|w| w.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 1000).ok());
            move || {
                if let (Some(w), Some(id)) = (window, id) {
                    w.clear_interval_with_handle(id);
                }
                drop(tick);
            }
        });
    }
    (*now).clone()
}

/// The last backup in words, for an admin.
fn backup_line(lang: Lang, status: &BackupStatus) -> String {
    match (&status.latest, status.scheduled) {
        (Some(file), _) => {
            let size = format!("{:.1} MB", file.bytes as f64 / 1_048_576.0);
            t(
                lang,
                &format!("最近备份：{}（{size}）", local_time(&file.written_at)),
                &format!("Last backup {} ({size})", local_time(&file.written_at)),
            )
        }
        (None, true) => t(lang, "尚未完成备份", "No backup written yet"),
        (None, false) => t(lang, "未设置定时备份（--backup-dir）", "Scheduled backups are off (--backup-dir)"),
    }
}

/// The wall display.
#[function_component(BoardPage)]
pub fn board_page(props: &BoardPageProps) -> Html {
    let lang = use_lang();
    let clock = use_clock();
    let latest = use_state(|| None::<Rc<UploadSummary>>);
    let city_targets = use_state(|| Rc::new(Vec::<ProgressWire>::new()));
    // The plan chosen on the tabs (`None`: the current one, following the data).
    let chosen = use_state(|| None::<i32>);
    let connected = use_state(|| true);
    let backup = use_state(|| None::<Rc<BackupStatus>>);
    // For an admin, the state of the scheduled backups (the server says who may see it).
    {
        let backup = backup.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let Ok(session) = api::call::<api::Session>("GET", "/api/v1/session", None, None).await else { return };
                if session.user.role == Role::Admin
                    && let Ok(status) = api::call::<BackupStatus>("GET", "/api/v1/backup", None, None).await
                {
                    backup.set(Some(Rc::new(status)));
                }
            });
        });
    }
    // The last upload, now and after every commit (the same event stream as the widgets).
    {
        let (latest, connected, city_targets) = (latest.clone(), connected.clone(), city_targets.clone());
        use_effect_with((), move |_| {
            let load = {
                let (latest, city_targets) = (latest.clone(), city_targets.clone());
                Rc::new(move || {
                    let (latest, city_targets) = (latest.clone(), city_targets.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Ok(list) = api::call::<Vec<UploadSummary>>("GET", "/api/v1/uploads?limit=1", None, None).await {
                            latest.set(list.into_iter().next().map(Rc::new));
                        }
                        // Which plans there are, and which targets each holds: the catalogue's,
                        // as the server judges them now.
                        if let Ok(list) = api::call::<Vec<ProgressWire>>("GET", "/api/v1/progress?region=500000", None, None).await {
                            city_targets.set(Rc::new(list));
                        }
                    });
                })
            };
            load();
            let on_commit = load.clone();
            let id = client().subscribe("*", "*", Rc::new(move || on_commit()));
            client().watch_connection(
                id,
                Rc::new(move |up| {
                    connected.set(up);
                    if up {
                        load();
                    }
                }),
            );
            move || client().unsubscribe(id)
        });
    }
    let lang_code = if lang == Lang::Zh { "zh" } else { "en" };
    let widget = |kind: &str, indicator: &str, measure: Option<&str>, height: &str, target: Option<String>| {
        // Keyed by its options: a language switch makes a new element, which mounts anew.
        let key = format!("{kind}|{indicator}|{lang_code}|{measure:?}|{target:?}");
        html! { <div key={key} class="cell" data-innogauge={kind.to_owned()} data-indicator={(!indicator.is_empty()).then(|| indicator.to_owned())}
        data-measure={measure.map(str::to_owned)} data-height={height.to_owned()} data-theme="dark" data-lang={lang_code} data-target={target} /> }
    };
    let (all_plans, current) = plans(&city_targets);
    let shown = chosen.filter(|year| all_plans.iter().any(|p| p.year == *year)).or(current);
    let mut gauges: Vec<String> = Vec::new();
    for p in city_targets.iter().filter(|p| shown.is_some_and(|year| in_plan(p, year))) {
        if !gauges.contains(&p.indicator) {
            gauges.push(p.indicator.clone());
        }
    }
    let plan_label = |plan: &Plan| match (plan.ended, lang) {
        (true, Lang::Zh) => format!("{}年目标（已到期）", plan.year),
        (false, Lang::Zh) => format!("{}年目标", plan.year),
        (true, Lang::En) => format!("{} targets (ended)", plan.year),
        (false, Lang::En) => format!("{} targets", plan.year),
    };
    let tabs = (all_plans.len() > 1).then(|| {
        html! {
            <nav class="plans" aria-label={t(lang, "规划期", "Plans")}>
                { for all_plans.iter().map(|plan| {
                    let year = plan.year;
                    let chosen = chosen.clone();
                    let pressed = shown == Some(year);
                    html! { <button type="button" aria-pressed={pressed.to_string()} onclick={Callback::from(move |_| chosen.set(Some(year)))}>{ plan_label(plan) }</button> }
                }) }
            </nav>
        }
    });
    let year_text = shown.map_or_else(String::new, |y| y.to_string());
    let updated = match &*latest {
        // Who uploaded is shown to signed-in viewers only (the public answer leaves it out).
        Some(upload) => match &upload.actor {
            Some(actor) => t(
                lang,
                &format!("数据更新于 {}（{actor}）", local_time(&upload.created_at)),
                &format!("Data updated {} ({actor})", local_time(&upload.created_at)),
            ),
            None => t(
                lang,
                &format!("数据更新于 {}", local_time(&upload.created_at)),
                &format!("Data updated {}", local_time(&upload.created_at)),
            ),
        },
        None => t(lang, "尚无上传数据", "No data uploaded yet"),
    };
    html! {
        <div class="wall">
            <Header current="board" set_lang={props.set_lang.clone()} dark=true />
            <div class="wall-title">
                <h1>{ t(lang, &format!("重庆市 {year_text} 年科技创新目标进展"), &format!("Chongqing {year_text} science & technology targets")) }</h1>
                <p class="updated" role="status" aria-live="polite" id="last-update" data-upload={latest.as_ref().map(|u| u.id.to_string())}>{ updated }</p>
                <p class={classes!("live", (!*connected).then_some("down"))}>{ if *connected { t(lang, "● 实时", "● Live") } else { t(lang, "○ 重新连接中", "○ Reconnecting") } }</p>
                <p class="clock" aria-hidden="true">{ clock }</p>
                if let Some(status) = &*backup { <p class="updated" id="last-backup">{ backup_line(lang, status) }</p> }
                { for tabs }
            </div>
            <section class="wall-gauges" aria-label={t(lang, &format!("{year_text} 年全市目标"), &format!("{year_text} city targets"))}>
                { for gauges.iter().map(|indicator| widget("gauge", indicator, None, "210", Some(year_text.clone()))) }
            </section>
            // One row below the gauges, as tall as the screen leaves (the page's CSS stretches
            // the widgets; their rankings then fit all 38 districts): the districts by three
            // indicators, and the evaluation. The evaluation's table is for reading, in the
            // report, not for a wall.
            <div class="wall-lower">
                <section class="wall-districts" aria-label={t(lang, "各区县", "Districts")}>
                    { widget("map", "high_tech_enterprises", Some("value"), "640", None) }
                    { widget("ranking", "rd_expenditure", Some("growth"), "640", None) }
                    { widget("ranking", "tech_smes", Some("value"), "640", None) }
                </section>
                <section class="wall-evaluation" aria-label={t(lang, "区县科技创新评价", "District innovation evaluation")}>
                    { widget("index-ranking", "", None, "640", None) }
                    { widget("index-map", "", None, "640", None) }
                </section>
            </div>
        </div>
    }
}
