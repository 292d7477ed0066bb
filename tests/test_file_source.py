"""`--source file:PATH`: editing the manifest changes the served keys, with watch events for
exactly the changed keys (and none for a broken intermediate edit)."""

from __future__ import annotations

import os

import pytest
import yaml

import cmtest
import fakekube as F

CLUSTER, CID = "cluster3", 3

pytestmark = pytest.mark.skipif(cmtest.TARGET == "etcd", reason="needs our server's file source")


def manifest_objects() -> list[dict]:
    return [
        F.ciliumnode("node-1", ["172.18.0.2", "fc00:c111::2"], ["10.244.0.10"], ["10.244.0.0/24", "fd00:10:244::/64"],
                     labels={"kubernetes.io/hostname": "node-1"}),
        F.ciliumnode("node-2", ["172.18.0.3"], ["10.244.1.10"], ["10.244.1.0/24"]),
        F.ciliumidentity(196915, {"k8s:app": "a", "k8s:io.cilium.k8s.policy.cluster": CLUSTER,
                                  "k8s:io.kubernetes.pod.namespace": "default"}),
        F.ciliumendpoint("default", "a-0", ["10.244.0.20", "fd00:10:244::20"], "172.18.0.2", 196915),
        F.ciliumendpoint("default", "a-1", ["10.244.1.21"], "172.18.0.3", 196915),
        F.service("default", "web", ["10.96.0.20"], [("http", "TCP", 80)],
                  annotations={"service.cilium.io/global": "true"}),
        F.endpointslice("default", "web-1", "web", ["10.244.0.20", "10.244.1.21"], [("http", "TCP", 8080)]),
    ]


def write_list(path: str, objs: list[dict]) -> None:
    """A kubectl-style List (`kubectl get … -o yaml`), replaced atomically."""
    doc = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": objs}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False)
    os.replace(tmp, path)


def events_of(responses) -> list[tuple[str, str, str]]:
    out = []
    for r in responses:
        for e in r.events:
            key = e.kv.key.decode()
            out.append(("DELETE", key, "") if e.type == 1 else ("PUT", key, F.value_text(key, e.kv.value)))
    return out


def test_file_edits_produce_exactly_the_changed_keys(tmp_path):
    path = str(tmp_path / "mesh.yaml")
    objs = manifest_objects()
    write_list(path, objs)
    srv = F.MeshServer("file-src", f"file:{path}", cluster=CLUSTER, cluster_id=CID).start()
    try:
        srv.wait_ready(timeout=30)
        want = F.expected_state(objs, CLUSTER, CID)
        assert srv.state() == want, F.state_diff(srv.state(), want)
        listing = srv.listing()
        assert set(listing) == set(want) | set(F.canary_keys(CLUSTER)) | set(F.static_keys(CLUSTER))

        rev = srv.revision()
        with cmtest.WatchStream(srv) as ws:
            ws.create("cilium/state/", range_end=b"cilium/state0", start_revision=rev + 1)
            created = ws.wait_for(lambda r: r.created, 5)
            assert not events_of(created)

            # Edit: one endpoint IP changes, a node goes away, an identity is added.
            edited = [o for o in objs if o["metadata"]["name"] != "node-2"]
            for o in edited:
                if o["kind"] == "CiliumEndpoint" and o["metadata"]["name"] == "a-1":
                    o["status"]["networking"]["addressing"] = [{"ipv4": "10.244.1.99"}]
            edited.append(F.ciliumidentity(196916, {"k8s:app": "b", "k8s:io.cilium.k8s.policy.cluster": CLUSTER,
                                                    "k8s:io.kubernetes.pod.namespace": "default"}))
            write_list(path, edited)
            got = events_of(ws.collect(quiet=1.0, min_wait=3.0, max_wait=8.0))
            new_want = F.expected_state(edited, CLUSTER, CID)
            expected_events = {
                ("DELETE", "cilium/state/ip/v1/default/10.244.1.21", ""),
                ("PUT", "cilium/state/ip/v1/default/10.244.1.99", new_want["cilium/state/ip/v1/default/10.244.1.99"]),
                ("DELETE", f"cilium/state/nodes/v1/{CLUSTER}/node-2", ""),
                ("PUT", "cilium/state/identities/v1/id/196916",
                 "k8s:app=b;k8s:io.cilium.k8s.policy.cluster=cluster3;k8s:io.kubernetes.pod.namespace=default;"),
            }
            assert len(got) == len(expected_events) and set(got) == expected_events, got
            assert srv.state() == new_want, F.state_diff(srv.state(), new_want)

            # A broken edit keeps the previous state and produces no event.
            with open(path + ".tmp", "w") as f:
                f.write("apiVersion: v1\nkind: List\nitems:\n- kind: CiliumNode\n  metadata: [oops\n")
            os.replace(path + ".tmp", path)
            assert events_of(ws.collect(quiet=1.0, min_wait=2.5, max_wait=5.0)) == []
            assert srv.state() == new_want
            assert srv.alive()

            # Fixed again, with the service's backends changed: one PUT for the service key and
            # one for its exported EndpointSlice (1.20+).
            edited2 = [o for o in edited if o["kind"] != "EndpointSlice"]
            edited2.append(F.endpointslice("default", "web-1", "web", ["10.244.0.20"], [("http", "TCP", 8080)]))
            write_list(path, edited2)
            got = events_of(ws.collect(quiet=1.0, min_wait=3.0, max_wait=8.0))
            want2 = F.expected_state(edited2, CLUSTER, CID)
            svc_key = f"cilium/state/services/v1/{CLUSTER}/default/web"
            slice_key = f"cilium/state/endpointslices/v1/{CLUSTER}/default/web-1"
            assert sorted(got) == sorted([("PUT", svc_key, want2[svc_key]), ("PUT", slice_key, want2[slice_key])])
            assert '"backends":{"10.244.0.20":{"http":{"Protocol":"TCP","Port":8080}}}' in want2[svc_key]
            assert srv.state() == want2
            # A Namespace annotated non-global (added to the file) withdraws everything in it.
            edited3 = edited2 + [F.namespace("default", "false")]
            write_list(path, edited3)
            got = events_of(ws.collect(quiet=1.0, min_wait=3.0, max_wait=8.0))
            want3 = F.expected_state(edited3, CLUSTER, CID)
            assert set(want3) == {k for k in want2 if k.startswith("cilium/state/nodes/")}
            assert sorted(got) == sorted(("DELETE", k, "") for k in set(want2) - set(want3))
            write_list(path, edited2)
            got = events_of(ws.collect(quiet=1.0, min_wait=3.0, max_wait=8.0))
            assert sorted(got) == sorted(("PUT", k, want2[k]) for k in set(want2) - set(want3))
            assert srv.state() == want2
        # Canaries and static keys untouched throughout.
        assert set(srv.listing()) == set(want2) | set(F.canary_keys(CLUSTER)) | set(F.static_keys(CLUSTER))
    finally:
        srv.stop()
