//! The plan for one guest's script: the `qm`/`pct` options that create the guest, the
//! subset that updates an existing one in place, and the notes on what the script leaves
//! to the operator. Every value from the source is shell-quoted here.

use crate::macos;
use crate::quote::{comment_safe, file_segment, shell_quote, wrap};
use infrac_model::interfaces::{interface_name, virtual_nics};
use infrac_model::layout::nixos_configuration;
use infrac_model::roles::{default_route4, default_route6, DefaultRoute4};
use infrac_model::{
    Bytes, Firmware, Guest, GuestKind, Image, Machine, MachineId, Model, Network, Nic, OsFamily,
};
use serde::Serialize;
use std::net::IpAddr;

/// The storage that holds container templates and ISO images: Proxmox's `local`
/// directory storage, which every installation has.
pub(crate) const TEMPLATE_STORAGE: &str = "local";

/// Where the `local` storage keeps ISO images on the host.
const LOCAL_ISO_DIR: &str = "/var/lib/vz/template/iso";

/// Width of the note paragraphs in the script header.
const NOTE_WIDTH: usize = 86;

/// Everything the guest script template shows.
#[derive(Debug, Serialize)]
pub(crate) struct GuestScript {
    /// Path of the artifact (`proxmox/200-router.sh`).
    pub path: String,
    /// File name alone, for the usage line.
    pub file_name: String,
    /// The source file, comment-safe.
    pub source: String,
    /// One line saying what the script creates, comment-safe.
    pub summary: String,
    pub vmid: u32,
    /// `qm` or `pct`.
    pub tool: &'static str,
    /// `VM` or `container`.
    pub noun: &'static str,
    /// For a container: the template volume (quoted) and file name (quoted).
    pub template: Option<ContainerTemplate>,
    /// Files that must exist on the host before the guest can be created.
    pub required_files: Vec<RequiredFile>,
    /// Why the script cannot create the guest (quoted), when it cannot.
    pub cannot_create: Option<String>,
    /// Paragraphs of notes, already wrapped into comment lines.
    pub notes: Vec<Vec<String>>,
    /// Words after `qm create ID` / `pct create ID`, one option per line.
    pub create: Vec<String>,
    /// Words after `qm set ID` / `pct set ID`.
    pub update: Vec<String>,
    /// What the update leaves alone, wrapped into comment lines.
    pub kept: Vec<String>,
}

/// A container template in the `local` storage.
#[derive(Debug, Serialize)]
pub(crate) struct ContainerTemplate {
    /// `local:vztmpl/FILE`, quoted.
    pub volume: String,
    /// `FILE`, quoted.
    pub file: String,
}

/// A file the script checks for before creating the guest.
#[derive(Debug, Serialize)]
pub(crate) struct RequiredFile {
    /// Absolute path on the host, quoted.
    pub path: String,
    /// What to do when it is missing, quoted.
    pub hint: String,
}

/// The script's file name: `<vmid>-<name>.sh`.
pub(crate) fn file_name(machine: &Machine, guest: &Guest) -> String {
    format!("{}-{}.sh", guest.vmid.value.0, file_segment(&machine.name))
}

/// `--flag value`, with the value quoted.
fn opt(flag: &str, value: impl ToString) -> String {
    format!("--{flag} {}", shell_quote(&value.to_string()))
}

/// A size in whole GiB as Proxmox allocates it (`POOL:SIZE`), rounded up, at least 1.
pub(crate) fn gib_ceil(size: Bytes) -> u64 {
    size.0.div_ceil(Bytes::GIB).max(1)
}

/// The options of a command in both forms: `create` gets all, `update` those `set` can
/// change on an existing guest.
#[derive(Default)]
struct Options {
    create: Vec<String>,
    update: Vec<String>,
}

impl Options {
    fn both(&mut self, flag: &str, value: impl ToString) {
        let option = opt(flag, value);
        self.create.push(option.clone());
        self.update.push(option);
    }
    fn create(&mut self, flag: &str, value: impl ToString) {
        self.create.push(opt(flag, value));
    }
}

/// Facts about one guest that several options need.
struct Context<'a> {
    model: &'a Model,
    id: MachineId,
    machine: &'a Machine,
    guest: &'a Guest,
    image: Option<&'a Image>,
    /// Position in the apply order, from 1: the boot order.
    position: usize,
}

impl<'a> Context<'a> {
    fn is_macos(&self) -> bool {
        self.image.is_some_and(|i| i.os_family() == OsFamily::Macos)
    }
    fn is_nixos(&self) -> bool {
        self.image.is_some_and(|i| i.os_family() == OsFamily::Nixos)
    }
    fn cloud_init(&self) -> bool {
        self.image.is_some_and(|i| i.cloud_init)
    }
    /// The pool of the first disk: where EFI and cloud-init drives go too.
    fn first_pool(&self) -> Option<&str> {
        self.guest.disks.first().map(|d| d.pool.value.as_str())
    }
    /// The NICs Proxmox creates (`net0`, `net1`, …) with their index into the machine's
    /// NICs; overlay memberships are not devices.
    fn nics(&self) -> Vec<(usize, &'a Nic)> {
        virtual_nics(self.model, self.machine).collect()
    }
    /// DNS servers: those of the guest's networks in interface order, else the site's.
    /// An overlay's resolver is its own daemon's business, not the guest's.
    fn nameservers(&self) -> Vec<IpAddr> {
        let mut servers: Vec<IpAddr> = Vec::new();
        for (_, nic) in self.nics() {
            let Some(network) = nic.network else { continue };
            for server in &self.model.network(network).dns {
                if !servers.contains(server) {
                    servers.push(*server);
                }
            }
        }
        if servers.is_empty() {
            servers = self.model.site_of(self.id).dns.clone();
        }
        servers
    }
    /// The site's DNS domain.
    fn domain(&self) -> Option<&str> {
        self.model.site_of(self.id).domain.as_deref()
    }
    /// The network a NIC is on.
    fn network(&self, nic: &Nic) -> Option<&'a Network> {
        nic.network.map(|n| self.model.network(n))
    }
    fn default_route4_on(&self, index: usize) -> Option<DefaultRoute4> {
        default_route4(self.model, self.id).filter(|route| match route {
            DefaultRoute4::Dhcp(i) | DefaultRoute4::Static(i, _) => *i == index,
        })
    }
    fn gateway6_of(&self, index: usize) -> Option<std::net::Ipv6Addr> {
        default_route6(self.model, self.id)
            .filter(|(i, _)| *i == index)
            .map(|(_, gw)| gw)
    }
}

/// `ip=ADDR/LEN[,gw=GW]` and `ip6=…[,gw6=…]` parts for the NIC at `index` of the
/// machine: what `pct --netN` and cloud-init's `--ipconfigN` share.
fn address_parts(ctx: &Context, index: usize, nic: &Nic) -> Vec<String> {
    let network = ctx.network(nic);
    let mut parts = Vec::new();
    if nic.dhcp {
        parts.push("ip=dhcp".to_string());
    } else if let Some(ip) = nic.ip {
        let len = network
            .and_then(|n| n.ipv4)
            .map_or(32, |n| n.value.prefix_len());
        parts.push(format!("ip={}/{len}", ip.value));
        if let Some(DefaultRoute4::Static(_, gw)) = ctx.default_route4_on(index) {
            parts.push(format!("gw={gw}"));
        }
    }
    if let Some(ip6) = nic.ip6 {
        let len = network
            .and_then(|n| n.ipv6)
            .map_or(128, |n| n.value.prefix_len());
        parts.push(format!("ip6={}/{len}", ip6.value));
        if let Some(gw6) = ctx.gateway6_of(index) {
            parts.push(format!("gw6={gw6}"));
        }
    }
    parts
}

/// `bridge=NAME` for an interface: the bridge of its network. The checks reject a guest
/// on a network without a bridge (E0443), so the part is only ever left out for a model
/// that did not pass them.
fn bridge_part(ctx: &Context, nic: &Nic) -> String {
    ctx.network(nic)
        .and_then(|n| n.bridge.as_ref())
        .map_or_else(String::new, |b| format!(",bridge={}", b.value))
}

/// The plan of one guest's script; `guest` is the placement of machine `id`.
pub(crate) fn plan(model: &Model, id: MachineId, guest: &Guest, position: usize) -> GuestScript {
    let machine = model.machine(id);
    let ctx = Context {
        model,
        id,
        machine,
        guest,
        image: machine.os.map(|i| model.image(i)),
        position,
    };
    let template = match guest.kind {
        GuestKind::Vm => None,
        GuestKind::Lxc => ctx.image.and_then(|i| i.template.as_deref()),
    };
    let host = model.machine(guest.host);
    let file_name = file_name(machine, guest);
    let (noun, tool) = match guest.kind {
        GuestKind::Vm => ("VM", "qm"),
        GuestKind::Lxc => ("container", "pct"),
    };
    let mut script = GuestScript {
        path: format!("proxmox/{file_name}"),
        file_name,
        source: comment_safe(&model.source),
        summary: comment_safe(&format!(
            "{noun} {} \"{}\" on host {}",
            guest.vmid.value, machine.name, host.name
        )),
        vmid: guest.vmid.value.0,
        tool,
        noun,
        template: template.map(|file| ContainerTemplate {
            volume: shell_quote(&format!("{TEMPLATE_STORAGE}:vztmpl/{file}")),
            file: shell_quote(file),
        }),
        required_files: Vec::new(),
        cannot_create: None,
        notes: Vec::new(),
        create: Vec::new(),
        update: Vec::new(),
        kept: Vec::new(),
    };
    if guest.kind == GuestKind::Lxc && template.is_none() {
        // Without a template there is nothing to create the container from; the script
        // still updates an existing one and says so instead of failing inside `pct`.
        script.cannot_create = Some(shell_quote(&format!(
            "cannot create container {}: the source declares no image with a template for it",
            guest.vmid.value
        )));
        script.notes.push(wrap(
            "No container template: the source gives this container no image with a \
             `template`, so the script can update an existing container but stops instead of \
             creating one. Set `image` (for example `os.debian-12`) to create it.",
            NOTE_WIDTH,
        ));
    }
    let options = match guest.kind {
        GuestKind::Vm => vm_options(&ctx, &mut script),
        GuestKind::Lxc => lxc_options(&ctx, &mut script),
    };
    script.create = options.create;
    script.update = options.update;
    script
}

/// Name, description and tags: the same for `qm` and `pct` except the name's flag.
fn identity(ctx: &Context, options: &mut Options, name_flag: &str) {
    options.both(name_flag, &ctx.machine.name);
    if let Some(description) = &ctx.machine.description {
        options.both("description", description);
    }
    if !ctx.guest.tags.is_empty() {
        options.both("tags", ctx.guest.tags.join(";"));
    }
}

/// Boot at host start-up, in apply order.
fn startup(ctx: &Context, options: &mut Options) {
    options.both("onboot", u8::from(ctx.guest.start));
    options.both("startup", format!("order={}", ctx.position));
}

/// DNS servers and search domain (containers and cloud-init VMs).
fn dns(ctx: &Context, options: &mut Options) {
    let servers = ctx.nameservers();
    if !servers.is_empty() {
        let list: Vec<String> = servers.iter().map(ToString::to_string).collect();
        options.both("nameserver", list.join(" "));
    }
    if let Some(domain) = ctx.domain() {
        options.both("searchdomain", domain);
    }
}

fn vm_options(ctx: &Context, script: &mut GuestScript) -> Options {
    let guest = ctx.guest;
    let macos = ctx.is_macos();
    let mut options = Options::default();
    vm_notes(ctx, script);
    identity(ctx, &mut options, "name");
    if let Some(image) = ctx.image {
        options.both("ostype", &image.ostype);
    }
    let machine = guest.machine.as_deref().or(macos.then_some("q35"));
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
        options.both("cpu", guest.cpu.as_deref().unwrap_or("host"));
    }
    options.both("sockets", guest.sockets);
    options.both("cores", guest.cores.value);
    options.both("memory", guest.memory.value.mib());
    if macos {
        options.both("balloon", 0);
    } else if let Some(balloon) = guest.balloon {
        options.both("balloon", balloon.mib());
    }
    if macos {
        for (i, disk) in guest.disks.iter().enumerate() {
            options.create(
                &format!("sata{i}"),
                format!(
                    "{}:{},cache=none,ssd=1,discard=on",
                    disk.pool.value,
                    gib_ceil(disk.size.value)
                ),
            );
        }
    } else {
        options.create("scsihw", "virtio-scsi-single");
        for (i, disk) in guest.disks.iter().enumerate() {
            options.create(
                &format!("scsi{i}"),
                format!(
                    "{}:{},iothread=1,discard=on",
                    disk.pool.value,
                    gib_ceil(disk.size.value)
                ),
            );
        }
    }
    let model_name = if macos { "vmxnet3" } else { "virtio" };
    let mut fixed_macs = true;
    for (i, (_, nic)) in ctx.nics().into_iter().enumerate() {
        let mut value = format!("{model_name}{}", bridge_part(ctx, nic));
        push_link_options(ctx, nic, &mut value, "macaddr");
        if nic.mac.is_some() {
            options.both(&format!("net{i}"), value);
        } else {
            fixed_macs = false;
            options.create(&format!("net{i}"), value);
        }
    }
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
                options.both(&format!("ipconfig{i}"), parts.join(","));
            }
        }
        dns(ctx, &mut options);
    }
    if macos {
        options.create("boot", "order=ide0;sata0");
    } else if !guest.disks.is_empty() {
        options.create("boot", "order=scsi0");
    }
    if ctx.is_nixos() {
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
            options.both(&format!("hostpci{i}"), format!("{}{pcie}", device.address));
        }
    }
    if macos {
        macos_options(ctx, &mut options, script);
    } else if let Some(args) = &guest.args {
        options.both("args", args);
    }
    startup(ctx, &mut options);
    let mut kept = String::from(
        "Left alone on an existing VM: its disks (grow them with `qm disk resize`), machine \
         type and firmware",
    );
    if !fixed_macs {
        kept.push_str(
            ", and interfaces without a declared MAC address (setting them again would \
             give them new MAC addresses)",
        );
    }
    kept.push('.');
    script.kept = wrap(&kept, NOTE_WIDTH);
    options
}

/// `,tag=`, the MAC address under `mac_key` and `,firewall=1` of one interface.
fn push_link_options(ctx: &Context, nic: &Nic, value: &mut String, mac_key: &str) {
    if let Some(vlan) = ctx.network(nic).and_then(|n| n.vlan) {
        value.push_str(&format!(",tag={}", vlan.value));
    }
    if let Some(mac) = nic.mac {
        value.push_str(&format!(
            ",{mac_key}={}",
            mac.value.to_string().to_uppercase()
        ));
    }
    if nic.firewall {
        value.push_str(",firewall=1");
    }
}

/// The OSX-PROXMOX parts of a macOS guest: OpenCore and recovery images, display, args.
fn macos_options(ctx: &Context, options: &mut Options, script: &mut GuestScript) {
    options.create("vga", "vmware");
    options.create(
        "ide0",
        format!(
            "{TEMPLATE_STORAGE}:iso/{},cache=unsafe",
            macos::OPENCORE_IMAGE
        ),
    );
    script.required_files.push(RequiredFile {
        path: shell_quote(&format!("{LOCAL_ISO_DIR}/{}", macos::OPENCORE_IMAGE)),
        hint: shell_quote("run OSX-PROXMOX's setup on this host once; it writes this image"),
    });
    let version = ctx.image.map_or("", |i| i.version.as_str());
    match macos::recovery_image(version) {
        Some(recovery) => {
            options.create(
                "ide2",
                format!("{TEMPLATE_STORAGE}:iso/{recovery},cache=unsafe"),
            );
            script.required_files.push(RequiredFile {
                path: shell_quote(&format!("{LOCAL_ISO_DIR}/{recovery}")),
                hint: shell_quote(&format!(
                    "create it with OSX-PROXMOX's setup (macOS {version}); it downloads the recovery image"
                )),
            });
        }
        None => script.notes.push(wrap(
            &format!(
                "OSX-PROXMOX names no recovery image for macOS {version}: attach an installer \
                 image yourself (`qm set {} --ide2 local:iso/FILE,cache=unsafe`).",
                ctx.guest.vmid.value
            ),
            NOTE_WIDTH,
        )),
    }
    let args = ctx
        .guest
        .args
        .clone()
        .unwrap_or_else(|| macos::qemu_args(ctx.guest.cpu.as_deref()));
    options.both("args", args);
}

/// What the operator still does for a VM, by kind of image.
fn vm_notes(ctx: &Context, script: &mut GuestScript) {
    let vmid = ctx.guest.vmid.value;
    let note = if ctx.is_macos() {
        "macOS, set up the way OSX-PROXMOX does: OVMF firmware, the q35 machine, the Apple \
         SMC and an Intel CPU model in --args, the OpenCore image (ide0) and the recovery \
         image (ide2) from the `local` storage, a SATA disk and a vmxnet3 interface (macOS \
         has drivers for neither virtio-scsi nor, before macOS 11, virtio-net). Run \
         OSX-PROXMOX's setup on this host once first: it writes these images, and this \
         script stops if one is missing. Installing macOS from the recovery image is done in the \
         console. Apple's licence permits macOS only on Apple hardware."
            .to_string()
    } else if ctx.is_nixos() {
        format!(
            "NixOS: the boot disk starts empty. Install NixOS from its installer ISO (attach it \
             with `qm set {vmid} --ide2 local:iso/FILE,media=cdrom`), then configure it with \
             {} from this build (its header says how).",
            nixos_configuration(ctx.machine)
        )
    } else if ctx.cloud_init() {
        format!(
            "cloud-init: the guest takes its addresses, gateway and DNS from the cloud-init \
             drive (ide2). The boot disk starts empty: import the cloud image into it before \
             the first start (`qm disk import {vmid} IMAGE POOL`, then attach it as scsi0), \
             and give cloud-init a login (`qm set {vmid} --ciuser NAME --sshkeys FILE`)."
        )
    } else if ctx.image.is_some() {
        "The boot disk starts empty: install the operating system from its installer image."
            .to_string()
    } else {
        "No operating system is declared: the boot disk starts empty.".to_string()
    };
    script.notes.push(wrap(&note, NOTE_WIDTH));
}

fn lxc_options(ctx: &Context, script: &mut GuestScript) -> Options {
    let guest = ctx.guest;
    let mut options = Options::default();
    identity(ctx, &mut options, "hostname");
    if let Some(image) = ctx.image {
        options.create("ostype", &image.ostype);
    }
    options.both("cores", guest.cores.value);
    options.both("memory", guest.memory.value.mib());
    if let Some(swap) = guest.swap {
        options.both("swap", swap.mib());
    }
    let (root, mounts): (Vec<_>, Vec<_>) = guest.disks.iter().partition(|d| d.name == "rootfs");
    match root.first() {
        Some(disk) => options.create(
            "rootfs",
            format!("{}:{}", disk.pool.value, gib_ceil(disk.size.value)),
        ),
        None => script.notes.push(wrap(
            "No root disk is declared (`disk = SIZE on POOL`): Proxmox creates its default root \
             filesystem.",
            NOTE_WIDTH,
        )),
    }
    for (i, disk) in mounts.iter().enumerate() {
        options.create(
            &format!("mp{i}"),
            format!(
                "{}:{},mp=/mnt/{}",
                disk.pool.value,
                gib_ceil(disk.size.value),
                file_segment(&disk.name)
            ),
        );
    }
    let mut fixed_macs = true;
    for (i, (index, nic)) in ctx.nics().into_iter().enumerate() {
        let mut value = format!(
            "name={}{}",
            interface_name(ctx.model, ctx.machine, index),
            bridge_part(ctx, nic)
        );
        let parts = address_parts(ctx, index, nic);
        for part in parts {
            value.push(',');
            value.push_str(&part);
        }
        push_link_options(ctx, nic, &mut value, "hwaddr");
        if nic.mac.is_some() {
            options.both(&format!("net{i}"), value);
        } else {
            fixed_macs = false;
            options.create(&format!("net{i}"), value);
        }
    }
    dns(ctx, &mut options);
    options.create("unprivileged", u8::from(guest.unprivileged));
    if guest.nesting {
        options.both("features", "nesting=1");
    }
    startup(ctx, &mut options);
    if !mounts.is_empty() {
        script.notes.push(wrap(
            "Further disks are mounted at /mnt/NAME inside the container.",
            NOTE_WIDTH,
        ));
    }
    if script.template.is_some() {
        script.notes.push(wrap(
            &format!(
                "The template is fetched into the `{TEMPLATE_STORAGE}` storage with `pveam \
                 download` when it is not there yet."
            ),
            NOTE_WIDTH,
        ));
    }
    let mut kept = String::from(
        "Left alone on an existing container: its root and mount-point disks (grow them \
         with `pct resize`), its template and its privilege mode (both fixed at creation)",
    );
    if !fixed_macs {
        kept.push_str(
            ", and interfaces without a declared MAC address (setting them again would give \
             them new MAC addresses)",
        );
    }
    kept.push('.');
    script.kept = wrap(&kept, NOTE_WIDTH);
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_up_to_whole_gib() {
        assert_eq!(gib_ceil(Bytes(50 * Bytes::GIB)), 50);
        assert_eq!(gib_ceil(Bytes(512 * Bytes::MIB)), 1);
        assert_eq!(gib_ceil(Bytes(Bytes::GIB + 1)), 2);
        assert_eq!(gib_ceil(Bytes(0)), 1);
    }

    #[test]
    fn options_quote_their_values() {
        assert_eq!(opt("name", "router"), "--name router");
        assert_eq!(opt("description", "a b"), "--description \"a b\"");
        assert_eq!(
            opt("boot", "order=ide0;sata0"),
            "--boot \"order=ide0;sata0\""
        );
    }
}
