//! Typed accessors over checked fields. Values were coerced to their schema types, so
//! these only unwrap; a missing or failed attribute reads as `None`.

use crate::decls::DeclIdx;
use crate::fields::Fields;
use crate::value::Value;
use infrac_diagnostics::Span;
use infrac_model::{
    Bytes, Expose, Mac, Mbps, Megahertz, MilliCpu, Millis, PortSpec, SecretRef, Spanned,
};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

impl Fields {
    fn with<T>(&self, name: &str, f: impl FnOnce(&Value) -> Option<T>) -> Option<Spanned<T>> {
        let field = self.get(name)?;
        f(&field.value).map(|v| Spanned::new(v, field.span))
    }

    pub(crate) fn int(&self, name: &str) -> Option<Spanned<i128>> {
        self.with(name, |v| match v {
            Value::Int(n) => Some(*n),
            _ => None,
        })
    }
    pub(crate) fn u32(&self, name: &str) -> Option<Spanned<u32>> {
        self.int(name)
            .and_then(|s| u32::try_from(s.value).ok().map(|v| Spanned::new(v, s.span)))
    }
    pub(crate) fn float(&self, name: &str) -> Option<f64> {
        self.with(name, |v| match v {
            Value::Float(x) => Some(*x),
            _ => None,
        })
        .map(|s| s.value)
    }
    pub(crate) fn bool(&self, name: &str) -> Option<bool> {
        self.with(name, |v| match v {
            Value::Bool(b) => Some(*b),
            _ => None,
        })
        .map(|s| s.value)
    }
    pub(crate) fn string(&self, name: &str) -> Option<String> {
        self.with(name, |v| match v {
            Value::Str(s) | Value::Word(s) => Some(s.clone()),
            _ => None,
        })
        .map(|s| s.value)
    }
    pub(crate) fn word(&self, name: &str) -> Option<Spanned<String>> {
        self.with(name, |v| match v {
            Value::Word(s) | Value::Str(s) => Some(s.clone()),
            _ => None,
        })
    }
    pub(crate) fn bytes(&self, name: &str) -> Option<Spanned<Bytes>> {
        self.with(name, |v| match v {
            Value::Bytes(b) => Some(Bytes(*b)),
            _ => None,
        })
    }
    pub(crate) fn milli(&self, name: &str) -> Option<Spanned<MilliCpu>> {
        self.with(name, |v| match v {
            Value::Milli(m) => Some(MilliCpu(*m)),
            _ => None,
        })
    }
    pub(crate) fn speed(&self, name: &str) -> Option<Mbps> {
        self.with(name, |v| match v {
            Value::Speed(s) => Some(Mbps(*s)),
            _ => None,
        })
        .map(|s| s.value)
    }
    pub(crate) fn duration(&self, name: &str) -> Option<Millis> {
        self.with(name, |v| match v {
            Value::Duration(ms) => Some(Millis(*ms)),
            _ => None,
        })
        .map(|s| s.value)
    }
    pub(crate) fn freq(&self, name: &str) -> Option<Megahertz> {
        self.with(name, |v| match v {
            Value::Freq(f) => Some(Megahertz(*f)),
            _ => None,
        })
        .map(|s| s.value)
    }
    pub(crate) fn ip(&self, name: &str) -> Option<Spanned<IpAddr>> {
        self.with(name, |v| match v {
            Value::Ip(a) => Some(*a),
            _ => None,
        })
    }
    pub(crate) fn ipv4(&self, name: &str) -> Option<Spanned<Ipv4Addr>> {
        self.with(name, |v| match v {
            Value::Ip(IpAddr::V4(a)) => Some(*a),
            _ => None,
        })
    }
    pub(crate) fn ipv6(&self, name: &str) -> Option<Spanned<Ipv6Addr>> {
        self.with(name, |v| match v {
            Value::Ip(IpAddr::V6(a)) => Some(*a),
            _ => None,
        })
    }
    pub(crate) fn net(&self, name: &str) -> Option<Spanned<IpNet>> {
        self.with(name, |v| match v {
            Value::Net(a, l) => IpNet::new(*a, *l).ok(),
            _ => None,
        })
    }
    pub(crate) fn net4(&self, name: &str) -> Option<Spanned<Ipv4Net>> {
        self.with(name, |v| match v {
            Value::Net(IpAddr::V4(a), l) => Ipv4Net::new(*a, *l).ok(),
            _ => None,
        })
    }
    pub(crate) fn net6(&self, name: &str) -> Option<Spanned<Ipv6Net>> {
        self.with(name, |v| match v {
            Value::Net(IpAddr::V6(a), l) => Ipv6Net::new(*a, *l).ok(),
            _ => None,
        })
    }
    pub(crate) fn mac(&self, name: &str) -> Option<Spanned<Mac>> {
        self.with(name, |v| match v {
            Value::Mac(m) => Some(Mac(*m)),
            _ => None,
        })
    }
    pub(crate) fn port(&self, name: &str) -> Option<Spanned<PortSpec>> {
        self.with(name, |v| match v {
            Value::Port(p) => Some(*p),
            _ => None,
        })
    }
    pub(crate) fn decl_ref(&self, name: &str) -> Option<Spanned<DeclIdx>> {
        self.with(name, |v| match v {
            Value::Ref(d) => Some(*d),
            _ => None,
        })
    }
    pub(crate) fn list(&self, name: &str) -> Vec<(Value, Span)> {
        match self.get(name).map(|f| &f.value) {
            Some(Value::List(items)) => items.clone(),
            _ => Vec::new(),
        }
    }
    pub(crate) fn secret(&self, name: &str) -> Option<SecretRef> {
        self.with(name, |v| match v {
            Value::Secret(s) => Some(SecretRef(s.clone())),
            _ => None,
        })
        .map(|s| s.value)
    }
    pub(crate) fn expose(&self, name: &str) -> Option<Spanned<Expose>> {
        self.with(name, |v| match v {
            Value::Expose(e) => Some(*e),
            _ => None,
        })
    }
    pub(crate) fn range_u32(&self, name: &str) -> Option<Spanned<(u32, u32)>> {
        self.with(name, |v| match v {
            Value::Range(lo, hi) => match (lo.as_ref(), hi.as_ref()) {
                (Value::Int(a), Value::Int(b)) => {
                    Some((u32::try_from(*a).ok()?, u32::try_from(*b).ok()?))
                }
                _ => None,
            },
            _ => None,
        })
    }
    pub(crate) fn range_ipv4(&self, name: &str) -> Option<Spanned<(Ipv4Addr, Ipv4Addr)>> {
        self.with(name, |v| match v {
            Value::Range(lo, hi) => match (lo.as_ref(), hi.as_ref()) {
                (Value::Ip(IpAddr::V4(a)), Value::Ip(IpAddr::V4(b))) => Some((*a, *b)),
                _ => None,
            },
            _ => None,
        })
    }
    pub(crate) fn range_ipv6(&self, name: &str) -> Option<Spanned<(Ipv6Addr, Ipv6Addr)>> {
        self.with(name, |v| match v {
            Value::Range(lo, hi) => match (lo.as_ref(), hi.as_ref()) {
                (Value::Ip(IpAddr::V6(a)), Value::Ip(IpAddr::V6(b))) => Some((*a, *b)),
                _ => None,
            },
            _ => None,
        })
    }
    /// `value on target`: the value with its span, and the target name with its span.
    pub(crate) fn placed(&self, name: &str) -> Option<(&Value, Span, &str, Span)> {
        match self.get(name).map(|f| &f.value) {
            Some(Value::Placed(boxed, target, target_span)) => {
                Some((&boxed.0, boxed.1, target.as_str(), *target_span))
            }
            _ => None,
        }
    }
}
