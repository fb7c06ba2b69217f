//! Logins: every machine whose accounts infrac writes has a way for an administrator to
//! get in (W0451).
//!
//! infrac creates the lab's `user`s, with their SSH keys and, for `sudo = true`,
//! password-less sudo, on NixOS machines and on Debian and Ubuntu machines configured by
//! cloud-init; the accounts have no password. So on those machines the only way in is an
//! SSH key of a user who may use sudo, over an SSH server the machine runs. A Proxmox
//! container is the exception: `pct enter` on its host opens a root shell in it.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::roles::os_family;
use infrac_model::{GuestKind, Machine, MachineId, Model, OsFamily};

/// Every machine infrac writes accounts for that no administrator can log in to.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    model
        .machines()
        .filter_map(|(id, machine)| no_way_in(model, id, machine))
        .collect()
}

/// Whether infrac writes the machine's accounts, and whether the machine needs the `ssh`
/// service declared for an SSH server to run (NixOS enables OpenSSH only then; the
/// Debian and Ubuntu cloud images run it anyway).
fn writes_accounts(model: &Model, id: MachineId, machine: &Machine) -> Option<bool> {
    if machine
        .guest
        .as_ref()
        .is_some_and(|g| g.kind == GuestKind::Lxc)
    {
        return None;
    }
    match os_family(model, id)? {
        OsFamily::Nixos => Some(true),
        OsFamily::Debian | OsFamily::Ubuntu => {
            let image = model.image(machine.os?);
            (machine.guest.is_none() || image.cloud_init).then_some(false)
        }
        OsFamily::Macos | OsFamily::Other => None,
    }
}

fn no_way_in(model: &Model, id: MachineId, machine: &Machine) -> Option<Diagnostic> {
    let needs_ssh_service = writes_accounts(model, id, machine)?;
    let name = &machine.name;
    let with_keys: Vec<_> = model.users.iter().filter(|u| !u.keys.is_empty()).collect();
    let admins: Vec<_> = with_keys.iter().filter(|u| u.sudo).collect();
    let warning = |label: String| {
        Diagnostic::warning(
            Code::NO_WAY_IN,
            format!("no administrator can log in to {name}"),
            machine.name_span,
            label,
        )
        .with_note(
            "the accounts infrac creates have no password: people log in with their SSH keys, \
             and a user with `sudo = true` may use sudo without one",
        )
    };
    if needs_ssh_service && !machine.runs("ssh") {
        return Some(
            warning(format!("{name} runs no SSH server"))
                .with_help(format!("add `ssh` to the services of {name}")),
        );
    }
    if with_keys.is_empty() {
        return Some(
            warning("no user of the lab has an SSH key".into()).with_help(
                "declare a `user` with `keys = [...]`, a line of your `~/.ssh/id_ed25519.pub`, \
                 and `sudo = true`",
            ),
        );
    }
    if admins.is_empty() {
        let first = with_keys[0];
        return Some(
            warning(format!(
                "{} can log in, but no user with a key may use sudo",
                with_keys
                    .iter()
                    .map(|u| u.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .with_label(first.span, "may not use sudo")
            .with_help(format!("add `sudo = true` to user {}", first.name)),
        );
    }
    None
}
