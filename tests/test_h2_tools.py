"""Generic HTTP/2 tools against the h2c port: nghttp (prior knowledge is its default for http://)
and h2load. Non-gRPC requests must get a normal HTTP response (an error status such as 404/415),
not a reset stream: h2spec-style tools and load generators rely on that.

A real etcd (grpc-go's native h2c server) resets such streams; under CMAPI_TARGET=etcd the
status checks therefore run and must fail, which shows that they bite.
"""

from __future__ import annotations

import re

import pytest

import cmtest
from cmtest import Server
from conftest import require_tool


@pytest.fixture(autouse=True)
def _tools():
    require_tool("nghttp")
    require_tool("h2load")


def statuses(out: str) -> list[int]:
    return [int(m) for m in re.findall(r"recv \(stream_id=\d+\) :status: (\d+)", out)]


def expect_ours_behaviour(server: Server, check) -> None:
    if getattr(server, "stand_in", False):
        with pytest.raises(AssertionError):  # etcd resets the stream: the check must catch it
            check(server)
    else:
        check(server)


def test_nghttp_gets_http_status(ours_demo: Server) -> None:
    expect_ours_behaviour(ours_demo, check_nghttp_status)


def check_nghttp_status(ours_demo: Server) -> None:
    for path, want_error in (("/", False), ("/unknown", True), ("/v3/kv/range", None)):
        d = cmtest.run(["nghttp", "-nv", "-t", "10", ours_demo.url + path], timeout=20)
        st = statuses(d.out)
        assert len(st) == 1, str(d)
        assert "recv RST_STREAM" not in d.out, str(d)
        if want_error:
            assert 400 <= st[0] < 600, str(d)
        assert "Some requests were not processed" not in (d.out + d.err), str(d)


def test_nghttp_grpc_request(ours_demo: Server) -> None:
    """A hand-made gRPC call through nghttp: unknown method → :status 200 + grpc-status 12."""
    d = cmtest.run(["nghttp", "-nv", "-t", "10", "-H", ":method: POST", "-H", "content-type: application/grpc",
                    "-H", "te: trailers", ours_demo.url + "/etcdserverpb.KV/Foo"], timeout=20)
    assert statuses(d.out) == [200], str(d)
    assert re.search(r"grpc-status: 12\b", d.out), str(d)
    assert "unknown method Foo for service etcdserverpb.KV" in d.out.replace("%20", " "), str(d)


def test_h2load_unknown_path(ours_demo: Server) -> None:
    expect_ours_behaviour(ours_demo, check_h2load)


def check_h2load(ours_demo: Server) -> None:
    d = cmtest.run(["h2load", "-n", "100", "-c", "4", ours_demo.url + "/unknown"], timeout=60)
    assert d.rc == 0, str(d)
    # h2load counts only 2xx/3xx as "succeeded"; 4xx answers are "failed" but not "errored".
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                  r"(\d+) errored, (\d+) timeout", d.out)
    assert m, str(d)
    total, started, done, succeeded, failed, errored, timeout = map(int, m.groups())
    assert (total, done, errored, timeout) == (100, 100, 0, 0), str(d)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", d.out)
    assert codes and int(codes.group(3)) == 100, str(d)


def test_server_still_serves_grpc_after_tools(ours_demo: Server) -> None:
    assert ours_demo.get(b"cilium/.heartbeat").count == 1
