//! Guest tags Proxmox refuses. Proxmox keeps a guest's tags as one `;`-separated list and
//! accepts a tag only if it matches `PVE_TAG_RE`, `[a-z0-9_][a-z0-9_\-\+\.]*`
//! case-insensitively (pve-common `src/PVE/JSONSchema.pm` at 0219596d, `pve_verify_tag`:
//! "invalid characters in tag"). A tag with a space would stop `qm create`; one with `;`
//! would become two tags.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::Model;

const RULE: &str =
    "a tag is letters, digits, `_`, `-`, `+` and `.`, starting with a letter, a digit or `_`";

pub(super) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    for (_, machine, guest) in model.guests() {
        for tag in guest.tags.iter().filter(|t| !proxmox_tag(&t.value)) {
            let tag_text = &tag.value;
            let what = match tag_text
                .chars()
                .find(|c| !c.is_ascii_alphanumeric() && !"_-+.".contains(*c))
            {
                Some(' ') => "a space is not allowed in a tag".to_string(),
                Some(c) => format!("`{}` is not allowed in a tag", c.escape_debug()),
                None if tag_text.is_empty() => "an empty tag".to_string(),
                None => "a tag starts with a letter, a digit or `_`".to_string(),
            };
            let joined = tag_text.split_whitespace().collect::<Vec<_>>().join("-");
            out.push(
                Diagnostic::error(
                    Code::OUT_OF_RANGE,
                    format!(
                        "{tag_text:?}, a tag of {} {}, is not one Proxmox accepts",
                        guest.kind.as_str(),
                        machine.name
                    ),
                    tag.span,
                    what,
                )
                .with_help(if tag_text.contains(' ') && proxmox_tag(&joined) {
                    format!("{RULE}: write {joined:?}")
                } else {
                    RULE.to_string()
                }),
            );
        }
    }
}

/// Whether `tag` matches Proxmox's `PVE_TAG_RE`.
fn proxmox_tag(tag: &str) -> bool {
    let mut bytes = tag.bytes();
    bytes
        .next()
        .is_some_and(|first| first.is_ascii_alphanumeric() || first == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::proxmox_tag;

    #[test]
    fn tags_follow_proxmox_rule() {
        for ok in ["web", "Team_A", "_x", "9", "a.b+c-d"] {
            assert!(proxmox_tag(ok), "{ok}");
        }
        for bad in ["", "-x", "+x", ".x", "a b", "a;b", "ü", "a=b", "a,b"] {
            assert!(!proxmox_tag(bad), "{bad}");
        }
    }
}
