//! The registry of targets: every emitter `infrac build` knows, in output order.

use infrac_model::{Artifact, Model, Target};

/// The checked model as JSON: a debugging aid, always written.
struct ModelJson;

impl Target for ModelJson {
    fn name(&self) -> &'static str {
        "model"
    }

    fn description(&self) -> &'static str {
        "model.json: the checked model, for debugging and external tools"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<infrac_diagnostics::Diagnostic>> {
        let mut json =
            to_string_pretty(model).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        json.push('\n');
        Ok(vec![Artifact::new("model.json", json)])
    }
}

/// `serde_json::to_string_pretty`, byte for byte, through [`Pretty`].
fn to_string_pretty(value: &impl serde::Serialize) -> Result<String, String> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, Pretty::default());
    value
        .serialize(&mut serializer)
        .map_err(|e| e.to_string())?;
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// serde_json's `PrettyFormatter` (two spaces a level), writing each line break with its
/// indentation in one piece: that one writes the indentation a level at a time, and a
/// large lab's model.json has some 700,000 lines nested four or five levels deep.
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

type Io = std::io::Result<()>;

impl Pretty {
    /// A line break and the indentation of the current depth.
    fn line<W: ?Sized + std::io::Write>(&self, writer: &mut W) -> Io {
        // Deep enough for the model (its deepest line is about ten levels in).
        const LINE: [u8; 129] = {
            let mut line = [b' '; 129];
            line[0] = b'\n';
            line
        };
        match LINE.get(..1 + 2 * self.depth) {
            Some(line) => writer.write_all(line),
            None => {
                writer.write_all(b"\n")?;
                (0..self.depth).try_for_each(|_| writer.write_all(b"  "))
            }
        }
    }

    /// `[` or `{`: one level deeper, nothing in it yet.
    fn open<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> Io {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    /// `]` or `}`, on a line of its own unless the array or object is empty.
    fn close<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> Io {
        self.depth -= 1;
        if self.has_value {
            self.line(writer)?;
        }
        writer.write_all(bracket)
    }

    /// Before an element or a key: a comma after the one before, and a line of its own.
    fn item<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> Io {
        if !first {
            writer.write_all(b",")?;
        }
        self.line(writer)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> Io {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> Io {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> Io {
        self.item(writer, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> Io {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> Io {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> Io {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> Io {
        self.item(writer, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> Io {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> Io {
        self.has_value = true;
        Ok(())
    }
}

/// Every target, in the order their files are listed.
pub fn all_targets() -> Vec<&'static dyn Target> {
    vec![
        &ModelJson,
        &infrac_target_proxmox::ProxmoxTarget,
        &infrac_target_nixos::NixosTarget,
        &infrac_target_bird::BirdTarget,
        &infrac_target_nftables::NftablesTarget,
        &infrac_target_openwrt::OpenwrtTarget,
        &infrac_target_k8s::K8sTarget,
        &infrac_target_k3s::K3sTarget,
        &infrac_target_mermaid::MermaidTarget,
        &infrac_target_docs::DocsTarget,
        &infrac_target_cloudinit::CloudInitTarget,
        &infrac_target_wireguard::WireguardTarget,
        &infrac_target_compose::ComposeTarget,
        &infrac_target_compose::CloudflaredTarget,
        &infrac_target_compose::CaddyTarget,
    ]
}

/// The target named `name`.
pub fn target_named(name: &str) -> Option<&'static dyn Target> {
    all_targets().into_iter().find(|t| t.name() == name)
}

/// The targets whose files a target's files read by path from the same build: a NixOS
/// configuration loads the BIRD configuration and the nftables ruleset of its machine,
/// and the kube-vip manifest or keepalived configuration the k3s target writes.
/// `build --target` adds these, so no generated file names a file the build did not
/// write (`tests/build_cli.rs` checks every such path in every example).
pub fn dependencies(name: &str) -> &'static [&'static str] {
    match name {
        "nixos" => &["bird", "nftables", "k3s"],
        _ => &[],
    }
}

/// The dependencies of `selected` that it does not name, each with the target that
/// needs it, in registry order.
pub fn missing_dependencies(selected: &[String]) -> Vec<(&'static str, String)> {
    let mut missing: Vec<(&'static str, String)> = Vec::new();
    for target in all_targets() {
        let name = target.name();
        if selected.iter().any(|s| s == name) || missing.iter().any(|(m, _)| *m == name) {
            continue;
        }
        if let Some(by) = selected.iter().find(|s| dependencies(s).contains(&name)) {
            missing.push((name, by.clone()));
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::{all_targets, missing_dependencies};

    #[test]
    fn nixos_brings_the_targets_it_reads() {
        let selected = vec!["proxmox".to_string(), "nixos".to_string()];
        let added: Vec<&str> = missing_dependencies(&selected)
            .iter()
            .map(|(name, _)| *name)
            .collect();
        assert_eq!(added, ["bird", "nftables", "k3s"]);
        let named = vec!["nixos".to_string(), "bird".to_string()];
        assert!(!missing_dependencies(&named)
            .iter()
            .any(|(n, _)| *n == "bird"));
        assert!(missing_dependencies(&["proxmox".to_string()]).is_empty());
    }

    #[test]
    fn model_json_is_serde_jsons_pretty_printing() {
        let value = serde_json::json!({
            "a": [1, [], {}, [[2, {"b": null}]], "x\"y"],
            "e": {"f": {"g": true}},
        });
        // Deeper than the indentation written in one piece.
        let deep = (0..70).fold(value.clone(), |inner, _| serde_json::json!([inner, 1]));
        for value in [value, deep] {
            assert_eq!(
                super::to_string_pretty(&value).as_deref(),
                Ok(serde_json::to_string_pretty(&value)
                    .unwrap_or_default()
                    .as_str())
            );
        }
    }

    #[test]
    fn dependencies_are_targets() {
        let names: Vec<&str> = all_targets().iter().map(|t| t.name()).collect();
        for target in &names {
            for dep in super::dependencies(target) {
                assert!(names.contains(dep), "{target} depends on unknown {dep}");
            }
        }
    }
}
