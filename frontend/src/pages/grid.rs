//! The uploaded file as a spreadsheet-like grid: row numbers and column letters as Excel shows
//! them, each cell a problem names marked (errors red, warnings amber, with the message as
//! its description), and every problem in a list whose entries jump to their cell. A long file
//! shows its first rows and every row with a problem; the rows left out are counted.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use innogauge_model::Lang;
use innogauge_model::contract::column_letter;
use innogauge_model::wire::{GridWire, ProblemWire};
use yew::prelude::*;

use super::use_lang;
use crate::names::t;

/// Rows shown from the top of a file.
pub const HEAD_ROWS: usize = 60;

/// Rows shown in all (head plus rows with problems).
pub const MAX_ROWS: usize = 600;

/// Properties of [`FileGrid`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct FileGridProps {
    /// The file.
    pub grid: Rc<GridWire>,
    /// The report's problems.
    pub problems: Rc<Vec<ProblemWire>>,
}

/// Where a problem points: `cell-R-C` (a cell) or `row-R` (a whole row).
pub fn anchor(problem: &ProblemWire) -> Option<String> {
    match (problem.row, problem.column_index) {
        (Some(row), Some(column)) => Some(format!("cell-{row}-{column}")),
        (Some(row), None) => Some(format!("row-{row}")),
        _ => None,
    }
}

/// Where a problem is, in words: `第 3 行 D 列（数值）` / `row 3, column D (value)`.
pub fn place(problem: &ProblemWire, lang: Lang) -> String {
    let label = problem.label.as_deref().map(|l| format!("（{l}）")).unwrap_or_default();
    let label_en = problem.label.as_deref().map(|l| format!(" ({l})")).unwrap_or_default();
    match (problem.row, problem.column.as_deref()) {
        (Some(row), Some(column)) => t(lang, &format!("第 {row} 行 {column} 列{label}"), &format!("row {row}, column {column}{label_en}")),
        (Some(row), None) => t(lang, &format!("第 {row} 行"), &format!("row {row}")),
        (None, Some(column)) => t(lang, &format!("{column} 列{label}"), &format!("column {column}{label_en}")),
        (None, None) => t(lang, "整个文件", "whole file"),
    }
}

/// The message of a problem in `lang`.
pub fn message(problem: &ProblemWire, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &problem.message.zh,
        Lang::En => &problem.message.en,
    }
}

/// Which rows to show: the head of the file and every row with a problem, at most [`MAX_ROWS`].
pub fn rows_to_show(grid: &GridWire, problem_rows: &BTreeSet<u32>) -> Vec<usize> {
    let mut shown: Vec<usize> = (0..grid.rows.len().min(HEAD_ROWS)).collect();
    for (i, row) in grid.rows.iter().enumerate().skip(HEAD_ROWS) {
        if shown.len() >= MAX_ROWS {
            break;
        }
        if problem_rows.contains(&row.number) {
            shown.push(i);
        }
    }
    shown
}

/// The grid.
#[function_component(FileGrid)]
pub fn file_grid(props: &FileGridProps) -> Html {
    let lang = use_lang();
    let grid = &props.grid;
    // (row, column) → the worst severity and the messages of that cell; row-wide problems by row.
    let mut cells: BTreeMap<(u32, u32), (bool, Vec<String>)> = BTreeMap::new();
    let mut rows: BTreeMap<u32, (bool, Vec<String>)> = BTreeMap::new();
    for problem in props.problems.iter() {
        let error = problem.severity == "error";
        let text = message(problem, lang).to_owned();
        let entry = match (problem.row, problem.column_index) {
            (Some(row), Some(column)) => cells.entry((row, column)).or_default(),
            (Some(row), None) => rows.entry(row).or_default(),
            _ => continue,
        };
        entry.0 |= error;
        entry.1.push(text);
    }
    let problem_rows: BTreeSet<u32> = cells.keys().map(|(r, _)| *r).chain(rows.keys().copied()).collect();
    let shown = rows_to_show(grid, &problem_rows);
    let width = grid.rows.iter().map(|r| r.cells.len()).max().unwrap_or(0).min(60);
    let mut body = Vec::new();
    let mut previous: Option<u32> = None;
    for &i in &shown {
        let row = &grid.rows[i];
        if previous.is_some_and(|p| row.number > p + 1) {
            let gap = t(
                lang,
                &format!("…… 第 {}–{} 行无问题，未显示", previous.unwrap_or(0) + 1, row.number - 1),
                &format!("… rows {}–{} have no problem and are not shown", previous.unwrap_or(0) + 1, row.number - 1),
            );
            body.push(html! { <tr class="gap"><td colspan={(width + 1).to_string()}>{ gap }</td></tr> });
        }
        previous = Some(row.number);
        let row_problem = rows.get(&row.number);
        let row_class = row_problem.map(|(error, _)| if *error { "bad" } else { "warn" });
        let cells_html = (0..width).map(|c| {
            let text = row.cells.get(c).cloned().unwrap_or_default();
            let column = u32::try_from(c).unwrap_or(u32::MAX);
            match cells.get(&(row.number, column)) {
                Some((error, messages)) => {
                    let id = format!("cell-{}-{c}", row.number);
                    let note = messages.join(" ");
                    html! {
                        <td id={id} tabindex="-1" class={if *error { "bad" } else { "warn" }} aria-invalid={error.to_string()} title={note.clone()}>
                            { text }<span class="sr">{ format!(" — {note}") }</span>
                        </td>
                    }
                }
                None => html! { <td>{ text }</td> },
            }
        });
        let title = row_problem.map(|(_, m)| m.join(" "));
        body.push(html! {
            <tr id={format!("row-{}", row.number)} tabindex={row_problem.map(|_| "-1")} class={classes!(row_class)} title={title}>
                <th scope="row">{ row.number }</th>
                { for cells_html }
            </tr>
        });
    }
    let hidden = grid.total_rows.saturating_sub(shown.len());
    html! {
        <div class="grid-wrap" role="region" aria-label={t(lang, "文件内容", "File contents")} tabindex="0">
            <table class="file-grid">
                <thead><tr><th scope="col"><span class="sr">{ t(lang, "行号", "Row") }</span></th>
                    { for (0..width).map(|c| html! { <th scope="col">{ column_letter(u32::try_from(c).unwrap_or(0)) }</th> }) }
                </tr></thead>
                <tbody>{ for body }</tbody>
            </table>
            if hidden > 0 {
                <p class="muted">{ t(lang, &format!("共 {} 行，此处显示 {} 行（开头和有问题的行）。", grid.total_rows, shown.len()),
                    &format!("{} rows in all; {} shown (the first rows and every row with a problem).", grid.total_rows, shown.len())) }</p>
            }
        </div>
    }
}

/// Properties of [`ProblemList`].
#[derive(Properties, PartialEq, Clone, Debug)]
pub struct ProblemListProps {
    /// The problems.
    pub problems: Rc<Vec<ProblemWire>>,
}

/// Every problem, errors first, each a link to its cell.
#[function_component(ProblemList)]
pub fn problem_list(props: &ProblemListProps) -> Html {
    let lang = use_lang();
    let mut sorted: Vec<&ProblemWire> = props.problems.iter().collect();
    sorted.sort_by_key(|p| (p.severity != "error", p.row.unwrap_or(0), p.column_index.unwrap_or(0)));
    let item = |p: &ProblemWire| {
        let kind = if p.severity == "error" { t(lang, "错误", "Error") } else { t(lang, "提示", "Warning") };
        // The message names its row and column itself; the place is said only for messages
        // about a whole column or the file.
        let text = if p.row.is_some() { message(p, lang).to_owned() } else { format!("{}：{}", place(p, lang), message(p, lang)) };
        let body = match anchor(p) {
            Some(anchor) => html! { <a href={format!("#{anchor}")}>{ text }</a> },
            None => html! { <span>{ text }</span> },
        };
        html! { <li class={if p.severity == "error" { "bad" } else { "warn" }}><strong>{ kind }</strong>{ " " }{ body }</li> }
    };
    html! { <ol class="problems">{ for sorted.into_iter().map(item) }</ol> }
}
