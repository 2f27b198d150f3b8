//! `/signin`: login and password, one clear message for any wrong combination, the wait after
//! repeated failures, then on to `?next=` (only a path of this site, never another host).

use innogauge_model::Lang;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::api::{self, Session};
use super::header::Header;
use super::use_lang;
use crate::names::t;

/// Properties of [`SignIn`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct SignInProps {
    /// Switches the language.
    pub set_lang: Callback<Lang>,
}

/// Where to go after signing in: `?next=` if it is a path of this site, else `/upload`.
pub fn next_path(search: &str) -> String {
    let next = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("next="))
        .and_then(|v| js_sys::decode_uri_component(v).ok())
        .and_then(|v| v.as_string());
    match next {
        // "//host" and "/\host" would leave the site.
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\") => path,
        _ => "/upload".to_owned(),
    }
}

/// The sign-in form.
#[function_component(SignIn)]
pub fn sign_in(props: &SignInProps) -> Html {
    let lang = use_lang();
    let login = use_node_ref();
    let password = use_node_ref();
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let on_submit = {
        let (login, password, error, busy) = (login.clone(), password.clone(), error.clone(), busy.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let value = |r: &NodeRef| r.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            let (name, secret) = (value(&login), value(&password));
            if name.trim().is_empty() || secret.is_empty() {
                error.set(Some(t(lang, "请输入用户名和密码。", "Enter your login and password.")));
                return;
            }
            busy.set(true);
            let (error, busy, password) = (error.clone(), busy.clone(), password.clone());
            let body = serde_json::json!({ "login": name.trim(), "password": secret }).to_string();
            wasm_bindgen_futures::spawn_local(async move {
                match api::call::<Session>("POST", "/api/v1/session", Some(body), None).await {
                    Ok(_) => {
                        if let Some(window) = web_sys::window() {
                            let search = window.location().search().unwrap_or_default();
                            let _ = window.location().assign(&next_path(&search));
                        }
                    }
                    Err(e) => {
                        busy.set(false);
                        let text = match e.status {
                            401 => t(lang, "用户名或密码错误。", "Wrong login or password."),
                            429 => e.message,
                            _ => t(lang, &format!("登录失败：{}", e.message), &format!("Sign-in failed: {}", e.message)),
                        };
                        error.set(Some(text));
                        if let Some(input) = password.cast::<HtmlInputElement>() {
                            input.set_value("");
                            let _ = input.unchecked_ref::<web_sys::HtmlElement>().focus();
                        }
                    }
                }
            });
        })
    };
    html! {
        <>
            <Header current="signin" set_lang={props.set_lang.clone()} />
            <main class="narrow">
                <h1>{ t(lang, "登录", "Sign in") }</h1>
                <p class="lead">{ t(lang, "区县和市级统计人员登录后可上传季度数据。账号由管理员创建。",
                    "Statisticians of the districts and the city sign in to upload quarterly data. An administrator creates accounts.") }</p>
                <form class="card" onsubmit={on_submit} novalidate=true>
                    <label for="login">{ t(lang, "用户名", "Login") }</label>
                    <input id="login" name="login" ref={login} autofocus=true autocomplete="username" autocapitalize="none" spellcheck="false" required=true />
                    <label for="password">{ t(lang, "密码", "Password") }</label>
                    <input id="password" name="password" type="password" ref={password} autocomplete="current-password" required=true />
                    if let Some(message) = &*error {
                        <p class="error" role="alert" id="signin-error">{ message }</p>
                    }
                    <button type="submit" class="primary" disabled={*busy}>{ if *busy { t(lang, "正在登录…", "Signing in…") } else { t(lang, "登录", "Sign in") } }</button>
                </form>
            </main>
        </>
    }
}
