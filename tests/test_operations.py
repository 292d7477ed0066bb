"""Issue 5 operations: /metrics, /healthz + /readyz, graceful SIGTERM, `status`.

Each test starts its own server with health and metrics on free loopback ports.
"""
from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

import cmtest
from cmtest import CMAPI_BIN, OurServer, free_port


def http_get(url: str, timeout: float = 3.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class OpsServer(OurServer):
    """Our server with health and metrics listeners on known loopback ports."""

    def __init__(self, name: str, source: str, extra: list[str] | None = None):
        self.health_port = free_port()
        self.metrics_port = free_port()
        super().__init__(name=name, data=None, access="readwrite", extra_args=[
            "--source", source,
            "--health-listen", f"127.0.0.1:{self.health_port}",
            "--metrics-listen", f"127.0.0.1:{self.metrics_port}",
            *(extra or []),
        ])

    def health(self, path: str) -> tuple[int, str]:
        return http_get(f"http://127.0.0.1:{self.health_port}{path}")

    def metrics(self) -> str:
        status, body = http_get(f"http://127.0.0.1:{self.metrics_port}/metrics")
        assert status == 200, body
        return body


def samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_are_valid_prometheus_text_and_count_what_happens():
    with OpsServer("ops-metrics", "demo").start() as srv:
        kv = srv.kv()
        from aetcd.rpc import rpc_pb2
        kv.Range(rpc_pb2.RangeRequest(key=b"cilium/", range_end=b"cilium0"), timeout=5)
        text = srv.metrics()
        s = samples(text)  # raises on invalid exposition format
        names = {name for name, _ in s}
        for required in [
            "clustermesh_apiserver_revision",
            "clustermesh_apiserver_keys",
            "clustermesh_apiserver_connections",
            "clustermesh_apiserver_watchers",
            "clustermesh_apiserver_requests_total",
            "cilium_clustermesh_apiserver_kvstore_initial_sync_completed",
            "cilium_clustermesh_apiserver_bootstrap_seconds",
        ]:
            assert required in names, f"{required} missing from /metrics:\n{text}"
        assert s[("clustermesh_apiserver_keys", (("prefix", "nodes"),))] == 2
        assert s[("clustermesh_apiserver_requests_total",
                  (("code", "OK"), ("method", "Range"), ("transport", "grpc")))] >= 1
        for scope in ["nodes/v1", "services/v1", "identities/v1", "ip/v1", "serviceexports/v1"]:
            key = ("cilium_clustermesh_apiserver_kvstore_initial_sync_completed",
                   (("action", "write"), ("scope", scope), ("source_cluster", "cluster1")))
            assert s[key] == 1, scope


def test_readyz_goes_from_not_ready_to_ready_as_canaries_appear():
    # A synthetic data set large enough that loading takes a while in a debug build:
    # /readyz must say NotReady (500) before the canaries exist and Ready (200) after.
    srv = OpsServer("ops-ready", "synthetic:nodes=2000,endpoints=60000,identities=6000,services=200")
    srv.start()
    try:
        seen = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status, body = srv.health("/readyz")
            seen.append(status)
            if status == 200:
                break
            assert status == 500 and body == "NotReady", (status, body)
            time.sleep(0.05)
        assert seen[0] == 500, f"server was ready before its first list was written: {seen[:5]}"
        assert seen[-1] == 200, f"never became ready: {seen[-5:]}"
        # Ready means every canary is in the store.
        from aetcd.rpc import rpc_pb2
        r = srv.kv().Range(rpc_pb2.RangeRequest(key=b"cilium/synced/cluster1/", range_end=b"cilium/synced/cluster10"), timeout=5)
        assert sorted(kv.key.decode() for kv in r.kvs) == sorted(
            f"cilium/synced/cluster1/cilium/state/{p}/v1"
            for p in ["nodes", "services", "identities", "ip", "serviceexports", "endpointslices"])
        assert srv.health("/healthz")[0] == 200
    finally:
        srv.stop()


def test_sigterm_ends_the_process_cleanly_with_open_watch_streams():
    srv = OpsServer("ops-term", "demo", ["--shutdown-timeout", "3"])
    srv.start()
    watchers = []
    try:
        for _ in range(3):
            watchers.append(subprocess.Popen(
                ["etcdctl", f"--endpoints={srv.endpoint}", "watch", "--prefix", "cilium/"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        # Wait until the watches are registered.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            s = samples(srv.metrics())
            if s.get(("clustermesh_apiserver_watchers", ()), 0) >= 3:
                break
            time.sleep(0.1)
        else:
            pytest.fail("watch streams never registered")
        t0 = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        rc = srv.proc.wait(timeout=15)
        elapsed = time.monotonic() - t0
        assert rc == 0, srv.log_tail()
        assert elapsed < 5, f"shutdown took {elapsed:.1f}s with a 3 s drain bound"
        log = srv.log_tail()
        assert "shutdown complete" in log, log
    finally:
        for w in watchers:
            w.kill()
            w.wait(timeout=5)
        srv.stop()


def test_status_subcommand_reports_cluster_readiness_keys_and_peers():
    with OpsServer("ops-status", "demo").start() as srv:
        w = subprocess.Popen(["etcdctl", f"--endpoints={srv.endpoint}", "watch", "--prefix", "cilium/state/"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            time.sleep(1.0)
            out = subprocess.run([CMAPI_BIN, "status", "--endpoint", srv.url, "-o", "json"],
                                 capture_output=True, text=True, timeout=30)
            assert out.returncode == 0, out.stderr
            report = json.loads(out.stdout)
            assert report["cluster"] == {"name": "cluster1", "id": 1}
            assert report["ready"] is True
            assert report["keys"]["nodes"] == 2 and report["keys"]["ip"] == 4
            assert report["connections"]["total"] >= 1
            assert report["watch"]["watchers"] >= 1
            text = subprocess.run([CMAPI_BIN, "status", "--endpoint", srv.url],
                                  capture_output=True, text=True, timeout=30)
            assert text.returncode == 0 and "Cluster:      cluster1 (id 1)" in text.stdout, text.stdout
        finally:
            w.kill()
            w.wait(timeout=5)
