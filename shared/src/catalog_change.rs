//! Changing the catalogue: what `innogauge catalog apply plan-2030.toml` and the admin page
//! check, without touching a store.
//!
//! A catalogue file has the sections of the built-in catalogue (`[[unit]]`, `[[group]]`,
//! `[[region]]`, `[[indicator]]`, `[[target]]`) and adds or replaces entries by their key
//! (`symbol`, `id`, `code`); a `[remove]` table lists entries to take out. So the next plan is a
//! short file of `[[target]]`s, and a whole exported catalogue applies as itself.
//!
//! [`propose`] returns the catalogue that would result with every problem at once, each with
//! its line in the file, in Chinese and English, and the list of changes; it never fails. On
//! top of the catalogue's own checks it refuses what would break stored data: removing an
//! indicator or region that has values, or changing an indicator's unit or measure while it
//! has values; and it keeps an indicator's or region's old names as aliases when they change,
//! so files written with the old header still upload. Ids and codes are permanent: the stored
//! values are keyed by them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CatalogDocument, CatalogProblem, GroupDoc, IndicatorDoc, RegionDoc, Section, TargetDoc, UnitDoc};
use crate::message::Bilingual;

/// Most entries of one section (the built-in catalogue has a few dozen of each).
pub const MAX_ENTRIES: usize = 2_000;

/// A catalogue file as written: entries to add or replace, and entries to remove.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    /// Units to add or replace (by `symbol`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unit: Vec<UnitDoc>,
    /// Groups to add or replace (by `id`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group: Vec<GroupDoc>,
    /// Regions to add or replace (by `code`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub region: Vec<RegionDoc>,
    /// Indicators to add or replace (by `id`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indicator: Vec<IndicatorDoc>,
    /// Targets to add or replace (by `id`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target: Vec<TargetDoc>,
    /// Entries to take out.
    #[serde(default, skip_serializing_if = "RemoveDoc::is_empty")]
    pub remove: RemoveDoc,
}

impl CatalogFile {
    /// The whole catalogue as a file (`innogauge catalog export` writes it as TOML): applying it
    /// changes nothing, and an edited copy is the next revision.
    pub fn whole(catalog: &Catalog) -> CatalogFile {
        let document = catalog.document();
        CatalogFile {
            unit: document.unit.clone(),
            group: document.group.clone(),
            region: document.region.clone(),
            indicator: document.indicator.clone(),
            target: document.target.clone(),
            remove: RemoveDoc::default(),
        }
    }
}

/// The `[remove]` table: keys of entries to take out, per section.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveDoc {
    /// Unit symbols.
    #[serde(default)]
    pub unit: Vec<String>,
    /// Group ids.
    #[serde(default)]
    pub group: Vec<String>,
    /// Region codes.
    #[serde(default)]
    pub region: Vec<String>,
    /// Indicator ids.
    #[serde(default)]
    pub indicator: Vec<String>,
    /// Target ids.
    #[serde(default)]
    pub target: Vec<String>,
}

impl RemoveDoc {
    /// Whether it removes nothing.
    pub fn is_empty(&self) -> bool {
        self.unit.is_empty() && self.group.is_empty() && self.region.is_empty() && self.indicator.is_empty() && self.target.is_empty()
    }
}

/// How an entry changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// A new entry.
    Added,
    /// An entry replaced by a different one.
    Changed,
    /// An entry taken out.
    Removed,
}

impl ChangeKind {
    /// `added`, `changed` or `removed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Changed => "changed",
            ChangeKind::Removed => "removed",
        }
    }
}

/// One entry that differs between the current catalogue and the proposed one.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The section.
    pub section: Section,
    /// The entry's key.
    pub key: String,
    /// Added, changed or removed.
    pub kind: ChangeKind,
    /// For a change: the fields that differ (`deadline`, `bound`…).
    pub fields: Vec<String>,
    /// The change in words, e.g. `新增目标 tech_smes_2030（科技型企业数量，2030年）`.
    pub words: Bilingual,
}

/// What applying a catalogue file would do.
#[derive(Clone, Debug)]
pub struct Proposal {
    /// The resulting catalogue, when there is no problem.
    pub catalog: Option<Catalog>,
    /// The resulting document (also with problems, for the record).
    pub document: CatalogDocument,
    /// Every entry that differs.
    pub changes: Vec<Change>,
    /// Every problem, with its line where the file has one.
    pub problems: Vec<CatalogProblem>,
}

impl Proposal {
    /// Whether the file can be applied.
    pub fn is_valid(&self) -> bool {
        self.catalog.is_some() && self.problems.is_empty()
    }
}

/// What the stored data hold, for the checks that protect it.
pub trait StoredData {
    /// Whether any value of the indicator is stored.
    fn has_indicator(&self, id: &str) -> bool;
    /// Whether any value of the region is stored.
    fn has_region(&self, code: &str) -> bool;
}

impl StoredData for crate::dataset::Dataset {
    fn has_indicator(&self, id: &str) -> bool {
        self.has_values_of(id)
    }

    fn has_region(&self, code: &str) -> bool {
        self.has_values_in(code)
    }
}

/// Checks a catalogue file against the current catalogue and the stored data: the catalogue it
/// would make, the changes and every problem. `extra` checks the result further (the server
/// passes its evaluation framework, which must still find its indicators).
pub fn propose(current: &Catalog, text: &str, data: &dyn StoredData, extra: &dyn Fn(&Catalog) -> Vec<CatalogProblem>) -> Proposal {
    let lines = EntryLines::scan(text);
    let file: CatalogFile = match toml::from_str(text) {
        Ok(file) => file,
        Err(e) => {
            let line = e.span().map(|span| line_of_offset(text, span.start));
            let message = e.message().to_owned();
            let problem = CatalogProblem {
                entry: None,
                line,
                message: Bilingual::new(
                    format!("文件不是有效的目录 TOML：{message}。请对照 `innogauge catalog export` 导出的格式修改。"),
                    format!(
                        "the file is not a valid catalogue in TOML: {message}. Compare it with what `innogauge catalog export` writes."
                    ),
                ),
            };
            return Proposal { catalog: None, document: current.document().clone(), changes: Vec::new(), problems: vec![problem] };
        }
    };
    let mut problems = Vec::new();
    let before = current.document();
    let mut document = before.clone();
    merge(&mut document.unit, file.unit, |u| u.symbol.clone());
    merge(&mut document.group, file.group, |g| g.id.clone());
    merge(&mut document.region, file.region, |r| r.code.clone());
    merge(&mut document.indicator, file.indicator, |i| i.id.clone());
    merge(&mut document.target, file.target, |t| t.id.clone());
    let removals = [
        (Section::Unit, &file.remove.unit),
        (Section::Group, &file.remove.group),
        (Section::Region, &file.remove.region),
        (Section::Indicator, &file.remove.indicator),
        (Section::Target, &file.remove.target),
    ];
    for (section, keys) in removals {
        for key in keys {
            let removed = match section {
                Section::Unit => take(&mut document.unit, key, |u| &u.symbol),
                Section::Group => take(&mut document.group, key, |g| &g.id),
                Section::Region => take(&mut document.region, key, |r| &r.code),
                Section::Indicator => take(&mut document.indicator, key, |i| &i.id),
                Section::Target => take(&mut document.target, key, |t| &t.id),
            };
            if !removed {
                let mut problem = CatalogProblem::of(
                    section,
                    key,
                    format!("[remove] 中的{} {key} 不在目录中，无法删除", section.word_zh()),
                    format!("[remove] names {} {key}, which the catalogue does not have", section.table()),
                );
                problem.line = lines.remove;
                problems.push(problem);
            }
        }
    }
    let sizes = [
        (Section::Unit, document.unit.len()),
        (Section::Group, document.group.len()),
        (Section::Region, document.region.len()),
        (Section::Indicator, document.indicator.len()),
        (Section::Target, document.target.len()),
    ];
    for (section, size) in sizes {
        if size > MAX_ENTRIES {
            // Every read judges every target in every region: the catalogue's size is work.
            problems.push(CatalogProblem::whole(
                format!("目录的{}超过 {MAX_ENTRIES} 个（共 {size} 个），请删减", section.word_zh()),
                format!("the catalogue would have {size} {} entries, more than the {MAX_ENTRIES} allowed", section.table()),
            ));
        }
    }
    keep_old_names(before, &mut document);
    problems.extend(protect_data(before, &document, data));
    let built = Catalog::from_document(document.clone());
    let catalog = match built {
        Ok(catalog) => {
            problems.extend(extra(&catalog));
            Some(catalog)
        }
        Err(e) => {
            problems.extend(e.problems);
            None
        }
    };
    for problem in &mut problems {
        if problem.line.is_none()
            && let Some((section, key)) = &problem.entry
        {
            problem.line = lines.line(*section, key);
        }
    }
    problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    let changes = changes(before, &document);
    let catalog = catalog.filter(|_| problems.is_empty());
    Proposal { catalog, document, changes, problems }
}

/// Replaces entries with the same key, appends the others (in the file's order).
fn merge<T>(entries: &mut Vec<T>, new: Vec<T>, key: impl Fn(&T) -> String) {
    for entry in new {
        let k = key(&entry);
        match entries.iter_mut().find(|e| key(e) == k) {
            Some(slot) => *slot = entry,
            None => entries.push(entry),
        }
    }
}

fn take<T>(entries: &mut Vec<T>, key: &str, of: fn(&T) -> &String) -> bool {
    let before = entries.len();
    entries.retain(|e| of(e) != key);
    entries.len() != before
}

/// A renamed indicator or region keeps its old names as aliases, so that files with the old
/// header or region name still upload.
fn keep_old_names(before: &CatalogDocument, after: &mut CatalogDocument) {
    for indicator in &mut after.indicator {
        if let Some(old) = before.indicator.iter().find(|o| o.id == indicator.id) {
            let old_names = [&old.name_zh, &old.name_en].into_iter().chain(&old.aliases).cloned().collect::<Vec<_>>();
            add_aliases(&mut indicator.aliases, &[&indicator.name_zh, &indicator.name_en], old_names);
        }
    }
    for region in &mut after.region {
        if let Some(old) = before.region.iter().find(|o| o.code == region.code) {
            let old_names = [&old.name_zh, &old.short_zh, &old.name_en].into_iter().chain(&old.aliases).cloned().collect::<Vec<_>>();
            add_aliases(&mut region.aliases, &[&region.name_zh, &region.short_zh, &region.name_en], old_names);
        }
    }
}

fn add_aliases(aliases: &mut Vec<String>, names: &[&String], old: Vec<String>) {
    for name in old {
        if !names.iter().any(|n| **n == name) && !aliases.contains(&name) {
            aliases.push(name);
        }
    }
}

/// What would make stored values meaningless: an indicator or region with values removed, or
/// an indicator with values given another unit or measure.
fn protect_data(before: &CatalogDocument, after: &CatalogDocument, data: &dyn StoredData) -> Vec<CatalogProblem> {
    let mut problems = Vec::new();
    for old in &before.indicator {
        if !data.has_indicator(&old.id) {
            continue;
        }
        match after.indicator.iter().find(|i| i.id == old.id) {
            None => problems.push(CatalogProblem::of(
                Section::Indicator,
                &old.id,
                format!("指标“{}”已有数据，不能删除。如不再使用，保留该指标并删除其目标即可。", old.name_zh),
                format!("{} has stored values and cannot be removed; keep the indicator and remove its targets instead.", old.name_en),
            )),
            Some(new) => {
                if new.unit != old.unit {
                    problems.push(CatalogProblem::of(
                        Section::Indicator,
                        &old.id,
                        format!("指标“{}”已有以“{}”计的数据，不能改为“{}”。请新建一个指标（新的 id）。", old.name_zh, old.unit, new.unit),
                        format!(
                            "{} has values stored in {}; its unit cannot become {}. Add a new indicator (a new id) instead.",
                            old.name_en, old.unit, new.unit
                        ),
                    ));
                }
                if new.measure != old.measure {
                    problems.push(CatalogProblem::of(
                        Section::Indicator,
                        &old.id,
                        format!("指标“{}”已有数据，计量类型不能从 {} 改为 {}。请新建一个指标。", old.name_zh, old.measure, new.measure),
                        format!(
                            "{} has stored values; its measure cannot change from {} to {}. Add a new indicator instead.",
                            old.name_en, old.measure, new.measure
                        ),
                    ));
                }
            }
        }
    }
    for old in &before.region {
        if data.has_region(&old.code) && !after.region.iter().any(|r| r.code == old.code) {
            problems.push(CatalogProblem::of(
                Section::Region,
                &old.code,
                format!("地区“{}”已有数据，不能删除。", old.name_zh),
                format!("{} has stored values and cannot be removed.", old.name_en),
            ));
        }
    }
    problems
}

/// Every entry that differs, section by section, in the documents' order.
fn changes(before: &CatalogDocument, after: &CatalogDocument) -> Vec<Change> {
    let mut changes = Vec::new();
    diff(&mut changes, Section::Unit, &before.unit, &after.unit, |u| u.symbol.clone(), |u| (u.symbol.clone(), u.name_en.clone()));
    diff(&mut changes, Section::Group, &before.group, &after.group, |g| g.id.clone(), |g| (g.name_zh.clone(), g.name_en.clone()));
    diff(&mut changes, Section::Region, &before.region, &after.region, |r| r.code.clone(), |r| (r.name_zh.clone(), r.name_en.clone()));
    diff(
        &mut changes,
        Section::Indicator,
        &before.indicator,
        &after.indicator,
        |i| i.id.clone(),
        |i| (i.name_zh.clone(), i.name_en.clone()),
    );
    let indicator_names: BTreeMap<&str, (&str, &str)> =
        after.indicator.iter().chain(&before.indicator).map(|i| (i.id.as_str(), (i.name_zh.as_str(), i.name_en.as_str()))).rev().collect();
    diff(
        &mut changes,
        Section::Target,
        &before.target,
        &after.target,
        |t| t.id.clone(),
        |t| {
            let (zh, en) = indicator_names.get(t.indicator.as_str()).copied().unwrap_or((t.indicator.as_str(), t.indicator.as_str()));
            let by = t.deadline.as_deref().or(t.until.as_deref()).unwrap_or("—");
            (format!("{zh}，{by}"), format!("{en}, {by}"))
        },
    );
    changes
}

fn diff<T: Serialize>(
    changes: &mut Vec<Change>,
    section: Section,
    before: &[T],
    after: &[T],
    key: impl Fn(&T) -> String,
    name: impl Fn(&T) -> (String, String),
) {
    let old: BTreeMap<String, &T> = before.iter().map(|e| (key(e), e)).collect();
    let new_keys: BTreeSet<String> = after.iter().map(&key).collect();
    let word = |kind: ChangeKind, k: &str, (zh, en): (String, String), fields: &[String]| {
        let (verb_zh, verb_en) = match kind {
            ChangeKind::Added => ("新增", "add"),
            ChangeKind::Changed => ("修改", "change"),
            ChangeKind::Removed => ("删除", "remove"),
        };
        let detail = if fields.is_empty() { String::new() } else { format!(": {}", fields.join(", ")) };
        Bilingual::new(
            format!("{verb_zh}{} {k}（{zh}）{detail}", section.word_zh()),
            format!("{verb_en} {} {k} ({en}){detail}", section.table()),
        )
    };
    for entry in after {
        let k = key(entry);
        match old.get(&k) {
            None => changes.push(Change {
                section,
                key: k.clone(),
                kind: ChangeKind::Added,
                fields: Vec::new(),
                words: word(ChangeKind::Added, &k, name(entry), &[]),
            }),
            Some(previous) => {
                let fields = changed_fields(*previous, entry);
                if !fields.is_empty() {
                    let words = word(ChangeKind::Changed, &k, name(entry), &fields);
                    changes.push(Change { section, key: k, kind: ChangeKind::Changed, fields, words });
                }
            }
        }
    }
    for entry in before {
        let k = key(entry);
        if !new_keys.contains(&k) {
            let words = word(ChangeKind::Removed, &k, name(entry), &[]);
            changes.push(Change { section, key: k, kind: ChangeKind::Removed, fields: Vec::new(), words });
        }
    }
}

/// The top-level fields whose values differ.
fn changed_fields<T: Serialize>(a: &T, b: &T) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) = (serde_json::to_value(a), serde_json::to_value(b)) else {
        return Vec::new();
    };
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    names.into_iter().filter(|n| a.get(*n) != b.get(*n)).cloned().collect()
}

/// Where each entry of a catalogue file starts: the line of its `[[section]]` header, found by
/// its key field (`id = "…"`), and the line of `[remove]`.
#[derive(Debug, Default)]
struct EntryLines {
    entries: BTreeMap<(Section, String), usize>,
    remove: Option<usize>,
}

impl EntryLines {
    fn scan(text: &str) -> EntryLines {
        let sections = [Section::Unit, Section::Group, Section::Region, Section::Indicator, Section::Target];
        let mut found = EntryLines::default();
        let mut open: Option<(Section, usize)> = None;
        for (i, line) in text.lines().enumerate() {
            let line_number = i + 1;
            let trimmed = line.trim();
            if let Some(table) = trimmed.strip_prefix("[[").and_then(|t| t.split("]]").next()) {
                open = sections.iter().find(|s| s.table() == table.trim()).map(|s| (*s, line_number));
                continue;
            }
            if trimmed.starts_with('[') {
                open = None;
                if trimmed.trim_start_matches('[').trim_end_matches(']').trim() == "remove" {
                    found.remove = Some(line_number);
                }
                continue;
            }
            let Some((section, header)) = open else { continue };
            let Some((field, value)) = trimmed.split_once('=') else { continue };
            if field.trim() == section.key_field() {
                // Keys are plain ids and codes: a quoted string, perhaps followed by a comment.
                let value = value.trim();
                let quote = if value.starts_with('\'') { '\'' } else { '"' };
                if let Some(key) = value.strip_prefix(quote).and_then(|v| v.split(quote).next()) {
                    found.entries.entry((section, key.to_owned())).or_insert(header);
                }
            }
        }
        found
    }

    fn line(&self, section: Section, key: &str) -> Option<usize> {
        self.entries.get(&(section, key.to_owned())).copied()
    }
}

/// The 1-based line of a byte offset.
fn line_of_offset(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Stored(&'static [&'static str], &'static [&'static str]);

    impl StoredData for Stored {
        fn has_indicator(&self, id: &str) -> bool {
            self.0.contains(&id)
        }
        fn has_region(&self, code: &str) -> bool {
            self.1.contains(&code)
        }
    }

    const NOTHING: Stored = Stored(&[], &[]);

    fn none(_: &Catalog) -> Vec<CatalogProblem> {
        Vec::new()
    }

    /// The README's example of the next plan: four targets due in 2030.
    const PLAN_2030: &str = include_str!("../../fixtures/plans/plan-2030-example.toml");

    #[test]
    fn a_plan_file_adds_its_targets_beside_the_old_ones() {
        let proposal = propose(Catalog::builtin(), PLAN_2030, &NOTHING, &none);
        assert!(proposal.is_valid(), "{:?}", proposal.problems);
        let catalog = proposal.catalog.unwrap();
        let deadlines: Vec<String> =
            catalog.targets_for("tech_smes", "500000").filter_map(|t| t.rule.deadline()).map(|d| d.to_string()).collect();
        assert_eq!(deadlines, ["2025", "2030"]);
        assert_eq!(proposal.changes.len(), 4);
        let change = &proposal.changes[0];
        assert_eq!((change.section, change.key.as_str(), change.kind), (Section::Target, "tech_smes_2030", ChangeKind::Added));
        assert!(change.words.zh.starts_with("新增目标 tech_smes_2030（"), "{}", change.words.zh);
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_line_in_both_languages() {
        let text = format!(
            "{PLAN_2030}\n[[target]]\nid = \"broken\"\nindicator = \"nope\"\nregions = [\"500000\"]\nkind = \"level\"\nbound = {{ at_least = 1 }}\ndeadline = \"2030\"\nsource = {{ seed = \"\", document = \"d\", clause = \"c\", quote = \"q\" }}\n\n[[target]]\nid = \"late\"\nindicator = \"tech_smes\"\nregions = [\"999999\"]\nkind = \"level\"\nbound = {{ at_least = 1 }}\ndeadline = \"2030Q5\"\nsource = {{ seed = \"\", document = \"d\", clause = \"c\", quote = \"q\" }}\n"
        );
        let proposal = propose(Catalog::builtin(), &text, &NOTHING, &none);
        assert!(!proposal.is_valid());
        let lines: Vec<(Option<usize>, String)> =
            proposal.problems.iter().map(|p| (p.line, p.entry.as_ref().map(|e| e.1.clone()).unwrap_or_default())).collect();
        // The plan's lines, an empty line, then the broken entry's header; the next entry nine
        // lines on.
        let broken_at = PLAN_2030.lines().count() + 2;
        assert_eq!(lines[0], (Some(broken_at), "broken".to_owned()), "{lines:?}");
        assert!(lines.iter().filter(|(line, key)| *line == Some(broken_at + 9) && key == "late").count() >= 2, "{lines:?}");
        let broken = &proposal.problems[0];
        assert_eq!(broken.text(crate::message::Lang::Zh), format!("第 {broken_at} 行，目标 broken：未知的指标 \"nope\""));
        assert_eq!(broken.text(crate::message::Lang::En), format!("line {broken_at}, target broken: unknown indicator \"nope\""));
    }

    #[test]
    fn a_file_that_is_not_toml_names_its_line() {
        let proposal = propose(Catalog::builtin(), "[[target]]\nid = \"x\"\nbound = {\n", &NOTHING, &none);
        assert_eq!(proposal.problems.len(), 1);
        assert!(proposal.problems[0].line.is_some_and(|l| l >= 3), "{:?}", proposal.problems);
        let unknown = propose(Catalog::builtin(), "[[targets]]\nid = \"x\"\n", &NOTHING, &none);
        assert_eq!(unknown.problems[0].line, Some(1), "{:?}", unknown.problems);
    }

    #[test]
    fn stored_values_protect_their_indicator_and_region() {
        let text = "[remove]\nindicator = [\"tech_smes\"]\nregion = [\"500118\"]\ntarget = [\"tech_smes_2025\", \"no_such_target\"]\n";
        let with_values = Stored(&["tech_smes"], &["500118"]);
        let proposal = propose(Catalog::builtin(), text, &with_values, &none);
        let said: Vec<String> = proposal.problems.iter().map(|p| p.text(crate::message::Lang::En)).collect();
        assert!(said.iter().any(|s| s.contains("indicator tech_smes") && s.contains("cannot be removed")), "{said:?}");
        assert!(said.iter().any(|s| s.contains("region 500118") && s.contains("cannot be removed")), "{said:?}");
        assert!(said.iter().any(|s| s.starts_with("line 1, target no_such_target")), "{said:?}");
        // Without values the same indicator may go, with its targets.
        let free = propose(
            Catalog::builtin(),
            "[remove]\nindicator = [\"patent_db_new_users\"]\ntarget = [\"patent_db_new_users_2023\"]\n",
            &NOTHING,
            &none,
        );
        assert!(free.is_valid(), "{:?}", free.problems);
        assert!(free.changes.iter().any(|c| c.kind == ChangeKind::Removed && c.key == "patent_db_new_users"));
    }

    #[test]
    fn a_unit_or_measure_change_is_refused_while_values_exist() {
        let mut indicator = Catalog::builtin().document().indicator.iter().find(|i| i.id == "tech_smes").unwrap().clone();
        indicator.unit = "万家".to_owned();
        indicator.measure = "flow".to_owned();
        let text = toml::to_string(&CatalogFile { indicator: vec![indicator], ..CatalogFile::default() }).unwrap();
        let refused = propose(Catalog::builtin(), &text, &Stored(&["tech_smes"], &[]), &none);
        let said: Vec<String> = refused.problems.iter().map(|p| p.message.en.clone()).collect();
        assert!(said.iter().any(|s| s.contains("unit cannot become 万家")), "{said:?}");
        assert!(said.iter().any(|s| s.contains("measure cannot change from stock to flow")), "{said:?}");
        assert_eq!(refused.problems[0].line, Some(1), "the entry's header line");
    }

    #[test]
    fn a_renamed_indicator_keeps_its_old_names_as_aliases() {
        let mut indicator = Catalog::builtin().document().indicator.iter().find(|i| i.id == "tech_smes").unwrap().clone();
        let old_zh = indicator.name_zh.clone();
        indicator.name_zh = "科技型企业（新口径）".to_owned();
        let text = toml::to_string(&CatalogFile { indicator: vec![indicator], ..CatalogFile::default() }).unwrap();
        let proposal = propose(Catalog::builtin(), &text, &Stored(&["tech_smes"], &[]), &none);
        assert!(proposal.is_valid(), "{:?}", proposal.problems);
        let catalog = proposal.catalog.unwrap();
        assert_eq!(catalog.indicator(&old_zh).map(|i| &*i.id), Some("tech_smes"), "an old header still finds it");
        assert_eq!(catalog.indicator("科技型企业（新口径）").map(|i| &*i.id), Some("tech_smes"));
        let change = proposal.changes.iter().find(|c| c.key == "tech_smes").unwrap();
        assert_eq!(change.fields, ["aliases", "name_zh"]);
    }

    #[test]
    fn an_exported_catalogue_applies_as_itself() {
        let exported = toml::to_string(&CatalogFile::whole(Catalog::builtin())).unwrap();
        let proposal = propose(Catalog::builtin(), &exported, &NOTHING, &none);
        assert!(proposal.is_valid(), "{:?}", proposal.problems);
        assert!(proposal.changes.is_empty(), "{:?}", proposal.changes);
        assert_eq!(&proposal.document, Catalog::builtin().document());
    }

    #[test]
    fn a_file_that_claims_a_huge_catalogue_is_refused() {
        let mut text = String::new();
        for i in 0..=MAX_ENTRIES {
            text.push_str(&format!("[[target]]\nid = \"t{i}\"\nindicator = \"tech_smes\"\nregions = [\"all_districts\"]\nkind = \"level\"\nbound = {{ at_least = 1 }}\ndeadline = \"2030\"\nsource = {{ seed = \"\", document = \"d\", clause = \"c\", quote = \"q\" }}\n"));
        }
        let proposal = propose(Catalog::builtin(), &text, &NOTHING, &none);
        assert!(!proposal.is_valid());
        assert!(proposal.problems.iter().any(|p| p.message.en.contains("more than the 2000 allowed")), "{:?}", proposal.problems.first());
    }

    #[test]
    fn extra_checks_are_problems_too() {
        let refuse = |_: &Catalog| vec![CatalogProblem::of(Section::Indicator, "tech_smes", "评价框架要用", "the evaluation uses it")];
        let proposal = propose(Catalog::builtin(), PLAN_2030, &NOTHING, &refuse);
        assert!(!proposal.is_valid());
        assert!(proposal.catalog.is_none());
    }
}
