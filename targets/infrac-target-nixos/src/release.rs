//! The NixOS release a machine runs, and what differs between releases in the options
//! this target writes. `data/options.txt` lists every option path the target can write
//! with the releases that declare it and its declared type; a test checks every
//! generated configuration against it.

use infrac_model::Image;

/// A NixOS release, `YY.MM`, ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Release {
    pub year: u16,
    pub month: u8,
}

impl Release {
    /// NixOS 25.05, the first release without `services.bird2` (nixpkgs PR #366190:
    /// "nixos/bird: rename bird2 to bird, switch to bird3 by default").
    pub(crate) const BIRD_RENAMED: Release = Release { year: 25, month: 5 };

    /// Parses `25.05`.
    pub(crate) fn parse(text: &str) -> Option<Release> {
        let (year, month) = text.split_once('.')?;
        Some(Release {
            year: year.parse().ok()?,
            month: month.parse().ok()?,
        })
    }

    /// The release of a NixOS image. An image whose version is not `YY.MM` (a custom
    /// image) is taken as the newest release this target knows.
    pub(crate) fn of(image: &Image) -> Release {
        Release::parse(&image.version).unwrap_or(Release::NEWEST)
    }

    /// The newest release whose options `data/options.txt` records; the model holds it,
    /// so the check that warns about newer releases (W0471) reads the same number.
    pub(crate) const NEWEST: Release = Release {
        year: infrac_model::NIXOS_NEWEST_KNOWN.0,
        month: infrac_model::NIXOS_NEWEST_KNOWN.1,
    };
}

impl std::fmt::Display for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:02}", self.year, self.month)
    }
}

/// How BIRD is enabled on a release: before 25.05 `services.bird2` (BIRD 2 is its only
/// package); from 25.05 on `services.bird`, whose default package is BIRD 3, so the
/// BIRD 2 package the bird target writes for is named explicitly.
pub(crate) fn bird(release: Release) -> (&'static str, Option<&'static str>) {
    if release < Release::BIRD_RENAMED {
        ("services.bird2", None)
    } else {
        ("services.bird", Some("pkgs.bird2"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_order_by_time() {
        let r = |t| Release::parse(t).expect("release");
        assert!(r("24.11") < r("25.05"));
        assert!(r("25.11") < r("26.05"));
        assert_eq!(r("26.05").to_string(), "26.05");
        assert_eq!(Release::parse("unstable"), None);
    }

    #[test]
    fn bird_follows_the_rename() {
        let r = |t| Release::parse(t).expect("release");
        assert_eq!(bird(r("24.11")), ("services.bird2", None));
        assert_eq!(bird(r("25.05")), ("services.bird", Some("pkgs.bird2")));
        assert_eq!(bird(r("26.05")), ("services.bird", Some("pkgs.bird2")));
    }
}
