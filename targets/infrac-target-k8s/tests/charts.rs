//! HelmChart objects: the lab's chart releases and the monitoring stack, whose values
//! come from the model (scrape targets, receivers, Grafana).

mod common;

use infrac_target_k8s::K8sTarget;

fn file(lab: &str, suffix: &str) -> String {
    common::emit(&K8sTarget, lab)
        .into_iter()
        .find(|(p, _)| p.ends_with(suffix))
        .map(|(_, c)| c)
        .unwrap_or_else(|| panic!("{lab} emits no {suffix}"))
}

#[test]
fn chart_values_nest_by_dotted_path() {
    let traefik = file(
        "tests/fixtures/build/k8s-charts.infra",
        "traefik-helmchart.yaml",
    );
    assert!(traefik.contains("  namespace: kube-system\n"), "{traefik}");
    assert!(
        traefik.contains("  targetNamespace: traefik\n"),
        "{traefik}"
    );
    // Versions stay strings: `6.10` must not become the number 6.1.
    assert!(traefik.contains("  version: \"37.1.2\"\n"), "{traefik}");
    assert!(
        traefik.contains("    ports:\n      web:\n        redirections:\n          entryPoint:\n            to: websecure\n"),
        "{traefik}"
    );
    // Numbers and booleans keep their type; a string `"true"` would be truthy in Helm
    // templates and a string `"2"` rejected by the chart's schema.
    assert!(traefik.contains("      replicas: 2\n"), "{traefik}");
    assert!(traefik.contains("        enabled: true\n"), "{traefik}");
}

#[test]
fn oci_charts_have_no_repo() {
    let podinfo = file(
        "tests/fixtures/build/k8s-charts.infra",
        "podinfo-helmchart.yaml",
    );
    assert!(!podinfo.contains("repo:"), "{podinfo}");
    assert!(!podinfo.contains("valuesContent"), "{podinfo}");
    assert!(podinfo.contains("chart: oci://ghcr.io/stefanprodan/charts/podinfo"));
}

#[test]
fn monitoring_scrapes_the_exporters_of_the_model() {
    let stack = file(
        "tests/fixtures/build/k8s-charts.infra",
        "metrics-helmchart.yaml",
    );
    assert!(
        stack.contains("  chart: kube-prometheus-stack\n"),
        "{stack}"
    );
    for expected in [
        "      - job_name: bird-exporter\n",
        "              - 10.0.0.1:9324\n",
        "      - job_name: node-exporter\n",
        "                  instance: node-1\n",
        "              - 10.0.0.11:9100\n",
        // The lab's own node exporters are scraped; the chart's DaemonSet would bind
        // port 9100 a second time.
        "nodeExporter:\n      enabled: false\n",
        "kubelet:\n      enabled: true\n",
    ] {
        assert!(stack.contains(expected), "missing {expected:?} in\n{stack}");
    }
}

#[test]
fn orion_monitoring_scrapes_every_node_exporter() {
    let stack = file(
        "examples/orion.infra",
        "kube-system/monitoring-helmchart.yaml",
    );
    for machine in [
        "router",
        "ai-coordinator",
        "netbox",
        "k3s-master",
        "k3s-worker-1",
        "k3s-worker-2",
        "k3s-worker-3",
    ] {
        assert!(
            stack.contains(&format!("instance: {machine}\n")),
            "{machine} not scraped:\n{stack}"
        );
    }
    assert!(
        stack.contains("url: http://n8n.orion.local:5678/webhook/alertmanager")
            || stack.contains("webhook/alertmanager")
    );
    assert!(stack.contains("nodePort: 30080"), "{stack}");
}

#[test]
fn secrets_stay_references() {
    let stack = file(
        "tests/fixtures/build/k8s-charts.infra",
        "metrics-helmchart.yaml",
    );
    // The SMTP password is a mounted Secret read from a file, Grafana's admin password a
    // secretKeyRef: neither value is in the manifest.
    assert!(stack.contains("auth_password_file: /etc/alertmanager/secrets/smtp-password/value"));
    assert!(
        stack.contains("secrets:\n          - smtp-password\n"),
        "{stack}"
    );
    assert!(
        stack.contains("GF_SECURITY_ADMIN_PASSWORD:\n          secretKeyRef:\n            key: value\n            name: grafana-admin\n"),
        "{stack}"
    );
}
