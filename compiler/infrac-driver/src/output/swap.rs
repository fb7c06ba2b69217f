//! The file-system half of writing the output folder: locating it, locking its parent,
//! recovering from a dead build, staging the new tree and swapping it in.
//!
//! The steps and the reasoning behind their order are in the documentation of the
//! parent module.

use super::{io_error, Existing, OutputError, Planned, Step, MANIFEST};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// Why a write stopped: an error, or (in tests) a simulated crash at a checkpoint.
#[derive(Debug)]
pub(crate) enum Stop {
    Error(OutputError),
    Interrupted,
}

impl From<OutputError> for Stop {
    fn from(e: OutputError) -> Self {
        Stop::Error(e)
    }
}

/// How the staging folder replaces an existing output folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Swap {
    /// One atomic exchange where the platform and file system allow it, else `Rename`.
    Exchange,
    /// Two renames through a backup name; a crash in between is repaired by the next build.
    /// Chosen by `Exchange` itself when exchanging fails; tests also force it directly.
    #[cfg_attr(not(test), allow(dead_code))]
    Rename,
}

/// What kind of entry a path in the output folder is (symbolic links are not followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    Dir,
    File,
    Symlink,
    /// A folder that is a mount point: not descended into.
    Mount,
    /// A FIFO, a device or a socket.
    Other,
}

/// Tells mount points below a folder from ordinary folders: another device, or a mount
/// point the kernel lists (a bind mount keeps the device).
struct Mounts {
    #[cfg(unix)]
    device: u64,
    listed: BTreeSet<PathBuf>,
}

impl Mounts {
    fn below(dir: &Path) -> Result<Mounts, OutputError> {
        let meta = fs::metadata(dir).map_err(io_error(Step::Inspect, dir))?;
        let real = fs::canonicalize(dir).map_err(io_error(Step::Resolve, dir))?;
        let _ = &meta;
        Ok(Mounts {
            #[cfg(unix)]
            device: std::os::unix::fs::MetadataExt::dev(&meta),
            listed: super::guard::mount_points()
                .into_iter()
                .filter(|m| m.starts_with(&real) && *m != real)
                .filter_map(|m| m.strip_prefix(&real).ok().map(Path::to_path_buf))
                .collect(),
        })
    }

    /// Whether the folder `rel` (relative to the scanned folder), with metadata `meta`
    /// read without following links, is a mount point.
    fn is_mount(&self, rel: &Path, meta: &fs::Metadata) -> bool {
        let _ = meta;
        #[cfg(unix)]
        if std::os::unix::fs::MetadataExt::dev(meta) != self.device {
            return true;
        }
        self.listed.contains(rel)
    }
}

/// Every entry below `dir`, keyed by relative `/`-separated path (lossily converted where
/// a name is not UTF-8: such a name can never equal an artifact path, which is all the
/// keys are compared with).
pub(crate) fn scan(dir: &Path) -> Result<BTreeMap<String, EntryKind>, OutputError> {
    let mut entries = BTreeMap::new();
    let mounts = Mounts::below(dir)?;
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = pending.pop() {
        for entry in fs::read_dir(&folder).map_err(io_error(Step::List, &folder))? {
            let entry = entry.map_err(io_error(Step::List, &folder))?;
            let path = entry.path();
            let file_type = entry.file_type().map_err(io_error(Step::Inspect, &path))?;
            let rel = join_rel(&prefix, &entry.file_name());
            let kind = if file_type.is_dir() {
                let meta = entry.metadata().map_err(io_error(Step::Inspect, &path))?;
                if mounts.is_mount(Path::new(&rel), &meta) {
                    EntryKind::Mount
                } else {
                    pending.push((path, rel.clone()));
                    EntryKind::Dir
                }
            } else if file_type.is_file() {
                EntryKind::File
            } else if file_type.is_symlink() {
                EntryKind::Symlink
            } else {
                EntryKind::Other
            };
            entries.insert(rel, kind);
        }
    }
    Ok(entries)
}

fn join_rel(prefix: &str, name: &OsStr) -> String {
    let name = name.to_string_lossy();
    if prefix.is_empty() {
        name.into_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

/// Whether the file at `path` holds exactly `contents` with the expected executable bit.
pub(crate) fn file_matches(
    path: &Path,
    contents: &[u8],
    executable: bool,
) -> Result<bool, OutputError> {
    let meta = fs::symlink_metadata(path).map_err(io_error(Step::Inspect, path))?;
    if !meta.is_file() || meta.len() != contents.len() as u64 {
        return Ok(false);
    }
    if is_executable(&meta) != executable {
        return Ok(false);
    }
    Ok(fs::read(path).map_err(io_error(Step::Read, path))? == contents)
}

#[cfg(unix)]
fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &fs::Metadata) -> bool {
    false
}

#[cfg(unix)]
fn set_mode(file: &File, executable: bool) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if executable { 0o755 } else { 0o644 };
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &File, _executable: bool) -> std::io::Result<()> {
    Ok(())
}

/// Gives `target` (just created) the owner and group of the entry it replaces, so a build
/// run as root does not leave a user's folders owned by root. Best effort: only a
/// privileged process can give files away, and an unprivileged one owns both anyway.
#[cfg(unix)]
fn keep_owner(original: &fs::Metadata, target: &Path) {
    use std::os::unix::fs::MetadataExt;
    let Ok(now) = fs::symlink_metadata(target) else {
        return;
    };
    if now.uid() != original.uid() || now.gid() != original.gid() {
        let _ = std::os::unix::fs::lchown(target, Some(original.uid()), Some(original.gid()));
    }
}

#[cfg(not(unix))]
fn keep_owner(_original: &fs::Metadata, _target: &Path) {}

#[cfg(unix)]
fn copy_symlink(from: &Path, to: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(fs::read_link(from)?, to)
}

#[cfg(not(unix))]
fn copy_symlink(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::copy(from, to).map(|_| ())
}

/// Atomically swaps the folders `a` and `b`. `Ok(false)` when the platform or the file
/// system cannot, so the caller falls back to renames.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    use rustix::io::Errno;
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(e) if e == Errno::INVAL || e == Errno::NOSYS || e == Errno::OPNOTSUPP => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<bool> {
    Ok(false)
}

/// Makes a folder's entries durable. Best effort: some file systems cannot sync folders,
/// and a folder that was not synced is only at risk from a power cut, not from a crash.
fn sync_dir(path: &Path) {
    if let Ok(folder) = File::open(path) {
        let _ = folder.sync_all();
    }
}

/// The output folder, resolved to a real path, with the names of its siblings.
pub(crate) struct Folder {
    /// The real, absolute path of the output folder (which may not exist yet).
    pub path: PathBuf,
    parent: PathBuf,
    name: OsString,
}

impl Folder {
    /// Resolves `dir`, following a symbolic link to a folder, and creating its parent
    /// folders when they are missing (they are not part of the output).
    pub fn locate(dir: &Path) -> Result<Folder, OutputError> {
        let bad = |reason: &str| OutputError::BadFolder {
            dir: dir.to_path_buf(),
            reason: reason.to_string(),
        };
        let real = match fs::symlink_metadata(dir) {
            Ok(meta) => {
                if meta.file_type().is_symlink() && fs::metadata(dir).is_err() {
                    return Err(bad("it is a broken symbolic link"));
                }
                if !fs::metadata(dir)
                    .map_err(io_error(Step::Inspect, dir))?
                    .is_dir()
                {
                    return Err(bad("it exists and is not a folder"));
                }
                fs::canonicalize(dir).map_err(io_error(Step::Resolve, dir))?
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let name = dir
                    .file_name()
                    .ok_or_else(|| bad("the path does not end in a folder name"))?;
                let parent = match dir.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                fs::create_dir_all(parent).map_err(io_error(Step::CreateFolder, parent))?;
                fs::canonicalize(parent)
                    .map_err(io_error(Step::Resolve, parent))?
                    .join(name)
            }
            Err(e) if e.kind() == ErrorKind::NotADirectory => {
                return Err(bad("a part of its path is a file, not a folder"));
            }
            Err(e) => return Err(io_error(Step::Inspect, dir)(e)),
        };
        let (Some(parent), Some(name)) = (real.parent(), real.file_name()) else {
            return Err(bad("the root folder cannot be replaced"));
        };
        if let Ok(cwd) = std::env::current_dir().and_then(fs::canonicalize) {
            if cwd.starts_with(&real) {
                return Err(bad(
                    "it contains the current directory, and the whole folder is replaced on \
                     each build; build into a dedicated folder such as `out`",
                ));
            }
        }
        Ok(Folder {
            parent: parent.to_path_buf(),
            name: name.to_os_string(),
            path: real,
        })
    }

    fn sibling(&self, role: &str) -> PathBuf {
        let mut name = OsString::from(".");
        name.push(&self.name);
        name.push(format!(".infrac-{role}-{}", std::process::id()));
        self.parent.join(name)
    }

    fn is_leftover(&self, name: &OsStr, role: &str) -> bool {
        let mut prefix = OsString::from(".");
        prefix.push(&self.name);
        prefix.push(format!(".infrac-{role}-"));
        name.as_encoded_bytes()
            .starts_with(prefix.as_encoded_bytes())
    }

    /// Takes an exclusive lock on the parent folder, held until the file is dropped, so
    /// that two builds never stage or swap beside the same folder at once.
    pub fn lock(&self) -> Result<File, OutputError> {
        let handle = File::open(&self.parent).map_err(io_error(Step::Lock, &self.parent))?;
        handle.lock().map_err(io_error(Step::Lock, &self.parent))?;
        Ok(handle)
    }

    /// Repairs what a dead build left beside the folder (call with the lock held): puts a
    /// backup back when the folder itself is missing, and removes staging folders and
    /// backups.
    pub fn recover(&self) -> Result<(), OutputError> {
        let mut staging = Vec::new();
        let mut backups = Vec::new();
        for entry in fs::read_dir(&self.parent).map_err(io_error(Step::List, &self.parent))? {
            let entry = entry.map_err(io_error(Step::List, &self.parent))?;
            if self.is_leftover(&entry.file_name(), "staging") {
                staging.push(entry.path());
            } else if self.is_leftover(&entry.file_name(), "old") {
                backups.push(entry.path());
            }
        }
        backups.sort();
        let missing =
            matches!(fs::symlink_metadata(&self.path), Err(e) if e.kind() == ErrorKind::NotFound);
        if missing {
            if let Some(backup) = backups.pop() {
                fs::rename(&backup, &self.path).map_err(io_error(Step::Restore, &backup))?;
                sync_dir(&self.parent);
            }
        }
        for leftover in staging.iter().chain(&backups) {
            remove_any(leftover)?;
        }
        Ok(())
    }

    /// Builds the new tree beside the folder and swaps it in (call with the lock held).
    pub fn replace(
        &self,
        existing: &Existing,
        planned: &[Planned<'_>],
        manifest: &str,
        strategy: Swap,
        checkpoint: &mut dyn FnMut() -> bool,
    ) -> Result<(), Stop> {
        let staging = self.sibling("staging");
        fs::create_dir(&staging).map_err(io_error(Step::CreateStaging, &staging))?;
        match self.fill(&staging, existing, planned, manifest, checkpoint) {
            Ok(()) => {}
            Err(Stop::Error(e)) => {
                let _ = fs::remove_dir_all(&staging);
                return Err(Stop::Error(e));
            }
            Err(Stop::Interrupted) => return Err(Stop::Interrupted),
        }
        if !existing.exists {
            if let Err(e) = fs::rename(&staging, &self.path) {
                let _ = fs::remove_dir_all(&staging);
                return Err(io_error(Step::MoveIn, &self.path)(e).into());
            }
            sync_dir(&self.parent);
            return Ok(());
        }
        let exchanged = strategy == Swap::Exchange
            && match exchange(&staging, &self.path) {
                Ok(done) => done,
                Err(e) => {
                    let _ = fs::remove_dir_all(&staging);
                    return Err(io_error(Step::SwapIn, &self.path)(e).into());
                }
            };
        if exchanged {
            sync_dir(&self.parent);
            if !checkpoint() {
                return Err(Stop::Interrupted);
            }
            // The old output now sits under the staging name. Failing to delete it does
            // not fail the build: the next build removes it.
            let _ = fs::remove_dir_all(&staging);
            return Ok(());
        }
        let backup = self.sibling("old");
        if let Err(e) = fs::rename(&self.path, &backup) {
            let _ = fs::remove_dir_all(&staging);
            return Err(io_error(Step::MoveAside, &self.path)(e).into());
        }
        if !checkpoint() {
            return Err(Stop::Interrupted);
        }
        if let Err(e) = fs::rename(&staging, &self.path) {
            let _ = fs::rename(&backup, &self.path);
            let _ = fs::remove_dir_all(&staging);
            return Err(io_error(Step::MoveIn, &self.path)(e).into());
        }
        sync_dir(&self.parent);
        if !checkpoint() {
            return Err(Stop::Interrupted);
        }
        let _ = fs::remove_dir_all(&backup);
        Ok(())
    }

    /// Writes the artifacts, the files carried over and the manifest into `staging`.
    fn fill(
        &self,
        staging: &Path,
        existing: &Existing,
        planned: &[Planned<'_>],
        manifest: &str,
        checkpoint: &mut dyn FnMut() -> bool,
    ) -> Result<(), Stop> {
        if !checkpoint() {
            return Err(Stop::Interrupted);
        }
        let mut folders = BTreeSet::from([staging.to_path_buf()]);
        if existing.exists {
            let meta = fs::metadata(&self.path).map_err(io_error(Step::Inspect, &self.path))?;
            fs::set_permissions(staging, meta.permissions())
                .map_err(io_error(Step::SetPermissions, staging))?;
            keep_owner(&meta, staging);
        }
        // Most artifacts sit in the folder of the one before (ten thousand guests' scripts
        // in one): that folder is neither created nor recorded again, which would cost two
        // system calls and a search of `folders` per file.
        let mut last_folder = PathBuf::new();
        for artifact in planned {
            let path = staging.join(&artifact.path);
            if let Some(parent) = path.parent() {
                if parent.as_os_str() != last_folder.as_os_str() {
                    if !folders.contains(parent) {
                        fs::create_dir_all(parent).map_err(io_error(Step::CreateFolder, parent))?;
                        let mut folder = parent;
                        while folder.starts_with(staging) && folders.insert(folder.to_path_buf()) {
                            folder = folder.parent().unwrap_or(staging);
                        }
                    }
                    last_folder = parent.to_path_buf();
                }
            }
            write_file(&path, artifact.contents, artifact.executable)?;
            if !checkpoint() {
                return Err(Stop::Interrupted);
            }
        }
        if existing.exists {
            carry_over(&self.path, staging, "", &existing.generated, &mut folders)?;
            if !checkpoint() {
                return Err(Stop::Interrupted);
            }
        }
        write_file(&staging.join(MANIFEST), manifest.as_bytes(), false)?;
        sync_files(staging);
        for folder in folders.iter().rev() {
            sync_dir(folder);
        }
        if !checkpoint() {
            return Err(Stop::Interrupted);
        }
        Ok(())
    }
}

/// Files are written without syncing each one; `sync_files` makes the whole staged tree
/// durable at once before the swap, which on Linux is one `syncfs` instead of one `fsync`
/// per file (a lab of ten thousand guests writes ten thousand scripts).
fn write_file(path: &Path, contents: &[u8], executable: bool) -> Result<(), OutputError> {
    let mut file = File::create(path).map_err(io_error(Step::Create, path))?;
    file.write_all(contents)
        .map_err(io_error(Step::Write, path))?;
    set_mode(&file, executable).map_err(io_error(Step::SetMode, path))
}

/// Makes every file below `root` durable. Best effort, like `sync_dir`: the swap that
/// follows is what keeps a crash from exposing a half-written tree.
#[cfg(target_os = "linux")]
fn sync_files(root: &Path) {
    if let Ok(folder) = File::open(root) {
        let _ = rustix::fs::syncfs(&folder);
    }
}

#[cfg(not(target_os = "linux"))]
fn sync_files(root: &Path) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => sync_files(&path),
            Ok(t) if t.is_file() => {
                if let Ok(file) = File::open(&path) {
                    let _ = file.sync_all();
                }
            }
            _ => {}
        }
    }
}

fn remove_any(path: &Path) -> Result<(), OutputError> {
    let meta = fs::symlink_metadata(path).map_err(io_error(Step::Inspect, path))?;
    if meta.is_dir() {
        fs::remove_dir_all(path).map_err(io_error(Step::Remove, path))
    } else {
        fs::remove_file(path).map_err(io_error(Step::Remove, path))
    }
}

/// Recreates in `to` everything in `from` that infrac did not generate: folders (with
/// their permissions), files as hard links (copies where links fail) and symbolic links.
/// Returns whether `from` had any entries.
fn carry_over(
    from: &Path,
    to: &Path,
    prefix: &str,
    generated: &BTreeSet<String>,
    folders: &mut BTreeSet<PathBuf>,
) -> Result<bool, OutputError> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(from).map_err(io_error(Step::List, from))? {
        entries.push(entry.map_err(io_error(Step::List, from))?);
    }
    entries.sort_by_key(fs::DirEntry::file_name);
    let had_entries = !entries.is_empty();
    for entry in entries {
        let name = entry.file_name();
        let rel = join_rel(prefix, &name);
        let source = entry.path();
        let target = to.join(&name);
        let file_type = entry
            .file_type()
            .map_err(io_error(Step::Inspect, &source))?;
        // The old manifest and the last build's files are replaced by this build's, or
        // dropped as stale; everything else is somebody else's and is carried over.
        let from_last_build = (prefix.is_empty() && name == MANIFEST)
            || (file_type.is_file() && name.to_str().is_some() && generated.contains(&rel));
        if from_last_build {
            continue;
        }
        if file_type.is_dir() {
            let created = !target.is_dir();
            if created {
                fs::create_dir(&target).map_err(io_error(Step::CreateFolder, &target))?;
                let meta = entry.metadata().map_err(io_error(Step::Inspect, &source))?;
                fs::set_permissions(&target, meta.permissions())
                    .map_err(io_error(Step::SetPermissions, &target))?;
                keep_owner(&meta, &target);
            }
            let had_entries = carry_over(&source, &target, &rel, generated, folders)?;
            // A folder that held only stale generated files goes with them; an empty
            // folder somebody made is kept.
            let now_empty = fs::read_dir(&target)
                .map_err(io_error(Step::List, &target))?
                .next()
                .is_none();
            if created && had_entries && now_empty {
                fs::remove_dir(&target).map_err(io_error(Step::Remove, &target))?;
            } else {
                folders.insert(target.clone());
            }
        } else if file_type.is_symlink() {
            copy_symlink(&source, &target).map_err(io_error(Step::Copy, &source))?;
            keep_owner(
                &entry.metadata().map_err(io_error(Step::Inspect, &source))?,
                &target,
            );
        } else if file_type.is_file() {
            if fs::hard_link(&source, &target).is_err() {
                fs::copy(&source, &target).map_err(io_error(Step::Copy, &source))?;
                keep_owner(
                    &entry.metadata().map_err(io_error(Step::Inspect, &source))?,
                    &target,
                );
            }
        } else {
            // The scan refuses these; one that appeared since is not opened either (a FIFO
            // would block the build while it holds the lock).
            return Err(OutputError::BadFolder {
                dir: from.to_path_buf(),
                reason: format!(
                    "`{rel}` is not a regular file, folder or symbolic link; remove it or \
                     build elsewhere"
                ),
            });
        }
    }
    Ok(had_entries)
}
