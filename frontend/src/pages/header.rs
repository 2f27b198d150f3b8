//! The pages' header: the product name, the navigation (看板 board, 上传 upload, 嵌入 embed,
//! with the current page marked for screen readers), the language switch, and for a signed-in
//! user their name (a link to their account page), an admin's link to the account pages and a
//! sign-out button.

use innogauge_model::Lang;
use innogauge_model::wire::Role;
use yew::prelude::*;

use super::use_lang;
use crate::names::t;

/// Properties of [`Header`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct HeaderProps {
    /// `board`, `upload`, `embed` or `signin`.
    pub current: &'static str,
    /// Switches the language.
    pub set_lang: Callback<Lang>,
    /// The signed-in user's name and role, if any.
    #[prop_or_default]
    pub user: Option<(String, Role)>,
    /// Signs out (shown with the user).
    #[prop_or_default]
    pub on_sign_out: Option<Callback<()>>,
    /// Dark header (the board).
    #[prop_or_default]
    pub dark: bool,
}

/// The header.
#[function_component(Header)]
pub fn header(props: &HeaderProps) -> Html {
    let lang = use_lang();
    let link = |href: &'static str, name: &'static str, zh: &str, en: &str| {
        let current = props.current == name;
        html! { <a href={href} aria-current={current.then_some("page")} class={classes!(current.then_some("current"))}>{ t(lang, zh, en) }</a> }
    };
    let switch = {
        let set_lang = props.set_lang.clone();
        Callback::from(move |_: MouseEvent| set_lang.emit(if lang == Lang::Zh { Lang::En } else { Lang::Zh }))
    };
    let user = props.user.as_ref().map(|(name, role)| {
        let admin = *role == Role::Admin;
        let role = match role {
            Role::Admin => t(lang, "管理员", "admin"),
            Role::Statistician => t(lang, "统计员", "statistician"),
            Role::Reader => t(lang, "只读", "reader"),
        };
        let sign_out = props.on_sign_out.clone().map(|cb| Callback::from(move |_: MouseEvent| cb.emit(())));
        html! {
            <span class="who">
                <a href="/account" title={t(lang, "我的账号、修改密码", "My account, change password")}>{ format!("{name}（{role}）") }</a>
                if admin {
                    <a href="/admin/users">{ t(lang, "用户管理", "Users") }</a>
                }
                if let Some(sign_out) = sign_out {
                    <button type="button" class="link" onclick={sign_out}>{ t(lang, "退出登录", "Sign out") }</button>
                }
            </span>
        }
    });
    html! {
        <header class={classes!("site", props.dark.then_some("dark"))}>
            <a class="brand" href="/board">{ "InnoGauge" }<span>{ t(lang, " 科创目标仪表", " sci-tech targets") }</span></a>
            <nav aria-label={t(lang, "页面", "Pages")}>
                { link("/board", "board", "目标看板", "Board") }
                { link("/upload", "upload", "数据上传", "Upload") }
                { link("/embed", "embed", "嵌入代码", "Embed") }
                { link("/demo", "demo", "演示门户", "Demo portal") }
            </nav>
            { for user }
            <button type="button" class="lang" onclick={switch} lang={if lang == Lang::Zh { "en" } else { "zh-CN" }}
                aria-label={if lang == Lang::Zh { "Switch to English" } else { "切换到中文" }}>
                { if lang == Lang::Zh { "English" } else { "中文" } }
            </button>
        </header>
    }
}
