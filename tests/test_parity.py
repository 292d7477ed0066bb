"""Cilium 1.19–1.21 parity end to end: FakeKube → our server (`--source kubernetes`) → a Go
clientv3 peer (tests/go/src/ciliumsim, with its own endpoint slice decoder). Each step changes
the source (annotate, un-annotate and delete a namespace; switch `--clustermesh-service-v2`;
remove and re-add a CRD across a server restart), and the peer must see exactly the PUTs and
DELETEs that the reference model (fakekube.expected_state, reference/cilium-1.19-plus.md §B–§D)
predicts — no more, no less.
"""

from __future__ import annotations

import json
import time

import pytest

import cmtest
import fakekube as F
from test_cilium_peer import Peer, ciliumsim_bin  # noqa: F401  (fixture)

CLUSTER, CID = "cluster3", 3
GLOBAL = {"service.cilium.io/global": "true"}
NS = "k8s:io.kubernetes.pod.namespace"
PEER_PREFIXES = {"nodes": f"cilium/state/nodes/v1/{CLUSTER}/", "services": f"cilium/state/services/v1/{CLUSTER}/",
                 "identities": "cilium/state/identities/v1/id", "ip": "cilium/state/ip/v1/default/",
                 "endpointslices": f"cilium/state/endpointslices/v1/{CLUSTER}/"}

pytestmark = pytest.mark.skipif(cmtest.TARGET == "etcd", reason="needs our server's Kubernetes source")


def objects() -> list[dict]:
    objs = [F.namespace("app"), F.namespace("team", "false"),
            F.ciliumnode("node-a", ["172.18.0.2"], ["10.244.0.10"], ["10.244.0.0/24"])]
    for i, ns in enumerate(("app", "team")):
        ident = 196915 + i
        objs += [
            F.ciliumidentity(ident, {"k8s:app": ns, "k8s:io.cilium.k8s.policy.cluster": CLUSTER, NS: ns}),
            F.ciliumendpoint(ns, f"{ns}-0", [f"10.244.{i}.20", f"fd00:10:244:{i}::20"], "172.18.0.2", ident,
                             service_account=f"sa-{ns}"),
            F.ciliumendpoint(ns, f"{ns}-1", [f"10.244.{i}.21"], "172.18.0.2", ident, service_account=f"sa-{ns}"),
            F.service(ns, "web", [f"10.96.{i}.20"], [("http", "TCP", 80)], annotations=dict(GLOBAL),
                      selector={"app": ns}),
            F.endpointslice(ns, "web-v4", "web", [f"10.244.{i}.20", f"10.244.{i}.21", f"10.244.{i}.99"],
                            [("http", "TCP", 8080)], not_ready=[f"10.244.{i}.99"],
                            zones={f"10.244.{i}.20": ("zone-a", ["zone-a"]), f"10.244.{i}.21": ("zone-b", None)}),
            F.endpointslice(ns, "web-v6", "web", [f"fd00:10:244:{i}::20"], [("http", "TCP", 8080)],
                            address_type="IPv6"),
        ]
    return objs


def model(fk: F.FakeKube, mode: str = "prefer-legacy") -> dict[str, str]:
    """The peer's expected view: the model's keys under the peer's data prefixes (a peer drains
    services when the remote exports endpoint slices only)."""
    want = F.fakekube_state(fk, CLUSTER, CID, service_v2=mode)
    return {k: v for k, v in want.items() if any(k.startswith(p) for p in PEER_PREFIXES.values())}


def changes(before: dict[str, str], after: dict[str, str]) -> list[tuple[str, str | None]]:
    return sorted(((k, after.get(k)) for k in set(before) | set(after) if before.get(k) != after.get(k)), key=repr)


def peer_events(peer: Peer, start: int) -> list[tuple[str, str | None]]:
    return sorted(((x["key"], x["value"] if x["type"] != "delete" else None) for x in peer.lines[start:]
                   if x["ev"] == "event" and x["store"] in PEER_PREFIXES), key=repr)


def expect(peer: Peer, start: int, want: list[tuple[str, str | None]], what: str, settle: float = 1.0) -> None:
    """The peer's events since `start` become exactly `want` (then stay so for `settle` s)."""
    assert want, f"{what}: the step changes nothing in the model"
    deadline = time.monotonic() + 20
    got = peer_events(peer, start)
    while got != want and time.monotonic() < deadline:
        time.sleep(0.05)
        got = peer_events(peer, start)
    time.sleep(settle)
    got = peer_events(peer, start)
    assert got == want, f"{what}:\n got  {got}\n want {want}"
    invalid = [x for x in peer.lines[start:] if x["ev"] == "invalid"]
    assert not invalid, invalid


def dump_view(peer: Peer) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, kv in peer.dump().items():
        if name in PEER_PREFIXES:
            out.update(kv)
    return out


def test_namespaces_service_v2_and_missing_crd_end_to_end(tmp_path, ciliumsim_bin):  # noqa: F811
    fk = F.FakeKube(bookmark_interval=0.5).start()
    for o in objects():
        fk.apply(o)
    kc = fk.write_kubeconfig(str(tmp_path / "kubeconfig"))
    srv = F.MeshServer("parity", "kubernetes", cluster=CLUSTER, cluster_id=CID, extra_args=["--kubeconfig", kc])
    peer = None
    try:
        srv.start()
        srv.wait_ready(timeout=60)
        peer = Peer(ciliumsim_bin, srv, CLUSTER)
        peer.wait_for(lambda x: x["ev"] == "ready", 30)
        state = model(fk)
        assert dump_view(peer) == state
        # Only the un-annotated namespace "app" is exported; K8sServiceAccount, zones, slices.
        assert not any("/team/" in k or '"K8sNamespace":"team"' in v for k, v in state.items())
        assert json.loads(state["cilium/state/ip/v1/default/10.244.0.20"])["K8sServiceAccount"] == "sa-app"
        svc = json.loads(state[f"cilium/state/services/v1/{CLUSTER}/app/web"])
        assert svc["zones"] == {"10.244.0.20": {"zone": "zone-a", "forZones": [{"name": "zone-a"}]},
                                "10.244.0.21": {"zone": "zone-b", "forZones": []}}
        assert "10.244.0.99" not in svc["backends"]
        v4 = json.loads(state[f"cilium/state/endpointslices/v1/{CLUSTER}/app/web-v4"])
        assert [e["conditions"]["ready"] for e in v4["endpoints"]] == [True, True, False]  # not-ready kept

        def step(what: str, action, mode: str = "prefer-legacy") -> None:
            nonlocal state
            start = peer.mark()
            action()
            after = model(fk, mode)
            expect(peer, start, changes(state, after), what)
            state = after

        step("annotate team global", lambda: fk.apply(F.namespace("team", "TRUE")))
        step("un-annotate team (false)", lambda: fk.apply(F.namespace("team", "false")))
        step("app annotated yes (not true)", lambda: fk.apply(F.namespace("app", "yes")))
        step("app back to the default", lambda: fk.apply(F.namespace("app")))
        step("delete namespace app", lambda: fk.delete("Namespace", "app"))
        assert not any(k.startswith("cilium/state/ip/") for k in state) and state  # nodes remain
        step("recreate app", lambda: fk.apply(F.namespace("app")))

        def restart(args: list[str]) -> None:
            srv.extra_args = ["--kubeconfig", kc, *args]
            srv.restart()
            srv.wait_ready(timeout=60)
            peer.wait_for(lambda x: x["ev"] == "ready" and x["session"] >= 2, 30, start=mark)

        # --clustermesh-service-v2: only-endpointslice drops services/v1 (the peer drains them,
        # as a 1.20+ agent does for a remote that advertises endpointslices-only).
        mark = peer.mark()
        step("only-endpointslice", lambda: restart(["--clustermesh-service-v2", "only-endpointslice"]),
             mode="only-endpointslice")
        cfg = [x for x in peer.lines[mark:] if x["ev"] == "config"][-1]
        assert json.loads(cfg["value"])["capabilities"]["endpointSlicesExportMode"] == "endpointslices-only"
        assert srv.listing(f"cilium/synced/{CLUSTER}/").keys() >= {
            f"cilium/synced/{CLUSTER}/cilium/state/services/v1", f"cilium/synced/{CLUSTER}/cilium/state/endpointslices/v1"}
        mark = peer.mark()
        step("back to prefer-legacy", lambda: restart([]))

        # The CiliumEndpoint CRD disappears and the server restarts without it: no ip canary, so
        # the peer keeps its imports (#47793: a canary over an empty prefix would delete them).
        fk.set_missing("CiliumEndpoint")
        mark = peer.mark()
        srv.extra_args = ["--kubeconfig", kc]
        srv.restart()
        peer.wait_for(lambda x: x["ev"] == "cluster_id_changed", 30, start=mark)
        deadline = time.monotonic() + 30
        canaries = set()
        while time.monotonic() < deadline and len(canaries) < 5:
            canaries = set(srv.listing(f"cilium/synced/{CLUSTER}/"))
            time.sleep(0.1)
        time.sleep(1.5)  # the CRD is retried meanwhile
        assert f"cilium/synced/{CLUSTER}/cilium/state/ip/v1" not in srv.listing(f"cilium/synced/{CLUSTER}/")
        assert len(canaries) == 5 and srv.readyz() == 500
        assert peer_events(peer, mark) == []  # nothing deleted, nothing changed
        assert dump_view(peer) == state
        # The CRD comes back, with one endpoint fewer: exactly that endpoint's keys go away.
        start = peer.mark()
        fk.delete("CiliumEndpoint", "app-1", "app")
        fk.set_missing("CiliumEndpoint", False)
        srv.wait_ready(timeout=60)
        after = model(fk)
        want = changes(state, after)
        assert want == [("cilium/state/ip/v1/default/10.244.0.21", None)]
        expect(peer, start, want, "CRD back")
        assert dump_view(peer) == after
    finally:
        if peer is not None:
            peer.stop()
        srv.stop()
        fk.stop()
