//! `apply.sh` and the guest scripts run for real against stand-ins for the Proxmox tools:
//! `uname` says which node this is, `ssh` runs a command as another node would, and
//! `qm`, `pct`, `pveam` and `pvesm` log what they are asked and answer like Proxmox.
//! This proves what the scripts do on a cluster: each guest is created on its own node,
//! one failing guest does not stop the others, the summary names every guest and the
//! exit status says something failed, a script refuses another node, and settings that
//! wait for a restart are reported.

mod common;

use common::{analyse, emit, write_all};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The stand-ins. Every call is appended to `$FAKE_LOG` as `NODE TOOL ARGS…`.
const FAKES: &[(&str, &str)] = &[
    ("uname", "#!/bin/sh\necho \"$FAKE_NODE.lab.home.arpa\"\n"),
    (
        "ssh",
        // ssh -o BatchMode=yes root@NODE COMMAND: the command runs as NODE would run it.
        "#!/bin/sh\necho \"$FAKE_NODE ssh $*\" >>\"$FAKE_LOG\"\nnode=${3#root@}\n\
         FAKE_NODE=$node exec sh -c \"$4\"\n",
    ),
    (
        "qm",
        "#!/bin/sh\necho \"$FAKE_NODE qm $*\" >>\"$FAKE_LOG\"\ncase \"$1\" in\n\
         status) case \" $FAKE_EXISTING \" in *\" $2 \"*) echo 'status: running' ;; *) exit 2 ;; esac ;;\n\
         pending) echo 'cur cores: 2'; [ -n \"$FAKE_PENDING\" ] && printf 'new memory: 4096\\ndel balloon: 1024\\n' ;;\n\
         esac\nexit 0\n",
    ),
    (
        "pct",
        "#!/bin/sh\necho \"$FAKE_NODE pct $*\" >>\"$FAKE_LOG\"\ncase \"$1\" in\n\
         status) case \" $FAKE_EXISTING \" in *\" $2 \"*) echo 'status: running' ;; *) exit 2 ;; esac ;;\n\
         pending) echo 'cur cores: 1' ;;\n\
         esac\nexit 0\n",
    ),
    (
        "pveam",
        "#!/bin/sh\necho \"$FAKE_NODE pveam $*\" >>\"$FAKE_LOG\"\ncase \"$1\" in\n\
         available) printf '%-15s %-60s %s\\n' system debian-12-standard_12.12-1_amd64.tar.zst amd64 \
         system debian-13-standard_13.6-1_amd64.tar.zst amd64 \
         system debian-13-standard_13.10-1_amd64.tar.zst amd64 \
         system debian-13-standard_13.9-1_amd64.tar.zst amd64 ;;\n\
         list) echo 'NAME SIZE' ;;\n\
         esac\nexit 0\n",
    ),
];

/// The lab's build, with stand-ins on the path.
struct Rig {
    _dir: tempfile::TempDir,
    out: PathBuf,
    bin: PathBuf,
    log: PathBuf,
}

impl Rig {
    fn new(lab: &str) -> Rig {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let out = dir.path().join("out");
        write_all(&out, &emit(&analyse(lab)));
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap_or_else(|e| panic!("mkdir: {e}"));
        for (name, body) in FAKES {
            let path = bin.join(name);
            std::fs::write(&path, body).unwrap_or_else(|e| panic!("write {name}: {e}"));
            chmod_x(&path);
        }
        let log = dir.path().join("calls.log");
        std::fs::write(&log, "").unwrap_or_else(|e| panic!("log: {e}"));
        Rig {
            out,
            bin,
            log,
            _dir: dir,
        }
    }

    /// Runs `script` (relative to `proxmox/`) with `args` as node `node`.
    fn run(&self, node: &str, script: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = Command::new("bash");
        command
            .arg(self.out.join("proxmox").join(script))
            .args(args)
            .env("PATH", path)
            .env("FAKE_NODE", node)
            .env("FAKE_LOG", &self.log)
            .env("FAKE_EXISTING", "")
            .env("FAKE_PENDING", "");
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().unwrap_or_else(|e| panic!("bash: {e}"))
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

#[cfg(unix)]
fn chmod_x(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("chmod: {e}"));
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const LAB: &str = "tests/fixtures/build/proxmox-two-nodes.infra";

#[test]
fn apply_creates_each_guest_on_its_node_and_goes_on_after_a_failure() {
    let rig = Rig::new(LAB);
    let output = rig.run("pve1", "apply.sh", &[], &[]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    // The macOS VM lacks its OpenCore image on this machine: it fails, the rest go on.
    assert!(
        all.contains("FAILED  100 mac on pve1: failed: missing /var/lib/vz/template/iso/opencore-osx-proxmox-vm.iso"),
        "{all}"
    );
    assert!(all.contains("ok      101 plain on pve1: created"), "{all}");
    // The cloud image VM needs the snippets content type for its users' user data, and
    // the NixOS VM its image, built elsewhere: both say so and name the fix.
    assert!(
        all.contains("FAILED  102 web on pve1: failed: the local storage does not take snippets"),
        "{all}"
    );
    assert!(
        all.contains("FAILED  103 nix on pve1: failed: missing /var/lib/vz/import/nixos-nix.qcow2: build it from this build's folder on a machine with Nix: NIXOS_CONFIG=$PWD/nixos/nix/configuration.nix nixos-rebuild build-image --image-variant qemu"),
        "{all}"
    );
    assert!(all.contains("ok      1100 tools on pve2: created"), "{all}");
    assert!(all.contains("3 of 5 guests failed"), "{all}");
    let calls = rig.calls();
    // The VM is created on pve1, locally; the container on pve2, through SSH.
    assert!(calls.contains("pve1 qm create 101 --name plain"), "{calls}");
    assert!(
        calls.contains("pve1 ssh -o BatchMode=yes root@pve2 "),
        "{calls}"
    );
    assert!(!calls.contains("pve1 pct create"), "{calls}");
    // The template is the newest Debian 13 one in the index, not the pinned 13.6-1.
    assert!(
        calls.contains("pve2 pveam download local debian-13-standard_13.10-1_amd64.tar.zst"),
        "{calls}"
    );
    assert!(
        calls
            .contains("pve2 pct create 1100 local:vztmpl/debian-13-standard_13.10-1_amd64.tar.zst"),
        "{calls}"
    );
    // The container is started to create the users (they are in one `sh -c` script).
    assert!(calls.contains("pve2 pct start 1100"), "{calls}");
    assert!(
        calls.contains("pve2 pct exec 1100 -- sh -c set -e"),
        "{calls}"
    );
    assert!(calls.contains("useradd -m -s /bin/bash alice"), "{calls}");
    // Nothing was attempted for the macOS VM.
    assert!(!calls.contains("qm create 100"), "{calls}");
}

#[test]
fn a_guest_script_refuses_another_node() {
    let rig = Rig::new(LAB);
    let output = rig.run("pve1", "1100-tools.sh", &[], &[]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(3), "{all}");
    assert!(
        all.contains("refusing to run on pve1: container 1100 belongs on node pve2"),
        "{all}"
    );
    assert!(
        all.contains("infrac-result: refused: not node pve2"),
        "{all}"
    );
    assert_eq!(rig.calls(), "", "no Proxmox command may run");
}

#[test]
fn changes_waiting_for_a_restart_are_reported() {
    let rig = Rig::new(LAB);
    let env = [("FAKE_EXISTING", "101"), ("FAKE_PENDING", "1")];
    let output = rig.run("pve1", "101-plain.sh", &[], &env);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(
        all.contains("infrac-result: updated; pending until restart: memory balloon"),
        "{all}"
    );
    assert!(all.contains("qm reboot"), "{all}");
    assert!(rig.calls().contains("pve1 qm set 101 --name plain"));
}

#[test]
fn a_dry_run_shows_every_node_from_anywhere() {
    let rig = Rig::new(LAB);
    let output = rig.run("elsewhere", "apply.sh", &["--dry-run"], &[]);
    let all = text(&output);
    // The macOS VM's missing images do not matter to a dry run.
    assert_eq!(output.status.code(), Some(0), "{all}");
    for line in [
        "qm create 100 --name mac",
        "qm create 101 --name plain",
        "qm create 102 --name web",
        "pct create 1100 local:vztmpl/debian-13-standard_13.10-1_amd64.tar.zst",
        "curl -fL --retry 3 -o /var/lib/vz/import/debian-13-genericcloud-amd64.qcow2 https://cloud.debian.org/images/cloud/trixie/latest/debian-13-genericcloud-amd64.qcow2",
        "--scsi0 local-lvm:0,import-from=/var/lib/vz/import/debian-13-genericcloud-amd64.qcow2,iothread=1,discard=on",
        "qm disk resize 102 scsi0 32G",
        "--cicustom user=local:snippets/infrac-102-web.user-data",
        "--scsi0 local-lvm:0,import-from=/var/lib/vz/import/nixos-nix.qcow2,iothread=1,discard=on",
        "--ide0 local:iso/opencore-osx-proxmox-vm.iso,media=cdrom,cache=unsafe",
        "sed -i s/media=cdrom/media=disk/ /etc/pve/qemu-server/100.conf",
        "ok      1100 tools on pve2: created",
    ] {
        assert!(all.contains(line), "missing {line:?} in\n{all}");
    }
    // A dry run reads the index but does not refresh it, and runs nothing.
    let calls = rig.calls();
    assert!(!calls.contains("create"), "{calls}");
    assert!(!calls.contains("pveam update"), "{calls}");
}
