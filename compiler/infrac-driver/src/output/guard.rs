//! Folders infrac refuses to write into: the user's home, a folder holding the lab's own
//! sources, a Git repository, a folder with a mount point or a special file in it, and a
//! folder whose generated files another command wrote.
//!
//! A build replaces the whole folder and removes what it generated earlier, so each of
//! these would lose somebody's data: files deleted through a mount, sources or a
//! repository swapped away, a FIFO that blocks the build while it holds the lock, or
//! `infrac docs` removing every file of `infrac build` as stale.

use super::swap::EntryKind;
use super::{manifest, Existing, OutputError, Writer};
use std::path::{Path, PathBuf};

/// Refuses the output folder `dir` (whose real path is `real`) when writing it as `writer`
/// could destroy something that is not infrac's.
pub(crate) fn refuse(
    dir: &Path,
    real: &Path,
    existing: &Existing,
    writer: &Writer,
) -> Result<(), OutputError> {
    let bad = |reason: String| OutputError::BadFolder {
        dir: dir.to_path_buf(),
        reason,
    };
    if let Some(home) = home() {
        if home.starts_with(real) {
            return Err(bad(format!(
                "it {} your home folder, and the whole folder is replaced on each build; \
                 build into a folder of its own such as `out`",
                if home == real { "is" } else { "contains" }
            )));
        }
    }
    for input in &writer.inputs {
        if let Ok(input) = std::fs::canonicalize(input) {
            if input.starts_with(real) {
                return Err(bad(format!(
                    "it contains the lab's source `{}`, and the whole folder is replaced on \
                     each build; build into a folder of its own such as `out`",
                    input.strip_prefix(real).unwrap_or(&input).display()
                )));
            }
        }
    }
    if !existing.exists {
        return Ok(());
    }
    if let Some(path) = existing
        .entries
        .keys()
        .find(|p| p.rsplit('/').next() == Some(".git"))
    {
        return Err(bad(format!(
            "it contains a Git repository (`{path}`), and the whole folder is replaced on \
             each build; build into a folder of its own and copy or commit from there"
        )));
    }
    if is_mount_point(real) {
        return Err(bad(
            "it is a mount point; infrac replaces the output folder by renaming \
                        it, which cannot cross file systems; build into a folder inside it"
                .into(),
        ));
    }
    for (path, kind) in &existing.entries {
        match kind {
            EntryKind::Mount => {
                return Err(bad(format!(
                    "`{path}` inside it is a mount point; infrac never works across file \
                     systems, so unmount it or build elsewhere"
                )))
            }
            EntryKind::Other => {
                return Err(bad(format!(
                    "`{path}` inside it is not a regular file, folder or symbolic link (a \
                     FIFO, a device or a socket); remove it or build elsewhere"
                )))
            }
            _ => {}
        }
    }
    if let Some(bytes) = &existing.manifest {
        let owner = manifest::writer(bytes);
        if owner != writer.command {
            return Err(bad(format!(
                "its generated files were written by `infrac {owner}`, and `infrac {}` would \
                 remove them as stale; give each command a folder of its own",
                writer.command
            )));
        }
    }
    Ok(())
}

/// The user's home folder, resolved.
fn home() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    std::fs::canonicalize(home).ok()
}

/// Whether `path` is itself a mount point: on another device than its parent, or listed
/// as a mount point by the kernel (a bind mount keeps the device).
fn is_mount_point(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Some(parent), Ok(meta)) = (path.parent(), std::fs::metadata(path)) {
            if let Ok(parent_meta) = std::fs::metadata(parent) {
                if parent_meta.dev() != meta.dev() {
                    return true;
                }
            }
        }
    }
    mount_points().iter().any(|m| m == path)
}

/// Every mount point the kernel lists for this process (Linux), else none.
pub(crate) fn mount_points() -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(|field| PathBuf::from(unescape_octal(field)))
        .collect()
}

/// Undoes mountinfo's escaping of spaces, tabs, newlines and backslashes (`\040`).
fn unescape_octal(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 3 < bytes.len()
            && bytes[i + 1..i + 4]
                .iter()
                .all(|b| (b'0'..=b'7').contains(b))
        {
            let value = bytes[i + 1..i + 4]
                .iter()
                .fold(0u32, |acc, b| acc * 8 + u32::from(b - b'0'));
            out.push(value as u8);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::unescape_octal;

    #[test]
    fn mountinfo_escapes_are_undone() {
        assert_eq!(unescape_octal("/mnt/my\\040disk"), "/mnt/my disk");
        assert_eq!(unescape_octal("/plain"), "/plain");
        assert_eq!(unescape_octal("/trailing\\04"), "/trailing\\04");
    }
}
