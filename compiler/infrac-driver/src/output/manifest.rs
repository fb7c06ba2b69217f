//! The manifest: the list of files infrac generated in an output folder.
//!
//! It is what lets a build tell its own files (which it may replace or remove) from
//! everybody else's (which it never touches). Plain text, one relative `/`-separated path
//! a line, sorted, after a comment header, so it diffs well in a GitOps repository.

/// The manifest's file name, at the top of the output folder.
pub const MANIFEST: &str = ".infrac-manifest";

const HEADER: &str = "\
# Files in this folder that infrac generated, one relative path a line, sorted.
# infrac replaces or removes only these; it never touches any other file here.
";

/// The header line naming the command that wrote the folder's generated files.
const WRITTEN_BY: &str = "# Written by: infrac ";

/// The manifest listing `paths`, written by the command `command` (`build`, `docs`).
pub(crate) fn render<'a>(paths: impl Iterator<Item = &'a str>, command: &str) -> String {
    let mut sorted: Vec<&str> = paths.collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut text = String::from(HEADER);
    text.push_str(WRITTEN_BY);
    text.push_str(command);
    text.push('\n');
    for path in sorted {
        text.push_str(path);
        text.push('\n');
    }
    text
}

/// The paths a manifest lists. Lines that are not a plain relative path (a hand edit, a
/// `..`) are ignored, so a damaged manifest can only make infrac more careful: a file it
/// no longer recognises as its own is kept, and writing over it is refused.
pub(crate) fn parse(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter(|line| {
            line.split('/')
                .all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\\'))
        })
        .filter(|line| *line != MANIFEST)
        .map(str::to_string)
        .collect()
}

/// The command that wrote a manifest. Manifests from before this line was written name
/// none; they are `build`'s when they list `model.json`, which every build writes.
pub(crate) fn writer(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if let Some(command) = text.lines().find_map(|l| l.strip_prefix(WRITTEN_BY)) {
        return command.trim().to_string();
    }
    if parse(bytes).iter().any(|p| p == "model.json") {
        "build".into()
    } else {
        "docs".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_sorts_and_parse_reads_back() {
        let text = render(
            [
                "proxmox/apply.sh",
                "model.json",
                "nixos/router/configuration.nix",
            ]
            .into_iter(),
            "build",
        );
        assert_eq!(writer(text.as_bytes()), "build");
        assert_eq!(
            text.lines()
                .filter(|l| !l.starts_with('#'))
                .collect::<Vec<_>>(),
            [
                "model.json",
                "nixos/router/configuration.nix",
                "proxmox/apply.sh"
            ]
        );
        assert_eq!(
            parse(text.as_bytes()),
            [
                "model.json",
                "nixos/router/configuration.nix",
                "proxmox/apply.sh"
            ]
        );
    }

    #[test]
    fn parse_ignores_paths_leaving_the_folder() {
        assert_eq!(writer(b"# old header\nindex.md\n"), "docs");
        assert_eq!(writer(b"# old header\nmodel.json\n"), "build");
        let listed =
            parse(b"# header\n../etc/passwd\n/abs\na//b\n./x\nok/file\n.infrac-manifest\n\n");
        assert_eq!(listed, ["ok/file"]);
    }
}
