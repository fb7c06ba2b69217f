//! A host left out of the budgets: it runs guests, declares no hardware, and other hosts
//! of the lab do. A lab that declares no hardware at all has chosen not to budget; one
//! that declares it for some hosts expects every host's guests to be held to it, and a
//! host missing from that proof would pass whatever it runs.

use infrac_diagnostics::{and_list, Code, Diagnostic};
use infrac_model::Model;

/// How many of the hosts that do declare their hardware the report names.
const NAMED: usize = 3;

pub(super) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    let measured: Vec<&str> = model
        .hypervisors()
        .filter(|(_, host)| host.hardware.is_some())
        .map(|(_, host)| host.name.as_str())
        .collect();
    if measured.is_empty() {
        return;
    }
    for (id, host) in model.hypervisors() {
        if host.hardware.is_some() {
            continue;
        }
        let guests = model.guests_on(id).count();
        if guests == 0 {
            continue;
        }
        let named: Vec<String> = measured
            .iter()
            .take(NAMED)
            .map(|name| format!("`{name}`"))
            .collect();
        let others = if measured.len() > NAMED {
            format!("{} and {} more", named.join(", "), measured.len() - NAMED)
        } else {
            and_list(&named)
        };
        let (guests_text, their) = if guests == 1 {
            ("its guest is".to_owned(), "its")
        } else {
            (format!("its {guests} guests are"), "their")
        };
        out.push(
            Diagnostic::warning(
                Code::HOST_WITHOUT_HARDWARE,
                format!(
                    "host `{}` declares no hardware, so {guests_text} held to no CPU or memory budget",
                    host.name
                ),
                host.name_span,
                format!("no `hardware` here, unlike {others}"),
            )
            .with_help(format!(
                "declare the machine it is, such as `hardware = MODEL {{ cpus = …, dimms = … }}`; \
                 then {their} vCPUs and memory are checked against it"
            )),
        );
    }
}
