//! `infrac stdlib [QUERY]`: the catalogue built into the binary (hardware, OS images,
//! services), listed and searched, with the name to write in a lab.

use crate::stdout::out;
use infrac_diagnostics::FileId;
use infrac_syntax::ast;
use std::process::ExitCode;

/// List and search the built-in catalogue of hardware, OS images and services
#[derive(clap::Args)]
#[command(
    long_about = "List the catalogue built into infrac: hardware (chassis, CPUs, DIMMs), OS \
images and network services, each with the name a lab refers to it by and the first line \
of its description. With QUERY, list only the entries whose name, module or text contains \
every word of QUERY (case-insensitive), e.g. `infrac stdlib xeon v4` or `infrac stdlib \
debian`."
)]
pub struct Args {
    /// Words every listed entry must contain
    #[arg(value_name = "QUERY")]
    query: Vec<String>,
}

/// One catalogue entry.
struct Entry {
    kind: String,
    /// How a lab refers to it: `dell.r730`, `os.debian-13`, `ssh`.
    reference: String,
    module: &'static str,
    summary: String,
    /// Everything searched: the reference, the module and the entry's whole source text.
    haystack: String,
}

/// Every top-level declaration of every stdlib module, in module order.
fn entries() -> Vec<Entry> {
    let mut out = Vec::new();
    for (i, (module, _, text)) in infrac_sema::stdlib::MODULES.iter().enumerate() {
        let namespace = module.rsplit('/').next().unwrap_or(module);
        let parsed = infrac_syntax::parse(text, FileId(i as u32));
        for item in &parsed.file.items {
            let ast::Item::Decl(decl) = item else {
                continue;
            };
            let Some(ast::DeclName::Ident(name)) = &decl.name else {
                continue;
            };
            // Services are found by their bare name (`services = [ssh]`); everything else
            // through its module's namespace.
            let reference = if *module == "std/services" {
                name.name.to_string()
            } else {
                format!("{namespace}.{}", name.name)
            };
            let source = text
                .get(decl.span.start as usize..decl.span.end as usize)
                .unwrap_or_default();
            let summary = first_sentence(decl.doc.as_deref().unwrap_or_default());
            out.push(Entry {
                kind: decl.kind.name.to_string(),
                haystack: format!(
                    "{reference} {module} {} {source}",
                    decl.doc.as_deref().unwrap_or_default()
                )
                .to_lowercase(),
                reference,
                module,
                summary,
            });
        }
    }
    out
}

/// The first sentence of a doc comment, its lines joined.
fn first_sentence(doc: &str) -> String {
    let text = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.find(". ") {
        Some(end) => text[..=end].to_string(),
        None => text,
    }
}

/// Cuts `text` to `width` characters, marking the cut with `…`.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

pub fn run(args: Args) -> ExitCode {
    let words: Vec<String> = args
        .query
        .iter()
        .flat_map(|q| q.split_whitespace())
        .map(str::to_lowercase)
        .collect();
    let found: Vec<Entry> = entries()
        .into_iter()
        .filter(|e| words.iter().all(|w| e.haystack.contains(w.as_str())))
        .collect();
    if found.is_empty() {
        eprintln!(
            "no catalogue entry matches `{}`; `infrac stdlib` lists them all",
            words.join(" ")
        );
        return ExitCode::from(1);
    }
    let kind_width = found.iter().map(|e| e.kind.len()).max().unwrap_or(0);
    let ref_width = found.iter().map(|e| e.reference.len()).max().unwrap_or(0);
    let module_width = found.iter().map(|e| e.module.len()).max().unwrap_or(0);
    let mut out = String::new();
    for e in &found {
        out.push_str(
            format!(
                "{:kind_width$}  {:ref_width$}  {:module_width$}  {}",
                e.kind,
                e.reference,
                e.module,
                clip(&e.summary, 80)
            )
            .trim_end(),
        );
        out.push('\n');
    }
    out!("{out}");
    ExitCode::SUCCESS
}
