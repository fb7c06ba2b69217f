//! `install.sh`: installs the pinned k3s release on one node the way the k3s
//! documentation does (docs.k3s.io/installation/configuration and
//! docs.k3s.io/reference/env-variables): the official installer from get.k3s.io, fetched
//! when the script runs, with `INSTALL_K3S_VERSION` pinning the release and
//! `INSTALL_K3S_EXEC` choosing `server` or `agent`. The configuration file is in place
//! before the installer starts k3s, so k3s reads it on its first start, and the installer
//! needs no `K3S_URL`/`K3S_TOKEN` since the file names the server and the token file.
//!
//! Every value from the source is shell-quoted; the script checks it runs on the right
//! machine, as root, with the cluster token present, before it changes anything.

use crate::text::{header, shell_quote};
use crate::{keepalived, kube_vip, versions};
use std::fmt::Write;

/// Where k3s reads its configuration file.
pub const CONFIG_PATH: &str = "/etc/rancher/k3s/config.yaml";

/// How the node holds the cluster's API address, besides running k3s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    None,
    /// `kube-vip.yaml` beside the script goes into k3s's static pod folder.
    KubeVip,
    /// keepalived is installed and given the configuration at this path, relative to the
    /// script's folder.
    Keepalived(String),
}

/// What one node's script does.
pub struct Install<'a> {
    pub node: &'a str,
    pub cluster: &'a str,
    pub server: bool,
    pub version: &'a str,
    /// The token file, when the node reads one.
    pub token_file: Option<&'a str>,
    pub holder: Holder,
    /// The lab, for the header.
    pub source: &'a str,
}

/// The script.
pub fn render(install: &Install) -> String {
    let role = if install.server { "server" } else { "agent" };
    let node = shell_quote(install.node);
    let mut out = String::from("#!/usr/bin/env bash\n");
    let mut about = format!(
        "Installs k3s {} on {} as {} of cluster {}: writes {CONFIG_PATH} from config.yaml \
         beside this script, then runs the official installer ({}) with \
         INSTALL_K3S_VERSION and INSTALL_K3S_EXEC={role}.",
        install.version,
        install.node,
        if install.server {
            "a server"
        } else {
            "an agent"
        },
        install.cluster,
        versions::INSTALLER_URL
    );
    match &install.holder {
        Holder::None => {}
        Holder::KubeVip => about.push_str(
            " Before that, kube-vip.yaml, which holds the API address, goes into k3s's static \
             pod folder.",
        ),
        Holder::Keepalived(_) => about.push_str(
            " Then it installs keepalived, which holds the API address, with its \
             configuration.",
        ),
    }
    let paragraphs = [
        about,
        format!("Run it on {} as root: bash install.sh", install.node),
    ];
    out.push_str(&header(&paragraphs, install.source));
    out.push_str("set -euo pipefail\n\n");

    let _ = writeln!(out, "node={node}");
    let _ = writeln!(out, "version={}", shell_quote(install.version));
    out.push_str("here=$(cd \"$(dirname \"${BASH_SOURCE[0]}\")\" && pwd)\n\n");

    out.push_str("fail() {\n  echo \"install.sh: $*\" >&2\n  exit 1\n}\n\n");
    out.push_str(
        "# Installs a Debian package when its command is missing.\n\
         need() { # need COMMAND PACKAGE\n\
         \x20 command -v \"$1\" >/dev/null 2>&1 && return 0\n\
         \x20 command -v apt-get >/dev/null 2>&1 || fail \"$1 is missing; install $2\"\n\
         \x20 apt-get update -q\n\
         \x20 DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \"$2\"\n\
         }\n\n",
    );

    out.push_str("# The files beside this script belong to one machine only.\n");
    out.push_str("host=$(uname -n)\n");
    out.push_str(
        "[ \"${host%%.*}\" = \"$node\" ] ||\n\
         \x20 fail \"this script sets up $node, but this machine is ${host%%.*}; run it on $node\"\n",
    );
    out.push_str("[ \"$(id -u)\" -eq 0 ] || fail \"run it as root: sudo bash $0\"\n");
    if let Some(token) = install.token_file {
        let _ = writeln!(out, "token={}", shell_quote(token));
        out.push_str(
            "[ -s \"$token\" ] ||\n\
             \x20 fail \"the cluster token $token is missing or empty; the secret store provides it before k3s is installed\"\n",
        );
    }
    out.push('\n');

    out.push_str("need curl curl\n");
    out.push_str(
        "# The installer restarts k3s only when its binary or service changed; k3s reads\n\
         # its configuration when it starts, so a new one needs INSTALL_K3S_FORCE_RESTART.\n",
    );
    let _ = writeln!(
        out,
        "restart=false\ncmp -s \"$here/config.yaml\" {CONFIG_PATH} || restart=true"
    );
    let _ = writeln!(
        out,
        "install -D -m 0600 -o root -g root \"$here/config.yaml\" {CONFIG_PATH}"
    );
    if install.holder == Holder::KubeVip {
        let _ = writeln!(
            out,
            "install -D -m 0600 -o root -g root \"$here/kube-vip.yaml\" {}",
            kube_vip::MANIFEST_PATH
        );
    }
    out.push('\n');
    out.push_str("installer=$(mktemp)\n");
    out.push_str("trap 'rm -f \"$installer\"' EXIT\n");
    let _ = writeln!(
        out,
        "curl --fail --silent --show-error --location {} --output \"$installer\"",
        versions::INSTALLER_URL
    );
    let _ = writeln!(
        out,
        "INSTALL_K3S_VERSION=\"$version\" INSTALL_K3S_EXEC={role} \
         INSTALL_K3S_FORCE_RESTART=\"$restart\" \\\n  sh \"$installer\""
    );

    if let Holder::Keepalived(relative) = &install.holder {
        out.push('\n');
        out.push_str("need keepalived keepalived\n");
        let _ = writeln!(
            out,
            "install -D -m 0644 -o root -g root \"$here\"/{} {}",
            shell_quote(relative),
            keepalived::INSTALL_PATH
        );
        out.push_str("systemctl enable keepalived\n");
        out.push_str("systemctl restart keepalived\n");
    }
    out
}
