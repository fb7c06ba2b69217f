//! Two mounts at one path of a container (E0567): a copied volume block whose target was
//! not changed. Docker refuses to create such a container ("duplicate mount point"; it
//! compares the paths cleaned), and the Kubernetes API server refuses the pod
//! (`volumeMounts[i].mountPath: must be unique`, `ValidateVolumeMounts` in
//! pkg/apis/core/validation). Paths are compared cleaned for both: `/data/` and `/data`
//! differ only as strings, and a second mount there would hide the first.

use crate::fields::SubBlock;
use crate::value::Value;
use crate::Sema;
use infrac_diagnostics::{Code, Diagnostic, Span};
use rustc_hash::FxHashMap as HashMap;

/// What a block mounts in a container.
#[derive(Clone, Copy)]
pub(crate) enum Mounted {
    Volume,
    File,
}

impl Mounted {
    fn as_str(self) -> &'static str {
        match self {
            Mounted::Volume => "volume",
            Mounted::File => "file",
        }
    }
}

/// What a container mounts, and at which path.
pub(crate) struct MountPoint<'p> {
    pub what: Mounted,
    pub name: &'p str,
    pub path: &'p str,
    /// The path's value in the source.
    pub span: Span,
}

/// The mount point of a `volume` or `file` block of a container run by `runtime`: a
/// Compose volume's `target`, an app's volume's or file's `path`.
pub(crate) fn mount_point<'p>(
    b: &'p SubBlock,
    what: Mounted,
    runtime: Runtime,
) -> Option<MountPoint<'p>> {
    let attr = match runtime {
        Runtime::Compose => "target",
        Runtime::Kubernetes => "path",
    };
    let field = b.fields.get(attr)?;
    let Value::Str(path) = &field.value else {
        return None;
    };
    Some(MountPoint {
        what,
        name: b.name.as_deref()?,
        path,
        span: field.span,
    })
}

/// Who refuses the clash, for the help.
#[derive(Clone, Copy)]
pub(crate) enum Runtime {
    Compose,
    Kubernetes,
}

/// The path as the container sees it: repeated `/`, `.` components and a trailing `/`
/// dropped (`..` is refused before a mount gets here).
fn cleaned(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

impl Sema<'_> {
    /// Reports every mount at a path an earlier mount of the same container holds.
    /// `owner` names the container: `service web` or `app jellyfin`.
    pub(crate) fn check_mount_points(
        &mut self,
        owner: &str,
        runtime: Runtime,
        points: &[MountPoint<'_>],
    ) {
        if points.len() < 2 {
            return;
        }
        let mut seen: HashMap<String, usize> = HashMap::default();
        for (i, point) in points.iter().enumerate() {
            let first = *seen.entry(cleaned(point.path)).or_insert(i);
            if first == i {
                continue;
            }
            let first = &points[first];
            let help = match runtime {
                Runtime::Compose => {
                    "Docker refuses to create a container with a duplicate mount point: give \
                     each volume its own `target`, or mount one and use folders inside it"
                }
                Runtime::Kubernetes => {
                    "the API server refuses the pod (`mountPath: must be unique`): give each \
                     its own `path`, or mount one volume and use folders inside it"
                }
            };
            self.diags.push(
                Diagnostic::error(
                    Code::MOUNT_PATH_CLASH,
                    format!(
                        "{} `{}` and {} `{}` of {owner} are both mounted at `{}`",
                        first.what.as_str(),
                        first.name,
                        point.what.as_str(),
                        point.name,
                        first.path
                    ),
                    point.span,
                    format!(
                        "{} `{}` is mounted here too",
                        point.what.as_str(),
                        point.name
                    ),
                )
                .with_label(
                    first.span,
                    format!("{} `{}` is mounted here", first.what.as_str(), first.name),
                )
                .with_help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::cleaned;

    #[test]
    fn paths_compare_as_the_container_sees_them() {
        assert_eq!(cleaned("/data"), "/data");
        assert_eq!(cleaned("/data/"), "/data");
        assert_eq!(cleaned("//data/./media//"), "/data/media");
        assert_eq!(cleaned("/"), "/");
        assert_ne!(cleaned("/data"), cleaned("/data2"));
    }
}
