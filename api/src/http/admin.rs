//! The admins' account pages: `/admin/users` lists every account with its regions, state and
//! last sign-in, and adds, disables, enables, re-scopes and issues reset links; `/admin/audit`
//! reads the audit trail. Every change is a form with the session's CSRF token, checked like
//! every other write, and is written to the audit trail with its actor and address.
//!
//! A new account gets no password from the admin: it is created with one nobody knows and a
//! reset link, which the admin hands to its owner; no password ever passes through an admin.

use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use innogauge_model::Catalog;
use innogauge_model::wire::Role;
use warp::http::StatusCode;

use super::error::ApiError;
use super::forms::{self, Form, html_page, notice, shell};
use super::reply::Ctx;
use crate::accounts::{self, IssuedReset};
use crate::app::App;
use crate::report::charts::xml as escape;
use crate::store::{AuditRecord, NewUser, SessionRecord, StoreError, UserRecord};
use crate::time;

type Answer = Result<warp::reply::Response, ApiError>;

const USERS: &str = "用户管理 · Users";
const AUDIT: &str = "审计记录 · Audit trail";

/// Entries per page of the audit trail.
const AUDIT_PAGE: i64 = 100;

/// The signed-in admin of a page view, the sign-in page's pointer, or 403.
async fn admin_viewer(app: &App, ctx: &Ctx, next: &str) -> Result<Result<SessionRecord, String>, ApiError> {
    let Some(session) = forms::session(app, ctx).await? else {
        return Ok(Err(forms::signed_out(USERS, next, "用户管理需要管理员账号：", "Managing accounts needs an admin account.")));
    };
    if !forms::is_admin(&session) {
        return Err(ApiError::forbidden("the account pages are for admins"));
    }
    Ok(Ok(session))
}

/// `GET /admin/users`.
pub async fn users_page(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    let session = match admin_viewer(&app, &ctx, "/admin/users").await? {
        Ok(session) => session,
        Err(page) => return Ok(html_page(StatusCode::OK, &page)),
    };
    let done = forms::query_value(&query, "done").and_then(|done| Some((done, forms::query_value(&query, "login")?)));
    let message = done.and_then(|(done, login)| done_notice(&done, &login));
    Ok(html_page(StatusCode::OK, &users_html(&app, &session, message.as_deref(), None).await?))
}

/// `POST /admin/users`: `action` is `add`, `disable`, `enable`, `regions` or `reset`.
pub async fn users_form(app: Arc<App>, ctx: Ctx, body: Bytes) -> Answer {
    let form = Form::parse(&body)?;
    let session = forms::posting_session(&app, &ctx, &form, "manage accounts").await?;
    if !forms::is_admin(&session) {
        return Err(ApiError::forbidden("only an admin may manage accounts"));
    }
    let actor = session.user.name.clone();
    let address = forms::address(&ctx);
    let login = form.get("login").unwrap_or_default().trim().to_owned();
    let audit = |action: &'static str, detail: Option<String>| {
        let (store, actor, address, login) = (app.store.clone(), actor.clone(), address.clone(), login.clone());
        async move { crate::audit::record(&*store, &actor, action, &login, Some(&address), detail).await }
    };
    let (app_ref, session_ref, form_ref) = (&*app, &session, &form);
    let refused = |zh: String, en: String| {
        let message = notice(false, &zh, &en);
        async move {
            let page = users_html(app_ref, session_ref, Some(&message), Some(form_ref)).await?;
            Ok::<_, ApiError>(html_page(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    };
    match form.get("action").unwrap_or_default() {
        "add" => {
            let name = form.get("name").unwrap_or_default().trim();
            let scope = Role::parse(form.get("role").unwrap_or_default())
                .ok_or_else(|| {
                    ("角色须为 admin、statistician 或 reader。".to_owned(), "The role is admin, statistician or reader.".to_owned())
                })
                .and_then(|role| scope_of(&app.catalog(), role, form.get("regions").unwrap_or_default()).map(|codes| (role, codes)));
            let problem = accounts::login_problem(&login)
                .map(|p| (p.zh, p.en))
                .or_else(|| {
                    name.is_empty()
                        .then(|| ("请填写名称（记录在上传中）。".to_owned(), "A name is needed (it is recorded on uploads).".to_owned()))
                })
                .or_else(|| scope.as_ref().err().cloned());
            if let Some((zh, en)) = problem {
                return refused(zh, en).await;
            }
            let Ok((role, codes)) = scope else { unreachable!("checked above") };
            let password_hash = tokio::task::spawn_blocking(accounts::unusable_password_hash)
                .await
                .map_err(|e| ApiError::internal(&e))?
                .map_err(|e| ApiError::internal(&e))?;
            let new = NewUser {
                login: &login,
                name,
                role: role.as_str(),
                regions: &codes,
                password_hash: &password_hash,
                created_at_ms: time::now_ms(),
            };
            match app.store.create_user(new).await {
                Ok(user) => {
                    audit("user.created", Some(format!("{} {}{}", user.role, user.name, accounts::scope_text(&user.regions)))).await?;
                    let issued = issue(&app, &login, &actor).await?;
                    audit("user.reset_issued", None).await?;
                    let message = link_notice(&ctx, &issued, true);
                    Ok(html_page(StatusCode::CREATED, &users_html(&app, &session, Some(&message), None).await?))
                }
                Err(StoreError::Conflict(_)) => refused(format!("登录名 {login} 已被使用。"), format!("The login {login} is taken.")).await,
                Err(e) => Err(e.into()),
            }
        }
        "disable" => {
            if login == session.user.login {
                return refused("不能停用自己的账号。".to_owned(), "You cannot disable your own account.".to_owned()).await;
            }
            if !app.store.disable_user(&login, time::now_ms()).await? {
                return refused(format!("没有启用中的账号 {login}。"), format!("No active account {login}.")).await;
            }
            audit("user.disabled", None).await?;
            Ok(forms::see_other(&forms::with_query("/admin/users", &[("done", "disabled"), ("login", &login)])))
        }
        "enable" => {
            if !app.store.enable_user(&login).await? {
                return refused(format!("没有已停用的账号 {login}。"), format!("No disabled account {login}.")).await;
            }
            audit("user.enabled", None).await?;
            Ok(forms::see_other(&forms::with_query("/admin/users", &[("done", "enabled"), ("login", &login)])))
        }
        "regions" => {
            let Some(user) = app.store.user_by_login(&login).await? else {
                return refused(format!("没有账号 {login}。"), format!("No account {login}.")).await;
            };
            let role = Role::parse(&user.role).unwrap_or(Role::Reader);
            let codes = match scope_of(&app.catalog(), role, form.get("regions").unwrap_or_default()) {
                Ok(codes) => codes,
                Err((zh, en)) => return refused(zh, en).await,
            };
            app.store.set_user_regions(&login, &codes).await?;
            audit("user.regions_changed", Some(codes.join(","))).await?;
            Ok(forms::see_other(&forms::with_query("/admin/users", &[("done", "regions"), ("login", &login)])))
        }
        "reset" => {
            let Some(issued) = accounts::issue_reset(&*app.store, &login, &actor, time::now_ms()).await? else {
                return refused(format!("没有启用中的账号 {login}。"), format!("No active account {login}.")).await;
            };
            audit("user.reset_issued", None).await?;
            let message = link_notice(&ctx, &issued, false);
            Ok(html_page(StatusCode::OK, &users_html(&app, &session, Some(&message), None).await?))
        }
        _ => Err(ApiError::bad_request("invalid-form", "action is add, disable, enable, regions or reset")),
    }
}

async fn issue(app: &App, login: &str, actor: &str) -> Result<IssuedReset, ApiError> {
    accounts::issue_reset(&*app.store, login, actor, time::now_ms())
        .await?
        .ok_or_else(|| ApiError::internal(&format!("the account {login} just created was not found")))
}

/// The region codes of a list of districts as the admin page takes it (names or codes,
/// separated by spaces, commas or 、); only a statistician's are kept, as the others write anywhere.
fn scope_of(catalog: &Catalog, role: Role, text: &str) -> Result<Vec<String>, (String, String)> {
    let words = text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；')).filter(|w| !w.is_empty());
    let words: Vec<&str> = if role == Role::Statistician { words.collect() } else { Vec::new() };
    accounts::scope_of(catalog, role, words).map_err(|p| (p.zh, p.en))
}

/// The notice that shows a reset link once: in the page, never in an address or a log.
fn link_notice(ctx: &Ctx, issued: &IssuedReset, created: bool) -> String {
    let base = format!("{}://{}", if ctx.is_https() { "https" } else { "http" }, ctx.host.as_deref().unwrap_or("localhost"));
    let link = issued.link(&base);
    let login = escape(&issued.user.login);
    let until = escape(&time::rfc3339(issued.expires_at_ms));
    let (zh, en) = if created {
        (format!("账号 {login} 已创建。"), format!("Account {login} created."))
    } else {
        (String::new(), String::new())
    };
    format!(
        r#"<section class="applied" role="status"><p>{zh}请把下面的一次性链接交给 {login} 本人，用它设置密码；链接在 {until} 前有效，只能使用一次，此页关闭后不再显示。<br><span lang="en">{en} Hand this one-time link to {login} in person to set a password; it works once, until {until}, and is not shown again.</span></p>
<label for="reset-link">重置链接 <span lang="en">· Reset link</span></label><input id="reset-link" class="link" type="text" readonly value="{}"></section>"#,
        escape(&link)
    )
}

fn done_notice(done: &str, login: &str) -> Option<String> {
    let (zh, en) = match done {
        "disabled" => (format!("账号 {login} 已停用，其登录已全部退出。"), format!("Account {login} disabled; its sessions are ended.")),
        "enabled" => (format!("账号 {login} 已重新启用。"), format!("Account {login} enabled again.")),
        "regions" => (format!("账号 {login} 的可上报地区已更新。"), format!("The regions of {login} are changed.")),
        _ => return None,
    };
    Some(notice(true, &zh, &en))
}

async fn users_html(app: &App, session: &SessionRecord, message: Option<&str>, refilled: Option<&Form>) -> Result<String, ApiError> {
    let users = app.store.users().await?;
    let catalog = app.catalog();
    let csrf = forms::csrf_field(&session.csrf);
    let mut body = String::new();
    body.push_str(r#"<p><a href="/admin/audit">审计记录 · Audit trail</a> · <a href="/catalog">目录 · Catalogue</a></p>"#);
    if let Some(message) = message {
        body.push_str(message);
    }
    let _ = write!(
        body,
        r#"<div class="scroll"><table class="users"><caption>{} 个账号 <span lang="en">· {} accounts</span></caption><thead><tr><th scope="col">登录名 Login</th><th scope="col">名称 Name</th><th scope="col">角色 Role</th><th scope="col">可上报地区 Regions</th><th scope="col">状态 State</th><th scope="col">最近登录 Last sign-in</th><th scope="col">操作 Actions</th></tr></thead><tbody>"#,
        users.len(),
        users.len()
    );
    for user in &users {
        body.push_str(&user_row(&catalog, &csrf, user, user.login == session.user.login));
    }
    body.push_str("</tbody></table></div>");
    let value = |name: &str| escape(refilled.and_then(|f| f.get(name)).unwrap_or_default());
    let role = refilled.and_then(|f| f.get("role")).unwrap_or("statistician");
    let option = |r: &str, label: &str| format!(r#"<option value="{r}"{}>{label}</option>"#, if role == r { " selected" } else { "" });
    let _ = write!(
        body,
        r#"<h2>添加账号 <span lang="en">· Add an account</span></h2>
<form method="post" action="/admin/users" class="add">{csrf}<input type="hidden" name="action" value="add">
<label for="add-login">登录名 <span lang="en">· Login</span></label><input id="add-login" name="login" required maxlength="32" pattern="[A-Za-z0-9._\-]+" value="{}" autocomplete="off">
<label for="add-name">名称（记录在上传中）<span lang="en">· Name, recorded on uploads</span></label><input id="add-name" name="name" required maxlength="80" value="{}" placeholder="永川区统计局 张三">
<label for="add-role">角色 <span lang="en">· Role</span></label><select id="add-role" name="role">{}{}{}</select>
<label for="add-regions">可上报地区（统计员；名称或代码，空格分隔）<span lang="en">· Regions a statistician may write (names or codes)</span></label><input id="add-regions" name="regions" value="{}" placeholder="永川区">
<p><button type="submit" class="primary">添加并生成设置密码链接 · Add and issue a set-password link</button></p></form>"#,
        value("login"),
        value("name"),
        option("statistician", "统计员 statistician"),
        option("reader", "查看者 reader"),
        option("admin", "管理员 admin"),
        value("regions"),
    );
    Ok(shell(USERS, &body))
}

fn user_row(catalog: &Catalog, csrf: &str, user: &UserRecord, is_self: bool) -> String {
    let login = escape(&user.login);
    let names: Vec<String> =
        user.regions.iter().map(|code| catalog.region(code).map_or_else(|| code.clone(), |r| r.name_zh.clone())).collect();
    let state = match user.disabled_at_ms {
        Some(at) => format!(r#"<span class="disabled">已停用 disabled</span><br><small>{}</small>"#, escape(&time::rfc3339(at))),
        None => "启用 active".to_owned(),
    };
    let last = user.last_sign_in_at_ms.map_or_else(|| "从未 never".to_owned(), |at| escape(&time::rfc3339(at)));
    let toggle = match (user.disabled_at_ms, is_self) {
        (Some(_), _) => format!(
            r#"<form method="post" action="/admin/users">{csrf}<input type="hidden" name="login" value="{login}"><button name="action" value="enable" aria-label="启用 {login} · enable">启用 Enable</button></form>"#
        ),
        (None, false) => format!(
            r#"<form method="post" action="/admin/users">{csrf}<input type="hidden" name="login" value="{login}"><button name="action" value="disable" aria-label="停用 {login} · disable">停用 Disable</button></form>"#
        ),
        (None, true) => String::new(),
    };
    let regions = if user.role == "statistician" {
        format!(
            r#"<form method="post" action="/admin/users" class="regions">{csrf}<input type="hidden" name="login" value="{login}"><label for="regions-{login}" class="visually-hidden">{login} 的可上报地区 · regions of {login}</label><input id="regions-{login}" name="regions" value="{}" required><button name="action" value="regions">保存地区 Save</button></form>"#,
            escape(&names.join(" "))
        )
    } else {
        "全部（不限） any".to_owned()
    };
    let reset = if user.disabled_at_ms.is_none() {
        format!(
            r#"<form method="post" action="/admin/users">{csrf}<input type="hidden" name="login" value="{login}"><button name="action" value="reset" aria-label="为 {login} 生成重置链接 · reset link">重置链接 Reset link</button></form>"#
        )
    } else {
        String::new()
    };
    format!(
        r#"<tr><th scope="row">{login}</th><td>{}</td><td>{}</td><td>{regions}</td><td>{state}</td><td>{last}</td><td class="actions">{toggle}{reset}</td></tr>"#,
        escape(&user.name),
        escape(&user.role)
    )
}

/// `GET /admin/audit?before=ID`: the trail, newest first, a hundred at a time.
pub async fn audit_page(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    if let Err(page) = admin_viewer(&app, &ctx, "/admin/audit").await? {
        return Ok(html_page(StatusCode::OK, &page));
    }
    let before = forms::query_value(&query, "before").and_then(|v| v.parse::<i64>().ok());
    let entries = app.store.audit_entries(AUDIT_PAGE, before).await?;
    let mut body = String::from(r#"<p><a href="/admin/users">用户管理 · Users</a></p>"#);
    if entries.is_empty() {
        body.push_str("<p>没有记录。<span lang=\"en\">No entries.</span></p>");
    } else {
        body.push_str(r#"<div class="scroll"><table class="audit"><thead><tr><th scope="col">时间 When</th><th scope="col">操作人 Who</th><th scope="col">操作 What</th><th scope="col">对象 Subject</th><th scope="col">地址 Address</th><th scope="col">详情 Detail</th></tr></thead><tbody>"#);
        for entry in &entries {
            body.push_str(&audit_row(entry));
        }
        body.push_str("</tbody></table></div>");
    }
    if entries.len() as i64 == AUDIT_PAGE
        && let Some(last) = entries.last()
    {
        let _ = write!(body, r#"<p><a href="/admin/audit?before={}" rel="next">更早的记录 · Older entries</a></p>"#, last.id);
    }
    Ok(html_page(StatusCode::OK, &shell(AUDIT, &body)))
}

fn audit_row(entry: &AuditRecord) -> String {
    format!(
        r#"<tr><td>{}</td><td>{}</td><td>{} <span lang="en">{}</span></td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
        escape(&time::rfc3339(entry.at_ms)),
        escape(&entry.actor),
        action_zh(&entry.action),
        escape(&entry.action),
        escape(&entry.subject),
        escape(entry.address.as_deref().unwrap_or("—")),
        escape(entry.detail.as_deref().unwrap_or(""))
    )
}

/// The Chinese words of an audit action.
fn action_zh(action: &str) -> &'static str {
    match action {
        "user.created" => "创建账号",
        "user.disabled" => "停用账号",
        "user.enabled" => "启用账号",
        "user.password_changed" => "修改密码",
        "password_change_failed" => "修改密码失败",
        "user.regions_changed" => "修改地区",
        "user.renamed" => "修改名称",
        "user.reset_issued" => "生成重置链接",
        "user.reset_used" => "使用重置链接",
        "token.created" => "创建令牌",
        "token.revoked" => "吊销令牌",
        "signed_in" => "登录",
        "sign_in_failed" => "登录失败",
        _ => "",
    }
}
