//! Releases: machines whose OS image, or Proxmox VE nodes whose Proxmox VE release, is
//! past its publisher's end of support (W0470); NixOS machines on a release newer than
//! the newest whose options infrac records (W0471).
//!
//! The catalogue gives each image the last day it is supported (`eol`); a Proxmox VE
//! node's release is looked up in [`PROXMOX_VE`]. This family compares the day with the
//! day of the build, which the caller passes in, so the check stays a pure function of
//! its inputs and tests pin the day.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::{Date, Model, NIXOS_NEWEST_KNOWN};

/// Proxmox VE major releases: the Debian release each is built on and the last day
/// Proxmox supports it. From the table "How long will my Proxmox VE version be
/// supported?" of the Proxmox VE FAQ (proxmox/pve-docs, pve-faq.adoc at commit
/// e5010dcea566a205770572cfbc5fe0af220d5077, 2026-04-30), whose "Proxmox EOL" column
/// gives a month, taken here as its last day. Proxmox VE 9 (Debian 13) is "tba" there.
/// The host schema's `proxmox` attribute accepts 1 to the newest major listed here.
pub const PROXMOX_VE: &[(u32, &str, Option<&str>)] = &[
    (9, "13", None),
    (8, "12", Some("2026-08-31")),
    (7, "11", Some("2024-07-31")),
    (6, "10", Some("2022-09-30")),
    (5, "9", Some("2020-07-31")),
    (4, "8", Some("2018-06-30")),
    (3, "7", Some("2017-02-28")),
    (2, "6", Some("2014-05-31")),
    (1, "5", Some("2013-01-31")),
];

/// Every machine that runs an image, and every Proxmox VE node that runs a release,
/// whose support ended before `today`.
pub fn check(model: &Model, today: Date) -> Vec<Diagnostic> {
    let mut out = proxmox_nodes(model, today);
    for machine in &model.machines {
        let Some(id) = machine.os else { continue };
        let image = model.image(id);
        let Some(eol) = image.eol else { continue };
        if eol >= today {
            continue;
        }
        // Newer supported releases of the same family and kind, newest first, for the
        // help line.
        let mut newer: Vec<(&str, Date)> = model
            .images
            .iter()
            .filter(|i| i.family == image.family && i.kind == image.kind)
            .filter_map(|i| Some((i.name.as_str(), i.eol?)))
            .filter(|(_, end)| *end >= today)
            .collect();
        newer.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let help = match newer.first() {
            Some((name, end)) => format!(
                "move {} to a supported release, such as `{name}` (supported until {end})",
                machine.name
            ),
            None => format!("move {} to a supported release", machine.name),
        };
        out.push(
            Diagnostic::warning(
                Code::RELEASE_END_OF_LIFE,
                format!(
                    "{} runs {} {}, whose support ended on {eol}",
                    machine.name, image.family, image.version
                ),
                machine.name_span,
                format!("runs image `{}`, supported until {eol}", image.name),
            )
            .with_note(
                "past that day the release gets no security updates, and installers and \
                 templates for it may no longer be downloadable",
            )
            .with_help(help),
        );
    }
    out
}

/// NixOS machines on a release newer than [`NIXOS_NEWEST_KNOWN`]: their configuration is
/// written with what infrac knows of that release's options, and an option renamed or
/// removed since is not caught.
/// This does not depend on the day, so it runs with the families of `check`.
pub fn newer_than_known(model: &Model) -> Vec<Diagnostic> {
    let (year, month) = NIXOS_NEWEST_KNOWN;
    let known = format!("{year}.{month:02}");
    let mut out = Vec::new();
    for machine in &model.machines {
        let Some(id) = machine.os else { continue };
        let image = model.image(id);
        let Some(release) = image.nixos_release() else {
            continue;
        };
        if release <= NIXOS_NEWEST_KNOWN {
            continue;
        }
        out.push(
            Diagnostic::warning(
                Code::RELEASE_NEWER_THAN_KNOWN,
                format!(
                    "{} runs NixOS {}, newer than the newest release infrac knows ({known})",
                    machine.name, image.version
                ),
                machine.name_span,
                format!("runs image `{}`", image.name),
            )
            .with_note(format!(
                "infrac writes its configuration with the options NixOS {known} declares \
                 and checks it against them; an option renamed or removed in {} is not \
                 caught",
                image.version
            ))
            .with_help(format!(
                "build the configuration on NixOS {} (`nixos-rebuild build`) before \
                 switching to it, or keep {} on NixOS {known}",
                image.version, machine.name
            )),
        );
    }
    out
}

/// Proxmox VE nodes that declare a release whose support ended before `today`.
fn proxmox_nodes(model: &Model, today: Date) -> Vec<Diagnostic> {
    let newest = PROXMOX_VE
        .iter()
        .map(|(major, _, _)| *major)
        .max()
        .unwrap_or(0);
    let mut out = Vec::new();
    for machine in &model.machines {
        let Some(major) = machine.proxmox else {
            continue;
        };
        let Some((_, debian, Some(eol))) = PROXMOX_VE.iter().find(|(m, _, _)| *m == major.value)
        else {
            continue;
        };
        let Some(eol) = Date::parse(eol) else {
            continue;
        };
        if eol >= today {
            continue;
        }
        let next = major.value + 1;
        let help = if next == 9 {
            // pve8to9 is the checklist Proxmox VE 8.4 ships for this upgrade
            // (proxmox/pve-manager bin/pve8to9 at commit 4b29c4c2; `pve8to9 --full` as
            // pve.proxmox.com/wiki/Upgrade_from_8_to_9 runs it).
            format!(
                "upgrade {} to Proxmox VE 9 (run `pve8to9 --full` on the node first)",
                machine.name
            )
        } else {
            format!(
                "upgrade {} release by release to Proxmox VE {newest}",
                machine.name
            )
        };
        out.push(
            Diagnostic::warning(
                Code::RELEASE_END_OF_LIFE,
                format!(
                    "{} runs Proxmox VE {}, whose support ended on {eol}",
                    machine.name, major.value
                ),
                major.span,
                format!(
                    "Proxmox VE {} (Debian {debian}), supported until {eol}",
                    major.value
                ),
            )
            .with_note(
                "past that day the release gets no security updates, and installers and \
                 templates for it may no longer be downloadable",
            )
            .with_help(help),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use infrac_diagnostics::Span;
    use infrac_model::{GuestKind, Image, ImageId, Machine, Platform, SiteId};

    fn image(name: &str, version: &str, eol: &str) -> Image {
        Image {
            name: name.into(),
            family: "nixos".into(),
            version: version.into(),
            kind: GuestKind::Vm,
            ostype: "l26".into(),
            template: None,
            state_version: Some(version.into()),
            cloud_init: false,
            eol: Date::parse(eol),
        }
    }

    fn lab(os: usize) -> Model {
        let mut model = Model::default();
        model
            .images
            .push(image("nixos-25_11", "25.11", "2026-06-30"));
        model
            .images
            .push(image("nixos-26_05", "26.05", "2026-12-31"));
        let mut machine = Machine::new("router", Platform::Baremetal, SiteId(0), Span::default());
        machine.os = Some(ImageId(os as u32));
        model.machines.push(machine);
        model
    }

    fn day(text: &str) -> Date {
        Date::parse(text).expect("test date")
    }

    #[test]
    fn an_image_past_its_end_is_reported_with_the_date() {
        let found = check(&lab(0), day("2026-12-01"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, Code::RELEASE_END_OF_LIFE);
        assert_eq!(
            found[0].message,
            "router runs nixos 25.11, whose support ended on 2026-06-30"
        );
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(
            help.contains("`nixos-26_05` (supported until 2026-12-31)"),
            "{help}"
        );
    }

    #[test]
    fn the_last_day_of_support_is_still_supported() {
        assert!(check(&lab(0), day("2026-06-30")).is_empty());
        assert_eq!(check(&lab(0), day("2026-07-01")).len(), 1);
    }

    fn node(major: u32) -> Model {
        let mut model = Model::default();
        let mut machine = Machine::new("pve", Platform::Proxmox, SiteId(0), Span::default());
        machine.proxmox = Some(infrac_model::Spanned::new(major, Span::default()));
        model.machines.push(machine);
        model
    }

    #[test]
    fn a_proxmox_node_past_its_release_end_is_reported() {
        assert!(check(&node(8), day("2026-08-31")).is_empty());
        let found = check(&node(8), day("2026-09-01"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, Code::RELEASE_END_OF_LIFE);
        assert_eq!(
            found[0].message,
            "pve runs Proxmox VE 8, whose support ended on 2026-08-31"
        );
        assert!(found[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("pve8to9")));
        // 9 has no announced end, so it is never reported.
        assert!(check(&node(9), day("2040-01-01")).is_empty());
        let old = check(&node(6), day("2026-12-01"));
        assert_eq!(
            old[0].help.as_deref(),
            Some("upgrade pve release by release to Proxmox VE 9")
        );
    }

    #[test]
    fn the_release_table_is_newest_first_with_real_dates() {
        for pair in PROXMOX_VE.windows(2) {
            assert_eq!(pair[0].0, pair[1].0 + 1);
        }
        for (major, _, eol) in PROXMOX_VE {
            assert!(
                eol.is_none_or(|d| Date::parse(d).is_some()),
                "{major}: {eol:?}"
            );
        }
    }

    #[test]
    fn a_supported_image_is_quiet_until_its_end() {
        assert!(check(&lab(1), day("2026-12-01")).is_empty());
        let later = check(&lab(1), day("2027-01-01"));
        assert_eq!(later.len(), 1);
        assert_eq!(
            later[0].help.as_deref(),
            Some("move router to a supported release")
        );
    }
}
