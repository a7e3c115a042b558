//! The report as Markdown (`summary.md`).

use super::{Context, Table};
use std::fmt::Write;

pub fn markdown(tables: &[Table], notes: &[String], context: &Context) -> String {
    let mut out = String::from("# wasm-runtime-bench summary\n\n");
    for line in &context.header {
        let _ = writeln!(out, "- {line}");
    }
    out += "\nMedians with their 95% confidence interval, in the median's unit.\n";
    for table in tables {
        let _ = write!(out, "\n## {}\n\n{}\n\n", table.title, table.about);
        let _ = writeln!(out, "| {} | {} |", table.row_header, table.columns.join(" | "));
        let _ = writeln!(out, "|---|{}", "---|".repeat(table.columns.len()));
        for (sample, cells) in &table.rows {
            let cells: Vec<String> = cells.iter().map(|c| table.cell_text(c).replace('|', "\\|")).collect();
            let _ = writeln!(out, "| {sample} | {} |", cells.join(" | "));
        }
        let footnotes = table.footnotes();
        if !footnotes.is_empty() {
            out.push('\n');
        }
        for (n, reason) in footnotes.iter().enumerate() {
            let _ = writeln!(out, "[{}] {reason}  ", n + 1);
        }
    }
    if !notes.is_empty() {
        out += "\n## Notes\n\n";
        for note in notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    out
}
