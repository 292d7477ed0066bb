/// One header field as the gRPC layer sees it (HTTP/2 pseudo-headers included). GRPCWire knows
/// no HPACK: the transport converts to and from its own field type.
public struct GRPCHeader: Equatable, Hashable, Sendable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
