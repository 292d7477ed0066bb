/// One Cilium label: `source:key=value`.
public struct CiliumLabel: Sendable, Hashable {
    public var source: String
    public var key: String
    public var value: String

    public init(source: String, key: String, value: String) {
        self.source = source
        self.key = key
        self.value = value
    }

    /// Parses `source:key=value` (value optional). The source ends at the first `:`, the key at
    /// the first `=` after it; without a `:` the source is `unspec` (Cilium's default).
    public init(_ text: String) {
        var rest = Substring(text)
        if let colon = rest.firstIndex(of: ":") {
            source = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
        } else {
            source = "unspec"
        }
        if let equals = rest.firstIndex(of: "=") {
            key = String(rest[..<equals])
            value = String(rest[rest.index(after: equals)...])
        } else {
            key = String(rest)
            value = ""
        }
    }
}

/// The security labels of an identity, stored at `cilium/state/identities/v1/id/<id>` as
/// `labels.SortedList()`: `source:key=value;` per label, sorted by key (byte order, source
/// ignored), always ending in `;` (reference/cilium-clustermesh.md §1.4).
public struct IdentityLabels: Sendable, Equatable {
    /// Keyed by label key, like Cilium's `labels.Labels` map (a later duplicate key wins).
    public private(set) var labels: [String: CiliumLabel]

    public init(_ labels: [CiliumLabel]) {
        var map: [String: CiliumLabel] = [:]
        for label in labels { map[label.key] = label }
        self.labels = map
    }

    /// From `source:key=value` strings.
    public init(parsing texts: [String]) {
        self.init(texts.map(CiliumLabel.init))
    }

    /// True when the label `k8s:io.cilium.k8s.policy.cluster=<cluster>` is present (reader rule).
    public func hasClusterLabel(_ cluster: String) -> Bool {
        labels["io.cilium.k8s.policy.cluster"] == CiliumLabel(source: "k8s", key: "io.cilium.k8s.policy.cluster", value: cluster)
    }

    /// The kvstore value.
    public var sortedList: String {
        var out = ""
        for key in labels.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            guard let label = labels[key] else { continue }
            out += "\(label.source):\(label.key)=\(label.value);"
        }
        return out
    }

    public var bytes: [UInt8] { Array(sortedList.utf8) }
}
