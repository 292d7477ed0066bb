"""Connection churn: thousands of connections opened and abruptly closed while streams are in
flight must not crash the server, leak descriptors or disturb other clients.

Every churned connection does one of (`SCENARIOS`):

* ``rst-watch``   -- h2c preface, a Watch stream creating a watch on the busy prefix, then an
  abortive close (SO_LINGER 0: the kernel sends RST, the server sees EPOLLHUP/ECONNRESET);
* ``rst-range``   -- a unary Range whose response may still be in flight, then RST;
* ``rst-big``     -- a Range answering ~3 MiB with HTTP/2 windows opened wide and nothing read,
  so the server's writes block (write interest armed), then RST;
* ``halfclose``   -- a Range, then shutdown(SHUT_WR) (FIN), read until the server closes;
* ``midframe``    -- a frame header promising 16 KiB followed by a few bytes, then RST;
* ``rst-stream``  -- a Watch stream, RST_STREAM(CANCEL) on it, then an orderly close;
* ``preface``     -- half of the connection preface, then RST;
* ``tls-hello``   -- (TLS port) the first bytes of a ClientHello, then RST (mid-handshake);
* ``tls-watch``   -- (TLS port) a full mTLS handshake, a Watch stream, then RST;
* ``tls-close``   -- (TLS port) a full handshake, then an orderly close without close_notify.

Meanwhile a writer puts keys under the prefix (so watch events fire towards connections that
are being torn down) and long-lived watchers on their own connections must see every write.
The server must stay up, answer a control client, and its open sockets (/proc/<pid>/fd)
must come back to the baseline.

The default run is bounded (``CHURN_CONNECTIONS``, default 3000 connections, ~20-40 s on the
debug build); ``CHURN_SECONDS=N`` runs the churn for N seconds instead (manual soak runs).
"""
from __future__ import annotations

import os
import random
import socket
import ssl
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

import cmtest
import pki as pkimod
from cmtest import WatchStream, rpc_pb2
from pki import MTLSServer

PREFIX = b"churn/"
CONNECTIONS = int(os.environ.get("CHURN_CONNECTIONS", "3000"))
SECONDS = float(os.environ.get("CHURN_SECONDS", "0"))
WORKERS = int(os.environ.get("CHURN_WORKERS", "16"))
PLAIN_SCENARIOS = ["rst-watch", "rst-range", "rst-big", "halfclose", "midframe", "rst-stream", "preface"]
BIG_PREFIX = b"churnbig/"
BIG_VALUES = 6  # x 512 KiB
TLS_SCENARIOS = ["tls-hello", "tls-watch", "tls-close"]
SCENARIOS = PLAIN_SCENARIOS + TLS_SCENARIOS

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


# -- raw HTTP/2 (built once, sent on every connection: each is a fresh connection, stream 1) --

def frame(ftype: int, flags: int, stream: int, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


def grpc_message(msg: bytes) -> bytes:
    return b"\x00" + struct.pack(">I", len(msg)) + msg


def hpack_literal(name: bytes, value: bytes) -> bytes:
    """Literal header field without indexing, new name (RFC 7541 §6.2.2), lengths < 127."""
    assert len(name) < 127 and len(value) < 127
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def request_headers(path: str) -> bytes:
    fields = [(b":method", b"POST"), (b":scheme", b"http"), (b":path", path.encode()),
              (b":authority", b"127.0.0.1"), (b"content-type", b"application/grpc"), (b"te", b"trailers")]
    return b"".join(hpack_literal(n, v) for n, v in fields)


SETTINGS = frame(0x4, 0, 0, b"")
WATCH_REQ = rpc_pb2.WatchRequest(create_request=rpc_pb2.WatchCreateRequest(
    key=PREFIX, range_end=PREFIX[:-1] + bytes([PREFIX[-1] + 1]))).SerializeToString()
RANGE_REQ = rpc_pb2.RangeRequest(key=PREFIX, range_end=PREFIX[:-1] + bytes([PREFIX[-1] + 1])).SerializeToString()
WATCH_OPEN = (PREFACE + SETTINGS + frame(0x1, 0x4, 1, request_headers("/etcdserverpb.Watch/Watch"))
              + frame(0x0, 0x0, 1, grpc_message(WATCH_REQ)))
RANGE_CALL = (PREFACE + SETTINGS + frame(0x1, 0x4, 1, request_headers("/etcdserverpb.KV/Range"))
              + frame(0x0, 0x1, 1, grpc_message(RANGE_REQ)))
BIG_REQ = rpc_pb2.RangeRequest(key=BIG_PREFIX, range_end=BIG_PREFIX[:-1] + bytes([BIG_PREFIX[-1] + 1])).SerializeToString()
# SETTINGS_INITIAL_WINDOW_SIZE = 2^31-1 and a connection WINDOW_UPDATE: flow control never stops
# the server, only the socket does.
WIDE_OPEN = (PREFACE + frame(0x4, 0, 0, struct.pack(">HI", 0x4, 0x7FFFFFFF))
             + frame(0x8, 0, 0, struct.pack(">I", 0x7FFFFFFF - 65535)))
BIG_CALL = (WIDE_OPEN + frame(0x1, 0x4, 1, request_headers("/etcdserverpb.KV/Range"))
            + frame(0x0, 0x1, 1, grpc_message(BIG_REQ)))
RST_STREAM = frame(0x3, 0, 1, struct.pack(">I", 0x8))  # CANCEL
MID_FRAME = PREFACE + SETTINGS + struct.pack(">I", 16384)[1:] + bytes([0x0, 0x0]) + struct.pack(">I", 1) + b"abc"
# A TLS 1.2 record header for a handshake message and the start of a ClientHello.
TLS_HELLO_START = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03]) + os.urandom(16)


def abort(s: socket.socket) -> None:
    """Close with RST instead of FIN (SO_LINGER on, timeout 0)."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    s.close()


def read_some(s: socket.socket, limit: int = 1 << 16, timeout: float = 0.05) -> None:
    s.settimeout(timeout)
    try:
        s.recv(limit)
    except (OSError, ssl.SSLError):
        pass


class Churner:
    def __init__(self, plain_port: int, tls_port: int | None, tls_ctx: ssl.SSLContext | None):
        self.plain_port = plain_port
        self.tls_port = tls_port
        self.tls_ctx = tls_ctx
        self.done = {name: 0 for name in SCENARIOS}
        self.refused = 0
        self.lock = threading.Lock()

    def connect(self, port: int) -> socket.socket | None:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            with self.lock:
                self.refused += 1
            return None

    def one(self, name: str) -> None:
        tls = name.startswith("tls-")
        s = self.connect(self.tls_port if tls else self.plain_port)
        if s is None:
            return
        try:
            getattr(self, "do_" + name.replace("-", "_"))(s)
        except (OSError, ssl.SSLError):
            try:
                s.close()
            except OSError:
                pass
        with self.lock:
            self.done[name] += 1

    def do_rst_watch(self, s):
        s.sendall(WATCH_OPEN)
        if random.random() < 0.5:
            read_some(s)
        abort(s)

    def do_rst_range(self, s):
        s.sendall(RANGE_CALL)
        if random.random() < 0.3:
            read_some(s, limit=64)
        abort(s)

    def do_rst_big(self, s):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        s.sendall(BIG_CALL)
        time.sleep(random.uniform(0.05, 0.2))  # the server fills the socket and waits to write
        abort(s)

    def do_halfclose(self, s):
        s.sendall(RANGE_CALL)
        s.shutdown(socket.SHUT_WR)
        s.settimeout(5)
        while s.recv(1 << 16):
            pass
        s.close()

    def do_midframe(self, s):
        s.sendall(MID_FRAME)
        abort(s)

    def do_rst_stream(self, s):
        s.sendall(WATCH_OPEN)
        read_some(s)
        s.sendall(RST_STREAM)
        read_some(s, timeout=0.02)
        s.close()

    def do_preface(self, s):
        s.sendall(PREFACE[:12])
        abort(s)

    def do_tls_hello(self, s):
        s.sendall(TLS_HELLO_START[: random.randint(1, len(TLS_HELLO_START))])
        abort(s)

    def _tls(self, s):
        assert self.tls_ctx is not None
        t = self.tls_ctx.wrap_socket(s, server_hostname="127.0.0.1")
        return t

    def do_tls_watch(self, s):
        t = self._tls(s)
        t.sendall(WATCH_OPEN)
        if random.random() < 0.5:
            read_some(t)
        abort(t)

    def do_tls_close(self, s):
        t = self._tls(s)
        if random.random() < 0.5:
            t.sendall(RANGE_CALL)
            read_some(t)
        # Close the TCP socket under the TLS object: no close_notify.
        raw = socket.socket(fileno=t.detach())
        raw.close()


def fd_targets(pid: int) -> list[str]:
    out = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            out.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass  # closed meanwhile
    return out


def fd_count(pid: int) -> int:
    """Open sockets of the process (descriptors libraries open lazily -- a timerfd, a
    sanitizer's report file -- are not connections and do not count)."""
    return sum(1 for t in fd_targets(pid) if t.startswith("socket:"))


def wait_fds(pid: int, baseline: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    n = fd_count(pid)
    while n > baseline and time.monotonic() < deadline:
        time.sleep(0.1)
        n = fd_count(pid)
    return n


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return pkimod.make_pki(tmp_path_factory.mktemp("pki"))


def tls_context(pki) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki.ca))
    ctx.load_cert_chain(str(pki.admin.cert), str(pki.admin.key))
    ctx.set_alpn_protocols(["h2"])
    ctx.check_hostname = False
    return ctx


def test_connection_churn_tls_and_plaintext(pki):
    if cmtest.TARGET == "etcd":
        pytest.skip("descriptor accounting of our process")
    srv = MTLSServer(pki, name="ours-churn", data="empty").start()
    try:
        run_churn(srv, srv.port, srv.tls_port, tls_context(pki))
    finally:
        srv.stop()


def run_churn(srv: cmtest.Server, plain_port: int, tls_port: int | None, ctx: ssl.SSLContext | None) -> None:
    assert srv.proc is not None
    pid = srv.proc.pid
    # A local subchannel pool per channel: otherwise grpc shares one TCP connection among them.
    control = srv.new_channel(**{"grpc.use_local_subchannel_pool": 1})
    kv = cmtest.rpc_pb2_grpc.KVStub(control)
    for i in range(BIG_VALUES):
        kv.Put(rpc_pb2.PutRequest(key=BIG_PREFIX + b"%d" % i, value=os.urandom(512 * 1024)), timeout=10)
    seed_rev = kv.Put(rpc_pb2.PutRequest(key=PREFIX + b"seed", value=b"x" * 2048), timeout=10).header.revision
    watcher_channels = [srv.new_channel(**{"grpc.use_local_subchannel_pool": 1}) for _ in range(3)]
    watchers = [WatchStream(srv, channel=ch) for ch in watcher_channels]
    for w in watchers:
        w.create(PREFIX, range_end=PREFIX[:-1] + bytes([PREFIX[-1] + 1]))
        w.wait_for(lambda r: r.created, timeout=10)
    time.sleep(0.3)
    baseline = fd_count(pid)
    targets_before = set(fd_targets(pid))

    stop = threading.Event()
    written: list[int] = []

    def writer():
        i = 0
        while not stop.is_set():
            kv.Put(rpc_pb2.PutRequest(key=PREFIX + b"k%d" % (i % 50), value=b"v" * random.randint(1, 4096)),
                   timeout=10)
            written.append(i)
            i += 1
            time.sleep(0.002)

    wt = threading.Thread(target=writer, daemon=True)
    wt.start()
    churner = Churner(plain_port, tls_port, ctx)
    names = SCENARIOS if tls_port else PLAIN_SCENARIOS
    rng = random.Random(1234)
    started = time.monotonic()
    total = 0
    try:
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            if SECONDS > 0:
                while time.monotonic() - started < SECONDS:
                    batch = [rng.choice(names) for _ in range(WORKERS * 20)]
                    list(pool.map(churner.one, batch))
                    total += len(batch)
                    assert srv.alive(), f"server died after {total} connections:\n{srv.log_tail()}"
            else:
                batch = [names[i % len(names)] for i in range(CONNECTIONS)]
                rng.shuffle(batch)
                list(pool.map(churner.one, batch))
                total = len(batch)
    finally:
        stop.set()
        wt.join(timeout=15)
    elapsed = time.monotonic() - started
    assert srv.alive(), f"server died during churn:\n{srv.log_tail()}"
    print(f"churn: {total} connections in {elapsed:.1f}s, {churner.done}, refused {churner.refused}, "
          f"{len(written)} writes")
    assert churner.refused == 0
    assert sum(churner.done.values()) == total

    # The control client and the long-lived watchers were served throughout.
    st = cmtest.rpc_pb2_grpc.MaintenanceStub(control).Status(rpc_pb2.StatusRequest(), timeout=10)
    last_rev = st.header.revision
    expected = list(range(seed_rev + 1, last_rev + 1))
    assert len(expected) == len(written)
    for w in watchers:
        got = w.wait_for(lambda r: any(e.kv.mod_revision == last_rev for e in r.events), timeout=30)
        revs = [e.kv.mod_revision for r in got for e in r.events]
        assert revs == expected, f"watcher missed or reordered events: {len(revs)} of {len(expected)}"
        assert w.error is None, w.error
    # Every churned connection is gone: the descriptor count is back to the baseline.
    n = wait_fds(pid, baseline, timeout=20)
    others = sorted(t for t in set(fd_targets(pid)) - targets_before if not t.startswith("socket:"))
    print(f"sockets {n} (baseline {baseline}); other descriptors opened meanwhile: {others}")
    assert n <= baseline, f"socket count {n} > baseline {baseline}: {sorted(fd_targets(pid))}"
    for w in watchers:
        w.send(None)
    for ch in watcher_channels:
        ch.close()
    control.close()
