//! Compose stacks on a Debian or Ubuntu machine: Docker and Compose from the
//! distribution, the stacks' files from this build written under
//! `/etc/infrac/compose/<stack>`, and a systemd unit per stack that brings it up.

use crate::userdata::{CloudConfig, WriteFile};
use infrac_model::{ComposeGpu, MachineId, Model, OsFamily, StackUnit};

/// The engine, from the distribution's own archive (Docker Inc.'s repository is not
/// needed): `docker.io` in Debian main and Ubuntu universe.
const ENGINE: &str = "docker.io";
/// NFS volumes are mounted by the engine's local driver with the kernel's NFS client;
/// `nfs-common` brings the helpers (`mount.nfs`, `rpc.statd` for NFSv3 locking).
const NFS_CLIENT: &str = "nfs-common";

/// Compose from the distribution, and how to call it.
///
/// - Debian: `docker-compose` in main; bookworm has Compose 1.29.2 (the Python
///   implementation), trixie Compose v2, whose package installs both
///   `/usr/bin/docker-compose` and the `docker compose` plugin
///   (packages.debian.org/trixie/docker-compose/filelist). `/usr/bin/docker-compose`
///   works on both.
/// - Ubuntu 24.04 and 26.04: `docker-compose-v2` in universe (2.24.6 on noble, 2.40.3 on
///   resolute; packages.ubuntu.com/noble/docker-compose-v2), the `docker compose` plugin
///   at `/usr/libexec/docker/cli-plugins/docker-compose`, depending on `docker.io`.
fn compose(family: OsFamily) -> (&'static str, &'static str) {
    match family {
        OsFamily::Ubuntu => ("docker-compose-v2", "/usr/bin/docker compose"),
        _ => ("docker-compose", "/usr/bin/docker-compose"),
    }
}

/// Packages, files and start commands of the machine's stacks, and the header notes.
pub(crate) fn stacks(
    model: &Model,
    id: MachineId,
    family: OsFamily,
    config: &mut CloudConfig,
    notes: &mut Vec<String>,
) {
    let units = model.stack_units(id);
    if units.is_empty() {
        return;
    }
    let (package, command) = compose(family);
    config.packages.insert(ENGINE);
    config.packages.insert(package);
    if units.iter().any(|u| u.nfs) {
        config.packages.insert(NFS_CLIENT);
    }
    for unit in &units {
        let (compose_yaml, env) = infrac_format_compose::render_stack(model, unit.stack);
        config.write_files.push(WriteFile {
            path: format!("{}/compose.yaml", unit.folder),
            permissions: "0644",
            content: compose_yaml,
        });
        // It names secret files, never their contents.
        config.write_files.push(WriteFile {
            path: format!("{}/.env", unit.folder),
            permissions: "0644",
            content: env,
        });
        config.write_files.push(WriteFile {
            path: format!("/etc/systemd/system/{}.service", unit.unit),
            permissions: "0644",
            content: unit_file(unit, command),
        });
    }
    // write_files runs before the packages are installed; the units start once Docker
    // is there, at the end of the first boot.
    config
        .runcmd
        .push(vec!["systemctl".into(), "daemon-reload".into()]);
    let mut enable: Vec<String> = vec!["systemctl".into(), "enable".into(), "--now".into()];
    enable.extend(units.iter().map(|u| format!("{}.service", u.unit)));
    config.runcmd.push(enable);
    let names: Vec<String> = units
        .iter()
        .map(|u| format!("{} ({}.service, from {})", u.stack.name, u.unit, u.folder))
        .collect();
    notes.push(format!(
        "Compose stacks run by Docker: {}. Each unit runs `{command} up -d \
         --remove-orphans` in its folder; `systemctl reload` applies a changed compose.yaml.",
        names.join(", ")
    ));
    let mut secrets: Vec<String> = Vec::new();
    for unit in &units {
        for (_, secret) in unit.stack.services.iter().flat_map(|s| &s.secret_env) {
            let file = infrac_model::layout::secret_file(secret);
            if !secrets.contains(&file) {
                secrets.push(file);
            }
        }
    }
    if !secrets.is_empty() {
        notes.push(format!(
            "The stacks read secrets from files the secret store provides, never written \
             here: {}.",
            secrets.join(", ")
        ));
    }
    let nvidia: Vec<&str> = units
        .iter()
        .filter(|u| {
            u.stack
                .services
                .iter()
                .any(|s| s.gpu == Some(ComposeGpu::Nvidia))
        })
        .map(|u| u.stack.name.as_str())
        .collect();
    if !nvidia.is_empty() {
        notes.push(format!(
            "Left to the operator: an NVIDIA GPU for the stacks {}, which needs the \
             NVIDIA driver and the NVIDIA Container Toolkit (from NVIDIA's repository, then \
             `nvidia-ctk runtime configure --runtime=docker`); this file installs neither.",
            nvidia.join(", ")
        ));
    }
}

/// The systemd unit of one stack: a oneshot that stays active while the stack is up,
/// after Docker, the network and the file systems its bind mounts live on.
fn unit_file(unit: &StackUnit, command: &str) -> String {
    // network-online: the engine mounts the stack's NFS volumes itself when a container
    // starts, and images are pulled from registries.
    let after = ["docker.service", "network-online.target"];
    let mut text = format!(
        "# Compose stack {name}, written by cloud-init from infrac's build.\n\
         [Unit]\n\
         Description=Compose stack {name}\n\
         Requires=docker.service\n\
         After={after}\n\
         Wants=network-online.target\n",
        name = unit.stack.name,
        after = after.join(" "),
    );
    for path in unit.requires_mounts_for() {
        text.push_str(&format!("RequiresMountsFor={path}\n"));
    }
    text.push_str(&format!(
        "\n[Service]\n\
         Type=oneshot\n\
         RemainAfterExit=yes\n\
         WorkingDirectory={folder}\n\
         ExecStart={command} --env-file .env up -d --remove-orphans\n\
         ExecReload={command} --env-file .env up -d --remove-orphans\n\
         ExecStop={command} --env-file .env down\n\
         \n[Install]\n\
         WantedBy=multi-user.target\n",
        folder = unit.folder,
    ));
    text
}

#[cfg(test)]
mod tests {
    use crate::userdata::cloud_config;
    use infrac_model::OsFamily;

    #[test]
    fn a_machine_with_stacks_gets_the_compose_targets_files_and_a_started_unit() {
        let model = infrac_testkit::load("tests/fixtures/build/cloudinit-compose.infra");
        let compose = infrac_testkit::emit(&infrac_target_compose::ComposeTarget, &model);
        for (machine, family, stack, command, package) in [
            (
                "deb",
                OsFamily::Debian,
                "photos",
                "/usr/bin/docker-compose",
                "docker-compose",
            ),
            (
                "ubu",
                OsFamily::Ubuntu,
                "monitoring",
                "/usr/bin/docker compose",
                "docker-compose-v2",
            ),
        ] {
            let (id, _) = model
                .machines()
                .find(|(_, m)| m.name == machine)
                .unwrap_or_else(|| panic!("no machine {machine}"));
            let (config, _) = cloud_config(&model, id, family);
            assert!(config.packages.contains("docker.io") && config.packages.contains(package));
            let content = |path: &str| {
                config
                    .write_files
                    .iter()
                    .find(|f| f.path == path)
                    .map(|f| f.content.clone())
                    .unwrap_or_else(|| panic!("{machine}: no {path} written"))
            };
            // The same texts the compose target writes, byte for byte.
            for name in ["compose.yaml", ".env"] {
                assert_eq!(
                    content(&format!("/etc/infrac/compose/{stack}/{name}")),
                    infrac_testkit::file(&compose, &format!("compose/{machine}/{stack}/{name}")),
                    "{machine}: {name}"
                );
            }
            let unit = content(&format!("/etc/systemd/system/compose-{stack}.service"));
            assert!(unit.contains(&format!("WorkingDirectory=/etc/infrac/compose/{stack}\n")));
            assert!(unit.contains(&format!(
                "ExecStart={command} --env-file .env up -d --remove-orphans\n"
            )));
            assert!(unit.contains("Requires=docker.service\n"));
            assert!(unit.contains("After=docker.service network-online.target\n"));
            assert!(config.runcmd.contains(&vec![
                "systemctl".to_string(),
                "enable".into(),
                "--now".into(),
                format!("compose-{stack}.service"),
            ]));
        }
        // A bind mount's folder is waited for, quoted and with `%` doubled for systemd.
        let (id, _) = model
            .machines()
            .find(|(_, m)| m.name == "deb")
            .unwrap_or_else(|| panic!("no machine deb"));
        let (config, _) = cloud_config(&model, id, OsFamily::Debian);
        assert!(config.write_files.iter().any(|f| f
            .content
            .contains("RequiresMountsFor=\"/mnt/appdata/immich \\\"db\\\" 100%%\"\n")));
    }

    #[test]
    fn a_machine_without_stacks_gets_no_engine() {
        let model = infrac_testkit::load("tests/fixtures/build/cloudinit-compose.infra");
        let (id, _) = model
            .machines()
            .find(|(_, m)| m.name == "nas")
            .unwrap_or_else(|| panic!("no machine nas"));
        let (config, _) = cloud_config(&model, id, OsFamily::Debian);
        assert!(!config.packages.contains("docker.io"));
        // Its NFS exports file only.
        assert!(config
            .write_files
            .iter()
            .all(|f| !f.path.starts_with("/etc/infrac") && !f.path.ends_with(".service")));
    }
}
