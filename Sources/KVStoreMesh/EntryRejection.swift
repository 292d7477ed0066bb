/// Why a remote entry was not cached (counted per remote and kind; logged once per category).
public struct EntryRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Category: String, Sendable, CaseIterable {
        /// The key is outside the prefix the reflector watches, or has no name after it.
        case foreignKey = "key outside the watched prefix"
        /// The key or the value names another cluster (or another cluster ID).
        case foreignCluster = "entry of another cluster"
        /// An identity outside the remote cluster's numeric range.
        case identityOutOfRange = "identity outside the cluster's range"
        /// A value Cilium's reader would reject (bad JSON, wrong shape, failed validation).
        case invalidValue = "value Cilium would reject"
        /// A key or value above the configured size limits, or beyond the per-kind entry limit.
        case limit = "size or count limit"
    }

    public var category: Category
    public var message: String

    public init(_ category: Category, _ message: String) {
        self.category = category
        self.message = message
    }

    public var description: String { "\(category.rawValue): \(message)" }
}
