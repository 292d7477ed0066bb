import HPACK

/// One item an application queued on a stream, emitted in order.
enum StreamOutput: Sendable {
    case headers([HeaderField], endStream: Bool)
    case data([UInt8], endStream: Bool)
}

/// FIFO with O(1) amortised push and pop (array plus head index).
struct FIFO<Element: Sendable>: Sendable {
    private var storage: [Element] = []
    private var head = 0

    var isEmpty: Bool { head == storage.count }
    var count: Int { storage.count - head }
    var first: Element? { isEmpty ? nil : storage[head] }

    mutating func append(_ element: Element) {
        storage.append(element)
    }

    mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: storage.capacity <= 64)
            head = 0
        } else if head >= 64, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    mutating func removeAll() {
        storage.removeAll()
        head = 0
    }
}

/// A set of stream ids that remembers only the most recent `capacity` insertions.
struct RecentStreamIDs: Sendable {
    let capacity: Int
    private var members: Set<UInt32> = []
    private var order = FIFO<UInt32>()

    init(capacity: Int) {
        self.capacity = capacity
    }

    func contains(_ id: UInt32) -> Bool { members.contains(id) }

    mutating func insert(_ id: UInt32) {
        guard members.insert(id).inserted else { return }
        order.append(id)
        if order.count > capacity, let oldest = order.popFirst() {
            members.remove(oldest)
        }
    }
}
