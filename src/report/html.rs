//! The report as one self-contained HTML page (`summary.html`): each table and a grouped
//! bar chart of it in plain SVG, log-scaled where values span orders of magnitude.
//! Nothing is loaded from the network.

use super::{Context, Table, Unit, duration, instructions, size};
use std::fmt::Write;

const PALETTE: [&str; 18] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    "#1b3a5c", "#8c510a", "#01665e", "#762a83", "#c51b7d", "#4d9221", "#b35806", "#000000",
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub fn html(tables: &[Table], notes: &[String], context: &Context) -> String {
    let mut out = String::from(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n",
        "<title>wasm-runtime-bench summary</title>\n<style>\n",
        "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}\n",
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right;white-space:nowrap}\n",
        "th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}\n",
        ".about{color:#555}.foot{color:#555;font-size:.9em;margin:.2em 0}\n",
        "svg text{font-size:11px;fill:#333}\n</style></head><body>\n",
        "<h1>wasm-runtime-bench summary</h1>\n<ul>\n"
    ));
    for line in &context.header {
        let _ = writeln!(out, "<li>{}</li>", escape(line));
    }
    out += "</ul>\n<p>Medians with their 95% confidence interval, in the median's unit.</p>\n";
    for table in tables {
        let _ = writeln!(out, "<h2>{}</h2>\n<p class=\"about\">{}</p>", escape(&table.title), escape(&table.about));
        let _ = write!(out, "<div style=\"overflow-x:auto\"><table><tr><th>{}</th>", escape(&table.row_header));
        for column in &table.columns {
            let _ = write!(out, "<th>{}</th>", escape(column));
        }
        out += "</tr>\n";
        for (sample, cells) in &table.rows {
            let _ = write!(out, "<tr><td>{}</td>", escape(sample));
            for cell in cells {
                let _ = write!(out, "<td>{}</td>", escape(&table.cell_text(cell)));
            }
            out += "</tr>\n";
        }
        out += "</table></div>\n";
        for (n, reason) in table.footnotes().iter().enumerate() {
            let _ = writeln!(out, "<p class=\"foot\">[{}] {}</p>", n + 1, escape(reason));
        }
        out += &chart(table);
    }
    if !notes.is_empty() {
        out += "<h2>Notes</h2>\n<ul>\n";
        for note in notes {
            let _ = writeln!(out, "<li>{}</li>", escape(note));
        }
        out += "</ul>\n";
    }
    out + "</body></html>\n"
}

fn label(unit: Unit, value: f64) -> String {
    match unit {
        Unit::Time => duration(value),
        Unit::Bytes => size(value as u64),
        Unit::Instructions => instructions(value),
    }
}

/// Two columns of figures against each other, one labelled point per row, log scales.
fn scatter(table: &Table, x_column: usize, y_column: usize) -> String {
    let points: Vec<(&str, f64, f64)> = table
        .rows
        .iter()
        .filter_map(|(name, cells)| Some((name.as_str(), cells.get(x_column)?.value()?, cells.get(y_column)?.value()?)))
        .filter(|(_, x, y)| *x > 0.0 && *y > 0.0)
        .collect();
    if points.is_empty() {
        return "<p class=\"foot\">(no values to chart)</p>\n".into();
    }
    let range = |values: Vec<f64>| {
        let (min, max) = values.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        (10f64.powf(min.log10().floor()), 10f64.powf(max.log10().ceil().max(min.log10().floor() + 1.0)))
    };
    let ((x_low, x_high), (y_low, y_high)) = (range(points.iter().map(|p| p.1).collect()), range(points.iter().map(|p| p.2).collect()));
    let (left, top, plot_width, plot_height) = (70.0, 20.0, 620.0, 320.0);
    let x = |v: f64| left + plot_width * (v.log10() - x_low.log10()) / (x_high.log10() - x_low.log10());
    let y = |v: f64| top + plot_height * (1.0 - (v.log10() - y_low.log10()) / (y_high.log10() - y_low.log10()));
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{:.0}\" role=\"img\" aria-label=\"{}\">\n",
        left + plot_width + 150.0,
        top + plot_height + 50.0,
        escape(&table.title)
    );
    let decades = |low: f64, high: f64| (0..=(high.log10() - low.log10()).round() as i32).map(move |d| low * 10f64.powi(d));
    for tick in decades(x_low, x_high) {
        let _ = writeln!(svg, "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{top}\" y2=\"{1:.1}\" stroke=\"#e3e3e3\"/><text x=\"{0:.1}\" y=\"{2:.1}\" text-anchor=\"middle\">{3}</text>", x(tick), top + plot_height, top + plot_height + 14.0, format_args!("{:.3} MB/s", tick / 1e6));
    }
    for tick in decades(y_low, y_high) {
        let _ = writeln!(svg, "<line x1=\"{left}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{1:.1}\" stroke=\"#e3e3e3\"/><text x=\"{2:.1}\" y=\"{3:.1}\" text-anchor=\"end\">×{4}</text>", left + plot_width, y(tick), left - 6.0, y(tick) + 4.0, tick);
    }
    for (i, (name, px, py)) in points.iter().enumerate() {
        let _ = writeln!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"{}\"><title>{}</title></circle><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            x(*px),
            y(*py),
            PALETTE[i % PALETTE.len()],
            escape(name),
            x(*px) + 7.0,
            y(*py) + 4.0,
            escape(name)
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"middle\">{} (log scale, right is faster)</text><text x=\"12\" y=\"{:.0}\" transform=\"rotate(-90 12 {:.0})\" text-anchor=\"middle\">{} (log scale, lower is faster)</text>",
        left + plot_width / 2.0,
        top + plot_height + 36.0,
        escape(&table.columns[x_column]),
        top + plot_height / 2.0,
        top + plot_height / 2.0,
        escape(&table.columns[y_column])
    );
    svg + "</svg>\n"
}

/// A grouped bar chart: one group per row, one bar per column that has a value.
fn chart(table: &Table) -> String {
    if let Some((x_column, y_column)) = table.scatter {
        return scatter(table, x_column, y_column);
    }
    let values: Vec<f64> = table.rows.iter().flat_map(|(_, cells)| cells.iter().filter_map(|c| c.value())).collect();
    let (Some(min), Some(max)) = (
        values.iter().copied().filter(|v| *v > 0.0).reduce(f64::min),
        values.iter().copied().reduce(f64::max),
    ) else {
        return "<p class=\"foot\">(no values to chart)</p>\n".into();
    };
    let log = max / min >= 50.0;
    let (bar, gap, left, plot_height) = (16.0, 28.0, 78.0, 200.0);
    let bars = table.columns.len() as f64;
    let group_width = bars * bar + gap;
    let width = (left + table.rows.len() as f64 * group_width + 20.0).max(520.0);
    // The legend, wrapped into rows that fit the width: (x, y) of each entry.
    let mut legend = Vec::new();
    let (mut x, mut row_y) = (left, 8.0);
    for column in &table.columns {
        let entry_width = 22.0 + 6.5 * column.len() as f64;
        if x + entry_width > width - 10.0 && x > left {
            (x, row_y) = (left, row_y + 16.0);
        }
        legend.push((x, row_y));
        x += entry_width;
    }
    let top = row_y + 26.0;
    let height = top + plot_height + 40.0;
    let (low, high) = if log { (10f64.powf(min.log10().floor()), 10f64.powf(max.log10().ceil())) } else { (0.0, max * 1.1) };
    let y = |v: f64| {
        let fraction = if log { (v.log10() - low.log10()) / (high.log10() - low.log10()) } else { (v - low) / (high - low) };
        top + plot_height * (1.0 - fraction.clamp(0.0, 1.0))
    };
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"{}\">\n",
        escape(&table.title)
    );
    let ticks: Vec<f64> = if log {
        let decades = (high.log10() - low.log10()).round() as i32;
        (0..=decades).map(|d| low * 10f64.powi(d)).collect()
    } else {
        (0..=4).map(|i| high * i as f64 / 4.0).collect()
    };
    for tick in ticks {
        let tick_y = y(tick);
        let _ = writeln!(
            svg,
            "<line x1=\"{left}\" x2=\"{:.0}\" y1=\"{tick_y:.1}\" y2=\"{tick_y:.1}\" stroke=\"#e3e3e3\"/><text x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            width - 10.0,
            left - 6.0,
            tick_y + 4.0,
            escape(&label(table.unit, tick)),
        );
    }
    for (g, (sample, cells)) in table.rows.iter().enumerate() {
        let x0 = left + gap / 2.0 + g as f64 * group_width;
        for (b, cell) in cells.iter().enumerate() {
            let Some(value) = cell.value() else { continue };
            let top_y = y(value.max(low));
            let _ = writeln!(
                svg,
                "<rect x=\"{:.1}\" y=\"{top_y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{} / {}: {}</title></rect>",
                x0 + b as f64 * bar,
                bar - 2.0,
                (top + plot_height - top_y).max(0.5),
                PALETTE[b % PALETTE.len()],
                escape(sample),
                escape(&table.columns[b]),
                escape(&cell.text())
            );
        }
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.0}\" text-anchor=\"middle\">{}</text>",
            x0 + bars * bar / 2.0,
            top + plot_height + 16.0,
            escape(sample)
        );
    }
    for (b, (column, (x, y))) in table.columns.iter().zip(legend).enumerate() {
        let _ = writeln!(
            svg,
            "<rect x=\"{x:.0}\" y=\"{y:.0}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{:.0}\" y=\"{:.0}\">{}</text>",
            PALETTE[b % PALETTE.len()],
            x + 14.0,
            y + 9.0,
            escape(column)
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\">{}</text>",
        width - 10.0,
        height - 6.0,
        if log { "log scale" } else { "linear scale" }
    );
    svg + "</svg>\n"
}
