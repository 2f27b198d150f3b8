//! A person's own account: `/account` shows who is signed in and changes their password (the
//! current one required; every other session of the account ends), and `/reset?token=…` is
//! where a one-time reset link leads: it sets a new password once, then never works again.
//! The link's secret travels in the address only to that page: its answers send a `Referer` only
//! to this server (`same-origin`; `no-referrer` would make the browser send `Origin: null` with
//! the form, which the same-origin check refuses), and no log line prints a query string.

use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use warp::http::StatusCode;

use super::error::ApiError;
use super::forms::{self, Form, html_page, notice, shell};
use super::reply::Ctx;
use crate::accounts::{self, ChangeError, ResetError};
use crate::app::App;
use crate::report::charts::xml as escape;
use crate::store::{SessionRecord, UserRecord};
use crate::time;

type Answer = Result<warp::reply::Response, ApiError>;

const ACCOUNT: &str = "我的账号 · My account";
const RESET: &str = "设置新密码 · Set a new password";

/// `GET /account`.
pub async fn page(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    let Some(session) = forms::session(&app, &ctx).await? else {
        return Ok(html_page(StatusCode::OK, &signed_out()));
    };
    let changed = forms::query_value(&query, "changed").as_deref() == Some("1");
    let message = changed.then(|| {
        notice(true, "密码已修改；其他浏览器上的登录均已退出。", "Password changed; every other browser signed in as you is signed out.")
    });
    Ok(html_page(StatusCode::OK, &account_page(&app, &session, message.as_deref())))
}

/// `POST /account`: `current`, `password`, `repeat` and the CSRF token.
pub async fn change_password(app: Arc<App>, ctx: Ctx, body: Bytes) -> Answer {
    let form = Form::parse(&body)?;
    let session = forms::posting_session(&app, &ctx, &form, "change your password").await?;
    let field = |name| form.get(name).unwrap_or_default();
    let changed =
        accounts::change_own_password(&*app.store, &app.throttle, &session, field("current"), field("password"), field("repeat")).await;
    let address = forms::address(&ctx);
    let (status, message) = match changed {
        Ok(()) => {
            let user = &session.user;
            crate::audit::record(&*app.store, &user.name, "user.password_changed", &user.login, Some(&address), None).await?;
            return Ok(forms::see_other("/account?changed=1"));
        }
        Err(ChangeError::WrongCurrent) => {
            let user = &session.user;
            crate::audit::record(&*app.store, &user.name, "password_change_failed", &user.login, Some(&address), None).await?;
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                notice(false, "当前密码不正确，密码未修改。", "The current password is wrong; nothing changed."),
            )
        }
        Err(ChangeError::Throttled(wait)) => {
            let s = wait.as_secs().max(1);
            let zh = format!("当前密码错误次数过多，请 {s} 秒后再试。");
            (StatusCode::TOO_MANY_REQUESTS, notice(false, &zh, &format!("Too many wrong passwords: try again in {s} s.")))
        }
        Err(ChangeError::Rule(problem)) => (StatusCode::UNPROCESSABLE_ENTITY, notice(false, &problem.zh, &problem.en)),
        Err(ChangeError::Hash(e)) => return Err(ApiError::internal(&e)),
        Err(ChangeError::Store(e)) => return Err(e.into()),
    };
    Ok(html_page(status, &account_page(&app, &session, Some(&message))))
}

fn signed_out() -> String {
    forms::signed_out(ACCOUNT, "/account", "查看账号和修改密码需要登录：", "Your account and password need you signed in.")
}

fn account_page(app: &App, session: &SessionRecord, message: Option<&str>) -> String {
    let user = &session.user;
    let mut body = String::new();
    let catalog = app.catalog();
    let names: Vec<String> =
        user.regions.iter().map(|code| catalog.region(code).map_or_else(|| code.clone(), |r| r.name_zh.clone())).collect();
    let regions = if names.is_empty() { "—".to_owned() } else { names.join("、") };
    let _ = write!(
        body,
        r#"<dl class="account"><dt>登录名 <span lang="en">Login</span></dt><dd>{}</dd><dt>名称 <span lang="en">Name</span></dt><dd>{}</dd>
<dt>角色 <span lang="en">Role</span></dt><dd>{}</dd><dt>可上报地区 <span lang="en">Regions</span></dt><dd>{}</dd></dl>"#,
        escape(&user.login),
        escape(&user.name),
        escape(&user.role),
        escape(&regions)
    );
    if forms::is_admin(session) {
        body.push_str(r#"<p><a href="/admin/users">用户管理 · Users</a> · <a href="/admin/audit">审计记录 · Audit trail</a> · <a href="/catalog">目录 · Catalogue</a></p>"#);
    }
    body.push_str("<h2>修改密码 <span lang=\"en\">· Change your password</span></h2>");
    if let Some(message) = message {
        body.push_str(message);
    }
    let _ = write!(
        body,
        r#"<form method="post" action="/account">{}
<label for="current">当前密码 <span lang="en">· Current password</span></label>
<input id="current" name="current" type="password" autocomplete="current-password" required>
{}
<p><button type="submit" class="primary">修改密码 · Change password</button></p>
</form>
<p>修改后，您在其他浏览器上的登录会全部退出。<span lang="en">Every other browser signed in as you is signed out.</span></p>"#,
        forms::csrf_field(&session.csrf),
        new_password_fields()
    );
    shell(ACCOUNT, &body)
}

/// The two fields of a new password, with the rule spelled out.
fn new_password_fields() -> String {
    format!(
        r#"<label for="password">新密码 <span lang="en">· New password</span></label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="{min}" maxlength="{max}" required aria-describedby="rule">
<p id="rule" class="hint">至少 {min} 个字符。<span lang="en">At least {min} characters.</span></p>
<label for="repeat">再次输入新密码 <span lang="en">· New password again</span></label>
<input id="repeat" name="repeat" type="password" autocomplete="new-password" minlength="{min}" maxlength="{max}" required>"#,
        min = accounts::MIN_PASSWORD_CHARS,
        max = accounts::MAX_PASSWORD_CHARS
    )
}

/// The reset link's secret in a query string (longer text is no secret of ours: cut).
fn token_of(query: &str) -> String {
    forms::query_value(query, "token").unwrap_or_default().chars().take(80).collect()
}

/// `GET /reset?token=…`: the form, or why the link does not work.
pub async fn reset_page(app: Arc<App>, _ctx: Ctx, query: String) -> Answer {
    let token = token_of(&query);
    Ok(match accounts::reset_user(&*app.store, &token, time::now_ms()).await? {
        Some(user) => html_page(StatusCode::OK, &reset_form(&user, &token, None)),
        None => html_page(StatusCode::GONE, &void_link()),
    })
}

/// `POST /reset`: `token`, `password`, `repeat`. Nobody is signed in here; the link's secret is
/// the credential, so the form needs no CSRF token, only the same origin.
pub async fn reset(app: Arc<App>, ctx: Ctx, body: Bytes) -> Answer {
    if !ctx.is_same_origin() {
        return Err(ApiError::csrf());
    }
    let form = Form::parse(&body)?;
    if ["token", "password", "repeat"].iter().any(|name| form.get(name).is_none()) {
        return Err(ApiError::bad_request("invalid-form", "send the form of the reset page: token, password, repeat"));
    }
    let field = |name| form.get(name).unwrap_or_default();
    let token: String = field("token").chars().take(80).collect();
    match accounts::complete_reset(&*app.store, &token, field("password"), field("repeat"), time::now_ms()).await {
        Ok(user) => {
            crate::audit::record(&*app.store, &user.name, "user.reset_used", &user.login, Some(&forms::address(&ctx)), None).await?;
            let body = format!(
                r#"{}<p><a href="/signin">用新密码登录 · Sign in with the new password</a></p>"#,
                notice(true, "新密码已设置，此链接已失效。", "Your new password is set; this link no longer works.")
            );
            Ok(html_page(StatusCode::OK, &shell(RESET, &body)))
        }
        Err(ResetError::Rule(problem)) => match accounts::reset_user(&*app.store, &token, time::now_ms()).await? {
            Some(user) => {
                let message = notice(false, &problem.zh, &problem.en);
                Ok(html_page(StatusCode::UNPROCESSABLE_ENTITY, &reset_form(&user, &token, Some(&message))))
            }
            None => Ok(html_page(StatusCode::GONE, &void_link())),
        },
        Err(ResetError::Void) => Ok(html_page(StatusCode::GONE, &void_link())),
        Err(ResetError::Hash(e)) => Err(ApiError::internal(&e)),
        Err(ResetError::Store(e)) => Err(e.into()),
    }
}

fn reset_form(user: &UserRecord, token: &str, message: Option<&str>) -> String {
    let body = format!(
        r#"<p>为账号 <strong>{}</strong>（{}）设置新密码。此链接只能使用一次。<span lang="en">A new password for {} ({}); this link works once.</span></p>
{}<form method="post" action="/reset"><input type="hidden" name="token" value="{}">
{}
<p><button type="submit" class="primary">设置密码 · Set password</button></p></form>"#,
        escape(&user.login),
        escape(&user.name),
        escape(&user.login),
        escape(&user.name),
        message.unwrap_or_default(),
        escape(token),
        new_password_fields()
    );
    shell(RESET, &body)
}

fn void_link() -> String {
    shell(
        RESET,
        &notice(
            false,
            "此链接无效：已使用、已过期或不存在。请向管理员申请新的重置链接。",
            "This link does not work: it was used, has expired or is unknown. Ask an admin for a new reset link.",
        ),
    )
}
