//! Changing the catalogue on the web: `POST /api/v1/catalog` (a catalogue file as the body,
//! `?dry_run=true` to check only; admins) and the admin page `/catalog`, which checks a pasted
//! or chosen file, shows every change and problem, and applies it with a second press (a form
//! with the session's CSRF token, no script). Both go through the ingest door, as uploads do.

use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use innogauge_model::wire::{CatalogOutcome, Role};
use warp::http::StatusCode;

use super::error::ApiError;
use super::forms::{self, Form, html_page, shell};
use super::reply::{self, Ctx};
use crate::app::App;
use crate::ingest::CatalogRequest;
use crate::report::charts::xml as escape;

type Answer = Result<warp::reply::Response, ApiError>;

/// Largest catalogue file: the built-in catalogue is about 60 KB.
pub const MAX_CATALOG_BYTES: u64 = 1024 * 1024;

/// `POST /api/v1/catalog`: 201 with the revision applied, 200 for a dry run or a file that
/// changes nothing, 422 with every problem when it cannot be applied (nothing changed).
pub async fn apply_api(app: Arc<App>, ctx: Ctx, query: String, body: Bytes) -> Answer {
    let who = super::handlers::writer(&app, &ctx).await?;
    if who.role != Role::Admin {
        return Err(ApiError::forbidden("only an admin may change the catalogue"));
    }
    let dry_run = query.split('&').any(|pair| pair == "dry_run=true" || pair == "dry_run=1");
    let text = text_of(&body)?;
    if text.trim().is_empty() {
        // An empty file is valid TOML that changes nothing; sent to this address it is a mistake.
        return Err(ApiError::bad_request("empty-body", "send the catalogue file (TOML) as the request body"));
    }
    let outcome = app.ingest.apply_catalog(CatalogRequest { text, file_name: None, actor: who.name, dry_run }).await?;
    let status = match outcome.status.as_str() {
        "applied" => StatusCode::CREATED,
        "rejected" => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    Ok(reply::json(&ctx, &app.cors, status, &outcome))
}

/// A catalogue file's text: UTF-8 (a BOM is dropped) or GB18030, as uploads are read.
fn text_of(body: &[u8]) -> Result<String, ApiError> {
    innogauge_model::contract::decode(body)
        .map(|(text, _)| text.into_owned())
        .map_err(|p| ApiError::bad_request("bad-encoding", p.message.en))
}

/// `GET /catalog`: for admins, the revisions and the form; for anyone else, where to sign in.
pub async fn page(app: Arc<App>, ctx: Ctx, query: String) -> Answer {
    let Some(session) = forms::session(&app, &ctx).await? else {
        return Ok(html_page(StatusCode::OK, &signed_out()));
    };
    if !forms::is_admin(&session) {
        return Err(ApiError::forbidden("the catalogue page is for admins"));
    }
    let applied = query.split('&').find_map(|pair| pair.strip_prefix("applied=")).and_then(|v| v.parse::<i64>().ok());
    Ok(html_page(StatusCode::OK, &form_page(&app, &session.csrf, "", None, applied).await?))
}

fn signed_out() -> String {
    forms::signed_out(
        "目录 · Catalogue",
        "/catalog",
        "修改指标目录和目标需要管理员账号：",
        "Changing the catalogue needs an admin account.",
    )
}

/// `POST /catalog`: `action=check` shows what the file would change; `action=apply` applies it.
pub async fn form(app: Arc<App>, ctx: Ctx, body: Bytes) -> Answer {
    let form = Form::parse(&body)?;
    let session = forms::posting_session(&app, &ctx, &form, "change the catalogue").await?;
    let principal = crate::accounts::principal(&session.user).ok_or_else(|| ApiError::unauthorized("the account's role is not known"))?;
    if principal.role != Role::Admin {
        return Err(ApiError::forbidden("only an admin may change the catalogue"));
    }
    let text = form.get("text").unwrap_or_default().to_owned();
    let dry_run = form.get("action") != Some("apply");
    let outcome = app.ingest.apply_catalog(CatalogRequest { text: text.clone(), file_name: None, actor: principal.name, dry_run }).await?;
    if outcome.status == "applied" {
        return Ok(forms::see_other(&format!("/catalog?applied={}", outcome.data_version)));
    }
    let status = if outcome.status == "rejected" { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(html_page(status, &form_page(&app, &session.csrf, &text, Some(&outcome), None).await?))
}

async fn form_page(app: &App, csrf: &str, text: &str, outcome: Option<&CatalogOutcome>, applied: Option<i64>) -> Result<String, ApiError> {
    let revisions = app.store.catalog_revisions().await?;
    let catalog = app.catalog();
    let mut body = String::new();
    let _ = write!(
        body,
        r#"<p>现行目录：{} 个指标、{} 个目标、{} 个地区。下一个规划期的目标，写成只含 <code>[[target]]</code> 的文件即可；先“检查”，确认改动后再“应用”。各服务器和打开的页面会在几秒内用上新目录。</p>
<p lang="en">In force: {} indicators, {} targets, {} regions. The next plan's targets are a file of <code>[[target]]</code> entries; check it first, then apply it. Every server and open page picks it up within seconds.</p>"#,
        catalog.indicators().len(),
        catalog.targets().len(),
        catalog.regions().len(),
        catalog.indicators().len(),
        catalog.targets().len(),
        catalog.regions().len(),
    );
    if let Some(version) = applied {
        let _ = write!(
            body,
            r#"<p class="applied" role="status">已应用：目录修订为数据版本 {version}，各页面会自动更新。<span lang="en">Applied as data version {version}; open pages update by themselves.</span></p>"#
        );
    }
    if let Some(outcome) = outcome {
        body.push_str(&outcome_html(outcome));
    }
    let _ = write!(
        body,
        r#"<form method="post" action="/catalog">
{}
<label for="text">目录文件（TOML）<span lang="en"> · Catalogue file (TOML)</span></label>
<textarea id="text" name="text" rows="18" spellcheck="false" required>{}</textarea>
<p><button type="submit" name="action" value="check">检查 · Check</button>{}</p>
</form>"#,
        forms::csrf_field(csrf),
        escape(text),
        if outcome.is_some_and(|o| o.status == "dry_run") {
            r#" <button type="submit" name="action" value="apply" class="primary">应用这些改动 · Apply these changes</button>"#
        } else {
            ""
        }
    );
    body.push_str("<h2>修订记录 <span lang=\"en\">· Revisions</span></h2>");
    if revisions.is_empty() {
        body.push_str("<p>尚未修订：使用内置目录。<span lang=\"en\">No revision yet: the built-in catalogue is in force.</span></p>");
    } else {
        body.push_str("<table><thead><tr><th scope=\"col\">数据版本 Version</th><th scope=\"col\">时间 When</th><th scope=\"col\">操作人 Who</th><th scope=\"col\">改动 Changes</th></tr></thead><tbody>");
        for r in &revisions {
            let changes =
                serde_json::from_str::<serde_json::Value>(&r.report).ok().and_then(|v| v["changes"].as_array().map(Vec::len)).unwrap_or(0);
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{changes}</td></tr>",
                r.id,
                escape(&crate::time::rfc3339(r.created_at_ms)),
                escape(&r.actor)
            );
        }
        body.push_str("</tbody></table>");
    }
    Ok(shell("目录 · Catalogue", &body))
}

fn outcome_html(outcome: &CatalogOutcome) -> String {
    let mut out = String::new();
    match outcome.status.as_str() {
        "rejected" => {
            let _ = write!(
                out,
                r#"<section class="problems" role="alert"><h2>有 {n} 个问题，目录未改变 <span lang="en">· {n} problem(s); nothing changed</span></h2><ol>"#,
                n = outcome.problems.len()
            );
            for p in &outcome.problems {
                let _ = write!(out, r#"<li>{}<br><span lang="en">{}</span></li>"#, escape(&p.text.zh), escape(&p.text.en));
            }
            out.push_str("</ol></section>");
        }
        "unchanged" => {
            out.push_str(r#"<p role="status">文件与现行目录相同，无需应用。<span lang="en">The file changes nothing.</span></p>"#)
        }
        _ => {
            let _ = write!(
                out,
                r#"<section class="changes" role="status"><h2>检查通过：{n} 处改动 <span lang="en">· Checked: {n} change(s)</span></h2><ul>"#,
                n = outcome.changes.len()
            );
            for c in &outcome.changes {
                let _ = write!(
                    out,
                    r#"<li class="{}">{}<br><span lang="en">{}</span></li>"#,
                    escape(&c.kind),
                    escape(&c.words.zh),
                    escape(&c.words.en)
                );
            }
            out.push_str("</ul></section>");
        }
    }
    out
}
