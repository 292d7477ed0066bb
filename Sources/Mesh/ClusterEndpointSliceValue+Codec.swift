import MeshProto
import SwiftProtobuf

/// Why a stored endpoint slice value was refused. The `invalid` texts are upstream's
/// (`endpointslice.go` `validate` and the validators), so logs read the same.
public enum ClusterEndpointSliceError: Error, Equatable, Sendable, CustomStringConvertible {
    case zstd(ZstdError)
    case protobuf(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .zstd(let e): e.description
        case .protobuf(let reason): "invalid ClusterEndpointSlice protobuf: \(reason)"
        case .invalid(let reason): reason
        }
    }
}

extension ClusterEndpointSliceValue {
    /// The protobuf bytes (before compression), encoded as gogo's generated `Marshal` does:
    /// ascending field numbers, map entries sorted by key, non-pointer fields (`cluster`,
    /// `clusterID`, `namespace`, `name`, `addressType`, each endpoint's `conditions`, each zone's
    /// `name`) always present, nil pointers absent. Equal values give equal bytes, so an
    /// unchanged slice is never rewritten.
    public var protobufBytes: [UInt8] {
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        // Cannot fail: proto2 without required fields, well under the 2 GiB limit.
        return (try? message.serializedBytes(options: options)) ?? []
    }

    /// The stored value: one zstd frame holding `protobufBytes`.
    public func encoded() throws(ZstdError) -> [UInt8] {
        try Zstd.compress(protobufBytes)
    }

    /// Decompresses (bounded by `maxDecodedBytes`, upstream's 16 MiB) and decodes a stored value,
    /// then applies upstream's `validate()`: cluster, namespace and name set; address type `IPv4`
    /// or `IPv6` (FQDN refused); every address of that family (`netip.ParseAddr`, IPv6 without zone).
    public static func decode(
        _ value: [UInt8], maxDecodedBytes: Int = Zstd.defaultMaxDecodedBytes
    ) throws(ClusterEndpointSliceError) -> ClusterEndpointSliceValue {
        let bytes: [UInt8]
        do {
            bytes = try Zstd.decompress(value, maxBytes: maxDecodedBytes)
        } catch {
            throw .zstd(error)
        }
        let decoded = try fromProtobuf(bytes)
        try decoded.validate()
        return decoded
    }

    /// Parses protobuf bytes (no decompression, no validation).
    public static func fromProtobuf(_ bytes: [UInt8]) throws(ClusterEndpointSliceError) -> ClusterEndpointSliceValue {
        let message: CiliumMesh_ClusterEndpointSlice
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 16
            message = try CiliumMesh_ClusterEndpointSlice(serializedBytes: bytes, options: options)
        } catch {
            throw .protobuf(String(describing: error))
        }
        return ClusterEndpointSliceValue(message)
    }

    /// Upstream `(*ClusterEndpointSlice).validate()`.
    public func validate() throws(ClusterEndpointSliceError) {
        if cluster.isEmpty { throw .invalid("cluster is unset") }
        if namespace.isEmpty { throw .invalid("namespace is unset") }
        if name.isEmpty { throw .invalid("name is unset") }
        guard addressType == "IPv4" || addressType == "IPv6" else { throw .invalid("address type is invalid") }
        for endpoint in endpoints {
            for address in endpoint.addresses {
                if addressType == "IPv4" {
                    guard Self.isPlainAddress(address, v6: false) else {
                        throw .invalid("invalid IPv4 endpoint address: \(address)")
                    }
                } else {
                    guard Self.isPlainAddress(address, v6: true) else {
                        throw .invalid("invalid IPv6 endpoint address: \(address)")
                    }
                }
            }
        }
    }

    /// What a remote reader checks on top of `validate()` (`ClusterNameValidator`,
    /// `NamespacedNameValidator`, `ClusterIDValidator`): `keySuffix` is the key below
    /// `cilium/state/endpointslices/v1/<cluster>/`, i.e. `<namespace>/<name>`.
    public func validate(
        cluster expectedCluster: String, clusterID expectedID: UInt32, keySuffix: String
    ) throws(ClusterEndpointSliceError) {
        try validate()
        if cluster != expectedCluster {
            throw .invalid("unexpected cluster name: got \(cluster), expected \(expectedCluster)")
        }
        if "\(namespace)/\(name)" != keySuffix {
            throw .invalid("namespaced name does not match key: got \(namespace)/\(name), expected \(keySuffix)")
        }
        if clusterID != expectedID {
            throw .invalid("unexpected cluster ID: got \(clusterID), expected \(expectedID)")
        }
    }

    /// Go `netip.ParseAddr(s)` succeeding with `Is4()` (v6 false) or `Is6() && Zone() == ""`.
    /// An IPv4-mapped IPv6 address is `Is6`, not `Is4`.
    static func isPlainAddress(_ text: String, v6: Bool) -> Bool {
        guard !text.contains("%") else { return false }
        guard text.contains(":") == v6 else { return false }
        return GoIP(text) != nil
    }

    // MARK: - Protobuf mapping

    var message: CiliumMesh_ClusterEndpointSlice {
        var m = CiliumMesh_ClusterEndpointSlice()
        m.cluster = cluster
        m.clusterID = clusterID
        m.namespace = namespace
        m.name = name
        m.labels = labels
        m.annotations = annotations
        m.addressType = addressType
        m.endpoints = endpoints.map { e in
            var out = SlimDiscoveryV1_Endpoint()
            out.addresses = e.addresses
            var conditions = SlimDiscoveryV1_EndpointConditions()
            if let v = e.conditions.ready { conditions.ready = v }
            if let v = e.conditions.serving { conditions.serving = v }
            if let v = e.conditions.terminating { conditions.terminating = v }
            out.conditions = conditions
            if let v = e.hostname { out.hostname = v }
            out.deprecatedTopology = e.deprecatedTopology
            if let v = e.nodeName { out.nodeName = v }
            if let v = e.zone { out.zone = v }
            if let zones = e.forZones {
                var hints = SlimDiscoveryV1_EndpointHints()
                hints.forZones = zones.map { name in
                    var zone = SlimDiscoveryV1_ForZone()
                    zone.name = name
                    return zone
                }
                out.hints = hints
            }
            return out
        }
        m.ports = ports.map { p in
            var out = SlimDiscoveryV1_EndpointPort()
            if let v = p.name { out.name = v }
            if let v = p.protocol { out.protocol = v }
            if let v = p.port { out.port = v }
            return out
        }
        return m
    }

    init(_ m: CiliumMesh_ClusterEndpointSlice) {
        self.init(
            cluster: m.cluster, clusterID: m.clusterID, namespace: m.namespace, name: m.name, labels: m.labels,
            annotations: m.annotations, addressType: m.addressType,
            endpoints: m.endpoints.map { e in
                Endpoint(
                    addresses: e.addresses,
                    conditions: Conditions(
                        ready: e.conditions.hasReady ? e.conditions.ready : nil,
                        serving: e.conditions.hasServing ? e.conditions.serving : nil,
                        terminating: e.conditions.hasTerminating ? e.conditions.terminating : nil),
                    hostname: e.hasHostname ? e.hostname : nil, deprecatedTopology: e.deprecatedTopology,
                    nodeName: e.hasNodeName ? e.nodeName : nil, zone: e.hasZone ? e.zone : nil,
                    forZones: e.hasHints ? e.hints.forZones.map(\.name) : nil)
            },
            ports: m.ports.map { p in
                Port(name: p.hasName ? p.name : nil, protocol: p.hasProtocol ? p.protocol : nil, port: p.hasPort ? p.port : nil)
            })
    }
}
