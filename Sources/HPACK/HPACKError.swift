/// Errors raised while decoding an HPACK header block (RFC 7541).
///
/// Every case except `headerListTooLarge` leaves the decoder's dynamic table in an undefined
/// state relative to the peer's encoder: HTTP/2 must answer them with a connection error of type
/// COMPRESSION_ERROR (RFC 9113 §4.3).
public enum HPACKError: Error, Equatable, Sendable {
    /// An indexed representation referred to index 0 or to an index past the dynamic table.
    case invalidIndex(Int)
    /// A prefix integer did not fit in the decoder's integer limit.
    case integerOverflow
    /// The block ended in the middle of a representation.
    case truncated
    /// Huffman data was malformed: EOS symbol, padding longer than 7 bits or not all ones.
    case invalidHuffman
    /// A dynamic table size update exceeded the limit we advertised.
    case tableSizeUpdateTooLarge(Int)
    /// A dynamic table size update appeared after a header field representation.
    case tableSizeUpdateNotAtStart
    /// The decoded header list exceeded the configured limit (value: the size reached).
    /// Thrown only after the whole block was processed, so the dynamic table stays in sync
    /// and the caller may treat it as a per-request (stream) error.
    case headerListTooLarge(Int)
}
