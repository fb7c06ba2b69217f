//! Interface names: a host's NICs, bridges and bonds reach `/etc/network/interfaces`,
//! NixOS and OpenWrt configuration as names, whatever the machine's platform.

use crate::fields::Fields;
use crate::Sema;
use infrac_diagnostics::{Code, Diagnostic};

impl<'a> Sema<'a> {
    /// A host's NICs (those named for their device), bridges and bonds are written as
    /// interface names into `/etc/network/interfaces`, NixOS and OpenWrt configuration:
    /// each must be one the kernel accepts (Linux net/core/dev.c, `dev_valid_name`: 1 to 15 bytes, no `/`,
    /// `:` or whitespace) and one word in those files, so letters, digits, `.`, `_`, `-`.
    pub(crate) fn check_interface_names(&mut self, f: &Fields, model: &infrac_model::Model) {
        for kind in ["nic", "bridge", "bond"] {
            for b in f.blocks_of(kind) {
                let Some(name) = &b.name else { continue };
                // A NIC named after the network it joins (`nic lan { ip = … }`) takes
                // its device name from the platform, not from this word.
                let by_network = kind == "nic"
                    && b.fields.decl_ref("network").is_none()
                    && self.network_names.get(model, name).is_some();
                if by_network {
                    continue;
                }
                let valid = (1..=15).contains(&name.len())
                    && !name.starts_with('-')
                    && name != "."
                    && name != ".."
                    && name
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'));
                if !valid {
                    self.diags.push(
                        Diagnostic::error(
                            Code::INTERFACE_NAME_INVALID,
                            format!("`{name}` is not a Linux interface name"),
                            b.name_span,
                            format!("the name of this {kind}"),
                        )
                        .with_help(
                            "interface names are 1 to 15 letters, digits, `.`, `_` or `-`, \
                             not starting with `-`: `eno1`, `vmbr0`, `bond0`",
                        ),
                    );
                }
            }
        }
    }
}
