/// `cmtypes.CiliumClusterConfig` at `cilium/cluster-config/<cluster>`
/// (reference/cilium-clustermesh.md §1.6). Defaults reproduce the 1.18 apiserver:
/// `{"id":N,"capabilities":{"syncedCanaries":true,"maxConnectedClusters":255,"serviceExportsEnabled":false}}`.
public struct ClusterConfigValue: Sendable, Equatable {
    /// `id,omitempty`
    public var id: UInt32
    /// `syncedCanaries,omitempty`
    public var syncedCanaries: Bool
    /// `cached,omitempty` (set by KVStoreMesh only)
    public var cached: Bool
    /// `maxConnectedClusters,omitempty` (1.15+)
    public var maxConnectedClusters: UInt32
    /// `*bool,omitempty` (1.17+): nil omits the field. When non-nil the serviceexports canary
    /// must be written or 1.17+ KVStoreMesh never becomes ready.
    public var serviceExportsEnabled: Bool?
    /// `endpointSlicesExportMode,omitempty` (1.20+): `services-and-endpointslices`,
    /// `endpointslices-only`, or `""` (omitted: services only, what older readers see).
    public var endpointSlicesExportMode: String

    public static let exportModeServicesAndEndpointSlices = "services-and-endpointslices"
    public static let exportModeEndpointSlicesOnly = "endpointslices-only"

    public init(
        id: UInt32, syncedCanaries: Bool = true, cached: Bool = false, maxConnectedClusters: UInt32 = 255,
        serviceExportsEnabled: Bool? = false, endpointSlicesExportMode: String = ""
    ) {
        self.endpointSlicesExportMode = endpointSlicesExportMode
        self.id = id
        self.syncedCanaries = syncedCanaries
        self.cached = cached
        self.maxConnectedClusters = maxConnectedClusters
        self.serviceExportsEnabled = serviceExportsEnabled
    }

    public var json: GoJSON {
        var capabilities: [GoJSONField] = []
        if syncedCanaries { capabilities.append(GoJSONField("syncedCanaries", .bool(true))) }
        if cached { capabilities.append(GoJSONField("cached", .bool(true))) }
        if maxConnectedClusters != 0 {
            capabilities.append(GoJSONField("maxConnectedClusters", .uint(UInt64(maxConnectedClusters))))
        }
        if let serviceExportsEnabled {
            capabilities.append(GoJSONField("serviceExportsEnabled", .bool(serviceExportsEnabled)))
        }
        if !endpointSlicesExportMode.isEmpty {
            capabilities.append(GoJSONField("endpointSlicesExportMode", .string(endpointSlicesExportMode)))
        }
        var fields: [GoJSONField] = []
        if id != 0 { fields.append(GoJSONField("id", .uint(UInt64(id)))) }
        fields.append(GoJSONField("capabilities", .object(capabilities)))
        return .object(fields)
    }

    public var jsonBytes: [UInt8] { json.encoded }

    public func jsonValue() -> String { json.text }
}
