/// One line of a watch stream: `{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}`.
public enum KubeWatchEvent: Sendable, Equatable {
    case added(KubeRawObject)
    case modified(KubeRawObject)
    case deleted(KubeRawObject)
    /// Progress notification: only `metadata.resourceVersion` is meaningful.
    case bookmark(resourceVersion: String)
    /// A `Status` object; code 410 means the resourceVersion is too old (relist).
    case error(code: Int, reason: String, message: String)

    /// Parses one event line. Pure.
    public static func parse(_ line: [UInt8]) throws(KubeListError) -> KubeWatchEvent {
        do {
            let root = try KubeJSONScanner.value(line)
            var type: String?
            var object: Range<Int>?
            for (key, value) in try KubeJSONScanner.members(line, root) {
                if key == "type" { type = try KubeJSONScanner.string(line, value) }
                if key == "object" { object = value }
            }
            guard let type, let object else { throw KubeListError.invalidEvent("missing type or object") }
            switch type {
            case "ADDED": return .added(try KubeRawObject.scan(line, object))
            case "MODIFIED": return .modified(try KubeRawObject.scan(line, object))
            case "DELETED": return .deleted(try KubeRawObject.scan(line, object))
            case "BOOKMARK":
                var rv = ""
                if let meta = try KubeJSONScanner.member("metadata", line, object),
                   let v = try KubeJSONScanner.member("resourceVersion", line, meta) {
                    rv = try KubeJSONScanner.string(line, v) ?? ""
                }
                return .bookmark(resourceVersion: rv)
            case "ERROR":
                var code = 0, reason = "", message = ""
                for (key, value) in try KubeJSONScanner.members(line, object) {
                    switch key {
                    case "code": code = KubeJSONScanner.int(line, value) ?? 0
                    case "reason": reason = try KubeJSONScanner.string(line, value) ?? ""
                    case "message": message = try KubeJSONScanner.string(line, value) ?? ""
                    default: break
                    }
                }
                return .error(code: code, reason: reason, message: message)
            default:
                throw KubeListError.invalidEvent("unknown type \(type.prefix(64))")
            }
        } catch let error as KubeJSONError {
            throw .json(error)
        } catch let error as KubeListError {
            throw error
        } catch {
            throw .invalidEvent("unexpected")
        }
    }
}
