import Mesh

/// `cmtypes.CiliumClusterConfig` as read from a remote's `cilium/cluster-config/<R>`
/// (reference/cilium-clustermesh.md §1.6).
public struct RemoteClusterConfig: Sendable, Equatable {
    public var id: UInt32
    public var syncedCanaries: Bool
    public var cached: Bool
    public var maxConnectedClusters: UInt32
    /// nil: the field is absent (a ≤ 1.16 remote): the serviceexports reflector is disabled.
    public var serviceExportsEnabled: Bool?
    public var endpointSlicesExportMode: String

    public init(
        id: UInt32, syncedCanaries: Bool = true, cached: Bool = false, maxConnectedClusters: UInt32 = 0,
        serviceExportsEnabled: Bool? = nil, endpointSlicesExportMode: String = ""
    ) {
        self.id = id
        self.syncedCanaries = syncedCanaries
        self.cached = cached
        self.maxConnectedClusters = maxConnectedClusters
        self.serviceExportsEnabled = serviceExportsEnabled
        self.endpointSlicesExportMode = endpointSlicesExportMode
    }

    static let shape = GoShape.structure([
        "id": .uint(bits: 32),
        "capabilities": .structure([
            "syncedCanaries": .bool, "cached": .bool, "maxConnectedClusters": .uint(bits: 32),
            "serviceExportsEnabled": .bool, "endpointSlicesExportMode": .string,
        ]),
    ])

    /// Decodes like `json.Unmarshal` into `CiliumClusterConfig`.
    public static func parse(_ bytes: [UInt8]) throws(GoShapeError) -> RemoteClusterConfig {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw GoShapeError(error.description)
        }
        try shape.check(json)
        guard case .object = json else { throw GoShapeError("json: cannot unmarshal \(json.kindName) into Go value of type types.CiliumClusterConfig") }
        let caps = json.member("capabilities") ?? .null
        func bool(_ name: String) -> Bool? {
            if case .bool(let b)? = caps.member(name) { return b }
            return nil
        }
        func uint(_ v: JSONValue, _ name: String) -> UInt32 {
            if case .number(let n)? = v.member(name) { return UInt32(n) ?? 0 }
            return 0
        }
        var mode = ""
        if case .string(let s)? = caps.member("endpointSlicesExportMode") { mode = s }
        return RemoteClusterConfig(
            id: uint(json, "id"), syncedCanaries: bool("syncedCanaries") ?? false, cached: bool("cached") ?? false,
            maxConnectedClusters: uint(caps, "maxConnectedClusters"), serviceExportsEnabled: bool("serviceExportsEnabled"),
            endpointSlicesExportMode: mode)
    }

    /// `ClusterInfo.ValidateRemoteConfig` (`pkg/clustermesh/types/option.go`): the ID must be in
    /// 1…ClusterIDMax of the local setting, and a local 511 setting requires the remote to match.
    public func validationError(localMaxConnectedClusters: UInt32) -> String? {
        if id == 0 { return "ClusterID 0 is reserved" }
        if !Self.exportModes.contains(endpointSlicesExportMode) {
            return "unknown endpointSlicesExportMode \"\(endpointSlicesExportMode)\""
        }
        if id > localMaxConnectedClusters { return "ClusterID > \(localMaxConnectedClusters) is not supported" }
        if localMaxConnectedClusters != 255 && maxConnectedClusters != localMaxConnectedClusters {
            return "mismatched MaxConnectedClusters; local=\(localMaxConnectedClusters), remote=\(maxConnectedClusters)"
        }
        return nil
    }

    /// What KVStoreMesh republishes locally (`Run` in kvstoremesh/remote_cluster.go): the remote
    /// configuration with `syncedCanaries` and `cached` set.
    public var published: ClusterConfigValue {
        ClusterConfigValue(
            id: id, syncedCanaries: true, cached: true, maxConnectedClusters: maxConnectedClusters,
            serviceExportsEnabled: serviceExportsEnabled, endpointSlicesExportMode: endpointSlicesExportMode)
    }

    /// `""` (services only: what readers see from older peers), and the two 1.20+ modes.
    static let exportModes: Set<String> = [
        "", ClusterConfigValue.exportModeServicesAndEndpointSlices, ClusterConfigValue.exportModeEndpointSlicesOnly,
    ]

    /// Reflectors this remote feeds (`WithEnabledOverride`): service exports only when the remote
    /// advertises the field; services not when it exports endpoint slices only; endpoint slices
    /// only when it exports them.
    public var enabledKinds: Set<ReflectorKind> {
        var kinds = Set(ReflectorKind.allCases)
        if serviceExportsEnabled == nil { kinds.remove(.serviceExports) }
        if endpointSlicesExportMode == ClusterConfigValue.exportModeEndpointSlicesOnly { kinds.remove(.services) }
        if endpointSlicesExportMode.isEmpty { kinds.remove(.endpointSlices) }
        return kinds
    }
}
