//! markdown: a real program from crates.io, pulldown-cmark (CommonMark with tables,
//! footnotes, strikethrough and task lists) rendering a document to HTML; 100 KB+ of
//! wasm, for compile-time scaling. `run(n)` writes a document of `n` sections, renders
//! it and returns the FNV-1a hash of the HTML.

use pulldown_cmark::{Options, Parser, html};
use std::fmt::Write;

pub fn document(sections: i32) -> String {
    let mut text = String::new();
    for i in 0..sections.max(0) {
        let _ = write!(
            text,
            "## Section {i}: *emphasis*, **strong** and `code`\n\n\
             Paragraph {i} with a [link](https://example.com/{i} \"title {i}\"), an autolink \
             <https://example.org/{i}>, ~~struck~~ text, &amp; entities &copy; &#{code};, \
             and a footnote[^{i}].\n\n\
             [^{i}]: The footnote of section {i}.\n\n\
             - [x] done item {i}\n- [ ] open item with _nested **markup**_\n  1. first\n  2. second\n\n\
             > A quote, level one,\n> > and level two with `x < {i}`.\n\n\
             | name | value | note |\n|:-----|------:|:----:|\n| row {i} | {square} | *ok* |\n| next | {cube} | `n` |\n\n\
             ```rust\nfn section_{i}() -> u32 {{ {i} }}\n```\n\n",
            code = 0x41 + i % 26,
            square = i * i,
            cube = i * i * i,
        );
    }
    text
}

pub fn render(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut out, Parser::new_ext(markdown, Options::all()));
    out
}

pub fn render_hash(sections: i32) -> i32 {
    let html = render(&document(sections));
    html.bytes().fold(0x811c_9dc5_u32, |hash, byte| (hash ^ byte as u32).wrapping_mul(0x0100_0193)) as i32
}

#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn run(n: i32) -> i32 {
    render_hash(n)
}
