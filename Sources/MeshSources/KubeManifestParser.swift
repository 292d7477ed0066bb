import Mesh
import Yams

/// Turns manifest text into `KubeObject`s: a JSON document, or a YAML stream of one or more
/// `---`-separated documents, each a Kubernetes object, a typed or generic `List`
/// (`kubectl get … -o yaml|json`), or a bare sequence of objects. Objects of kinds the mirror
/// does not consume are skipped; empty documents are ignored. Pure: bytes in, objects out.
///
/// YAML goes through Yams' composer and `YAMLJSONWriter` into JSON bytes that
/// `KubeObject.decodeAll` decodes, so both formats share one model decoder.
public enum KubeManifestParser {
    /// Parses a whole file's bytes. Input larger than `maxBytes` is rejected up front; so is any
    /// document whose JSON form exceeds it.
    public static func parse(
        _ bytes: [UInt8], maxBytes: Int = KubeObject.defaultMaxDocumentBytes
    ) throws(KubeManifestError) -> [KubeObject] {
        guard bytes.count <= maxBytes else { throw .tooLarge(size: bytes.count, limit: maxBytes) }
        // JSON fast path: Foundation's decoder is much faster than composing a YAML tree.
        if firstSignificantByte(bytes) == UInt8(ascii: "{") {
            do throws(KubeDecodeError) {
                return try KubeObject.decodeAll(json: bytes, maxBytes: maxBytes)
            } catch .notAnObject {
                // Not strict JSON (e.g. a YAML flow mapping): fall through to YAML.
            } catch {
                throw .decode(document: 1, error)
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
        return try parse(text: text, maxBytes: maxBytes)
    }

    /// Parses YAML (or JSON, a subset of it) text.
    public static func parse(
        text: String, maxBytes: Int = KubeObject.defaultMaxDocumentBytes
    ) throws(KubeManifestError) -> [KubeObject] {
        var objects: [KubeObject] = []
        for (index, json) in try jsonDocuments(text: text, maxBytes: maxBytes).enumerated() {
            do throws(KubeDecodeError) {
                objects += try KubeObject.decodeAll(json: json, maxBytes: maxBytes)
            } catch {
                throw .decode(document: index + 1, error)
            }
        }
        return objects
    }

    /// The JSON form of every object-shaped document in `text` (a top-level sequence
    /// contributes one JSON document per item); empty documents are skipped.
    public static func jsonDocuments(
        text: String, maxBytes: Int = KubeObject.defaultMaxDocumentBytes
    ) throws(KubeManifestError) -> [[UInt8]] {
        guard text.utf8.count <= maxBytes else { throw .tooLarge(size: text.utf8.count, limit: maxBytes) }
        var out: [[UInt8]] = []
        var total = 0
        do {
            // `basic`: no regex resolution; `YAMLJSONWriter` resolves plain scalars itself.
            let parser = try Parser(yaml: text, resolver: .basic)
            var document = 0
            while let root = try parser.nextRoot() {
                document += 1
                let items: [Node]
                switch root {
                case .mapping: items = [root]
                case .sequence(let sequence): items = Array(sequence)
                case .scalar(let scalar) where YAMLJSONWriter.isNull(scalar.string) && scalar.style == .plain: items = []
                default: throw KubeManifestError.notAnObject(document: document)
                }
                for item in items {
                    guard case .mapping = item else { throw KubeManifestError.notAnObject(document: document) }
                    var writer = YAMLJSONWriter(maxBytes: maxBytes, document: document)
                    try writer.write(item)
                    total += writer.output.count
                    guard total <= maxBytes else { throw KubeManifestError.tooLarge(size: total, limit: maxBytes) }
                    out.append(writer.output)
                }
            }
        } catch let error as KubeManifestError {
            throw error
        } catch {
            throw .syntax(firstLine(String(describing: error)))
        }
        return out
    }

    private static func firstSignificantByte(_ bytes: [UInt8]) -> UInt8? {
        var index = 0
        // UTF-8 byte order mark.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            default: return bytes[index]
            }
        }
        return nil
    }

    private static func firstLine(_ text: String, limit: Int = 300) -> String {
        let line = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? text
        return line.count > limit ? String(line.prefix(limit)) + "…" : line
    }
}
