//! What goes wrong in the output folder, and what infrac was doing when it did.

use super::MANIFEST;
use std::fmt;
use std::path::{Path, PathBuf};

/// Why the output folder could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputError {
    /// A path infrac would write (or a folder it would write into) exists, and infrac did
    /// not generate it. `path` is relative to the output folder.
    NotGenerated { dir: PathBuf, path: String },
    /// A target produced an artifact path that cannot be written.
    BadArtifact { path: PathBuf, reason: String },
    /// The output folder itself cannot be used.
    BadFolder { dir: PathBuf, reason: String },
    /// A file system operation failed: `action` is what infrac was doing to `path`,
    /// `message` the system's reason.
    Io {
        action: Step,
        path: PathBuf,
        message: String,
    },
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::NotGenerated { dir, path } => write!(
                f,
                "`{}` exists but infrac did not generate it (it is not listed in `{MANIFEST}`); \
                 infrac never overwrites such files: move it away or choose another output folder",
                dir.join(path).display()
            ),
            OutputError::BadArtifact { path, reason } => {
                write!(f, "cannot write artifact `{}`: {reason}", path.display())
            }
            OutputError::BadFolder { dir, reason } => {
                write!(
                    f,
                    "cannot use `{}` as the output folder: {reason}",
                    dir.display()
                )
            }
            OutputError::Io {
                action,
                path,
                message,
            } => write!(f, "cannot {action} `{}`: {message}", path.display()),
        }
    }
}

impl std::error::Error for OutputError {}

/// What infrac was doing in the output folder when the file system refused: the phrase
/// completes "cannot … `path`".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Reading a path's metadata.
    Inspect,
    /// Reading a file.
    Read,
    /// Resolving a path to its real location.
    Resolve,
    /// Listing a folder.
    List,
    /// Creating a folder and its parents.
    CreateFolder,
    /// Locking the folder the output folder is in.
    Lock,
    /// Putting the previous output back after a failure.
    Restore,
    /// Creating the folder the new output is written into.
    CreateStaging,
    /// Moving the staged output into place.
    MoveIn,
    /// Exchanging the staged output with the previous one.
    SwapIn,
    /// Moving the previous output out of the way.
    MoveAside,
    /// Giving the staged folder the previous folder's permissions.
    SetPermissions,
    /// Creating a file.
    Create,
    /// Writing a file's contents.
    Write,
    /// Making a file executable or not.
    SetMode,
    /// Removing a file or folder.
    Remove,
    /// Carrying a file infrac did not write over into the new output.
    Copy,
    /// Finishing a write that was interrupted.
    FinishWriting,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Inspect => "inspect",
            Step::Read => "read",
            Step::Resolve => "resolve",
            Step::List => "list",
            Step::CreateFolder => "create the folder",
            Step::Lock => "lock",
            Step::Restore => "restore the previous output from",
            Step::CreateStaging => "create the staging folder",
            Step::MoveIn => "move the new output to",
            Step::SwapIn => "swap the new output in at",
            Step::MoveAside => "move aside the previous output at",
            Step::SetPermissions => "set the permissions of",
            Step::Create => "create",
            Step::Write => "write",
            Step::SetMode => "set the mode of",
            Step::Remove => "remove",
            Step::Copy => "copy",
            Step::FinishWriting => "finish writing",
        })
    }
}

/// The error for `action` on `path` failing.
pub(crate) fn io_error<'p>(
    action: Step,
    path: &'p Path,
) -> impl Fn(std::io::Error) -> OutputError + 'p {
    move |e| OutputError::Io {
        action,
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}
