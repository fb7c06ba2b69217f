//! The lab's users on Proxmox guests: created by cloud-init from a user-data snippet in a
//! cloud-image VM, and by a shell script run with `pct exec` in a Debian or Ubuntu
//! container. Both give SSH-key logins only (no password) and password-less sudo to the
//! users declared with `sudo = true`, the same accounts the cloud-init target creates on
//! other machines.

use crate::quote::{comment_safe, shell_quote};
use infrac_format_compose::debian::Provision;
use infrac_model::{Machine, Model, User};
use serde::Serialize;

/// The storage cicustom snippets are kept in: Proxmox's `local` directory storage.
pub(crate) const SNIPPET_STORAGE: &str = "local";
/// Where `local` keeps snippets on the node.
const SNIPPET_DIR: &str = "/var/lib/vz/snippets";

/// The sudoers rule of a sudo user; the account has no password to type.
const SUDO_RULE: &str = "ALL=(ALL) NOPASSWD:ALL";

/// A cloud-init user-data snippet of a VM.
#[derive(Debug)]
pub(crate) struct Snippet {
    /// The storage it lives in.
    pub storage: &'static str,
    /// Its path on the node, quoted.
    pub path: String,
    /// Its contents, quoted.
    pub content: String,
    /// What to do when the storage does not take snippets, quoted.
    pub missing: String,
    /// `user=local:snippets/FILE`, for `--cicustom`.
    pub cicustom: String,
    /// The unquoted contents, also written as an artifact for the validator.
    pub text: String,
    /// The file name.
    pub file: String,
}

/// One account of the user data.
#[derive(Serialize)]
struct Account<'a> {
    name: &'a str,
    shell: &'static str,
    lock_passwd: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    sudo: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<String>,
    ssh_authorized_keys: Vec<&'a str>,
}

/// The image's default user first, then the lab's.
#[derive(Serialize)]
#[serde(untagged)]
enum Entry<'a> {
    Default(&'static str),
    Account(Account<'a>),
}

/// The cloud-config of the snippet.
#[derive(Serialize)]
struct CloudConfig<'a> {
    hostname: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fqdn: Option<String>,
    manage_etc_hosts: bool,
    ssh_pwauth: bool,
    /// Groups the users join, created first (cloud-init's `groups`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    groups: Vec<&'a str>,
    users: Vec<Entry<'a>>,
    packages: Vec<&'static str>,
    /// Written before the packages are installed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    write_files: Vec<WriteFile>,
    /// Run once, at the end of the first boot, after the packages.
    runcmd: Vec<Vec<String>>,
}

/// One file of cloud-init's `write_files`.
#[derive(Serialize)]
struct WriteFile {
    path: String,
    permissions: &'static str,
    content: String,
    /// Written after the packages (cloud-init's `write_files_deferred`): a package's
    /// conffile.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    defer: bool,
}

/// The user-data snippet of a cloud-image VM with the lab's users and the machine's
/// Compose stacks and Caddy, or `None` when there are none of these (Proxmox's own user data then serves,
/// with the image's default user).
pub(crate) fn user_data(
    model: &Model,
    machine: &Machine,
    vmid: u32,
    stacks: Option<&Provision>,
) -> Option<Snippet> {
    if model.users.is_empty() && stacks.is_none() {
        return None;
    }
    let domain = model.site(machine.site).domain.as_deref();
    let mut users = vec![Entry::Default("default")];
    users.extend(model.users.iter().map(|user| {
        Entry::Account(Account {
            name: &user.name,
            shell: "/bin/bash",
            lock_passwd: true,
            sudo: user.sudo.then_some(SUDO_RULE),
            groups: account_groups(user),
            ssh_authorized_keys: user.keys.iter().map(|k| k.value.as_str()).collect(),
        })
    }));
    let mut packages = vec!["qemu-guest-agent"];
    let mut write_files = Vec::new();
    let mut runcmd: Vec<Vec<String>> = vec![vec![
        "systemctl".into(),
        "enable".into(),
        "--now".into(),
        "qemu-guest-agent".into(),
    ]];
    let mut parts = Vec::new();
    if !model.users.is_empty() {
        parts.push("the lab's users by SSH key");
    }
    parts.push("the QEMU guest agent");
    if let Some(stacks) = stacks {
        if !stacks.units.is_empty() {
            parts.push("Docker and the Compose stacks");
        }
        if stacks.caddy {
            parts.push("Caddy");
        }
        packages.extend(stacks.packages.iter().copied());
        write_files.extend(stacks.files.iter().map(|f| WriteFile {
            path: f.path.clone(),
            permissions: f.mode,
            content: f.content.clone(),
            defer: f.after_packages,
        }));
        // write_files runs before the packages are installed (except the deferred
        // ones); the units start once Docker is there.
        runcmd.extend(stacks.start());
    }
    let config = CloudConfig {
        hostname: &machine.name,
        fqdn: domain.map(|d| format!("{}.{d}", machine.name)),
        manage_etc_hosts: true,
        ssh_pwauth: false,
        groups: declared_groups(&model.users),
        users,
        packages,
        write_files,
        runcmd,
    };
    let file = format!(
        "infrac-{vmid}-{}.user-data",
        infrac_model::layout::segment(&machine.name)
    );
    let header = format!(
        "#cloud-config\n# User data of VM {vmid} {}: {}.\n# Generated by infrac from {}. Do not \
         edit.\n",
        comment_safe(&machine.name),
        parts.join(", "),
        comment_safe(&model.source)
    );
    let text = yaml(&header, &config);
    let path = format!("{SNIPPET_DIR}/{file}");
    Some(Snippet {
        storage: SNIPPET_STORAGE,
        path: shell_quote(&path),
        content: shell_quote(&text),
        missing: shell_quote(&format!(
            "the {SNIPPET_STORAGE} storage does not take snippets, which the VM's user data \
             is one of: add `snippets` to its content types (pvesm set {SNIPPET_STORAGE} \
             --content <its current types>,snippets) or use infrac's storage.cfg"
        )),
        cicustom: format!("user={SNIPPET_STORAGE}:snippets/{file}"),
        text,
        file,
    })
}

/// A user's supplementary groups for cloud-init (`sudo` first for a sudo user), as the
/// comma-separated list `users[].groups` takes.
fn account_groups(user: &User) -> Option<String> {
    let mut groups: Vec<&str> = Vec::new();
    if user.sudo {
        groups.push("sudo");
    }
    for group in &user.groups {
        if !groups.contains(&group.value.as_str()) {
            groups.push(&group.value);
        }
    }
    (!groups.is_empty()).then(|| groups.join(","))
}

/// Every group a user declares, once, in declaration order.
fn declared_groups(users: &[User]) -> Vec<&str> {
    let mut groups: Vec<&str> = Vec::new();
    for group in users.iter().flat_map(|u| &u.groups) {
        if !groups.contains(&group.value.as_str()) {
            groups.push(&group.value);
        }
    }
    groups
}

/// The document after its header comments.
fn yaml<T: Serialize>(header: &str, value: &T) -> String {
    let options = serde_saphyr::ser_options! {
        compact_list_indent: false,
        prefer_block_scalars: false,
    };
    let body = match serde_saphyr::to_string_with_options(value, options) {
        Ok(body) => body,
        // Plain structs of strings and lists always serialise; should one ever not, the
        // file says so instead of being silently empty (and fails its validator).
        Err(e) => format!("# cannot serialise this file: {e}\n"),
    };
    format!("{header}{body}")
}

/// The shell script (quoted, for `pct exec VMID -- sh -c`) that creates the lab's users in
/// a Debian or Ubuntu container, or `None` when the lab declares none. It is idempotent:
/// it creates a missing account, replaces the keys and the sudo rule, and installs sudo
/// (the standard templates lack it) only when a user needs it.
pub(crate) fn container_script(users: &[User]) -> Option<String> {
    if users.is_empty() {
        return None;
    }
    let mut script = String::from("set -e\n");
    if users.iter().any(|u| u.sudo) {
        script.push_str(
            "command -v sudo >/dev/null 2>&1 || { apt-get update && \
             DEBIAN_FRONTEND=noninteractive apt-get install -y sudo; }\n",
        );
    }
    for user in users {
        // Sema accepts only valid Linux user names, so the name needs no quoting; it is
        // quoted anyway so no value reaches the shell unquoted.
        let name = shell_quote(&user.name);
        let home = shell_quote(&format!("/home/{}", user.name));
        script.push_str(&format!(
            "id -u {name} >/dev/null 2>&1 || useradd -m -s /bin/bash {name}\n\
             passwd -l {name} >/dev/null\n\
             install -d -m 700 -o {name} -g {name} {home}/.ssh\n"
        ));
        for group in &user.groups {
            // Sema accepts only valid group names; quoted all the same.
            let group = shell_quote(&group.value);
            script.push_str(&format!(
                "getent group {group} >/dev/null || groupadd {group}\nusermod -a -G {group} {name}\n"
            ));
        }
        let keys: Vec<String> = user.keys.iter().map(|k| shell_quote(&k.value)).collect();
        script.push_str(&format!(
            "printf '%s\\n' {} >{home}/.ssh/authorized_keys\n\
             chown {name}: {home}/.ssh/authorized_keys\n\
             chmod 600 {home}/.ssh/authorized_keys\n",
            keys.join(" ")
        ));
        let sudoers = shell_quote(&format!("/etc/sudoers.d/infrac-{}", user.name));
        if user.sudo {
            let rule = shell_quote(&format!("{} {SUDO_RULE}", user.name));
            script.push_str(&format!(
                "printf '%s\\n' {rule} >{sudoers}\nchmod 440 {sudoers}\n"
            ));
        } else {
            script.push_str(&format!("rm -f {sudoers}\n"));
        }
    }
    Some(shell_quote(&script))
}

#[cfg(test)]
mod tests {
    use super::*;
    use infrac_model::{Span, Spanned};

    fn user(name: &str, sudo: bool, keys: &[&str]) -> User {
        User {
            name: name.into(),
            doc: None,
            keys: keys
                .iter()
                .map(|k| Spanned::new(k.to_string(), Span::default()))
                .collect(),
            sudo,
            groups: vec![Spanned::new("docker".to_string(), Span::default())],
            span: Span::default(),
        }
    }

    /// The container script, unquoted by bash and run against a scratch root: accounts,
    /// keys and sudo rules end up where they belong. `useradd` and friends are stubbed,
    /// so this checks the script's logic, not Debian's tools.
    #[test]
    fn container_script_is_one_shell_word_with_every_user() {
        let users = [
            user("alice", true, &["ssh-ed25519 AAAAC3Nz alice@laptop"]),
            user(
                "bob",
                false,
                &["ssh-ed25519 AAAAC3Nz b", "ssh-rsa AAAAB3 \"$(x)\""],
            ),
        ];
        let quoted = container_script(&users).unwrap_or_default();
        let output = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!("printf '%s' {quoted}"))
            .output()
            .unwrap_or_else(|e| panic!("bash: {e}"));
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(script.contains("apt-get install -y sudo"), "{script}");
        assert!(script.contains("useradd -m -s /bin/bash alice"), "{script}");
        assert!(
            script.contains("\"alice ALL=(ALL) NOPASSWD:ALL\""),
            "{script}"
        );
        assert!(
            script.contains("rm -f /etc/sudoers.d/infrac-bob"),
            "{script}"
        );
        assert!(
            script.contains(
                "getent group docker >/dev/null || groupadd docker\nusermod -a -G docker bob"
            ),
            "{script}"
        );
        assert!(
            script.contains("\"ssh-rsa AAAAB3 \\\"\\$(x)\\\"\""),
            "{script}"
        );
        assert!(container_script(&[]).is_none());
    }
}
