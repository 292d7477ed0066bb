"""Long-lived and high-volume use of one connection by a Go clientv3 (3.4) client
(tests/go/src/longlived, built in GOPATH mode against golang-etcd-server-dev).

IDLE_SECONDS (default 130) sets how long the watch stays idle; keepalive pings go out every 10 s
with a 5 s timeout, so an unanswered PING or a stalled window breaks the connection.
"""

from __future__ import annotations

import json
import os

import pytest

import cmtest
from cmtest import Server
from conftest import require_tool

IDLE_SECONDS = int(os.environ.get("IDLE_SECONDS", "130"))


@pytest.fixture(scope="module")
def longlived_bin(tmp_path_factory):
    require_tool("go")
    out = str(tmp_path_factory.mktemp("go") / "longlived")
    d = cmtest.go_build("longlived", str(cmtest.TESTS / "go"), out)
    assert d.rc == 0, str(d)
    return out


def run_mode(binary: str, server: Server, mode: str, timeout: float) -> dict:
    d = cmtest.run([binary, "-endpoint", server.endpoint, "-mode", mode, "-idle", str(IDLE_SECONDS)],
                   timeout=timeout)
    assert d.rc == 0, str(d)
    return json.loads(d.out.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.timeout(IDLE_SECONDS + 120)
def test_idle_watch_survives_keepalive(longlived_bin: str, ours_rw: Server) -> None:
    out = run_mode(longlived_bin, ours_rw, "idle", IDLE_SECONDS + 60)
    assert out["received"] == ["after-idle"] and not out["watch_errors"]
    assert set(out["states"]) == {"READY"}
    assert ours_rw.alive()


def test_bulk_requests_replenish_windows(longlived_bin: str, ours_rw: Server) -> None:
    out = run_mode(longlived_bin, ours_rw, "bulk", 240)
    assert out["range_key_bytes"] > 64 * 1024 and out["watch_key_bytes"] > 64 * 1024
    assert set(out["states"]) == {"READY"}


def test_large_range_response(longlived_bin: str, ours_rw: Server) -> None:
    out = run_mode(longlived_bin, ours_rw, "large", 180)
    assert out["response_bytes"] >= 5 * 1024 * 1024 and out["watch_events"] == 5
    assert set(out["states"]) == {"READY"}
