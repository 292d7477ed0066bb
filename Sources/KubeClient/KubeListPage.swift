/// One object from a list page or watch event: its original JSON bytes plus the metadata the
/// list/watch loop needs (identity for deletes, resourceVersion for resuming).
public struct KubeRawObject: Sendable, Equatable {
    public var json: [UInt8]
    public var name: String
    public var namespace: String?
    public var resourceVersion: String?

    public init(json: [UInt8], name: String, namespace: String? = nil, resourceVersion: String? = nil) {
        self.json = json
        self.name = name
        self.namespace = namespace
        self.resourceVersion = resourceVersion
    }

    /// `namespace/name`, or `name` for cluster-scoped objects.
    public var objectKey: String {
        if let namespace, !namespace.isEmpty { return "\(namespace)/\(name)" }
        return name
    }

    /// Reads `metadata.{name,namespace,resourceVersion}` of the object spanning `range`.
    static func scan(_ bytes: [UInt8], _ range: Range<Int>) throws(KubeListError) -> KubeRawObject {
        do {
            guard let meta = try KubeJSONScanner.member("metadata", bytes, range) else { throw KubeListError.missingMetadata }
            var name: String?, namespace: String?, rv: String?
            for (key, value) in try KubeJSONScanner.members(bytes, meta) {
                switch key {
                case "name": name = try KubeJSONScanner.string(bytes, value)
                case "namespace": namespace = try KubeJSONScanner.string(bytes, value)
                case "resourceVersion": rv = try KubeJSONScanner.string(bytes, value)
                default: break
                }
            }
            guard let name, !name.isEmpty else { throw KubeListError.missingMetadata }
            return KubeRawObject(json: Array(bytes[range]), name: name, namespace: namespace, resourceVersion: rv)
        } catch let error as KubeJSONError {
            throw .json(error)
        } catch let error as KubeListError {
            throw error
        } catch {
            throw .missingMetadata
        }
    }
}

/// One page of a LIST response (`{"metadata":{"resourceVersion","continue"},"items":[...]}`).
public struct KubeListPage: Sendable, Equatable {
    public var items: [KubeRawObject]
    public var resourceVersion: String
    /// The token for the next page; nil or empty on the last page.
    public var continueToken: String?

    public init(items: [KubeRawObject], resourceVersion: String, continueToken: String?) {
        self.items = items
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
    }

    /// Parses a list body. Pure.
    public static func parse(_ body: [UInt8]) throws(KubeListError) -> KubeListPage {
        do {
            let root = try KubeJSONScanner.value(body)
            var items: [KubeRawObject] = []
            var rv = "", token: String?
            for (key, value) in try KubeJSONScanner.members(body, root) {
                switch key {
                case "metadata":
                    for (k, v) in try KubeJSONScanner.members(body, value) {
                        if k == "resourceVersion" { rv = try KubeJSONScanner.string(body, v) ?? "" }
                        if k == "continue" { token = try KubeJSONScanner.string(body, v) }
                    }
                case "items":
                    // `null` for an empty list is tolerated.
                    guard body[value.lowerBound] == UInt8(ascii: "[") else { continue }
                    let ranges = try KubeJSONScanner.elements(body, value)
                    items.reserveCapacity(ranges.count)
                    for r in ranges { items.append(try KubeRawObject.scan(body, r)) }
                default:
                    break
                }
            }
            return KubeListPage(items: items, resourceVersion: rv, continueToken: token?.isEmpty == true ? nil : token)
        } catch let error as KubeJSONError {
            throw .json(error)
        } catch let error as KubeListError {
            throw error
        } catch {
            throw .missingMetadata
        }
    }
}

/// Why a list page or watch event could not be understood.
public enum KubeListError: Error, Equatable, Sendable {
    case json(KubeJSONError)
    /// An object without `metadata.name`.
    case missingMetadata
    /// A watch event without `type` or `object`, or with an unknown type.
    case invalidEvent(String)
}
