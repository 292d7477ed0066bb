/// Bounds applied by the parsers. Memory held by a parser is the unconsumed input only; bodies
/// are handed out as they arrive, so `maxBodyBytes` limits what a consumer will accumulate.
public struct HTTP1Limits: Sendable, Equatable {
    /// Start line + header fields + final empty line; also bounds chunked trailers.
    public var maxHeadBytes: Int
    public var maxHeaders: Int
    /// Total body bytes per message; nil = unbounded (streaming responses such as watches).
    public var maxBodyBytes: Int?
    /// One chunk-size line including extensions.
    public var maxChunkLineBytes: Int

    public init(maxHeadBytes: Int = 16 * 1024, maxHeaders: Int = 100, maxBodyBytes: Int? = 2 * 1024 * 1024,
                maxChunkLineBytes: Int = 1024) {
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaders = maxHeaders
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineBytes = maxChunkLineBytes
    }
}
