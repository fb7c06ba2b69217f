//! Kubernetes quantities and names: formatting model units the way the API expects.

use infrac_model::{Bytes, MilliCpu};

/// CPU as a quantity: whole cores as `2`, anything else in millicores (`250m`).
pub fn cpu(value: MilliCpu) -> String {
    if value.0.is_multiple_of(1000) {
        (value.0 / 1000).to_string()
    } else {
        format!("{}m", value.0)
    }
}

/// Bytes as a binary quantity in the largest exact unit (`256Mi`, `1Gi`), else plain
/// bytes.
pub fn bytes(value: Bytes) -> String {
    let units = [
        (Bytes::TIB, "Ti"),
        (Bytes::GIB, "Gi"),
        (Bytes::MIB, "Mi"),
        (Bytes::KIB, "Ki"),
    ];
    for (size, suffix) in units {
        if value.0 >= size && value.0.is_multiple_of(size) {
            return format!("{}{suffix}", value.0 / size);
        }
    }
    value.0.to_string()
}

/// A name valid as a DNS-1123 label (object names, Secret names): lower case, `[a-z0-9-]`,
/// at most 63 characters. The checks reject names that need this; it only keeps output
/// valid if one slips through.
pub fn dns_label(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.truncate(63);
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "unnamed".into()
    } else {
        out
    }
}

/// A label value (`[A-Za-z0-9._-]`, at most 63 characters, alphanumeric at both ends),
/// or `None` when the text cannot be one without changing its meaning.
pub fn label_value(text: &str) -> Option<String> {
    let valid = !text.is_empty()
        && text.len() <= 63
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && text.starts_with(|c: char| c.is_ascii_alphanumeric())
        && text.ends_with(|c: char| c.is_ascii_alphanumeric());
    valid.then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_quantities() {
        assert_eq!(cpu(MilliCpu(250)), "250m");
        assert_eq!(cpu(MilliCpu(1000)), "1");
        assert_eq!(cpu(MilliCpu(1500)), "1500m");
    }

    #[test]
    fn memory_quantities() {
        assert_eq!(bytes(Bytes(256 * Bytes::MIB)), "256Mi");
        assert_eq!(bytes(Bytes(Bytes::GIB)), "1Gi");
        assert_eq!(bytes(Bytes(1536 * Bytes::MIB)), "1536Mi");
        assert_eq!(bytes(Bytes(2 * Bytes::TIB)), "2Ti");
        assert_eq!(bytes(Bytes(1000)), "1000");
    }

    #[test]
    fn names_and_labels() {
        assert_eq!(dns_label("My_App.v2"), "my-app-v2");
        assert_eq!(dns_label("--"), "unnamed");
        assert_eq!(label_value("11.2.0").as_deref(), Some("11.2.0"));
        assert_eq!(label_value("-x"), None);
    }
}
