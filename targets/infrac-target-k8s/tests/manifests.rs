//! Snapshots of every emitted manifest (ORION and the `k8s-*` fixtures), the manifests
//! against the real Kubernetes schemas (`scripts/validators/k8s.sh`, strict mode) and
//! the kustomizations against yamllint (`yaml.sh`). A missing validator fails the test.

mod common;

use infrac_target_k8s::K8sTarget;

const FIXTURES: [&str; 1] = ["k8s-"];

#[test]
fn snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (snapshot, contents) in infrac_testkit::snapshot_entries(&K8sTarget, &FIXTURES) {
            insta::assert_snapshot!(snapshot, contents);
        }
    });
}

#[test]
fn orion_files_and_kustomization_agree() {
    let files = common::emit(&K8sTarget, "examples/orion.infra");
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert!(paths.iter().all(|p| p.starts_with("k8s/k3s/")), "{paths:?}");
    let kustomization = files
        .iter()
        .find(|(p, _)| p == "k8s/k3s/kustomization.yaml")
        .map(|(_, c)| c.as_str())
        .unwrap_or_default();
    let listed: Vec<&str> = kustomization
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .collect();
    let objects: Vec<&str> = paths
        .iter()
        .filter(|p| !p.ends_with("kustomization.yaml"))
        .map(|p| p.trim_start_matches("k8s/k3s/"))
        .collect();
    assert_eq!(
        listed, objects,
        "the kustomization lists every object, in order"
    );
    // Namespaces come first so `kubectl apply -k` creates them before what lives in them,
    // then the HelmCharts, so the helm controller starts installing at once.
    assert_eq!(
        &listed[..3],
        [
            "apps/namespace.yaml",
            "ai-agents/namespace.yaml",
            "kube-system/monitoring-helmchart.yaml"
        ]
    );
    // Apps without claims are Deployments; only apps with a port get a Service.
    assert!(paths.contains(&"k8s/k3s/apps/backstage-deployment.yaml"));
    assert!(!paths.iter().any(|p| p.contains("devops-agent-service")));
}

#[test]
fn secrets_are_references_never_values() {
    let files = common::emit(&K8sTarget, "tests/fixtures/build/k8s-workloads.infra");
    let postgres = files
        .iter()
        .find(|(p, _)| p.ends_with("postgres-statefulset.yaml"))
        .map(|(_, c)| c.as_str())
        .unwrap_or_default();
    assert!(
        postgres.contains(
            "- name: POSTGRES_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: postgres-superuser\n                  key: value"
        ),
        "{postgres}"
    );
    assert!(postgres.contains("- name: POSTGRES_DB\n              value: app"));
}

#[test]
fn every_manifest_validates() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary directory: {e}"));
    let (mut objects, mut kustomizations) = (Vec::new(), Vec::new());
    for (name, relative) in common::labs(&FIXTURES) {
        for (path, contents) in common::emit(&K8sTarget, &relative) {
            let file = dir.path().join(name.clone()).join(&path);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("cannot create: {e}"));
            }
            std::fs::write(&file, contents).unwrap_or_else(|e| panic!("cannot write: {e}"));
            if path.ends_with("kustomization.yaml") {
                kustomizations.push(file);
            } else {
                objects.push(file);
            }
        }
    }
    assert!(
        objects.len() >= 25,
        "expected ORION's and the fixtures' objects, got {}",
        objects.len()
    );
    common::validate("k8s.sh", &objects);
    common::validate("yaml.sh", &kustomizations);
}
