//! `/embed`: the embed-code builder for portal maintainers. Pick the widget type, indicator,
//! region, theme, language, ranking measure and height; the preview is the real widget with
//! those options; the snippet (the loader with its `integrity` hash and `crossorigin`, and the
//! `<div>`) is ready to copy.

use innogauge_model::{Catalog, Lang};
use serde::Deserialize;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::api;
use super::header::Header;
use super::use_lang;
use crate::names::t;
use crate::names::{indicator_name, region_name};
use crate::options::Kind;

/// Properties of [`EmbedPage`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct EmbedPageProps {
    /// Switches the language.
    pub set_lang: Callback<Lang>,
}

/// What the builder has chosen.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// Widget type.
    pub kind: String,
    /// Indicator id.
    pub indicator: String,
    /// Region code.
    pub region: String,
    /// `light`, `dark`, `high-contrast` or `auto` (the reader's system scheme).
    pub theme: String,
    /// `zh` or `en`.
    pub lang: String,
    /// Ranking/map measure.
    pub measure: String,
    /// The evaluation's scoring (`target`, `min_max`).
    pub method: String,
    /// Height in CSS pixels (empty: the widget's own).
    pub height: String,
    /// How it is embedded: `script` (the widget), `frame` (an iframe, for editors that strip
    /// scripts), `image` (an SVG picture, for editors that allow neither).
    pub mode: String,
}

impl Default for Choice {
    fn default() -> Self {
        Choice {
            kind: "gauge".into(),
            indicator: "high_tech_enterprises".into(),
            region: "500000".into(),
            theme: "light".into(),
            lang: "zh".into(),
            measure: "value".into(),
            method: "target".into(),
            height: String::new(),
            mode: "script".into(),
        }
    }
}

impl Choice {
    /// Whether the type reads `data-measure`.
    pub fn has_measure(&self) -> bool {
        matches!(self.kind.as_str(), "ranking" | "map")
    }

    /// Chooses the widget type; a district profile needs a district, so the city becomes the
    /// first district of the catalogue.
    pub fn set_kind(&mut self, kind: String) {
        if kind == "index-profile"
            && !Catalog::builtin().region(&self.region).is_some_and(|r| r.is_district())
            && let Some(first) = Catalog::builtin().districts().next()
        {
            self.region = first.code.to_string();
        }
        self.kind = kind;
    }

    /// Whether the type shows the district evaluation (no indicator, a method).
    pub fn is_evaluation(&self) -> bool {
        Kind::parse(&self.kind).is_some_and(Kind::is_evaluation)
    }

    /// Whether the type reads `data-indicator`.
    pub fn has_indicator(&self) -> bool {
        self.kind != "board" && !self.is_evaluation()
    }

    /// The `data-*` attributes, in snippet order (defaults left out).
    pub fn attributes(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![("data-innogauge", self.kind.clone())];
        if self.has_indicator() {
            out.push(("data-indicator", self.indicator.clone()));
        }
        if self.region != "500000" || self.kind == "board" || self.kind == "index-profile" {
            out.push(("data-region", self.region.clone()));
        }
        if self.has_measure() && self.measure != "value" {
            out.push(("data-measure", self.measure.clone()));
        }
        if self.is_evaluation() && self.method != "target" {
            out.push(("data-method", self.method.clone()));
        }
        if self.theme != "light" {
            out.push(("data-theme", self.theme.clone()));
        }
        if self.lang != "zh" {
            out.push(("data-lang", self.lang.clone()));
        }
        if !self.height.trim().is_empty() {
            out.push(("data-height", self.height.trim().to_owned()));
        }
        out
    }

    /// Whether the type can be a picture (`/api/v1/chart.svg`).
    pub fn has_image(&self) -> bool {
        matches!(self.kind.as_str(), "gauge" | "ranking" | "map" | "board" | "index-ranking" | "index-profile" | "index-map")
    }

    /// The widget's options as a query string (`type=gauge&indicator=…`).
    pub fn query(&self) -> String {
        self.attributes()
            .iter()
            .map(|(k, v)| {
                let name = if *k == "data-innogauge" { "type" } else { k.trim_start_matches("data-") };
                format!("{name}={}", js_sys::encode_uri_component(v).as_string().unwrap_or_default())
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The code to paste, for the chosen way of embedding.
    pub fn code(&self, origin: &str, loader: Option<(&str, &str)>) -> String {
        match self.mode.as_str() {
            "frame" => {
                let height = if self.height.trim().is_empty() { "420" } else { self.height.trim() };
                format!(
                    "<iframe src=\"{origin}/frame?{}\" title=\"InnoGauge\" width=\"100%\" height=\"{height}\" frameborder=\"0\" loading=\"lazy\"></iframe>\n<!-- {} -->\n<script>addEventListener(\"message\",function(e){{var d=e.data;if(d&&d[\"innogauge-frame\"])document.querySelectorAll(\"iframe\").forEach(function(f){{if(f.contentWindow===e.source)f.height=d.height}})}})</script>",
                    escape(&self.query()),
                    "optional: lets the frame follow the widget's height where the page allows this one script"
                )
            }
            "image" if self.has_image() => {
                format!(
                    "<img src=\"{origin}/api/v1/chart.svg?{}\" alt=\"InnoGauge · {}\" style=\"max-width:100%\">",
                    escape(&self.query()),
                    escape(&self.kind)
                )
            }
            "image" => String::new(),
            _ => self.snippet(origin, loader),
        }
    }

    /// The snippet to paste: the versioned loader with its SRI hash (when known), and the div.
    /// The loader of a version never changes, so the snippet keeps working across upgrades.
    pub fn snippet(&self, origin: &str, loader: Option<(&str, &str)>) -> String {
        let (file, integrity) = match loader {
            Some((file, integrity)) => (file, format!(r#" integrity="{integrity}""#)),
            None => ("innogauge.js", String::new()),
        };
        let attributes: String = self.attributes().iter().map(|(k, v)| format!(r#" {k}="{}""#, escape(v))).collect();
        format!("<script src=\"{origin}/widgets/{file}\"{integrity} crossorigin=\"anonymous\" defer></script>\n<div{attributes}></div>")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;")
}

#[derive(Clone, Deserialize)]
struct Manifest {
    /// The versioned loader (`innogauge-v1.js`).
    loader: String,
    /// Its SRI hash.
    integrity: String,
}

fn select(id: &'static str, label: String, value: &str, options: Vec<(String, String)>, on: Callback<String>) -> Html {
    let onchange = Callback::from(move |event: Event| on.emit(event.target_unchecked_into::<HtmlSelectElement>().value()));
    html! {
        <div class="field">
            <label for={id}>{ label }</label>
            <select id={id} {onchange}>
                { for options.into_iter().map(|(v, text)| html! { <option value={v.clone()} selected={v.as_str() == value}>{ text }</option> }) }
            </select>
        </div>
    }
}

/// The builder.
#[function_component(EmbedPage)]
pub fn embed_page(props: &EmbedPageProps) -> Html {
    let lang = use_lang();
    let choice = use_state(Choice::default);
    let loader = use_state(|| None::<Manifest>);
    let copied = use_state(|| false);
    {
        let loader = loader.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(manifest) = api::call::<Manifest>("GET", "/widgets/manifest.json", None, None).await {
                    loader.set(Some(manifest));
                }
            });
        });
    }
    let catalog = super::use_catalog();
    let catalog = &*catalog;
    let set = |apply: fn(&mut Choice, String)| {
        let (choice, copied) = (choice.clone(), copied.clone());
        Callback::from(move |value: String| {
            let mut next = (*choice).clone();
            apply(&mut next, value);
            copied.set(false);
            choice.set(next);
        })
    };
    let kinds: Vec<(String, String)> = Kind::NAMES
        .iter()
        .map(|k| {
            let (zh, en) = match *k {
                "gauge" => ("仪表盘（目标进度）", "gauge (progress to target)"),
                "trend" => ("趋势图（含目标路径）", "trend (with the target path)"),
                "ranking" => ("区县排名", "district ranking"),
                "map" => ("区县地图", "district map"),
                "kpi" => ("指标卡", "KPI card"),
                "table" => ("数据表", "table"),
                "board" => ("区县目标一览", "a region's targets"),
                "index-ranking" => ("创新指数排名（含名次区间）", "innovation index ranking (with rank intervals)"),
                "index-profile" => ("区县创新画像", "a district's evaluation profile"),
                "index-map" => ("创新指数梯队地图", "map of the index tiers"),
                "index-table" => ("创新指数总表", "index table, every district × part"),
                other => (other, other),
            };
            ((*k).to_owned(), format!("{k} · {}", t(lang, zh, en)))
        })
        .collect();
    let indicators: Vec<(String, String)> =
        catalog.indicators().iter().map(|i| (i.id.to_string(), indicator_name(catalog, &i.id, lang))).collect();
    let regions: Vec<(String, String)> =
        catalog.regions().iter().map(|r| (r.code.to_string(), region_name(catalog, &r.code, lang))).collect();
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    let snippet = choice.code(&origin, loader.as_ref().map(|m| (m.loader.as_str(), m.integrity.as_str())));
    let on_height = {
        let (choice, copied) = (choice.clone(), copied.clone());
        Callback::from(move |event: InputEvent| {
            let value = event.target_unchecked_into::<HtmlInputElement>().value();
            let mut next = (*choice).clone();
            next.height = value.chars().filter(char::is_ascii_digit).take(4).collect();
            copied.set(false);
            choice.set(next);
        })
    };
    let copy = {
        let (snippet, copied) = (snippet.clone(), copied.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(window) = web_sys::window() else { return };
            let clipboard = window.navigator().clipboard();
            let promise = clipboard.write_text(&snippet);
            let copied = copied.clone();
            wasm_bindgen_futures::spawn_local(async move {
                copied.set(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok());
            });
        })
    };
    let c = (*choice).clone();
    let preview_key = snippet.clone();
    html! {
        <>
            <Header current="embed" set_lang={props.set_lang.clone()} />
            <main class="wide">
                <h1>{ t(lang, "嵌入代码生成器", "Embed-code builder") }</h1>
                <p class="lead">{ t(lang, "选择图表和数据，预览效果，然后把代码粘贴到门户页面的 HTML 中。同一页面放多个图表时，<script> 只需一次。",
                    "Choose the chart and its data, check the preview, then paste the code into the portal page's HTML. With several charts on a page, include the <script> once.") }</p>
                <div class="builder">
                    <form class="card options" aria-label={t(lang, "图表选项", "Chart options")} onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                        { select("kind", t(lang, "图表类型", "Widget"), &c.kind, kinds, set(Choice::set_kind)) }
                        if c.has_indicator() {
                            { select("indicator", t(lang, "指标", "Indicator"), &c.indicator, indicators, set(|c, v| c.indicator = v)) }
                        }
                        { select("region", t(lang, "地区（排名和地图中加粗显示）", "Region (bold in rankings and maps)"), &c.region, regions, set(|c, v| c.region = v)) }
                        if c.has_measure() {
                            { select("measure", t(lang, "排名依据", "Rank by"), &c.measure, vec![
                                ("value".into(), t(lang, "数值", "value")),
                                ("achievement".into(), t(lang, "目标完成度", "achievement of target")),
                                ("growth".into(), t(lang, "增长率", "growth"))], set(|c, v| c.measure = v)) }
                        }
                        if c.is_evaluation() {
                            { select("method", t(lang, "评分方法", "Scoring"), &c.method, vec![
                                ("target".into(), t(lang, "目标值评分法（默认）", "target-based (default)")),
                                ("min_max".into(), t(lang, "极值标准化法", "min–max"))], set(|c, v| c.method = v)) }
                        }
                        { select("mode", t(lang, "嵌入方式", "Embed as"), &c.mode, vec![
                            ("script".into(), t(lang, "组件（一行脚本，实时更新）", "widget (one script, live)")),
                            ("frame".into(), t(lang, "iframe（网页编辑器不允许脚本时）", "iframe (editors that strip scripts)")),
                            ("image".into(), t(lang, "图片 SVG（只允许图片时）", "SVG picture (editors that allow only images)"))], set(|c, v| c.mode = v)) }
                        { select("theme", t(lang, "配色", "Theme"), &c.theme, vec![
                            ("light".into(), t(lang, "浅色", "light")), ("dark".into(), t(lang, "深色", "dark")),
                            ("high-contrast".into(), t(lang, "高对比度", "high contrast")),
                            ("auto".into(), t(lang, "跟随系统（浅色/深色）", "follow the system (light/dark)"))], set(|c, v| c.theme = v)) }
                        { select("widget-lang", t(lang, "图表语言", "Chart language"), &c.lang, vec![
                            ("zh".into(), "中文".into()), ("en".into(), "English".into())], set(|c, v| c.lang = v)) }
                        <div class="field">
                            <label for="height">{ t(lang, "高度（像素，可不填）", "Height in pixels (optional)") }</label>
                            <input id="height" inputmode="numeric" value={c.height.clone()} oninput={on_height} placeholder="320" />
                        </div>
                    </form>
                    <section class={classes!("card", "preview", (c.theme == "dark").then_some("dark"))} aria-labelledby="preview-title">
                        <h2 id="preview-title">{ t(lang, "预览", "Preview") }</h2>
                        if c.mode == "frame" {
                            <iframe key={preview_key} id="preview-frame" src={format!("/frame?{}", c.query())} title={t(lang, "iframe 预览", "iframe preview")}
                                width="100%" height={if c.height.is_empty() { "420".to_owned() } else { c.height.clone() }} />
                        } else if c.mode == "image" && c.has_image() {
                            <img key={preview_key} id="preview-image" src={format!("/api/v1/chart.svg?{}", c.query())} alt={t(lang, "图片预览", "picture preview")} />
                        } else if c.mode == "image" {
                            <p class="muted" role="status">{ t(lang, "趋势图、指标卡、数据表和总表没有图片形式：请用组件或 iframe。",
                                "A trend, KPI card or table has no picture form: embed the widget or an iframe.") }</p>
                        } else {
                            <div key={preview_key} id="preview-widget" data-innogauge={c.kind.clone()} data-indicator={c.has_indicator().then(|| c.indicator.clone())}
                                data-region={c.region.clone()} data-measure={c.has_measure().then(|| c.measure.clone())}
                                data-method={c.is_evaluation().then(|| c.method.clone())} data-theme={c.theme.clone()}
                                data-lang={c.lang.clone()} data-height={(!c.height.is_empty()).then(|| c.height.clone())} />
                        }
                    </section>
                </div>
                <section class="card" aria-labelledby="code-title">
                    <h2 id="code-title">{ t(lang, "嵌入代码", "Code to paste") }</h2>
                    <textarea id="snippet" readonly=true rows="3" aria-labelledby="code-title" value={snippet.clone()} />
                    <p>
                        <button type="button" class="primary" onclick={copy}>{ t(lang, "复制代码", "Copy the code") }</button>
                        <span role="status" class="ok">{ if *copied { t(lang, " 已复制", " Copied") } else { String::new() } }</span>
                    </p>
                    <p class="muted">{ match c.mode.as_str() {
                        "frame" => t(lang, "iframe 里是同一个实时组件。门户允许一段脚本时，附带的监听代码让 iframe 随组件高度变化；否则 iframe 保持上面的高度。",
                            "The iframe holds the same live widget. Where the portal allows that one script, the listener lets the iframe follow the widget's height; otherwise it keeps the height above."),
                        "image" => t(lang, "图片按数据版本缓存，每次上传后即更新（打开页面时取最新）；它不会实时刷新，也没有交互。",
                            "The picture is redrawn for every data version (the latest when the page is opened); it does not update live and has no interaction."),
                        _ => t(lang, "integrity 属性让浏览器核对脚本未被篡改。这段代码粘贴一次即可：服务升级后，组件会自动使用新版本，无需重新粘贴。",
                            "The integrity attribute lets browsers check the script was not tampered with. Paste the code once: after an upgrade of the service the widgets use the new version by themselves, nothing to paste again."),
                    } }</p>
                </section>
            </main>
        </>
    }
}
