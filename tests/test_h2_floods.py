"""Flood budgets (RFC 9113 §10.5), and legitimate heavy use that they must leave alone.

Floods: one attacker floods, reconnecting whenever it is cut off,
while a legitimate Go clientv3 client (tests/go/src/latencyprobe: back-to-back Gets plus a
watch on one connection) runs alongside.

For each flood — WINDOW_UPDATE, PRIORITY for many streams, PING, SETTINGS, RST_STREAM rapid
reset (CVE-2023-44487), empty DATA, CONTINUATION without END_HEADERS (CVE-2024-27316), and large
Range requests with a zero window — every attacker connection must end in
GOAWAY(ENHANCE_YOUR_CALM) (or a close) within seconds, the server's RSS must grow by less than
64 MiB, and the legitimate client's p99 latency during the flood must stay within
`max(LATENCY_FACTOR × baseline p99, baseline p99 + LATENCY_SLACK_MS)` with no error.

Heavy use that must not be cut off: 500 concurrent clientv3 Gets of a 32 KiB value on one
connection (responses wait while 4 MiB are held, none fails), and two watch streams catching up
CATCHUP_EVENTS (default 20000; 100000 is the full-size check) events from revision 1 on a reader
that returns flow-control credit slowly (64 KiB per 20 ms), with a Range answered on the same
connection meanwhile. A ~5 MiB Range with grpc-go's BDP pings and window updates is
test_long_lived.py's `large` mode.

Each flood lasts FLOOD_ATTACK_SECONDS (default 2) after a 1.5 s baseline. The latency bound is loose on
purpose (a shared 2-core machine is noisy); what must not happen is a flood that is never cut off.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import hpack
import pytest

import cmtest
import h2raw as H
from cmtest import rpc_pb2
from conftest import require_tool

pytestmark = pytest.mark.skipif(cmtest.TARGET == "etcd", reason="our budgets, not etcd's")

ATTACK_SECONDS = float(os.environ.get("FLOOD_ATTACK_SECONDS", "2"))
BASELINE_SECONDS = 1.5
RSS_BOUND_KIB = 64 * 1024
LATENCY_FACTOR = 5.0
LATENCY_SLACK_MS = 100.0
# One attacker connection must be cut off within this long.
CUT_OFF_SECONDS = 5.0
ENHANCE_YOUR_CALM = 11


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def grpc_frame(msg: bytes) -> bytes:
    return b"\x00" + struct.pack(">I", len(msg)) + msg


class RequestBlocks:
    """HPACK blocks an attacker can resend as they are: static-table references and literals
    (with incremental indexing, as h2spec's Go encoder writes them), never a dynamic index."""

    def __init__(self, port: int):
        def block(path: str) -> bytes:
            enc = hpack.Encoder()
            return enc.encode([(":method", "POST"), (":scheme", "http"), (":path", path),
                               (":authority", f"127.0.0.1:{port}"), ("content-type", "application/grpc"),
                               ("te", "trailers")])
        self.range = block("/etcdserverpb.KV/Range")
        self.watch = block("/etcdserverpb.Watch/Watch")


@dataclass
class Outcome:
    goaway: int | None = None
    debug: bytes = b""
    closed: bool = False
    sent: int = 0
    seconds: float = 0.0

    @property
    def cut_off(self) -> bool:
        return self.goaway is not None or self.closed


def flood_connection(port: int, setup: bytes, chunks: Callable[[int], bytes], limit: float) -> Outcome:
    """One attacker connection: handshake + `setup`, then `chunks(i)` as fast as the socket
    takes them, reading (and scanning for GOAWAY) whatever comes back, until cut off or `limit`."""
    out = Outcome()
    start = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    scanner = H.FrameScanner()
    try:
        s.sendall(H.PREFACE + H.frame(H.SETTINGS, 0, 0) + H.frame(H.SETTINGS, H.ACK, 0) + setup)
        s.setblocking(False)
        pending = b""
        i = 0
        while time.monotonic() - start < limit:
            if not pending:
                pending = chunks(i)
                i += 1
            readable, writable, _ = select.select([s], [s], [], 0.2)
            if readable:
                try:
                    data = s.recv(1 << 16)
                except (BlockingIOError, InterruptedError):
                    data = None
                except OSError:
                    data = b""
                if data == b"":
                    out.closed = True
                    break
                if data:
                    scanner.feed(data)
                    if scanner.goaway_code is not None:
                        break
            if writable:
                try:
                    n = s.send(pending)
                except (BlockingIOError, InterruptedError):
                    n = 0
                except OSError:
                    out.closed = True
                    break
                out.sent += n
                pending = pending[n:]
        # After the GOAWAY the server closes: wait for it (bounded).
        if scanner.goaway_code is not None and not out.closed:
            s.setblocking(True)
            s.settimeout(3)
            try:
                while True:
                    data = s.recv(1 << 16)
                    if not data:
                        out.closed = True
                        break
            except OSError:
                out.closed = True
    finally:
        s.close()
    out.goaway = scanner.goaway_code
    out.debug = scanner.goaway_debug
    out.seconds = time.monotonic() - start
    return out


@pytest.fixture(scope="module")
def probe_bin(tmp_path_factory):
    require_tool("go")
    out = str(tmp_path_factory.mktemp("go") / "latencyprobe")
    d = cmtest.go_build("latencyprobe", str(cmtest.TESTS / "go"), out)
    assert d.rc == 0, str(d)
    return out


@pytest.fixture(scope="module")
def server():
    srv = cmtest.OurServer("floods", data="empty", access="readwrite", initial_revision=1).start()
    kv = srv.kv()
    kv.Put(rpc_pb2.PutRequest(key=b"probe", value=b"v"), timeout=10)
    kv.Put(rpc_pb2.PutRequest(key=b"mid", value=os.urandom(32 * 1024)), timeout=10)
    value = os.urandom(200 * 1024)
    for i in range(10):  # a ~2 MiB Range answer for the zero-window flood
        kv.Put(rpc_pb2.PutRequest(key=f"big/{i:03d}".encode(), value=value), timeout=10)
    yield srv
    srv.stop()


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    rss_before: int = 0
    rss_peak: int = 0
    base_p99_ms: float = 0.0
    attack_p99_ms: float = 0.0
    attack_requests: int = 0


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def run_flood(server, probe_bin: str, setup: bytes, chunks: Callable[[int], bytes]) -> Report:
    report = Report()
    pid = server.proc.pid
    duration = BASELINE_SECONDS + ATTACK_SECONDS + 0.5
    probe = subprocess.Popen([probe_bin, "-endpoint", server.endpoint, "-key", "probe", "-duration", f"{duration}s"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(BASELINE_SECONDS)
        report.rss_before = rss_kib(pid)
        report.rss_peak = report.rss_before
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                report.rss_peak = max(report.rss_peak, rss_kib(pid))
                time.sleep(0.02)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        attack_start = time.time_ns()
        end = time.monotonic() + ATTACK_SECONDS
        try:
            while time.monotonic() < end:
                report.outcomes.append(flood_connection(server.port, setup, chunks, CUT_OFF_SECONDS))
        finally:
            attack_end = time.time_ns()
            time.sleep(0.1)
            stop.set()
            sampler.join()
        out, err = probe.communicate(timeout=duration + 30)
    finally:
        if probe.poll() is None:
            probe.kill()
            probe.wait()
    assert probe.returncode == 0, f"legitimate client failed: {err}"
    lines = out.strip().splitlines()
    assert lines[-1] == "done" and lines[-2].startswith("watch "), out[-500:]
    samples = [tuple(map(int, line.split())) for line in lines[:-2]]
    base = [lat / 1000 for t, lat in samples if t < attack_start]
    during = [lat / 1000 for t, lat in samples if attack_start <= t < attack_end]
    assert len(base) >= 20 and len(during) >= 20, (len(base), len(during))
    report.base_p99_ms = percentile(base, 0.99)
    report.attack_p99_ms = percentile(during, 0.99)
    report.attack_requests = len(during)
    return report


def check(report: Report, server, name: str) -> None:
    cut = [o for o in report.outcomes if o.cut_off]
    calm = [o for o in report.outcomes if o.goaway == ENHANCE_YOUR_CALM]
    print(f"{name}: {len(report.outcomes)} attacker connections, {len(calm)} GOAWAY(ENHANCE_YOUR_CALM), "
          f"{sum(o.sent for o in report.outcomes) >> 20} MiB sent, "
          f"cut after {max(o.seconds for o in report.outcomes):.2f} s at most; "
          f"RSS +{(report.rss_peak - report.rss_before) / 1024:.1f} MiB; "
          f"legit p99 {report.base_p99_ms:.1f} ms → {report.attack_p99_ms:.1f} ms ({report.attack_requests} Gets)")
    assert len(cut) == len(report.outcomes), [o for o in report.outcomes if not o.cut_off]
    assert calm, f"no GOAWAY(ENHANCE_YOUR_CALM): {report.outcomes[:3]}"
    assert all(o.goaway in (None, ENHANCE_YOUR_CALM) for o in report.outcomes), report.outcomes[:3]
    assert report.rss_peak - report.rss_before < RSS_BOUND_KIB, f"RSS grew by {report.rss_peak - report.rss_before} KiB"
    bound = max(LATENCY_FACTOR * report.base_p99_ms, report.base_p99_ms + LATENCY_SLACK_MS)
    assert report.attack_p99_ms <= bound, f"legit p99 {report.attack_p99_ms:.1f} ms > {bound:.1f} ms"
    assert server.alive()
    assert server.get("probe").count == 1


def repeated(unit: bytes, size: int = 1 << 16) -> Callable[[int], bytes]:
    chunk = unit * max(1, size // len(unit))
    return lambda i: chunk


def test_window_update_flood(server, probe_bin):
    r = run_flood(server, probe_bin, b"", repeated(H.frame(H.WINDOW_UPDATE, 0, 0, struct.pack(">I", 1))))
    check(r, server, "WINDOW_UPDATE")


def test_priority_flood_for_many_streams(server, probe_bin):
    def chunks(i: int) -> bytes:
        base = (i * 2000) % 1_000_000
        return b"".join(H.frame(H.PRIORITY, 0, 2 * (base + k) + 1, struct.pack(">IB", 0, 16)) for k in range(2000))
    check(run_flood(server, probe_bin, b"", chunks), server, "PRIORITY")


def test_ping_flood(server, probe_bin):
    check(run_flood(server, probe_bin, b"", repeated(H.frame(H.PING, 0, 0, b"\0" * 8))), server, "PING")


def test_settings_flood(server, probe_bin):
    check(run_flood(server, probe_bin, b"", repeated(H.frame(H.SETTINGS, 0, 0))), server, "SETTINGS")


def test_rapid_reset(server, probe_bin):
    blocks = RequestBlocks(server.port)
    msg = grpc_frame(rpc_pb2.RangeRequest(key=b"probe").SerializeToString())

    def chunks(i: int) -> bytes:
        out = []
        for k in range(200):
            sid = 2 * (i * 200 + k) + 1
            if sid >= 1 << 31:
                return b""
            out.append(H.frame(H.HEADERS, H.END_HEADERS, sid, blocks.range) + H.frame(H.DATA, H.END_STREAM, sid, msg)
                       + H.frame(H.RST_STREAM, 0, sid, struct.pack(">I", H.CANCEL)))
        return b"".join(out)
    check(run_flood(server, probe_bin, b"", chunks), server, "RST_STREAM")


def test_empty_data_flood(server, probe_bin):
    blocks = RequestBlocks(server.port)
    setup = H.frame(H.HEADERS, H.END_HEADERS, 1, blocks.watch)
    check(run_flood(server, probe_bin, setup, repeated(H.frame(H.DATA, 0, 1))), server, "empty DATA")


def test_continuation_without_end_headers(server, probe_bin):
    blocks = RequestBlocks(server.port)
    setup = H.frame(H.HEADERS, H.END_STREAM, 1, blocks.range[:4])
    check(run_flood(server, probe_bin, setup, repeated(H.frame(H.CONTINUATION, 0, 1, b"\x40" * 4096))), server,
          "CONTINUATION")


def test_empty_continuation_frames(server, probe_bin):
    blocks = RequestBlocks(server.port)
    setup = H.frame(H.HEADERS, H.END_STREAM, 1, blocks.range[:4])
    check(run_flood(server, probe_bin, setup, repeated(H.frame(H.CONTINUATION, 0, 1))), server, "empty CONTINUATION")


def test_zero_window_large_ranges(server, probe_bin):
    blocks = RequestBlocks(server.port)
    msg = grpc_frame(rpc_pb2.RangeRequest(key=b"big/", range_end=b"big0").SerializeToString())
    setup = H.frame(H.SETTINGS, 0, 0, struct.pack(">HI", H.INITIAL_WINDOW_SIZE, 0))

    def chunks(i: int) -> bytes:
        out = []
        for k in range(50):
            sid = 2 * (i * 50 + k) + 1
            out.append(H.frame(H.HEADERS, H.END_HEADERS, sid, blocks.range) + H.frame(H.DATA, H.END_STREAM, sid, msg))
        return b"".join(out)
    check(run_flood(server, probe_bin, setup, chunks), server, "zero-window Range")


# =============================================================================================
# Legitimate heavy use
# =============================================================================================

CATCHUP_EVENTS = int(os.environ.get("CATCHUP_EVENTS", "20000"))


def test_many_concurrent_clientv3_streams_are_served(server, probe_bin):
    d = cmtest.run([probe_bin, "-endpoint", server.endpoint, "-mode", "concurrent", "-streams", "500",
                    "-requests", "4", "-key", "mid"], timeout=120)
    assert d.rc == 0, str(d)
    print(f"500 x 4 concurrent Gets of 32 KiB: {d.out.strip()}")
    assert d.out.strip().startswith("done")


class SlowWatchReader:
    """A raw HTTP/2 client (python h2) whose watch streams return flow-control credit slowly."""

    PREFIX, PREFIX_END = b"cilium/state/ip/v1/", b"cilium/state/ip/v10"

    def __init__(self, port: int):
        import h2.config
        import h2.connection
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True,
                                                                                header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.port = port
        self.buffers: dict[int, bytes] = {}
        self.events: dict[int, int] = {}
        self.unacked: dict[int, int] = {}
        self.trailers: dict[int, dict[str, str]] = {}
        self.goaway: int | None = None

    def request(self, path: str, message: bytes, end_stream: bool) -> int:
        sid = self.conn.get_next_available_stream_id()
        self.conn.send_headers(sid, [(":method", "POST"), (":scheme", "http"), (":path", path),
                                     (":authority", f"127.0.0.1:{self.port}"), ("content-type", "application/grpc"),
                                     ("te", "trailers")])
        self.conn.send_data(sid, grpc_frame(message), end_stream=end_stream)
        self.buffers[sid] = b""
        self.events[sid] = 0
        self.flush()
        return sid

    def watch(self) -> int:
        req = rpc_pb2.WatchRequest(create_request=rpc_pb2.WatchCreateRequest(
            key=self.PREFIX, range_end=self.PREFIX_END, start_revision=1))
        return self.request("/etcdserverpb.Watch/Watch", req.SerializeToString(), end_stream=False)

    def flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def pump(self, credit: int) -> None:
        """Reads what arrived; returns up to `credit` octets of flow-control credit."""
        import h2.events
        self.sock.settimeout(0.02)
        try:
            data = self.sock.recv(1 << 16)
        except (socket.timeout, TimeoutError):
            data = None
        if data == b"":
            raise AssertionError("server closed the connection")
        for ev in self.conn.receive_data(data) if data else []:
            if isinstance(ev, h2.events.DataReceived):
                self.unacked[ev.stream_id] = self.unacked.get(ev.stream_id, 0) + ev.flow_controlled_length
                self.buffers[ev.stream_id] += ev.data
                self._parse(ev.stream_id)
            elif isinstance(ev, h2.events.TrailersReceived):
                self.trailers[ev.stream_id] = dict(ev.headers)
                if ev.stream_id not in self.watch_ids:
                    self.range_answered_at = time.monotonic()
            elif isinstance(ev, h2.events.ConnectionTerminated):
                self.goaway = ev.error_code
                raise AssertionError(f"GOAWAY {ev.error_code} {ev.additional_data!r}")
        for sid in list(self.unacked):
            n = min(self.unacked[sid], credit)
            if n > 0 and sid in self.conn.streams:
                self.conn.acknowledge_received_data(n, sid)
            self.unacked[sid] -= n
            credit -= n
        self.flush()

    def _parse(self, sid: int) -> None:
        buf = self.buffers[sid]
        while len(buf) >= 5:
            length = int.from_bytes(buf[1:5], "big")
            if len(buf) < 5 + length:
                break
            msg, buf = buf[5:5 + length], buf[5 + length:]
            if sid in self.watch_ids:
                resp = rpc_pb2.WatchResponse.FromString(msg)
                self.events[sid] += len(resp.events)
            else:
                self.events[sid] += 1
        self.buffers[sid] = buf

    watch_ids: set[int] = set()
    range_answered_at: float | None = None


def test_slow_watch_reader_catches_up_without_being_cut_off():
    n = CATCHUP_EVENTS
    source = f"synthetic:nodes={n // 100 + 1},endpoints={n},identities=10,services=1,ipv6=0"
    with cmtest.OurServer("catchup", data=None, access="read", initial_revision=1,
                          extra_args=["--source", source]).start() as srv:
        deadline = time.monotonic() + 120
        count = 0
        while time.monotonic() < deadline:
            count = srv.get(SlowWatchReader.PREFIX, range_end=SlowWatchReader.PREFIX_END, count_only=True).count
            if count >= n:
                break
            time.sleep(0.5)
        assert count == n, f"synthetic load incomplete: {count}"
        reader = SlowWatchReader(srv.port)
        try:
            a, b = reader.watch(), reader.watch()
            reader.watch_ids = {a, b}
            range_sid = None
            start = time.monotonic()
            while reader.events[a] < n or reader.events[b] < n:
                assert time.monotonic() - start < 90, (reader.events, n)
                reader.pump(64 * 1024)
                time.sleep(0.02)
                if range_sid is None and reader.events[a] + reader.events[b] > n // 2:
                    # A unary call on the same connection while both watches are catching up.
                    range_sid = reader.request("/etcdserverpb.KV/Range", rpc_pb2.RangeRequest(
                        key=b"cilium/.heartbeat").SerializeToString(), end_stream=True)
                    range_at = time.monotonic()
                    range_events = reader.events[a] + reader.events[b]
            elapsed = time.monotonic() - start
            assert range_sid is not None
            while range_sid not in reader.trailers and time.monotonic() - start < 95:
                reader.pump(64 * 1024)
            assert reader.trailers.get(range_sid, {}).get("grpc-status") == "0", reader.trailers
            answered = reader.range_answered_at - start
            print(f"two watches caught up {n} events each in {elapsed:.1f} s over a slow reader; a Range asked "
                  f"at {range_at - start:.1f} s ({range_events} of {2 * n} events) was answered at {answered:.1f} s")
            assert reader.events == {a: n, b: n, range_sid: 1}, reader.events
            assert answered - (range_at - start) < 2.0, "the Range waited behind the catch-up"
        finally:
            reader.sock.close()
