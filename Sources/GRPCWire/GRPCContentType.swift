/// gRPC `content-type` recognition (grpc-go `grpcutil.ContentSubtype`).
public struct GRPCContentType {
    /// The base media type, case-sensitive as in grpc-go.
    public static let base = "application/grpc"

    /// `application/grpc` followed by end of string, `+` or `;`.
    public static func isGRPC(_ contentType: String) -> Bool {
        subtype(contentType) != nil
    }

    /// The lowercased subtype after `+` or `;` (`""` for plain `application/grpc`),
    /// or `nil` when the content type is not gRPC.
    public static func subtype(_ contentType: String) -> String? {
        let bytes = contentType.utf8
        let baseBytes = base.utf8
        guard bytes.starts(with: baseBytes) else { return nil }
        let rest = bytes.dropFirst(baseBytes.count)
        guard let first = rest.first else { return "" }
        guard first == UInt8(ascii: "+") || first == UInt8(ascii: ";") else { return nil }
        return String(decoding: rest.dropFirst(), as: UTF8.self).lowercased()
    }
}
