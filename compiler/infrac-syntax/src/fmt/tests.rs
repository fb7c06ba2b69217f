//! The formatter over every `.infra` file of the repository, and on tricky inputs.

use super::*;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.infra` file under the repository's examples, stdlib and tests.
fn infra_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "infra") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for dir in ["examples", "stdlib", "tests"] {
        walk(&repo().join(dir), &mut out);
    }
    out.sort();
    out
}

#[test]
fn every_file_formats_idempotently_and_keeps_its_meaning() {
    let mut formatted = 0;
    let mut failures = Vec::new();
    for path in infra_files() {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        match format(&text) {
            Ok(once) => {
                formatted += 1;
                // `format` checks this too before returning; the test says it again so
                // that a change there cannot weaken it silently.
                let before = parse(&text, FileId(0)).file;
                let after = parse(&once, FileId(0));
                if after.diagnostics.iter().any(Diagnostic::is_error)
                    || strip::strip(before) != strip::strip(after.file)
                {
                    failures.push(format!("{}: the AST changed", path.display()));
                }
                if comments(&text) != comments(&once) {
                    failures.push(format!("{}: the comments changed", path.display()));
                }
                // The layout does not depend on how the input was indented.
                let dedented: String = text
                    .lines()
                    .map(|l| format!("{}\n", l.trim_start()))
                    .collect();
                match format(&dedented) {
                    Ok(again)
                        if without_trailing_comments(&again)
                            == without_trailing_comments(&once) => {}
                    _ => {
                        failures.push(format!("{}: layout depends on indentation", path.display()))
                    }
                }
                match format(&once) {
                    Ok(twice) if twice == once => {}
                    Ok(twice) => failures.push(format!(
                        "{}: not idempotent\n--- once\n{once}\n--- twice\n{twice}",
                        path.display()
                    )),
                    Err(e) => failures.push(format!("{}: second pass: {e}", path.display())),
                }
            }
            Err(FormatError::Syntax(_)) => {}
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(formatted > 100, "only {formatted} files formatted");
}

/// The text with the spaces before every `#` collapsed: a trailing comment's column may
/// follow the input's.
fn without_trailing_comments(text: &str) -> String {
    let mut out = String::new();
    let mut spaces = 0;
    for c in text.chars() {
        match c {
            ' ' => spaces += 1,
            '#' => {
                out.push_str(if spaces > 0 { " #" } else { "#" });
                spaces = 0;
            }
            c => {
                out.extend(std::iter::repeat_n(' ', spaces));
                out.push(c);
                spaces = 0;
            }
        }
    }
    out
}

/// Every file of `examples/`, `stdlib/` and `tests/fixtures/` is already in the canonical
/// layout, as `infrac fmt --check` would say, except fixtures with syntax errors (which
/// the formatter refuses by design). A new fixture is formatted before its snapshot is
/// taken, so the snapshot shows the layout users get.
#[test]
fn examples_stdlib_and_fixtures_are_formatted() {
    let mut unformatted = Vec::new();
    let mut checked = 0;
    for path in infra_files() {
        let relative = path.strip_prefix(repo()).unwrap_or(&path).to_path_buf();
        let shown = relative.to_string_lossy().replace('\\', "/");
        let fixture = shown.starts_with("tests/fixtures/");
        if !(shown.starts_with("examples/") || shown.starts_with("stdlib/") || fixture) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        match format(&text) {
            Ok(out) if out == text => checked += 1,
            Ok(_) => unformatted.push(shown),
            Err(FormatError::Syntax(_)) if fixture => {}
            Err(e) => unformatted.push(format!("{shown}: {e}")),
        }
    }
    assert!(checked > 100, "only {checked} files checked");
    assert!(
        unformatted.is_empty(),
        "not formatted (run `infrac fmt` on them): {unformatted:?}"
    );
}

/// Formats `input`, checks that a second pass changes nothing, and returns the input and
/// output side by side for a snapshot.
fn case(input: &str) -> String {
    let once = match format(input) {
        Ok(once) => once,
        Err(e) => panic!("{e}: {e:?}"),
    };
    let twice = format(&once).unwrap_or_else(|e| panic!("second pass: {e}"));
    assert_eq!(once, twice, "not idempotent");
    format!("{input}\n----- formatted -----\n{once}")
}

#[test]
fn comments_everywhere() {
    insta::assert_snapshot!(case(
        r#"# A file header.


import "std/os"   # the prelude, explicitly
import "std/hardware/dell" as dell
## The lab.
site lab {   # after the brace
    # first, indented oddly

  domain = "lab.home.arpa" # where names live
    asn = 64512      # private
  # between
  dns = [
    1.1.1.1, # one
    # own line in a list
    8.8.8.8   # two
    # before the bracket
  ]
  naming { guest = r"^[a-z]{1,30}$" }
  # dangling at the end


}
# between items
network empty {
  # only a comment
}
# the end
"#
    ));
}

#[test]
fn long_lines_break_at_brackets() {
    insta::assert_snapshot!(case(
        r#"host pve {
  hardware = dell.r730 { cpus = 2 * intel.xeon_e5_2690_v4, dimms = 12 * memory.ddr4-2400-rdimm-32gib }
  nic wg { ip = 10.99.0.2, public_key = "G80Sj4k3biC5RZ78en46VG9LsURG0mQ1LWFG9ys4mF8=", private_key = secret("wg-pve") }
  services = [ssh, proxmox-web, node-exporter, prometheus, grafana, alertmanager, loki, promtail, tempo]
  tags = [
    "kept", "broken", "as", "written"
  ]
  description = "a string longer than the line is left alone, since newlines end entries in this language"
}
"#
    ));
}

#[test]
fn nested_blocks_tables_and_rules() {
    insta::assert_snapshot!(case(
        r#"host pve {
  nic eno1 { speed=1G, mac=d0:94:66:24:96:7c }   # management
  nic enp3s0f0 { speed = 10G,mac = D0:94:66:24:96:7D } # upper-case MAC kept
  nic eno5 { speed = 10G } # no MAC
  storage local { kind = dir, size = 100GiB }
  storage local-lvm {
    kind = lvmthin
    size = 1700GiB
  }
}
app web in k3s {
  namespace = "apps"
  port = tcp/8080
  requests { cpu = 250m, memory = 256MiB }
  limits { cpu = 1, memory = 512MiB }
  probe { path = "/", port = tcp/8080 }
}
firewall on router {
  policy input = drop
  policy forward = drop

  allow lan -> wan
  # guests
  deny guest -> lan
  allow wan -> router tcp/179,udp/53 from bgp.peers
  masquerade [lan,guest] -> wan
  forward wan tcp/443 -> proxy:443
  forward wan udp/51820 -> wg:51820
}
"#
    ));
}

#[test]
fn loops_templates_and_expressions() {
    insta::assert_snapshot!(case(
        r#"template k3s-node { os = nixos("24.11"), cores = 4 }
for i in 1 .. 3 {
  ## A worker.
  vm "k3s-worker-{ i+1 }" (600+i) on pve from k3s-node {
    nic lan { ip = host(lan.ipv4,60+i) }
    disk = (2*i + 8)*1GiB on local-lvm
    for d in 1..2 { disk "scratch{d}" { size = 10GiB } }
  }
}
network lan {
  dhcp = lan.gateway+99 .. lan.gateway+199
  ipv6 = subnet( site.ipv6 , 64 , 0x1000 )
  guest = r"^\d+{2}$"
  text = "braces \{ and \} and \"quotes\""
}
"#
    ));
}

#[test]
fn broken_input_is_refused_with_its_diagnostics() {
    let Err(FormatError::Syntax(diagnostics)) = format("site s {\n  dns = [1.1.1.1\n}\n") else {
        panic!("a file with a syntax error must be refused")
    };
    assert!(diagnostics.iter().any(|d| d.is_error()));
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(format("").ok().as_deref(), Some(""));
    assert_eq!(format("\n\n").ok().as_deref(), Some(""));
    assert_eq!(
        format("  # only\n\n\n# comments\n").ok().as_deref(),
        Some("# only\n\n# comments\n")
    );
    assert_eq!(
        format("site s {}\r\nsite t {\r\n  a = 1\r\n}\r\n")
            .ok()
            .as_deref(),
        Some("site s {}\nsite t {\n  a = 1\n}\n")
    );
}

/// Cut anywhere between lines, a file either formats or is refused for its syntax
/// errors; the formatter never panics or trips over its own checks.
#[test]
fn every_prefix_of_orion_formats_or_is_refused() {
    let text = std::fs::read_to_string(repo().join("examples/orion.infra")).unwrap_or_default();
    let mut ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
    ends.push(text.len());
    // Every third line keeps the test quick on a debug build.
    for end in ends.into_iter().step_by(3) {
        match format(&text[..end]) {
            Ok(_) | Err(FormatError::Syntax(_)) => {}
            Err(e) => panic!("prefix of {end} bytes: {e}"),
        }
    }
    for garbage in [
        "\u{0}\u{ffff}é\"{",
        "((((",
        "}}}",
        "\"\\",
        "a = ",
        "# only\r# lone CR\r",
    ] {
        let _ = format(garbage);
    }
}

#[test]
fn a_byte_order_mark_is_kept_and_formatting_stays_idempotent() {
    let once =
        format("\u{feff}site s {\ndomain=\"s.example\"\n}\n").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(once, "\u{feff}site s {\n  domain = \"s.example\"\n}\n");
    assert_eq!(format(&once).ok(), Some(once.clone()));
    // A comment right after the mark stays the first thing after it.
    let commented = "\u{feff}# the lab\nsite s {}\n";
    let out = format(commented).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.starts_with("\u{feff}# the lab\n"), "{out:?}");
}
