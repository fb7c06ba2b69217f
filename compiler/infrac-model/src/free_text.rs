//! Every free-text attribute of the model that reaches an artifact: descriptions, `##`
//! docs, guest tags and route host names. Checks that look for things that must never be
//! written out (plaintext credentials) walk this one list, so an attribute added to the
//! model is covered by adding it here.

use crate::Model;
use infrac_diagnostics::Span;

/// One piece of free text, where it was written and what it is, for a diagnostic.
#[derive(Debug, Clone)]
pub struct FreeText<'m> {
    pub text: &'m str,
    pub span: Span,
    /// What the text is, as a phrase: "the description of machine `nas`".
    pub what: String,
}

impl Model {
    /// Every free-text attribute of the model, in model order.
    pub fn free_texts<'m>(&'m self) -> Vec<FreeText<'m>> {
        let mut out = Vec::new();
        // The phrase is only written out for texts that are there: most attributes are not.
        let mut push = |text: Option<&'m str>, span: Span, what: &dyn Fn() -> String| {
            if let Some(text) = text {
                out.push(FreeText {
                    text,
                    span,
                    what: what(),
                });
            }
        };
        for site in &self.sites {
            push(site.doc.as_deref(), site.span, &|| {
                format!("the doc comment of site `{}`", site.name)
            });
        }
        for m in &self.machines {
            let noun = m.noun();
            let name = &m.name;
            push(m.doc.as_deref(), m.name_span, &|| {
                format!("the doc comment of {noun} `{name}`")
            });
            push(m.description.as_deref(), m.name_span, &|| {
                format!("the description of {noun} `{name}`")
            });
            for nic in &m.nics {
                push(nic.doc.as_deref(), nic.span, &|| {
                    format!("the doc comment of a NIC of `{name}`")
                });
            }
            for b in &m.bridges {
                push(b.doc.as_deref(), b.span, &|| {
                    format!("the doc comment of bridge `{}` on `{name}`", b.name)
                });
            }
            for p in &m.storage {
                push(p.doc.as_deref(), p.span, &|| {
                    format!("the doc comment of pool `{}` on `{name}`", p.name)
                });
            }
            for e in &m.exports {
                push(e.doc.as_deref(), e.span, &|| {
                    format!("the doc comment of export `{}` on `{name}`", e.name)
                });
            }
            for s in &m.services {
                push(s.description.as_deref(), s.span, &|| {
                    format!("the description of service `{}` on `{name}`", s.name)
                });
            }
            for d in &m.pci {
                push(d.model.as_deref(), d.span, &|| {
                    format!("the model of PCI device `{}` on `{name}`", d.name)
                });
            }
            for e in &m.exports {
                push(Some(&e.path), e.span, &|| {
                    format!("the path of export `{}` on `{name}`", e.name)
                });
            }
            if let Some(guest) = &m.guest {
                push(guest.args.as_deref(), m.name_span, &|| {
                    format!("the QEMU argument line of {noun} `{name}`")
                });
                for tag in &guest.tags {
                    push(Some(&tag.value), m.name_span, &|| {
                        format!("a tag of {noun} `{name}`")
                    });
                }
            }
        }
        for n in &self.networks {
            push(n.doc.as_deref(), n.span, &|| {
                format!("the doc comment of network `{}`", n.name)
            });
        }
        for r in &self.routers {
            for p in &r.peers {
                push(p.description.as_deref(), p.span, &|| {
                    format!("the description of BGP peer `{}`", p.name)
                });
            }
        }
        for c in &self.clusters {
            push(c.doc.as_deref(), c.span, &|| {
                format!("the doc comment of cluster `{}`", c.name)
            });
        }
        for a in &self.apps {
            push(a.doc.as_deref(), a.span, &|| {
                format!("the doc comment of app `{}`", a.name)
            });
            push(a.host.as_deref(), a.span, &|| {
                format!("the host name of app `{}`", a.name)
            });
            for v in &a.volumes {
                push(Some(&v.path), a.span, &|| {
                    format!("the path of volume `{}` of app `{}`", v.name, a.name)
                });
            }
            if let Some(probe) = &a.probe {
                push(Some(&probe.path), a.span, &|| {
                    format!("the probe path of app `{}`", a.name)
                });
            }
        }
        for i in &self.ingresses {
            push(i.doc.as_deref(), i.span, &|| {
                format!("the doc comment of ingress `{}`", i.name)
            });
            for r in &i.routes {
                push(Some(&r.host), r.span, &|| {
                    format!("a route host name of ingress `{}`", i.name)
                });
            }
        }
        out
    }
}
