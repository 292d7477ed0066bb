/// The HPACK static table (RFC 7541 Appendix A), 61 entries, 1-based.
enum StaticTable {
    static let entries: [(name: String, value: String)] = [
        (":authority", ""),
        (":method", "GET"),
        (":method", "POST"),
        (":path", "/"),
        (":path", "/index.html"),
        (":scheme", "http"),
        (":scheme", "https"),
        (":status", "200"),
        (":status", "204"),
        (":status", "206"),
        (":status", "304"),
        (":status", "400"),
        (":status", "404"),
        (":status", "500"),
        ("accept-charset", ""),
        ("accept-encoding", "gzip, deflate"),
        ("accept-language", ""),
        ("accept-ranges", ""),
        ("accept", ""),
        ("access-control-allow-origin", ""),
        ("age", ""),
        ("allow", ""),
        ("authorization", ""),
        ("cache-control", ""),
        ("content-disposition", ""),
        ("content-encoding", ""),
        ("content-language", ""),
        ("content-length", ""),
        ("content-location", ""),
        ("content-range", ""),
        ("content-type", ""),
        ("cookie", ""),
        ("date", ""),
        ("etag", ""),
        ("expect", ""),
        ("expires", ""),
        ("from", ""),
        ("host", ""),
        ("if-match", ""),
        ("if-modified-since", ""),
        ("if-none-match", ""),
        ("if-range", ""),
        ("if-unmodified-since", ""),
        ("last-modified", ""),
        ("link", ""),
        ("location", ""),
        ("max-forwards", ""),
        ("proxy-authenticate", ""),
        ("proxy-authorization", ""),
        ("range", ""),
        ("referer", ""),
        ("refresh", ""),
        ("retry-after", ""),
        ("server", ""),
        ("set-cookie", ""),
        ("strict-transport-security", ""),
        ("transfer-encoding", ""),
        ("user-agent", ""),
        ("vary", ""),
        ("via", ""),
        ("www-authenticate", ""),
    ]

    static var count: Int { entries.count }

    /// Exact (name, value) pair → lowest 1-based index holding it.
    static let fieldIndex: [NameValue: Int] = {
        var map: [NameValue: Int] = [:]
        for (offset, entry) in entries.enumerated() {
            let key = NameValue(name: entry.name, value: entry.value)
            if map[key] == nil { map[key] = offset + 1 }
        }
        return map
    }()

    /// Name → lowest 1-based index carrying that name.
    static let nameIndex: [String: Int] = {
        var map: [String: Int] = [:]
        for (offset, entry) in entries.enumerated() where map[entry.name] == nil {
            map[entry.name] = offset + 1
        }
        return map
    }()
}

/// Hashable (name, value) key used by the encoder's lookups.
struct NameValue: Hashable, Sendable {
    var name: String
    var value: String
}
