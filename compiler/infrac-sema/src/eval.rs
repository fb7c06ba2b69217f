//! Expression evaluation: literals with units, paths, arithmetic and built-in functions.

use crate::decls::{DeclIdx, Env};
use crate::value::{Kind, Ty, Value};
use crate::Sema;
use ecow::EcoString;
use infrac_diagnostics::{did_you_mean, Code, Diagnostic, Span};
use infrac_model::names::same_name;
use infrac_model::{Expose, PortSpec, Protocol};
use infrac_syntax::ast::{self, BinOp, ExprKind};
use infrac_syntax::token::{self, Number};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const BINARY_UNITS: [(&str, u64); 6] = [
    ("B", 1),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("TiB", 1 << 40),
    ("PiB", 1 << 50),
];
const KNOWN_UNITS: [&str; 19] = [
    "B", "KiB", "MiB", "GiB", "TiB", "PiB", "m", "MHz", "GHz", "M", "G", "T", "Mbps", "Gbps", "ms",
    "s", "h", "d", "min",
];
/// The units a value of the expected type can be written in, so a suggestion is never
/// a unit the attribute then rejects (`speed = 10Gbs` suggests `10Gbps`, not `10GiB`).
fn units_for(hint: Option<&Ty>) -> &'static [&'static str] {
    match hint {
        Some(Ty::Bytes) => &["B", "KiB", "MiB", "GiB", "TiB", "PiB"],
        Some(Ty::Speed) => &["M", "G", "T", "Mbps", "Gbps"],
        Some(Ty::Duration) => &["ms", "s", "m", "min", "h", "d"],
        Some(Ty::Freq) => &["MHz", "GHz"],
        Some(Ty::Cpu) => &["m"],
        _ => &KNOWN_UNITS,
    }
}

const FUNCTIONS: [&str; 9] = [
    "host",
    "subnet",
    "contains",
    "nixos",
    "secret",
    "nodeport",
    "clusterip",
    "loadbalancer",
    "pad",
];

/// Converts an IP address to a 128-bit integer and back, for address arithmetic.
pub(crate) fn ip_to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

pub(crate) fn u128_to_ip(v4: bool, n: u128) -> Option<IpAddr> {
    if v4 {
        u32::try_from(n).ok().map(|n| IpAddr::V4(Ipv4Addr::from(n)))
    } else {
        Some(IpAddr::V6(Ipv6Addr::from(n)))
    }
}

/// [`ast::Path::dotted`], kept inline: every disk is placed on a pool named by one name.
fn dotted(path: &ast::Path) -> EcoString {
    match path.segments.as_slice() {
        [only] => only.name.clone(),
        _ => path.dotted().into(),
    }
}

fn number_value(n: Number) -> Value {
    match n {
        Number::Int(i) => Value::Int(i128::from(i)),
        Number::Float(x) => Value::Float(x),
    }
}

fn protocol(p: token::Protocol) -> Protocol {
    match p {
        token::Protocol::Tcp => Protocol::Tcp,
        token::Protocol::Udp => Protocol::Udp,
        token::Protocol::Sctp => Protocol::Sctp,
    }
}

impl<'a> Sema<'a> {
    /// Reports an error; every one says what to do about it.
    fn err(
        &mut self,
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::error(code, message, span, label).with_help(help));
    }

    /// Evaluates an expression in `env`; `ctx` is the declaration it belongs to.
    pub(crate) fn eval(
        &mut self,
        expr: &ast::Expr,
        env: &Env,
        ctx: Option<DeclIdx>,
        hint: Option<&Ty>,
    ) -> Option<Value> {
        let span = expr.span;
        Some(match &expr.kind {
            ExprKind::Number(n) => number_value(*n),
            ExprKind::Quantity(n, unit) => return self.quantity(*n, unit, span, hint),
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Str(s) => Value::Str(self.interpolate(s, env, ctx)?),
            ExprKind::Ipv4(a) => Value::Ip(IpAddr::V4(*a)),
            ExprKind::Ipv6(a) => Value::Ip(IpAddr::V6(*a)),
            ExprKind::Prefix(a, l) => Value::Net(*a, *l),
            ExprKind::Mac(m) => Value::Mac(*m),
            ExprKind::Port(p, lo, hi) => {
                let last = hi.unwrap_or(*lo);
                if last < *lo || *lo == 0 {
                    self.err(
                        Code::OUT_OF_RANGE,
                        "invalid port range",
                        span,
                        "ports run from 1 to 65535 and a range must not be reversed",
                        "write a port as `tcp/443` or a range as `tcp/30000..32767`, lowest first",
                    );
                    return None;
                }
                Value::Port(PortSpec {
                    protocol: protocol(*p),
                    first: *lo,
                    last,
                })
            }
            ExprKind::Path(path) => return self.eval_path(path, env, ctx),
            ExprKind::List(items) => {
                let inner = match hint {
                    Some(Ty::List(inner)) => Some(*inner),
                    _ => None,
                };
                // Every item is evaluated, so each broken one is reported; a list with a
                // broken item has no value, so nothing downstream misreads what is left.
                let mut out = Vec::new();
                let mut complete = true;
                for item in items {
                    match self.eval(item, env, ctx, inner) {
                        Some(v) => out.push((v, item.span)),
                        None => complete = false,
                    }
                }
                if !complete {
                    return None;
                }
                Value::List(out)
            }
            ExprKind::Call(f, args) => return self.call(f, args, env, ctx, span),
            ExprKind::Binary(op, l, r) => {
                let lv = self.eval(l, env, ctx, None)?;
                let rv = self.eval(r, env, ctx, None)?;
                return self.binary(*op, lv, rv, l.span, r.span);
            }
            ExprKind::Range(lo, hi) => {
                let inner = match hint {
                    Some(Ty::Range(inner)) => Some(*inner),
                    _ => None,
                };
                let lo = self.eval(lo, env, ctx, inner)?;
                let hi = self.eval(hi, env, ctx, inner)?;
                Value::Range(Box::new(lo), Box::new(hi))
            }
            ExprKind::Placed(placed) => {
                let (value, target) = &**placed;
                let inner = match hint {
                    Some(Ty::Placed(inner, _)) => Some(*inner),
                    _ => None,
                };
                let v = self.eval(value, env, ctx, inner)?;
                Value::Placed(Box::new((v, value.span)), dotted(target), target.span)
            }
            ExprKind::Instance(instance) => {
                let (path, block) = &**instance;
                let base = self.resolve_path_as(path, Kind::Chassis)?;
                let mut attrs = Vec::new();
                let mut complete = true;
                for entry in &block.entries {
                    match entry {
                        ast::Entry::Attr(a) => {
                            let spec = crate::schema::HARDWARE_INSTANCE.attr(&a.name());
                            match self.eval(&a.value, env, ctx, spec.map(|s| &s.ty)) {
                                Some(v) => attrs.push((a.name(), v, a.value.span)),
                                // Already reported; the instance is not "missing" it.
                                None => complete = false,
                            }
                        }
                        ast::Entry::Error(_) => complete = false,
                        other => {
                            let span = match other {
                                ast::Entry::Block(b) => b.span,
                                ast::Entry::Rule(r) => r.span(),
                                ast::Entry::For(f) => f.span,
                                _ => span,
                            };
                            self.err(
                                Code::UNKNOWN_ATTRIBUTE,
                                "only attributes can be set on a catalogue entry",
                                span,
                                "not an attribute", "a catalogue entry takes attributes only: `dell.r730 { cpus = 2 * intel.xeon_e5_2690_v4, dimms = 12 * 32GiB }`");
                        }
                    }
                }
                if !complete {
                    return None;
                }
                Value::Instance(base, attrs)
            }
            ExprKind::Error => return None,
        })
    }

    /// The text of a string literal with its `{…}` parts evaluated.
    pub(crate) fn interpolate(
        &mut self,
        s: &ast::StrLit,
        env: &Env,
        ctx: Option<DeclIdx>,
    ) -> Option<String> {
        let mut out = String::new();
        // Every interpolation is evaluated, so each broken one is reported.
        let mut complete = true;
        for part in &s.parts {
            let e = match part {
                ast::StrPart::Text(t) => {
                    out.push_str(t);
                    continue;
                }
                ast::StrPart::Interp(e) => e,
            };
            if self.unknown_bare_name(e, env) {
                complete = false;
                continue;
            }
            match self.eval(e, env, ctx, None) {
                Some(
                    v @ (Value::Int(_)
                    | Value::Float(_)
                    | Value::Bool(_)
                    | Value::Str(_)
                    | Value::Word(_)
                    | Value::Ip(_)
                    | Value::Net(..)
                    | Value::Port(_)),
                ) => out.push_str(&v.to_string()),
                Some(Value::Ref(d)) => out.push_str(&self.decls[d.0 as usize].name.clone()),
                Some(Value::Secret(_)) => {
                    self.err(
                        Code::PLAINTEXT_SECRET,
                        "a secret cannot be interpolated into a string",
                        e.span,
                        "this would write the secret into artifacts", "pass the secret itself where a secret is expected (`password = secret(\"name\")`); it is resolved at deploy time");
                    complete = false;
                }
                Some(other) => {
                    self.err(
                        Code::TYPE_MISMATCH,
                        format!("{} cannot be interpolated into a string", other.describe()),
                        e.span,
                        "not text", "interpolate names, numbers, addresses, prefixes or ports: `\"k3s-worker-{i}\"`");
                    complete = false;
                }
                None => complete = false,
            }
        }
        complete.then_some(out)
    }

    /// Reports a bare name in an interpolation that is neither a loop variable nor a
    /// declaration: `"w-{j}"` must not silently become `w-j`.
    fn unknown_bare_name(&mut self, e: &ast::Expr, env: &Env) -> bool {
        let ExprKind::Path(path) = &e.kind else {
            return false;
        };
        let [name] = path.segments.as_slice() else {
            return false;
        };
        let known = env.iter().any(|(n, _)| *n == name.name)
            || self.index.contains_key(&(None, name.name.clone()))
            || self.namespaces.contains(name.name.as_str());
        if known {
            return false;
        }
        let vars: Vec<&str> = env.iter().map(|(n, _)| n.as_str()).collect();
        let help = match did_you_mean(&name.name, vars.iter().copied()) {
            Some(v) => Some(format!("did you mean the loop variable `{v}`?")),
            None if !vars.is_empty() => Some(format!(
                "loop variables here: {}",
                vars.iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None => None,
        };
        self.diags.push(
            Diagnostic::error(
                Code::UNRESOLVED_NAME,
                format!("cannot find `{}`", name.name),
                name.span,
                "no loop variable or declaration has this name",
            )
            .with_help_opt(help),
        );
        true
    }

    fn quantity(&mut self, n: Number, unit: &str, span: Span, hint: Option<&Ty>) -> Option<Value> {
        let as_f64 = match n {
            Number::Int(i) => i as f64,
            Number::Float(x) => x,
        };
        let whole = |this: &mut Self, what: &str| -> Option<u64> {
            match n {
                Number::Int(i) => Some(i),
                Number::Float(_) => {
                    this.err(
                        Code::WRONG_UNIT,
                        format!("{what} must be a whole number"),
                        span,
                        "a fraction here", "write a whole number in a smaller unit: `1500m` CPU rather than `1.5` cores in millicores, `90s` rather than `1.5m`");
                    None
                }
            }
        };
        if let Some((_, factor)) = BINARY_UNITS.iter().find(|(u, _)| *u == unit) {
            // A whole number whose size stays below 2^53 bytes is exact in `f64`, so the
            // product below would round to the same integer: nearly every size written.
            if let Number::Int(i) = n {
                if let Some(bytes) = i.checked_mul(*factor).filter(|b| *b < 1 << 53) {
                    return Some(Value::Bytes(bytes));
                }
            }
            let bytes = as_f64 * *factor as f64;
            if !(0.0..1.8e19).contains(&bytes) {
                self.err(
                    Code::OUT_OF_RANGE,
                    "size too large",
                    span,
                    "sizes must fit in 64 bits of bytes",
                    "sizes go up to 16 EiB; check the unit (`TiB`, not `PiB`)",
                );
                return None;
            }
            return Some(Value::Bytes(bytes.round() as u64));
        }
        let decimal = [
            ("KB", "KiB"),
            ("kB", "KiB"),
            ("MB", "MiB"),
            ("GB", "GiB"),
            ("TB", "TiB"),
            ("PB", "PiB"),
            ("Ki", "KiB"),
            ("Mi", "MiB"),
            ("Gi", "GiB"),
            ("Ti", "TiB"),
        ];
        // `speed = 10GB`: a byte unit where a link speed is expected. The NIC is rated
        // in bits per second, so the fix is the speed unit, never a size.
        let speed_meant = match unit {
            "KB" | "kB" | "Kb" | "kb" => None,
            "MB" | "Mb" | "Mbit" => Some("M"),
            "GB" | "Gb" | "Gbit" => Some("G"),
            "TB" | "Tb" | "Tbit" => Some("T"),
            _ => None,
        };
        if let (Some(Ty::Speed), Some(speed)) = (hint, speed_meant) {
            let written = format!("{n}{unit}");
            self.diags.push(
                Diagnostic::error(
                    Code::WRONG_UNIT,
                    format!("`{written}` is not a link speed"),
                    span,
                    "speeds are written in bits per second: M, G or T",
                )
                .with_help(format!("write `{n}{speed}` ({n} {speed}bit/s)")),
            );
            return None;
        }
        if let Some((_, binary)) = decimal.iter().find(|(d, _)| *d == unit) {
            let is_k8s = unit.ends_with('i');
            let written = format!("{n}{unit}");
            self.diags.push(
                Diagnostic::error(
                    Code::WRONG_UNIT,
                    if is_k8s {
                        format!("`{written}` uses a Kubernetes unit")
                    } else {
                        format!("`{written}` is a decimal unit")
                    },
                    span,
                    if is_k8s {
                        "sizes are written with binary units".to_string()
                    } else {
                        format!("{unit} means powers of 1000, which Proxmox and NixOS do not use")
                    },
                )
                .with_help(format!("write `{n}{binary}`")),
            );
            return None;
        }
        Some(match unit {
            "m" => match hint {
                Some(Ty::Duration) => Value::Duration(whole(self, "minutes")? * 60_000),
                _ => Value::Milli(whole(self, "millicores")?),
            },
            "min" => Value::Duration(whole(self, "minutes")? * 60_000),
            "MHz" => Value::Freq(as_f64.round() as u32),
            "GHz" => Value::Freq((as_f64 * 1000.0).round() as u32),
            "M" | "Mbps" => Value::Speed(as_f64.round() as u64),
            "G" | "Gbps" => Value::Speed((as_f64 * 1000.0).round() as u64),
            "T" => Value::Speed((as_f64 * 1_000_000.0).round() as u64),
            "ms" => Value::Duration(whole(self, "milliseconds")?),
            "s" => Value::Duration(whole(self, "seconds")? * 1000),
            "h" => Value::Duration(whole(self, "hours")? * 3_600_000),
            "d" => Value::Duration(whole(self, "days")? * 86_400_000),
            // Text that starts with digits (`802.3ad`) lexes as a number with a unit; where
            // text is expected, that is what was meant.
            _ if matches!(
                hint,
                Some(Ty::Str | Ty::Text | Ty::Word(_) | Ty::StrOrSecret)
            ) =>
            {
                let written = format!("{n}{unit}");
                self.diags.push(
                    Diagnostic::error(
                        Code::WRONG_UNIT,
                        format!("`{written}` is read as a number with the unit `{unit}`"),
                        span,
                        "digits followed by letters make a quantity",
                    )
                    .with_help(format!(
                        "this attribute takes text, written in quotes: `\"{written}\"`"
                    )),
                );
                return None;
            }
            _ => {
                self.diags.push(
                    Diagnostic::error(Code::WRONG_UNIT, format!("unknown unit `{unit}`"), span, "not a unit infrac knows")
                        .with_help(match did_you_mean(unit, units_for(hint).iter().copied()) {
                            Some(u) => format!("did you mean `{n}{u}`?"),
                            None => "sizes use KiB MiB GiB TiB; CPU m; speeds M G; durations ms s m h d; clocks MHz GHz".into(),
                        }),
                );
                return None;
            }
        })
    }

    fn eval_path(&mut self, path: &ast::Path, env: &Env, ctx: Option<DeclIdx>) -> Option<Value> {
        let segments = &path.segments;
        let first = segments.first()?;
        if segments.len() == 1 {
            if let Some((_, v)) = env.iter().rev().find(|(n, _)| *n == first.name) {
                return Some(v.clone());
            }
            return Some(Value::Word(first.name.as_str().to_owned()));
        }
        if first.name == "bgp" && segments.len() == 2 && segments[1].name == "peers" {
            return Some(Value::BgpPeers);
        }
        let (decl, rest) =
            if first.name == "site" && !self.index.contains_key(&(None, "site".into())) {
                (self.current_site(ctx, first.span)?, &segments[1..])
            } else if let Some(d) = self
                .global_decl(&first.name)
                .filter(|d| !self.decls[d.0 as usize].shadowed)
            {
                // No namespace has the name (nearly every path: `lan.ipv4`): the one
                // lookup below is the declaration's.
                (d, &segments[1..])
            } else if self.missing_namespaces.contains(first.name.as_str()) {
                return None;
            } else if self.namespaces.contains(first.name.as_str()) {
                self.use_namespace(first.name.as_str());
                let entry = &segments[1];
                let found = self
                    .index
                    .get(&(Some(first.name.clone()), entry.name.clone()))
                    .and_then(|v| v.first().copied());
                match found {
                    Some(d) => (d, &segments[2..]),
                    // A path a loop repeats is reported once: the suggestion looks at
                    // every name.
                    None if !self
                        .unresolved_paths
                        .first(entry.span, entry.span, &self.diags) =>
                    {
                        return None
                    }
                    None => {
                        let ns = first.name.clone();
                        let names: Vec<String> = self
                            .index
                            .keys()
                            .filter(|(n, _)| n.as_deref() == Some(ns.as_str()))
                            .map(|(_, k)| k.to_string())
                            .collect();
                        self.diags.push(
                            Diagnostic::error(
                                Code::UNRESOLVED_NAME,
                                format!("`{ns}` has no entry `{}`", entry.name),
                                entry.span,
                                format!("not in `{ns}`"),
                            )
                            .with_help_opt(
                                did_you_mean(&entry.name, names.iter().map(String::as_str))
                                    .map(|s| format!("did you mean `{ns}.{s}`?")),
                            ),
                        );
                        return None;
                    }
                }
            } else {
                match self.global_decl(&first.name) {
                    Some(d) => (d, &segments[1..]),
                    None if !self
                        .unresolved_paths
                        .first(first.span, first.span, &self.diags) =>
                    {
                        return None
                    }
                    None => {
                        let mut names: Vec<String> = self
                            .index
                            .keys()
                            .filter(|(n, _)| n.is_none())
                            .map(|(_, k)| k.to_string())
                            .collect();
                        names.extend(self.namespaces.iter().cloned());
                        self.diags.push(
                            Diagnostic::error(
                                Code::UNRESOLVED_NAME,
                                format!("cannot find `{}`", first.name),
                                first.span,
                                "no declaration, namespace or loop variable has this name",
                            )
                            .with_help_opt(
                                did_you_mean(&first.name, names.iter().map(String::as_str))
                                    .map(|s| format!("did you mean `{s}`?")),
                            ),
                        );
                        return None;
                    }
                }
            };
        if rest.is_empty() {
            return Some(Value::Ref(decl));
        }
        let span = rest[0].span.to(rest[rest.len() - 1].span);
        if let [only] = rest {
            return self.attr_value(decl, &only.name, span);
        }
        let name = rest
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(".");
        self.attr_value(decl, &name, span)
    }

    /// A top-level declaration of the lab by bare name, preferring the kinds that
    /// expressions usually reach into.
    fn global_decl(&mut self, name: &EcoString) -> Option<DeclIdx> {
        // Consecutive paths mostly start at the same declaration (`lan.ipv4`, then
        // `lan.ipv6`); the answer holds until a declaration is added.
        if let Some((last, decls, found)) = &self.last_global {
            if *decls == self.decls.len() && same_name(last, name) {
                return *found;
            }
        }
        let found = self.find_global_decl(name);
        self.last_global = Some((name.clone(), self.decls.len(), found));
        found
    }

    fn find_global_decl(&self, name: &EcoString) -> Option<DeclIdx> {
        let found = self.index.get(&(None, name.clone()))?;
        let order = [
            Kind::Network,
            Kind::Machine,
            Kind::Site,
            Kind::Cluster,
            Kind::App,
        ];
        for kind in order {
            if let Some(d) = found.iter().find(|d| self.decls[d.0 as usize].kind == kind) {
                return Some(*d);
            }
        }
        found.first().copied()
    }

    /// A `cpu` or `dimm` declared in the lab under this name.
    fn lab_part(&self, name: &str) -> Option<DeclIdx> {
        self.index
            .get(&(None, name.into()))?
            .iter()
            .copied()
            .find(|d| matches!(self.decls[d.0 as usize].kind, Kind::Cpu | Kind::Dimm))
    }

    /// The site a declaration belongs to: the only one, or the one it names.
    pub(crate) fn current_site(&mut self, ctx: Option<DeclIdx>, span: Span) -> Option<DeclIdx> {
        self.kinds.update(&self.decls);
        let decls = &self.decls;
        let mut sites = (self.kinds.get(Kind::Site).iter())
            .copied()
            .filter(|d| decls[d.0 as usize].namespace.is_none());
        let only = sites.next();
        // A second declaration of the same site is reported as declared twice; the lab
        // still has one site, the first.
        let first_name = only.map(|d| &decls[d.0 as usize].name);
        let others = sites
            .filter(|d| Some(&decls[d.0 as usize].name) != first_name)
            .count();
        let count = usize::from(only.is_some()) + others;
        match count {
            0 => {
                self.err(
                    Code::UNRESOLVED_NAME,
                    "`site` is used but no site is declared",
                    span,
                    "no `site` declaration in this lab", "declare the site: `site NAME { domain = \"…\", ipv6 = … }`, or write the value itself");
                None
            }
            1 => only,
            _ => {
                if let Some(ctx) = ctx {
                    if let Some(Value::Ref(site)) = self.attr_value_quiet(ctx, "site") {
                        return Some(site);
                    }
                }
                self.diags.push(
                    Diagnostic::error(
                        Code::AMBIGUOUS_SITE,
                        "`site` is ambiguous in a lab with several sites",
                        span,
                        "which site?",
                    )
                    .with_help("add `site = NAME` to this declaration"),
                );
                None
            }
        }
    }

    fn attr_value_quiet(&mut self, decl: DeclIdx, name: &str) -> Option<Value> {
        self.note_read(decl);
        let has = self.decls[decl.0 as usize]
            .entries()
            .any(|e| matches!(e, ast::Entry::Attr(a) if a.is_named(name)));
        if has {
            self.attr_value(decl, name, Span::default())
        } else {
            None
        }
    }

    /// The value of attribute `name` of `decl`, evaluated and type-checked once.
    pub(crate) fn attr_value(
        &mut self,
        decl: DeclIdx,
        name: &str,
        use_span: Span,
    ) -> Option<Value> {
        if let Some(settled) = self.settled(decl, name, || use_span) {
            return settled;
        }
        let inst = &self.decls[decl.0 as usize];
        let schema = inst.schema;
        let found = inst.entries().find_map(|e| match e {
            ast::Entry::Attr(a) if a.is_named(name) => Some((a, inst.env.clone())),
            _ => None,
        });
        let Some((attr, env)) = found else {
            if inst.has_unparsed_line() {
                return None;
            }
            let (kind, decl_name) = (inst.keyword, inst.name.clone());
            if schema.attr(name).is_some() {
                self.err(
                    Code::EVALUATION,
                    format!("{kind} `{decl_name}` does not set `{name}`"),
                    use_span,
                    format!("`{decl_name}.{name}` has no value"),
                    format!("set `{name}` on {kind} `{decl_name}`, or use a value here instead"),
                );
            } else {
                let known: Vec<&str> = schema.attrs.iter().map(|a| a.name).collect();
                self.diags.push(
                    Diagnostic::error(
                        Code::UNKNOWN_ATTRIBUTE,
                        format!("{kind} `{decl_name}` has no attribute `{name}`"),
                        use_span,
                        "unknown attribute",
                    )
                    .with_help_opt(
                        did_you_mean(name, known).map(|s| format!("did you mean `{s}`?")),
                    ),
                );
            }
            return None;
        };
        let ty = schema.attr(name).map(|a| a.ty);
        self.evaluate_attr(decl, name.into(), attr, &env, ty)
    }

    /// [`Sema::attr_value`] for the check of `decl` itself, at `attr`, an attribute of
    /// type `ty` written directly in its body and the first there named `name`.
    pub(crate) fn own_attr_value(
        &mut self,
        decl: DeclIdx,
        name: &EcoString,
        attr: &ast::Attr,
        env: &Env,
        ty: Ty,
    ) -> Option<Value> {
        if let Some(settled) = self.settled(decl, name, || attr.name_span()) {
            return settled;
        }
        if self.trace.is_some() {
            // The memo is also what a replayed check puts back (`reuse.rs`): the value
            // is memoised and recorded as a read of another declaration's would be.
            return self.evaluate_attr(decl, name.clone(), attr, env, Some(ty));
        }
        // Without a record to keep, a value goes into the declaration's fields and no
        // further: most declarations' values are never read by another (ten thousand
        // guests, against the few networks and hosts they name), and a read that comes
        // later evaluates the attribute again and memoises it then. What it reports
        // again, the analysis reports once (`dedup_reports`). A failure is memoised: a
        // second attribute of the name in the body (not a duplicate to `check_attr`,
        // which finds only values among the fields) must not stand in for the first.
        let (value, name) = self.evaluate_unmemoised((decl, name.clone()), attr, env, Some(&ty));
        if value.is_none() {
            self.memoise(decl, name, None);
        }
        value
    }

    /// What a read of attribute `name` of `decl` settles before any evaluation: its
    /// memoised value, or nothing (reported at `use_span`) when the read loops back into
    /// its own evaluation. `None`: it is still to be evaluated.
    fn settled(
        &mut self,
        decl: DeclIdx,
        name: &str,
        use_span: impl FnOnce() -> Span,
    ) -> Option<Option<Value>> {
        if let Some(v) = self.memoised(decl, name) {
            let v = v.clone();
            self.note_hit(decl, name);
            return Some(v);
        }
        self.note_read(decl);
        if self
            .in_progress
            .iter()
            .any(|(d, n)| *d == decl && same_name(n, name))
        {
            self.depends_on_itself(decl, name, use_span());
            return Some(None);
        }
        None
    }

    fn depends_on_itself(&mut self, decl: DeclIdx, name: &str, use_span: Span) {
        let d = &self.decls[decl.0 as usize];
        let message = format!("`{}.{name}` depends on itself", d.name);
        self.err(
            Code::EVALUATION,
            message,
            use_span,
            "this reference loops back to where it started",
            "give one of the attributes in the loop its value directly",
        );
    }

    /// Evaluates attribute `attr` of `decl`, named `name`, found not yet evaluated, and
    /// memoises its value.
    fn evaluate_attr(
        &mut self,
        decl: DeclIdx,
        name: EcoString,
        attr: &ast::Attr,
        env: &Env,
        ty: Option<Ty>,
    ) -> Option<Value> {
        self.note_evaluating();
        let (value, name) = self.evaluate_unmemoised((decl, name), attr, env, ty.as_ref());
        self.note_evaluated(decl, &name, &value);
        self.memoise(decl, name, value.clone());
        value
    }

    /// Evaluates attribute `attr` of `decl`, named `name`, found not yet evaluated, with
    /// `name` among the evaluations in progress meanwhile, so a read that loops back to it
    /// is refused; gives the name back with the value.
    fn evaluate_unmemoised(
        &mut self,
        (decl, name): (DeclIdx, EcoString),
        attr: &ast::Attr,
        env: &Env,
        ty: Option<&Ty>,
    ) -> (Option<Value>, EcoString) {
        // The name waits in `in_progress` and comes back for the memo: no copy of it.
        self.in_progress.push((decl, name));
        let value = self
            .eval(&attr.value, env, Some(decl), ty)
            .and_then(|v| match ty {
                Some(ty) => self.coerce(v, attr.value.span, ty, Some(decl)),
                None => Some(v),
            });
        // Evaluations nest, so this one's entry is the last (a loop was refused above).
        let (done, name) = self
            .in_progress
            .pop()
            .expect("the evaluation pushed above is the innermost");
        debug_assert!(done == decl);
        (value, name)
    }

    /// The memoised value of attribute `name` of `decl`, if it was evaluated. Memoised per
    /// declaration in a short list: a lookup compares names without building a key, and a
    /// declaration has a few attributes.
    pub(crate) fn memoised(&self, decl: DeclIdx, name: &str) -> Option<&Option<Value>> {
        self.memo
            .get(decl.0 as usize)?
            .iter()
            .find(|(n, _)| same_name(n, name))
            .map(|(_, v)| v)
    }

    pub(crate) fn memoise(&mut self, decl: DeclIdx, name: EcoString, value: Option<Value>) {
        let at = decl.0 as usize;
        if self.memo.len() <= at {
            self.memo
                .resize_with(self.decls.len().max(at + 1), Vec::new);
        }
        let memo = &mut self.memo[at];
        if memo.capacity() == 0 {
            // Room for every attribute the declaration has, not a doubling's worth more:
            // ten thousand guests memoise three each.
            let attrs = self.decls.get(at).map_or(1, |d| {
                d.entries()
                    .filter(|e| matches!(e, ast::Entry::Attr(_)))
                    .count()
            });
            memo.reserve_exact(attrs.max(1));
        }
        memo.push((name, value));
    }

    fn call(
        &mut self,
        f: &ast::Ident,
        args: &[ast::Expr],
        env: &Env,
        ctx: Option<DeclIdx>,
        span: Span,
    ) -> Option<Value> {
        let arity = match f.name.as_str() {
            "host" | "contains" | "pad" => 2,
            "subnet" => 3,
            "nixos" | "secret" | "nodeport" => 1,
            "clusterip" | "loadbalancer" => 0,
            _ => {
                self.diags.push(
                    Diagnostic::error(
                        Code::UNKNOWN_FUNCTION,
                        format!("unknown function `{}`", f.name),
                        f.span,
                        "not a built-in function",
                    )
                    .with_help(match did_you_mean(&f.name, FUNCTIONS) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "the functions are {}",
                            FUNCTIONS
                                .iter()
                                .map(|s| format!("`{s}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    }),
                );
                return None;
            }
        };
        if args.len() != arity {
            let usage = match f.name.as_str() {
                "host" => "`host(prefix, n)` is the n-th address of a prefix",
                "contains" => {
                    "`contains(prefix, x)` tells whether an address or prefix lies inside"
                }
                "subnet" => "`subnet(prefix, len, n)` is the n-th child prefix of length `len`",
                "nixos" => "`nixos(\"24.11\")` is the NixOS image of a release",
                "secret" => "`secret(\"name\")` is a secret resolved at deploy time",
                "nodeport" => "`nodeport(30080)` exposes an app on a node port",
                "pad" => "`pad(i, 2)` writes `i` with at least 2 digits: `\"worker-{pad(i, 2)}\"` is `worker-01` for 1",
                "clusterip" => "`clusterip()` takes no arguments",
                _ => "`loadbalancer()` takes no arguments",
            };
            self.diags.push(
                Diagnostic::error(
                    Code::BAD_ARGUMENTS,
                    format!(
                        "`{}` takes {arity} argument{}, found {}",
                        f.name,
                        if arity == 1 { "" } else { "s" },
                        args.len()
                    ),
                    span,
                    "wrong number of arguments",
                )
                .with_help(usage),
            );
            return None;
        }
        // Every argument is evaluated before any is checked, and a broken one stops the
        // call. No function takes more than three; each value is consumed by its check.
        let arg = |this: &mut Self, i: usize| match args.get(i) {
            Some(a) => this.eval(a, env, ctx, None).map(Some),
            None => Some(None),
        };
        let (v0, v1, v2) = (arg(self, 0)?, arg(self, 1)?, arg(self, 2)?);
        let at = |i: usize| args[i].span;
        match f.name.as_str() {
            "host" => {
                let (addr, len) = self.expect_net(v0, at(0))?;
                let n = self.expect_int(v1, at(1))?;
                let size_bits = if addr.is_ipv4() { 32 } else { 128 } - u32::from(len);
                let fits = n >= 0 && (size_bits >= 127 || (n as u128) < (1u128 << size_bits));
                if !fits {
                    self.err(
                        Code::EVALUATION,
                        format!("address number {n} is outside {addr}/{len}"),
                        at(1),
                        if size_bits < 127 {
                            format!("{addr}/{len} has {} addresses", 1u128 << size_bits)
                        } else {
                            "out of range".into()
                        },
                        format!("pick a smaller host number, or a larger prefix than /{len}"),
                    );
                    return None;
                }
                u128_to_ip(addr.is_ipv4(), ip_to_u128(addr) + n as u128).map(Value::Ip)
            }
            "subnet" => {
                let (addr, len) = self.expect_net(v0, at(0))?;
                let new_len = self.expect_int(v1, at(1))?;
                let n = self.expect_int(v2, at(2))?;
                let max = if addr.is_ipv4() { 32 } else { 128 };
                if new_len < i128::from(len) || new_len > max {
                    self.err(
                        Code::EVALUATION,
                        format!("cannot cut /{new_len} subnets from a /{len}"),
                        at(1),
                        format!("the new length must be from {len} to {max}"), format!("the new length must be at least {len} (the prefix's own) and at most {max}"));
                    return None;
                }
                let extra = (new_len - i128::from(len)) as u32;
                if n < 0 || (extra < 127 && (n as u128) >= (1u128 << extra)) {
                    self.err(
                        Code::EVALUATION,
                        format!(
                            "a /{len} has only {} /{new_len} subnets",
                            if extra < 127 {
                                (1u128 << extra).to_string()
                            } else {
                                "many".into()
                            }
                        ),
                        at(2),
                        format!("subnet number {n} is out of range"),
                        "pick a smaller subnet number, or a shorter new length",
                    );
                    return None;
                }
                let shift = max as u32 - new_len as u32;
                let base = ip_to_u128(addr);
                let offset = if shift >= 128 {
                    0
                } else {
                    (n as u128) << shift
                };
                u128_to_ip(addr.is_ipv4(), base + offset).map(|a| Value::Net(a, new_len as u8))
            }
            "contains" => {
                let (addr, len) = self.expect_net(v0, at(0))?;
                let net = ipnet::IpNet::new(addr, len).ok()?.trunc();
                Some(Value::Bool(match v1? {
                    Value::Ip(ip) => net.contains(&ip),
                    Value::Net(a, l) => ipnet::IpNet::new(a, l).is_ok_and(|n| net.contains(&n)),
                    other => {
                        self.err(
                            Code::TYPE_MISMATCH,
                            "`contains` checks an address or a prefix",
                            at(1),
                            format!("found {}", other.describe()),
                            "write `contains(prefix, address)` or `contains(prefix, prefix)`",
                        );
                        return None;
                    }
                }))
            }
            "nixos" => {
                let version = self.expect_str(v0, at(0))?;
                self.find_image("nixos", &version, at(0))
            }
            "secret" => {
                let name = self.expect_str(v0, at(0))?;
                // One name is the file under /run/secrets and the Kubernetes Secret's name
                // verbatim, so it must be a DNS label (RFC 1123): no `/` or `..` to leave
                // the folder, and no case or punctuation the Kubernetes name would fold,
                // which would make two secrets one.
                if let Some(problem) = secret_name_problem(&name) {
                    self.diags.push(
                        Diagnostic::error(
                            Code::INVALID_SECRET_NAME,
                            format!("invalid secret name `{}`", name.escape_debug()),
                            at(0),
                            problem,
                        )
                        .with_help("name secrets with lowercase letters, digits and `-`, up to 63 characters: `secret(\"grafana-admin\")`"),
                    );
                    return None;
                }
                Some(Value::Secret(name))
            }
            "nodeport" => {
                let n = self.expect_int(v0, at(0))?;
                match u16::try_from(n) {
                    Ok(p) => Some(Value::Expose(Expose::NodePort(p))),
                    Err(_) => {
                        self.err(
                            Code::OUT_OF_RANGE,
                            format!("{n} is not a port number"),
                            at(0),
                            "ports are 1 to 65535", "NodePorts are 30000..32767 unless the API server says otherwise: `nodeport(30080)`");
                        None
                    }
                }
            }
            "pad" => {
                // Names of the form `<name>-NN` sort and read as a series only when
                // every number has the same width: `worker-01` … `worker-12`.
                let n = self.expect_int(v0, at(0))?;
                let width = self.expect_int(v1, at(1))?;
                if !(1..=20).contains(&width) {
                    self.err(
                        Code::BAD_ARGUMENTS,
                        format!("`pad` cannot write {width} digits"),
                        at(1),
                        "a width from 1 to 20",
                        "give the number of digits, such as `pad(i, 2)` for 01 to 99",
                    );
                    return None;
                }
                if n < 0 {
                    self.err(
                        Code::BAD_ARGUMENTS,
                        format!("`pad` writes whole numbers from 0 up, not {n}"),
                        at(0),
                        "a negative number",
                        "count from 0 or 1: `for i in 1..12`",
                    );
                    return None;
                }
                Some(Value::Str(format!("{n:0width$}", width = width as usize)))
            }
            "clusterip" => Some(Value::Expose(Expose::ClusterIp)),
            "loadbalancer" => Some(Value::Expose(Expose::LoadBalancer)),
            _ => None,
        }
    }

    fn find_image(&mut self, family: &str, version: &str, span: Span) -> Option<Value> {
        self.kinds.update(&self.decls);
        let images = self.kinds.get(Kind::Image).to_vec();
        let mut versions = Vec::new();
        for image in images {
            let fam = self.attr_value(image, "family", span);
            let ver = self.attr_value(image, "version", span);
            if let (Some(Value::Str(f)), Some(Value::Str(v))) = (fam, ver) {
                if f == family {
                    if v == version {
                        return Some(Value::Ref(image));
                    }
                    versions.push(v);
                }
            }
        }
        versions.sort();
        self.diags.push(
            Diagnostic::error(
                Code::EVALUATION,
                format!("no {family} image for version \"{version}\""),
                span,
                "unknown release",
            )
            .with_help(if versions.is_empty() {
                "the stdlib's `std/os` lists the known images".to_string()
            } else {
                format!(
                    "known releases: {}",
                    versions
                        .iter()
                        .map(|v| format!("\"{v}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }),
        );
        None
    }

    fn expect_net(&mut self, v: Option<Value>, span: Span) -> Option<(IpAddr, u8)> {
        match v? {
            Value::Net(a, l) => Some((a, l)),
            other => {
                self.err(
                    Code::TYPE_MISMATCH,
                    "expected a prefix",
                    span,
                    format!("found {}", other.describe()),
                    "pass a prefix such as `lan.ipv4` or `192.168.100.0/24`",
                );
                None
            }
        }
    }

    fn expect_int(&mut self, v: Option<Value>, span: Span) -> Option<i128> {
        match v? {
            Value::Int(n) => Some(n),
            other => {
                self.err(
                    Code::TYPE_MISMATCH,
                    "expected an integer",
                    span,
                    format!("found {}", other.describe()),
                    "pass a whole number",
                );
                None
            }
        }
    }

    fn expect_str(&mut self, v: Option<Value>, span: Span) -> Option<String> {
        match v? {
            Value::Str(s) => Some(s),
            other => {
                self.err(
                    Code::TYPE_MISMATCH,
                    "expected a string",
                    span,
                    format!("found {}", other.describe()),
                    "pass a quoted string",
                );
                None
            }
        }
    }

    fn binary(&mut self, op: BinOp, l: Value, r: Value, ls: Span, rs: Span) -> Option<Value> {
        let span = ls.to(rs);
        let overflow = |this: &mut Self| {
            this.err(
                Code::EVALUATION,
                "arithmetic overflow",
                span,
                "the result does not fit",
                "keep the numbers within 64 bits",
            );
            None
        };
        match (op, l, r) {
            (_, Value::Int(a), Value::Int(b)) => {
                let result = match op {
                    BinOp::Add => a.checked_add(b),
                    BinOp::Sub => a.checked_sub(b),
                    BinOp::Mul => a.checked_mul(b),
                    BinOp::Div if b == 0 => {
                        self.err(
                            Code::EVALUATION,
                            "division by zero",
                            rs,
                            "this is zero",
                            "make the divisor non-zero",
                        );
                        return None;
                    }
                    BinOp::Div => a.checked_div(b),
                };
                match result {
                    Some(n) if n.unsigned_abs() <= u128::from(u64::MAX) => Some(Value::Int(n)),
                    _ => overflow(self),
                }
            }
            (BinOp::Add | BinOp::Sub, Value::Ip(ip), Value::Int(n)) => {
                let base = ip_to_u128(ip) as i128;
                let result = if op == BinOp::Add {
                    base.checked_add(n)
                } else {
                    base.checked_sub(n)
                };
                match result
                    .filter(|r| *r >= 0)
                    .and_then(|r| u128_to_ip(ip.is_ipv4(), r as u128))
                {
                    Some(ip) => Some(Value::Ip(ip)),
                    None => {
                        self.err(
                            Code::EVALUATION,
                            "address arithmetic leaves the address space",
                            span,
                            "no such address", "keep `address + n` inside the address family (IPv4 stops at 255.255.255.255)");
                        None
                    }
                }
            }
            (BinOp::Mul, Value::Int(n), part @ (Value::Bytes(_) | Value::Ref(_))) if n >= 0 => {
                Some(Value::Count(n as u64, Box::new(part)))
            }
            // A part declared in the lab itself is a bare name: `2 * my-cpu`.
            (BinOp::Mul, Value::Int(n), Value::Word(w))
                if n >= 0 && self.lab_part(&w).is_some() =>
            {
                let part = self.lab_part(&w)?;
                Some(Value::Count(n as u64, Box::new(Value::Ref(part))))
            }
            (BinOp::Add, Value::Bytes(a), Value::Bytes(b)) => a
                .checked_add(b)
                .map(Value::Bytes)
                .or_else(|| overflow(self)),
            (BinOp::Sub, Value::Bytes(a), Value::Bytes(b)) => a
                .checked_sub(b)
                .map(Value::Bytes)
                .or_else(|| overflow(self)),
            (_, a @ (Value::Float(_) | Value::Int(_)), b @ (Value::Float(_) | Value::Int(_))) => {
                let f = |v: &Value| match v {
                    Value::Float(x) => *x,
                    Value::Int(n) => *n as f64,
                    _ => 0.0,
                };
                let (a, b) = (f(&a), f(&b));
                Some(Value::Float(match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div if b == 0.0 => {
                        self.err(
                            Code::EVALUATION,
                            "division by zero",
                            rs,
                            "this is zero",
                            "make the divisor non-zero",
                        );
                        return None;
                    }
                    BinOp::Div => a / b,
                }))
            }
            (op, l, r) => {
                let verb = match op {
                    BinOp::Add => "add",
                    BinOp::Sub => "subtract",
                    BinOp::Mul => "multiply",
                    BinOp::Div => "divide",
                };
                self.diags.push(
                    Diagnostic::error(Code::TYPE_MISMATCH, format!("cannot {verb} {} and {}", l.describe(), r.describe()), span, "no arithmetic for these")
                        .with_help("arithmetic works on integers, on `address + n`, and on `N * part`; names with `-` are one word, so subtraction needs spaces: `a - 1`"),
                );
                None
            }
        }
    }
}

/// Why `name` cannot name a secret, or `None` when it is a DNS label (RFC 1123): 1 to 63
/// lowercase letters, digits and `-`, starting and ending with a letter or digit.
pub(crate) fn secret_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("the name is empty".into());
    }
    if name.len() > 63 {
        return Some(format!("{} characters; at most 63", name.len()));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Some(format!(
            "`{}` is not a lowercase letter, digit or `-`",
            c.escape_debug()
        ));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Some("starts or ends with `-`".into());
    }
    None
}
