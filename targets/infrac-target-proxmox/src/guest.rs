//! The plan for one guest's script: the `qm`/`pct` options that create the guest, the
//! subset that updates an existing one in place, and the notes on what the script leaves
//! to the operator. Every value from the source is shell-quoted here.

use crate::images::DiskImage;
use crate::quote::{
    comment_safe, is_shell_word, push_file_segment, push_shell_quoted, shell_quote, wrap,
};
use crate::users::Snippet;
use infrac_model::interfaces::virtual_nics;
use infrac_model::roles::{default_route4, default_route6, DefaultRoute4};
use infrac_model::{
    Bytes, Guest, GuestKind, Image, Machine, MachineId, Model, Network, Nic, OsFamily,
};
use infrac_templates::text::{into_comment_safe, push_decimal};
use std::borrow::Cow;
use std::fmt::Write;
use std::net::IpAddr;
use std::sync::Arc;

/// The storage that holds container templates and ISO images: Proxmox's `local`
/// directory storage, which every installation has.
pub(crate) const TEMPLATE_STORAGE: &str = "local";

/// Where the `local` storage keeps ISO images on the host.
pub(crate) const LOCAL_ISO_DIR: &str = "/var/lib/vz/template/iso";

/// Width of the note paragraphs in the script header.
pub(crate) const NOTE_WIDTH: usize = 86;

/// Everything a guest's script shows (`guest_script.rs` lays it out).
#[derive(Debug)]
pub(crate) struct GuestScript {
    /// Path of the artifact (`proxmox/200-router.sh`).
    pub path: String,
    /// The source file, comment-safe; one text shared by every guest's plan.
    pub source: Arc<str>,
    /// One line saying what the script creates, comment-safe.
    pub summary: String,
    /// The VMID in decimal.
    pub vmid: String,
    /// The Proxmox node the guest runs on (its host's name), quoted; one text shared by
    /// the node's guests.
    pub node: Arc<str>,
    /// A VM or a container.
    pub kind: GuestKind,
    /// For a container: its template, resolved on the node at apply time.
    pub template: Option<ContainerTemplate>,
    /// For a VM booted from a disk image: that image.
    pub image: Option<DiskImage>,
    /// For a cloud-image VM with the lab's users: its user-data snippet.
    pub snippet: Option<Snippet>,
    /// For a container with the lab's users: the script that creates them, quoted.
    pub users: Option<String>,
    /// For a Debian or Ubuntu container with Compose stacks or Caddy: the script that
    /// installs them with their files, quoted.
    pub stacks: Option<String>,
    /// Whether the guest starts at boot (a container started to set up its users is shut
    /// down again when it does not).
    pub start: bool,
    /// Files that must exist on the node before the guest can be created.
    pub required_files: Vec<RequiredFile>,
    /// Why the script cannot create the guest (quoted), when it cannot.
    pub cannot_create: Option<String>,
    /// Paragraphs of notes, already written as comment lines. Those that name nothing of
    /// their guest are written once per process and shared.
    pub notes: Notes,
    /// Words after `qm create ID` / `pct create ID`, each option on a continued line.
    pub create: String,
    /// Commands (words after `run`) that finish a new guest.
    pub after_create: Vec<String>,
    /// Words after `qm set ID` / `pct set ID`, laid out as `create`.
    pub update: String,
    /// What the update leaves alone, as comment lines ([`comment_block`]).
    pub kept: Cow<'static, str>,
}

/// A script's notes, each a paragraph of comment lines ([`comment_block`]).
#[derive(Debug, Default)]
pub(crate) struct Notes(Vec<Cow<'static, str>>);

impl Notes {
    /// Adds a paragraph of wrapped lines.
    pub(crate) fn push(&mut self, lines: Vec<String>) {
        self.0.push(Cow::Owned(comment_block(&lines)));
    }

    /// Adds a paragraph written once and shared by every guest.
    pub(crate) fn push_shared(&mut self, block: &'static str) {
        self.0.push(Cow::Borrowed(block));
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|note| &**note)
    }
}

/// Comment lines (`wrap`'s, comment-safe) as the script writes them: `# LINE` each.
pub(crate) fn comment_block(lines: &[String]) -> String {
    let mut block = String::with_capacity(lines.iter().map(|line| line.len() + 3).sum());
    for line in lines {
        block.push_str("# ");
        block.push_str(line);
        block.push('\n');
    }
    block
}

/// A container template: the newest of its OS in the appliance index at apply time, the
/// pinned name when the index cannot be read.
#[derive(Debug)]
pub(crate) struct ContainerTemplate {
    /// The OS, for the comment (`debian-13-standard`), comment-safe.
    pub os: String,
    /// The extended regular expression the index's names must match, quoted.
    pub pattern: String,
    /// The pinned file name, quoted.
    pub file: String,
    /// The storage templates are downloaded to.
    pub storage: &'static str,
}

impl ContainerTemplate {
    /// The template of a pinned appliance file name (`debian-13-standard_13.6-1_amd64.tar.zst`):
    /// the same name with any version, same architecture and any compression.
    pub(crate) fn of(file: &str) -> ContainerTemplate {
        let (os, arch) = match file.split_once('_') {
            Some((os, rest)) => {
                let arch = rest.split('_').nth(1).and_then(|a| a.split('.').next());
                (os, arch.unwrap_or("amd64"))
            }
            None => (file, "amd64"),
        };
        let pattern = format!(
            "^{}_[^_]+_{}\\.tar\\.(zst|xz|gz)$",
            regex_escape(os),
            regex_escape(arch)
        );
        ContainerTemplate {
            os: comment_safe(os),
            pattern: shell_quote(&pattern),
            file: shell_quote(file),
            storage: TEMPLATE_STORAGE,
        }
    }
}

/// `text` with the characters an extended regular expression gives meaning to escaped.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.[]{}()*+?^$|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A file the script checks for before creating the guest.
#[derive(Debug)]
pub(crate) struct RequiredFile {
    /// Absolute path on the node, quoted.
    pub path: String,
    /// What to do when it is missing, quoted.
    pub hint: String,
}

/// Where the scripts go in the output.
const SCRIPTS: &str = "proxmox/";

/// The script's path, `proxmox/<vmid>-<name>.sh`, given the VMID in decimal.
fn script_path(machine: &Machine, vmid: &str) -> String {
    let mut path = String::with_capacity(SCRIPTS.len() + vmid.len() + machine.name.len() + 4);
    path.push_str(SCRIPTS);
    path.push_str(vmid);
    path.push('-');
    push_file_segment(&mut path, &machine.name);
    path.push_str(".sh");
    path
}

impl GuestScript {
    /// The file name alone, for the usage line and `apply.sh`.
    pub(crate) fn file_name(&self) -> &str {
        &self.path[SCRIPTS.len()..]
    }
}

/// Appends `start`, which ends in `--`, then `flag value` with the value quoted. Flags
/// are fixed words or a word and a number (`("net", 0)`), never from the source.
fn push_opt<V: OptionValue>(out: &mut String, start: &str, flag: impl OptionValue, value: V) {
    out.push_str(start);
    flag.write_to(out);
    out.push(' ');
    // Most values are numbers and names that need no quotes: written straight in.
    let value_at = out.len();
    value.write_to(out);
    if !V::DIGITS && !is_shell_word(&out[value_at..]) {
        let value = out.split_off(value_at);
        push_shell_quoted(out, &value);
    }
}

/// The value of an option, appended to its text exactly as `Display` would write it.
/// Names and numbers, most options' values, are written without the formatting machinery:
/// a 10,000-guest lab writes 200,000 of them.
pub(crate) trait OptionValue {
    /// Whether every value of the type is written as digits alone, which are a shell
    /// word as they stand.
    const DIGITS: bool = false;
    fn write_to(&self, out: &mut String);
}

impl OptionValue for str {
    fn write_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl OptionValue for String {
    fn write_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl<T: OptionValue + ?Sized> OptionValue for &T {
    const DIGITS: bool = T::DIGITS;
    fn write_to(&self, out: &mut String) {
        (**self).write_to(out);
    }
}

/// Values written one after the other (`("order=", 3)`).
macro_rules! tuple_values {
    ($(($($t:ident $i:tt),+)),*) => {$(
        impl<$($t: OptionValue),+> OptionValue for ($($t,)+) {
            fn write_to(&self, out: &mut String) {
                $(self.$i.write_to(out);)+
            }
        }
    )*};
}
tuple_values!((A 0, B 1), (A 0, B 1, C 2), (A 0, B 1, C 2, D 3));

impl OptionValue for std::fmt::Arguments<'_> {
    fn write_to(&self, out: &mut String) {
        out.write_fmt(*self)
            .expect("writing to a String cannot fail");
    }
}

/// A value written by a function, for values of several parts built with conditions.
pub(crate) struct Written<F>(pub F);

impl<F: Fn(&mut String)> OptionValue for Written<F> {
    fn write_to(&self, out: &mut String) {
        (self.0)(out);
    }
}

impl OptionValue for i32 {
    fn write_to(&self, out: &mut String) {
        write!(out, "{self}").expect("writing to a String cannot fail");
    }
}

macro_rules! unsigned_values {
    ($($t:ty),*) => {$(
        impl OptionValue for $t {
            const DIGITS: bool = true;
            fn write_to(&self, out: &mut String) {
                push_decimal(out, u64::from(*self));
            }
        }
    )*};
}
unsigned_values!(u8, u16, u32, u64);

impl OptionValue for usize {
    const DIGITS: bool = true;
    fn write_to(&self, out: &mut String) {
        push_decimal(out, *self as u64);
    }
}

/// A size in whole GiB as Proxmox allocates it (`POOL:SIZE`), rounded up, at least 1.
pub(crate) fn gib_ceil(size: Bytes) -> u64 {
    size.0.div_ceil(Bytes::GIB).max(1)
}

/// The options of a command in both forms: `create` gets all, `update` those `set` can
/// change on an existing guest. Each is kept as the script writes it, every option on a
/// line of its own after the ` \` that continues the command: a guest's options are then
/// two texts rather than a dozen.
pub(crate) struct Options {
    create: String,
    update: String,
}

/// What starts each option: a continued line, and the option's dashes.
const OPTION_START: &str = " \\\n    --";

impl Default for Options {
    fn default() -> Options {
        Options {
            create: String::with_capacity(512),
            update: String::with_capacity(256),
        }
    }
}

impl Options {
    pub(crate) fn both(&mut self, flag: impl OptionValue, value: impl OptionValue) {
        let start = self.create.len();
        self.create(flag, value);
        self.update.push_str(&self.create[start..]);
    }
    pub(crate) fn create(&mut self, flag: impl OptionValue, value: impl OptionValue) {
        push_opt(&mut self.create, OPTION_START, flag, value);
    }
}

/// Facts about one guest that several options need.
pub(crate) struct Context<'a> {
    pub(crate) model: &'a Model,
    pub(crate) id: MachineId,
    pub(crate) machine: &'a Machine,
    pub(crate) guest: &'a Guest,
    pub(crate) image: Option<&'a Image>,
    /// Position in the apply order, from 1: the boot order.
    pub(crate) position: usize,
}

impl<'a> Context<'a> {
    pub(crate) fn is_macos(&self) -> bool {
        self.model.os_family(self.machine) == Some(OsFamily::Macos)
    }
    pub(crate) fn is_nixos(&self) -> bool {
        self.image.is_some_and(|i| i.os_family() == OsFamily::Nixos)
    }
    pub(crate) fn cloud_init(&self) -> bool {
        self.image.is_some_and(|i| i.cloud_init)
    }
    /// The pool of the first disk: where EFI and cloud-init drives go too.
    pub(crate) fn first_pool(&self) -> Option<&str> {
        self.guest.disks.first().map(|d| d.pool.value.as_str())
    }
    /// The NICs Proxmox creates (`net0`, `net1`, …) with their index into the machine's
    /// NICs; overlay memberships are not devices.
    pub(crate) fn nics(&self) -> Vec<(usize, &'a Nic)> {
        virtual_nics(self.model, self.machine).collect()
    }
    /// DNS servers: those of the guest's networks in interface order, else the site's.
    /// An overlay's resolver is its own daemon's business, not the guest's.
    pub(crate) fn nameservers(&self) -> Vec<IpAddr> {
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
    pub(crate) fn domain(&self) -> Option<&str> {
        self.model.site_of(self.id).domain.as_deref()
    }
    /// The network a NIC is on.
    pub(crate) fn network(&self, nic: &Nic) -> Option<&'a Network> {
        nic.network.map(|n| self.model.network(n))
    }
    pub(crate) fn default_route4_on(&self, index: usize) -> Option<DefaultRoute4> {
        default_route4(self.model, self.id).filter(|route| match route {
            DefaultRoute4::Dhcp(i) | DefaultRoute4::Static(i, _) => *i == index,
        })
    }
    pub(crate) fn gateway6_of(&self, index: usize) -> Option<std::net::Ipv6Addr> {
        default_route6(self.model, self.id)
            .filter(|(i, _)| *i == index)
            .map(|(_, gw)| gw)
    }
}

/// `ip=ADDR/LEN[,gw=GW]` and `ip6=…[,gw6=…]` parts for the NIC at `index` of the
/// machine: what `pct --netN` and cloud-init's `--ipconfigN` share.
pub(crate) fn address_parts(ctx: &Context, index: usize, nic: &Nic) -> Vec<String> {
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

/// `,bridge=NAME` for an interface: the bridge of its network. The checks reject a guest
/// on a network without a bridge (E0443), so the part is only ever left out for a model
/// that did not pass them.
pub(crate) fn push_bridge_part(ctx: &Context, nic: &Nic, value: &mut String) {
    if let Some(bridge) = ctx.network(nic).and_then(|n| n.bridge.as_ref()) {
        value.push_str(",bridge=");
        value.push_str(&bridge.value);
    }
}

/// The plan of one guest's script; `guest` is the placement of machine `id`, on the node
/// whose quoted name is `node`.
pub(crate) fn plan(
    model: &Model,
    source: &Arc<str>,
    node: &Arc<str>,
    id: MachineId,
    guest: &Guest,
    position: usize,
) -> GuestScript {
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
    // Written once: the file name, the summary, the script and apply.sh all show it.
    let mut vmid = String::with_capacity(10);
    push_decimal(&mut vmid, guest.vmid.value.0);
    let path = script_path(machine, &vmid);
    let mut summary = String::with_capacity(machine.name.len() + host.name.len() + 32);
    summary.push_str(crate::guest_script::fixed(guest.kind).noun);
    summary.push(' ');
    summary.push_str(&vmid);
    summary.push_str(" \"");
    summary.push_str(&machine.name);
    summary.push_str("\" on node ");
    summary.push_str(&host.name);
    let mut script = GuestScript {
        path,
        source: Arc::clone(source),
        summary: into_comment_safe(summary),
        vmid,
        node: Arc::clone(node),
        kind: guest.kind,
        template: template.map(ContainerTemplate::of),
        image: None,
        snippet: None,
        users: None,
        stacks: None,
        start: guest.start,
        required_files: Vec::new(),
        cannot_create: None,
        notes: Notes::default(),
        create: String::new(),
        after_create: Vec::new(),
        update: String::new(),
        kept: Cow::Borrowed(""),
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
        GuestKind::Vm => crate::vm::options(&ctx, &mut script),
        GuestKind::Lxc => crate::lxc::options(&ctx, &mut script),
    };
    script.create = options.create;
    script.update = options.update;
    script
}

/// Name, description and tags: the same for `qm` and `pct` except the name's flag.
pub(crate) fn identity(ctx: &Context, options: &mut Options, name_flag: &str) {
    options.both(name_flag, &ctx.machine.name);
    if let Some(description) = &ctx.machine.description {
        options.both("description", &**description);
    }
    if !ctx.guest.tags.is_empty() {
        let tags: Vec<&str> = ctx.guest.tags.iter().map(|t| t.value.as_str()).collect();
        options.both("tags", tags.join(";"));
    }
}

/// Boot at host start-up, in apply order.
pub(crate) fn startup(ctx: &Context, options: &mut Options) {
    options.both("onboot", u8::from(ctx.guest.start));
    options.both("startup", ("order=", ctx.position));
}

/// DNS servers and search domain (containers and cloud-init VMs).
pub(crate) fn dns(ctx: &Context, options: &mut Options) {
    let servers = ctx.nameservers();
    if !servers.is_empty() {
        let list: Vec<String> = servers.iter().map(ToString::to_string).collect();
        options.both("nameserver", list.join(" "));
    }
    if let Some(domain) = ctx.domain() {
        options.both("searchdomain", domain);
    }
}

/// `,tag=`, the MAC address under `mac_key` and `,firewall=1` of one interface.
pub(crate) fn push_link_options(ctx: &Context, nic: &Nic, value: &mut String, mac_key: &str) {
    if let Some(vlan) = ctx.network(nic).and_then(|n| n.vlan) {
        value.push_str(",tag=");
        push_decimal(value, vlan.value);
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

    fn opt(flag: &str, value: &str) -> String {
        let mut option = String::new();
        push_opt(&mut option, "--", flag, value);
        option
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
