//! TLS through cert-manager: the chart that installs it, a `ClusterIssuer` per issuer a
//! cluster declares and a `Certificate` per app host name that names one.
//!
//! Resource schemas: cert-manager v1.21.1 (`deploy/crds/cert-manager.io_certificates.yaml`
//! and `cert-manager.io_clusterissuers.yaml`), vendored for the validator. The chart is
//! `cert-manager` from `https://charts.jetstack.io`, v1.21.1 (cert-manager/cert-manager,
//! tag v1.21.1, 2026-07-29), with its CRDs installed by the chart (`crds.enabled`).

use crate::helm::{helm_chart_object, HelmChartObject, Values};
use crate::objects::ObjectMeta;
use crate::quantity::dns_label;
use infrac_model::workloads::CertIssuer;
use serde::Serialize;
use std::collections::BTreeMap;

/// The cert-manager chart release pinned for clusters that declare an issuer.
pub const CERT_MANAGER_VERSION: &str = "v1.21.1";
const CERT_MANAGER_REPO: &str = "https://charts.jetstack.io";

/// A `cert-manager.io/v1/ClusterIssuer` for ACME with HTTP-01 through the ingress class.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterIssuer {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: IssuerSpec,
}

/// The spec of an ACME issuer.
#[derive(Debug, Clone, Serialize)]
pub struct IssuerSpec {
    pub acme: Acme,
}

/// ACME account and solver.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Acme {
    pub email: String,
    pub server: String,
    pub private_key_secret_ref: SecretRef,
    pub solvers: Vec<Solver>,
}

/// A Secret by name.
#[derive(Debug, Clone, Serialize)]
pub struct SecretRef {
    pub name: String,
}

/// An ACME challenge solver.
#[derive(Debug, Clone, Serialize)]
pub struct Solver {
    pub http01: Http01,
}

/// HTTP-01 answered by an Ingress of the given class.
#[derive(Debug, Clone, Serialize)]
pub struct Http01 {
    pub ingress: Http01Ingress,
}

/// The ingress class that serves challenges.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Http01Ingress {
    pub ingress_class_name: String,
}

/// A `cert-manager.io/v1/Certificate`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: CertificateSpec,
}

/// What the certificate covers and who issues it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateSpec {
    pub secret_name: String,
    pub dns_names: Vec<String>,
    pub issuer_ref: IssuerRef,
}

/// The issuer of a certificate.
#[derive(Debug, Clone, Serialize)]
pub struct IssuerRef {
    pub name: String,
    pub kind: &'static str,
    pub group: &'static str,
}

/// The ClusterIssuer of a declared issuer.
pub fn cluster_issuer(issuer: &CertIssuer, labels: BTreeMap<String, String>) -> ClusterIssuer {
    let name = dns_label(&issuer.name);
    ClusterIssuer {
        api_version: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: ObjectMeta {
            name: name.clone(),
            namespace: None,
            labels,
        },
        spec: IssuerSpec {
            acme: Acme {
                email: issuer.email.clone(),
                server: issuer.server.clone(),
                private_key_secret_ref: SecretRef {
                    name: format!("{name}-account-key"),
                },
                solvers: vec![Solver {
                    http01: Http01 {
                        ingress: Http01Ingress {
                            ingress_class_name: issuer.ingress_class.clone(),
                        },
                    },
                }],
            },
        },
    }
}

/// The Certificate of an app's host name, stored in `secret`.
pub fn certificate(meta: ObjectMeta, host: &str, issuer: &str, secret: &str) -> Certificate {
    Certificate {
        api_version: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: meta,
        spec: CertificateSpec {
            secret_name: dns_label(secret),
            dns_names: vec![host.to_string()],
            issuer_ref: IssuerRef {
                name: dns_label(issuer),
                kind: "ClusterIssuer",
                group: "cert-manager.io",
            },
        },
    }
}

/// The HelmChart that installs cert-manager and its CRDs into `cert-manager`.
pub fn cert_manager_chart(labels: BTreeMap<String, String>) -> HelmChartObject {
    let mut values = Values::map();
    values.set(&["crds", "enabled"], Values::bool(true));
    helm_chart_object(
        "cert-manager",
        Some(CERT_MANAGER_REPO),
        "cert-manager",
        CERT_MANAGER_VERSION,
        "cert-manager",
        &values,
        labels,
    )
}
