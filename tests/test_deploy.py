"""deploy/ manifests and the Dockerfile steps.

* `kubectl kustomize` renders both overlays; `kubectl create --dry-run=client --validate=false`
  accepts every rendered object. kubectl needs API discovery to map kinds even for a client
  dry run, and no kube-apiserver exists here, so a tiny discovery-only HTTP server (the
  /api, /apis group and resource lists of the kinds we use) stands in; nothing is sent to it.
* The ClusterRole grants nothing beyond get/list/watch on the resources the kubernetes source
  reads; the Deployment has the probes, ports, args and hardening the README promises.
* scripts/docker-steps.sh (release build with --static-swift-stdlib, staged binary run as uid
  65532) -- slow.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

import cmtest
from conftest import require_tool

DEPLOY = cmtest.REPO / "deploy"
OVERLAYS = ["cluster1", "cluster2"]

# group/version -> [(resource, kind, namespaced)] for the fake discovery endpoint.
RESOURCES = {
    "v1": [("serviceaccounts", "ServiceAccount", True), ("configmaps", "ConfigMap", True),
           ("services", "Service", True), ("secrets", "Secret", True)],
    "apps/v1": [("deployments", "Deployment", True)],
    "rbac.authorization.k8s.io/v1": [("clusterroles", "ClusterRole", False),
                                     ("clusterrolebindings", "ClusterRoleBinding", False)],
}

EXPECTED_RULES = {
    ("cilium.io", "ciliumnodes"), ("cilium.io", "ciliumidentities"), ("cilium.io", "ciliumendpoints"),
    ("cilium.io", "ciliumendpointslices"), ("", "services"), ("", "namespaces"), ("discovery.k8s.io", "endpointslices"),
    ("multicluster.x-k8s.io", "serviceexports"),
}


class Discovery(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?")[0]
        groups = sorted({gv.split("/")[0] for gv in RESOURCES if "/" in gv})
        body: dict | None = None
        if path == "/api":
            body = {"kind": "APIVersions", "versions": ["v1"]}
        elif path == "/apis":
            body = {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": g, "versions": [{"groupVersion": f"{g}/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": f"{g}/v1", "version": "v1"}} for g in groups]}
        else:
            gv = path.removeprefix("/api/").removeprefix("/apis/")
            if gv in RESOURCES:
                body = {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": [
                    {"name": r, "singularName": k.lower(), "namespaced": ns, "kind": k,
                     "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}
                    for r, k, ns in RESOURCES[gv]]}
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Discovery)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    path = tmp_path_factory.mktemp("kube") / "config"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": {"server": f"http://127.0.0.1:{server.server_port}"}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
        "users": [{"name": "fake", "user": {}}],
    }))
    yield str(path)
    server.shutdown()


def render(overlay: str) -> str:
    require_tool("kubectl")
    d = cmtest.run(["kubectl", "kustomize", str(DEPLOY / "overlays" / overlay)], timeout=60)
    assert d.rc == 0, str(d)
    return d.out


def objects(overlay: str) -> dict[tuple[str, str], dict]:
    return {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(render(overlay)) if o}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_and_passes_client_dry_run(overlay: str, kubeconfig: str) -> None:
    rendered = render(overlay)
    d = cmtest.run(["kubectl", "--kubeconfig", kubeconfig, "create", "--dry-run=client", "--validate=false",
                    "-o", "yaml", "-f", "-"], input=rendered, timeout=60)
    assert d.rc == 0, str(d)
    out = list(yaml.safe_load_all(d.out))
    items = out[0]["items"] if len(out) == 1 and out[0].get("kind") == "List" else out
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in items)
    assert kinds == sorted([
        ("ClusterRole", "clustermesh-apiserver"), ("ClusterRoleBinding", "clustermesh-apiserver"),
        ("ConfigMap", "clustermesh-remote-users"), ("Deployment", "clustermesh-apiserver"),
        ("Service", "clustermesh-apiserver"), ("ServiceAccount", "clustermesh-apiserver"),
    ])
    for o in items:
        if o["kind"] not in ("ClusterRole", "ClusterRoleBinding"):
            assert o["metadata"]["namespace"] == "kube-system"


def test_dry_run_catches_unknown_kinds(kubeconfig: str) -> None:
    """The discovery stand-in really maps kinds: an unknown apiVersion is refused."""
    bad = "apiVersion: apps/v9\nkind: Deployment\nmetadata:\n  name: x\n"
    d = cmtest.run(["kubectl", "--kubeconfig", kubeconfig, "create", "--dry-run=client", "--validate=false",
                    "-o", "name", "-f", "-"], input=bad, timeout=60)
    assert d.rc != 0


def test_generated_secrets_pass_client_dry_run(kubeconfig: str, tmp_path: Path) -> None:
    d = cmtest.run([cmtest.CMAPI_BIN, "certs", "--cluster-name", "cluster1", "--output-dir", str(tmp_path / "c")])
    assert d.rc == 0, str(d)
    d = cmtest.run(["kubectl", "--kubeconfig", kubeconfig, "create", "--dry-run=client", "--validate=false",
                    "-o", "name", "-f", str(tmp_path / "c" / "secrets.yaml")], timeout=60)
    assert d.rc == 0, str(d)
    assert sorted(d.out.split()) == sorted(f"secret/{n}" for n in [
        "cilium-ca", "clustermesh-apiserver-server-cert", "clustermesh-apiserver-admin-cert",
        "clustermesh-apiserver-remote-cert", "clustermesh-apiserver-local-cert"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_clusterrole_is_read_only_and_minimal(overlay: str) -> None:
    role = objects(overlay)[("ClusterRole", "clustermesh-apiserver")]
    granted = set()
    for rule in role["rules"]:
        assert set(rule) <= {"apiGroups", "resources", "verbs"}, rule  # no resourceNames/nonResourceURLs
        assert sorted(rule["verbs"]) == ["get", "list", "watch"], rule
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                assert "*" not in (group, resource) and "/" not in resource, rule
                granted.add((group, resource))
    assert granted == EXPECTED_RULES
    binding = objects(overlay)[("ClusterRoleBinding", "clustermesh-apiserver")]
    assert binding["roleRef"]["name"] == "clustermesh-apiserver"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "clustermesh-apiserver", "namespace": "kube-system"}]


def test_clusterrole_covers_every_resource_the_source_reads() -> None:
    """The resource list in KubernetesSource.swift and the ClusterRole stay in step."""
    text = (cmtest.REPO / "Sources" / "MeshSources" / "KubernetesSource.swift").read_text()
    found = set(re.findall(r'KubeResource\(\s*group: "([^"]*)", version: "[^"]+", plural: "([^"]+)"', text))
    assert found == EXPECTED_RULES


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_deployment_shape(overlay: str) -> None:
    objs = objects(overlay)
    dep = objs[("Deployment", "clustermesh-apiserver")]
    spec = dep["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    pod = spec["template"]["spec"]
    assert pod["serviceAccountName"] == "clustermesh-apiserver"
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 65532
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (c,) = pod["containers"]
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"etcd": 2379, "apiserv-health": 9880, "apiserv-metrics": 9962}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "apiserv-health"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "apiserv-health"}
    assert "requests" in c["resources"] and "limits" in c["resources"]
    args = c["args"]
    assert args[0] == "serve"
    assert "--listen=0.0.0.0:2379" in args and "--source=kubernetes" in args
    assert "--cluster-name=$(CLUSTER_NAME)" in args and "--cluster-id=$(CLUSTER_ID)" in args
    assert "--health-listen=:9880" in args and "--metrics-listen=:9962" in args
    env = {e["name"]: e["valueFrom"]["configMapKeyRef"] for e in c["env"]}
    assert env == {"CLUSTER_NAME": {"name": "cilium-config", "key": "cluster-name"},
                   "CLUSTER_ID": {"name": "cilium-config", "key": "cluster-id"}}
    # Every file argument lives on a mounted volume, and the volumes are what `certs` and the
    # users ConfigMap provide.
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    flags = dict(a.split("=", 1) for a in args[1:])
    for flag, volume, key in [("--tls-cert", "server-cert", "tls.crt"), ("--tls-key", "server-cert", "tls.key"),
                              ("--tls-client-ca", "server-cert", "ca.crt"), ("--users-file", "users", "users.yaml")]:
        assert flags[flag] == f"{mounts[volume]}/{key}"
    assert volumes["server-cert"]["secret"]["secretName"] == "clustermesh-apiserver-server-cert"
    assert volumes["users"]["configMap"]["name"] == "clustermesh-remote-users"
    # Serve accepts every flag the Deployment passes (except the env-expanded values).
    d = cmtest.run([cmtest.CMAPI_BIN, "serve", "--help"])
    assert d.rc == 0, str(d)
    for flag in flags:
        assert flag in d.out, f"serve has no {flag}"


@pytest.mark.parametrize("overlay,peer,cid", [("cluster1", "cluster2", "1"), ("cluster2", "cluster1", "2")])
def test_overlay_specifics(overlay: str, peer: str, cid: str) -> None:
    objs = objects(overlay)
    svc = objs[("Service", "clustermesh-apiserver")]["spec"]
    assert svc["type"] == "NodePort"
    assert svc["ports"] == [{"name": "etcd", "port": 2379, "targetPort": "etcd", "protocol": "TCP", "nodePort": 32379}]
    assert svc["selector"] == {"k8s-app": "clustermesh-apiserver"}
    users = yaml.safe_load(objs[("ConfigMap", "clustermesh-remote-users")]["data"]["users.yaml"])
    assert users == {"users": [{"name": f"remote-{peer}", "role": "remote"}]}
    dep = objs[("Deployment", "clustermesh-apiserver")]
    assert dep["metadata"]["labels"]["clustermesh.cilium.io/cluster-name"] == overlay
    assert dep["metadata"]["labels"]["clustermesh.cilium.io/cluster-id"] == cid


def test_base_service_is_load_balancer() -> None:
    d = cmtest.run(["kubectl", "kustomize", str(DEPLOY / "base")], timeout=60)
    assert d.rc == 0, str(d)
    svc = [o for o in yaml.safe_load_all(d.out) if o["kind"] == "Service"][0]
    assert svc["spec"]["type"] == "LoadBalancer" and svc["spec"]["ports"][0]["port"] == 2379
    assert "Secret" not in {o["kind"] for o in yaml.safe_load_all(d.out)}  # no secret data committed


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_docker_steps_script() -> None:
    """The Dockerfile's build/copy/check steps and the image's run as uid 65532, without Docker."""
    if os.environ.get("SKIP_DOCKER_STEPS"):
        pytest.skip("SKIP_DOCKER_STEPS set")
    p = subprocess.run(["bash", str(cmtest.REPO / "scripts" / "docker-steps.sh")], capture_output=True,
                       text=True, timeout=880)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-4000:]
    assert "docker-steps: OK" in p.stdout
