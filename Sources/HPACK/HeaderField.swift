/// One header field (name/value pair) of an HTTP header list.
///
/// `neverIndex` marks sensitive fields: the encoder emits them as "literal never indexed"
/// (RFC 7541 §6.2.3) and the decoder sets it when it received that representation, so an
/// intermediary can preserve it.
public struct HeaderField: Hashable, Sendable {
    public var name: String
    public var value: String
    public var neverIndex: Bool

    public init(name: String, value: String, neverIndex: Bool = false) {
        self.name = name
        self.value = value
        self.neverIndex = neverIndex
    }

    /// Size of the field as accounted by RFC 7541 §4.1 (and RFC 9113 §6.5.2
    /// SETTINGS_MAX_HEADER_LIST_SIZE): name and value octets plus 32.
    public var hpackSize: Int {
        name.utf8.count + value.utf8.count + 32
    }
}
