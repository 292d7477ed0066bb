"""A raw HTTP/2 client for conformance and flood tests: frames are packed by hand (so invalid
ones can be sent), header blocks are HPACK-encoded with the `hpack` package, and the server's
frames are parsed into `Frame`s. The verifiers follow h2spec's (`spec/verifier.go`): they read
frames until the awaited one, a close, or a timeout.

Differences from h2spec's verifiers, on purpose:

* `expect_connection_error` wants a GOAWAY with one of the codes and then the close (h2spec also
  accepts a bare close); `expect_connection_close` accepts a GOAWAY first.
* `expect_response_headers` decodes the block and checks `:status` (h2spec only waits for a
  HEADERS frame on the stream).
"""

from __future__ import annotations

import socket
import ssl
import struct
import time
from dataclasses import dataclass
from typing import Iterable

import hpack

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# Frame types (RFC 9113 §6).
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
TYPE_NAMES = ["DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY",
              "WINDOW_UPDATE", "CONTINUATION"]
# Flags.
END_STREAM, ACK, END_HEADERS, PADDED, PRIORITY_FLAG = 0x1, 0x1, 0x4, 0x8, 0x20
# Settings (§6.5.2).
HEADER_TABLE_SIZE, ENABLE_PUSH, MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE, MAX_HEADER_LIST_SIZE = \
    range(1, 7)
# Error codes (§7).
NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT, STREAM_CLOSED, FRAME_SIZE_ERROR, \
    REFUSED_STREAM, CANCEL, COMPRESSION_ERROR, CONNECT_ERROR, ENHANCE_YOUR_CALM = range(12)
ERROR_NAMES = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
               "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
               "CONNECT_ERROR", "ENHANCE_YOUR_CALM"]
DEFAULT_WINDOW = 65535


def error_name(code: int) -> str:
    return ERROR_NAMES[code] if 0 <= code < len(ERROR_NAMES) else f"0x{code:x}"


def frame(ftype: int, flags: int, stream_id: int, payload: bytes = b"") -> bytes:
    """One frame: 24-bit length, type, flags, 31-bit stream id (the reserved bit as given)."""
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream_id) + payload


@dataclass
class Frame:
    type: int
    flags: int
    stream_id: int
    payload: bytes

    @property
    def length(self) -> int:
        return len(self.payload)

    @property
    def end_stream(self) -> bool:
        return self.type in (DATA, HEADERS) and bool(self.flags & END_STREAM)

    @property
    def ack(self) -> bool:
        return self.type in (SETTINGS, PING) and bool(self.flags & ACK)

    @property
    def error_code(self) -> int:
        if self.type == RST_STREAM:
            return struct.unpack(">I", self.payload[:4])[0]
        if self.type == GOAWAY:
            return struct.unpack(">I", self.payload[4:8])[0]
        raise ValueError("no error code")

    @property
    def data(self) -> bytes:
        """DATA content without padding."""
        if self.flags & PADDED:
            return self.payload[1:len(self.payload) - self.payload[0]]
        return self.payload

    def __str__(self) -> str:
        name = TYPE_NAMES[self.type] if self.type < len(TYPE_NAMES) else f"type 0x{self.type:x}"
        extra = ""
        if self.type in (RST_STREAM, GOAWAY):
            extra = f", {error_name(self.error_code)}"
            if self.type == GOAWAY and len(self.payload) > 8:
                extra += f" {self.payload[8:]!r}"
        return f"{name} (length:{self.length}, flags:0x{self.flags:02x}, stream_id:{self.stream_id}{extra})"


class Closed:
    def __str__(self) -> str:
        return "connection closed"


class Timeout:
    def __str__(self) -> str:
        return "timeout"


class Conn:
    """One client connection (plain TCP or TLS) speaking raw HTTP/2."""

    def __init__(self, sock: socket.socket, scheme: str, authority: str, timeout: float = 2.0):
        self.sock = sock
        self.scheme = scheme
        self.authority = authority
        self.timeout = timeout
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self.decoder.max_allowed_table_size = 65536
        self.buf = b""
        self.closed = False
        self.server_settings: dict[int, int] = {}
        self.received: list[Frame] = []
        # h2spec's automatic flow control: refill a window once DATA has used it up.
        self.window = {0: DEFAULT_WINDOW}
        self.auto_window_update = True
        self._pending_block: tuple[int, bytes] | None = None
        self.header_blocks: dict[int, list[list[tuple[str, str]]]] = {}

    # -- sending ----------------------------------------------------------------------------
    def send(self, raw: bytes) -> None:
        try:
            self.sock.sendall(raw)
        except (OSError, ssl.SSLError):
            pass  # the server may already have closed; the verifier will see it

    def common_headers(self, method: str = "GET", path: str = "/") -> list[tuple[str, str]]:
        """h2spec's CommonHeaders."""
        return [(":method", method), (":scheme", self.scheme), (":path", path), (":authority", self.authority)]

    def encode(self, headers: Iterable[tuple[str, str]]) -> bytes:
        return self.encoder.encode(list(headers))

    def write_settings(self, *settings: tuple[int, int]) -> None:
        self.send(frame(SETTINGS, 0, 0, b"".join(struct.pack(">HI", i, v) for i, v in settings)))

    def write_settings_ack(self) -> None:
        self.send(frame(SETTINGS, ACK, 0))

    def write_headers(self, stream_id: int, block: bytes, end_stream: bool = True, end_headers: bool = True,
                      pad_length: int | None = None, priority: tuple[int, int, bool] | None = None) -> None:
        """`priority` is (dependency, weight 0-255, exclusive)."""
        flags = (END_STREAM if end_stream else 0) | (END_HEADERS if end_headers else 0)
        payload = b""
        if pad_length is not None:
            flags |= PADDED
            payload += bytes([pad_length])
        if priority is not None:
            flags |= PRIORITY_FLAG
            dep, weight, exclusive = priority
            payload += struct.pack(">IB", dep | (0x8000_0000 if exclusive else 0), weight)
        payload += block + b"\0" * (pad_length or 0)
        self.send(frame(HEADERS, flags, stream_id, payload))

    def write_request(self, stream_id: int, headers: list[tuple[str, str]], end_stream: bool = True) -> None:
        self.write_headers(stream_id, self.encode(headers), end_stream=end_stream)

    def write_data(self, stream_id: int, data: bytes, end_stream: bool = True, padding: bytes | None = None) -> None:
        if padding is None:
            self.send(frame(DATA, END_STREAM if end_stream else 0, stream_id, data))
        else:
            flags = PADDED | (END_STREAM if end_stream else 0)
            self.send(frame(DATA, flags, stream_id, bytes([len(padding)]) + data + padding))

    def write_priority(self, stream_id: int, dependency: int = 0, weight: int = 255, exclusive: bool = False) -> None:
        self.send(frame(PRIORITY, 0, stream_id,
                        struct.pack(">IB", dependency | (0x8000_0000 if exclusive else 0), weight)))

    def write_rst_stream(self, stream_id: int, code: int) -> None:
        self.send(frame(RST_STREAM, 0, stream_id, struct.pack(">I", code)))

    def write_ping(self, data: bytes = b"\0" * 8, ack: bool = False) -> None:
        self.send(frame(PING, ACK if ack else 0, 0, data))

    def write_goaway(self, last_stream_id: int, code: int, debug: bytes = b"") -> None:
        self.send(frame(GOAWAY, 0, 0, struct.pack(">II", last_stream_id, code) + debug))

    def write_window_update(self, stream_id: int, increment: int) -> None:
        self.send(frame(WINDOW_UPDATE, 0, stream_id, struct.pack(">I", increment)))

    def write_continuation(self, stream_id: int, block: bytes, end_headers: bool = True) -> None:
        self.send(frame(CONTINUATION, END_HEADERS if end_headers else 0, stream_id, block))

    def write_push_promise(self, stream_id: int, promised: int, block: bytes, end_headers: bool = True) -> None:
        self.send(frame(PUSH_PROMISE, END_HEADERS if end_headers else 0, stream_id, struct.pack(">I", promised) + block))

    # -- receiving --------------------------------------------------------------------------
    def next_event(self, timeout: float | None = None) -> Frame | Closed | Timeout:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            f = self._parse_one()
            if f is not None:
                return f
            if self.closed:
                return Closed()
            left = deadline - time.monotonic()
            if left <= 0:
                return Timeout()
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                return Timeout()
            except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError):
                chunk = b""
            if not chunk:
                self.closed = True
            self.buf += chunk

    def _parse_one(self) -> Frame | None:
        if len(self.buf) < 9:
            return None
        length = int.from_bytes(self.buf[0:3], "big")
        if len(self.buf) < 9 + length:
            return None
        f = Frame(self.buf[3], self.buf[4], int.from_bytes(self.buf[5:9], "big") & 0x7FFF_FFFF,
                  self.buf[9:9 + length])
        self.buf = self.buf[9 + length:]
        self._track(f)
        self.received.append(f)
        return f

    def _track(self, f: Frame) -> None:
        if f.type == SETTINGS and not f.ack:
            for i in range(0, len(f.payload) - 5, 6):
                ident, value = struct.unpack(">HI", f.payload[i:i + 6])
                self.server_settings[ident] = value
        if f.type in (HEADERS, CONTINUATION):
            block = f.payload
            if f.type == HEADERS:
                start = 1 if f.flags & PADDED else 0
                pad = f.payload[0] if f.flags & PADDED else 0
                if f.flags & PRIORITY_FLAG:
                    start += 5
                block = f.payload[start:len(f.payload) - pad]
                self._pending_block = (f.stream_id, block)
            elif self._pending_block is not None:
                self._pending_block = (self._pending_block[0], self._pending_block[1] + block)
            if f.flags & END_HEADERS and self._pending_block is not None:
                sid, full = self._pending_block
                self._pending_block = None
                fields = [(k if isinstance(k, str) else k.decode(), v if isinstance(v, str) else v.decode())
                          for k, v in self.decoder.decode(full)]
                self.header_blocks.setdefault(sid, []).append(fields)
        if f.type == DATA and self.auto_window_update and f.length > 0:
            for sid in (f.stream_id, 0):
                self.window.setdefault(sid, DEFAULT_WINDOW)
                self.window[sid] -= f.length
                if self.window[sid] <= 0:
                    incr = DEFAULT_WINDOW - self.window[sid]
                    self.write_window_update(sid, incr)
                    self.window[sid] += incr

    # -- handshake (h2spec Conn.Handshake) --------------------------------------------------
    def handshake(self) -> None:
        self.send(PREFACE)
        self.write_settings((INITIAL_WINDOW_SIZE, DEFAULT_WINDOW))
        local = remote = False
        while not (local and remote):
            ev = self.next_event()
            assert isinstance(ev, Frame), f"handshake: {ev}"
            if ev.type == SETTINGS:
                if ev.ack:
                    local = True
                else:
                    remote = True
                    self.write_settings_ack()

    # -- verifiers (h2spec spec/verifier.go) -------------------------------------------------
    def _fail(self, expected: str, actual: object) -> None:
        seen = "; ".join(str(f) for f in self.received[-8:])
        raise AssertionError(f"expected {expected}, got {actual} (last frames: {seen})")

    def expect_connection_error(self, *codes: int) -> Frame:
        """GOAWAY with one of `codes`, then the connection closes."""
        names = "/".join(error_name(c) for c in codes)
        actual: object = None
        while True:
            ev = self.next_event()
            if isinstance(ev, Frame) and ev.type == GOAWAY:
                if ev.error_code not in codes:
                    self._fail(f"GOAWAY({names})", ev)
                closing = self.next_event()
                while isinstance(closing, Frame):
                    closing = self.next_event()
                if not isinstance(closing, Closed):
                    self._fail("connection close after GOAWAY", closing)
                return ev
            if isinstance(ev, (Closed, Timeout)):
                self._fail(f"GOAWAY({names})", ev if actual is None else actual)
            actual = ev

    def expect_stream_error(self, *codes: int, stream_id: int | None = None) -> Frame:
        """RST_STREAM (on `stream_id` if given) or GOAWAY with one of `codes` (h2spec accepts both)."""
        names = "/".join(error_name(c) for c in codes)
        actual: object = None
        while True:
            ev = self.next_event()
            if isinstance(ev, Frame) and ev.type in (RST_STREAM, GOAWAY):
                if ev.type == RST_STREAM and stream_id is not None and ev.stream_id != stream_id:
                    actual = ev
                    continue
                if ev.error_code in codes:
                    return ev
                if ev.type == RST_STREAM and ev.error_code == NO_ERROR:
                    actual = ev
                    continue
                self._fail(f"RST_STREAM or GOAWAY ({names})", ev)
            if isinstance(ev, (Closed, Timeout)):
                self._fail(f"RST_STREAM or GOAWAY ({names})", ev if actual is None else actual)
            actual = ev

    def expect_connection_close(self) -> None:
        while True:
            ev = self.next_event()
            if isinstance(ev, Closed):
                return
            if isinstance(ev, Timeout):
                self._fail("connection close", ev)

    def expect_frame(self, ftype: int, stream_id: int | None = None, ack: bool | None = None) -> Frame:
        """The next frame of `ftype` (h2spec WaitEventByType)."""
        while True:
            ev = self.next_event()
            if isinstance(ev, Frame):
                if ev.type == ftype and (stream_id is None or ev.stream_id == stream_id) \
                        and (ack is None or ev.ack == ack):
                    return ev
                continue
            self._fail(TYPE_NAMES[ftype], ev)

    def expect_response_headers(self, stream_id: int) -> list[tuple[str, str]]:
        """A HEADERS frame on `stream_id` whose block has a 3-digit :status first."""
        f = self.expect_frame(HEADERS, stream_id=stream_id)
        while self._pending_block is not None:  # the block continues in CONTINUATION frames
            self.expect_frame(CONTINUATION, stream_id=stream_id)
        fields = self.header_blocks[stream_id][-1]
        assert fields and fields[0][0] == ":status" and len(fields[0][1]) == 3 and fields[0][1].isdigit(), \
            f"bad response headers {fields} ({f})"
        return fields

    def expect_stream_close(self, stream_id: int) -> Frame:
        """DATA or HEADERS with END_STREAM on `stream_id`."""
        while True:
            ev = self.next_event()
            if isinstance(ev, Frame):
                if ev.stream_id == stream_id and ev.end_stream:
                    return ev
                continue
            self._fail(f"END_STREAM on stream {stream_id}", ev)

    def expect_ping_ack(self, data: bytes) -> Frame:
        while True:
            ev = self.next_event()
            if isinstance(ev, Frame):
                if ev.type == PING and ev.ack and ev.payload == data:
                    return ev
                if ev.type == PING and ev.ack:
                    self._fail(f"PING ACK {data!r}", ev)
                continue
            self._fail(f"PING ACK {data!r}", ev)

    def expect_ping_ack_or_close(self, data: bytes) -> None:
        while True:
            ev = self.next_event()
            if isinstance(ev, Closed):
                return
            if isinstance(ev, Frame):
                if ev.type == PING and ev.ack and ev.payload == data:
                    return
                continue
            self._fail(f"PING ACK {data!r} or close", ev)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def dial(port: int, tls: ssl.SSLContext | None = None, timeout: float = 2.0) -> Conn:
    """A connection to 127.0.0.1:`port`, through TLS (ALPN h2 required) when `tls` is given."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if tls is None:
        return Conn(raw, "http", f"127.0.0.1:{port}", timeout)
    s = tls.wrap_socket(raw, server_hostname="127.0.0.1")
    assert s.selected_alpn_protocol() == "h2", s.selected_alpn_protocol()
    return Conn(s, "https", f"127.0.0.1:{port}", timeout)


def tls_context(ca: str, cert: str | None = None, key: str | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False
    if cert is not None:
        ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["h2"])
    return ctx


class FrameScanner:
    """Frames of a raw server byte stream, parsed without any client state (for floods)."""

    def __init__(self) -> None:
        self.buf = b""
        self.goaway_code: int | None = None
        self.goaway_debug = b""
        self.frames = 0

    def feed(self, data: bytes) -> None:
        self.buf += data
        while len(self.buf) >= 9:
            length = int.from_bytes(self.buf[0:3], "big")
            if len(self.buf) < 9 + length:
                return
            ftype = self.buf[3]
            payload = self.buf[9:9 + length]
            self.buf = self.buf[9 + length:]
            self.frames += 1
            if ftype == GOAWAY and self.goaway_code is None:
                self.goaway_code = int.from_bytes(payload[4:8], "big")
                self.goaway_debug = payload[8:]
