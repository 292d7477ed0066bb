import Foundation

/// The enum-valued request fields of the gateway and their Go type names, to word an unknown
/// enum name as jsonpb does: `unknown value "X" for enum etcdserverpb.RangeRequest_SortOrder`.
enum GatewayEnumNames {
    struct Field {
        var names: [String]
        var goType: String
        var values: Set<String>
    }

    static let fields: [Field] = [
        Field(names: ["sort_order", "sortOrder"], goType: "etcdserverpb.RangeRequest_SortOrder",
              values: ["NONE", "ASCEND", "DESCEND"]),
        Field(names: ["sort_target", "sortTarget"], goType: "etcdserverpb.RangeRequest_SortTarget",
              values: ["KEY", "VERSION", "CREATE", "MOD", "VALUE"]),
        Field(names: ["result"], goType: "etcdserverpb.Compare_CompareResult",
              values: ["EQUAL", "GREATER", "LESS", "NOT_EQUAL"]),
        Field(names: ["target"], goType: "etcdserverpb.Compare_CompareTarget",
              values: ["VERSION", "CREATE", "MOD", "VALUE", "LEASE"]),
        Field(names: ["filters"], goType: "etcdserverpb.WatchCreateRequest_FilterType",
              values: ["NOPUT", "NODELETE"]),
        Field(names: ["action"], goType: "etcdserverpb.AlarmRequest_AlarmAction",
              values: ["GET", "ACTIVATE", "DEACTIVATE"]),
        Field(names: ["alarm"], goType: "etcdserverpb.AlarmType",
              values: ["NONE", "NOSPACE", "CORRUPT"]),
    ]

    /// The message for the first enum field in `json` whose string value is not a known name.
    static func unknownValueMessage(in json: [UInt8]) -> String? {
        let text = String(decoding: json, as: UTF8.self)
        for field in fields {
            for name in field.names {
                let pattern = "\"\(name)\"\\s*:\\s*(\\[[^\\]]*\\]|\"[^\"]*\")"
                guard let re = try? NSRegularExpression(pattern: pattern) else { continue }
                let ns = text as NSString
                for match in re.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                    let value = ns.substring(with: match.range(at: 1))
                    for candidate in quotedStrings(value) where !field.values.contains(candidate) {
                        return "unknown value \"\(candidate)\" for enum \(field.goType)"
                    }
                }
            }
        }
        return nil
    }

    /// Integer request fields (int64/uint64 travel as quoted strings in jsonpb).
    static let integerFields = [
        "limit", "revision", "min_mod_revision", "minModRevision", "max_mod_revision", "maxModRevision",
        "min_create_revision", "minCreateRevision", "max_create_revision", "maxCreateRevision",
        "start_revision", "startRevision", "watch_id", "watchId", "lease", "version",
        "create_revision", "createRevision", "mod_revision", "modRevision", "ID", "TTL", "memberID",
    ]

    /// jsonpb unquotes an integer string and hands it to `encoding/json`, whose error for a
    /// non-number is `invalid character 'x' looking for beginning of value`.
    static func badQuotedIntegerMessage(in json: [UInt8]) -> String? {
        let text = String(decoding: json, as: UTF8.self)
        let ns = text as NSString
        for name in integerFields {
            guard let re = try? NSRegularExpression(pattern: "\"\(name)\"\\s*:\\s*\"([^\"]*)\"") else { continue }
            for match in re.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                let value = ns.substring(with: match.range(at: 1))
                if Int64(value) != nil || UInt64(value) != nil { continue }
                guard let first = value.first else { return "unexpected end of JSON input" }
                if first.isNumber || first == "-" { return "json: cannot unmarshal number \(value) into Go value of type int64" }
                return "invalid character '\(first)' looking for beginning of value"
            }
        }
        return nil
    }

    private static func quotedStrings(_ s: String) -> [String] {
        s.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }
}
