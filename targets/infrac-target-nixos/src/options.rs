//! The NixOS options this target may write, per release, with their declared types, from
//! `data/options.txt`, and the check that a configuration sets only options its release
//! declares, each with a value of the declared type. A removed or renamed option (such as
//! `services.bird2` in 25.05) or a mistyped value then fails a test instead of a
//! machine's `nixos-rebuild`.

use crate::nix::Nix;
use crate::option_type::OptionType;
use crate::release::Release;

/// The option table: see the header of the file for its format and sources.
const OPTIONS: &str = include_str!("../data/options.txt");

/// One declared option (or option subtree whose attribute names are free, `<name>`),
/// with the first and last release that declares it, its type and where that type was
/// read (a key of the table's `source` lines).
#[derive(Debug)]
pub(crate) struct Declared {
    pub pattern: Vec<String>,
    pub from: Option<Release>,
    pub until: Option<Release>,
    pub ty: OptionType,
    pub source: Option<String>,
}

/// A module file of nixpkgs, read at one commit: `source KEY PATH COMMIT`.
#[derive(Debug)]
pub(crate) struct Source {
    pub key: String,
    pub path: String,
    pub commit: String,
}

fn lines() -> impl Iterator<Item = &'static str> {
    OPTIONS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Every `source` line of the table.
pub(crate) fn sources() -> Vec<Source> {
    lines()
        .filter_map(|l| l.strip_prefix("source "))
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(words.len(), 3, "`source KEY PATH COMMIT`: {l}");
            Source {
                key: words[0].into(),
                path: words[1].into(),
                commit: words[2].into(),
            }
        })
        .collect()
}

/// Every option line of the table.
pub(crate) fn table() -> Vec<Declared> {
    lines()
        .filter(|l| !l.starts_with("source "))
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(words.len(), 5, "`PATH FROM UNTIL TYPE SOURCE`: {line}");
            let release = |w: &str| Release::parse(w);
            Declared {
                pattern: words[0].split('.').map(str::to_string).collect(),
                from: release(words[1]),
                until: release(words[2]),
                ty: OptionType::parse(words[3]).unwrap_or_else(|e| panic!("{line}: {e}")),
                source: (words[4] != "-").then(|| words[4].to_string()),
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

/// What is wrong with one assignment of a configuration.
#[derive(Debug, PartialEq)]
pub(crate) enum Problem {
    /// No option of that path in the release.
    Undeclared(String),
    /// The option exists, but its type does not accept the value.
    Mistyped { path: String, why: String },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Undeclared(path) => write!(f, "{path}: no such option"),
            Problem::Mistyped { path, why } => write!(f, "{path}: {why}"),
        }
    }
}

/// The problems of `assignments` on `release`. A path that is an option is not looked
/// into (its value may be an attribute set of any shape) but its value is checked
/// against the option's type; an attribute set that is not an option is looked into,
/// down to the options.
pub(crate) fn check(
    table: &[Declared],
    release: Release,
    assignments: &[(&str, Nix)],
) -> Vec<Problem> {
    fn declared<'t>(
        table: &'t [Declared],
        path: &[String],
        release: Release,
    ) -> Option<&'t Declared> {
        table.iter().find(|d| d.matches(path, release))
    }
    fn typed(option: &Declared, path: &[String], value: &Nix, out: &mut Vec<Problem>) {
        if let Some(why) = option.ty.rejects(value) {
            out.push(Problem::Mistyped {
                path: path.join("."),
                why,
            });
        }
    }
    fn walk(
        table: &[Declared],
        release: Release,
        path: &mut Vec<String>,
        value: &Nix,
        out: &mut Vec<Problem>,
    ) {
        if let Some(option) = declared(table, path, release) {
            typed(option, path, value, out);
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
                    // at the first prefix that is an option, whose value is the rest.
                    let mut found = false;
                    for (i, segment) in key.iter().enumerate().take(key.len() - 1) {
                        path.push(segment.clone());
                        if let Some(option) = declared(table, path, release) {
                            let nested = Nix::Attrs(vec![(key[i + 1..].to_vec(), value.clone())]);
                            typed(option, path, &nested, out);
                            found = true;
                            break;
                        }
                    }
                    if !found {
                        path.push(key[key.len() - 1].clone());
                        walk(table, release, path, value, out);
                    }
                    path.truncate(depth);
                }
            }
            _ => out.push(Problem::Undeclared(path.join("."))),
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

    /// Every example and every build fixture, with each NixOS machine's view.
    fn every_configuration(mut visit: impl FnMut(&str, &MachineView)) {
        let mut labs = infrac_testkit::examples();
        labs.extend(
            infrac_testkit::labs(&[""])
                .into_iter()
                .map(|(_, relative)| relative)
                .filter(|relative| relative.starts_with("tests/")),
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
        let mut machines = 0;
        every_configuration(|name, view| {
            machines += 1;
            let sections = crate::configuration::sections(view).unwrap_or_default();
            for (_, assignments) in &sections {
                for problem in check(&table, view.release(), assignments) {
                    problems.push(format!("{name} (NixOS {}): {problem}", view.release()));
                }
            }
        });
        assert!(machines > 10, "only {machines} NixOS machines were checked");
        assert!(problems.is_empty(), "{}", problems.join("\n"));
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
                    let problems = check(&table, moved.release(), assignments);
                    assert!(problems.is_empty(), "{name} on {version}: {problems:?}");
                }
            }
        });
    }

    #[test]
    fn a_removed_option_is_caught() {
        let table = table();
        let on = |v| Release::parse(v).expect("release");
        let bird2 = [("services.bird2", Nix::attrs([("enable", Nix::Bool(true))]))];
        assert!(check(&table, on("24.11"), &bird2).is_empty());
        assert_eq!(
            check(&table, on("25.05"), &bird2),
            [Problem::Undeclared("services.bird2.enable".into())]
        );
        assert_eq!(
            check(&table, on("26.05"), &bird2)[0].to_string(),
            "services.bird2.enable: no such option"
        );
        let bird = [(
            "services.bird",
            Nix::attrs([("package", Nix::Expr("pkgs.bird2".into()))]),
        )];
        assert_eq!(
            check(&table, on("24.11"), &bird),
            [Problem::Undeclared("services.bird.package".into())]
        );
        assert!(check(&table, on("26.05"), &bird).is_empty());
    }

    #[test]
    fn a_mistyped_value_is_caught() {
        let table = table();
        let on = Release::NEWEST;
        let ssh = [(
            "services.openssh",
            Nix::attrs([
                ("enable", Nix::str("yes")),
                ("ports", Nix::List(vec![Nix::Int(22)])),
            ]),
        )];
        assert_eq!(
            check(&table, on, &ssh),
            [Problem::Mistyped {
                path: "services.openssh.enable".into(),
                why: "the string \"yes\" is not of type bool".into()
            }]
        );
        // A dotted key reaches the option through its prefix.
        let k3s = [("services.k3s.role", Nix::str("master"))];
        assert_eq!(check(&table, on, &k3s).len(), 1);
        let ports = [(
            "networking.firewall.interfaces",
            Nix::Attrs(vec![(
                vec!["eth0".into(), "allowedTCPPorts".into()],
                Nix::List(vec![Nix::str("22")]),
            )]),
        )];
        assert_eq!(
            check(&table, on, &ports).len(),
            1,
            "{:?}",
            check(&table, on, &ports)
        );
    }

    #[test]
    fn every_recorded_type_names_a_source_read_at_a_commit() {
        let sources = sources();
        for source in &sources {
            assert!(
                source.commit.len() == 40 && source.commit.chars().all(|c| c.is_ascii_hexdigit()),
                "{source:?}: a source is pinned to a full commit"
            );
            assert!(source.path.starts_with("nixos/"), "{source:?}");
        }
        for option in table() {
            let name = option.pattern.join(".");
            match (&option.ty, &option.source) {
                (OptionType::Unrecorded, None) => {}
                (OptionType::Unrecorded, Some(_)) => panic!("{name}: a source but no type"),
                (_, None) => panic!("{name}: a type without its source"),
                (_, Some(key)) => assert!(
                    sources.iter().any(|s| &s.key == key),
                    "{name}: no `source {key}` line"
                ),
            }
        }
        for source in &sources {
            assert!(
                table()
                    .iter()
                    .any(|o| o.source.as_ref() == Some(&source.key)),
                "source {} is not used",
                source.key
            );
        }
    }
}
