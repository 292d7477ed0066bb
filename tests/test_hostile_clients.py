"""Slow, hostile and numerous clients must not knock the server over.

* a client that asks for large responses and never reads them (HTTP/2 window 0) is cut off with
  GOAWAY(ENHANCE_YOUR_CALM) once its backlog stalls (ServerConfiguration.backlogStallTimeoutSeconds),
  while other clients are served;
* garbage, a bad preface, oversized frames and oversized gRPC messages get errors, not crashes;
* thousands of idle connections cost little memory and the server keeps answering.
"""
from __future__ import annotations

import os
import socket
import struct
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.settings

from aetcd.rpc import rpc_pb2

from cmtest import OurServer


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def grpc_frame(msg: bytes) -> bytes:
    return b"\x00" + struct.pack(">I", len(msg)) + msg


def h2_client(port: int, window: int = 65535) -> tuple[socket.socket, h2.connection.H2Connection]:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    c = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
    c.initiate_connection()
    c.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window})
    s.sendall(c.data_to_send())
    return s, c


class FrameScanner:
    """Finds GOAWAY frames in a raw server byte stream (independent of client state)."""

    def __init__(self) -> None:
        self.buf = b""
        self.skipped_settings = False
        self.goaway_code: int | None = None

    def feed(self, data: bytes) -> None:
        self.buf += data
        while len(self.buf) >= 9:
            length = int.from_bytes(self.buf[0:3], "big")
            if len(self.buf) < 9 + length:
                return
            ftype = self.buf[3]
            payload = self.buf[9:9 + length]
            self.buf = self.buf[9 + length:]
            if ftype == 0x7 and self.goaway_code is None:
                self.goaway_code = int.from_bytes(payload[4:8], "big")


def send_unary(s, c, path: str, message: bytes) -> int:
    sid = c.get_next_available_stream_id()
    c.send_headers(sid, [(":method", "POST"), (":scheme", "http"), (":path", path),
                         (":authority", "127.0.0.1"), ("content-type", "application/grpc"), ("te", "trailers")])
    c.send_data(sid, grpc_frame(message), end_stream=True)
    s.sendall(c.data_to_send())
    return sid


def test_client_that_never_reads_is_cut_off_and_others_are_served():
    with OurServer("hostile-slow", data="empty", access="readwrite", initial_revision=1).start() as srv:
        kv = srv.kv()
        value = os.urandom(200 * 1024)
        for i in range(10):  # ~2 MiB of data: each full Range answers ~2 MiB
            kv.Put(rpc_pb2.PutRequest(key=f"big/{i:03d}".encode(), value=value), timeout=10)
        before = rss_kib(srv.proc.pid)
        # Window 0: the server may not send a single DATA byte; every response queues.
        s, c = h2_client(srv.port, window=0)
        req = rpc_pb2.RangeRequest(key=b"big/", range_end=b"big0").SerializeToString()
        scanner = FrameScanner()
        deadline = time.monotonic() + 60
        sent = 0
        try:
            while time.monotonic() < deadline and scanner.goaway_code is None:
                if sent < 400:
                    for _ in range(10):
                        send_unary(s, c, "/etcdserverpb.KV/Range", req)
                        sent += 1
                s.settimeout(0.05)
                try:
                    data = s.recv(65536)
                except socket.timeout:
                    data = None
                except (ConnectionResetError, BrokenPipeError):
                    break
                if data == b"":
                    break
                if data:
                    scanner.feed(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            s.close()
        assert scanner.goaway_code is not None, f"no GOAWAY after {sent} unread 2 MiB responses"
        assert scanner.goaway_code == h2.errors.ErrorCodes.ENHANCE_YOUR_CALM
        # Memory stayed bounded: one 2 MiB response is held, later requests wait (4 MiB held at
        # most before they do, 4 MiB of waiting requests at most), the stalled backlog is cut off.
        grown = rss_kib(srv.proc.pid) - before
        print(f"RSS grew by {grown} KiB after {sent} unread Range requests")
        assert grown < 64 * 1024, f"RSS grew by {grown} KiB"
        # Everyone else is still served.
        r = kv.Range(rpc_pb2.RangeRequest(key=b"big/000"), timeout=10)
        assert r.count == 1 and r.kvs[0].value == value


def test_garbage_and_malformed_input_get_errors_not_crashes():
    with OurServer("hostile-garbage", data="demo").start() as srv:
        # Random bytes: closed.
        for payload in [os.urandom(4096), b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n" + os.urandom(100),
                        b"\x16\x03\x01" + os.urandom(500)]:
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            try:
                s.sendall(payload)
                s.settimeout(5)
                try:
                    while s.recv(65536):
                        pass
                except (ConnectionResetError, socket.timeout):
                    pass
            finally:
                s.close()
        # A frame larger than our MAX_FRAME_SIZE: GOAWAY FRAME_SIZE_ERROR.
        s, c = h2_client(srv.port)
        s.sendall(struct.pack(">I", (1 << 20))[1:] + b"\x00\x00" + struct.pack(">I", 0) + b"\x00" * 100)
        s.settimeout(5)
        got = b""
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                got += d
        except (ConnectionResetError, socket.timeout):
            pass
        s.close()
        events = c.receive_data(got) if got else []
        terminated = [e for e in events if isinstance(e, h2.events.ConnectionTerminated)]
        assert terminated and terminated[0].error_code == h2.errors.ErrorCodes.FRAME_SIZE_ERROR, events
        # A 3 MiB gRPC message: ResourceExhausted with grpc-go's text, connection still usable.
        s, c = h2_client(srv.port)
        # Only the start of the message: its 5-byte prefix announces 3 MiB, which is enough
        # for the limit check (the rest would not even fit the stream window).
        message = grpc_frame(rpc_pb2.RangeRequest(key=b"k" * (3 << 20)).SerializeToString())
        sid = c.get_next_available_stream_id()
        c.send_headers(sid, [(":method", "POST"), (":scheme", "http"), (":path", "/etcdserverpb.KV/Range"),
                             (":authority", "127.0.0.1"), ("content-type", "application/grpc"), ("te", "trailers")])
        c.send_data(sid, message[:16000])
        s.sendall(c.data_to_send())
        trailers = None
        s.settimeout(10)
        while trailers is None:
            d = s.recv(65536)
            assert d, "connection closed instead of a status"
            for ev in c.receive_data(d):
                if isinstance(ev, (h2.events.TrailersReceived, h2.events.ResponseReceived)) and ev.stream_id == sid:
                    hdrs = dict((k.decode() if isinstance(k, bytes) else k, v.decode() if isinstance(v, bytes) else v)
                                for k, v in ev.headers)
                    if "grpc-status" in hdrs:
                        trailers = hdrs
            s.sendall(c.data_to_send())
        s.close()
        assert trailers["grpc-status"] == "8"
        assert "grpc: received message larger than max (" in trailers["grpc-message"]
        assert "vs. 2097152)" in trailers["grpc-message"]
        # Still alive.
        assert srv.kv().Range(rpc_pb2.RangeRequest(key=b"cilium/.heartbeat"), timeout=5).count == 1


def test_thousands_of_idle_connections_cost_little():
    n = 2000
    with OurServer("hostile-idle", data="demo").start() as srv:
        time.sleep(0.5)
        before = rss_kib(srv.proc.pid)
        conns = []
        try:
            for _ in range(n):
                s, c = h2_client(srv.port)
                conns.append(s)
            # Let the server process every preface and SETTINGS.
            time.sleep(2.0)
            after = rss_kib(srv.proc.pid)
            per_conn = (after - before) * 1024 / n
            r = srv.kv().Range(rpc_pb2.RangeRequest(key=b"cilium/", range_end=b"cilium0", count_only=True), timeout=10)
            assert r.count == 19  # the demo's keys (1.20+: with its endpoint slice and that canary)
            assert per_conn < 64 * 1024, f"{per_conn:.0f} bytes per idle connection"
            print(f"idle connections: {n}, RSS +{(after - before) / 1024:.1f} MiB, {per_conn / 1024:.1f} KiB each")
        finally:
            for s in conns:
                s.close()
