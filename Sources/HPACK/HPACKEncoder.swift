/// Encodes header lists into HPACK header blocks (RFC 7541) for one peer.
///
/// Uses the static table, the dynamic table (incremental indexing, when `useIndexing`) and
/// Huffman coding when it is shorter (when `useHuffman`). The dynamic table never exceeds the
/// peer's SETTINGS_HEADER_TABLE_SIZE nor `HPACKEncoder.maxOwnTableSize`.
public struct HPACKEncoder: Sendable {
    /// Cap on the dynamic table we keep, whatever larger size the peer allows.
    public static let maxOwnTableSize = 4096

    public var useHuffman: Bool
    public var useIndexing: Bool
    private var table: DynamicTable
    /// Pending size change to announce at the start of the next block (RFC 7541 §4.2):
    /// the smallest size in the interval, then the final one.
    private var pendingSizeUpdate: (smallest: Int, final: Int)?

    /// Header names never added to the dynamic table: values change with each message.
    private static let unindexedNames: Set<String> = [
        ":path", "content-length", "date", "etag", "last-modified", "grpc-message",
        "grpc-status-details-bin", "set-cookie", "authorization", "cookie",
    ]

    public init(useHuffman: Bool = true, useIndexing: Bool = true) {
        self.useHuffman = useHuffman
        self.useIndexing = useIndexing
        self.table = DynamicTable(maxSize: Self.maxOwnTableSize, tracksLookups: true)
    }

    /// Current dynamic table size and maximum, for inspection and tests.
    public var dynamicTableSize: Int { table.size }
    public var dynamicTableMaxSize: Int { table.maxSize }

    /// Records the peer's SETTINGS_HEADER_TABLE_SIZE; a change of our table size is signalled
    /// at the start of the next block.
    public mutating func setPeerMaxTableSize(_ size: Int) {
        let target = min(max(size, 0), Self.maxOwnTableSize)
        if var pending = pendingSizeUpdate {
            pending.smallest = min(pending.smallest, target)
            pending.final = target
            pendingSizeUpdate = pending
        } else if target != table.maxSize {
            pendingSizeUpdate = (target, target)
        }
    }

    /// Appends the header block for `headers` to `out`.
    public mutating func encode(_ headers: [HeaderField], into out: inout [UInt8]) {
        if let pending = pendingSizeUpdate {
            pendingSizeUpdate = nil
            if pending.smallest < pending.final {
                HPACKInteger.encode(pending.smallest, prefixBits: 5, firstByteFlags: 0x20, into: &out)
                table.setMaxSize(pending.smallest)
            }
            HPACKInteger.encode(pending.final, prefixBits: 5, firstByteFlags: 0x20, into: &out)
            table.setMaxSize(pending.final)
        }
        for field in headers {
            encodeField(field, into: &out)
        }
    }

    private mutating func encodeField(_ field: HeaderField, into out: inout [UInt8]) {
        if !field.neverIndex {
            if let index = StaticTable.fieldIndex[NameValue(name: field.name, value: field.value)] {
                HPACKInteger.encode(index, prefixBits: 7, firstByteFlags: 0x80, into: &out)
                return
            }
            if let index = table.index(of: field.name, value: field.value) {
                HPACKInteger.encode(index + StaticTable.count, prefixBits: 7, firstByteFlags: 0x80, into: &out)
                return
            }
        }
        let nameIndex = StaticTable.nameIndex[field.name]
            ?? table.index(ofName: field.name).map { $0 + StaticTable.count }
            ?? 0
        let prefixBits: Int
        let flags: UInt8
        var insert = false
        if field.neverIndex {
            (prefixBits, flags) = (4, 0x10)
        } else if useIndexing, field.hpackSize <= table.maxSize * 3 / 4,
            !Self.unindexedNames.contains(field.name)
        {
            (prefixBits, flags) = (6, 0x40)
            insert = true
        } else {
            (prefixBits, flags) = (4, 0x00)
        }
        HPACKInteger.encode(nameIndex, prefixBits: prefixBits, firstByteFlags: flags, into: &out)
        if nameIndex == 0 { encodeString(field.name, into: &out) }
        encodeString(field.value, into: &out)
        if insert { table.insert(field) }
    }

    private func encodeString(_ string: String, into out: inout [UInt8]) {
        let utf8 = string.utf8
        if useHuffman {
            let huffmanLength = Huffman.encodedLength(utf8)
            if huffmanLength < utf8.count {
                HPACKInteger.encode(huffmanLength, prefixBits: 7, firstByteFlags: 0x80, into: &out)
                Huffman.encode(utf8, into: &out)
                return
            }
        }
        HPACKInteger.encode(utf8.count, prefixBits: 7, firstByteFlags: 0x00, into: &out)
        out.append(contentsOf: utf8)
    }
}
