//! The output folder: staged in full, swapped in whole, and never touching files infrac
//! did not generate.
//!
//! # Design
//!
//! `infrac build` must leave the output folder `DIR` holding either the complete previous
//! output or the complete new one, whatever happens (an error, a kill, a power cut), and it
//! must never overwrite or delete a file somebody else put there. It works like this:
//!
//! 1. **Plan.** The artifacts are validated in memory: relative, no `..`, no duplicates,
//!    none nested inside another, none named like the manifest.
//! 2. **Lock.** An exclusive `flock` on `DIR`'s parent folder serialises builds into the
//!    same place, so leftovers found next to `DIR` can only come from a build that died.
//! 3. **Recover.** A staging folder `.DIR.infrac-staging-PID` left by a dead build is
//!    removed. A backup `.DIR.infrac-old-PID` with no `DIR` beside it (a build died inside
//!    the fallback swap of step 7) is renamed back to `DIR` first.
//! 4. **Refuse** (`output/guard.rs`) a folder that a build could only damage: the user's
//!    home (or a folder containing it), a folder containing the lab's sources or a `.git`
//!    entry, a folder that is a mount point or holds one (a different device, or a mount
//!    the kernel lists, which catches bind mounts), one holding anything but regular files,
//!    folders and symbolic links (a FIFO would block the build while it holds the lock),
//!    and one whose manifest says another command (`build` or `docs`) wrote it, so neither
//!    removes the other's files as stale. Carried-over folders, links and copies keep the
//!    owner and group of the original (a build run as root leaves a user's folders theirs).
//! 5. **Compare.** `DIR/.infrac-manifest` lists the files infrac generated there last
//!    time. A path infrac wants to write (or a folder it wants to write into) that exists
//!    but is not listed is refused with [`OutputError::NotGenerated`], before anything is
//!    touched. When the folder already holds exactly what would be written, the build
//!    stops here and touches nothing (so timestamps stay put).
//! 6. **Stage.** A fresh `.DIR.infrac-staging-PID` is created beside `DIR` (so on the same
//!    file system). The new artifacts are written into it, then everything infrac did not
//!    generate is carried over from `DIR`: files are hard-linked (the same inode, so it is
//!    the user's very file and costs no copy) or copied where the file system refuses
//!    links, symbolic links are recreated, folders keep their permissions and empty ones
//!    are kept. Stale files (generated last time, not now) are simply not carried over,
//!    nor are folders that held nothing else. The manifest is written last; then the
//!    staged tree is made durable at once (one `syncfs` on Linux, a sync per file
//!    elsewhere) and every folder is `fsync`ed.
//! 7. **Swap.** On Linux, `renameat2(RENAME_EXCHANGE)` swaps the staging folder and `DIR` in
//!    one atomic step; the old output is then under the staging name and is deleted. Where
//!    the platform or file system cannot exchange, `DIR` is renamed to
//!    `.DIR.infrac-old-PID`, the staging folder to `DIR`, and the backup deleted; a crash
//!    between those two renames leaves the old output complete in the backup, which the
//!    next build puts back (step 3). When `DIR` did not exist, one `rename` publishes the
//!    staging folder.
//!
//! A crash before the swap leaves `DIR` untouched (plus a staging folder that the next build
//! removes); a crash after it leaves the new output (plus an old copy that the next build
//! removes). An error before the swap removes the staging folder. `output/tests.rs` stops a
//! write at every step, with both swap strategies, and checks exactly that. The one gap is
//! a user changing `DIR` during a build: a file created (or replaced by a rename) after
//! step 5 read the folder is not carried over. Files are written with mode 0644, or 0755
//! when they start with `#!`; drift checks compare contents and that executable bit.

mod error;
mod guard;
mod manifest;
mod swap;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

pub(crate) use error::io_error;
pub use error::{OutputError, Step};
pub use infrac_model::Artifact;
pub use manifest::MANIFEST;

/// How one file in the output folder differs from what a build would write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DriftKind {
    /// The build would write it; it is not there.
    Missing,
    /// It is there with other contents (or without the executable bit it should have).
    Differs,
    /// infrac generated it earlier, no longer generates it, and the build would remove it.
    Stale,
}

impl DriftKind {
    /// The word used when listing drift: `missing`, `differs` or `stale`.
    pub fn label(self) -> &'static str {
        match self {
            DriftKind::Missing => "missing",
            DriftKind::Differs => "differs",
            DriftKind::Stale => "stale",
        }
    }
}

/// One file whose state differs from what a build would produce.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Drift {
    /// Relative to the output folder, `/`-separated.
    pub path: String,
    pub kind: DriftKind,
}

/// What a successful [`write_output`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteSummary {
    /// Generated files now in the folder (the manifest not counted).
    pub generated: usize,
    /// Generated files that were added or changed.
    pub written: Vec<String>,
    /// Stale generated files that were removed.
    pub removed: Vec<String>,
    /// Files infrac did not generate that were kept.
    pub preserved: usize,
    /// The folder already held exactly this output and was not touched.
    pub unchanged: bool,
}

/// One artifact after validation: a normalised relative path, its bytes and its mode.
pub(crate) struct Planned<'a> {
    pub path: String,
    pub contents: &'a [u8],
    pub executable: bool,
}

/// Checks that every artifact path can be written inside the folder and nowhere else.
///
/// The errors are those of checking the artifacts one by one in order (the first bad,
/// reserved or repeated path), then each path in sorted order for a planned ancestor; the
/// paths are sorted once instead of kept in a sorted map, which a 10,000-guest lab's
/// 10,000 paths made a fifth of the work.
fn plan(artifacts: &[Artifact]) -> Result<Vec<Planned<'_>>, OutputError> {
    let bad = |path: &Path, reason: &str| OutputError::BadArtifact {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let mut planned: Vec<(usize, Planned<'_>)> = Vec::with_capacity(artifacts.len());
    let mut refused = None;
    for (index, artifact) in artifacts.iter().enumerate() {
        let path = match normalise(&artifact.path) {
            Ok(path) if path == MANIFEST => Err("the name is reserved for infrac itself"),
            other => other,
        };
        match path {
            Ok(path) => planned.push((
                index,
                Planned {
                    path,
                    contents: artifact.contents.as_bytes(),
                    executable: artifact.contents.starts_with("#!"),
                },
            )),
            Err(reason) => {
                refused = Some(bad(&artifact.path, reason));
                break;
            }
        }
    }
    // Stable: artifacts with one path stay in their order, so the second of each run is
    // the first to repeat it.
    planned.sort_by(|a, b| a.1.path.cmp(&b.1.path));
    let repeated = planned
        .windows(2)
        .filter(|pair| pair[0].1.path == pair[1].1.path)
        .map(|pair| pair[1].0)
        .min();
    if let Some(index) = repeated {
        return Err(bad(&artifacts[index].path, "two artifacts have this path"));
    }
    if let Some(error) = refused {
        return Err(error);
    }
    let planned: Vec<Planned<'_>> = planned.into_iter().map(|(_, p)| p).collect();
    // Looked up by hash: searching the sorted list for each folder of each of ten thousand
    // paths cost more than everything else here.
    let paths: rustc_hash::FxHashSet<&str> = planned.iter().map(|p| p.path.as_str()).collect();
    for artifact in &planned {
        let path = &artifact.path;
        for parent in ancestors(path) {
            if paths.contains(parent) {
                return Err(bad(
                    Path::new(path),
                    &format!("it would sit inside the artifact `{parent}`"),
                ));
            }
        }
    }
    Ok(planned)
}

/// An artifact path as `/`-separated relative text, or why it cannot be written.
fn normalise(path: &Path) -> Result<String, &'static str> {
    // Fast path: on Unix, text whose `/`-separated parts are all plain names (none empty,
    // `.` or `..`, no `\`) has exactly those parts as its components, so the joined
    // parts are the text itself.
    if cfg!(unix) {
        if let Some(text) = path.to_str() {
            // Bytes, not `str` patterns: a search per part costs more than the part.
            let bytes = text.as_bytes();
            if !bytes.is_empty()
                && !bytes.contains(&b'\\')
                && bytes
                    .split(|&b| b == b'/')
                    .all(|part| !matches!(part, b"" | b"." | b".."))
            {
                return Ok(text.to_string());
            }
        }
    }
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => match part.to_str() {
                Some(s) if !s.contains('\\') => parts.push(s),
                _ => return Err("the path is not portable UTF-8"),
            },
            Component::CurDir => {}
            _ => return Err("the path must stay inside the output folder"),
        }
    }
    if parts.is_empty() {
        return Err("the path is empty");
    }
    Ok(parts.join("/"))
}

/// `a`, `a/b` for `a/b/c`: the folders a relative path lies in.
pub(crate) fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    // Bytes: a `/` is one, and a pattern search per path costs ten times more.
    path.bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'/')
        .map(move |(i, _)| &path[..i])
}

/// What is in the output folder now: every entry, and what the manifest claims.
pub(crate) struct Existing {
    /// Every entry below the folder, by relative path; empty when the folder is absent.
    pub entries: BTreeMap<String, swap::EntryKind>,
    /// Paths the manifest lists that are still regular files: what the last build wrote.
    pub generated: BTreeSet<String>,
    /// The manifest's bytes, if there is one.
    pub manifest: Option<Vec<u8>>,
    /// Whether the output folder exists at all.
    pub exists: bool,
}

impl Existing {
    fn read(dir: &Path) -> Result<Existing, OutputError> {
        let exists = match std::fs::metadata(dir) {
            Ok(meta) if meta.is_dir() => true,
            Ok(_) => {
                return Err(OutputError::BadFolder {
                    dir: dir.to_path_buf(),
                    reason: "it exists and is not a folder".into(),
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(io_error(Step::Inspect, dir)(e)),
        };
        if !exists {
            return Ok(Existing {
                entries: BTreeMap::new(),
                generated: BTreeSet::new(),
                manifest: None,
                exists,
            });
        }
        let entries = swap::scan(dir)?;
        let manifest_path = dir.join(MANIFEST);
        let manifest = match entries.get(MANIFEST) {
            Some(swap::EntryKind::File) => {
                Some(std::fs::read(&manifest_path).map_err(io_error(Step::Read, &manifest_path))?)
            }
            _ => None,
        };
        let generated = manifest
            .as_deref()
            .map(manifest::parse)
            .unwrap_or_default()
            .into_iter()
            .filter(|p| entries.get(p) == Some(&swap::EntryKind::File))
            .collect();
        Ok(Existing {
            entries,
            generated,
            manifest,
            exists,
        })
    }

    /// Refuses to write over anything infrac did not generate.
    fn check_ownership(&self, dir: &Path, planned: &[Planned<'_>]) -> Result<(), OutputError> {
        let not_generated = |path: &str| OutputError::NotGenerated {
            dir: dir.to_path_buf(),
            path: path.to_string(),
        };
        for artifact in planned {
            for folder in ancestors(&artifact.path) {
                match self.entries.get(folder) {
                    None | Some(swap::EntryKind::Dir) => {}
                    Some(_) if self.generated.contains(folder) => {}
                    Some(_) => return Err(not_generated(folder)),
                }
            }
            if self.entries.contains_key(&artifact.path) && !self.generated.contains(&artifact.path)
            {
                return Err(not_generated(&artifact.path));
            }
        }
        if matches!(self.entries.get(MANIFEST), Some(kind) if *kind != swap::EntryKind::File) {
            return Err(not_generated(MANIFEST));
        }
        Ok(())
    }

    /// Generated files of an earlier build that this build does not produce.
    fn stale<'a>(&'a self, planned: &'a [Planned<'_>]) -> impl Iterator<Item = &'a String> {
        let new: BTreeSet<&str> = planned.iter().map(|p| p.path.as_str()).collect();
        self.generated
            .iter()
            .filter(move |p| !new.contains(p.as_str()))
    }

    /// Every difference between the folder and the planned output, sorted by path.
    fn drift(
        &self,
        dir: &Path,
        planned: &[Planned<'_>],
        manifest: &[u8],
    ) -> Result<Vec<Drift>, OutputError> {
        let mut drift = Vec::new();
        for artifact in planned {
            let kind = if !self.entries.contains_key(&artifact.path) {
                Some(DriftKind::Missing)
            } else if swap::file_matches(
                &dir.join(&artifact.path),
                artifact.contents,
                artifact.executable,
            )? {
                None
            } else {
                Some(DriftKind::Differs)
            };
            if let Some(kind) = kind {
                drift.push(Drift {
                    path: artifact.path.clone(),
                    kind,
                });
            }
        }
        drift.extend(self.stale(planned).map(|path| Drift {
            path: path.clone(),
            kind: DriftKind::Stale,
        }));
        match &self.manifest {
            None => drift.push(Drift {
                path: MANIFEST.into(),
                kind: DriftKind::Missing,
            }),
            Some(bytes) if bytes.as_slice() != manifest => drift.push(Drift {
                path: MANIFEST.into(),
                kind: DriftKind::Differs,
            }),
            Some(_) => {}
        }
        drift.sort();
        Ok(drift)
    }
}

/// Who writes an output folder: the command, which owns the folder's generated files, and
/// the files the output is generated from, which must not lie inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writer {
    /// `build` or `docs`: a folder whose generated files another command wrote is refused,
    /// so `infrac docs` never removes `infrac build`'s files as stale.
    pub command: String,
    /// The lab's source files.
    pub inputs: Vec<PathBuf>,
}

impl Writer {
    /// `command` writing the output of `inputs`.
    pub fn new(command: &str, inputs: Vec<PathBuf>) -> Writer {
        Writer {
            command: command.to_string(),
            inputs,
        }
    }

    /// `infrac build`, with no inputs to protect.
    pub fn build() -> Writer {
        Writer::new("build", Vec::new())
    }
}

/// Compares the output folder `dir` with what writing `artifacts` would leave there,
/// writing nothing. An empty list means the folder is up to date.
pub fn check_output(dir: &Path, artifacts: &[Artifact]) -> Result<Vec<Drift>, OutputError> {
    check_output_as(dir, artifacts, &Writer::build())
}

/// [`check_output`] for `writer`, refusing a folder it could not write.
pub fn check_output_as(
    dir: &Path,
    artifacts: &[Artifact],
    writer: &Writer,
) -> Result<Vec<Drift>, OutputError> {
    let planned = plan(artifacts)?;
    let existing = Existing::read(dir)?;
    if existing.exists {
        let real = std::fs::canonicalize(dir).map_err(io_error(Step::Resolve, dir))?;
        guard::refuse(dir, &real, &existing, writer)?;
    }
    existing.check_ownership(dir, &planned)?;
    let manifest = manifest::render(planned.iter().map(|p| p.path.as_str()), &writer.command);
    existing.drift(dir, &planned, manifest.as_bytes())
}

/// Replaces the generated contents of `dir` with `artifacts`, atomically (see the module
/// documentation): afterwards the folder holds exactly these artifacts, its manifest and
/// every file infrac did not generate.
pub fn write_output(dir: &Path, artifacts: &[Artifact]) -> Result<WriteSummary, OutputError> {
    write_output_as(dir, artifacts, &Writer::build())
}

/// [`write_output`] for `writer`: refuses a folder that holds its inputs or another
/// command's output (see [`Writer`]).
pub fn write_output_as(
    dir: &Path,
    artifacts: &[Artifact],
    writer: &Writer,
) -> Result<WriteSummary, OutputError> {
    write_with(dir, artifacts, writer, swap::Swap::Exchange, &mut || true).map_err(
        |stop| match stop {
            swap::Stop::Error(e) => e,
            swap::Stop::Interrupted => OutputError::Io {
                action: Step::FinishWriting,
                path: dir.to_path_buf(),
                message: "interrupted".into(),
            },
        },
    )
}

/// [`write_output`] with the swap strategy chosen and a checkpoint called between steps;
/// when it returns `false` the write stops on the spot without cleaning up, as a killed
/// process would.
pub(crate) fn write_with(
    dir: &Path,
    artifacts: &[Artifact],
    writer: &Writer,
    strategy: swap::Swap,
    checkpoint: &mut dyn FnMut() -> bool,
) -> Result<WriteSummary, swap::Stop> {
    let planned = plan(artifacts)?;
    let folder = swap::Folder::locate(dir)?;
    let _lock = folder.lock()?;
    folder.recover()?;
    if !checkpoint() {
        return Err(swap::Stop::Interrupted);
    }
    let existing = Existing::read(&folder.path)?;
    guard::refuse(dir, &folder.path, &existing, writer)?;
    existing.check_ownership(dir, &planned)?;
    let manifest = manifest::render(planned.iter().map(|p| p.path.as_str()), &writer.command);
    let drift = existing.drift(&folder.path, &planned, manifest.as_bytes())?;
    let removed: Vec<String> = existing.stale(&planned).cloned().collect();
    let preserved = existing
        .entries
        .iter()
        .filter(|(path, kind)| {
            **kind != swap::EntryKind::Dir
                && path.as_str() != MANIFEST
                && !existing.generated.contains(*path)
        })
        .count();
    let written = drift
        .iter()
        .filter(|d| d.kind != DriftKind::Stale && d.path != MANIFEST)
        .map(|d| d.path.clone())
        .collect();
    let summary = WriteSummary {
        generated: planned.len(),
        written,
        removed,
        preserved,
        unchanged: existing.exists && drift.is_empty(),
    };
    if summary.unchanged {
        return Ok(summary);
    }
    folder.replace(&existing, &planned, &manifest, strategy, checkpoint)?;
    Ok(summary)
}

#[cfg(test)]
mod tests;
