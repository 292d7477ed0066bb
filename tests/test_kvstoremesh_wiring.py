"""KVStoreMesh role wiring in the real binary: --clustermesh-config (Kubernetes Secret layout)
followed at run time, GET /v1/cluster on --api-serve-addr, /readyz gated by the ready gate,
upstream metric names, remotes in `status`.

No etcd client is plugged into this build yet, so every remote keeps failing to connect: these
tests check the wiring (what is listed, when /readyz opens, how failures show), not replication,
which the Swift suite KVStoreMeshTests covers against a store-backed remote.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

import cmtest
from cmtest import CMAPI_BIN, OurServer, free_port

pytestmark = pytest.mark.skipif(cmtest.TARGET == "etcd", reason="the KVStoreMesh role is ours only")


def http(url: str, method: str = "GET") -> tuple[int, str]:
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=3) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def secret_volume(path: str, version: int, files: dict[str, str]) -> None:
    """kubelet's layout: ..<ts>/<key>, ..data -> ..<ts> swapped by rename, <key> -> ..data/<key>."""
    ts = f"..2026_12_02_00_00_0{version}.{version}"
    os.makedirs(os.path.join(path, ts), exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(path, ts, name), "w") as f:
            f.write(text)
    tmp = os.path.join(path, "..data_tmp")
    if os.path.lexists(tmp):
        os.remove(tmp)
    os.symlink(ts, tmp)
    os.replace(tmp, os.path.join(path, "..data"))
    for name in os.listdir(path):
        if not name.startswith(".") and name not in files:
            os.remove(os.path.join(path, name))
    for name in files:
        if not os.path.lexists(os.path.join(path, name)):
            os.symlink(os.path.join("..data", name), os.path.join(path, name))


def wait_for(pred, timeout: float = 10.0, interval: float = 0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(interval)
    return pred()


class MeshServer(OurServer):
    def __init__(self, name: str, config_dir: str, extra: list[str] | None = None):
        self.api_port, self.health_port, self.metrics_port = free_port(), free_port(), free_port()
        super().__init__(name=name, data="demo", extra_args=[
            "--clustermesh-config", config_dir,
            "--api-serve-addr", f"127.0.0.1:{self.api_port}",
            "--health-listen", f"127.0.0.1:{self.health_port}",
            "--metrics-listen", f"127.0.0.1:{self.metrics_port}",
            *(extra or []),
        ])

    def clusters(self) -> list[dict]:
        status, body = http(f"http://127.0.0.1:{self.api_port}/v1/cluster")
        assert status == 200, body
        return json.loads(body)

    def ready(self) -> bool:
        return http(f"http://127.0.0.1:{self.health_port}/readyz")[0] == 200


@pytest.fixture
def config_dir(tmp_path) -> str:
    d = tmp_path / "clustermesh"
    d.mkdir()
    return str(d)


def test_status_api_lists_remotes_and_follows_the_secret_volume(config_dir: str):
    # east: a refused port (the etcd client waits for a connection, as clientv3 does); north: an
    # endpoint that cannot be parsed, so every attempt fails at once and is counted.
    secret_volume(config_dir, 1, {"east": "endpoints:\n- https://127.0.0.1:1\n", "cluster1": "endpoints:\n- x\n",
                                  "north": 'endpoints:\n- "http://[::1"\n'})
    with MeshServer("kvsm-wiring", config_dir, ["--per-cluster-ready-timeout", "4s"]).start() as srv:
        clusters = srv.clusters()
        assert [c["name"] for c in clusters] == ["east", "north"]  # the local cluster's own file is ignored
        east = clusters[0]
        assert list(east) == sorted(east), east  # alphabetical keys
        assert east["status"] == "Waiting for initial connection to be established"
        assert "connected" not in east and "ready" not in east and east["synced"] == {}
        assert wait_for(lambda: srv.clusters()[1].get("num-failures", 0) >= 1)
        assert srv.clusters()[1]["last-failure"].endswith("Z")

        # /readyz waits for east until the per-cluster timeout drops it from the gate.
        assert not srv.ready()
        assert wait_for(srv.ready, timeout=10)

        secret_volume(config_dir, 2, {"east": "endpoints:\n- https://127.0.0.1:1\n", "west": 'endpoints:\n- "http://[::2"\n'})
        assert wait_for(lambda: [c["name"] for c in srv.clusters()] == ["east", "west"], timeout=5)
        assert srv.ready()  # remotes added later are not part of the gate
        secret_volume(config_dir, 3, {"west": 'endpoints:\n- "http://[::2"\n'})
        assert wait_for(lambda: [c["name"] for c in srv.clusters()] == ["west"], timeout=5)

        assert http(f"http://127.0.0.1:{srv.api_port}/v1/cluster", method="POST")[0] == 405
        assert http(f"http://127.0.0.1:{srv.api_port}/v1/other")[0] == 404

        status, text = http(f"http://127.0.0.1:{srv.metrics_port}/metrics")
        assert status == 200
        samples = {}
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        labels = (("source_cluster", "cluster1"), ("source_node_name", ""), ("target_cluster", "west"))
        assert samples[("cilium_kvstoremesh_remote_clusters", labels[:2])] == 1
        assert samples[("cilium_kvstoremesh_remote_cluster_failures", labels)] >= 1
        assert samples[("cilium_kvstoremesh_remote_cluster_last_failure_ts", labels)] > 1.7e9
        assert samples[("cilium_kvstoremesh_remote_cluster_readiness_status", labels)] == 0
        assert ("cilium_kvstoremesh_bootstrap_seconds", (("source_cluster", "cluster1"),)) in samples
        # east was removed: its series are gone.
        assert not any(dict(k[1]).get("target_cluster") == "east" for k in samples), text

        out = subprocess.run([CMAPI_BIN, "status", "--endpoint", srv.url, "-o", "json"],
                             capture_output=True, text=True, timeout=10)
        assert out.returncode == 0, out.stderr
        report = json.loads(out.stdout)
        assert [r["name"] for r in report["remoteClusters"]] == ["west"]
        out = subprocess.run([CMAPI_BIN, "status", "--endpoint", srv.url], capture_output=True, text=True, timeout=10)
        assert "KVStoreMesh:  0/1 remote clusters ready" in out.stdout, out.stdout


def test_without_config_dir_there_is_no_status_api():
    port = free_port()
    with OurServer("kvsm-off", data="demo", extra_args=["--api-serve-addr", f"127.0.0.1:{port}"]).start() as srv:
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/cluster", timeout=1)
        out = subprocess.run([CMAPI_BIN, "status", "--endpoint", srv.url, "-o", "json"],
                             capture_output=True, text=True, timeout=10)
        assert "remoteClusters" not in json.loads(out.stdout)


def test_missing_config_dir_is_refused(tmp_path):
    out = subprocess.run([CMAPI_BIN, "serve", "--clustermesh-config", str(tmp_path / "nope"), "--health-listen", "",
                          "--metrics-listen", ""], capture_output=True, text=True, timeout=10)
    assert out.returncode != 0 and "no such directory" in out.stderr
