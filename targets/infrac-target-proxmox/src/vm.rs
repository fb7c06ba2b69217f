//! The `qm` options of a VM: virtual hardware, the disk image it boots from (a cloud
//! image or its NixOS image, imported into the boot disk), cloud-init, and the macOS
//! setup of OSX-PROXMOX.

use crate::guest::{
    address_parts, comment_block, dns, gib_ceil, identity, push_bridge_part, push_link_options,
    startup, Context, GuestScript, Options, RequiredFile, Written, LOCAL_ISO_DIR, NOTE_WIDTH,
    TEMPLATE_STORAGE,
};
use crate::images::{cloud_disk, nixos_disk, DiskImage};
use crate::macos;
use crate::quote::{shell_quote, wrap};
use crate::users::user_data;
use infrac_model::layout::nixos_configuration;
use infrac_model::Firmware;
use std::borrow::Cow;
use std::sync::OnceLock;

/// The options of a VM's `qm create` and `qm set`.
pub(crate) fn options(ctx: &Context, script: &mut GuestScript) -> Options {
    let guest = ctx.guest;
    let macos = ctx.is_macos();
    let mut options = Options::default();
    vm_notes(ctx, script);
    identity(ctx, &mut options, "name");
    if let Some(image) = ctx.image {
        options.both("ostype", &image.ostype);
    }
    let machine = guest
        .machine
        .as_ref()
        .map(|m| &*m.value)
        .or(macos.then_some("q35"));
    if let Some(machine) = machine {
        options.create("machine", machine);
    }
    let bios = guest.bios.or(macos.then_some(Firmware::Ovmf));
    if let Some(bios) = bios {
        options.create("bios", bios.as_str());
    }
    if bios == Some(Firmware::Ovmf) {
        match ctx.first_pool() {
            Some(pool) => options.create(
                "efidisk0",
                format!("{pool}:1,efitype=4m,pre-enrolled-keys=0"),
            ),
            None => script.notes.push(wrap(
                "OVMF without an EFI disk: the guest declares no disk to put one on, so EFI \
                 variables (boot entries) are lost at every restart.",
                NOTE_WIDTH,
            )),
        }
    }
    // A macOS guest takes its CPU model from `--args`, which QEMU reads last.
    if !macos {
        options.both("cpu", guest.cpu.as_ref().map_or("host", |c| &*c.value));
    }
    options.both("sockets", guest.sockets);
    options.both("cores", guest.cores.value);
    // On a multi-socket host QEMU otherwise presents one flat memory node, and the guest
    // schedules across sockets blind to where its memory is (Proxmox's qm(1), "NUMA").
    let host_sockets = ctx
        .model
        .machine(guest.host)
        .hardware
        .as_ref()
        .map_or(1, |hw| hw.cpu_count.value);
    if host_sockets > 1 {
        options.both("numa", 1);
    }
    options.both("memory", guest.memory.value.mib());
    if macos {
        options.both("balloon", 0);
    } else if let Some(balloon) = guest.balloon {
        options.both("balloon", balloon.mib());
    }
    if macos {
        for (i, disk) in guest.disks.iter().enumerate() {
            options.create(
                ("sata", i),
                format!(
                    "{}:{},cache=none,ssd=1,discard=on",
                    disk.pool.value,
                    gib_ceil(disk.size.value)
                ),
            );
        }
    } else {
        options.create("scsihw", "virtio-scsi-single");
        let boot_image = boot_image(ctx, script);
        for (i, disk) in guest.disks.iter().enumerate() {
            let size = gib_ceil(disk.size.value);
            match (i, &boot_image) {
                // `import-from` takes size 0 and copies the image's own size; the disk
                // then grows to the declared size (qemu-server: "'import-from' requires
                // special syntax - use <storage ID>:0,import-from=<source>").
                (0, Some(image)) => {
                    script
                        .after_create
                        .push(format!("qm disk resize \"$vmid\" scsi0 {size}G"));
                    options.create(
                        ("scsi", i),
                        format!(
                            "{}:0,import-from={},iothread=1,discard=on",
                            disk.pool.value, image.raw_path
                        ),
                    );
                }
                _ => options.create(
                    ("scsi", i),
                    (
                        disk.pool.value.as_str(),
                        ":",
                        size,
                        ",iothread=1,discard=on",
                    ),
                ),
            }
        }
        script.image = boot_image;
    }
    let model_name = if macos { "vmxnet3" } else { "virtio" };
    let mut fixed_macs = true;
    for (i, (_, nic)) in ctx.nics().into_iter().enumerate() {
        let value = Written(|value: &mut String| {
            value.push_str(model_name);
            push_bridge_part(ctx, nic, value);
            push_link_options(ctx, nic, value, "macaddr");
        });
        if nic.mac.is_some() {
            options.both(("net", i), value);
        } else {
            fixed_macs = false;
            options.create(("net", i), value);
        }
    }
    // Only cloud-init can place them in a VM at its first boot.
    let stacks = ctx
        .cloud_init()
        .then(|| crate::stacks::provision(ctx))
        .flatten();
    crate::stacks::notes(ctx, stacks.as_ref(), script);
    if ctx.cloud_init() {
        match ctx.first_pool() {
            Some(pool) => options.create("ide2", format!("{pool}:cloudinit")),
            None => script.notes.push(wrap(
                "cloud-init without a drive: the guest declares no disk, so there is no pool \
                 to put the cloud-init drive on.",
                NOTE_WIDTH,
            )),
        }
        for (i, (index, nic)) in ctx.nics().into_iter().enumerate() {
            let parts = address_parts(ctx, index, nic);
            if !parts.is_empty() {
                options.both(("ipconfig", i), parts.join(","));
            }
        }
        dns(ctx, &mut options);
        if let Some(snippet) = user_data(
            ctx.model,
            ctx.machine,
            ctx.guest.vmid.value.0,
            stacks.as_ref(),
        ) {
            options.both("cicustom", &snippet.cicustom);
            script.snippet = Some(snippet);
        }
        // Cloud images log their boot to the serial console; Proxmox's cloud-init guide
        // gives them one and shows it as the display.
        options.create("serial0", "socket");
        options.create("vga", "serial0");
    }
    if macos {
        options.create("boot", "order=ide0;sata0");
    } else if !guest.disks.is_empty() {
        options.create("boot", "order=scsi0");
    }
    // The agent runs where something installs it: NixOS's configuration, the user data.
    if ctx.is_nixos() || script.snippet.is_some() {
        options.both("agent", "enabled=1");
    }
    let host = ctx.model.machine(guest.host);
    for (i, name) in guest.pci.iter().enumerate() {
        if let Some(device) = host.pci.iter().find(|p| p.name == name.value) {
            let pcie = if machine.is_some_and(|m| m.contains("q35")) {
                ",pcie=1"
            } else {
                ""
            };
            options.both(("hostpci", i), format!("{}{pcie}", device.address));
        }
    }
    if macos {
        macos_options(ctx, &mut options, script);
    } else if let Some(args) = &guest.args {
        options.both("args", &**args);
    }
    startup(ctx, &mut options);
    script.kept = Cow::Borrowed(kept_note(fixed_macs));
    options
}

/// What `qm set` leaves alone on an existing VM, written once per process: the same
/// two texts end every VM's script.
fn kept_note(fixed_macs: bool) -> &'static str {
    static NOTES: OnceLock<[String; 2]> = OnceLock::new();
    let notes = NOTES.get_or_init(|| {
        [false, true].map(|fixed_macs| {
            let mut kept = String::from(
                "Left alone on an existing VM: its disks (grow them with `qm disk resize`), \
                 machine type and firmware",
            );
            if !fixed_macs {
                kept.push_str(
                    ", and interfaces without a declared MAC address (setting them again would \
                     give them new MAC addresses)",
                );
            }
            kept.push('.');
            comment_block(&wrap(&kept, NOTE_WIDTH))
        })
    });
    &notes[usize::from(fixed_macs)]
}

/// The image the boot disk is imported from: the published cloud image of a cloud-init
/// VM, the image built from a NixOS VM's configuration. A cloud-init VM whose image infrac
/// knows no address for cannot be created.
fn boot_image(ctx: &Context, script: &mut GuestScript) -> Option<DiskImage> {
    let image = ctx.image?;
    if ctx.guest.disks.is_empty() {
        return None;
    }
    let node = &ctx.model.machine(ctx.guest.host).name;
    if ctx.is_nixos() {
        let disk = nixos_disk(ctx.machine, ctx.guest, image, node);
        script.required_files.push(RequiredFile {
            // The script names the image `$image`.
            path: "\"$image\"".to_string(),
            hint: disk.build_hint.clone().unwrap_or_default(),
        });
        return Some(disk);
    }
    if !ctx.cloud_init() {
        return None;
    }
    let disk = cloud_disk(image);
    if disk.is_none() {
        script.cannot_create = Some(shell_quote(&format!(
            "cannot create VM {}: infrac knows no published cloud image of {} {}",
            ctx.guest.vmid.value, image.family, image.version
        )));
    }
    disk
}

/// The OSX-PROXMOX parts of a macOS guest: OpenCore and recovery images, display, args.
///
/// As OSX-PROXMOX's `create_vm` does (luchina-gabriel/OSX-PROXMOX `setup` at commit
/// a60e53cb, lines 418-429): both images are attached from the ISO storage with
/// `media=cdrom,cache=unsafe`, which Proxmox VE requires of every ISO volume since 8.4
/// (qemu-server `API2/Qemu.pm`: "explicit 'media=cdrom' is required for iso images"),
/// and then switched to `media=disk` in the VM's configuration, since OpenCore and the
/// recovery are disk images that OVMF must see as disks.
fn macos_options(ctx: &Context, options: &mut Options, script: &mut GuestScript) {
    options.create("vga", "vmware");
    options.create("tablet", 1);
    options.create(
        "ide0",
        format!(
            "{TEMPLATE_STORAGE}:iso/{},media=cdrom,cache=unsafe",
            macos::OPENCORE_IMAGE
        ),
    );
    script.required_files.push(RequiredFile {
        path: shell_quote(&format!("{LOCAL_ISO_DIR}/{}", macos::OPENCORE_IMAGE)),
        hint: shell_quote(&format!(
            "download it from {} (OSX-PROXMOX's OpenCore image) into {LOCAL_ISO_DIR}",
            macos::OPENCORE_URL
        )),
    });
    let version = ctx.image.map_or("", |i| i.version.as_str());
    match macos::recovery_image(version) {
        Some(recovery) => {
            options.create(
                "ide2",
                format!("{TEMPLATE_STORAGE}:iso/{recovery},media=cdrom,cache=unsafe"),
            );
            script.required_files.push(RequiredFile {
                path: shell_quote(&format!("{LOCAL_ISO_DIR}/{recovery}")),
                hint: shell_quote(&format!(
                    "create it with OSX-PROXMOX's recovery-image menu entry for macOS {version} \
                     (macrecovery.py); its host prerequisites are not needed for that"
                )),
            });
        }
        None => script.notes.push(wrap(
            &format!(
                "OSX-PROXMOX names no recovery image for macOS {version}: attach an installer \
                 image yourself (`qm set {} --ide2 local:iso/FILE,media=cdrom`).",
                ctx.guest.vmid.value
            ),
            NOTE_WIDTH,
        )),
    }
    script.after_create.push(
        "sed -i \"s/media=cdrom/media=disk/\" \"/etc/pve/qemu-server/${vmid}.conf\"".to_string(),
    );
    let args = ctx.guest.args.as_deref().map_or_else(
        || macos::qemu_args(ctx.guest.cpu.as_ref().map(|c| &*c.value)),
        str::to_string,
    );
    options.both("args", args);
}

/// What the operator still does for a VM, by kind of image.
fn vm_notes(ctx: &Context, script: &mut GuestScript) {
    // The notes that name nothing of their VM are the same for every VM of their kind,
    // most of a large lab's VMs: they are written once per process.
    static MACOS: OnceLock<String> = OnceLock::new();
    static NO_OS: OnceLock<String> = OnceLock::new();
    let once = |written: &'static OnceLock<String>, note: &str| -> &'static str {
        written.get_or_init(|| comment_block(&wrap(note, NOTE_WIDTH)))
    };
    if ctx.is_macos() {
        script.notes.push_shared(once(
            &MACOS,
            "macOS, set up the way OSX-PROXMOX does: OVMF firmware, the q35 machine, the Apple \
         SMC and an Intel CPU model in --args, the OpenCore image (ide0) and the recovery \
         image (ide2) from the `local` storage, switched to disks after creation, a SATA disk \
         and a vmxnet3 interface (macOS has drivers for neither virtio-scsi nor, before macOS \
         11, virtio-net). This script stops if an image is missing. It changes nothing on the \
         host: OSX-PROXMOX's setup also edits GRUB, blacklists drivers and sets `options kvm \
         ignore_msrs=Y` in /etc/modprobe.d; macOS needs that last one (check \
         /sys/module/kvm/parameters/ignore_msrs). Installing macOS from the recovery image is \
             done in the console. Apple's licence permits macOS only on Apple hardware.",
        ));
        return;
    }
    if ctx.image.is_none() {
        script.notes.push_shared(once(
            &NO_OS,
            "No operating system is declared: the boot disk starts empty.",
        ));
        return;
    }
    let vmid = ctx.guest.vmid.value;
    let node = &ctx.model.machine(ctx.guest.host).name;
    let note = if ctx.is_nixos() {
        format!(
            "NixOS: the boot disk is imported from an image built from {} with `nixos-rebuild \
             build-image`, so the VM boots its configuration without an installer. Build the \
             image on a machine with Nix and copy it to node {node} before the first run; the \
             script stops with the exact commands while it is missing. Later changes: \
             `nixos-rebuild switch` in the guest (the configuration's header says how).",
            nixos_configuration(ctx.machine)
        )
    } else if ctx.cloud_init() {
        let stacks = crate::stacks::provision(ctx).is_some();
        let login = if ctx.model.users.is_empty() && stacks {
            // qm.conf(5), cicustom: "Specify custom files to replace the automatically
            // generated ones at start", so the user part from --ciuser/--sshkeys is gone.
            "The lab declares no users, and the user data is a snippet in the `local` storage \
             (--cicustom, for its Compose stacks or Caddy), which replaces Proxmox's own: --ciuser \
             and --sshkeys do not apply, so the image's default user has no key. Declare the \
             lab's users (`user NAME { keys = [...] }`) to log in."
                .to_string()
        } else if ctx.model.users.is_empty() {
            "The lab declares no users: the image's default user has no key, so give \
             cloud-init one (`qm set VMID --ciuser NAME --sshkeys FILE`)."
                .to_string()
        } else {
            "The lab's users come from a user-data snippet in the `local` storage \
             (--cicustom), which needs the `snippets` content type there; cloud-init applies \
             it at the first boot only."
                .to_string()
        };
        format!(
            "cloud-init: the boot disk is imported from the distribution's cloud image, \
             downloaded once per node and checked against its published checksums, then grown \
             to the declared size; addresses, gateway and DNS come from the cloud-init drive \
             (ide2). {login}"
        )
        .replace("VMID", &vmid.to_string())
    } else {
        format!(
            "The boot disk starts empty: install the operating system from its installer \
             image (`qm set {vmid} --ide2 local:iso/FILE,media=cdrom`)."
        )
    };
    script.notes.push(wrap(&note, NOTE_WIDTH));
}
