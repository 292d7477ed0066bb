"""`--source kubernetes` against the fake API server (tests/fakekube.py).

Our server gets a generated kubeconfig (token auth) pointing at FakeKube, which holds
real-shaped CiliumNodes, CiliumIdentities, CiliumEndpoints, Services and EndpointSlices. The
suites compare the whole listing under ``cilium/`` with what Cilium's apiserver would write for
those objects (computed in fakekube.expected_state, plus exact values copied from
reference/cilium-clustermesh.md §1) through creates, updates, deletes, a forced relist (410),
dropped and early-ended watches, an expired continue token and a missing CRD.
"""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest

import cmtest
import fakekube as F
from conftest import require_tool

CLUSTER, CID = "cluster3", 3
WG_KEY = "VRksh7V0Uq3WlU6uS1mZ3x9b5Yk3e0kq1wQm7qUzZ3E="
BULK_CEPS = 1100  # > 2 pages of the client's limit=500

ours_only = pytest.mark.skipif(cmtest.TARGET == "etcd", reason="needs our server's Kubernetes source")

# Exact values from reference/cilium-clustermesh.md §1.2–§1.5 (Cilium testdata), WireGuard key
# completed.
REF_NODE_KEY = "cilium/state/nodes/v1/cluster3/test-node-1"
REF_NODE = (
    '{"Name":"test-node-1","Cluster":"cluster3",'
    '"IPAddresses":[{"Type":"InternalIP","IP":"172.18.0.2"},{"Type":"InternalIP","IP":"fc00:c111::2"},'
    '{"Type":"CiliumInternalIP","IP":"10.244.0.10"},{"Type":"CiliumInternalIP","IP":"fd00:10:244::e2d6"}],'
    '"IPv4AllocCIDR":{"IP":"10.244.0.0","Mask":"////AA=="},"IPv4SecondaryAllocCIDRs":null,'
    '"IPv6AllocCIDR":{"IP":"fd00:10:244::","Mask":"//////////8AAAAAAAAAAA=="},"IPv6SecondaryAllocCIDRs":null,'
    '"IPv4HealthIP":"10.244.0.134","IPv6HealthIP":"fd00:10:244::d812",'
    '"IPv4IngressIP":"","IPv6IngressIP":"","ClusterID":3,"Source":"custom-resource","EncryptionKey":0,'
    '"Labels":{"kubernetes.io/hostname":"test-node-1"},'
    '"Annotations":{"network.cilium.io/wg-pub-key":"' + WG_KEY + '"},'
    '"NodeIdentity":0,"WireguardPubKey":"' + WG_KEY + '","BootID":"570d3fd1-93db-4862-ba99-6a3c2c10c38f"}')
REF_IDENTITY_KEY = "cilium/state/identities/v1/id/196915"
REF_IDENTITY = "k8s:app=baz;k8s:io.cilium.k8s.policy.cluster=cluster3;k8s:io.kubernetes.pod.namespace=bar;"
REF_IP_KEY = "cilium/state/ip/v1/default/10.244.2.74"
REF_IP = ('{"IP":"10.244.2.74","Mask":null,"HostIP":"172.18.0.2","ID":199475,"Key":5,'
          '"Metadata":"","K8sNamespace":"bar","K8sPodName":"cep-002"}')
REF_SVC_KEY = "cilium/state/services/v1/cluster3/test/echo"
REF_SVC = ('{"cluster":"cluster3","namespace":"test","name":"echo",'
           '"frontends":{"10.96.50.104":{"http":{"Protocol":"TCP","Port":80}}},'
           '"backends":{"10.244.1.1":{"http":{"Protocol":"TCP","Port":8080}}},'
           '"labels":{},"selector":{"name":"echo"},'
           '"includeExternal":true,"shared":true,"clusterID":3}')
REF_CONFIG = ('{"id":3,"capabilities":{"syncedCanaries":true,"maxConnectedClusters":255,"serviceExportsEnabled":false,'
              '"endpointSlicesExportMode":"services-and-endpointslices"}}')
NAMESPACES = ("bar", "test", "default", "bulk", "prod", "drop")

GLOBAL = {"service.cilium.io/global": "true"}


def base_objects() -> list[dict]:
    objs = [F.namespace(n) for n in NAMESPACES] + [
        F.ciliumnode("test-node-1", ["172.18.0.2", "fc00:c111::2"], ["10.244.0.10", "fd00:10:244::e2d6"],
                     ["10.244.0.0/24", "fd00:10:244::/64"], health=("10.244.0.134", "fd00:10:244::d812"),
                     labels={"kubernetes.io/hostname": "test-node-1"},
                     annotations={"network.cilium.io/wg-pub-key": WG_KEY},
                     bootid="570d3fd1-93db-4862-ba99-6a3c2c10c38f"),
        F.ciliumnode("test-node-2", ["172.18.0.3", "fc00:c111::3"], ["10.244.1.10", "fd00:10:244:1::a"],
                     ["10.244.1.0/24", "10.245.1.0/24", "fd00:10:244:1::/64"], health=("10.244.1.5", "fd00:10:244:1::5"),
                     labels={"kubernetes.io/hostname": "test-node-2", "topology.kubernetes.io/zone": "b"},
                     encryption_key=2),
        F.ciliumnode("test-node-3", ["172.18.0.4"], ["10.244.2.10"], ["10.244.2.0/24"]),
        F.ciliumidentity(196915, {"k8s:io.kubernetes.pod.namespace": "bar", "k8s:app": "baz",
                                  "k8s:io.cilium.k8s.policy.cluster": "cluster3"}),
        F.ciliumidentity(199475, {"k8s:app": "echo", "k8s:io.cilium.k8s.policy.cluster": "cluster3",
                                  "k8s:io.kubernetes.pod.namespace": "test", "k8s:version": "v1"}),
        F.ciliumidentity(199476, {"k8s:app": "web", "k8s:io.cilium.k8s.policy.cluster": "cluster3",
                                  "k8s:io.kubernetes.pod.namespace": "default"}),
        F.ciliumidentity(65540, {"k8s:app": "other-cluster"}),  # outside cluster 3's range: skipped
        F.ciliumidentity(199477, None),  # no security labels: skipped
        F.ciliumendpoint("bar", "cep-002", ["10.244.2.74"], "172.18.0.2", 199475, encryption_key=5),
        F.ciliumendpoint("default", "web-0", ["10.244.1.20", "fd00:10:244:1::20"], "172.18.0.3", 199476),
        F.ciliumendpoint("default", "web-1", ["10.244.2.21", "fd00:10:244:2::21"], "172.18.0.4", 199476),
        F.service("test", "echo", ["10.96.50.104"], [("http", "TCP", 80)], annotations=dict(GLOBAL),
                  selector={"name": "echo"}),
        F.endpointslice("test", "echo-abcde", "echo", ["10.244.1.1"], [("http", "TCP", 8080)]),
        F.service("default", "web", ["10.96.0.20", "fd00:96::20"], [("http", "TCP", 80), ("dns", "UDP", 53)],
                  annotations={**GLOBAL, "service.cilium.io/shared": "true"}, labels={"app": "web"},
                  selector={"app": "web"}),
        F.endpointslice("default", "web-v4", "web", ["10.244.1.20", "10.244.2.21", "10.244.2.99"],
                        [("http", "TCP", 8080), ("dns", "UDP", 5353)], not_ready=["10.244.2.99"],
                        hostnames={"10.244.1.20": "web-0"}),
        F.endpointslice("default", "web-v6", "web", ["fd00:10:244:1::20", "fd00:10:244:2::21"],
                        [("http", "TCP", 8080), ("dns", "UDP", 5353)], address_type="IPv6"),
        F.service("default", "local-only", ["10.96.0.30"], [("", "TCP", 443)]),
        F.endpointslice("default", "local-only-1", "local-only", ["10.244.1.30"], [("", "TCP", 8443)]),
        F.service("default", "private", ["10.96.0.40"], [("http", "TCP", 80)],
                  annotations={**GLOBAL, "service.cilium.io/shared": "false"}),
        F.service("default", "headless", [], [("grpc", "TCP", 9000)], annotations=dict(GLOBAL)),
        F.endpointslice("default", "headless-1", "headless", ["10.244.1.40"], [("grpc", "TCP", 9000)]),
        F.service("default", "proxied", ["10.96.0.50"], [("http", "TCP", 80)], annotations=dict(GLOBAL),
                  labels={"service.kubernetes.io/service-proxy-name": "other"}),
    ]
    for i in range(BULK_CEPS):
        objs.append(F.ciliumendpoint("bulk", f"pod-{i:04d}", [f"10.250.{i // 250}.{i % 250 + 1}"], "172.18.0.4", 199476))
    return objs


def expected(fk: F.FakeKube) -> dict[str, str]:
    """Cilium's output for what FakeKube holds (services with a proxy name are not selected)."""
    objs = []
    for kind in ("Namespace", "CiliumNode", "CiliumIdentity", "CiliumEndpoint", "EndpointSlice"):
        objs += fk.list(kind)
    objs += [s for s in fk.list("Service")
             if "service.kubernetes.io/service-proxy-name" not in (s["metadata"].get("labels") or {})]
    return F.expected_state(objs, CLUSTER, CID, require_namespaces=True)


@pytest.fixture
def kube(tmp_path):
    fk = F.FakeKube(bookmark_interval=0.5).start()
    for o in base_objects():
        fk.apply(o)
    fk.kubeconfig = fk.write_kubeconfig(str(tmp_path / "kubeconfig"))  # type: ignore[attr-defined]
    yield fk
    fk.stop()


def start_mesh(fk: F.FakeKube, name: str, extra: list[str] = (), wait: bool = True) -> F.MeshServer:
    srv = F.MeshServer(name, "kubernetes", cluster=CLUSTER, cluster_id=CID,
                       extra_args=["--kubeconfig", fk.kubeconfig, *extra])  # type: ignore[attr-defined]
    srv.start()
    if wait:
        srv.wait_ready(timeout=60)
    return srv


@pytest.fixture
def mesh(kube):
    srv = start_mesh(kube, "kube-src")
    yield srv
    srv.stop()


def assert_state(srv: F.MeshServer, fk: F.FakeKube, timeout: float = 10.0, what: str = "") -> None:
    want = expected(fk)
    got = srv.wait_state(want, timeout=timeout)
    assert got == want, f"{what}: cilium/state/ differs from the source:\n{F.state_diff(got, want)}"


def full_keys(state: dict[str, str]) -> set[str]:
    return set(state) | set(F.canary_keys(CLUSTER)) | set(F.static_keys(CLUSTER))


# ---------------------------------------------------------------------------------------------


def test_kubectl_talks_to_fakekube(kube, tmp_path):
    """The fake speaks real Kubernetes: kubectl discovers, lists, gets and watches through it."""
    require_tool("kubectl")
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "KUBECONFIG": str(home / "none")}

    def kubectl(*args: str, timeout: float = 60) -> cmtest.Done:
        return cmtest.run(["kubectl", f"--server={kube.url}", *args], timeout=timeout, env=env)

    d = kubectl("get", "ciliumnodes", "-o", "json")
    assert d.rc == 0, str(d)
    names = [i["metadata"]["name"] for i in json.loads(d.out)["items"]]
    assert names == ["test-node-1", "test-node-2", "test-node-3"]
    d = kubectl("get", "svc", "-A", "-o", "json")
    assert d.rc == 0, str(d)
    assert len(json.loads(d.out)["items"]) == 6
    d = kubectl("get", "cep", "-n", "bar", "-o", "json")
    assert d.rc == 0, str(d)
    assert [i["metadata"]["name"] for i in json.loads(d.out)["items"]] == ["cep-002"]
    d = kubectl("get", "ciliumidentity", "196915", "-o", "json")
    assert d.rc == 0 and json.loads(d.out)["security-labels"]["k8s:app"] == "baz", str(d)
    # Pagination through kubectl (--chunk-size) and a watch (chunked events).
    d = kubectl("get", "cep", "-n", "bulk", "--chunk-size=300", "-o", "json")
    assert d.rc == 0 and len(json.loads(d.out)["items"]) == BULK_CEPS, str(d)[:2000]
    assert sum(1 for q in kube.requests_for("ciliumendpoints") if q.get("continue")) >= 3
    kube.split_chunks = True
    proc = subprocess.Popen(["kubectl", f"--server={kube.url}", "get", "cn", "-w", "--output-watch-events",
                             "-o", "json", "--request-timeout=5s"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **env})
    time.sleep(2.0)
    kube.apply(F.ciliumnode("watched", ["172.18.0.9"], [], []))
    kube.delete("CiliumNode", "watched")
    out, err = proc.communicate(timeout=30)
    types = [json.loads(x)["type"] for x in out.replace("}\n{", "}\x00{").split("\x00") if x.strip()]
    assert types == ["ADDED"] * 3 + ["ADDED", "DELETED"], (out[-2000:], err)
    d = kubectl("api-resources", "--api-group=cilium.io", "-o", "name")
    assert d.rc == 0 and "ciliumnodes.cilium.io" in d.out.split(), str(d)


@ours_only
def test_initial_lists_gate_canaries_and_readiness(kube):
    """Canaries appear only once their kinds' initial lists are in the store; /readyz follows."""
    kube.hold_lists("CiliumIdentity")
    kube.expire_next_continues = 1  # the CiliumEndpoint list must restart once (410 on continue)
    srv = start_mesh(kube, "kube-gate", wait=False)
    try:
        nodes_canary = f"cilium/synced/{CLUSTER}/cilium/state/nodes/v1"
        deadline = time.monotonic() + 30
        while nodes_canary not in srv.listing() and time.monotonic() < deadline:
            time.sleep(0.05)
        listing = srv.listing()
        assert nodes_canary in listing, srv.log_tail()
        want = expected(kube)
        # Every canary present has its whole prefix in the store already.
        for prefix in F.STATE_PREFIXES:
            if f"cilium/synced/{CLUSTER}/{prefix}" in listing:
                part = {k: v for k, v in want.items() if k.startswith(prefix + "/")}
                got = {k: v for k, v in listing.items() if k.startswith(prefix + "/")}
                assert got == part, F.state_diff(got, part)
        assert f"cilium/synced/{CLUSTER}/cilium/state/identities/v1" not in listing
        assert not any(k.startswith("cilium/state/identities/") for k in listing)
        assert listing[f"cilium/cluster-config/{CLUSTER}"] == REF_CONFIG
        time.sleep(0.5)
        assert srv.readyz() == 500
        kube.release_lists("CiliumIdentity")
        srv.wait_ready(timeout=30)
        listing = srv.listing()
        state = srv.state()
        assert state == want, F.state_diff(state, want)
        assert set(listing) == full_keys(want)
        # Exact values from the reference.
        assert state[REF_NODE_KEY] == REF_NODE
        assert state[REF_IDENTITY_KEY] == REF_IDENTITY
        assert state[REF_IP_KEY] == REF_IP
        assert state[REF_SVC_KEY] == REF_SVC
        assert listing[f"cilium/cluster-config/{CLUSTER}"] == REF_CONFIG
        # Filtered: non-global, shared=false, other proxy, out-of-range and label-less identities.
        for absent in ("default/local-only", "default/private", "default/proxied"):
            assert f"cilium/state/services/v1/{CLUSTER}/{absent}" not in state
        assert "cilium/state/identities/v1/id/65540" not in state
        assert "cilium/state/identities/v1/id/199477" not in state
        assert f"cilium/state/services/v1/{CLUSTER}/default/headless" in state
        assert len([k for k in state if k.startswith("cilium/state/ip/")]) == BULK_CEPS + 5
        # Paginated, restarted after the expired continue token; token auth on every request.
        ceps = kube.requests_for("ciliumendpoints")
        lists = [q for q in ceps if not q.get("watch")]
        assert all(q.get("limit") == "500" for q in lists)
        assert sum(1 for q in lists if q.get("continue")) >= 3 and sum(1 for q in lists if not q.get("continue")) >= 2
        watches = [q for q in ceps if q.get("watch")]
        assert watches and all(q.get("allowWatchBookmarks") == "true" and q.get("resourceVersion") for q in watches)
        ours = [r for r in kube.requests if r[3].startswith("clustermesh-apiserver")]
        assert ours and all(r[2] == f"Bearer {kube.token}" for r in ours)
        svc = [q for q in kube.requests_for("services")]
        assert svc and all(q.get("labelSelector") == "!service.kubernetes.io/service-proxy-name" for q in svc)
    finally:
        kube.release_lists("CiliumIdentity")
        srv.stop()


@ours_only
def test_create_update_delete(kube, mesh):
    assert_state(mesh, kube, what="initial")
    steps = [
        ("node create", lambda: kube.apply(F.ciliumnode("test-node-4", ["172.18.0.5", "fc00:c111::5"], ["10.244.3.10"],
                                                        ["10.244.3.0/24", "fd00:10:244:3::/64"]))),
        ("node update", lambda: kube.apply(F.ciliumnode("test-node-3", ["172.18.0.44"], ["10.244.2.10"],
                                                        ["10.244.2.0/24"], labels={"new": "label"}))),
        ("node delete", lambda: kube.delete("CiliumNode", "test-node-2")),
        ("identity create", lambda: kube.apply(F.ciliumidentity(200000, {
            "k8s:app": "new", "k8s:io.cilium.k8s.policy.cluster": "cluster3", "k8s:io.kubernetes.pod.namespace": "prod"}))),
        ("identity update", lambda: kube.apply(F.ciliumidentity(199476, {
            "k8s:app": "web2", "k8s:io.cilium.k8s.policy.cluster": "cluster3",
            "k8s:io.kubernetes.pod.namespace": "default"}))),
        ("identity loses its namespace label", lambda: kube.apply(F.ciliumidentity(199475, {
            "k8s:app": "echo", "k8s:io.cilium.k8s.policy.cluster": "cluster3"}))),
        ("identity delete", lambda: kube.delete("CiliumIdentity", "196915")),
        ("cep ip change", lambda: kube.apply(F.ciliumendpoint("bar", "cep-002", ["10.244.2.75"], "172.18.0.2", 199475))),
        ("cep dual-stack -> v4", lambda: kube.apply(F.ciliumendpoint("default", "web-0", ["10.244.1.20"], "172.18.0.3",
                                                                     199476))),
        ("cep delete", lambda: kube.delete("CiliumEndpoint", "web-1", "default")),
        ("bulk cep delete", lambda: [kube.delete("CiliumEndpoint", f"pod-{i:04d}", "bulk") for i in range(0, 300)]),
        ("slice backend change", lambda: kube.apply(F.endpointslice("test", "echo-abcde", "echo",
                                                                    ["10.244.1.1", "10.244.1.2"],
                                                                    [("http", "TCP", 8080)]))),
        ("service becomes non-global", lambda: kube.apply(F.service("default", "web", ["10.96.0.20"],
                                                                    [("http", "TCP", 80)]))),
        ("service becomes global", lambda: kube.apply(F.service("default", "local-only", ["10.96.0.30"],
                                                                [("", "TCP", 443)], annotations=dict(GLOBAL)))),
        ("service shared=false", lambda: kube.apply(F.service("test", "echo", ["10.96.50.104"],
                                                              [("http", "TCP", 80)],
                                                              annotations={**GLOBAL, "io.cilium/shared-service": "false"},
                                                              selector={"name": "echo"}))),
        ("slice delete", lambda: kube.delete("EndpointSlice", "headless-1", "default")),
        ("service delete", lambda: kube.delete("Service", "headless", "default")),
        ("new global service + slice", lambda: (
            kube.apply(F.service("prod", "api", ["10.96.1.1"], [("https", "TCP", 443)], annotations=dict(GLOBAL))),
            kube.apply(F.endpointslice("prod", "api-1", "api", ["10.244.3.7"], [("https", "TCP", 8443)])))),
        ("proxy label removed", lambda: kube.apply(F.service("default", "proxied", ["10.96.0.50"],
                                                             [("http", "TCP", 80)], annotations=dict(GLOBAL)))),
    ]
    for what, action in steps:
        action()
        assert_state(mesh, kube, what=what)
    assert set(mesh.listing()) == full_keys(expected(kube))


@ours_only
def test_forced_relist_after_410(kube, mesh):
    """Changes hidden from the watches, then 410: the relist must delete exactly what vanished."""
    assert_state(mesh, kube, what="initial")
    lists_before = len([q for q in kube.requests_for("ciliumnodes") if not q.get("watch")])
    kube.freeze_watches()
    kube.delete("CiliumNode", "test-node-1")
    kube.apply(F.ciliumnode("test-node-9", ["172.18.0.99"], [], ["10.244.9.0/24"]))
    kube.delete("CiliumIdentity", "199475")
    kube.apply(F.ciliumidentity(196915, {"k8s:app": "baz2", "k8s:io.cilium.k8s.policy.cluster": "cluster3",
                                         "k8s:io.kubernetes.pod.namespace": "bar"}))
    for i in range(200, 700):
        kube.delete("CiliumEndpoint", f"pod-{i:04d}", "bulk")
    kube.apply(F.ciliumendpoint("bar", "cep-003", ["10.244.2.80", "fd00:10:244:2::80"], "172.18.0.2", 199475))
    kube.delete("EndpointSlice", "web-v6", "default")
    kube.apply(F.service("default", "private", ["10.96.0.40"], [("http", "TCP", 80)], annotations=dict(GLOBAL)))
    kube.delete("Service", "echo", "test")
    time.sleep(0.5)
    frozen_state = mesh.state()
    assert "cilium/state/nodes/v1/cluster3/test-node-1" in frozen_state  # the watches really saw nothing
    kube.expire_history()
    kube.thaw_watches()
    assert_state(mesh, kube, timeout=15, what="after 410 relist")
    lists_after = len([q for q in kube.requests_for("ciliumnodes") if not q.get("watch")])
    assert lists_after > lists_before
    assert set(mesh.listing()) == full_keys(expected(kube))
    # And the relisted watches keep working.
    kube.apply(F.ciliumnode("test-node-10", ["172.18.0.100"], [], []))
    assert_state(mesh, kube, what="after relist")


@ours_only
def test_dropped_and_ended_watches(kube, mesh):
    """Connections dropped mid-stream, events split across chunks, watches ended early by the
    server: every change still arrives, none is lost or left behind."""
    assert_state(mesh, kube, what="initial")
    kube.split_chunks = True
    kube.watch_timeout_cap = 1.5
    for round_ in range(6):
        kube.apply(F.ciliumnode(f"drop-{round_}", [f"172.18.1.{round_ + 1}"], [], []))
        kube.apply(F.ciliumendpoint("drop", f"p-{round_}", [f"10.251.0.{round_ + 1}"], "172.18.0.2", 199476))
        if round_ % 2:
            kube.delete("CiliumNode", f"drop-{round_ - 1}")
        n = kube.drop_watches()
        assert n >= 1
        # Changes while the watches are down (resumed from the last resourceVersion).
        kube.apply(F.ciliumidentity(200100 + round_, {"k8s:app": f"d{round_}",
                                                      "k8s:io.cilium.k8s.policy.cluster": "cluster3",
                                                      "k8s:io.kubernetes.pod.namespace": "drop"}))
        kube.delete("CiliumEndpoint", f"pod-{1000 + round_:04d}", "bulk")
        assert_state(mesh, kube, timeout=15, what=f"round {round_}")
    time.sleep(2.0)  # watches end cleanly (cap 1.5 s) and are resumed
    kube.apply(F.ciliumnode("after-cap", ["172.18.2.1"], [], []))
    assert_state(mesh, kube, what="after early-ended watches")
    resumed = [q for q in kube.requests_for("ciliumnodes") if q.get("watch")]
    assert len(resumed) >= 4 and all(q.get("resourceVersion") for q in resumed)
    assert mesh.alive()


@ours_only
def test_missing_crd_never_gets_a_canary(kube):
    """cilium/cilium #47793: with MCS-API on and the ServiceExport CRD absent, the serviceexports
    canary must not be written (a peer seeing it over an empty prefix would drop its imports),
    so the server stays not ready while everything else is published; once the CRD appears and
    its list completes, the canary follows and exports are published."""
    kube.set_missing("ServiceExport")
    srv = start_mesh(kube, "kube-mcs", extra=["--enable-mcs-api"], wait=False)
    try:
        canary = f"cilium/synced/{CLUSTER}/cilium/state/serviceexports/v1"
        want = expected(kube)
        got = srv.wait_state(want, timeout=60)
        assert got == want, F.state_diff(got, want)
        deadline = time.monotonic() + 30
        while len([k for k in srv.listing("cilium/synced/")]) < len(F.canary_keys(CLUSTER)) - 1 \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # several CRD retries
        listing = srv.listing()
        assert set(listing) == full_keys(want) - {canary}, sorted(set(listing) ^ full_keys(want))
        assert srv.readyz() == 500
        assert json.loads(listing[f"cilium/cluster-config/{CLUSTER}"])["capabilities"]["serviceExportsEnabled"] is True
        assert "CRD missing" in srv.log_tail(200)
        retries = [q for q in kube.requests_for("serviceexports") if not q.get("watch")]
        assert len(retries) >= 2
        kube.set_missing("ServiceExport", False)
        kube.apply({"apiVersion": "multicluster.x-k8s.io/v1alpha1", "kind": "ServiceExport",
                    "metadata": {"namespace": "default", "name": "web"}})
        srv.wait_ready(timeout=30)
        key = f"cilium/state/serviceexports/v1/{CLUSTER}/default/web"
        listing = srv.listing()
        assert canary in listing and key in listing, srv.log_tail()
        # The export was in the store before its canary.
        r_key, r_canary = srv.get(key), srv.get(canary)
        assert r_key.kvs[0].mod_revision <= r_canary.kvs[0].mod_revision
        spec = json.loads(listing[key])
        assert (spec["cluster"], spec["namespace"], spec["name"], spec["type"]) == (CLUSTER, "default", "web",
                                                                                     "ClusterSetIP")
        assert sorted((p["name"], p["protocol"], p["port"]) for p in spec["ports"]) == [
            ("dns", "UDP", 53), ("http", "TCP", 80)]
        # v1beta1 is tried first; the fake serves v1alpha1, the fallback.
        paths = [r[0] for r in kube.requests if "serviceexports" in r[0]]
        assert any("/v1beta1/" in p for p in paths) and any("/v1alpha1/" in p for p in paths)
        kube.delete("ServiceExport", "web", "default")
        deadline = time.monotonic() + 10
        while key in srv.state() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert key not in srv.state()
        assert srv.alive()
    finally:
        srv.stop()
