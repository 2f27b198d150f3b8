//! The report as one HTML page (`/reports/{period}`): the same view and pictures as the PDF, the
//! charts inline as SVG (each a labelled image with its words), tables with captions and header
//! cells, a table of contents, and a stylesheet for phones and for print (`report.css`).

use std::fmt::Write as _;

use super::charts::xml;
use super::view::{Chart, Files, ReportView, Table, TargetRow};

/// The report's stylesheet, served at `/reports/report.css`.
pub const CSS: &str = include_str!("report.css");

fn chart(out: &mut String, files: &Files, chart: &Chart, class: &str) {
    let svg = files.get(&chart.file).map_or("", String::as_str);
    let _ = write!(out, r#"<figure class="{class}" role="img" aria-label="{}">{svg}</figure>"#, xml(&chart.alt));
}

fn targets(out: &mut String, files: &Files, view: &ReportView, rows: &[TargetRow]) {
    out.push_str("<div class=\"scroll\"><table class=\"targets\"><thead><tr>");
    for head in &view.labels.target_head {
        let _ = write!(out, "<th scope=\"col\">{}</th>", xml(head));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td class=\"status {}\">{}</td><td class=\"bar\">",
            xml(&row.name),
            xml(&row.figures),
            xml(&row.status_code),
            xml(&row.status)
        );
        chart(out, files, &row.bar, "bar");
        out.push_str("</td></tr>");
    }
    out.push_str("</tbody></table></div>");
}

fn table(out: &mut String, table: &Table) {
    let _ = write!(out, "<div class=\"scroll\"><table class=\"data\"><caption>{}</caption><thead><tr>", xml(&table.caption));
    for head in &table.head {
        let _ = write!(out, "<th scope=\"col\">{}</th>", xml(head));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &table.rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            if i == table.key_column {
                let _ = write!(out, "<th scope=\"row\">{}</th>", xml(cell));
            } else {
                let _ = write!(out, "<td>{}</td>", xml(cell));
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

/// The page. `links`: (the PDF, the other language, the list of reports).
pub fn render(view: &ReportView, files: &Files, links: (&str, &str, &str)) -> String {
    let mut out = String::with_capacity(256 * 1024);
    let lang = if view.lang == "zh" { "zh-CN" } else { "en" };
    let title = format!("{} · {}", view.title, view.subtitle);
    let _ = write!(
        out,
        r#"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/reports/report.css"><link rel="alternate" type="application/atom+xml" href="/reports/feed.atom">{}</head><body>"#,
        xml(&title),
        if view.draft { r#"<meta name="robots" content="noindex">"# } else { "" }
    );
    let (pdf, other, list) = links;
    let _ = write!(
        out,
        r#"<header class="cover{}"><p class="kicker">{}</p><h1>{}</h1><p class="subtitle">{}</p><p class="edition">{}</p><p class="links"><a href="{}">{}</a> · <a href="{}" hreflang="{}">{}</a> · <a href="{}">/reports</a></p></header>"#,
        if view.draft { " draft" } else { "" },
        xml(&view.author),
        xml(&view.title),
        xml(&view.subtitle),
        xml(&view.edition),
        xml(pdf),
        xml(&view.labels.pdf),
        xml(other),
        if view.lang == "zh" { "en" } else { "zh" },
        xml(&view.labels.other_language),
        xml(list)
    );
    let s = &view.summary;
    let _ = write!(out, r#"<nav class="contents" aria-labelledby="contents"><h2 id="contents">{}</h2><ol>"#, xml(&view.labels.contents));
    for (id, heading) in
        [("summary", &s.heading), ("method", &view.method.heading), ("districts", &view.districts_heading), ("annex", &view.annex.heading)]
    {
        let _ = write!(out, r##"<li><a href="#{id}">{}</a>"##, xml(heading));
        if id == "districts" {
            out.push_str("<ol class=\"districts\">");
            for d in &view.districts {
                let _ = write!(out, r##"<li><a href="#d-{}">{}</a></li>"##, xml(&d.region), xml(&d.name));
            }
            out.push_str("</ol>");
        }
        out.push_str("</li>");
    }
    out.push_str("</ol></nav><main>");
    let _ = write!(out, r#"<section id="summary"><h2>{}</h2>"#, xml(&s.heading));
    for p in &s.lead {
        let _ = write!(out, "<p>{}</p>", xml(p));
    }
    let _ = write!(out, "<h3>{}</h3>", xml(&s.targets_heading));
    targets(&mut out, files, view, &s.targets);
    let _ = write!(out, "<h3>{}</h3><ul class=\"changes\">", xml(&s.changes_heading));
    for change in &s.changes {
        let _ = write!(out, "<li>{}</li>", xml(change));
    }
    let _ = write!(out, "</ul><h3>{}</h3><p>{}</p>", xml(&s.ranking_heading), xml(&s.ranking_lead));
    chart(&mut out, files, &s.ranking, "wide");
    let _ = write!(out, "<h3>{}</h3>", xml(&s.map_heading));
    if let Some(map) = &s.map {
        chart(&mut out, files, map, "map");
    }
    out.push_str("<ul class=\"legend\">");
    for (colour, words) in &s.tiers {
        let _ = write!(
            out,
            r#"<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="{}"/></svg>{}</li>"#,
            xml(colour),
            xml(words)
        );
    }
    out.push_str("</ul></section>");
    let _ = write!(out, r#"<section id="method"><h2>{}</h2>"#, xml(&view.method.heading));
    for (heading, paragraphs) in &view.method.parts {
        let _ = write!(out, "<h3>{}</h3>", xml(heading));
        for p in paragraphs {
            let _ = write!(out, "<p>{}</p>", xml(p));
        }
    }
    let _ =
        write!(out, r#"</section><section id="districts"><h2>{}</h2><p>{}</p>"#, xml(&view.districts_heading), xml(&view.districts_lead));
    for d in &view.districts {
        let _ = write!(out, r#"<article class="district" id="d-{}"><h3>{}</h3>"#, xml(&d.region), xml(&d.name));
        if !d.group.is_empty() {
            let _ = write!(out, "<p class=\"group\">{}</p>", xml(&d.group));
        }
        let _ = write!(out, "<p class=\"standing\">{}</p>", xml(&d.standing));
        if let Some(reason) = &d.not_rated {
            let _ = write!(out, "<p>{}</p>", xml(reason));
        }
        chart(&mut out, files, &d.parts, "wide");
        let _ = write!(out, "<p class=\"group\">{}</p>", xml(&d.parts_note));
        let _ = write!(
            out,
            "<ul class=\"verdicts\"><li><strong>{}</strong>{colon}{}</li><li><strong>{}</strong>{colon}{}</li><li>{}</li></ul>",
            xml(&view.labels.strengths),
            xml(&d.strengths),
            xml(&view.labels.weaknesses),
            xml(&d.weaknesses),
            xml(&d.moved),
            colon = if view.lang == "zh" { "：" } else { ": " }
        );
        table(&mut out, &d.measures);
        if !d.targets.is_empty() {
            let _ = write!(out, "<h4>{}</h4>", xml(&view.labels.targets));
            targets(&mut out, files, view, &d.targets);
        }
        out.push_str("</article>");
    }
    let _ = write!(out, r#"</section><section id="annex"><h2>{}</h2>"#, xml(&view.annex.heading));
    for t in &view.annex.tables {
        table(&mut out, t);
    }
    out.push_str("</section></main></body></html>\n");
    out
}

/// A quarter an admin may publish: its name, and whether a draft can be made.
#[derive(Debug, Clone)]
pub struct Publishable {
    /// `2025Q3`.
    pub period: String,
    /// `2025年第三季度`.
    pub label: String,
}

fn quarter_label(period: &str) -> String {
    innogauge_model::Period::parse(period).map_or_else(|_| period.to_owned(), |p| p.label(innogauge_model::Lang::Zh))
}

/// `/reports`: every published report with its permanent links, newest first; for a signed-in
/// admin, the quarters that may be published, each with its draft and a publish button (a form
/// carrying the session's CSRF token).
pub fn list_page(records: &[crate::store::ReportRecord], admin: Option<(&str, &[Publishable])>, message: Option<&str>) -> String {
    let mut out = String::new();
    out.push_str(r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>区县科技创新评价报告 · Reports</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/reports/report.css"><link rel="alternate" type="application/atom+xml" title="区县科技创新评价报告" href="/reports/feed.atom"></head><body>"#);
    out.push_str(r#"<header class="cover"><p class="kicker">InnoGauge 科创目标仪表</p><h1>区县科技创新评价报告</h1><p class="subtitle">District innovation evaluation reports</p><p class="links"><a href="/reports/feed.atom">Atom 订阅 · feed</a> · <a href="/board">/board</a></p></header><main>"#);
    if let Some(message) = message {
        let _ = write!(out, r#"<p class="notice" role="status">{}</p>"#, xml(message));
    }
    let mut periods: Vec<&str> = records.iter().map(|r| r.period.as_str()).collect();
    periods.dedup();
    if periods.is_empty() {
        out.push_str("<p>尚未发布报告。No report has been published yet.</p>");
    } else {
        out.push_str(r#"<div class="scroll"><table class="reports"><caption>已发布的报告 · Published reports</caption><thead><tr><th scope="col">季度 Quarter</th><th scope="col">中文</th><th scope="col">English</th><th scope="col">发布时间 Published</th><th scope="col">数据版本 Data version</th></tr></thead><tbody>"#);
        for period in periods {
            let of = |lang: &str| records.iter().find(|r| r.period == period && r.lang == lang);
            let _ = write!(out, r#"<tr><th scope="row">{} <span class="group">{}</span></th>"#, xml(&quarter_label(period)), xml(period));
            for lang in ["zh", "en"] {
                match of(lang) {
                    Some(r) => {
                        let query = if lang == "en" { "?lang=en" } else { "" };
                        let _ = write!(
                            out,
                            r#"<td><a href="/reports/{p}{query}">HTML</a> · <a href="/reports/{p}.pdf{query}">PDF</a> <span class="group">{} KB</span></td>"#,
                            r.pdf_bytes / 1024,
                            p = xml(period)
                        );
                    }
                    None => out.push_str("<td>—</td>"),
                }
            }
            let first = of("zh").or_else(|| of("en"));
            let _ = write!(
                out,
                "<td>{}</td><td>#{}</td></tr>",
                xml(first.map_or("", |r| r.published_at.as_str())),
                first.map_or(0, |r| r.data_version)
            );
        }
        out.push_str("</tbody></table></div>");
    }
    if let Some((csrf, quarters)) = admin {
        out.push_str(r#"<section id="publish"><h2>发布 · Publish</h2><p>先预览草稿，再发布：已发布的报告永久保存，之后的数据修订不会改变它。Preview the draft, then publish: a published report is kept as it is, whatever is revised later.</p>"#);
        if quarters.is_empty() {
            out.push_str("<p>没有可以发布的季度。No quarter to publish.</p>");
        }
        for q in quarters {
            let _ = write!(
                out,
                r#"<form method="post" action="/reports/{p}/publish" class="publish"><input type="hidden" name="csrf" value="{csrf}"><p><strong>{label}</strong> · 草稿 draft: <a href="/reports/{p}/draft">中文</a> <a href="/reports/{p}/draft.pdf">PDF</a> · <a href="/reports/{p}/draft?lang=en">English</a> <a href="/reports/{p}/draft.pdf?lang=en">PDF</a> <button type="submit">发布 {p} · Publish</button></p></form>"#,
                p = xml(&q.period),
                csrf = xml(csrf),
                label = xml(&q.label)
            );
        }
        out.push_str("</section>");
    }
    out.push_str("</main></body></html>\n");
    out
}

/// The Atom feed of the published reports (one entry per quarter and language).
pub fn atom(records: &[crate::store::ReportRecord], origin: &str) -> String {
    let mut out = String::from(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    out.push('\n');
    let updated = records.iter().map(|r| r.published_at.as_str()).max().unwrap_or("2025-01-01T00:00:00Z");
    let _ = write!(
        out,
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>区县科技创新评价报告 · District innovation evaluation reports</title><id>{o}/reports</id><link rel="self" href="{o}/reports/feed.atom"/><link href="{o}/reports"/><updated>{}</updated><author><name>InnoGauge</name></author>"#,
        xml(updated),
        o = xml(origin)
    );
    for r in records {
        let (title, query) = if r.lang == "en" {
            (format!("District innovation evaluation report, {}", r.period), "?lang=en")
        } else {
            (format!("区县科技创新评价报告 {}", quarter_label(&r.period)), "")
        };
        let _ = write!(
            out,
            r#"<entry><title>{}</title><id>{o}/reports/{p}{q}</id><link rel="alternate" type="text/html" hreflang="{l}" href="{o}/reports/{p}{q}"/><link rel="enclosure" type="application/pdf" length="{len}" href="{o}/reports/{p}.pdf{q}"/><updated>{at}</updated><published>{at}</published><summary>{p} · data version {v} · sha256 {sha}</summary></entry>"#,
            xml(&title),
            o = xml(origin),
            p = xml(&r.period),
            q = xml(query),
            l = xml(&r.lang),
            len = r.pdf_bytes,
            at = xml(&r.published_at),
            v = r.data_version,
            sha = xml(&r.sha256_pdf)
        );
    }
    out.push_str("</feed>\n");
    out
}
