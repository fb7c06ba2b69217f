//! Checking a value against the type its attribute expects (names are resolved by kind in
//! `resolve`).

use crate::decls::DeclIdx;
use crate::schema::HARDWARE_INSTANCE;
use crate::value::{Kind, Ty, Value};
use crate::Sema;
use infrac_diagnostics::{did_you_mean, Code, Diagnostic, Span};

/// The largest count of cores an attribute accepts.
const MAX_CORES: i128 = 65_536;

impl<'a> Sema<'a> {
    fn mismatch(&mut self, ty: &Ty, value: &Value, span: Span) {
        if self.trying {
            return;
        }
        let help = match (ty, value) {
            (Ty::Str | Ty::Image, Value::Word(w)) => Some(format!("strings are quoted: \"{w}\"")),
            (Ty::Bytes, Value::Int(n)) if *n >= 128 => Some(format!("sizes need a unit: `{n}MiB`")),
            (Ty::Bytes, Value::Int(n)) => Some(format!("sizes need a unit: `{n}GiB`")),
            (Ty::Placed(_, crate::value::PlaceOn::Pool), _) => {
                Some("place it on a storage pool: `50GiB on local-lvm`".into())
            }
            (Ty::Placed(_, crate::value::PlaceOn::Network), _) => {
                Some("say which network: `192.168.1.10 on mgmt`".into())
            }
            (Ty::Placed(_, crate::value::PlaceOn::Machine), _) => {
                Some("name the export and its machine: `media on nas`".into())
            }
            (Ty::List(_), _) => Some("wrap it in a list: `[ … ]`".into()),
            (Ty::Ipv4 | Ty::Ipv6 | Ty::Ip, Value::Net(a, _)) => {
                Some(format!("drop the prefix length: `{a}`"))
            }
            (Ty::Net4 | Ty::Net6 | Ty::Net, Value::Ip(a)) => Some(format!(
                "add a prefix length, e.g. `{a}/{}`",
                if a.is_ipv4() { 24 } else { 64 }
            )),
            (Ty::Cores, Value::Milli(_) | Value::Float(_)) => Some("guests get whole cores".into()),
            (Ty::Count(Ty::Bytes), _) => {
                Some("write how many modules of which size: `dimms = 12 * 32GiB`".into())
            }
            (Ty::Count(_), _) => Some(
                "write how many of which part from the catalogue: `cpus = 2 * intel.xeon_e5_2690_v4`"
                    .into(),
            ),
            (Ty::Bool, Value::Str(_)) => Some("write `true` or `false`, without quotes".into()),
            (Ty::Expose, Value::Str(_)) => Some(
                "write the call itself, without quotes: `clusterip()`, `nodeport(30080)` or `loadbalancer()`"
                    .into(),
            ),
            _ => None,
        };
        self.diags.push(
            Diagnostic::error(
                Code::TYPE_MISMATCH,
                match (ty, value) {
                    (Ty::Placed(..), v) if !matches!(v, Value::Placed(..)) => format!(
                        "expected {}, found {} with no `on`",
                        ty.describe(),
                        v.describe()
                    ),
                    _ => format!("expected {}, found {}", ty.describe(), value.describe()),
                },
                span,
                format!("expected {}", ty.describe()),
            )
            .with_help_opt(help),
        );
    }

    /// Checks `value` against `ty`, converting where the language allows it.
    ///
    /// Nearly every value written already has its type (a count of cores, a size, an
    /// address of the right family): those are handed back here, inlined into the caller,
    /// as [`Sema::coerce_other`] would, so they do not go through memory into a call and
    /// back out again for each attribute of a lab.
    #[inline(always)]
    pub(crate) fn coerce(
        &mut self,
        value: Value,
        span: Span,
        ty: &Ty,
        ctx: Option<DeclIdx>,
    ) -> Option<Value> {
        // Each case is the first arm of `coerce_other` that the pair meets, and one that
        // returns the value unchanged.
        let as_is = match (ty, &value) {
            (Ty::Int(lo, hi), Value::Int(n)) => lo <= n && n <= hi,
            (Ty::Cores, Value::Int(n)) => (0..=MAX_CORES).contains(n),
            (Ty::Ipv4, Value::Ip(ip)) => ip.is_ipv4(),
            (Ty::Ipv6, Value::Ip(ip)) => ip.is_ipv6(),
            (Ty::Ip, Value::Ip(_))
            | (Ty::Bytes, Value::Bytes(_))
            | (Ty::Bool, Value::Bool(_))
            | (Ty::Float, Value::Float(_))
            | (Ty::Str | Ty::Text, Value::Str(_)) => true,
            _ => false,
        };
        if as_is {
            return Some(value);
        }
        self.coerce_other(value, span, ty, ctx)
    }

    /// [`Sema::coerce`] for every pair it does not settle itself.
    fn coerce_other(
        &mut self,
        value: Value,
        span: Span,
        ty: &Ty,
        ctx: Option<DeclIdx>,
    ) -> Option<Value> {
        match (ty, value) {
            (Ty::Int(lo, hi), Value::Int(n)) => {
                if n < *lo || n > *hi {
                    self.diags.push(
                        Diagnostic::error(
                            Code::OUT_OF_RANGE,
                            format!("{n} is out of range"),
                            span,
                            format!("expected {}", ty.describe()),
                        )
                        .with_help(format!("use a value in the range: {}", ty.describe())),
                    );
                    return None;
                }
                Some(Value::Int(n))
            }
            (Ty::Float, Value::Int(n)) => Some(Value::Float(n as f64)),
            (Ty::Float, v @ Value::Float(_)) => Some(v),
            (Ty::Bool, v @ Value::Bool(_)) => Some(v),
            (
                Ty::Scalar,
                v @ (Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Str(_)),
            ) => Some(v),
            (Ty::Str | Ty::Text, v @ Value::Str(_)) => Some(v),
            (Ty::Text, Value::Word(w)) => Some(Value::Str(w)),
            (Ty::Bytes, v @ Value::Bytes(_)) => Some(v),
            (Ty::Bytes, Value::Ref(d)) if self.decls[d.0 as usize].kind == Kind::Dimm => {
                self.attr_value(d, "size", span)
            }
            (Ty::Bytes, Value::Count(n, part)) => match *part {
                Value::Bytes(b) => n.checked_mul(b).map(Value::Bytes),
                other => {
                    self.mismatch(ty, &other, span);
                    None
                }
            },
            (Ty::Cores, Value::Int(n)) => {
                if !(0..=MAX_CORES).contains(&n) {
                    self.diags.push(
                        Diagnostic::error(
                            Code::OUT_OF_RANGE,
                            format!("{n} cores is out of range"),
                            span,
                            format!("expected 0 to {MAX_CORES} cores"),
                        )
                        .with_help(format!(
                            "give a whole number of cores from 0 to {MAX_CORES}"
                        )),
                    );
                    return None;
                }
                Some(Value::Int(n))
            }
            (Ty::Cpu, Value::Int(n)) if (0..=1_000_000).contains(&n) => {
                Some(Value::Milli(n as u64 * 1000))
            }
            (Ty::Cpu, Value::Float(x)) if (0.0..1e6).contains(&x) => {
                Some(Value::Milli((x * 1000.0).round() as u64))
            }
            (Ty::Cpu, v @ Value::Milli(_)) => Some(v),
            // Written as 0, or so small it rounds to 0 (`0.0001G`): a link that carries
            // nothing, a CPU that never ticks.
            (Ty::Speed, Value::Speed(0)) | (Ty::Freq, Value::Freq(0)) => {
                let (what, unit, example) = match ty {
                    Ty::Speed => ("link speed", "Mbps", "`1G` or `10G`"),
                    _ => ("clock", "MHz", "`2600MHz`"),
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::OUT_OF_RANGE,
                        format!("a {what} of 0"),
                        span,
                        format!("this is 0 {unit}"),
                    )
                    .with_help(format!(
                        "write the {what} it has, such as {example}, or leave it out"
                    )),
                );
                None
            }
            (Ty::Freq, v @ Value::Freq(_))
            | (Ty::Speed, v @ Value::Speed(_))
            | (Ty::Duration, v @ Value::Duration(_)) => Some(v),
            (Ty::Ipv4 | Ty::Ipv6 | Ty::Ip, Value::Ip(ip)) => {
                if !self.family_ok(ty, ip.is_ipv4(), span, &ip, "address") {
                    return None;
                }
                Some(Value::Ip(ip))
            }
            // `192.168.100.10/24`, as `ip addr` prints it: the address, with the length
            // kept aside for a check against its network (prefixes.rs).
            (Ty::Ipv4 | Ty::Ipv6 | Ty::Ip, Value::Net(a, len))
                if ipnet::IpNet::new(a, len).is_ok_and(|n| n.network() != a) =>
            {
                let ip = self.coerce(Value::Ip(a), span, ty, ctx)?;
                self.written_prefixes.push((span, len));
                Some(ip)
            }
            (Ty::Net4 | Ty::Net6 | Ty::Net, Value::Net(a, l)) => {
                if !self.family_ok(ty, a.is_ipv4(), span, &format_args!("{a}/{l}"), "prefix") {
                    return None;
                }
                let net = ipnet::IpNet::new(a, l).ok()?;
                if net.trunc().addr() != a {
                    self.diags.push(
                        Diagnostic::error(
                            Code::HOST_BITS_SET,
                            format!("{a}/{l} has host bits set"),
                            span,
                            format!(
                                "the /{l} network containing this address is {}",
                                net.trunc()
                            ),
                        )
                        .with_help(format!("write `{}`", net.trunc())),
                    );
                    return None;
                }
                Some(Value::Net(a, l))
            }
            (Ty::Mac, Value::Mac(mac)) => {
                // A NIC's own address: Linux refuses a group or all-zero one on an interface
                // (`is_valid_ether_addr`, include/linux/etherdevice.h) and Proxmox refuses a
                // group one (`pve_verify_mac_addr`, pve-common src/PVE/JSONSchema.pm at
                // 0219596d: "value does not look like a valid unicast MAC address").
                let group = mac[0] & 1 == 1;
                if group || mac == [0; 6] {
                    let text = infrac_model::Mac(mac).to_string();
                    self.diags.push(
                        Diagnostic::error(
                            Code::OUT_OF_RANGE,
                            if group {
                                format!("{text} is a multicast address, not one a NIC can have")
                            } else {
                                format!("{text} is not an address a NIC can have")
                            },
                            span,
                            if group {
                                "the lowest bit of the first octet is set"
                            } else {
                                "all zeros"
                            },
                        )
                        .with_help(
                            "a NIC's address is unicast: the lowest bit of its first octet is 0, \
                             as in the locally administered `02:00:00:00:00:01`",
                        ),
                    );
                    return None;
                }
                Some(Value::Mac(mac))
            }
            (Ty::Port, v @ Value::Port(_)) => Some(v),
            (Ty::Range(inner), Value::Range(lo, hi)) => {
                let lo = self.coerce(*lo, span, inner, ctx)?;
                let hi = self.coerce(*hi, span, inner, ctx)?;
                let reversed = match (&lo, &hi) {
                    (Value::Int(a), Value::Int(b)) => a > b,
                    (Value::Ip(a), Value::Ip(b)) => a > b,
                    _ => false,
                };
                if reversed {
                    self.diags.push(
                        Diagnostic::error(
                            Code::OUT_OF_RANGE,
                            "range is reversed",
                            span,
                            "the first bound is above the last",
                        )
                        .with_help("write the lower bound first"),
                    );
                    return None;
                }
                Some(Value::Range(Box::new(lo), Box::new(hi)))
            }
            (Ty::List(inner), Value::List(items)) => {
                let mut out = Vec::new();
                for (v, s) in items {
                    if let Some(v) = self.coerce(v, s, inner, ctx) {
                        out.push((v, s));
                    }
                }
                Some(Value::List(out))
            }
            (Ty::Ref(kind), Value::Word(w)) => self.resolve_name(&w, span, *kind).map(Value::Ref),
            (Ty::Ref(kind), Value::Ref(d)) => {
                let found = &self.decls[d.0 as usize];
                if found.kind == *kind {
                    Some(Value::Ref(d))
                } else {
                    let message = format!(
                        "`{}` is {} `{}`, not {}",
                        found.name,
                        article_for(found.keyword),
                        found.keyword,
                        kind.article()
                    );
                    let decl_span = found.name_span;
                    self.diags.push(
                        Diagnostic::error(
                            Code::WRONG_KIND,
                            message,
                            span,
                            format!("expected {}", kind.article()),
                        )
                        .with_help(format!("name {} here", kind.article()))
                        .with_label(decl_span, "declared here"),
                    );
                    None
                }
            }
            (Ty::Word(words), Value::Word(w) | Value::Str(w)) => {
                if !words.is_empty() && !words.contains(&w.as_str()) {
                    self.diags.push(
                        Diagnostic::error(
                            Code::TYPE_MISMATCH,
                            format!("`{w}` is not one of the allowed values"),
                            span,
                            format!("expected {}", ty.describe()),
                        )
                        .with_help_opt(
                            did_you_mean(&w, words.iter().copied())
                                .map(|s| format!("did you mean `{s}`?")),
                        ),
                    );
                    return None;
                }
                Some(Value::Word(w))
            }
            // One placement where a list of them is expected: `address = 10.0.0.2 on mgmt`.
            (Ty::List(inner @ Ty::Placed(..)), v @ Value::Placed(..)) => {
                let v = self.coerce(v, span, inner, ctx)?;
                Some(Value::List(vec![(v, span)]))
            }
            (Ty::Placed(inner, _), Value::Placed(mut boxed, target, target_span)) => {
                // The value is checked in its box: no new one for every disk.
                let (v, vspan) = std::mem::replace(&mut *boxed, (Value::BgpPeers, span));
                *boxed = (self.coerce(v, vspan, inner, ctx)?, vspan);
                Some(Value::Placed(boxed, target, target_span))
            }
            (Ty::Secret | Ty::StrOrSecret, v @ Value::Secret(_)) => Some(v),
            (Ty::StrOrSecret, v @ Value::Str(_)) => Some(v),
            (Ty::Secret, Value::Str(_)) => {
                self.diags.push(
                    Diagnostic::error(Code::PLAINTEXT_SECRET, "plaintext secret in the source", span, "this value would be written into artifacts and docs")
                        .with_help("refer to the secret by name instead: `secret(\"name\")`, resolved at deploy time"),
                );
                None
            }
            (Ty::Expose, v @ Value::Expose(_)) => Some(v),
            (Ty::Hardware, Value::Instance(base, attrs)) => {
                self.coerce_hardware(base, attrs, span, ctx)
            }
            (Ty::Hardware, Value::Ref(d)) if self.decls[d.0 as usize].kind == Kind::Chassis => {
                self.coerce_hardware(d, Vec::new(), span, ctx)
            }
            (Ty::Count(inner), Value::Count(n, part)) => {
                let part = self.coerce(*part, span, inner, ctx)?;
                Some(Value::Count(n, Box::new(part)))
            }
            (Ty::Count(inner), v @ (Value::Ref(_) | Value::Word(_) | Value::Bytes(_))) => {
                let part = self.coerce(v, span, inner, ctx)?;
                Some(Value::Count(1, Box::new(part)))
            }
            (Ty::Image, Value::Str(s)) => match infrac_model::ImageRef::parse(&s) {
                Ok(image) => {
                    if !image.is_pinned() {
                        self.diags.push(unpinned_image(&image, span));
                    }
                    Some(Value::Str(s))
                }
                Err(why) => {
                    self.diags.push(
                        Diagnostic::error(
                            Code::INVALID_IMAGE,
                            format!("`{}` is not a container image reference", s.escape_debug()),
                            span,
                            why,
                        )
                        .with_help(
                            "write REGISTRY/REPOSITORY:TAG, as `docker pull` takes it: \
                             `ghcr.io/org/app:1.2`, `nginx:1.29`",
                        ),
                    );
                    None
                }
            },
            (Ty::Regex, Value::Str(s)) => match regex::Regex::new(&s) {
                Ok(_) => Some(Value::Str(s)),
                Err(e) => {
                    let first_line = e
                        .to_string()
                        .lines()
                        .last()
                        .unwrap_or("invalid")
                        .trim()
                        .trim_start_matches("error: ")
                        .to_string();
                    self.diags.push(
                        Diagnostic::error(
                            Code::BAD_PATTERN,
                            "invalid naming pattern",
                            span,
                            first_line,
                        )
                        .with_help("naming rules are regular expressions in Rust `regex` syntax"),
                    );
                    None
                }
            },
            (Ty::RouteTarget, Value::Word(w)) => {
                let found = self
                    .index
                    .get(&(None, w.as_str().into()))
                    .map(|d| d.to_vec())
                    .unwrap_or_default();
                match found
                    .iter()
                    .find(|d| matches!(self.decls[d.0 as usize].kind, Kind::App | Kind::Machine))
                {
                    Some(d) => Some(Value::Ref(*d)),
                    None if !found.is_empty() => {
                        self.resolve_name(&w, span, Kind::App).map(Value::Ref)
                    }
                    None => {
                        let targets: Vec<String> = self
                            .decls
                            .iter()
                            .filter(|d| {
                                d.namespace.is_none() && matches!(d.kind, Kind::App | Kind::Machine)
                            })
                            .map(|d| d.name.to_string())
                            .collect();
                        self.diags.push(
                            Diagnostic::error(
                                Code::UNRESOLVED_NAME,
                                format!("cannot find an app or machine named `{w}`"),
                                span,
                                "no app or machine has this name",
                            )
                            .with_help_opt(
                                did_you_mean(&w, targets.iter().map(String::as_str))
                                    .map(|s| format!("did you mean `{s}`?")),
                            ),
                        );
                        None
                    }
                }
            }
            (ty, v) => {
                self.mismatch(ty, &v, span);
                None
            }
        }
    }

    /// `text` is written out only in the diagnostic: formatting every address of a
    /// large lab, to throw it away, cost more than checking it.
    fn family_ok(
        &mut self,
        ty: &Ty,
        is_v4: bool,
        span: Span,
        text: &dyn std::fmt::Display,
        what: &str,
    ) -> bool {
        let wants_v4 = match ty {
            Ty::Ipv4 | Ty::Net4 => Some(true),
            Ty::Ipv6 | Ty::Net6 => Some(false),
            _ => None,
        };
        match wants_v4 {
            Some(want) if want != is_v4 => {
                let (want_name, found_name) = if want {
                    ("IPv4", "IPv6")
                } else {
                    ("IPv6", "IPv4")
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::ADDRESS_FAMILY,
                        format!(
                            "expected an {want_name} {what}, found the {found_name} {what} {text}"
                        ),
                        span,
                        format!("this is {found_name}"),
                    )
                    .with_help(if want {
                        "IPv6 values go in the `ipv6`/`ip6`/`gateway6` attributes"
                    } else {
                        "IPv4 values go in the `ipv4`/`ip`/`gateway` attributes"
                    }),
                );
                false
            }
            _ => true,
        }
    }

    fn coerce_hardware(
        &mut self,
        base: DeclIdx,
        attrs: Vec<(String, Value, Span)>,
        span: Span,
        ctx: Option<DeclIdx>,
    ) -> Option<Value> {
        let mut out = Vec::new();
        let mut seen: Vec<(String, Span)> = Vec::new();
        for (name, value, vspan) in attrs {
            match HARDWARE_INSTANCE.attr(&name) {
                Some(spec) => {
                    if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
                        self.diags.push(
                            Diagnostic::error(
                                Code::DUPLICATE_ATTRIBUTE,
                                format!("`{name}` is set twice"),
                                vspan,
                                "set again here",
                            )
                            .with_label(*first, "first set here")
                            .with_help("remove one of them"),
                        );
                        continue;
                    }
                    seen.push((name.clone(), vspan));
                    if let Some(v) = self.coerce(value, vspan, &spec.ty, ctx) {
                        out.push((name, v, vspan));
                    }
                }
                None => self.diags.push(
                    Diagnostic::error(
                        Code::UNKNOWN_ATTRIBUTE,
                        format!("a chassis instance has no attribute `{name}`"),
                        vspan,
                        "unknown attribute",
                    )
                    .with_help(match did_you_mean(&name, ["cpus", "dimms"]) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => {
                            "a chassis instance sets `cpus = N * CPU` and `dimms = N * SIZE`".into()
                        }
                    }),
                ),
            }
        }
        for spec in HARDWARE_INSTANCE.attrs {
            // Written with a value that failed is reported already, not missing.
            if !seen.iter().any(|(n, _)| n == spec.name) {
                self.diags.push(
                    Diagnostic::error(Code::MISSING_ATTRIBUTE, format!("the hardware does not say its `{}`", spec.name), span, format!("`{}` missing", spec.name))
                        .with_help("write e.g. `dell.r730 { cpus = 2 * intel.xeon_e5_2690_v4, dimms = 12 * 32GiB }`"),
                );
                return None;
            }
        }
        if out.len() < seen.len() {
            return None;
        }
        Some(Value::Instance(base, out))
    }
}

/// "a" or "an" for a declaration keyword.
pub(crate) fn article_for(keyword: &str) -> &'static str {
    if keyword.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// W0301: an image without a tag, or tagged with a channel (`latest`, `stable`), is
/// whatever the registry serves on the day of the pull: two machines built from one lab,
/// or one machine before and after a `docker compose pull`, run different releases.
fn unpinned_image(image: &infrac_model::ImageRef, span: Span) -> Diagnostic {
    let label = match image.tag() {
        Some(tag) => format!("`{tag}` moves with every release"),
        None => "no tag: Docker pulls `latest`".to_string(),
    };
    let name = image.repository();
    Diagnostic::warning(
        Code::IMAGE_NOT_PINNED,
        format!("image `{image}` is not pinned to a release"),
        span,
        label,
    )
    .with_help(format!(
        "name the release you run, as the registry tags it (`{name}:1.2.3`), or pin a digest (`{name}@sha256:…`)"
    ))
}
