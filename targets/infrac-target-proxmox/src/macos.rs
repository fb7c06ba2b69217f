//! What a macOS guest needs to boot on Proxmox, following the OSX-PROXMOX project: OVMF,
//! q35, an Apple SMC, USB input, ACPI quirks, an Intel CPU model, and the OpenCore and
//! recovery images its setup script puts in the `local` storage.

/// The AppleSMC key macOS checks for at boot. It is public: QEMU's own documentation,
/// OSX-KVM and OSX-PROXMOX all carry it; it is not a secret of the lab.
const APPLE_SMC_OSK: &str = "ourhardworkbythesewordsguardedpleasedontsteal(c)AppleComputerInc";

/// The CPU model when the guest names none. macOS only runs on Intel CPU models;
/// Haswell-noTSX is the one OSX-PROXMOX and the common guides use because every Intel
/// host since Haswell and every AMD host can provide it.
const DEFAULT_CPU_MODEL: &str = "Haswell-noTSX";

/// The OpenCore boot image OSX-PROXMOX's setup writes to `local:iso/`.
pub(crate) const OPENCORE_IMAGE: &str = "opencore-osx-proxmox-vm.iso";

/// Where OSX-PROXMOX's setup downloads that image from (`update_opencore_iso` in its
/// `setup`, luchina-gabriel/OSX-PROXMOX at commit a60e53cb).
pub(crate) const OPENCORE_URL: &str =
    "https://github.com/luchina-gabriel/OSX-PROXMOX/raw/main/EFI/opencore-osx-proxmox-vm.iso";

/// The QEMU arguments a macOS guest needs (`qm --args`): the Apple SMC with its key, an
/// SMBIOS type 2 table, xHCI keyboard and tablet, the ACPI hotplug quirk for q35 on
/// QEMU 6.1 and later, and the CPU model with the flags macOS expects. Proxmox appends
/// `args` after its own options, so this `-cpu` wins over Proxmox's.
pub(crate) fn qemu_args(cpu: Option<&str>) -> String {
    let model = cpu.unwrap_or(DEFAULT_CPU_MODEL);
    format!(
        "-device isa-applesmc,osk=\"{APPLE_SMC_OSK}\" -smbios type=2 \
         -device qemu-xhci -device usb-kbd -device usb-tablet \
         -global nec-usb-xhci.msi=off \
         -global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off \
         -cpu {model},vendor=GenuineIntel,+invtsc,+hypervisor,kvm=on,vmware-cpuid-freq=on"
    )
}

/// The recovery image OSX-PROXMOX downloads for a macOS version (`recovery-sequoia.iso`
/// for 15), or `None` for a version it does not know.
pub(crate) fn recovery_image(version: &str) -> Option<String> {
    let mut parts = version.trim().split('.');
    let major = parts.next().unwrap_or_default();
    let minor = parts.next().unwrap_or_default();
    let name = match (major, minor) {
        ("10", "13") => "highsierra",
        ("10", "14") => "mojave",
        ("10", "15") => "catalina",
        ("11", _) => "bigsur",
        ("12", _) => "monterey",
        ("13", _) => "ventura",
        ("14", _) => "sonoma",
        ("15", _) => "sequoia",
        ("26", _) => "tahoe",
        _ => return None,
    };
    Some(format!("recovery-{name}.iso"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_images_follow_osx_proxmox_names() {
        assert_eq!(
            recovery_image("15").as_deref(),
            Some("recovery-sequoia.iso")
        );
        assert_eq!(
            recovery_image("14.6").as_deref(),
            Some("recovery-sonoma.iso")
        );
        assert_eq!(
            recovery_image("10.15").as_deref(),
            Some("recovery-catalina.iso")
        );
        assert_eq!(recovery_image("10.12"), None);
        assert_eq!(recovery_image(""), None);
    }

    #[test]
    fn args_carry_the_smc_and_the_cpu_model() {
        let args = qemu_args(None);
        assert!(args.starts_with("-device isa-applesmc,osk=\"ourhard"));
        assert!(args.ends_with("-cpu Haswell-noTSX,vendor=GenuineIntel,+invtsc,+hypervisor,kvm=on,vmware-cpuid-freq=on"));
        assert!(qemu_args(Some("Skylake-Client-v4"))
            .contains("-cpu Skylake-Client-v4,vendor=GenuineIntel"));
    }
}
