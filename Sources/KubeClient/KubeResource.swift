/// A listable/watchable collection of the API: `/api/v1/services` or
/// `/apis/cilium.io/v2/ciliumnodes`, across all namespaces, with an optional label selector.
public struct KubeResource: Sendable, Hashable, CustomStringConvertible {
    /// API group; empty for the core group.
    public var group: String
    public var version: String
    /// Lower-case plural resource name (`ciliumnodes`).
    public var plural: String
    public var labelSelector: String?

    public init(group: String, version: String, plural: String, labelSelector: String? = nil) {
        self.group = group
        self.version = version
        self.plural = plural
        self.labelSelector = labelSelector
    }

    /// The collection path.
    public var path: String {
        group.isEmpty ? "/api/\(version)/\(plural)" : "/apis/\(group)/\(version)/\(plural)"
    }

    /// `plural.group` (`ciliumnodes.cilium.io`), the CRD name for custom resources.
    public var description: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// One LIST page: `?limit=N[&continue=T][&labelSelector=S]`.
    public func listTarget(limit: Int, continueToken: String?) -> String {
        var query = ["limit=\(limit)"]
        if let continueToken { query.append("continue=" + Self.percentEncode(continueToken)) }
        if let labelSelector { query.append("labelSelector=" + Self.percentEncode(labelSelector)) }
        return path + "?" + query.joined(separator: "&")
    }

    /// A WATCH from `resourceVersion` with bookmarks; the server ends it after `timeoutSeconds`.
    public func watchTarget(resourceVersion: String, timeoutSeconds: Int) -> String {
        var query = ["watch=1", "allowWatchBookmarks=true", "timeoutSeconds=\(timeoutSeconds)"]
        if !resourceVersion.isEmpty { query.append("resourceVersion=" + Self.percentEncode(resourceVersion)) }
        if let labelSelector { query.append("labelSelector=" + Self.percentEncode(labelSelector)) }
        return path + "?" + query.joined(separator: "&")
    }

    /// RFC 3986 §2.3: everything but unreserved characters is percent-encoded.
    static func percentEncode(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
            }
        }
        return out
    }
}
