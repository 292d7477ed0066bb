/// Huffman coding of string literals (RFC 7541 §5.2, code table in Appendix B).
///
/// Decoding walks a precomputed state machine four bits at a time: each state is an internal
/// node of the code tree, and each (state, nibble) entry tells the next state, the symbol
/// completed on the way (a code is at least 5 bits long, so at most one per nibble) and whether
/// the EOS symbol was hit.
enum Huffman {
    /// Number of octets `bytes` occupies once Huffman-encoded.
    static func encodedLength(_ bytes: some Sequence<UInt8>) -> Int {
        var bits = 0
        for byte in bytes {
            bits += Int(HuffmanTable.lengths[Int(byte)])
        }
        return (bits + 7) >> 3
    }

    /// Appends the Huffman encoding of `bytes`, padded with the most significant bits of EOS
    /// (all ones) to an octet boundary.
    static func encode(_ bytes: some Sequence<UInt8>, into out: inout [UInt8]) {
        var accumulator: UInt64 = 0
        var pending = 0
        for byte in bytes {
            let symbol = Int(byte)
            let length = Int(HuffmanTable.lengths[symbol])
            accumulator = (accumulator << UInt64(length)) | UInt64(HuffmanTable.codes[symbol])
            pending += length
            while pending >= 8 {
                pending -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt64(pending)))
            }
        }
        if pending > 0 {
            let shifted = UInt8(truncatingIfNeeded: accumulator << UInt64(8 - pending))
            out.append(shifted | (0xFF >> UInt8(pending)))
        }
    }

    /// Decodes Huffman data, appending the octets to `out`.
    ///
    /// RFC 7541 §5.2: padding longer than 7 bits, padding that is not a prefix of EOS, and an
    /// explicit EOS symbol MUST be treated as decoding errors.
    static func decode(_ bytes: ArraySlice<UInt8>, into out: inout [UInt8]) throws(HPACKError) {
        let machine = DecodingMachine.shared
        var state = 0
        for byte in bytes {
            let high = machine.transitions[state << 4 | Int(byte >> 4)]
            if high & DecodingMachine.failFlag != 0 { throw .invalidHuffman }
            if high & DecodingMachine.emitFlag != 0 { out.append(UInt8(truncatingIfNeeded: high >> 16)) }
            state = Int(high & 0xFF)
            let low = machine.transitions[state << 4 | Int(byte & 0x0F)]
            if low & DecodingMachine.failFlag != 0 { throw .invalidHuffman }
            if low & DecodingMachine.emitFlag != 0 { out.append(UInt8(truncatingIfNeeded: low >> 16)) }
            state = Int(low & 0xFF)
        }
        guard machine.acceptsEnd[state] else { throw .invalidHuffman }
    }
}

/// Nibble-driven Huffman decoding state machine, built once from `HuffmanTable`.
struct DecodingMachine: Sendable {
    static let emitFlag: UInt32 = 0x100
    static let failFlag: UInt32 = 0x200
    static let shared = DecodingMachine()

    /// `transitions[state * 16 + nibble]`: bits 0–7 next state, `emitFlag`, `failFlag`,
    /// bits 16–23 the emitted symbol.
    let transitions: [UInt32]
    /// Whether input may end in this state: the root, or a node reached from the root by at
    /// most 7 one-bits (valid EOS-prefix padding).
    let acceptsEnd: [Bool]

    private init() {
        // Build the code tree. Node 0 is the root; children[2n], children[2n+1] are the
        // 0- and 1-children of node n; symbols[n] is the leaf symbol or -1.
        var children: [Int] = [-1, -1]
        var symbols: [Int] = [-1]
        for symbol in 0...HuffmanTable.eos {
            let code = HuffmanTable.codes[symbol]
            let length = Int(HuffmanTable.lengths[symbol])
            var node = 0
            for bitIndex in stride(from: length - 1, through: 0, by: -1) {
                let bit = Int((code >> UInt32(bitIndex)) & 1)
                if children[2 * node + bit] < 0 {
                    children[2 * node + bit] = symbols.count
                    symbols.append(-1)
                    children.append(contentsOf: [-1, -1])
                }
                node = children[2 * node + bit]
            }
            symbols[node] = symbol
        }
        // Number the internal nodes 0..<256 (root first).
        var internalID = [Int](repeating: -1, count: symbols.count)
        var internalNodes: [Int] = []
        for node in 0..<symbols.count where symbols[node] < 0 {
            internalID[node] = internalNodes.count
            internalNodes.append(node)
        }
        var acceptsEnd = [Bool](repeating: false, count: internalNodes.count)
        var onesNode = 0
        acceptsEnd[0] = true
        for _ in 0..<7 {
            onesNode = children[2 * onesNode + 1]
            acceptsEnd[internalID[onesNode]] = true
        }
        var transitions = [UInt32](repeating: 0, count: internalNodes.count * 16)
        for (id, start) in internalNodes.enumerated() {
            for nibble in 0..<16 {
                var node = start
                var entry: UInt32 = 0
                for bitIndex in stride(from: 3, through: 0, by: -1) {
                    node = children[2 * node + ((nibble >> bitIndex) & 1)]
                    let symbol = symbols[node]
                    if symbol == HuffmanTable.eos {
                        entry |= Self.failFlag
                        node = 0
                        break
                    } else if symbol >= 0 {
                        entry |= Self.emitFlag | UInt32(symbol) << 16
                        node = 0
                    }
                }
                entry |= UInt32(internalID[node])
                transitions[id * 16 + nibble] = entry
            }
        }
        self.transitions = transitions
        self.acceptsEnd = acceptsEnd
    }
}
