//! What an app's declaration becomes beyond image and port: command and arguments, named
//! ports in the Service, files from a ConfigMap, volumes of every kind, host networking on
//! a pinned node with a GPU, TLS, probes and the volume owner.

mod common;

use infrac_target_k8s::K8sTarget;

const LAB: &str = "tests/fixtures/build/k8s-apps.infra";

fn file(suffix: &str) -> String {
    common::emit(&K8sTarget, LAB)
        .into_iter()
        .find(|(p, _)| p.ends_with(suffix))
        .map(|(_, c)| c)
        .unwrap_or_else(|| panic!("{LAB} emits no {suffix}"))
}

fn has(text: &str, expected: &str) {
    assert!(text.contains(expected), "missing {expected:?} in\n{text}");
}

#[test]
fn named_ports_are_in_container_and_service() {
    let service = file("ai/qdrant-service.yaml");
    has(
        &service,
        "    - name: http\n      port: 6333\n      targetPort: http\n",
    );
    has(
        &service,
        "    - name: grpc\n      port: 6334\n      targetPort: grpc\n",
    );
    let statefulset = file("ai/qdrant-statefulset.yaml");
    // `host_ports = [tcp/6334]`: the gRPC port also on the node, the HTTP port not.
    has(
        &statefulset,
        "            - name: grpc\n              containerPort: 6334\n              hostPort: 6334\n",
    );
    has(
        &statefulset,
        "            - name: http\n              containerPort: 6333\n              protocol: TCP\n",
    );
}

#[test]
fn one_image_two_commands() {
    has(
        &file("auth/authentik-server-deployment.yaml"),
        "          args:\n            - server\n",
    );
    has(
        &file("auth/authentik-worker-deployment.yaml"),
        "          args:\n            - worker\n",
    );
    let llama = file("ai/llama-cpp-deployment.yaml");
    has(
        &llama,
        "          command:\n            - /app/llama-server\n",
    );
}

#[test]
fn files_come_from_a_config_map_one_key_each() {
    let config = file("ai/qdrant-configmap.yaml");
    // Read from the file beside the lab, verbatim.
    has(&config, "  config: |\n    log_level: INFO\n");
    let statefulset = file("ai/qdrant-statefulset.yaml");
    has(
        &statefulset,
        "            - name: files\n              mountPath: /qdrant/config/production.yaml\n              subPath: config\n              readOnly: true\n",
    );
}

#[test]
fn every_kind_of_volume() {
    let qdrant = file("ai/qdrant-statefulset.yaml");
    has(&qdrant, "        storageClassName: local-path\n");
    let jellyfin = file("media/jellyfin-deployment.yaml");
    has(&jellyfin, "          nfs:\n            server: \"10.0.0.5\"\n            path: /mnt/tank/media\n            readOnly: true\n");
    has(
        &jellyfin,
        "          emptyDir:\n            sizeLimit: 20Gi\n",
    );
    let llama = file("ai/llama-cpp-deployment.yaml");
    has(
        &llama,
        "          hostPath:\n            path: /srv/models\n            type: DirectoryOrCreate\n",
    );
}

#[test]
fn volume_writers_own_their_volumes() {
    for f in [
        "ai/qdrant-statefulset.yaml",
        "media/jellyfin-deployment.yaml",
    ] {
        has(&file(f), "      securityContext:\n        fsGroup: 2000\n        fsGroupChangePolicy: OnRootMismatch\n");
    }
    // A host path is the node's: the kubelet does not re-own it.
    assert!(!file("ai/llama-cpp-deployment.yaml").contains("fsGroup"));
}

#[test]
fn host_network_on_the_gpu_node() {
    let llama = file("ai/llama-cpp-deployment.yaml");
    has(
        &llama,
        "      hostNetwork: true\n      dnsPolicy: ClusterFirstWithHostNet\n",
    );
    has(
        &llama,
        "      nodeSelector:\n        kubernetes.io/hostname: gpu-node\n",
    );
    has(&llama, "      runtimeClassName: nvidia\n");
    has(
        &llama,
        "            limits:\n              nvidia.com/gpu: \"1\"\n",
    );
    // The device plugin runs where the model has NVIDIA GPUs.
    let plugin = file("kube-system/nvidia-device-plugin-helmchart.yaml");
    has(
        &plugin,
        "                  values:\n                    - gpu-node\n",
    );
    has(&plugin, "    runtimeClassName: nvidia\n");
    has(
        &file("cluster/nvidia-runtimeclass.yaml"),
        "handler: nvidia\n",
    );
}

#[test]
fn tls_from_an_issuer_or_the_default_certificate() {
    let ingress = file("ai/qdrant-ingress.yaml");
    has(
        &ingress,
        "  tls:\n    - hosts:\n        - qdrant.lab.home.arpa\n      secretName: qdrant-tls\n",
    );
    let certificate = file("ai/qdrant-certificate.yaml");
    has(
        &certificate,
        "  secretName: qdrant-tls\n  dnsNames:\n    - qdrant.lab.home.arpa\n",
    );
    has(
        &certificate,
        "    name: letsencrypt\n    kind: ClusterIssuer\n",
    );
    let issuer = file("cluster/letsencrypt-clusterissuer.yaml");
    has(&issuer, "            ingressClassName: traefik\n");
    has(
        &file("kube-system/cert-manager-helmchart.yaml"),
        "    crds:\n      enabled: true\n",
    );
    // The default certificate: TLS for the host, no secret named.
    let authentik = file("auth/authentik-server-ingress.yaml");
    has(
        &authentik,
        "  tls:\n    - hosts:\n        - auth.lab.home.arpa\n  rules:\n",
    );
}

#[test]
fn liveness_and_readiness_differ_where_declared() {
    let qdrant = file("ai/qdrant-statefulset.yaml");
    has(
        &qdrant,
        "          readinessProbe:\n            httpGet:\n              path: /readyz\n",
    );
    has(
        &qdrant,
        "          livenessProbe:\n            httpGet:\n              path: /livez\n",
    );
}

#[test]
fn statefulsets_have_a_headless_service() {
    has(
        &file("ai/qdrant-statefulset.yaml"),
        "  serviceName: qdrant-headless\n",
    );
    has(
        &file("ai/qdrant-headless-service.yaml"),
        "  clusterIP: None\n",
    );
}

#[test]
fn charts_come_before_the_resources_they_install() {
    let kustomization = file("kustomization.yaml");
    let at = |s: &str| kustomization.find(s).unwrap_or_else(|| panic!("no {s}"));
    assert!(at("cert-manager-helmchart") < at("qdrant-statefulset"));
    assert!(at("qdrant-certificate") > at("jellyfin-service"));
    assert!(at("letsencrypt-clusterissuer") > at("jellyfin-service"));
}

#[test]
fn documented_liveness_endpoints_are_the_default() {
    let prometheus = file("ai/prometheus-deployment.yaml");
    has(
        &prometheus,
        "          readinessProbe:\n            httpGet:\n              path: /-/ready\n",
    );
    has(
        &prometheus,
        "          livenessProbe:\n            httpGet:\n              path: /-/healthy\n",
    );
    let jellyfin = file("media/jellyfin-deployment.yaml");
    has(&jellyfin, "          livenessProbe:\n            httpGet:\n              path: /health\n              port: 8096\n            periodSeconds: 30\n            timeoutSeconds: 5\n");
}

#[test]
fn every_tls_secret_is_the_one_its_certificate_fills() {
    let files = common::emit(&K8sTarget, LAB);
    let mut checked = 0;
    for (path, ingress) in files.iter().filter(|(p, _)| p.ends_with("-ingress.yaml")) {
        let Some(secret) = ingress
            .lines()
            .find_map(|l| l.trim().strip_prefix("secretName: "))
        else {
            continue;
        };
        let certificate_path = path.replace("-ingress.yaml", "-certificate.yaml");
        let certificate = files
            .iter()
            .find(|(p, _)| *p == certificate_path)
            .map(|(_, c)| c.as_str())
            .unwrap_or_else(|| panic!("{path} names {secret}, but no {certificate_path}"));
        has(certificate, &format!("  secretName: {secret}\n"));
        checked += 1;
    }
    assert_eq!(checked, 1, "qdrant's Ingress and Certificate");
}

#[test]
fn the_files_volume_takes_a_name_no_volume_of_the_app_has() {
    let filebrowser = file("media/filebrowser-deployment.yaml");
    has(&filebrowser, "        - name: files\n          nfs:\n");
    has(
        &filebrowser,
        "        - name: files-1\n          configMap:\n            name: filebrowser-files\n",
    );
    has(
        &filebrowser,
        "            - name: files-1\n              mountPath: /config/settings.json\n              subPath: settings\n",
    );
}
