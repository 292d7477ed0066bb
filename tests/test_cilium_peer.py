"""A simulated Cilium peer (tests/go/src/ciliumsim, Go clientv3 3.4) against our server fed by
the fake Kubernetes API server: it connects the way reference/cilium-clustermesh.md §2.3
describes (heartbeat list-watch, cluster-config get, canaries, paginated list + watch per
prefix), becomes ready, sees every change made in the source in order within one second, and
after our server restarts on the same port relists (§2.5) and converges to the same state.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest

import cmtest
import fakekube as F
from conftest import require_tool

CLUSTER, CID = "cluster3", 3
GLOBAL = {"service.cilium.io/global": "true"}
PEER_PREFIXES = {"nodes": f"cilium/state/nodes/v1/{CLUSTER}/", "services": f"cilium/state/services/v1/{CLUSTER}/",
                 "identities": "cilium/state/identities/v1/id", "ip": "cilium/state/ip/v1/default/",
                 "endpointslices": f"cilium/state/endpointslices/v1/{CLUSTER}/"}
NS = "k8s:io.kubernetes.pod.namespace"

pytestmark = pytest.mark.skipif(cmtest.TARGET == "etcd", reason="needs our server's Kubernetes source")


@pytest.fixture(scope="module")
def ciliumsim_bin(tmp_path_factory):
    require_tool("go")
    out = str(tmp_path_factory.mktemp("go") / "ciliumsim")
    d = cmtest.go_build("ciliumsim", str(cmtest.TESTS / "go"), out)
    assert d.rc == 0, str(d)
    return out


class Peer:
    """The ciliumsim process; its JSON lines are collected by a reader thread."""

    def __init__(self, binary: str, server: cmtest.Server, cluster: str, args: list[str] = ()):
        self.proc = subprocess.Popen([binary, "-endpoint", server.endpoint, "-cluster", cluster, *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.lines: list[dict] = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            with self.cond:
                self.lines.append(msg)
                self.cond.notify_all()

    def wait_for(self, pred, timeout: float, start: int = 0) -> dict:
        """The first line at index >= start satisfying pred."""
        deadline = time.monotonic() + timeout
        with self.cond:
            i = start
            while True:
                while i < len(self.lines):
                    if pred(self.lines[i]):
                        return self.lines[i]
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    tail = "\n".join(json.dumps(x)[:300] for x in self.lines[-30:])
                    raise TimeoutError(f"peer: condition not met in {timeout}s; last lines:\n{tail}")
                self.cond.wait(timeout=left)

    def mark(self) -> int:
        with self.cond:
            return len(self.lines)

    def dump(self) -> dict[str, dict[str, str]]:
        m = self.mark()
        assert self.proc.stdin is not None
        self.proc.stdin.write("dump\n")
        self.proc.stdin.flush()
        return self.wait_for(lambda x: x["ev"] == "dump", 10, start=m)["stores"]

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)


def objects() -> list[dict]:
    objs = [F.namespace(n) for n in ("default", "bulk", "app")] + [
        F.ciliumnode("node-a", ["172.18.0.2", "fc00:c111::2"], ["10.244.0.10"], ["10.244.0.0/24", "fd00:10:244::/64"]),
        F.ciliumnode("node-b", ["172.18.0.3"], ["10.244.1.10"], ["10.244.1.0/24"]),
        F.ciliumidentity(196915, {"k8s:app": "a", "k8s:io.cilium.k8s.policy.cluster": CLUSTER, NS: "bulk"}),
        F.ciliumidentity(196916, {"k8s:app": "b", "k8s:io.cilium.k8s.policy.cluster": CLUSTER, NS: "app"}),
        F.service("default", "web", ["10.96.0.20"], [("http", "TCP", 80)], annotations=dict(GLOBAL)),
        F.endpointslice("default", "web-1", "web", ["10.244.1.20"], [("http", "TCP", 8080)]),
    ]
    # Enough endpoints that the peer's list takes several pages (limit 256).
    for i in range(600):
        objs.append(F.ciliumendpoint("bulk", f"p-{i}", [f"10.250.{i // 200}.{i % 200 + 1}"], "172.18.0.2", 196915))
    return objs


def peer_view(srv: F.MeshServer) -> dict[str, dict[str, str]]:
    """What the peer should hold: our server's keys under each data prefix."""
    return {name: srv.listing(prefix if prefix.endswith("/") else prefix + "/") for name, prefix in PEER_PREFIXES.items()}


def data_stores(dump: dict) -> dict:
    return {k: v for k, v in dump.items() if k in PEER_PREFIXES}


def store_of(key: str) -> str:
    for name, prefix in PEER_PREFIXES.items():
        if key.startswith(prefix):
            return name
    raise KeyError(key)


@pytest.fixture(params=["cluster-id-check", "compaction-only"])
def world(request, tmp_path, ciliumsim_bin):
    """FakeKube → our server → peer. The peer notices our restart through the changed
    header.cluster_id (1.15+ interceptor) or, without that check, through ErrCompacted (1.14)."""
    fk = F.FakeKube(bookmark_interval=0.5).start()
    for o in objects():
        fk.apply(o)
    kc = fk.write_kubeconfig(str(tmp_path / "kubeconfig"))
    srv = F.MeshServer("peer-src", "kubernetes", cluster=CLUSTER, cluster_id=CID, extra_args=["--kubeconfig", kc])
    srv.start()
    srv.wait_ready(timeout=60)
    peer = Peer(ciliumsim_bin, srv, CLUSTER, [] if request.param == "cluster-id-check" else ["-cluster-id-check=false"])
    peer.mode = request.param  # type: ignore[attr-defined]
    yield fk, srv, peer
    peer.stop()
    srv.stop()
    fk.stop()


def test_peer_ready_sees_changes_in_order_and_survives_restart(world):
    fk, srv, peer = world
    ready = peer.wait_for(lambda x: x["ev"] == "ready", 30)
    assert ready["session"] == 1
    cfg = peer.wait_for(lambda x: x["ev"] == "config", 1)
    assert json.loads(cfg["value"]) == {"id": 3, "capabilities": {
        "syncedCanaries": True, "maxConnectedClusters": 255, "serviceExportsEnabled": False,
        "endpointSlicesExportMode": "services-and-endpointslices"}}
    # The peer's lists were paginated and every data store was gated by its canary.
    listed = {x["store"]: x for x in peer.lines if x["ev"] == "listed" and x["session"] == 1}
    assert listed["ip"]["count"] == 600
    assert data_stores(peer.dump()) == peer_view(srv)
    want = F.fakekube_state(fk, CLUSTER, CID)
    assert srv.state() == want

    # A sequence of changes, 150 ms apart; each must reach the peer within 1 s, in order.
    actions = [
        lambda: fk.apply(F.ciliumnode("node-c", ["172.18.0.4"], [], ["10.244.2.0/24"])),
        lambda: fk.apply(F.ciliumnode("node-a", ["172.18.0.2"], ["10.244.0.11"], ["10.244.0.0/24"])),
        lambda: fk.apply(F.ciliumendpoint("app", "pod-1", ["10.244.0.50", "fd00:10:244::50"], "172.18.0.2", 196916)),
        lambda: fk.delete("CiliumNode", "node-b"),
        lambda: fk.apply(F.ciliumidentity(196917, {"k8s:app": "c", "k8s:io.cilium.k8s.policy.cluster": CLUSTER,
                                                   NS: "app"})),
        lambda: fk.apply(F.endpointslice("default", "web-1", "web", ["10.244.1.20", "10.244.1.21"],
                                         [("http", "TCP", 8080)])),
        lambda: fk.apply(F.ciliumendpoint("app", "pod-1", ["10.244.0.51"], "172.18.0.2", 196916)),
        lambda: fk.delete("CiliumIdentity", "196915"),
        lambda: fk.apply(F.ciliumnode("node-c", ["172.18.0.4"], [], ["10.244.2.0/24"], labels={"x": "y"})),
        lambda: fk.delete("CiliumEndpoint", "p-7", "bulk"),
        lambda: fk.apply(F.service("default", "web", ["10.96.0.20"], [("http", "TCP", 80)])),  # no longer global
        lambda: fk.apply(F.service("default", "web", ["10.96.0.20"], [("http", "TCP", 80)], annotations=dict(GLOBAL))),
        lambda: fk.delete("CiliumNode", "node-c"),
    ]
    start_mark = peer.mark()
    expectations: list[tuple[int, int, str, str | None]] = []  # (action, t_ns, key, value or None)
    before = F.fakekube_state(fk, CLUSTER, CID)
    for i, action in enumerate(actions):
        t = time.time_ns()
        action()
        after = F.fakekube_state(fk, CLUSTER, CID)
        changes = [(k, after.get(k)) for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
        assert changes, f"action {i} changes nothing"
        expectations += [(i, t, k, v) for k, v in changes]
        before = after
        time.sleep(0.15)
    # Wait for the last expected change, then compare.
    last_key, last_val = expectations[-1][2], expectations[-1][3]
    peer.wait_for(lambda x: x["ev"] == "event" and x["key"] == last_key and (x["value"] or None) == last_val, 5,
                  start=start_mark)
    time.sleep(0.5)
    events = [x for x in peer.lines[start_mark:] if x["ev"] == "event" and x["store"] in PEER_PREFIXES]
    assert all(x["src"] == "watch" for x in events), [x for x in events if x["src"] != "watch"]
    got = [(x["key"], x["value"] if x["type"] != "delete" else None) for x in events]
    made_all = [(k, v) for _, _, k, v in expectations]
    assert sorted(got, key=repr) == sorted(made_all, key=repr), "peer saw other changes than the source made"
    # Match each expected change to the peer's events in order (a key may take the same value
    # twice), check the latency and that, per store, the peer saw the actions in their order.
    latencies = []
    for store in PEER_PREFIXES:
        remaining = [e for e in expectations if store_of(e[2]) == store]
        action_order = []
        for x in (x for x in events if x["store"] == store):
            kv = (x["key"], x["value"] if x["type"] != "delete" else None)
            j = next(n for n, e in enumerate(remaining) if (e[2], e[3]) == kv)
            i, t, k, _ = remaining.pop(j)
            action_order.append(i)
            latencies.append((x["t_ns"] - t) / 1e9)
            assert x["t_ns"] - t < 1_000_000_000, f"action {i}: {k} arrived after {(x['t_ns'] - t) / 1e9:.3f}s"
        assert action_order == sorted(action_order), f"{store}: changes arrived out of order: {action_order}"
    # Revisions strictly increase per store, create/modify typing follows create/mod revisions.
    for store in PEER_PREFIXES:
        revs = [x["rev"] for x in events if x["store"] == store]
        assert revs == sorted(revs)
    assert data_stores(peer.dump()) == peer_view(srv)
    print(f"max latency {max(latencies):.3f}s, median {sorted(latencies)[len(latencies) // 2]:.3f}s")

    # Restart our server (same port); change the source while it is down.
    old_rev = srv.revision()
    m = peer.mark()
    srv.proc.terminate()
    srv.proc.wait(timeout=15)
    fk.apply(F.ciliumnode("node-d", ["172.18.0.5"], [], []))
    fk.delete("CiliumEndpoint", "p-8", "bulk")
    fk.apply(F.ciliumidentity(196918, {"k8s:app": "d", "k8s:io.cilium.k8s.policy.cluster": CLUSTER, NS: "app"}))
    srv.restart()
    srv.wait_ready(timeout=60)
    assert srv.revision() > old_rev
    relisted = peer.wait_for(lambda x: x["ev"] in ("cluster_id_changed", "watch_error"), 30, start=m)
    peer.wait_for(lambda x: x["ev"] == "ready" and x["session"] >= 2 or (x["ev"] == "listed" and x["relist"]),
                  30, start=m)
    want = F.fakekube_state(fk, CLUSTER, CID)
    deadline = time.monotonic() + 15
    while True:
        dump = data_stores(peer.dump())
        if dump == peer_view(srv) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert srv.state() == want, F.state_diff(srv.state(), want)
    view = peer_view(srv)
    assert dump == view, {s: F.state_diff(dump[s], view[s]) for s in view}
    assert relisted["ev"] == ("cluster_id_changed" if peer.mode == "cluster-id-check" else "watch_error")
    if relisted["ev"] == "watch_error":
        assert relisted["compact_revision"] > 0 and "compacted" in relisted["error"]
    # Keys that changed while the server was down reached the peer, and nothing stale is left.
    assert f"cilium/state/nodes/v1/{CLUSTER}/node-d" in dump["nodes"]
    assert "cilium/state/ip/v1/default/10.250.0.9" not in dump["ip"]
    # Still live after the restart.
    t = time.time_ns()
    fk.apply(F.ciliumnode("node-e", ["172.18.0.6"], [], []))
    ev = peer.wait_for(lambda x: x["ev"] == "event" and x["key"] == f"cilium/state/nodes/v1/{CLUSTER}/node-e", 5,
                       start=m)
    assert ev["t_ns"] - t < 1_000_000_000
