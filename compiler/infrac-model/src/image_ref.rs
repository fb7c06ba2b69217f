//! Container image references (`ghcr.io/org/app:1.2@sha256:…`) as Docker, containerd and
//! the kubelet read them. A reference they cannot parse fails only when the container is
//! created (`invalid reference format`, `InvalidImageName`), so it is refused here.
//!
//! The grammar is distribution/reference's (`regexp.go` and `normalize.go` at commit
//! 00a09fa3799203fc887e667b0d82142ee831939a, the module Docker and containerd parse with):
//!
//! ```text
//! reference      := name [ ":" tag ] [ "@" digest ]
//! name           := [domain "/"] path-component ["/" path-component]*
//! domain         := host [":" port]    host := domain-name | "[" IPv6 "]"
//! domain-name    := component ["." component]*   component := /[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?/
//! path-component := /[a-z0-9]+/ [separator /[a-z0-9]+/]*   separator := /[._]|__|-+/
//! tag            := /[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}/
//! digest         := /[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}/
//! ```
//!
//! The first part of the name is a registry when it has a `.` or a `:`, is `localhost`,
//! or has an upper-case letter (`splitDockerDomain`); a name is at most 255 bytes. A first
//! part that is a registry only for its capitals (`LinuxServer/sonarr`) parses, but is a
//! repository written in upper case, and is refused too.

/// A container image reference that Docker and the kubelet parse. It serialises as its
/// text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    text: String,
    /// Where the tag starts in `text`, after its `:`, and where it ends.
    tag: Option<(usize, usize)>,
    digest: bool,
}

impl ImageRef {
    /// The reference, or why Docker and the kubelet would refuse it.
    pub fn parse(text: &str) -> Result<ImageRef, String> {
        if let Some(why) = problem(text) {
            return Err(why);
        }
        let (rest, digest) = match text.split_once('@') {
            Some((rest, _)) => (rest, true),
            None => (text, false),
        };
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let tag = rest[last_slash..]
            .find(':')
            .map(|i| (last_slash + i + 1, rest.len()));
        Ok(ImageRef {
            text: text.to_string(),
            tag,
            digest,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The repository, without tag or digest (`grafana/grafana:12.3.0` →
    /// `grafana/grafana`).
    pub fn repository(&self) -> &str {
        let end = match self.tag {
            Some((start, _)) => start - 1,
            None => self.text.find('@').unwrap_or(self.text.len()),
        };
        &self.text[..end]
    }

    /// The tag (`grafana/grafana:12.3.0` → `12.3.0`), if the reference has one.
    pub fn tag(&self) -> Option<&str> {
        self.tag.map(|(start, end)| &self.text[start..end])
    }

    /// Whether the reference names one image: by digest, or by a tag that names a
    /// release rather than a channel (`latest`, `stable`, `lts-alpine`). Without either,
    /// every pull may fetch another release.
    pub fn is_pinned(&self) -> bool {
        self.digest || self.tag().is_some_and(|t| !is_channel(t))
    }
}

/// Words projects tag their moving images with: a channel that follows new releases.
const CHANNELS: [&str; 19] = [
    "latest", "stable", "mainline", "edge", "nightly", "beta", "alpha", "rolling", "current",
    "main", "master", "develop", "dev", "lts", "testing", "unstable", "next", "canary", "preview",
];

/// Whether a tag names a channel: one of [`CHANNELS`], alone or with a variant
/// (`stable-alpine`, `lts-slim`), and no version number (`dev-1.4.2` is a release).
fn is_channel(tag: &str) -> bool {
    let first = tag.split(['-', '_', '.']).next().unwrap_or(tag);
    !tag.bytes().any(|b| b.is_ascii_digit())
        && CHANNELS.iter().any(|c| c.eq_ignore_ascii_case(first))
}

impl std::fmt::Display for ImageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl serde::Serialize for ImageRef {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// Why `reference` is not an image reference, or `None` when it is one.
pub fn problem(reference: &str) -> Option<String> {
    if reference.is_empty() {
        return Some("it is empty".into());
    }
    if let Some(c) = reference.chars().find(|c| !c.is_ascii_graphic()) {
        return Some(format!(
            "it contains {}, which no image reference has",
            match c {
                ' ' => "a space".to_string(),
                c => format!("`{}`", c.escape_debug()),
            }
        ));
    }
    let (rest, digest) = match reference.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (reference, None),
    };
    if let Some(digest) = digest {
        if !is_digest(digest) {
            return Some(format!(
                "the digest `{digest}` is not ALGORITHM:HEX with at least 32 hex digits \
                 (`sha256:…`)"
            ));
        }
    }
    // A `:` after the last `/` starts the tag; one before it is a registry's port.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].find(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        if let Some(why) = tag_problem(tag) {
            return Some(why);
        }
    }
    name_problem(name)
}

fn tag_problem(tag: &str) -> Option<String> {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    match tag.as_bytes() {
        [] => Some("the tag after `:` is empty".into()),
        [first, ..] if !word(*first) => Some(format!(
            "the tag `{tag}` starts with `{}`; a tag starts with a letter, digit or `_`",
            *first as char
        )),
        bytes if bytes.len() > 128 => Some(format!(
            "the tag is {} characters long; a tag has at most 128",
            bytes.len()
        )),
        bytes => bytes
            .iter()
            .find(|&&c| !(word(c) || c == b'.' || c == b'-'))
            .map(|&c| {
                format!(
                    "the tag `{tag}` contains `{}`; a tag has letters, digits, `_`, `.` and `-`",
                    c as char
                )
            }),
    }
}

fn name_problem(name: &str) -> Option<String> {
    if name.len() > 255 {
        return Some(format!(
            "the name is {} characters long; an image name has at most 255",
            name.len()
        ));
    }
    let (domain, path) = match name.split_once('/') {
        Some((first, rest)) if is_registry(first) => (Some(first), rest),
        _ => (None, name),
    };
    if let Some(domain) = domain {
        // Docker reads such a first part as a registry host only for its capitals: it
        // is a repository written in upper case, and the pull would look up that host.
        if !domain.contains(['.', ':']) && domain != "localhost" {
            return Some(format!(
                "`{domain}` has upper-case letters, so it would be read as a registry host; \
                 repository names are lower case"
            ));
        }
        if !is_domain(domain) {
            return Some(format!(
                "`{domain}` is not a registry: a host name, an IPv4 address or an IPv6 \
                 address in `[ ]`, with an optional `:PORT`"
            ));
        }
    }
    for component in path.split('/') {
        if component.is_empty() {
            return Some(format!("`{name}` has an empty part between `/`"));
        }
        if component.bytes().any(|c| c.is_ascii_uppercase()) {
            return Some(format!(
                "`{component}` has upper-case letters; repository names are lower case"
            ));
        }
        if !is_path_component(component) {
            return Some(format!(
                "`{component}` is not a repository name part: lower-case letters and digits, \
                 joined by one `.`, one or two `_`, or dashes"
            ));
        }
    }
    None
}

/// `splitDockerDomain`: whether the first part of a name is a registry.
fn is_registry(first: &str) -> bool {
    first.contains(['.', ':'])
        || first == "localhost"
        || first.bytes().any(|c| c.is_ascii_uppercase())
}

fn is_domain(domain: &str) -> bool {
    let (host_ok, port) = match domain.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((v6, after)) => (
                !v6.is_empty() && v6.bytes().all(|c| c.is_ascii_hexdigit() || c == b':'),
                after,
            ),
            None => return false,
        },
        None => match domain.find(':') {
            Some(i) => (is_domain_name(&domain[..i]), &domain[i..]),
            None => (is_domain_name(domain), ""),
        },
    };
    let port_ok = match port.strip_prefix(':') {
        Some(digits) => !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()),
        None => port.is_empty(),
    };
    host_ok && port_ok
}

fn is_domain_name(name: &str) -> bool {
    !name.is_empty() && name.split('.').all(is_domain_component)
}

fn is_domain_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        }
        _ => false,
    }
}

/// `[a-z0-9]+` runs joined by `.`, `_`, `__` or one or more `-`.
fn is_path_component(component: &str) -> bool {
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let bytes = component.as_bytes();
    let mut i = 0;
    loop {
        let start = i;
        while i < bytes.len() && alnum(bytes[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == bytes.len() {
            return true;
        }
        let separator = i;
        match bytes[i] {
            b'.' => i += 1,
            b'_' => {
                i += if bytes.get(i + 1) == Some(&b'_') {
                    2
                } else {
                    1
                }
            }
            b'-' => {
                while bytes.get(i) == Some(&b'-') {
                    i += 1;
                }
            }
            _ => return false,
        }
        debug_assert!(i > separator);
    }
}

fn is_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let algorithm_ok = algorithm.split(['-', '_', '+', '.']).all(|part| {
        let mut bytes = part.bytes();
        bytes.next().is_some_and(|c| c.is_ascii_alphabetic())
            && bytes.all(|c| c.is_ascii_alphanumeric())
    });
    algorithm_ok && hex.len() >= 32 && hex.bytes().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::{problem, ImageRef};

    #[test]
    fn tags_and_pins() {
        let tag = |r: &str| ImageRef::parse(r).map(|i| i.tag().map(str::to_string));
        assert_eq!(tag("grafana/grafana:12.3.0"), Ok(Some("12.3.0".into())));
        assert_eq!(tag("registry:5000/team/app"), Ok(None));
        assert_eq!(
            tag("localhost:5000/team/app:latest"),
            Ok(Some("latest".into()))
        );
        assert_eq!(
            tag("ghcr.io/org/app:1.0@sha256:4b7ce07002c69e8f3d704a9c5d6fd3053be500b7f1c69fc0d80990c2ad8dd412"),
            Ok(Some("1.0".into()))
        );
        let pinned = |r: &str| ImageRef::parse(r).map(|i| i.is_pinned());
        assert_eq!(pinned("nginx:1.29"), Ok(true));
        let repository = |text: &str| ImageRef::parse(text).map(|r| r.repository().to_string());
        assert_eq!(repository("nginx"), Ok("nginx".into()));
        assert_eq!(
            repository("registry:5000/org/app:stable"),
            Ok("registry:5000/org/app".into())
        );
        assert_eq!(
            repository("alpine:3.22@sha256:4b7ce07002c69e8f3d704a9c5d6fd3053be500b7f1c69fc0d80990c2ad8dd412"),
            Ok("alpine".into())
        );
        assert_eq!(pinned("nginx"), Ok(false));
        assert_eq!(pinned("nginx:latest"), Ok(false));
        assert_eq!(pinned("nginx:stable-alpine"), Ok(false));
        assert_eq!(pinned("nginx:mainline"), Ok(false));
        assert_eq!(pinned("node:lts-slim"), Ok(false));
        assert_eq!(pinned("ghcr.io/org/app:Nightly"), Ok(false));
        assert_eq!(pinned("ghcr.io/org/app:dev-1.4.2"), Ok(true));
        assert_eq!(pinned("nginx:1.29-alpine"), Ok(true));
        assert_eq!(pinned("debian:bookworm-slim"), Ok(true));
        assert_eq!(pinned("ghcr.io/org/app:latest_build"), Ok(false));
        assert_eq!(
            pinned(
                "alpine@sha256:4b7ce07002c69e8f3d704a9c5d6fd3053be500b7f1c69fc0d80990c2ad8dd412"
            ),
            Ok(true)
        );
        assert!(ImageRef::parse("Nginx").is_err());
        assert_eq!(
            ImageRef::parse("lscr.io/linuxserver/plex:1.41.6").map(|i| i.to_string()),
            Ok("lscr.io/linuxserver/plex:1.41.6".to_string())
        );
    }

    /// References Docker and containerd accept, from distribution/reference's own tests
    /// and from the images labs name.
    #[test]
    fn real_references_pass() {
        for reference in [
            "nginx",
            "nginx:1.29",
            "traefik/whoami:v1.10.3",
            "lscr.io/linuxserver/plex:1.41.6",
            "ghcr.io/ggml-org/llama.cpp:server-cuda",
            "docker.io/library/postgres:17.2",
            "localhost/app",
            "localhost:5000/team/app:latest",
            "registry.example.net:5000/a__b/c---d/e.f_g:TAG_1.0-rc",
            "[2001:db8::1]:5000/app:1",
            "[2001:db8::1]/app",
            "192.168.1.10:5000/app",
            "Example.Registry/app",
            "REGISTRY.local:5000/app",
            "alpine@sha256:4b7ce07002c69e8f3d704a9c5d6fd3053be500b7f1c69fc0d80990c2ad8dd412",
            "ghcr.io/org/app:1.0@sha256:4b7ce07002c69e8f3d704a9c5d6fd3053be500b7f1c69fc0d80990c2ad8dd412",
        ] {
            assert_eq!(problem(reference), None, "{reference}");
        }
    }

    #[test]
    fn broken_references_say_why() {
        for (reference, why) in [
            ("", "empty"),
            ("lscr.io/linuxserver/prowlarr:1.30.2 ", "a space"),
            ("nginx:", "tag after `:` is empty"),
            ("nginx:.1", "starts with `.`"),
            ("nginx:1+2", "contains `+`"),
            ("Nginx", "upper-case"),
            ("LinuxServer/sonarr:4", "read as a registry host"),
            ("library/Nginx:1", "upper-case"),
            ("ghcr.io//app", "empty part"),
            ("ghcr.io/app-", "not a repository name part"),
            ("ghcr.io/a...b", "not a repository name part"),
            ("ghcr.io/a___b", "not a repository name part"),
            ("-registry.io/app", "not a registry"),
            ("registry.io:port/app", "not a registry"),
            ("nginx@sha256:abc", "digest"),
            ("nginx@sha256", "digest"),
            ("nginx:é", "`é`"),
        ] {
            let found = problem(reference);
            assert!(
                found.as_deref().is_some_and(|f| f.contains(why)),
                "{reference:?}: {found:?}, expected something with {why:?}"
            );
        }
        let long_tag = format!("nginx:{}", "a".repeat(129));
        assert!(problem(&long_tag).is_some_and(|f| f.contains("at most 128")));
        let long_name = format!("{}:1", "a".repeat(256));
        assert!(problem(&long_name).is_some_and(|f| f.contains("at most 255")));
    }
}
