//! Compose stacks and Caddy on Proxmox guests: Docker, Compose, Caddy and their files, the
//! same ones the cloud-init target places on other Debian and Ubuntu machines
//! (`infrac_format_compose::debian`). A cloud-image VM gets them from its user-data
//! snippet at the first boot; a container from a script run with `pct exec`, with the
//! `keyctl` feature Docker needs in an unprivileged container. A NixOS guest gets its
//! stacks from its configuration.

use crate::guest::{Context, GuestScript, NOTE_WIDTH};
use crate::quote::{shell_quote, wrap};
use infrac_format_compose::debian::{self, Provision};
use infrac_model::{GuestKind, OsFamily};

/// What the guest needs for its stacks and Caddy, when it runs either on Debian or
/// Ubuntu.
pub(crate) fn provision<'a>(ctx: &Context<'a>) -> Option<Provision<'a>> {
    let family = ctx.image.map(|i| i.os_family())?;
    if !matches!(family, OsFamily::Debian | OsFamily::Ubuntu) {
        return None;
    }
    let by = match ctx.guest.kind {
        GuestKind::Vm => "cloud-init",
        GuestKind::Lxc => "the Proxmox guest script",
    };
    debian::provision(ctx.model, ctx.id, family, by)
}

/// Whether the container needs `keyctl`: Docker in an unprivileged container does
/// (pve-container `src/PVE/LXC/Config.pm`, `$features_desc`: keyctl is "For unprivileged
/// containers only: Allow the use of the keyctl() system call. This is required to use
/// docker inside a container."). Nesting, which Docker needs too, sema requires.
pub(crate) fn needs_keyctl(ctx: &Context) -> bool {
    ctx.guest.kind == GuestKind::Lxc && ctx.guest.unprivileged && ctx.model.runs_stacks(ctx.id)
}

/// The header notes of a guest with stacks or Caddy: how they get there, what is left.
pub(crate) fn notes(ctx: &Context, provision: Option<&Provision>, script: &mut GuestScript) {
    let stacks = ctx.model.runs_stacks(ctx.id);
    let caddy = infrac_model::proxy::runs_caddy_on(ctx.model, ctx.id);
    if !stacks && !caddy {
        return;
    }
    let Some(provision) = provision else {
        let what = match (stacks, caddy) {
            (true, true) => "Compose stacks and Caddy for a reverse proxy",
            (true, false) => "Compose stacks",
            _ => "Caddy for a reverse proxy",
        };
        // A NixOS guest runs its stacks from its configuration; Caddy it does not get.
        if !ctx.is_nixos() || caddy {
            script.notes.push(wrap(
                &format!(
                    "Left to the operator: this guest runs {what}, but infrac installs them \
                     only in Debian and Ubuntu guests (from a cloud image for a VM), and \
                     stacks in NixOS guests; install them and copy their files from the \
                     build's compose/ and caddy/ folders."
                ),
                NOTE_WIDTH,
            ));
        }
        return;
    };
    let how = match ctx.guest.kind {
        GuestKind::Vm => {
            "The user-data snippet installs them from the distribution and places their \
             files at the first boot only; later changes are applied by copying them in and \
             running `systemctl reload` on the unit."
        }
        GuestKind::Lxc if stacks => {
            "They are installed in the container with `pct exec` and their files written \
             there; each run of this script rewrites them and reloads the units of a running \
             container. Docker needs nesting in a container, and keyctl in an unprivileged \
             one."
        }
        GuestKind::Lxc => {
            "It is installed in the container with `pct exec` and its file written there; \
             each run of this script rewrites it and reloads Caddy in a running container."
        }
    };
    let mut text = provision.notes().join(" ");
    text.push(' ');
    text.push_str(how);
    script.notes.push(wrap(&text, NOTE_WIDTH));
    let secrets = provision.secret_files();
    if !secrets.is_empty() {
        script.notes.push(wrap(
            &format!(
                "The stacks read secrets from files the secret store provides, never written \
                 here: {}.",
                secrets.join(", ")
            ),
            NOTE_WIDTH,
        ));
    }
    let nvidia = provision.nvidia_stacks();
    if !nvidia.is_empty() {
        script.notes.push(wrap(
            &format!(
                "Left to the operator: an NVIDIA GPU for the stacks {}, which needs the NVIDIA \
                 driver and the NVIDIA Container Toolkit (from NVIDIA's repository, then \
                 `nvidia-ctk runtime configure --runtime=docker`).",
                nvidia.join(", ")
            ),
            NOTE_WIDTH,
        ));
    }
}

/// The shell script (quoted, for `pct exec VMID -- sh -c`) that installs the engine and
/// Caddy in a Debian or Ubuntu container, writes their files and starts or reloads them.
/// It is idempotent: apt runs only for a missing package, each file is replaced whole
/// (after the packages, so no conffile prompt), and a running stack is reloaded.
pub(crate) fn container_script(provision: &Provision) -> String {
    let mut script = String::from("set -e\nmissing=\n");
    let packages: Vec<String> = provision.packages.iter().map(|p| shell_quote(p)).collect();
    script.push_str(&format!(
        "for p in {}; do\n  \
         dpkg-query -W -f='${{Status}}' \"$p\" 2>/dev/null | grep -q 'ok installed' || missing=\"$missing $p\"\n\
         done\n\
         if [ -n \"$missing\" ]; then\n  \
         apt-get update\n  \
         DEBIAN_FRONTEND=noninteractive apt-get install -y $missing\n\
         fi\n",
        packages.join(" ")
    ));
    for file in &provision.files {
        let path = shell_quote(&file.path);
        let tmp = shell_quote(&format!("{}.tmp", file.path));
        let dir = shell_quote(file.path.rsplit_once('/').map_or("/", |(d, _)| d));
        script.push_str(&format!(
            "mkdir -p {dir}\n\
             printf '%s' {} >{tmp}\n\
             chmod {} {tmp}\n\
             mv {tmp} {path}\n",
            shell_quote(&file.content),
            file.mode,
        ));
    }
    for command in provision.start() {
        let words: Vec<String> = command.iter().map(|w| shell_quote(w)).collect();
        script.push_str(&words.join(" "));
        script.push('\n');
    }
    // A running stack picks up a changed compose.yaml (`up -d` recreates only changed
    // containers); `enable --now` leaves an active unit alone.
    let units: Vec<String> = provision
        .units
        .iter()
        .map(|u| shell_quote(&format!("{}.service", u.unit)))
        .collect();
    if !units.is_empty() {
        script.push_str(&format!("systemctl reload {}\n", units.join(" ")));
    }
    shell_quote(&script)
}

#[cfg(test)]
mod tests {
    use infrac_format_compose::debian;
    use infrac_model::OsFamily;

    /// The container script, unquoted by bash: one shell word that installs the packages,
    /// writes every file byte for byte and starts the units; `sh -n` accepts it.
    #[test]
    fn container_script_writes_the_shared_files() {
        let model = infrac_testkit::load("tests/fixtures/build/proxmox-stacks.infra");
        let (id, _) = model
            .machines()
            .find(|(_, m)| m.name == "media")
            .unwrap_or_else(|| panic!("no machine media"));
        let provision = debian::provision(&model, id, OsFamily::Debian, "test")
            .unwrap_or_else(|| panic!("media runs a stack"));
        let quoted = super::container_script(&provision);
        let output = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!("printf '%s' {quoted}"))
            .output()
            .unwrap_or_else(|e| panic!("bash: {e}"));
        let script = String::from_utf8_lossy(&output.stdout).to_string();
        assert!(
            script.contains("for p in docker.io docker-compose caddy; do"),
            "{script}"
        );
        assert!(script.contains("systemctl enable --now compose-jellyfin.service\n"));
        assert!(script.contains("systemctl reload-or-restart caddy.service\n"));
        assert!(script.contains("systemctl reload compose-jellyfin.service\n"));
        for file in &provision.files {
            assert!(script.contains(&format!("mv {}.tmp {}\n", file.path, file.path)));
        }
        let check = std::process::Command::new("sh")
            .arg("-n")
            .arg("-c")
            .arg(&script)
            .status()
            .unwrap_or_else(|e| panic!("sh: {e}"));
        assert!(check.success(), "{script}");
        // Run against a scratch root with the tools stubbed: every file lands, whole.
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let bin = root.path().join("bin");
        std::fs::create_dir(&bin).unwrap_or_else(|e| panic!("bin: {e}"));
        for (tool, body) in [
            ("dpkg-query", "echo 'install ok installed'"),
            ("systemctl", "true"),
        ] {
            let path = bin.join(tool);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n"))
                .unwrap_or_else(|e| panic!("{tool}: {e}"));
            let chmod = std::process::Command::new("chmod")
                .arg("755")
                .arg(&path)
                .status()
                .unwrap_or_else(|e| panic!("chmod: {e}"));
            assert!(chmod.success());
        }
        let scratch = root.path().display().to_string();
        // Only the commands' paths move to the scratch root, never the files' texts.
        let rooted: String = script
            .lines()
            .map(|line| {
                let line = if ["mkdir -p /", "chmod ", "mv /"]
                    .iter()
                    .any(|c| line.starts_with(c))
                {
                    line.replace(" /etc/", &format!(" {scratch}/etc/"))
                } else {
                    line.to_string()
                };
                line.replace(">/etc/", &format!(">{scratch}/etc/")) + "\n"
            })
            .collect();
        let run = std::process::Command::new("sh")
            .arg("-c")
            .arg(&rooted)
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    bin.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .output()
            .unwrap_or_else(|e| panic!("sh: {e}"));
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        for file in &provision.files {
            let written =
                std::fs::read_to_string(format!("{}{}", root.path().display(), file.path))
                    .unwrap_or_else(|e| panic!("{}: {e}", file.path));
            assert_eq!(written, file.content, "{}", file.path);
        }
    }
}
