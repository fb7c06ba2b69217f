//! Compose stacks and Caddy on a Debian or Ubuntu machine: Docker, Compose and Caddy from
//! the distribution, the stacks' files from this build written under
//! `/etc/infrac/compose/<stack>` with a systemd unit per stack that brings it up, and the
//! Caddyfile (`infrac_format_compose::debian`).

use crate::userdata::{CloudConfig, WriteFile};
use infrac_format_compose::debian;
use infrac_model::{MachineId, Model, OsFamily};

/// Packages, files and start commands of the machine's stacks, and the header notes.
pub(crate) fn stacks(
    model: &Model,
    id: MachineId,
    family: OsFamily,
    config: &mut CloudConfig,
    notes: &mut Vec<String>,
) {
    let Some(provision) = debian::provision(model, id, family, "cloud-init") else {
        return;
    };
    config.packages.extend(provision.packages.iter().copied());
    config
        .write_files
        .extend(provision.files.iter().map(|f| WriteFile {
            path: f.path.clone(),
            permissions: f.mode,
            content: f.content.clone(),
            defer: f.after_packages,
        }));
    // write_files runs before the packages are installed (except the deferred ones);
    // the units start once Docker is there, at the end of the first boot.
    config.runcmd.extend(provision.start());
    notes.extend(provision.notes());
    let secrets = provision.secret_files();
    if !secrets.is_empty() {
        notes.push(format!(
            "The stacks read secrets from files the secret store provides, never written \
             here: {}.",
            secrets.join(", ")
        ));
    }
    let nvidia = provision.nvidia_stacks();
    if !nvidia.is_empty() {
        notes.push(format!(
            "Left to the operator: an NVIDIA GPU for the stacks {}, which needs the \
             NVIDIA driver and the NVIDIA Container Toolkit (from NVIDIA's repository, then \
             `nvidia-ctk runtime configure --runtime=docker`); this file installs neither.",
            nvidia.join(", ")
        ));
    }
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
