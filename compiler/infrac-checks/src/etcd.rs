//! A Kubernetes cluster's servers keep its datastore: with two or more, k3s runs
//! embedded etcd (the first server with `cluster-init`), which accepts writes while a
//! majority of its members, n/2 + 1, is up. An even number of servers survives no more
//! failures than one server fewer and has one more server to fail (W0507); two servers
//! stop the control plane when either stops.
//!
//! Sources: docs.k3s.io/architecture (an HA cluster is three or more servers with
//! embedded etcd); docs.rke2.io/install/ha ("Why an odd number of server nodes?": quorum
//! is (n/2)+1).

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::{MachineId, Model};

pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for cluster in &model.clusters {
        // A server listed twice is another check's finding, not two servers.
        let mut servers: Vec<MachineId> = cluster.servers.iter().map(|s| s.value).collect();
        servers.sort_unstable();
        servers.dedup();
        let n = servers.len();
        if n < 2 || n % 2 == 1 {
            continue;
        }
        let (Some(first), Some(last)) = (cluster.servers.first(), cluster.servers.last()) else {
            continue;
        };
        let span = if first.span.file == last.span.file {
            first.span.to(last.span)
        } else {
            first.span
        };
        let majority = n / 2 + 1;
        let survives = (n - 1) / 2;
        let (message, help) = if n == 2 {
            (
                format!(
                    "cluster {} has two servers: its etcd stops when either of them does",
                    cluster.name
                ),
                "make it three servers, which survive one failure, or keep one server and make the other an agent".to_string(),
            )
        } else {
            (
                format!(
                    "cluster {} has {n} servers, which survive {survives} {}, as {} do",
                    cluster.name,
                    if survives == 1 { "failure" } else { "failures" },
                    n - 1
                ),
                format!(
                    "use an odd number of servers: {} survive as many failures, {} one more",
                    n - 1,
                    n + 1
                ),
            )
        };
        out.push(
            Diagnostic::warning(
                Code::K8S_EVEN_SERVERS,
                message,
                span,
                format!("{n} servers: etcd needs {majority} of them up"),
            )
            .with_note(
                "with two or more servers k3s keeps the cluster's state in embedded etcd, which \
                 accepts writes only while a majority of its members is up",
            )
            .with_help(help),
        );
    }
    out
}
