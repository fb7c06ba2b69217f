//! The declared type of a NixOS option as `data/options.txt` records it, and whether a
//! value this target writes is one the option's type accepts. NixOS rejects a mistyped
//! definition at evaluation time ("is not of type"), so a value of the wrong shape is as
//! fatal on the machine as an option that does not exist.

use crate::nix::Nix;

/// The subset of the module system's types (`lib.types`) that the options this target
/// writes are declared with. `mkEnableOption` declares a `bool`, `mkPackageOption` a
/// `package`, `pkgs.formats.*.type` a freeform attribute set.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OptionType {
    /// No declaration was read for this option yet: only its name is checked.
    Unrecorded,
    Bool,
    Int,
    /// `types.port`: an unsigned 16-bit integer.
    Port,
    Str,
    /// `types.singleLineStr`: a string without a line break.
    SingleLineStr,
    /// `networking.hostName`'s `types.strMatching
    /// "^$|^[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$"`: empty or one DNS label.
    DnsLabel,
    Lines,
    Path,
    Package,
    Enum(Vec<String>),
    ListOf(Box<OptionType>),
    AttrsOf(Box<OptionType>),
    NullOr(Box<OptionType>),
    Either(Box<OptionType>, Box<OptionType>),
    /// An attribute set whose own options are recorded as separate lines.
    Submodule,
    /// An attribute set of any shape (`settings` of a `pkgs.formats` type).
    Freeform,
}

impl OptionType {
    /// Parses the table's notation: `bool`, `listOf(port)`, `enum(server,agent)`,
    /// `either(str,listOf(str))`, `?` for an unrecorded type.
    pub(crate) fn parse(text: &str) -> Result<OptionType, String> {
        let (ty, rest) = parse_one(text)?;
        if rest.is_empty() {
            Ok(ty)
        } else {
            Err(format!("unexpected `{rest}` after a type in `{text}`"))
        }
    }

    /// Why `value` is not of this type, or `None` when it is. An expression this crate
    /// wrote itself (`pkgs.bird2`, `builtins.readFile …`) has no shape known here and is
    /// taken as fitting.
    pub(crate) fn rejects(&self, value: &Nix) -> Option<String> {
        let value = match value {
            Nix::Commented(inner, _) => inner,
            other => other,
        };
        if matches!(value, Nix::Expr(_)) || *self == OptionType::Unrecorded {
            return None;
        }
        let fits = match (self, value) {
            (OptionType::Bool, Nix::Bool(_)) => true,
            (OptionType::Int, Nix::Int(_)) => true,
            (OptionType::Port, Nix::Int(n)) => (0..=65535).contains(n),
            (
                OptionType::Str | OptionType::Lines | OptionType::Path,
                Nix::Str(_) | Nix::Lines(_),
            ) => true,
            (OptionType::SingleLineStr, Nix::Str(s)) => !s.contains('\n'),
            (OptionType::DnsLabel, Nix::Str(s)) => dns_label(s),
            (OptionType::Enum(allowed), Nix::Str(s)) => allowed.iter().any(|a| a == s),
            (OptionType::ListOf(item), Nix::List(items)) => {
                return items
                    .iter()
                    .find_map(|i| item.rejects(i))
                    .map(|why| format!("an element of the list: {why}"));
            }
            (OptionType::AttrsOf(item), Nix::Attrs(entries)) => {
                return entries.iter().find_map(|(key, v)| {
                    let v = nest(&key[1..], v);
                    item.rejects(&v)
                        .map(|why| format!("attribute `{}`: {why}", key[0]))
                });
            }
            (OptionType::NullOr(inner), _) => return inner.rejects(value),
            (OptionType::Either(a, b), _) => {
                return a
                    .rejects(value)
                    .and(b.rejects(value))
                    .map(|_| format!("{} is neither of the two types", kind(value)));
            }
            (OptionType::Submodule | OptionType::Freeform, Nix::Attrs(_)) => true,
            _ => false,
        };
        (!fits).then(|| format!("{} is not of type {self}", kind(value)))
    }
}

fn dns_label(s: &str) -> bool {
    let inner = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let (Some(first), Some(last)) = (s.chars().next(), s.chars().last()) else {
        return true;
    };
    s.len() <= 63
        && first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && s.chars().all(inner)
}

/// `value` under the attribute path `rest` (`a.b = v` is `a = { b = v; }`).
fn nest(rest: &[String], value: &Nix) -> Nix {
    if rest.is_empty() {
        value.clone()
    } else {
        Nix::Attrs(vec![(rest.to_vec(), value.clone())])
    }
}

fn kind(value: &Nix) -> String {
    match value {
        Nix::Str(s) => format!("the string {s:?}"),
        Nix::Int(n) => format!("the integer {n}"),
        Nix::Bool(b) => format!("the boolean {b}"),
        Nix::List(_) => "a list".into(),
        Nix::Attrs(_) => "an attribute set".into(),
        Nix::Expr(e) => format!("the expression `{e}`"),
        Nix::Commented(inner, _) => kind(inner),
        Nix::Lines(_) => "a multi-line string".into(),
    }
}

fn parse_one(text: &str) -> Result<(OptionType, &str), String> {
    let end = text.find(['(', ')', ',']).unwrap_or(text.len());
    let (name, rest) = text.split_at(end);
    let simple = match name {
        "?" => Some(OptionType::Unrecorded),
        "bool" => Some(OptionType::Bool),
        "int" => Some(OptionType::Int),
        "port" => Some(OptionType::Port),
        "str" => Some(OptionType::Str),
        "singleLineStr" => Some(OptionType::SingleLineStr),
        "dnsLabel" => Some(OptionType::DnsLabel),
        "lines" => Some(OptionType::Lines),
        "path" => Some(OptionType::Path),
        "package" => Some(OptionType::Package),
        "submodule" => Some(OptionType::Submodule),
        "freeform" => Some(OptionType::Freeform),
        _ => None,
    };
    if let Some(ty) = simple {
        return Ok((ty, rest));
    }
    let Some(args) = rest.strip_prefix('(') else {
        return Err(format!("unknown type `{name}`"));
    };
    if name == "enum" {
        let close = args.find(')').ok_or("`enum(` is not closed")?;
        let values = args[..close].split(',').map(str::to_string).collect();
        return Ok((OptionType::Enum(values), &args[close + 1..]));
    }
    let (first, rest) = parse_one(args)?;
    let (ty, rest) = match name {
        "listOf" => (OptionType::ListOf(Box::new(first)), rest),
        "attrsOf" => (OptionType::AttrsOf(Box::new(first)), rest),
        "nullOr" => (OptionType::NullOr(Box::new(first)), rest),
        "either" => {
            let rest = rest.strip_prefix(',').ok_or("`either` takes two types")?;
            let (second, rest) = parse_one(rest)?;
            (OptionType::Either(Box::new(first), Box::new(second)), rest)
        }
        _ => return Err(format!("unknown type `{name}`")),
    };
    let rest = rest
        .strip_prefix(')')
        .ok_or(format!("`{name}(` is not closed"))?;
    Ok((ty, rest))
}

impl std::fmt::Display for OptionType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OptionType::Unrecorded => write!(f, "?"),
            OptionType::Bool => write!(f, "bool"),
            OptionType::Int => write!(f, "int"),
            OptionType::Port => write!(f, "port"),
            OptionType::Str => write!(f, "str"),
            OptionType::SingleLineStr => write!(f, "singleLineStr"),
            OptionType::DnsLabel => write!(f, "dnsLabel"),
            OptionType::Lines => write!(f, "lines"),
            OptionType::Path => write!(f, "path"),
            OptionType::Package => write!(f, "package"),
            OptionType::Enum(values) => write!(f, "enum({})", values.join(",")),
            OptionType::ListOf(t) => write!(f, "listOf({t})"),
            OptionType::AttrsOf(t) => write!(f, "attrsOf({t})"),
            OptionType::NullOr(t) => write!(f, "nullOr({t})"),
            OptionType::Either(a, b) => write!(f, "either({a},{b})"),
            OptionType::Submodule => write!(f, "submodule"),
            OptionType::Freeform => write!(f, "freeform"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> OptionType {
        OptionType::parse(text).expect("type")
    }

    #[test]
    fn types_read_back_as_written() {
        for text in [
            "bool",
            "listOf(attrsOf(port))",
            "enum(server,agent)",
            "either(str,listOf(str))",
            "nullOr(path)",
        ] {
            assert_eq!(ty(text).to_string(), text);
        }
        assert!(OptionType::parse("listOf(str").is_err());
        assert!(OptionType::parse("string").is_err());
    }

    #[test]
    fn values_of_the_wrong_shape_are_rejected() {
        assert_eq!(ty("bool").rejects(&Nix::Bool(true)), None);
        assert_eq!(
            ty("listOf(port)").rejects(&Nix::List(vec![Nix::Int(22), Nix::Int(70000)])),
            Some("an element of the list: the integer 70000 is not of type port".into())
        );
        assert_eq!(
            ty("enum(server,agent)").rejects(&Nix::str("master")),
            Some("the string \"master\" is not of type enum(server,agent)".into())
        );
        assert!(ty("listOf(int)").rejects(&Nix::str("22")).is_some());
        assert!(ty("nullOr(path)")
            .rejects(&Nix::str("/run/secrets/k"))
            .is_none());
        assert!(ty("either(str,listOf(str))")
            .rejects(&Nix::strs(["a"]))
            .is_none());
        assert!(ty("either(str,listOf(str))")
            .rejects(&Nix::Int(1))
            .is_some());
        let ranges = Nix::List(vec![Nix::attrs([
            ("from", Nix::Int(1)),
            ("to", Nix::Bool(true)),
        ])]);
        assert!(ty("listOf(attrsOf(port))").rejects(&ranges).is_some());
        assert!(ty("package")
            .rejects(&Nix::Expr("pkgs.bird2".into()))
            .is_none());
        assert!(ty("?").rejects(&Nix::Int(1)).is_none());
        assert!(ty("dnsLabel").rejects(&Nix::str("router-1")).is_none());
        assert!(ty("dnsLabel")
            .rejects(&Nix::str("router.home.arpa"))
            .is_some());
        assert!(ty("dnsLabel").rejects(&Nix::str("-router")).is_some());
        assert!(ty("singleLineStr").rejects(&Nix::str("a\nb")).is_some());
        assert!(ty("attrsOf(?)")
            .rejects(&Nix::attrs([("Type", Nix::str("oneshot"))]))
            .is_none());
    }
}
