//! Typed accessors over checked fields. Values were coerced to their schema types, so
//! these only unwrap; a missing or failed attribute reads as `None`.

use crate::decls::DeclIdx;
use crate::fields::{Field, Fields};
use crate::value::Value;
use infrac_diagnostics::Span;
use infrac_model::{
    Bytes, Expose, Mac, Mbps, Megahertz, MilliCpu, Millis, PortSpec, SecretRef, Spanned,
};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One attribute of a block, or its absence: what the typed accessors read.
#[derive(Clone, Copy, Default)]
pub(crate) struct Attr<'f>(Option<&'f Field>);

impl Fields {
    /// The attribute named `name`.
    pub(crate) fn attr(&self, name: &str) -> Attr<'_> {
        Attr(self.get(name))
    }
}

/// Declares the attributes a builder reads from one kind of block, found in one pass over
/// a block's fields: a builder reads some twenty names of a block that sets a handful,
/// and looking each up by name would scan them all every time.
macro_rules! attrs {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($field:ident: $key:literal,)* }) => {
        $(#[$meta])*
        #[derive(Default)]
        $vis struct $name<'f> {
            $($vis $field: $crate::build::access::Attr<'f>,)*
        }

        impl<'f> $name<'f> {
            /// The attribute names read, for the test that each is one the schema has:
            /// a misspelt name here would read as never set.
            #[cfg(test)]
            const KEYS: &'static [&'static str] = &[$($key),*];

            // Inlined, the record is filled where the caller keeps it instead of copied.
            #[inline]
            $vis fn of(fields: &'f $crate::fields::Fields) -> Self {
                let mut out = Self::default();
                for field in &fields.attrs {
                    let slot = match field.name.as_str() {
                        $($key => &mut out.$field,)*
                        _ => continue,
                    };
                    slot.set_first(field);
                }
                out
            }
        }
    };
}
pub(crate) use attrs;

/// The typed accessors by name, each reading [`Fields::attr`].
macro_rules! by_name {
    ($($accessor:ident -> $ty:ty;)*) => {
        impl Fields {
            $(
                pub(crate) fn $accessor(&self, name: &str) -> $ty {
                    self.attr(name).$accessor()
                }
            )*
        }
    };
}

by_name! {
    int -> Option<Spanned<i128>>;
    u32 -> Option<Spanned<u32>>;
    float -> Option<f64>;
    bool -> Option<bool>;
    string -> Option<String>;
    word -> Option<Spanned<String>>;
    bytes -> Option<Spanned<Bytes>>;
    milli -> Option<Spanned<MilliCpu>>;
    speed -> Option<Mbps>;
    duration -> Option<Millis>;
    freq -> Option<Megahertz>;
    ip -> Option<Spanned<IpAddr>>;
    ipv4 -> Option<Spanned<Ipv4Addr>>;
    ipv6 -> Option<Spanned<Ipv6Addr>>;
    net -> Option<Spanned<IpNet>>;
    net4 -> Option<Spanned<Ipv4Net>>;
    net6 -> Option<Spanned<Ipv6Net>>;
    mac -> Option<Spanned<Mac>>;
    port -> Option<Spanned<PortSpec>>;
    decl_ref -> Option<Spanned<DeclIdx>>;
    list -> Vec<(Value, Span)>;
    secret -> Option<SecretRef>;
    expose -> Option<Spanned<Expose>>;
    range_u32 -> Option<Spanned<(u32, u32)>>;
    range_ipv4 -> Option<Spanned<(Ipv4Addr, Ipv4Addr)>>;
    range_ipv6 -> Option<Spanned<(Ipv6Addr, Ipv6Addr)>>;
    placed -> Option<(&Value, Span, &str, Span)>;
}

impl<'f> Attr<'f> {
    /// The field itself, if the block sets it.
    pub(crate) fn field(self) -> Option<&'f Field> {
        self.0
    }

    /// Takes `field` unless the block set this name before: the first counts, as
    /// [`Fields::get`] finds it.
    pub(crate) fn set_first(&mut self, field: &'f Field) {
        self.0.get_or_insert(field);
    }

    fn with<T>(self, f: impl FnOnce(&Value) -> Option<T>) -> Option<Spanned<T>> {
        let field = self.0?;
        f(&field.value).map(|v| Spanned::new(v, field.span))
    }

    pub(crate) fn int(self) -> Option<Spanned<i128>> {
        self.with(|v| match v {
            Value::Int(n) => Some(*n),
            _ => None,
        })
    }
    pub(crate) fn u32(self) -> Option<Spanned<u32>> {
        self.int()
            .and_then(|s| u32::try_from(s.value).ok().map(|v| Spanned::new(v, s.span)))
    }
    pub(crate) fn float(self) -> Option<f64> {
        self.with(|v| match v {
            Value::Float(x) => Some(*x),
            _ => None,
        })
        .map(|s| s.value)
    }
    pub(crate) fn bool(self) -> Option<bool> {
        self.with(|v| match v {
            Value::Bool(b) => Some(*b),
            _ => None,
        })
        .map(|s| s.value)
    }
    pub(crate) fn string(self) -> Option<String> {
        self.with(|v| match v {
            Value::Str(s) | Value::Word(s) => Some(s.clone()),
            _ => None,
        })
        .map(|s| s.value)
    }
    pub(crate) fn word(self) -> Option<Spanned<String>> {
        self.with(|v| match v {
            Value::Word(s) | Value::Str(s) => Some(s.clone()),
            _ => None,
        })
    }
    pub(crate) fn bytes(self) -> Option<Spanned<Bytes>> {
        self.with(|v| match v {
            Value::Bytes(b) => Some(Bytes(*b)),
            _ => None,
        })
    }
    pub(crate) fn milli(self) -> Option<Spanned<MilliCpu>> {
        self.with(|v| match v {
            Value::Milli(m) => Some(MilliCpu(*m)),
            _ => None,
        })
    }
    pub(crate) fn speed(self) -> Option<Mbps> {
        self.with(|v| match v {
            Value::Speed(s) => Some(Mbps(*s)),
            _ => None,
        })
        .map(|s| s.value)
    }
    pub(crate) fn duration(self) -> Option<Millis> {
        self.with(|v| match v {
            Value::Duration(ms) => Some(Millis(*ms)),
            _ => None,
        })
        .map(|s| s.value)
    }
    pub(crate) fn freq(self) -> Option<Megahertz> {
        self.with(|v| match v {
            Value::Freq(f) => Some(Megahertz(*f)),
            _ => None,
        })
        .map(|s| s.value)
    }
    pub(crate) fn ip(self) -> Option<Spanned<IpAddr>> {
        self.with(|v| match v {
            Value::Ip(a) => Some(*a),
            _ => None,
        })
    }
    pub(crate) fn ipv4(self) -> Option<Spanned<Ipv4Addr>> {
        self.with(|v| match v {
            Value::Ip(IpAddr::V4(a)) => Some(*a),
            _ => None,
        })
    }
    pub(crate) fn ipv6(self) -> Option<Spanned<Ipv6Addr>> {
        self.with(|v| match v {
            Value::Ip(IpAddr::V6(a)) => Some(*a),
            _ => None,
        })
    }
    pub(crate) fn net(self) -> Option<Spanned<IpNet>> {
        self.with(|v| match v {
            Value::Net(a, l) => IpNet::new(*a, *l).ok(),
            _ => None,
        })
    }
    pub(crate) fn net4(self) -> Option<Spanned<Ipv4Net>> {
        self.with(|v| match v {
            Value::Net(IpAddr::V4(a), l) => Ipv4Net::new(*a, *l).ok(),
            _ => None,
        })
    }
    pub(crate) fn net6(self) -> Option<Spanned<Ipv6Net>> {
        self.with(|v| match v {
            Value::Net(IpAddr::V6(a), l) => Ipv6Net::new(*a, *l).ok(),
            _ => None,
        })
    }
    pub(crate) fn mac(self) -> Option<Spanned<Mac>> {
        self.with(|v| match v {
            Value::Mac(m) => Some(Mac(*m)),
            _ => None,
        })
    }
    pub(crate) fn port(self) -> Option<Spanned<PortSpec>> {
        self.with(|v| match v {
            Value::Port(p) => Some(*p),
            _ => None,
        })
    }
    pub(crate) fn decl_ref(self) -> Option<Spanned<DeclIdx>> {
        self.with(|v| match v {
            Value::Ref(d) => Some(*d),
            _ => None,
        })
    }
    pub(crate) fn list(self) -> Vec<(Value, Span)> {
        self.items().to_vec()
    }
    /// [`Attr::list`] without copying it.
    pub(crate) fn items(self) -> &'f [(Value, Span)] {
        match self.0.map(|f| &f.value) {
            Some(Value::List(items)) => items,
            _ => &[],
        }
    }
    pub(crate) fn secret(self) -> Option<SecretRef> {
        self.with(|v| match v {
            Value::Secret(s) => Some(SecretRef(s.clone())),
            _ => None,
        })
        .map(|s| s.value)
    }
    pub(crate) fn expose(self) -> Option<Spanned<Expose>> {
        self.with(|v| match v {
            Value::Expose(e) => Some(*e),
            _ => None,
        })
    }
    pub(crate) fn range_u32(self) -> Option<Spanned<(u32, u32)>> {
        self.with(|v| match v {
            Value::Range(lo, hi) => match (lo.as_ref(), hi.as_ref()) {
                (Value::Int(a), Value::Int(b)) => {
                    Some((u32::try_from(*a).ok()?, u32::try_from(*b).ok()?))
                }
                _ => None,
            },
            _ => None,
        })
    }
    pub(crate) fn range_ipv4(self) -> Option<Spanned<(Ipv4Addr, Ipv4Addr)>> {
        self.with(|v| match v {
            Value::Range(lo, hi) => match (lo.as_ref(), hi.as_ref()) {
                (Value::Ip(IpAddr::V4(a)), Value::Ip(IpAddr::V4(b))) => Some((*a, *b)),
                _ => None,
            },
            _ => None,
        })
    }
    pub(crate) fn range_ipv6(self) -> Option<Spanned<(Ipv6Addr, Ipv6Addr)>> {
        self.with(|v| match v {
            Value::Range(lo, hi) => match (lo.as_ref(), hi.as_ref()) {
                (Value::Ip(IpAddr::V6(a)), Value::Ip(IpAddr::V6(b))) => Some((*a, *b)),
                _ => None,
            },
            _ => None,
        })
    }
    /// `value on target`: the value with its span, and the target name with its span.
    pub(crate) fn placed(self) -> Option<(&'f Value, Span, &'f str, Span)> {
        match self.0.map(|f| &f.value) {
            Some(Value::Placed(boxed, target, target_span)) => {
                Some((&boxed.0, boxed.1, target.as_str(), *target_span))
            }
            _ => None,
        }
    }
}
