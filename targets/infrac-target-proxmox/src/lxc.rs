//! The `pct` options of a container, its template and the lab's users inside it.

use crate::guest::{
    address_parts, comment_block, dns, gib_ceil, identity, push_bridge_part, push_link_options,
    startup, Context, GuestScript, Options, NOTE_WIDTH, TEMPLATE_STORAGE,
};
use crate::quote::{file_segment, wrap};
use crate::users::container_script;
use infrac_model::interfaces::interface_name;
use infrac_model::OsFamily;

/// The options of a container's `pct create` and `pct set`.
pub(crate) fn options(ctx: &Context, script: &mut GuestScript) -> Options {
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
            ("mp", i),
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
        let mut value = format!("name={}", interface_name(ctx.model, ctx.machine, index));
        push_bridge_part(ctx, nic, &mut value);
        let parts = address_parts(ctx, index, nic);
        for part in parts {
            value.push(',');
            value.push_str(&part);
        }
        push_link_options(ctx, nic, &mut value, "hwaddr");
        if nic.mac.is_some() {
            options.both(("net", i), value);
        } else {
            fixed_macs = false;
            options.create(("net", i), value);
        }
    }
    dns(ctx, &mut options);
    options.create("unprivileged", u8::from(guest.unprivileged));
    let mut features = Vec::new();
    if guest.nesting {
        features.push("nesting=1");
    }
    if crate::stacks::needs_keyctl(ctx) {
        features.push("keyctl=1");
    }
    if !features.is_empty() {
        options.both("features", features.join(","));
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
                "The template is the newest of its OS in the node's appliance index (`pveam \
                 available`) when the script runs, so a release the index has replaced is \
                 never asked for, and the name pinned at build time when the index cannot be \
                 read. It is downloaded into the `{TEMPLATE_STORAGE}` storage with `pveam \
                 download`, which checks it against the index's SHA-512 sum."
            ),
            NOTE_WIDTH,
        ));
    }
    users(ctx, script);
    let stacks = crate::stacks::provision(ctx);
    crate::stacks::notes(ctx, stacks.as_ref(), script);
    script.stacks = stacks.as_ref().map(crate::stacks::container_script);
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
    script.kept = comment_block(&wrap(&kept, NOTE_WIDTH)).into();
    options
}

/// The lab's users, created with `pct exec` in a Debian or Ubuntu container (a NixOS
/// container gets them from its configuration).
fn users(ctx: &Context, script: &mut GuestScript) {
    let family = ctx.image.map(|i| i.os_family());
    if !matches!(family, Some(OsFamily::Debian | OsFamily::Ubuntu)) {
        return;
    }
    let Some(users) = container_script(&ctx.model.users) else {
        return;
    };
    script.users = Some(users);
    let start = if ctx.guest.start {
        "started"
    } else {
        "started for this and shut down again"
    };
    script.notes.push(wrap(
        &format!(
            "Users: the lab's users are created inside the container with `pct exec` (SSH keys \
             only, password-less sudo where declared; sudo is installed when missing): a new \
             container is {start}, an existing one updated when it is running."
        ),
        NOTE_WIDTH,
    ));
}
