import Mesh

/// Why a YAML/JSON manifest could not be turned into `KubeObject`s.
public enum KubeManifestError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input is not valid UTF-8.
    case invalidUTF8
    /// YAML syntax error: the first line of the parser's message (position included).
    case syntax(String)
    /// The input, or one document converted to JSON, exceeds the limit.
    case tooLarge(size: Int, limit: Int)
    /// Nesting deeper than the limit.
    case tooDeep(limit: Int)
    /// A mapping key that is not a scalar (JSON keys are strings).
    case nonScalarKey(document: Int)
    /// A top-level document (1-based) that is neither a mapping, a sequence of mappings, nor empty.
    case notAnObject(document: Int)
    /// Document `document` (1-based) converted to JSON but did not fit the model.
    case decode(document: Int, KubeDecodeError)

    public var description: String {
        switch self {
        case .invalidUTF8: "input is not valid UTF-8"
        case .syntax(let message): "YAML syntax error: \(message)"
        case .tooLarge(let size, let limit): "document too large (\(size) bytes, limit \(limit))"
        case .tooDeep(let limit): "nesting deeper than \(limit) levels"
        case .nonScalarKey(let document): "document \(document): mapping key is not a scalar"
        case .notAnObject(let document): "document \(document) is not a Kubernetes object or list"
        case .decode(let document, let error): "document \(document): \(error)"
        }
    }
}
