//! The NixOS options this target may write, per release, from `data/options.txt`, and
//! the check that a configuration sets only options its release declares. A removed or
//! renamed option (such as `services.bird2` in 25.05) then fails a test instead of a
//! machine's `nixos-rebuild`.

use crate::nix::Nix;
use crate::release::Release;

/// The option table: see the header of the file for its format and sources.
const OPTIONS: &str = include_str!("../data/options.txt");

/// One declared option (or option subtree whose attribute names are free, `<name>`),
/// with the first and last release that declares it.
#[derive(Debug)]
pub(crate) struct Declared {
    pub pattern: Vec<String>,
    pub from: Option<Release>,
    pub until: Option<Release>,
}

/// Every line of the table.
pub(crate) fn table() -> Vec<Declared> {
    OPTIONS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace();
            let pattern = words.next().unwrap_or_default();
            let release = |w: Option<&str>| w.and_then(Release::parse);
            Declared {
                pattern: pattern.split('.').map(str::to_string).collect(),
                from: release(words.next()),
                until: release(words.next()),
            }
        })
        .collect()
}

impl Declared {
    fn matches(&self, path: &[String], release: Release) -> bool {
        self.pattern.len() == path.len()
            && self
                .pattern
                .iter()
                .zip(path)
                .all(|(p, s)| p == "<name>" || p == s)
            && self.from.is_none_or(|f| f <= release)
            && self.until.is_none_or(|u| release <= u)
    }
}

/// The paths set by `assignments` that `release` declares no option for. A path that
/// is an option is not looked into (its value may be an attribute set of any shape);
/// an attribute set that is not an option is looked into, down to the options.
pub(crate) fn undeclared(
    table: &[Declared],
    release: Release,
    assignments: &[(&str, Nix)],
) -> Vec<String> {
    fn walk(
        table: &[Declared],
        release: Release,
        path: &mut Vec<String>,
        value: &Nix,
        out: &mut Vec<String>,
    ) {
        if table.iter().any(|d| d.matches(path, release)) {
            return;
        }
        let value = match value {
            Nix::Commented(inner, _) => inner,
            other => other,
        };
        match value {
            Nix::Attrs(entries) => {
                for (key, value) in entries {
                    let depth = path.len();
                    // A dotted key (`settings.PermitRootLogin = …`) is nested sets: stop
                    // at the first prefix that is an option.
                    let (last, inner) = key.split_last().expect("attribute paths are not empty");
                    let mut declared = false;
                    for segment in inner {
                        path.push(segment.clone());
                        if table.iter().any(|d| d.matches(path, release)) {
                            declared = true;
                            break;
                        }
                    }
                    if !declared {
                        path.push(last.clone());
                        walk(table, release, path, value, out);
                    }
                    path.truncate(depth);
                }
            }
            _ => out.push(path.join(".")),
        }
    }
    let mut out = Vec::new();
    for (path, value) in assignments {
        let mut segments = crate::nix::path(path);
        walk(table, release, &mut segments, value, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::MachineView;
    use infrac_model::OsFamily;

    /// ORION and every NixOS fixture, with each NixOS machine's assignments.
    fn every_configuration(mut visit: impl FnMut(&str, &MachineView)) {
        let mut labs = vec!["examples/orion.infra".to_string()];
        labs.extend(
            infrac_testkit::labs(&["nixos-"])
                .into_iter()
                .map(|(_, relative)| relative),
        );
        for lab in labs {
            let analysis = infrac_testkit::analyse(&lab);
            let model = &analysis.model;
            for (id, machine) in model.machines() {
                let Some(image) = machine.os.map(|i| model.image(i)) else {
                    continue;
                };
                if image.os_family() != OsFamily::Nixos {
                    continue;
                }
                let view = MachineView {
                    model,
                    id,
                    machine,
                    image,
                };
                visit(&format!("{lab}: {}", machine.name), &view);
            }
        }
    }

    #[test]
    fn every_option_written_exists_in_the_machines_release() {
        let table = table();
        let mut problems = Vec::new();
        every_configuration(|name, view| {
            let sections = crate::configuration::sections(view).unwrap_or_default();
            for (_, assignments) in &sections {
                for missing in undeclared(&table, view.release(), assignments) {
                    problems.push(format!("{name} (NixOS {}): {missing}", view.release()));
                }
            }
        });
        assert!(
            problems.is_empty(),
            "no such option:\n{}",
            problems.join("\n")
        );
    }

    /// The NixOS releases of the stdlib's images, oldest first.
    fn stdlib_releases() -> Vec<String> {
        let analysis = infrac_testkit::analyse("examples/orion.infra");
        let mut versions: Vec<String> = analysis
            .model
            .images
            .iter()
            .filter(|i| i.os_family() == OsFamily::Nixos)
            .map(|i| i.version.clone())
            .collect();
        versions.sort();
        versions.dedup();
        versions
    }

    #[test]
    fn the_option_table_covers_every_release_of_the_stdlib() {
        // An image of a release newer than the table's would be checked against options
        // nobody recorded for it: record its options (and NEWEST) first.
        let releases = stdlib_releases();
        assert!(releases.len() >= 2, "{releases:?}");
        for version in releases {
            let release = Release::parse(&version).expect("stdlib NixOS versions are YY.MM");
            assert!(
                release <= Release::NEWEST,
                "stdlib has NixOS {version}, the option table ends at {}",
                Release::NEWEST
            );
        }
    }

    #[test]
    fn every_option_written_exists_in_every_supported_release() {
        // The same configurations as if each machine ran every release of the stdlib,
        // so that a lab moved to another release keeps evaluating.
        let table = table();
        let releases = stdlib_releases();
        every_configuration(|name, view| {
            for version in &releases {
                let mut image = view.image.clone();
                image.version = version.clone();
                let moved = MachineView {
                    model: view.model,
                    id: view.id,
                    machine: view.machine,
                    image: &image,
                };
                let sections = crate::configuration::sections(&moved).unwrap_or_default();
                for (_, assignments) in &sections {
                    let missing = undeclared(&table, moved.release(), assignments);
                    assert!(missing.is_empty(), "{name} on {version}: {missing:?}");
                }
            }
        });
    }

    #[test]
    fn a_removed_option_is_caught() {
        let table = table();
        let on = |v| Release::parse(v).expect("release");
        let bird2 = [("services.bird2", Nix::attrs([("enable", Nix::Bool(true))]))];
        assert!(undeclared(&table, on("24.11"), &bird2).is_empty());
        assert_eq!(
            undeclared(&table, on("25.05"), &bird2),
            ["services.bird2.enable"]
        );
        let bird = [(
            "services.bird",
            Nix::attrs([("package", Nix::Expr("pkgs.bird2".into()))]),
        )];
        assert_eq!(
            undeclared(&table, on("24.11"), &bird),
            ["services.bird.package"]
        );
        assert!(undeclared(&table, on("26.05"), &bird).is_empty());
    }
}
