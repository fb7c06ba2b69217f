//! The order artifacts are listed in: by path, as `Path` orders them.
//!
//! `Path`'s order compares component by component and parses both paths into components
//! again at every comparison; sorting the ten thousand artifacts of a large lab that way
//! costs more than planning their output folder. Each path is turned into a key once
//! instead, whose plain byte order is the same order.

use crate::Artifact;
use std::path::Path;

/// Sorts `artifacts` by path, stably, in `Path`'s order.
pub(crate) fn sort_by_path(artifacts: &mut Vec<Artifact>) {
    if cfg!(unix) && artifacts.iter().all(|a| plain(&a.path)) {
        // A stable sort, which finds the runs each target emitted already in order
        // (`sort_by_cached_key` sorts its keys unstably, from scratch).
        let mut keyed: Vec<(Vec<u8>, Artifact)> =
            artifacts.drain(..).map(|a| (key(&a.path), a)).collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        artifacts.extend(keyed.into_iter().map(|(_, a)| a));
    } else {
        artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    }
}

/// Whether `path` is relative text whose `/`-separated parts are its components: none
/// empty (no leading, trailing or doubled `/`), none `.` or `..` (which `Path` skips or
/// orders before every name). Only on Unix is `/` the one separator.
fn plain(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    !bytes.is_empty()
        && bytes
            .split(|&b| b == b'/')
            .all(|part| !matches!(part, b"" | b"." | b".."))
}

/// The bytes of a [`plain`] path with `/` below every other byte, so that a component
/// which is a prefix of another sorts first, as in `Path`'s order: `a/b` before `a-b`
/// and `a.b`, and `a/b` before `ab`. Every other byte moves up by one below `/` and
/// stays where it is above it, keeping their order.
fn key(path: &Path) -> Vec<u8> {
    path.as_os_str()
        .as_encoded_bytes()
        .iter()
        .map(|&b| match b {
            b'/' => 0,
            b if b < b'/' => b + 1,
            b => b,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_plain_paths_as_path_does() {
        let paths = [
            "a",
            "a/b",
            "a-b",
            "a.b",
            "ab",
            "a/b/c",
            "a/b-c",
            "a/bc",
            "a\0b",
            "a/\0",
            "a/ ",
            "b",
            "A",
            "a/b/",
            "proxmox/g0-1.sh",
            "proxmox/g0/x",
            "proxmox/g0.sh",
            "x/..y",
            "é/a",
            "e/a",
            "0",
            "/",
        ];
        for a in paths {
            for b in paths {
                let (pa, pb) = (Path::new(a), Path::new(b));
                if plain(pa) && plain(pb) {
                    assert_eq!(key(pa).cmp(&key(pb)), pa.cmp(pb), "{a:?} against {b:?}");
                }
            }
        }
    }

    #[test]
    fn paths_that_are_not_plain_are_sorted_as_path_does() {
        for path in ["", "/a", "a/", "a//b", "./a", "a/./b", "a/../b", ".."] {
            assert!(!plain(Path::new(path)), "{path:?}");
        }
        let names = ["b/c", "./a", "a//b", "a-b", "a/b"];
        let mut artifacts: Vec<Artifact> = names.iter().map(|p| Artifact::new(*p, *p)).collect();
        sort_by_path(&mut artifacts);
        let mut expected: Vec<&str> = names.to_vec();
        expected.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
        let got: Vec<&str> = artifacts.iter().map(|a| a.contents.as_str()).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn equal_paths_keep_their_order() {
        let mut artifacts = vec![
            Artifact::new("b", "1"),
            Artifact::new("a", "2"),
            Artifact::new("b", "3"),
            Artifact::new("a", "4"),
        ];
        sort_by_path(&mut artifacts);
        let got: Vec<&str> = artifacts.iter().map(|a| a.contents.as_str()).collect();
        assert_eq!(got, ["2", "4", "1", "3"]);
    }
}
