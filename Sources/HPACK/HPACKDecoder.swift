/// Decodes HPACK header blocks (RFC 7541) received from one peer.
///
/// One decoder per connection direction: every header block of the connection must be passed
/// in order (including blocks of streams that are then refused or reset), because each can
/// modify the dynamic table.
public struct HPACKDecoder: Sendable {
    private var table: DynamicTable
    /// Upper bound for dynamic table size updates: our SETTINGS_HEADER_TABLE_SIZE.
    private(set) public var maxTableSize: Int
    /// Limit on Σ(name + value + 32) of one decoded header list.
    public var maxHeaderListSize: Int
    /// Set when `setMaxTableSize` lowered the limit below the table's current size: the next
    /// block must then start with a size update (RFC 7541 §4.2).
    private var sizeUpdateRequired = false
    private var scratch: [UInt8] = []

    public init(maxTableSize: Int = 4096, maxHeaderListSize: Int = 64 * 1024) {
        self.maxTableSize = max(0, maxTableSize)
        self.maxHeaderListSize = maxHeaderListSize
        self.table = DynamicTable(maxSize: self.maxTableSize)
    }

    /// Current dynamic table size in octets (RFC 7541 §4.1).
    public var dynamicTableSize: Int { table.size }
    /// Current dynamic table maximum as set by the peer's size updates.
    public var dynamicTableMaxSize: Int { table.maxSize }
    /// Number of dynamic table entries.
    public var dynamicTableCount: Int { table.count }

    /// Dynamic table entry at a 1-based dynamic index (1 = newest), for inspection and tests.
    public func dynamicEntry(at index: Int) -> HeaderField? {
        table.entry(at: index)
    }

    /// Changes the limit for size updates. Call it when the peer has acknowledged a new
    /// SETTINGS_HEADER_TABLE_SIZE; lowering it below the current table size obliges the peer
    /// to start its next block with a size update.
    public mutating func setMaxTableSize(_ size: Int) {
        maxTableSize = max(0, size)
        if table.maxSize > maxTableSize { sizeUpdateRequired = true }
    }

    /// Decodes one complete header block.
    public mutating func decode(_ block: ArraySlice<UInt8>) throws(HPACKError) -> [HeaderField] {
        var fields: [HeaderField] = []
        var listSize = 0
        var index = block.startIndex
        var sawField = false
        while index < block.endIndex {
            let byte = block[index]
            let field: HeaderField
            if byte & 0x80 != 0 {
                // Indexed header field (RFC 7541 §6.1).
                let number = try HPACKInteger.decode(block, at: &index, prefixBits: 7)
                field = try lookup(number)
            } else if byte & 0xC0 == 0x40 {
                // Literal with incremental indexing (§6.2.1).
                field = try literal(block, at: &index, prefixBits: 6, neverIndex: false)
                table.insert(field)
            } else if byte & 0xE0 == 0x20 {
                // Dynamic table size update (§6.3): only at the start of a block (§4.2).
                guard !sawField else { throw .tableSizeUpdateNotAtStart }
                let newSize = try HPACKInteger.decode(block, at: &index, prefixBits: 5)
                guard newSize <= maxTableSize else { throw .tableSizeUpdateTooLarge(newSize) }
                table.setMaxSize(newSize)
                sizeUpdateRequired = false
                continue
            } else {
                // Literal without indexing (0000) or never indexed (0001) (§6.2.2, §6.2.3).
                field = try literal(block, at: &index, prefixBits: 4, neverIndex: byte & 0x10 != 0)
            }
            if !sawField {
                sawField = true
                if sizeUpdateRequired { throw .tableSizeUpdateTooLarge(table.maxSize) }
            }
            listSize += field.hpackSize
            if listSize <= maxHeaderListSize {
                fields.append(field)
            }
        }
        // Checked after the whole block so the dynamic table stays synchronised.
        if listSize > maxHeaderListSize { throw .headerListTooLarge(listSize) }
        return fields
    }

    private func lookup(_ number: Int) throws(HPACKError) -> HeaderField {
        // Index 0 is not used (RFC 7541 §6.1); indices past both tables are errors (§2.3.3).
        if number >= 1, number <= StaticTable.count {
            let entry = StaticTable.entries[number - 1]
            return HeaderField(name: entry.name, value: entry.value)
        }
        guard let entry = table.entry(at: number - StaticTable.count) else {
            throw .invalidIndex(number)
        }
        return entry
    }

    private mutating func literal(
        _ block: ArraySlice<UInt8>, at index: inout Int, prefixBits: Int, neverIndex: Bool
    ) throws(HPACKError) -> HeaderField {
        let nameNumber = try HPACKInteger.decode(block, at: &index, prefixBits: prefixBits)
        let name: String
        if nameNumber == 0 {
            name = try string(block, at: &index)
        } else {
            name = try lookup(nameNumber).name
        }
        let value = try string(block, at: &index)
        return HeaderField(name: name, value: value, neverIndex: neverIndex)
    }

    /// String literal (RFC 7541 §5.2): H flag, 7-bit prefix length, octets.
    private mutating func string(_ block: ArraySlice<UInt8>, at index: inout Int) throws(HPACKError) -> String {
        guard index < block.endIndex else { throw .truncated }
        let huffman = block[index] & 0x80 != 0
        let length = try HPACKInteger.decode(block, at: &index, prefixBits: 7)
        guard length <= block.endIndex - index else { throw .truncated }
        let bytes = block[index..<(index + length)]
        index += length
        guard huffman else { return String(decoding: bytes, as: UTF8.self) }
        scratch.removeAll(keepingCapacity: true)
        try Huffman.decode(bytes, into: &scratch)
        return String(decoding: scratch, as: UTF8.self)
    }
}
