import Mesh

/// Decides whether a remote entry may be cached: the checks Cilium's readers apply when they
/// decode the cache (unmarshal + validators, reference/cilium-clustermesh.md §1.2–§1.5, §1.9),
/// plus isolation: nothing that names another cluster or identity range gets through.
///
/// Per kind (`pkg/node/store`, `pkg/clustermesh/store`, `pkg/clustermesh/mcsapi/types`,
/// `pkg/identity/cache/allocator.go`, `pkg/ipcache/kvstore.go`):
/// * nodes: `nodeTypes.Node` decodes; `Cluster` and `Name` set; `Cluster` == remote,
///   `Name` == key, `ClusterID` == remote ID;
/// * services: `ClusterService` decodes; cluster/namespace/name set; frontend and backend keys
///   are IPs without zone; `cluster` == remote, `namespace/name` == key, `clusterID` == remote ID;
/// * service exports: `MCSAPIServiceSpec` decodes; cluster/namespace/name and a non-zero
///   `exportCreationTimestamp` set; `type` ClusterSetIP|Headless; `sessionAffinity`
///   ClientIP|None; `cluster` == remote, `namespace/name` == key;
/// * identities: the key is a decimal ID inside the remote's range; the labels contain
///   `k8s:io.cilium.k8s.policy.cluster=<remote>` (and no such label with another source/value);
/// * endpoints: `IPIdentityPair` decodes; `PrefixString()` == key; `ID` inside the remote's
///   range or reserved (< 256);
/// * endpoint slices: the zstd-compressed protobuf `ClusterEndpointSlice` decodes and validates
///   (`Mesh.ClusterEndpointSliceValue.decode`); `cluster` == remote, `namespace/name` == key,
///   `clusterID` == remote ID.
public struct EntryValidator: Sendable {
    public let remote: String
    public let clusterID: UInt32
    public let identityRange: ClosedRange<UInt32>?
    public let maxValueBytes: Int

    public init(remote: String, clusterID: UInt32, maxConnectedClusters: UInt32, maxValueBytes: Int) {
        self.remote = remote
        self.clusterID = clusterID
        self.identityRange = KeyPaths.identityRange(clusterID: clusterID, maxConnectedClusters: maxConnectedClusters)
        self.maxValueBytes = maxValueBytes
    }

    /// Checks an upsert of `value` at `name` (the key after the watch prefix and its `/`).
    public func check(_ kind: ReflectorKind, name: String, value: [UInt8]) -> EntryRejection? {
        guard value.count <= maxValueBytes else {
            return EntryRejection(.limit, "value of \(value.count) bytes exceeds \(maxValueBytes)")
        }
        if kind == .identities { return checkIdentity(name: name, value: value) }
        if kind == .endpointSlices { return checkEndpointSlice(name: name, value: value) }
        let json: JSONValue
        do {
            json = try JSONParser.parse(value)
        } catch {
            return EntryRejection(.invalidValue, "\(error)")
        }
        do throws(GoShapeError) {
            try Self.shape(kind).check(json)
        } catch {
            return EntryRejection(.invalidValue, error.description)
        }
        switch kind {
        case .nodes: return checkNode(name: name, json)
        case .services: return checkService(name: name, json)
        case .serviceExports: return checkServiceExport(name: name, json)
        case .endpoints: return checkEndpoint(name: name, json)
        case .identities, .endpointSlices: return nil
        }
    }

    /// `ClusterEndpointSlice.Unmarshal` (zstd, protobuf, `validate`) and the reader's validators.
    private func checkEndpointSlice(name: String, value: [UInt8]) -> EntryRejection? {
        let slice: ClusterEndpointSliceValue
        do {
            slice = try ClusterEndpointSliceValue.decode(value)
        } catch {
            return EntryRejection(.invalidValue, error.description)
        }
        if slice.cluster != remote {
            return EntryRejection(.foreignCluster, "unexpected cluster name: got \(slice.cluster), expected \(remote)")
        }
        if "\(slice.namespace)/\(slice.name)" != name {
            return EntryRejection(.invalidValue, "namespaced name does not match key: got \(slice.namespace)/\(slice.name), expected \(name)")
        }
        if slice.clusterID != clusterID {
            return EntryRejection(.foreignCluster, "unexpected cluster ID: got \(slice.clusterID), expected \(clusterID)")
        }
        return nil
    }

    private func checkNode(name: String, _ v: JSONValue) -> EntryRejection? {
        let cluster = Self.string(v, "Cluster"), nodeName = Self.string(v, "Name")
        if cluster.isEmpty { return EntryRejection(.invalidValue, "cluster is unset") }
        if nodeName.isEmpty { return EntryRejection(.invalidValue, "name is unset") }
        if cluster != remote { return EntryRejection(.foreignCluster, "unexpected cluster name: got \(cluster), expected \(remote)") }
        if nodeName != name { return EntryRejection(.invalidValue, "name does not match key: got \(nodeName), expected \(name)") }
        let id = Self.uint(v, "ClusterID")
        if id != UInt64(clusterID) { return EntryRejection(.foreignCluster, "unexpected cluster ID: got \(id), expected \(clusterID)") }
        return nil
    }

    private func checkService(name: String, _ v: JSONValue) -> EntryRejection? {
        let cluster = Self.string(v, "cluster"), namespace = Self.string(v, "namespace"), svc = Self.string(v, "name")
        if cluster.isEmpty { return EntryRejection(.invalidValue, "cluster is unset") }
        if namespace.isEmpty { return EntryRejection(.invalidValue, "namespace is unset") }
        if svc.isEmpty { return EntryRejection(.invalidValue, "name is unset") }
        for field in ["frontends", "backends"] {
            if case .object(let members)? = v.member(field) {
                for m in members where GoIP(m.name) == nil {
                    return EntryRejection(.invalidValue, "ParseAddr(\"\(m.name)\"): not an IP address (\(field))")
                }
            }
        }
        if cluster != remote { return EntryRejection(.foreignCluster, "unexpected cluster name: got \(cluster), expected \(remote)") }
        if "\(namespace)/\(svc)" != name {
            return EntryRejection(.invalidValue, "namespaced name does not match key: got \(namespace)/\(svc), expected \(name)")
        }
        let id = Self.uint(v, "clusterID")
        if id != UInt64(clusterID) { return EntryRejection(.foreignCluster, "unexpected cluster ID: got \(id), expected \(clusterID)") }
        return nil
    }

    private func checkServiceExport(name: String, _ v: JSONValue) -> EntryRejection? {
        let cluster = Self.string(v, "cluster"), namespace = Self.string(v, "namespace"), svc = Self.string(v, "name")
        if cluster.isEmpty { return EntryRejection(.invalidValue, "cluster is unset") }
        if namespace.isEmpty { return EntryRejection(.invalidValue, "namespace is unset") }
        if svc.isEmpty { return EntryRejection(.invalidValue, "name is unset") }
        let created = GoTime.parseRFC3339(Self.string(v, "exportCreationTimestamp"))
        if created == nil || created == Self.goZeroTime { return EntryRejection(.invalidValue, "exportCreationTimestamp is unset") }
        let type = Self.string(v, "type")
        if type != "ClusterSetIP" && type != "Headless" { return EntryRejection(.invalidValue, "type is unknown: \(type)") }
        let affinity = Self.string(v, "sessionAffinity")
        if affinity != "ClientIP" && affinity != "None" { return EntryRejection(.invalidValue, "session affinity is unknown: \(affinity)") }
        if cluster != remote { return EntryRejection(.foreignCluster, "unexpected cluster name: got \(cluster), expected \(remote)") }
        if "\(namespace)/\(svc)" != name {
            return EntryRejection(.invalidValue, "namespaced name does not match key: got \(namespace)/\(svc), expected \(name)")
        }
        return nil
    }

    private func checkEndpoint(name: String, _ v: JSONValue) -> EntryRejection? {
        let prefix = Self.prefixString(ip: Self.string(v, "IP"), mask: Self.string(v, "Mask"))
        if prefix != name { return EntryRejection(.invalidValue, "IP address does not match key: expected \(name), got \(prefix)") }
        let id = Self.uint(v, "ID")
        if id >= 256, !(identityRange.map { id >= UInt64($0.lowerBound) && id <= UInt64($0.upperBound) } ?? false) {
            return EntryRejection(.identityOutOfRange, "ID \(id) does not belong to the allocation range of cluster ID \(clusterID)")
        }
        return nil
    }

    private func checkIdentity(name: String, value: [UInt8]) -> EntryRejection? {
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let id = UInt64(name) else {
            return EntryRejection(.invalidValue, "identity key \(name) is not a numeric ID")
        }
        guard let range = identityRange, id >= UInt64(range.lowerBound), id <= UInt64(range.upperBound) else {
            return EntryRejection(.identityOutOfRange, "ID \(id) does not belong to the allocation range of cluster ID \(clusterID)")
        }
        var found = false
        for label in String(decoding: value, as: UTF8.self).split(separator: ";", omittingEmptySubsequences: true) {
            let (source, key, labelValue) = Self.parseLabel(label)
            guard key == "io.cilium.k8s.policy.cluster" else { continue }
            if source != "k8s" {
                return EntryRejection(.invalidValue, "unexpected source for cluster label: got \(source), expected k8s")
            }
            if labelValue != remote {
                return EntryRejection(.foreignCluster, "unexpected cluster name: got \(labelValue), expected \(remote)")
            }
            found = true
        }
        return found ? nil : EntryRejection(.invalidValue, "could not find expected label io.cilium.k8s.policy.cluster")
    }

    /// `labels.ParseLabel`: `source:key=value`; the source ends at the first `:` before any `=`.
    static func parseLabel(_ text: Substring) -> (source: String, key: String, value: String) {
        var rest = text
        var source = "unspec"
        if let colon = rest.firstIndex(of: ":"), rest.firstIndex(of: "=").map({ colon < $0 }) ?? true {
            source = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
        }
        if let eq = rest.firstIndex(of: "=") {
            return (source, String(rest[..<eq]), String(rest[rest.index(after: eq)...]))
        }
        return (source, String(rest), "")
    }

    /// `IPIdentityPair.PrefixString()`: `IP.String()`, plus `/<ones>` when a mask is set
    /// (`net.IPMask.Size()`, 0 for a non-canonical mask); `<nil>` for a missing IP.
    static func prefixString(ip: String, mask: String) -> String {
        guard !ip.isEmpty, let parsed = GoIP(ip) else { return "<nil>" }
        var out = parsed.description
        if !mask.isEmpty, let bytes = GoShape.decodeBase64(mask) {
            var ones = 0
            var canonical = true
            var seenZero = false
            for b in bytes {
                for bit in (0..<8).reversed() {
                    if b >> bit & 1 == 1 {
                        if seenZero { canonical = false }
                        ones += 1
                    } else {
                        seenZero = true
                    }
                }
            }
            out += "/\(canonical ? ones : 0)"
        }
        return out
    }

    /// Go's zero `time.Time` (0001-01-01T00:00:00Z) in seconds since the Unix epoch.
    static let goZeroTime: Int64 = -62_135_596_800

    static func string(_ v: JSONValue, _ field: String) -> String {
        if case .string(let s)? = v.member(field) { return s }
        return ""
    }

    static func uint(_ v: JSONValue, _ field: String) -> UInt64 {
        if case .number(let n)? = v.member(field) { return UInt64(n) ?? 0 }
        return 0
    }

    static func shape(_ kind: ReflectorKind) -> GoShape {
        switch kind {
        case .nodes: return nodeShape
        case .services: return serviceShape
        case .serviceExports: return serviceExportShape
        case .endpoints: return ipIdentityPairShape
        case .identities, .endpointSlices: return .any
        }
    }

    static let cidrShape = GoShape.structure(["IP": .ip, "Mask": .bytes])
    static let stringMap = GoShape.map(.string)

    /// `nodeTypes.Node` (Go field names, no tags).
    static let nodeShape = GoShape.structure([
        "Name": .string, "Cluster": .string,
        "IPAddresses": .slice(.structure(["Type": .string, "IP": .ip])),
        "IPv4AllocCIDR": cidrShape, "IPv6AllocCIDR": cidrShape,
        "IPv4SecondaryAllocCIDRs": .slice(cidrShape), "IPv6SecondaryAllocCIDRs": .slice(cidrShape),
        "IPv4HealthIP": .ip, "IPv6HealthIP": .ip, "IPv4IngressIP": .ip, "IPv6IngressIP": .ip,
        "ClusterID": .uint(bits: 32), "Source": .string, "EncryptionKey": .uint(bits: 8),
        "Labels": stringMap, "Annotations": stringMap, "NodeIdentity": .uint(bits: 32),
        "WireguardPubKey": .string, "BootID": .string,
    ])

    static let portConfiguration = GoShape.map(.structure(["Protocol": .string, "Port": .uint(bits: 16)]))

    /// `ClusterService`.
    static let serviceShape = GoShape.structure([
        "cluster": .string, "namespace": .string, "name": .string,
        "frontends": .map(portConfiguration), "backends": .map(portConfiguration),
        "hostnames": stringMap,
        "zones": .map(.structure(["zone": .string, "forZones": .slice(.structure(["name": .string]))])),
        "labels": stringMap, "selector": stringMap,
        "includeExternal": .bool, "shared": .bool, "clusterID": .uint(bits: 32),
    ])

    /// `MCSAPIServiceSpec`.
    static let serviceExportShape = GoShape.structure([
        "cluster": .string, "name": .string, "namespace": .string,
        "Annotations": stringMap, "Labels": stringMap,
        "exportCreationTimestamp": .time,
        "ports": .slice(.structure(["name": .string, "protocol": .string, "appProtocol": .string, "port": .int(bits: 32)])),
        "type": .string, "sessionAffinity": .string,
        "sessionAffinityConfig": .structure(["clientIP": .structure(["timeoutSeconds": .int(bits: 32)])]),
    ])

    /// `identity.IPIdentityPair`.
    static let ipIdentityPairShape = GoShape.structure([
        "IP": .ip, "Mask": .bytes, "HostIP": .ip, "ID": .uint(bits: 32), "Key": .uint(bits: 8),
        "Metadata": .string, "K8sNamespace": .string, "K8sPodName": .string,
        "NamedPorts": .slice(.structure(["Name": .string, "Port": .uint(bits: 16), "Protocol": .string])),
    ])
}
