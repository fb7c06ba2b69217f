//! Releases: machines whose OS image is past its publisher's end of support (W0470).
//!
//! The catalogue gives each image the last day it is supported (`eol`); this family
//! compares it with the day of the build, which the caller passes in, so the check stays
//! a pure function of its inputs and tests pin the day.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::{Date, Model};

/// Every machine that runs an image whose support ended before `today`.
pub fn check(model: &Model, today: Date) -> Vec<Diagnostic> {
    let mut out = Vec::new();
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
