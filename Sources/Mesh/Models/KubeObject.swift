#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The Kubernetes kinds the mirror consumes.
public enum KubeKind: String, Sendable, Hashable, CaseIterable {
    /// First: sources that apply every kind at once deliver namespaces before the objects in them.
    case namespace = "Namespace"
    case ciliumNode = "CiliumNode"
    case ciliumIdentity = "CiliumIdentity"
    case ciliumEndpoint = "CiliumEndpoint"
    case ciliumEndpointSlice = "CiliumEndpointSlice"
    case service = "Service"
    case endpointSlice = "EndpointSlice"
    case serviceExport = "ServiceExport"

    /// The object's `kind` field value.
    public var kindName: String { rawValue }
}

/// Why a document could not be turned into `KubeObject`s.
public enum KubeDecodeError: Error, Equatable, Sendable {
    case tooLarge(size: Int, limit: Int)
    case notAnObject
    case missingKind
    /// A kind the mirror does not consume (callers usually skip these).
    case unknownKind(String)
    /// JSON that does not fit the model (type mismatch, missing `metadata.name`, ...).
    case invalid(kind: String, reason: String)
}

/// One decoded Kubernetes object of a kind the mirror consumes.
public enum KubeObject: Sendable, Equatable {
    case ciliumNode(CiliumNode)
    case ciliumIdentity(CiliumIdentity)
    case ciliumEndpoint(CiliumEndpoint)
    case ciliumEndpointSlice(CiliumEndpointSlice)
    case service(KubeService)
    case endpointSlice(KubeEndpointSlice)
    case serviceExport(KubeServiceExport)
    case namespace(KubeNamespace)

    /// Default bound on a document handed to the decoders.
    public static let defaultMaxDocumentBytes = 256 << 20

    public var kind: KubeKind {
        switch self {
        case .ciliumNode: .ciliumNode
        case .ciliumIdentity: .ciliumIdentity
        case .ciliumEndpoint: .ciliumEndpoint
        case .ciliumEndpointSlice: .ciliumEndpointSlice
        case .service: .service
        case .endpointSlice: .endpointSlice
        case .serviceExport: .serviceExport
        case .namespace: .namespace
        }
    }

    public var metadata: KubeObjectMeta {
        switch self {
        case .ciliumNode(let o): o.metadata
        case .ciliumIdentity(let o): o.metadata
        case .ciliumEndpoint(let o): o.metadata
        case .ciliumEndpointSlice(let o): o.metadata
        case .service(let o): o.metadata
        case .endpointSlice(let o): o.metadata
        case .serviceExport(let o): o.metadata
        case .namespace(let o): o.metadata
        }
    }

    /// `namespace/name` (or `name`), the identity the mirror tracks the object by.
    public var objectKey: String { metadata.objectKey }

    /// Decodes one object whose `kind` field selects the model.
    public static func decode(json: [UInt8], maxBytes: Int = defaultMaxDocumentBytes) throws(KubeDecodeError) -> KubeObject {
        guard json.count <= maxBytes else { throw .tooLarge(size: json.count, limit: maxBytes) }
        let header: KindHeader
        do {
            header = try JSONDecoder().decode(KindHeader.self, from: Data(json))
        } catch {
            throw .notAnObject
        }
        guard let kindName = header.kind else { throw .missingKind }
        guard let kind = KubeKind(rawValue: kindName) else { throw .unknownKind(kindName) }
        return try decode(kind: kind, json: json, maxBytes: maxBytes)
    }

    /// Decodes one object of a known kind (list items from the apiserver carry no `kind`).
    public static func decode(kind: KubeKind, json: [UInt8], maxBytes: Int = defaultMaxDocumentBytes) throws(KubeDecodeError) -> KubeObject {
        guard json.count <= maxBytes else { throw .tooLarge(size: json.count, limit: maxBytes) }
        let data = Data(json)
        do {
            return try JSONDecoder().decode(Single.self, from: data, configuration: kind).object
        } catch {
            throw .invalid(kind: kind.rawValue, reason: String(describing: error))
        }
    }

    /// Decodes a document that is one object, a typed list (`CiliumNodeList`, items without
    /// `kind`) or a generic `List` of kinded items (`kubectl get -o json`). Items of kinds the
    /// mirror does not consume are skipped; malformed items throw.
    public static func decodeAll(json: [UInt8], maxBytes: Int = defaultMaxDocumentBytes) throws(KubeDecodeError) -> [KubeObject] {
        guard json.count <= maxBytes else { throw .tooLarge(size: json.count, limit: maxBytes) }
        let data = Data(json)
        let header: KindHeader
        do {
            header = try JSONDecoder().decode(KindHeader.self, from: data)
        } catch {
            throw .notAnObject
        }
        guard let kindName = header.kind else { throw .missingKind }
        guard kindName.hasSuffix("List") else {
            guard let kind = KubeKind(rawValue: kindName) else { return [] }
            return [try decode(kind: kind, json: json, maxBytes: maxBytes)]
        }
        let itemKind = String(kindName.dropLast(4))
        if kindName != "List" && KubeKind(rawValue: itemKind) == nil { return [] }
        let decoder = JSONDecoder()
        decoder.userInfo[itemKindKey] = itemKind
        do {
            let list = try decoder.decode(ListDocument.self, from: data)
            return (list.items ?? []).compactMap(\.object)
        } catch {
            throw .invalid(kind: kindName, reason: String(describing: error))
        }
    }

    private static let itemKindKey = CodingUserInfoKey(rawValue: "mesh.itemKind")!

    static func make(kind: KubeKind, from decoder: any Decoder) throws -> KubeObject {
        switch kind {
        case .ciliumNode: .ciliumNode(try CiliumNode(from: decoder))
        case .ciliumIdentity: .ciliumIdentity(try CiliumIdentity(from: decoder))
        case .ciliumEndpoint: .ciliumEndpoint(try CiliumEndpoint(from: decoder))
        case .ciliumEndpointSlice: .ciliumEndpointSlice(try CiliumEndpointSlice(from: decoder))
        case .service: .service(try KubeService(from: decoder))
        case .endpointSlice: .endpointSlice(try KubeEndpointSlice(from: decoder))
        case .serviceExport: .serviceExport(try KubeServiceExport(from: decoder))
        case .namespace: .namespace(try KubeNamespace(from: decoder))
        }
    }

    private struct Single: DecodableWithConfiguration {
        var object: KubeObject

        init(from decoder: any Decoder, configuration: KubeKind) throws {
            object = try KubeObject.make(kind: configuration, from: decoder)
        }
    }

    private struct KindHeader: Decodable {
        var kind: String?
    }

    private struct ListDocument: Decodable {
        var items: [ListItem]?
    }

    private struct ListItem: Decodable {
        var object: KubeObject?

        init(from decoder: any Decoder) throws {
            let header = try KindHeader(from: decoder)
            let fallback = decoder.userInfo[KubeObject.itemKindKey] as? String
            guard let name = header.kind ?? fallback, let kind = KubeKind(rawValue: name) else {
                object = nil
                return
            }
            object = try KubeObject.make(kind: kind, from: decoder)
        }
    }
}
