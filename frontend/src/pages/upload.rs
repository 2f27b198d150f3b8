//! `/upload`: a statistician picks or drops a CSV or Excel file. A CSV is checked at once in
//! the browser by the model compiled to wasm (the very rules the server applies); then the
//! server's dry run adds what only it knows (stored values: revisions, 30 % drops). The file
//! is shown as a grid with bad cells marked, the change summary says what a commit would do,
//! and a confirm button commits. Below: the upload history, with revert for admins.

use std::rc::Rc;

use innogauge_model::wire::{GridWire, ProblemWire, ReportWire, UploadOptionsWire, validation_report};
use innogauge_model::{Catalog, Lang};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::api::{self, CallError, FileUpload, Outcome, Session, UploadStatus, UploadSummary};
use super::grid::{FileGrid, ProblemList};
use super::header::Header;
use super::{local_time, use_lang};
use crate::names::t;
use crate::names::{figure, period_label, region_name, value_label};
use innogauge_model::wire::{Role, UploadKind};

/// Properties of [`UploadPage`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct UploadPageProps {
    /// Switches the language.
    pub set_lang: Callback<Lang>,
}

/// A file the user picked.
#[derive(Clone, Debug, PartialEq)]
pub struct Picked {
    /// Its name.
    pub name: String,
    /// Its bytes.
    pub bytes: Rc<Vec<u8>>,
}

impl Picked {
    /// Whether the browser can read it (CSV); workbooks are read by the server only.
    pub fn is_csv(&self) -> bool {
        let lower = self.name.to_lowercase();
        !(lower.ends_with(".xlsx") || lower.ends_with(".xlsm") || lower.ends_with(".xls") || lower.ends_with(".ods"))
    }
}

/// Where the upload stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    /// Nothing picked.
    Idle,
    /// Reading the file.
    Reading,
    /// The server's dry run is under way (the local check may be shown already).
    Checking,
    /// The dry run answered.
    Checked(Rc<Outcome>),
    /// Committing.
    Committing,
    /// Committed (or a duplicate of an earlier upload).
    Committed(Rc<Outcome>),
    /// A call failed.
    Failed(String),
}

/// Sent, total bytes of the transfer under way.
type Progress = Option<(f64, f64)>;

fn random_key() -> String {
    let mut bytes = [0u8; 16];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn failure(lang: Lang, e: &CallError) -> String {
    match e.status {
        0 => t(lang, "无法连接服务器，请检查网络后重试。", "The server could not be reached; check the network and try again."),
        401 => t(lang, "登录已过期，请重新登录。", "Your session has ended; sign in again."),
        403 => format!("{} {}", t(lang, "没有权限：", "Not allowed:"), e.message),
        413 => t(lang, "文件太大，请拆分后上传。", "The file is too large; split it."),
        415 => t(lang, "只能上传 CSV 或 Excel（.xlsx）文件。", "Upload a CSV or Excel (.xlsx) file."),
        429 => t(lang, "上传过于频繁，请稍后再试。", "Too many uploads; wait a minute."),
        _ => format!("{} ({})", e.message, e.code),
    }
}

/// What the page knows, changed only by [`Action`]s (Yew's `use_reducer`, as its todomvc
/// example keeps its state): one place says how the page moves from one state to the next.
#[derive(Clone, Debug, PartialEq)]
pub struct UploadState {
    /// Who is signed in.
    pub session: Option<Rc<Session>>,
    /// The file picked.
    pub picked: Option<Picked>,
    /// The period typed for files that do not state one.
    pub period: String,
    /// The browser's own check of a CSV file, and the file as a grid.
    pub local: Option<(Rc<ReportWire>, Option<Rc<GridWire>>)>,
    /// Where the upload stands.
    pub stage: Stage,
    /// The transfer under way.
    pub progress: Progress,
    /// Bumped when the history must be read again.
    pub history_version: u32,
    /// A file is being dragged over the drop zone.
    pub dragging: bool,
}

impl Default for UploadState {
    fn default() -> Self {
        UploadState {
            session: None,
            picked: None,
            period: String::new(),
            local: None,
            stage: Stage::Idle,
            progress: None,
            history_version: 0,
            dragging: false,
        }
    }
}

/// What can happen on the page.
#[derive(Clone, Debug)]
pub enum Action {
    /// The session was read.
    SignedIn(Rc<Session>),
    /// The file is being read from disk.
    Reading,
    /// A file was read.
    Picked(Picked),
    /// The period field changed.
    Period(String),
    /// The browser checked the file (`None`: a workbook, which only the server reads).
    CheckedLocally(Option<(Rc<ReportWire>, Option<Rc<GridWire>>)>),
    /// A transfer to the server started (dry run or commit) with this many bytes.
    Sending(Stage, f64),
    /// Bytes sent so far of the total.
    Sent(f64, f64),
    /// The server answered, or the call failed.
    Answered(Stage),
    /// The history changed (a commit, a revert).
    HistoryChanged,
    /// A drag entered or left the drop zone.
    Dragging(bool),
}

impl Reducible for UploadState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::SignedIn(session) => next.session = Some(session),
            Action::Reading => next.stage = Stage::Reading,
            Action::Picked(file) => next.picked = Some(file),
            Action::Period(period) => next.period = period,
            Action::CheckedLocally(local) => next.local = local,
            Action::Sending(stage, total) => {
                next.stage = stage;
                next.progress = Some((0.0, total));
            }
            Action::Sent(sent, total) => next.progress = Some((sent, total)),
            Action::Answered(stage) => {
                next.stage = stage;
                next.progress = None;
            }
            Action::HistoryChanged => next.history_version = next.history_version.wrapping_add(1),
            Action::Dragging(dragging) => next.dragging = dragging,
        }
        Rc::new(next)
    }
}

/// Sends `file` to the server (a dry run or a commit), reporting progress and the answer.
fn send(state: &UseReducerHandle<UploadState>, lang: Lang, file: Picked, dry_run: bool) {
    let Some(session) = state.session.clone() else { return };
    let stage = if dry_run { Stage::Checking } else { Stage::Committing };
    state.dispatch(Action::Sending(stage, file.bytes.len() as f64));
    let upload = FileUpload {
        bytes: file.bytes.clone(),
        name: file.name,
        dry_run,
        period: Some(state.period.clone()),
        csrf: session.csrf.clone(),
        idempotency_key: (!dry_run).then(random_key),
    };
    let on_progress = {
        let state = state.clone();
        Rc::new(move |sent: f64, total: f64| state.dispatch(Action::Sent(sent, total)))
    };
    let answered = state.clone();
    let sent = api::send_file(&upload, on_progress, move |result| {
        answered.dispatch(Action::Answered(match result {
            Ok(outcome) if !dry_run && matches!(outcome.status, UploadStatus::Committed | UploadStatus::Duplicate) => {
                Stage::Committed(Rc::new(outcome))
            }
            Ok(outcome) => Stage::Checked(Rc::new(outcome)),
            Err(e) => Stage::Failed(failure(lang, &e)),
        }));
        if !dry_run {
            answered.dispatch(Action::HistoryChanged);
        }
    });
    if let Err(e) = sent {
        state.dispatch(Action::Answered(Stage::Failed(failure(lang, &e))));
    }
}

/// Checks a file: in the browser with the model (CSV), then by the server's dry run.
fn check(state: &UseReducerHandle<UploadState>, lang: Lang, file: Picked) {
    let Some(session) = state.session.clone() else { return };
    // 1. In the browser: the model's own reading of the file, before any byte is sent.
    let local = file.is_csv().then(|| {
        let options = UploadOptionsWire {
            period: Some(state.period.clone()).filter(|p| !p.trim().is_empty()),
            allowed_regions: (session.user.role == Role::Statistician).then(|| session.user.regions.clone()),
            max_rows: None,
            max_bytes: None,
        };
        // The server's catalogue (the next plan may have added an indicator), once it is here.
        let catalog = crate::client::client().cached_catalog();
        let report = validation_report(catalog.as_deref().unwrap_or(Catalog::builtin()), &file.bytes, &options).ok();
        let grid = GridWire::of_csv(&file.bytes, 5_000).map(Rc::new);
        report.map(|r| (Rc::new(r), grid))
    });
    state.dispatch(Action::CheckedLocally(local.flatten()));
    // 2. The server's dry run: the same rules plus the stored values.
    send(state, lang, file, true);
}

/// What the signed-in user may upload, in words.
fn scope_note(lang: Lang, session: &Session) -> String {
    match session.user.role {
        Role::Statistician => {
            let names: Vec<String> = session.user.regions.iter().map(|r| region_name(Catalog::builtin(), r, lang)).collect();
            t(lang, &format!("您可以上传：{} 的数据。", names.join("、")), &format!("You may upload data of {}.", names.join(", ")))
        }
        Role::Admin => t(
            lang,
            "您是管理员，可以上传所有区县的数据并撤销上传。",
            "You are an administrator: you may upload any region's data and revert uploads.",
        ),
        Role::Reader => t(lang, "只读账号不能上传。", "A reader account cannot upload."),
    }
}

/// The upload page.
#[function_component(UploadPage)]
pub fn upload_page(props: &UploadPageProps) -> Html {
    let lang = use_lang();
    let state = use_reducer(UploadState::default);
    // The catalogue in force, for the check in the browser.
    use_effect_with((), |_| crate::client::client().catalog(|_| {}));

    // Who is signed in (the server sent this page only to a session; it may end meanwhile).
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::call::<Session>("GET", "/api/v1/session", None, None).await {
                    Ok(found) => state.dispatch(Action::SignedIn(Rc::new(found))),
                    Err(_) => {
                        if let Some(window) = web_sys::window() {
                            let _ = window.location().assign("/signin?next=%2Fupload");
                        }
                    }
                }
            });
        });
    }
    let on_file = {
        let state = state.clone();
        Callback::from(move |file: web_sys::File| {
            let state = state.clone();
            state.dispatch(Action::Reading);
            wasm_bindgen_futures::spawn_local(async move {
                match JsFuture::from(file.array_buffer()).await {
                    Ok(buffer) => {
                        let chosen = Picked { name: file.name(), bytes: Rc::new(js_sys::Uint8Array::new(&buffer).to_vec()) };
                        state.dispatch(Action::Picked(chosen.clone()));
                        check(&state, lang, chosen);
                    }
                    Err(_) => state.dispatch(Action::Answered(Stage::Failed(t(lang, "无法读取该文件。", "The file could not be read.")))),
                }
            });
        })
    };
    let on_recheck = {
        let state = state.clone();
        Callback::from(move |()| {
            if let Some(file) = state.picked.clone() {
                check(&state, lang, file);
            }
        })
    };
    let commit = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            if matches!(state.stage, Stage::Committing) {
                return;
            }
            if let Some(file) = state.picked.clone() {
                send(&state, lang, file, false);
            }
        })
    };
    let sign_out = {
        let state = state.clone();
        Callback::from(move |()| {
            let csrf = state.session.as_ref().map(|s| s.csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let _ = api::call::<serde_json::Value>("DELETE", "/api/v1/session", None, csrf.as_deref()).await;
                if let Some(window) = web_sys::window() {
                    let _ = window.location().assign("/signin");
                }
            });
        })
    };
    let dispatch = |make: fn(String) -> Action| {
        let state = state.clone();
        Callback::from(move |value: String| state.dispatch(make(value)))
    };
    let on_dragging = {
        let state = state.clone();
        Callback::from(move |over: bool| state.dispatch(Action::Dragging(over)))
    };
    let on_history = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(Action::HistoryChanged))
    };
    let session = state.session.as_ref();
    let user = session.map(|s| (s.user.name.clone(), s.user.role));
    html! {
        <>
            <Header current="upload" set_lang={props.set_lang.clone()} user={user} on_sign_out={Some(sign_out)} />
            <main class="wide">
                <h1>{ t(lang, "上传季度数据", "Upload quarterly data") }</h1>
                if let Some(session) = session { <p class="lead">{ scope_note(lang, session) }</p> }
                <FilePicker picked={state.picked.clone()} period={state.period.clone()} dragging={state.dragging}
                    {on_file} on_period={dispatch(Action::Period)} {on_dragging} {on_recheck} />
                { view_stage(lang, &state.stage, &state.progress, &state.local, commit) }
                <History version={state.history_version} admin={session.is_some_and(|s| s.user.role == Role::Admin)}
                    csrf={session.map(|s| s.csrf.clone()).unwrap_or_default()} on_change={on_history} />
            </main>
        </>
    }
}

/// Properties of [`FilePicker`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct FilePickerProps {
    /// The file picked, if any.
    pub picked: Option<Picked>,
    /// The period typed.
    pub period: String,
    /// A drag is over the drop zone.
    pub dragging: bool,
    /// A file was chosen or dropped.
    pub on_file: Callback<web_sys::File>,
    /// The period changed.
    pub on_period: Callback<String>,
    /// A drag entered (true) or left (false).
    pub on_dragging: Callback<bool>,
    /// Check the picked file again.
    pub on_recheck: Callback<()>,
}

/// Step 1: the drop zone, the file chooser and the period.
#[function_component(FilePicker)]
pub fn file_picker(props: &FilePickerProps) -> Html {
    let lang = use_lang();
    let file_input = use_node_ref();
    let on_change = {
        let on_file = props.on_file.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                on_file.emit(file);
            }
            input.set_value("");
        })
    };
    let on_drop = {
        let (on_file, on_dragging) = (props.on_file.clone(), props.on_dragging.clone());
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            on_dragging.emit(false);
            if let Some(file) = event.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
                on_file.emit(file);
            }
        })
    };
    let on_drag_over = {
        let (on_dragging, dragging) = (props.on_dragging.clone(), props.dragging);
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            if !dragging {
                on_dragging.emit(true);
            }
        })
    };
    let on_drag_leave = {
        let on_dragging = props.on_dragging.clone();
        Callback::from(move |_: DragEvent| on_dragging.emit(false))
    };
    let on_period = {
        let on_period = props.on_period.clone();
        Callback::from(move |event: InputEvent| on_period.emit(event.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let recheck = {
        let on_recheck = props.on_recheck.clone();
        Callback::from(move |_: MouseEvent| on_recheck.emit(()))
    };
    let choose = {
        let file_input = file_input.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(input) = file_input.cast::<web_sys::HtmlElement>() {
                input.click();
            }
        })
    };
    html! {
        <section class="card pick" aria-labelledby="pick-title">
            <h2 id="pick-title">{ t(lang, "1. 选择文件", "1. Choose a file") }</h2>
            <div class={classes!("drop", props.dragging.then_some("over"))} ondrop={on_drop} ondragover={on_drag_over} ondragleave={on_drag_leave}>
                <p>{ t(lang, "把 CSV 或 Excel 文件拖到这里，或", "Drop a CSV or Excel file here, or") }</p>
                <button type="button" class="primary" onclick={choose}>{ t(lang, "选择文件…", "Choose a file…") }</button>
                <input id="file" ref={file_input} class="sr" type="file" accept=".csv,.txt,.xlsx,text/csv" onchange={on_change}
                    aria-label={t(lang, "选择要上传的文件", "File to upload")} tabindex="-1" />
                <p class="muted">{ t(lang, "支持 GBK 或 UTF-8（含 BOM）编码、标题行、合计行、千分位数字（1,234）。Excel 文件请用 .xlsx 格式。",
                    "GBK or UTF-8 (with BOM), title rows, 合计 rows and 1,234-style numbers are all fine. Excel files as .xlsx.") }</p>
            </div>
            <label for="period">{ t(lang, "报告期（仅当文件中没有写明时填写，如 2025Q3 或 2025年1-9月）", "Period (only if the file does not state it, e.g. 2025Q3)") }</label>
            <input id="period" class="short" value={props.period.clone()} oninput={on_period} placeholder="2025Q3" />
            if let Some(file) = &props.picked {
                <p class="file-name">{ t(lang, "文件：", "File: ") }<strong>{ &file.name }</strong>{ format!("（{} KB）", (file.bytes.len() as f64 / 1024.0).ceil()) }
                    { " " }<button type="button" class="link" onclick={recheck}>{ t(lang, "重新检查", "Check again") }</button></p>
            }
        </section>
    }
}

fn progress_bar(lang: Lang, label: &str, progress: &Progress) -> Html {
    let (sent, total) = progress.unwrap_or((0.0, 0.0));
    let percent = if total > 0.0 { (sent / total * 100.0).round() } else { 0.0 };
    html! {
        <div class="progress" role="status">
            <label for="upload-progress">{ label }</label>
            <progress id="upload-progress" max="100" value={percent.to_string()}>{ format!("{percent}%") }</progress>
            <span>{ if sent >= total && total > 0.0 { t(lang, "已发送，等待服务器检查…", "Sent; the server is checking…") } else { format!("{percent}%") } }</span>
        </div>
    }
}

fn view_stage(
    lang: Lang,
    stage: &Stage,
    progress: &Progress,
    local: &Option<(Rc<ReportWire>, Option<Rc<GridWire>>)>,
    commit: Callback<MouseEvent>,
) -> Html {
    let local_view = |title: &str| {
        local.as_ref().map(|(report, grid)| {
            html! {
                <section class="card" aria-labelledby="local-title">
                    <h2 id="local-title">{ title.to_owned() }</h2>
                    { report_summary(lang, report) }
                    <ProblemList problems={Rc::new(report.problems.clone())} />
                    if let Some(grid) = grid { <FileGrid grid={grid.clone()} problems={Rc::new(report.problems.clone())} /> }
                </section>
            }
        })
    };
    match stage {
        Stage::Idle => html! {},
        Stage::Reading => html! { <p class="card" role="status">{ t(lang, "正在读取文件…", "Reading the file…") }</p> },
        Stage::Checking => html! {
            <>
                { progress_bar(lang, &t(lang, "服务器检查（不会保存）", "Server check (nothing is stored)"), progress) }
                { for local_view(&t(lang, "2. 浏览器内检查结果", "2. Checked in the browser")) }
            </>
        },
        Stage::Failed(message) => html! {
            <>
                <p class="card error" role="alert">{ message.clone() }</p>
                { for local_view(&t(lang, "浏览器内检查结果", "Checked in the browser")) }
            </>
        },
        Stage::Committing => html! { { progress_bar(lang, &t(lang, "正在提交", "Committing"), progress) } },
        Stage::Checked(outcome) => checked(lang, outcome, commit),
        Stage::Committed(outcome) => committed(lang, outcome),
    }
}

fn report_summary(lang: Lang, report: &ReportWire) -> Html {
    let period = report.period.as_deref().map(|p| period_label(p, lang));
    let encoding = report.encoding.clone().unwrap_or_default();
    let (period_zh, period_en) = period.map_or((String::new(), String::new()), |p| (format!("报告期 {p}；"), format!("period {p}; ")));
    let text = t(
        lang,
        &format!(
            "{} 行数据，{} 个数值；{period_zh}编码 {encoding}；{} 个错误，{} 个提示。",
            report.data_rows, report.observations, report.errors, report.warnings
        ),
        &format!(
            "{} data rows, {} values; {period_en}encoding {encoding}; {} errors, {} warnings.",
            report.data_rows, report.observations, report.errors, report.warnings
        ),
    );
    html! { <p class={if report.valid { "ok" } else { "error" }} role="status">{ text }</p> }
}

fn checked(lang: Lang, outcome: &Outcome, commit: Callback<MouseEvent>) -> Html {
    let report = &outcome.report;
    let problems = Rc::new(report.problems.clone());
    let verdict = match outcome.status {
        UploadStatus::Duplicate => t(
            lang,
            &format!("这个文件已经上传过（第 {} 号上传），不会重复保存。", outcome.upload.as_ref().map_or(0, |u| u.id)),
            &format!(
                "This file was uploaded before (upload #{}); it will not be stored twice.",
                outcome.upload.as_ref().map_or(0, |u| u.id)
            ),
        ),
        _ if report.valid => {
            t(lang, "检查通过，可以提交。请核对下面的变更。", "The file passed the check. Review the changes below, then commit.")
        }
        _ => t(
            lang,
            "文件有错误，未保存任何数据。请按下面的说明修改后重新上传。",
            "The file has errors; nothing was stored. Fix what is listed below and upload again.",
        ),
    };
    let can_commit = report.valid && outcome.status == UploadStatus::DryRun;
    html! {
        <>
            <section class="card" aria-labelledby="check-title">
                <h2 id="check-title">{ t(lang, "2. 检查结果", "2. Check") }</h2>
                <p class={if report.valid { "ok" } else { "error" }} role="alert">{ verdict }</p>
                { report_summary(lang, report) }
                <ProblemList problems={problems.clone()} />
                if let Some(grid) = &outcome.grid { <FileGrid grid={Rc::new(grid.clone())} problems={problems} /> }
            </section>
            if report.valid && outcome.status == UploadStatus::DryRun {
                <section class="card" aria-labelledby="changes-title">
                    <h2 id="changes-title">{ t(lang, "3. 将要发生的变更", "3. What will change") }</h2>
                    { changes(lang, outcome) }
                    <button type="button" class="primary big" onclick={commit} disabled={!can_commit}>{ t(lang, "确认提交", "Commit") }</button>
                </section>
            }
        </>
    }
}

fn changes(lang: Lang, outcome: &Outcome) -> Html {
    let catalog = Catalog::builtin();
    let c = &outcome.changes;
    let key = |indicator: &str, region: &str, period: &str| value_label(catalog, indicator, region, period, lang);
    let warnings: Vec<&ProblemWire> = outcome.report.problems.iter().filter(|p| p.severity == "warning").collect();
    html! {
        <>
            <ul class="counts">
                <li><strong>{ c.new_total() }</strong>{ t(lang, " 个新数值", " new values") }</li>
                <li><strong>{ c.revised_total() }</strong>{ t(lang, " 个修订（旧值 → 新值）", " revisions (old → new)") }</li>
                <li><strong>{ c.unchanged }</strong>{ t(lang, " 个与已有数据相同", " unchanged") }</li>
            </ul>
            if !c.revised.is_empty() {
                <table class="changes">
                    <caption>{ t(lang, "修订", "Revisions") }</caption>
                    <thead><tr><th scope="col">{ t(lang, "数据", "Value") }</th><th scope="col">{ t(lang, "旧值", "Old") }</th><th scope="col">{ t(lang, "新值", "New") }</th></tr></thead>
                    <tbody>{ for c.revised.iter().take(200).map(|r| html! {
                        <tr><td>{ key(&r.indicator, &r.region, &r.period) }</td><td>{ figure(catalog, &r.indicator, r.old, lang) }</td><td>{ figure(catalog, &r.indicator, r.new, lang) }</td></tr>
                    }) }</tbody>
                </table>
            }
            if !c.new.is_empty() {
                <details>
                    <summary>{ t(lang, &format!("新数值（{} 个）", c.new_total()), &format!("New values ({})", c.new_total())) }</summary>
                    <ul class="new-values">{ for c.new.iter().take(300).map(|o| html! {
                        <li>{ format!("{}：{}", key(&o.indicator, &o.region, &o.period), figure(catalog, &o.indicator, o.value, lang)) }</li>
                    }) }</ul>
                </details>
            }
            if !warnings.is_empty() {
                <p class="warn-note">{ t(lang, &format!("请核对 {} 条提示（如较上季度下降超过 30%、合计与各区县之和不符），确认无误后再提交。", warnings.len()),
                    &format!("Check the {} warnings above (such as a drop of over 30 % from last quarter, or a 合计 row that differs from the district sum) before committing.", warnings.len())) }</p>
            }
        </>
    }
}

fn committed(lang: Lang, outcome: &Outcome) -> Html {
    let id = outcome.upload.as_ref().map_or(0, |u| u.id);
    let text = if outcome.status == UploadStatus::Duplicate {
        t(
            lang,
            &format!("这个文件已经上传过（第 {id} 号上传），没有重复保存。"),
            &format!("This file was uploaded before (upload #{id}); nothing was stored twice."),
        )
    } else {
        t(
            lang,
            &format!(
                "已提交（第 {id} 号上传）：新增 {} 个数值，修订 {} 个。所有打开的看板和门户图表将在数秒内更新。",
                outcome.changes.new_total(),
                outcome.changes.revised_total()
            ),
            &format!(
                "Committed (upload #{id}): {} new values, {} revised. Every open board and portal chart updates within seconds.",
                outcome.changes.new_total(),
                outcome.changes.revised_total()
            ),
        )
    };
    html! { <p class="card ok" role="alert" id="committed">{ text }</p> }
}

/// Properties of [`History`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct HistoryProps {
    /// Bumped to reload.
    pub version: u32,
    /// Whether revert buttons show.
    pub admin: bool,
    /// The session's CSRF token.
    pub csrf: String,
    /// After a revert.
    pub on_change: Callback<()>,
}

/// The latest uploads: who, when, what changed; admins may revert.
#[function_component(History)]
pub fn history(props: &HistoryProps) -> Html {
    let lang = use_lang();
    let uploads = use_state(|| None::<Result<Rc<Vec<UploadSummary>>, String>>);
    let notice = use_state(|| None::<String>);
    {
        let uploads = uploads.clone();
        use_effect_with(props.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let found = api::call::<Vec<UploadSummary>>("GET", "/api/v1/uploads?limit=20", None, None).await;
                uploads.set(Some(found.map(Rc::new).map_err(|e| e.message)));
            });
        });
    }
    let revert = |id: i64| {
        let (csrf, on_change, notice) = (props.csrf.clone(), props.on_change.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            let confirmed = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(&t(
                        lang,
                        &format!("撤销第 {id} 号上传？它修改的数值将恢复为之前的值。"),
                        &format!("Revert upload #{id}? The values it changed get their earlier values back."),
                    ))
                    .ok()
                })
                .unwrap_or(false);
            if !confirmed {
                return;
            }
            let (csrf, on_change, notice) = (csrf.clone(), on_change.clone(), notice.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::call::<serde_json::Value>("POST", &format!("/api/v1/uploads/{id}/revert"), None, Some(&csrf)).await {
                    Ok(_) => notice.set(Some(t(lang, &format!("第 {id} 号上传已撤销。"), &format!("Upload #{id} was reverted.")))),
                    Err(e) => notice.set(Some(e.message)),
                }
                on_change.emit(());
            });
        })
    };
    let open = use_state(|| None::<i64>);
    let toggle = |id: i64| {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(if *open == Some(id) { None } else { Some(id) }))
    };
    let columns = if props.admin { 7 } else { 6 };
    let rows = match &*uploads {
        None => html! { <p role="status">{ t(lang, "加载中…", "Loading…") }</p> },
        Some(Err(message)) => html! { <p class="error" role="alert">{ message.clone() }</p> },
        Some(Ok(list)) if list.is_empty() => html! { <p class="muted">{ t(lang, "还没有上传。", "No uploads yet.") }</p> },
        Some(Ok(list)) => html! {
            <table class="history">
                <thead><tr>
                    <th scope="col">{ "#" }</th><th scope="col">{ t(lang, "时间", "When") }</th><th scope="col">{ t(lang, "上传人", "Who") }</th>
                    <th scope="col">{ t(lang, "文件", "File") }</th><th scope="col">{ t(lang, "变更", "Changes") }</th>
                    <th scope="col"><span class="sr">{ t(lang, "明细", "Details") }</span></th>
                    if props.admin { <th scope="col"><span class="sr">{ t(lang, "操作", "Action") }</span></th> }
                </tr></thead>
                <tbody>{ for list.iter().map(|u| {
                    let what = if u.kind == UploadKind::Revert {
                        t(lang, &format!("撤销第 {} 号：恢复 {} 个", u.reverts.unwrap_or(0), u.revised_values + u.new_values), &format!("revert of #{}: {} restored", u.reverts.unwrap_or(0), u.revised_values + u.new_values))
                    } else {
                        t(lang, &format!("新增 {}，修订 {}，未变 {}", u.new_values, u.revised_values, u.unchanged_values), &format!("{} new, {} revised, {} unchanged", u.new_values, u.revised_values, u.unchanged_values))
                    };
                    let expanded = *open == Some(u.id);
                    html! { <>
                    <tr>
                        <td>{ u.id }</td><td>{ local_time(&u.created_at) }</td><td>{ u.actor.clone().unwrap_or_else(|| "—".into()) }</td>
                        <td>{ u.file_name.clone().unwrap_or_else(|| "—".into()) }</td><td>{ what }</td>
                        <td><button type="button" class="link" onclick={toggle(u.id)} aria-expanded={expanded.to_string()}
                            aria-label={t(lang, &format!("第 {} 号上传的明细", u.id), &format!("Details of upload #{}", u.id))}>{ if expanded { t(lang, "收起", "Hide") } else { t(lang, "明细", "Details") } }</button></td>
                        if props.admin { <td>if u.kind == UploadKind::Upload { <button type="button" class="link" onclick={revert(u.id)}
                            aria-label={t(lang, &format!("撤销第 {} 号上传", u.id), &format!("Revert upload #{}", u.id))}>{ t(lang, "撤销", "Revert") }</button> }</td> }
                    </tr>
                    if expanded { <tr class="detail"><td colspan={columns.to_string()}><UploadDetail id={u.id} /></td></tr> }
                    </> }
                }) }</tbody>
            </table>
        },
    };
    html! {
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">{ t(lang, "上传记录", "Upload history") }</h2>
            if let Some(text) = &*notice { <p role="status" class="ok">{ text.clone() }</p> }
            { rows }
        </section>
    }
}

/// Properties of [`UploadDetail`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct UploadDetailProps {
    /// The upload.
    pub id: i64,
}

/// `GET /api/v1/uploads/{id}`: the changes an upload made.
type Detail = innogauge_model::wire::UploadDetail;

/// What one upload changed: its revisions (old → new) and new values.
#[function_component(UploadDetail)]
pub fn upload_detail(props: &UploadDetailProps) -> Html {
    let lang = use_lang();
    let detail = use_state(|| None::<Result<Rc<Detail>, String>>);
    {
        let detail = detail.clone();
        use_effect_with(props.id, move |id| {
            let id = *id;
            wasm_bindgen_futures::spawn_local(async move {
                let found = api::call::<Detail>("GET", &format!("/api/v1/uploads/{id}"), None, None).await;
                detail.set(Some(found.map(Rc::new).map_err(|e| e.message)));
            });
        });
    }
    let catalog = Catalog::builtin();
    let key = |indicator: &str, region: &str, period: &str| value_label(catalog, indicator, region, period, lang);
    match &*detail {
        None => html! { <p role="status">{ t(lang, "加载中…", "Loading…") }</p> },
        Some(Err(message)) => html! { <p class="error">{ message.clone() }</p> },
        Some(Ok(found)) => {
            let Some(c) = &found.changes else {
                return html! { <p class="muted">{ t(lang, "没有记录明细。", "No details were recorded.") }</p> };
            };
            let shown = 100;
            html! {
                <ul class="detail-list">
                    { for c.revised.iter().take(shown).map(|r| html! {
                        <li>{ format!("{}：{} → {}", key(&r.indicator, &r.region, &r.period), figure(catalog, &r.indicator, r.old, lang), figure(catalog, &r.indicator, r.new, lang)) }</li>
                    }) }
                    { for c.new.iter().take(shown.saturating_sub(c.revised.len())).map(|o| html! {
                        <li>{ format!("{}：{}（{}）", key(&o.indicator, &o.region, &o.period), figure(catalog, &o.indicator, o.value, lang), t(lang, "新增", "new")) }</li>
                    }) }
                    if c.revised_total() + c.new_total() > shown {
                        <li class="muted">{ t(lang, &format!("…… 共 {} 项", c.revised_total() + c.new_total()), &format!("… {} in all", c.revised_total() + c.new_total())) }</li>
                    }
                </ul>
            }
        }
    }
}
