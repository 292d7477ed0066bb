/// The HPACK dynamic table (RFC 7541 §2.3.2, §4): a FIFO of header fields where index 1 is the
/// newest entry, bounded by a size measured as Σ(name + value + 32) octets.
///
/// Entries are stored oldest-first in `storage` starting at `head`, so inserting and evicting
/// are O(1) amortised. When `tracksLookups` is set (encoder side) it also keeps maps from
/// field and name to the entry's absolute insertion number for O(1) lookups.
struct DynamicTable: Sendable {
    private var storage: [HeaderField] = []
    private var head = 0
    /// Number of entries ever inserted; entry with absolute number `n` has index
    /// `insertedCount - n` (1-based, newest first).
    private var insertedCount = 0
    private let tracksLookups: Bool
    private var fieldPositions: [NameValue: Int] = [:]
    private var namePositions: [String: Int] = [:]

    /// Current size in octets (RFC 7541 §4.1).
    private(set) var size = 0
    /// Current maximum size; changed only by dynamic table size updates.
    private(set) var maxSize: Int

    init(maxSize: Int, tracksLookups: Bool = false) {
        self.maxSize = maxSize
        self.tracksLookups = tracksLookups
    }

    var count: Int { storage.count - head }

    /// Entry at 1-based dynamic index (1 = most recently inserted), or nil when out of range.
    func entry(at index: Int) -> HeaderField? {
        guard index >= 1, index <= count else { return nil }
        return storage[storage.count - index]
    }

    /// Adds a field, evicting old entries first (RFC 7541 §4.4). A field larger than the
    /// maximum size empties the table and is not inserted.
    mutating func insert(_ field: HeaderField) {
        let entrySize = field.hpackSize
        evict(toFit: maxSize - entrySize)
        guard entrySize <= maxSize else { return }
        var stored = field
        stored.neverIndex = false
        storage.append(stored)
        size += entrySize
        if tracksLookups {
            fieldPositions[NameValue(name: stored.name, value: stored.value)] = insertedCount
            namePositions[stored.name] = insertedCount
        }
        insertedCount += 1
    }

    /// Applies a new maximum size, evicting entries as needed (RFC 7541 §4.3).
    mutating func setMaxSize(_ newValue: Int) {
        maxSize = newValue
        evict(toFit: newValue)
    }

    /// 1-based dynamic index of an exact match, if present.
    func index(of name: String, value: String) -> Int? {
        guard let position = fieldPositions[NameValue(name: name, value: value)] else { return nil }
        return insertedCount - position
    }

    /// 1-based dynamic index of the newest entry with this name, if present.
    func index(ofName name: String) -> Int? {
        guard let position = namePositions[name] else { return nil }
        return insertedCount - position
    }

    private mutating func evict(toFit limit: Int) {
        while size > max(limit, 0), head < storage.count {
            let old = storage[head]
            size -= old.hpackSize
            if tracksLookups {
                let absolute = insertedCount - count
                let key = NameValue(name: old.name, value: old.value)
                if fieldPositions[key] == absolute { fieldPositions[key] = nil }
                if namePositions[old.name] == absolute { namePositions[old.name] = nil }
            }
            head += 1
        }
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 32, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
    }
}
