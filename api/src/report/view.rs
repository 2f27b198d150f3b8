//! The report in one language, every text already written: what the HTML and the PDF lay out.
//! Built from the model's [`ReportData`]; it also names the charts (SVG files drawn by
//! `charts.rs`), so both renderers show the same pictures. Serialized to JSON for the typst
//! template, which reads it as data (no text is ever spliced into typst markup).

use std::collections::BTreeMap;

use innogauge_model::evaluation::{change_words, performance_label, rank_words, tier_label};
use innogauge_model::format::format_number;
use innogauge_model::geo::FeatureCollection;
use innogauge_model::report::ReportData;
use innogauge_model::wire::{EvaluationDistrictWire, EvaluationWire, ProgressWire};
use innogauge_model::words::{t, target_figures};
use innogauge_model::{Catalog, Lang, Period};
use serde::Serialize;

use super::charts;

/// Whether a report is a preview or the published edition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edition {
    /// A preview of the current data, not published.
    Draft,
    /// Published at this RFC 3339 time.
    Published(String),
}

/// A report in one language.
#[derive(Clone, Debug, Serialize)]
pub struct ReportView {
    /// `zh` or `en`.
    pub lang: &'static str,
    /// The title.
    pub title: String,
    /// The quarter in words.
    pub subtitle: String,
    /// Published when, at which data version (or: a draft).
    pub edition: String,
    /// A draft (watermarked, not for citing).
    pub draft: bool,
    /// Who made it.
    pub author: String,
    /// The quarter (`2025Q3`).
    pub period: String,
    /// Words of the layout.
    pub labels: Labels,
    /// The summary.
    pub summary: Summary,
    /// The method.
    pub method: Section,
    /// The districts' heading.
    pub districts_heading: String,
    /// What a district's page shows.
    pub districts_lead: String,
    /// One page per district.
    pub districts: Vec<DistrictPage>,
    /// The annex.
    pub annex: Annex,
}

/// Words of the layout.
#[derive(Clone, Debug, Serialize)]
pub struct Labels {
    /// 目录.
    pub contents: String,
    /// Page footer.
    pub page: String,
    /// Tier legend heading.
    pub legend: String,
    /// Strengths.
    pub strengths: String,
    /// Weaknesses.
    pub weaknesses: String,
    /// Its targets.
    pub targets: String,
    /// The targets table's head.
    pub target_head: Vec<String>,
    /// None.
    pub none: String,
    /// The language switch.
    pub other_language: String,
    /// The PDF link.
    pub pdf: String,
}

/// A chart: its file and what it shows in words.
#[derive(Clone, Debug, Serialize)]
pub struct Chart {
    /// File name among the report's files.
    pub file: String,
    /// Alternative text.
    pub alt: String,
}

/// A target's row.
#[derive(Clone, Debug, Serialize)]
pub struct TargetRow {
    /// The indicator.
    pub name: String,
    /// Its figures against the target.
    pub figures: String,
    /// Its status in words.
    pub status: String,
    /// Its status code.
    pub status_code: String,
    /// Its bar.
    pub bar: Chart,
}

/// A table.
#[derive(Clone, Debug, Serialize)]
pub struct Table {
    /// Caption.
    pub caption: String,
    /// Column heads.
    pub head: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
    /// The column that names a row (the district).
    pub key_column: usize,
}

/// A section of text.
#[derive(Clone, Debug, Serialize)]
pub struct Section {
    /// Heading.
    pub heading: String,
    /// Sub-sections: heading and paragraphs.
    pub parts: Vec<(String, Vec<String>)>,
}

/// The summary.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Heading.
    pub heading: String,
    /// Opening paragraphs.
    pub lead: Vec<String>,
    /// Targets heading.
    pub targets_heading: String,
    /// Every city target of the plan reported.
    pub targets: Vec<TargetRow>,
    /// Ranking heading.
    pub ranking_heading: String,
    /// What the ranking shows.
    pub ranking_lead: String,
    /// The ranking.
    pub ranking: Chart,
    /// Map heading.
    pub map_heading: String,
    /// The tier map.
    pub map: Option<Chart>,
    /// Tier colours, words and counts.
    pub tiers: Vec<(String, String)>,
    /// Changes heading.
    pub changes_heading: String,
    /// What changed since the last report.
    pub changes: Vec<String>,
}

/// A district's page.
#[derive(Clone, Debug, Serialize)]
pub struct DistrictPage {
    /// Region code.
    pub region: String,
    /// Its name.
    pub name: String,
    /// Its group (一区两群).
    pub group: String,
    /// Index, rank, interval, tier, change in one line.
    pub standing: String,
    /// Why it is not rated, when it is not.
    pub not_rated: Option<String>,
    /// Its parts against the average.
    pub parts: Chart,
    /// What the parts chart shows.
    pub parts_note: String,
    /// Every measure: value, score, percentile.
    pub measures: Table,
    /// Strengths.
    pub strengths: String,
    /// Weaknesses.
    pub weaknesses: String,
    /// What moved its index.
    pub moved: String,
    /// Its targets.
    pub targets: Vec<TargetRow>,
}

/// The annex.
#[derive(Clone, Debug, Serialize)]
pub struct Annex {
    /// Heading.
    pub heading: String,
    /// The tables.
    pub tables: Vec<Table>,
}

/// The report's pictures by file name.
pub type Files = BTreeMap<String, String>;

/// Names in the language.
fn pick(lang: Lang, zh: &str, en: &str) -> String {
    if lang == Lang::Zh { zh.to_owned() } else { en.to_owned() }
}

fn district_name(d: &EvaluationDistrictWire, lang: Lang) -> String {
    pick(lang, &d.name_zh, &d.name_en)
}

fn measure_names(evaluation: &EvaluationWire, ids: &[String], lang: Lang) -> String {
    let names: Vec<String> =
        ids.iter().filter_map(|id| evaluation.measures.iter().find(|m| m.id == *id)).map(|m| pick(lang, &m.name_zh, &m.name_en)).collect();
    names.join(if lang == Lang::Zh { "、" } else { ", " })
}

fn target_rows(catalog: &Catalog, targets: &[ProgressWire], lang: Lang, prefix: &str, files: &mut Files) -> Vec<TargetRow> {
    targets
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let file = format!("{prefix}-target-{i}.svg");
            files.insert(file.clone(), charts::target_bar(catalog, p));
            let name = catalog.indicator(&p.indicator).map_or_else(|| p.indicator.clone(), |ind| pick(lang, &ind.name_zh, &ind.name_en));
            let status = pick(lang, &p.status_label.zh, &p.status_label.en);
            TargetRow {
                figures: target_figures(catalog, p, lang),
                bar: Chart { file, alt: format!("{name}: {status}") },
                name,
                status,
                status_code: p.status.clone(),
            }
        })
        .collect()
}

/// The method in words (the formulas are in shared/src/progress.rs and evaluation.rs).
fn method(data: &ReportData, catalog: &Catalog, lang: Lang) -> Section {
    let e = &data.evaluation;
    let zh = lang == Lang::Zh;
    let progress = if zh {
        vec![
            "目标进展采用 Open SDG / sdg-build 的方法：比较自基期以来实际的年均复合增长率与按期实现目标所需的年均增长率，P = 实际增速 ÷ 所需增速。已达到目标为“已实现目标”；P ≥ 0.95 为“进展良好”；0.6 ≤ P < 0.95 为“有进展，需加快”；0 ≤ P < 0.6 为“进展有限”；P < 0 为“出现倒退”；数据点不足为“数据不足”。截止期（如2025年第四季度或2025年全年）的数据到齐后，结论即为最终结果：“已实现目标”或“未实现目标”，并给出差距（增速目标为实际年均增速与所需增速之差），不再作预测。".to_owned(),
            "累计值（年内累计的经费、活动次数）与往年同期比较；“每个区县研发经费年均增长10%以上”等增速目标按区县分别换算为目标值；每季度、每年若干次的活动目标按时间窗逐一检查。本期进展只使用本季度末及以前的数据。".to_owned(),
        ]
    } else {
        vec![
            "Progress toward a target follows Open SDG / sdg-build: the compound annual growth achieved since the base year against the growth needed to meet the target on time, P = achieved ÷ required. Met: target achieved; P ≥ 0.95 on track; 0.6 ≤ P < 0.95 acceleration needed; 0 ≤ P < 0.6 limited; P < 0 deterioration; too few points: not available. Once the data reach the deadline (2025Q4 or the annual 2025 value) the verdict is final, target achieved or target missed, with the gap (for growth targets, the average growth achieved against the required one) and no projection.".to_owned(),
            "Year-to-date flows (spending, events) are compared with the same months of other years; growth targets (R&D spending up 10 % a year in every district) imply a level per district; cadence targets are checked window by window. Progress this quarter uses values up to the quarter's end only.".to_owned(),
        ]
    };
    let measures: Vec<String> = e
        .measures
        .iter()
        .map(|m| {
            let part = e.parts.iter().find(|p| p.id == m.part).map_or_else(|| m.part.clone(), |p| pick(lang, &p.name_zh, &p.name_en));
            let standard = format_number(m.standard, if m.standard.fract() == 0.0 { 0 } else { 2 });
            if zh {
                format!(
                    "{part} · {}（{}）：满分标准 {standard}{}",
                    m.name_zh,
                    m.unit,
                    m.note.as_deref().map(|n| format!("；{n}")).unwrap_or_default()
                )
            } else {
                format!(
                    "{part} · {} ({}): scores 100 at {standard}{}",
                    m.name_en,
                    m.unit,
                    m.note.as_deref().map(|n| format!("; {n}")).unwrap_or_default()
                )
            }
        })
        .collect();
    let index = if zh {
        vec![
            format!("区县科技创新指数依据《{}》{}“{}”建立。五个部分参照《重庆科技创新指数报告》：科技创新环境、科技活动投入、科技活动产出、高新技术产业化、科技促进经济发展，共 {} 项指标；各项指标按常住人口、地区生产总值换算或取比重、同比增速，使规模不同的区县可以比较。", e.source.document, e.source.clause, e.source.quote, e.measures.len()),
            "评分采用目标值评分法（中国区域科技创新评价、全国科技进步统计监测）：每项指标得分 = 100 × 指标值 ÷ 满分标准，最高 100 分；部分得分为所含指标的加权平均，指数为各部分的加权平均（权重相等）。".to_owned(),
            format!("数据覆盖不足框架权重 {}% 的区县列为“未参评”，不参加排名。梯队按参评区县平均指数划分：不低于平均为第一梯队，不低于平均的 80% 为第二梯队，其余为第三梯队。优势、短板为百分位不低于 75% 或不高于 25% 的指标（各至多三项）。", format_number(e.coverage_required * 100.0, 0)),
            format!("名次区间：将各部分和各指标权重分别乘以 0.5–1.5 之间的随机系数、一半计算改用极值标准化法，重复计算 {} 次，取各区县名次的第 5 至第 95 百分位（固定随机种子，相同数据得到相同区间）。名次变化与上年同期（{}）比较。", e.sensitivity_runs, Period::parse(&e.compared_with).map_or_else(|_| e.compared_with.clone(), |p| p.label(lang))),
        ]
    } else {
        vec![
            format!("The district innovation index answers {} ({}): “{}”. Its five parts follow the 重庆科技创新指数报告 (innovation environment, inputs, outputs, high-tech industrialisation, innovation for the economy), {} measures in all, each made comparable across districts of very different size (per resident, per GDP, a share, or growth on a year earlier).", e.source.document, e.source.clause, e.source.quote, e.measures.len()),
            "Scoring is target-based, as in 中国区域科技创新评价 and 全国科技进步统计监测: each measure scores 100 × value ÷ its standard, at most 100; a part is the weighted mean of its measures, the index the weighted mean of the parts (equal weights).".to_owned(),
            format!("A district whose data cover less than {} % of the framework's weight is not rated and not ranked. Tiers are relative to the average index of the rated districts: first at or above it, second from 80 % of it, third below. Strengths and weaknesses are the measures at or above the 75th percentile or at or below the 25th (at most three each).", format_number(e.coverage_required * 100.0, 0)),
            format!("Rank intervals: the evaluation is rerun {} times with every weight multiplied by a random factor between 0.5 and 1.5 and half the runs scored min–max; the interval is the 5th to 95th percentile of a district's ranks (a fixed seed: the same data give the same interval). Rank changes compare with the same quarter a year earlier ({}).", e.sensitivity_runs, Period::parse(&e.compared_with).map_or_else(|_| e.compared_with.clone(), |p| p.label(lang))),
        ]
    };
    let mut sources: Vec<String> = Vec::new();
    for target in data.city_targets.iter().filter_map(|p| p.target.as_ref()).filter_map(|id| catalog.target(id)) {
        let line = format!("{} {} {}：“{}”", target.source.seed, target.source.document, target.source.clause, target.source.quote);
        if !sources.contains(&line) {
            sources.push(line);
        }
    }
    sources.push(format!("{} {} {}：“{}”", e.source.seed, e.source.document, e.source.clause, e.source.quote));
    Section {
        heading: t(lang, "方法与来源", "Method and sources"),
        parts: vec![
            (t(lang, "目标进展", "Progress toward the targets"), progress),
            (t(lang, "区县科技创新指数", "The district innovation index"), index),
            (t(lang, "指标与满分标准", "Measures and their standards"), measures),
            (t(lang, "来源（文件名见 seeds 目录）", "Sources (the notices by file name)"), sources),
        ],
    }
}

impl ReportView {
    /// The report in `lang`; its pictures go into `files`.
    pub fn new(
        data: &ReportData,
        catalog: &Catalog,
        map: Option<&FeatureCollection>,
        lang: Lang,
        edition: &Edition,
        files: &mut Files,
    ) -> ReportView {
        let e = &data.evaluation;
        let quarter = Period::parse(&data.period).map_or_else(|_| data.period.clone(), |p| p.label(lang));
        let previous = Period::parse(&data.previous_period).map_or_else(|_| data.previous_period.clone(), |p| p.label(lang));
        let rated = e.districts.iter().filter(|d| d.rated).count();
        let count = |tier: Option<u8>| e.districts.iter().filter(|d| d.tier == tier).count();
        let plan = data.plan_year.map_or_else(String::new, |y| y.to_string());
        let achieved = data.city_targets.iter().filter(|p| p.status == "target_achieved").count();
        let on_track = data.city_targets.iter().filter(|p| p.status == "substantial").count();
        let average = charts::score(e.average);
        let first = charts::ranked(e).first().filter(|d| d.rated).map(|d| district_name(d, lang)).unwrap_or_default();
        let lead = vec![
            t(
                lang,
                &format!(
                    "截至{quarter}末，全市 {plan} 年 {} 项目标中 {achieved} 项已实现、{on_track} 项进展良好。",
                    data.city_targets.len()
                ),
                &format!(
                    "At the end of {quarter}, {achieved} of the city's {} targets for {plan} are achieved and {on_track} on track.",
                    data.city_targets.len()
                ),
            ),
            t(
                lang,
                &format!(
                    "{rated} 个区县参加评价，参评区县平均指数 {average}，{first}居首；第一梯队 {} 个、第二梯队 {} 个、第三梯队 {} 个区县。",
                    count(Some(1)),
                    count(Some(2)),
                    count(Some(3))
                ),
                &format!(
                    "{rated} districts are rated; their average index is {average}, {first} leads; {} are in the first tier, {} in the second, {} in the third.",
                    count(Some(1)),
                    count(Some(2)),
                    count(Some(3))
                ),
            ),
        ];
        files.insert("ranking.svg".into(), charts::ranking(e, lang));
        let map_chart = map.map(|map| {
            files.insert("tiers.svg".into(), charts::tier_map(e, map));
            Chart {
                file: "tiers.svg".into(),
                alt: t(
                    lang,
                    &format!(
                        "梯队分布图：第一梯队 {} 个，第二梯队 {} 个，第三梯队 {} 个，未参评 {} 个",
                        count(Some(1)),
                        count(Some(2)),
                        count(Some(3)),
                        count(None)
                    ),
                    &format!(
                        "Map of the tiers: {} first, {} second, {} third, {} not rated",
                        count(Some(1)),
                        count(Some(2)),
                        count(Some(3)),
                        count(None)
                    ),
                ),
            }
        });
        let tiers = [Some(1u8), Some(2), Some(3), None]
            .into_iter()
            .map(|tier| {
                let rgb = innogauge_model::chart::tier_colour(tier, innogauge_model::chart::Theme::Light);
                let colour = format!("#{:02x}{:02x}{:02x}", rgb.0, rgb.1, rgb.2);
                let words = tier.map_or_else(|| t(lang, "未参评", "not rated"), |tier| tier_label(tier).get(lang).to_owned());
                (colour, format!("{words} {}", count(tier)))
            })
            .collect();
        let top: Vec<String> = charts::ranked(e)
            .iter()
            .filter(|d| d.rated)
            .take(3)
            .map(|d| format!("{} {}", district_name(d, lang), charts::score(d.index)))
            .collect();
        let changes: Vec<String> = data.changes.iter().map(|c| c.words(lang)).collect();
        let summary = Summary {
            heading: t(lang, "总体情况", "Summary"),
            lead,
            targets_heading: t(lang, &format!("全市 {plan} 年目标进展"), &format!("The city's {plan} targets")),
            targets: target_rows(catalog, &data.city_targets, lang, "city", files),
            ranking_heading: t(lang, "区县科技创新指数排名", "The district innovation index"),
            ranking_lead: t(
                lang,
                &format!(
                    "条形颜色表示梯队，虚线为参评区县平均指数 {average}；右侧依次为指数、名次区间和比上年同期名次变化。前三为{}。",
                    top.join("、")
                ),
                &format!(
                    "Bars in tier colours, the dashed line the average of rated districts ({average}); at the right the index, the rank interval and the change on a year earlier. Top three: {}.",
                    top.join(", ")
                ),
            ),
            ranking: Chart {
                file: "ranking.svg".into(),
                alt: t(
                    lang,
                    &format!("38 个区县按指数排名，前三为{}", top.join("、")),
                    &format!("The 38 districts ranked by index; top three {}", top.join(", ")),
                ),
            },
            map_heading: t(lang, "梯队分布", "Tiers"),
            map: map_chart,
            tiers,
            changes_heading: t(lang, &format!("与上期（{previous}）相比"), &format!("Since the last report ({previous})")),
            changes: if changes.is_empty() {
                vec![t(lang, "梯队、名次和目标进展均无明显变化。", "No tier, rank or target status changed notably.")]
            } else {
                changes
            },
        };
        let districts = data
            .districts
            .iter()
            .filter_map(|targets| e.districts.iter().find(|d| d.region == targets.region).map(|d| (d, targets)))
            .map(|(d, targets)| {
                let file = format!("parts-{}.svg", d.region);
                files.insert(file.clone(), charts::parts(e, d, lang));
                let standing = match d.rank {
                    Some(rank) => format!(
                        "{} {} · {} · {} · {} · {}",
                        t(lang, "指数", "Index"),
                        charts::score(d.index),
                        rank_words(rank, d.rank_interval).get(lang),
                        d.tier.map(|tier| tier_label(tier).get(lang).to_owned()).unwrap_or_default(),
                        d.performance.as_deref().map(|g| performance_label(g).get(lang).to_owned()).unwrap_or_default(),
                        change_words(d.rank_change).get(lang),
                    ),
                    None => t(lang, "未参评", "Not rated"),
                };
                let not_rated = (!d.rated).then(|| {
                    let (has, needs) = (format_number(d.coverage * 100.0, 0), format_number(e.coverage_required * 100.0, 0));
                    t(
                        lang,
                        &format!("数据覆盖框架权重的 {has}%，参评需 {needs}%。"),
                        &format!("Its data cover {has} % of the framework; rating needs {needs} %."),
                    )
                });
                let moved: Vec<String> = d
                    .moved_by
                    .iter()
                    .filter_map(|m| {
                        let measure = e.measures.iter().find(|x| x.id == m.measure)?;
                        let sign = if m.change > 0.0 { "+" } else { "" };
                        Some(format!("{} {sign}{}", pick(lang, &measure.name_zh, &measure.name_en), format_number(m.change, 1)))
                    })
                    .collect();
                let name = district_name(d, lang);
                let measures = Table {
                    caption: t(lang, &format!("{name}各项指标"), &format!("{name}: every measure")),
                    head: vec![
                        t(lang, "指标", "Measure"),
                        t(lang, "数值", "Value"),
                        t(lang, "得分", "Score"),
                        t(lang, "百分位", "Percentile"),
                    ],
                    rows: e
                        .measures
                        .iter()
                        .map(|m| {
                            let mine = d.measures.iter().find(|s| s.measure == m.id);
                            vec![
                                pick(lang, &m.name_zh, &m.name_en),
                                mine.and_then(|s| s.value)
                                    .map_or_else(|| "—".to_owned(), |v| format!("{} {}", format_number(v, 2), m.unit)),
                                charts::score(mine.and_then(|s| s.score)),
                                mine.and_then(|s| s.percentile).map_or_else(|| "—".to_owned(), |p| format_number(p * 100.0, 0)),
                            ]
                        })
                        .collect(),
                    key_column: 0,
                };
                DistrictPage {
                    parts_note: t(
                        lang,
                        "条形为本区县各部分得分，竖线为参评区县平均；右侧为“得分 / 平均”。",
                        "Bars: the district's part scores; ticks: the average of rated districts; at the right, score / average.",
                    ),
                    measures,
                    region: d.region.clone(),
                    group: if lang == Lang::Zh { d.group_zh.clone().unwrap_or_default() } else { String::new() },
                    standing,
                    not_rated,
                    parts: Chart {
                        file,
                        alt: t(lang, &format!("{name}各部分得分与参评区县平均"), &format!("{name}: each part's score against the average")),
                    },
                    strengths: if d.strengths.is_empty() { t(lang, "无", "none") } else { measure_names(e, &d.strengths, lang) },
                    weaknesses: if d.weaknesses.is_empty() { t(lang, "无", "none") } else { measure_names(e, &d.weaknesses, lang) },
                    moved: if moved.is_empty() {
                        t(lang, "无可比数据", "no comparable data")
                    } else {
                        t(
                            lang,
                            &format!("与上年同期相比（指数点）：{}", moved.join("、")),
                            &format!("Since a year earlier (index points): {}", moved.join(", ")),
                        )
                    },
                    targets: target_rows(catalog, &targets.targets, lang, &d.region, files),
                    name,
                }
            })
            .collect();
        let edition_words = match edition {
            Edition::Draft => t(
                lang,
                &format!("草稿（未发布）· 数据版本 #{}", data.data_version),
                &format!("Draft (not published) · data version #{}", data.data_version),
            ),
            Edition::Published(at) => t(
                lang,
                &format!("发布于 {} · 数据版本 #{}", &at[..at.len().min(10)], data.data_version),
                &format!("Published {} · data version #{}", &at[..at.len().min(10)], data.data_version),
            ),
        };
        ReportView {
            lang: if lang == Lang::Zh { "zh" } else { "en" },
            title: t(lang, "重庆市区县科技创新评价报告", "District Innovation Evaluation Report, Chongqing"),
            subtitle: quarter,
            edition: edition_words,
            draft: *edition == Edition::Draft,
            author: t(
                lang,
                "InnoGauge 科创目标仪表（示例数据，非官方统计）",
                "InnoGauge (illustrative sample data, not official statistics)",
            ),
            period: data.period.clone(),
            labels: Labels {
                contents: t(lang, "目录", "Contents"),
                page: t(lang, "第 {} 页，共 {} 页", "Page {} of {}"),
                legend: t(lang, "梯队", "Tiers"),
                strengths: t(lang, "优势", "Strengths"),
                weaknesses: t(lang, "短板", "Weaknesses"),
                targets: t(lang, "目标进展", "Targets"),
                target_head: vec![
                    t(lang, "指标", "Indicator"),
                    t(lang, "数值与目标", "Value and target"),
                    t(lang, "进展", "Status"),
                    t(lang, "进度", "Bar"),
                ],
                none: t(lang, "无", "none"),
                other_language: t(lang, "English", "中文"),
                pdf: t(lang, "下载 PDF", "Download the PDF"),
            },
            summary,
            method: method(data, catalog, lang),
            districts_heading: t(lang, "区县评价", "The districts"),
            districts_lead: t(
                lang,
                "每个区县一页：指数、名次及其区间、梯队和名次变化，各部分得分与参评区县平均的比较，优势与短板，比上年同期变动最大的指标，各项指标数值，以及本区县的目标进展。",
                "One page per district: its index, rank with its interval, tier and rank change; its parts against the average of rated districts; strengths and weaknesses; the measures that moved it most since a year earlier; every measure's value; and its own targets.",
            ),
            districts,
            annex: annex(data, lang),
        }
    }
}

/// The annex: the index table, and every measure's value.
fn annex(data: &ReportData, lang: Lang) -> Annex {
    let e = &data.evaluation;
    let mut head = vec![
        t(lang, "名次", "Rank"),
        t(lang, "区县", "District"),
        t(lang, "梯队", "Tier"),
        t(lang, "指数", "Index"),
        t(lang, "区间", "Interval"),
        t(lang, "比上年", "Change"),
    ];
    head.extend(e.parts.iter().map(|p| pick(lang, &p.name_zh, &p.name_en)));
    let rows = charts::ranked(e)
        .into_iter()
        .map(|d| {
            let mut row = vec![
                d.rank.map_or_else(|| "—".to_owned(), |r| r.to_string()),
                district_name(d, lang),
                d.tier.map_or_else(|| t(lang, "未参评", "not rated"), |tier| tier_label(tier).get(lang).to_owned()),
                charts::score(d.index),
                charts::interval(d),
                innogauge_model::evaluation::change_symbol(d.rank_change),
            ];
            row.extend(e.parts.iter().map(|p| charts::score(d.parts.iter().find(|s| s.part == p.id).and_then(|s| s.score))));
            row
        })
        .collect();
    let index =
        Table {
            caption: t(lang, "附表1 区县科技创新指数及各部分得分", "Table A1. The index and its parts"), head, rows, key_column: 1
        };
    let mut head = vec![t(lang, "区县", "District")];
    head.extend(e.measures.iter().map(|m| format!("{} ({})", pick(lang, &m.name_zh, &m.name_en), m.unit)));
    let rows = e
        .districts
        .iter()
        .map(|d| {
            let mut row = vec![district_name(d, lang)];
            row.extend(e.measures.iter().map(|m| {
                d.measures.iter().find(|s| s.measure == m.id).and_then(|s| s.value).map_or_else(|| "—".to_owned(), |v| format_number(v, 2))
            }));
            row
        })
        .collect();
    let values = Table { caption: t(lang, "附表2 各项指标数值", "Table A2. Every measure's value"), head, rows, key_column: 0 };
    Annex { heading: t(lang, "附表", "Annex: data tables"), tables: vec![index, values] }
}
