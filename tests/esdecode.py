"""An independent reader of the values under cilium/state/endpointslices/v1 (Cilium 1.20+
ClusterEndpointSlice): python-zstandard for the frame, and protobuf parsed by hand from the field
numbers in reference/cilium-1.19-plus.md §B.2 (no generated code, nothing shared with the Swift
encoder). ``to_json`` renders the decoded message as upstream's transcoder does
(``kvstore/list -o json``), ``validate`` applies upstream's reader checks with its messages.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import zstandard

MAX_DECODED = 16 << 20  # upstream maxDecodeSize
PREFIX = "cilium/state/endpointslices/v1/"


class DecodeError(ValueError):
    pass


def _varint(b: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        if i >= len(b):
            raise DecodeError("truncated varint")
        c = b[i]
        i += 1
        value |= (c & 0x7F) << shift
        if c < 0x80:
            return value, i
        shift += 7
        if shift >= 64:
            raise DecodeError("varint overflow")


def _fields(b: bytes):
    """(field number, wire type, int or bytes) for every field of one message."""
    i = 0
    while i < len(b):
        tag, i = _varint(b, i)
        num, wt = tag >> 3, tag & 7
        if num == 0:
            raise DecodeError("field number 0")
        if wt == 0:
            v, i = _varint(b, i)
            yield num, wt, v
        elif wt == 2:
            n, i = _varint(b, i)
            if i + n > len(b):
                raise DecodeError("truncated length-delimited field")
            yield num, wt, b[i:i + n]
            i += n
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        else:
            raise DecodeError(f"unsupported wire type {wt}")
    if i != len(b):
        raise DecodeError("truncated fixed field")


def _text(v: Any) -> str:
    if not isinstance(v, bytes):
        raise DecodeError("expected a length-delimited string")
    return v.decode("utf-8")


def _map_entry(v: bytes) -> tuple[str, str]:
    k = val = ""
    for num, _, x in _fields(v):
        if num == 1:
            k = _text(x)
        elif num == 2:
            val = _text(x)
    return k, val


def _endpoint(b: bytes) -> dict:
    ep: dict[str, Any] = {"addresses": [], "conditions": {}}
    topology: dict[str, str] = {}
    for num, _, v in _fields(b):
        if num == 1:
            ep["addresses"].append(_text(v))
        elif num == 2:
            for cnum, _, cv in _fields(v):
                name = {1: "ready", 2: "serving", 3: "terminating"}.get(cnum)
                if name:
                    ep["conditions"][name] = bool(cv)
        elif num == 3:
            ep["hostname"] = _text(v)
        elif num == 5:
            k, val = _map_entry(v)
            topology[k] = val
        elif num == 6:
            ep["nodeName"] = _text(v)
        elif num == 7:
            ep["zone"] = _text(v)
        elif num == 8:
            zones = []
            for hnum, _, hv in _fields(v):
                if hnum == 1:
                    zone = ""
                    for znum, _, zv in _fields(hv):
                        if znum == 1:
                            zone = _text(zv)
                    zones.append(zone)
            ep["hints"] = zones
    if topology:
        ep["deprecatedTopology"] = topology
    return ep


def _port(b: bytes) -> dict:
    p: dict[str, Any] = {}
    for num, _, v in _fields(b):
        if num == 1:
            p["name"] = _text(v)
        elif num == 2:
            p["protocol"] = _text(v)
        elif num == 3:
            p["port"] = v - (1 << 64) if v >= 1 << 63 else v  # int32 as varint
    return p


def decode(value: bytes) -> dict:
    """The decoded ClusterEndpointSlice (a plain dict; ``hints`` as a list of zone names)."""
    try:
        raw = zstandard.ZstdDecompressor().decompress(value, max_output_size=MAX_DECODED)
    except zstandard.ZstdError as e:
        raise DecodeError(f"zstd: {e}") from e
    m: dict[str, Any] = {"cluster": "", "clusterID": 0, "namespace": "", "name": "", "labels": {},
                         "annotations": {}, "addressType": "", "endpoints": [], "ports": []}
    for num, _, v in _fields(raw):
        if num == 1:
            m["cluster"] = _text(v)
        elif num == 2:
            m["clusterID"] = v & 0xFFFFFFFF
        elif num == 3:
            m["namespace"] = _text(v)
        elif num == 4:
            m["name"] = _text(v)
        elif num in (5, 6):
            k, val = _map_entry(v)
            m["labels" if num == 5 else "annotations"][k] = val
        elif num == 7:
            m["addressType"] = _text(v)
        elif num == 8:
            m["endpoints"].append(_endpoint(v))
        elif num == 9:
            m["ports"].append(_port(v))
    return m


def _go(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def to_json(m: dict) -> str:
    """Upstream's JSON for a decoded slice: struct field order, omitempty as tagged, sorted maps."""
    out: dict[str, Any] = {"cluster": m["cluster"], "clusterID": m["clusterID"], "namespace": m["namespace"],
                           "name": m["name"]}
    if m["labels"]:
        out["labels"] = {k: m["labels"][k] for k in sorted(m["labels"])}
    if m["annotations"]:
        out["annotations"] = {k: m["annotations"][k] for k in sorted(m["annotations"])}
    out["addressType"] = m["addressType"]
    eps = []
    for ep in m["endpoints"]:
        e: dict[str, Any] = {"addresses": ep["addresses"] or None,
                             "conditions": {k: ep["conditions"][k] for k in ("ready", "serving", "terminating")
                                            if k in ep["conditions"]}}
        if "hostname" in ep:
            e["hostname"] = ep["hostname"]
        if ep.get("deprecatedTopology"):
            e["deprecatedTopology"] = {k: ep["deprecatedTopology"][k] for k in sorted(ep["deprecatedTopology"])}
        for k in ("nodeName", "zone"):
            if k in ep:
                e[k] = ep[k]
        if "hints" in ep:
            e["hints"] = {"forZones": [{"name": z} for z in ep["hints"]]} if ep["hints"] else {}
        eps.append(e)
    out["endpoints"] = eps or None
    out["ports"] = [{k: p[k] for k in ("name", "protocol", "port") if k in p} for p in m["ports"]] or None
    return _go(out)


def validate(m: dict, cluster: str | None = None, cluster_id: int | None = None, key_suffix: str | None = None) -> None:
    """Upstream ``validate()`` plus the remote reader's validators; raises DecodeError."""
    if not m["cluster"]:
        raise DecodeError("cluster is unset")
    if not m["namespace"]:
        raise DecodeError("namespace is unset")
    if not m["name"]:
        raise DecodeError("name is unset")
    if m["addressType"] not in ("IPv4", "IPv6"):
        raise DecodeError("address type is invalid")
    for ep in m["endpoints"]:
        for a in ep["addresses"]:
            try:
                ip = None if "%" in a else ipaddress.ip_address(a)  # no zones; leading zeros rejected
            except ValueError:
                ip = None
            if m["addressType"] == "IPv4" and not isinstance(ip, ipaddress.IPv4Address):
                raise DecodeError(f"invalid IPv4 endpoint address: {a}")
            if m["addressType"] == "IPv6" and not isinstance(ip, ipaddress.IPv6Address):
                raise DecodeError(f"invalid IPv6 endpoint address: {a}")
    if cluster is not None and m["cluster"] != cluster:
        raise DecodeError(f"unexpected cluster name: got {m['cluster']}, expected {cluster}")
    if key_suffix is not None and f"{m['namespace']}/{m['name']}" != key_suffix:
        raise DecodeError(f"namespaced name does not match key: got {m['namespace']}/{m['name']}, expected {key_suffix}")
    if cluster_id is not None and m["clusterID"] != cluster_id:
        raise DecodeError(f"unexpected cluster ID: got {m['clusterID']}, expected {cluster_id}")


def read(key: str, value: bytes) -> str:
    """Decode and validate a stored value against its key; returns the JSON text."""
    rest = key[len(PREFIX):]
    cluster, _, suffix = rest.partition("/")
    m = decode(value)
    validate(m, cluster=cluster, key_suffix=suffix)
    return to_json(m)
