extension EtcdClient {
    /// A new Watch stream (one gRPC stream, many watches). Nothing is sent until the first
    /// `watch(_:)`.
    public func watchStream() -> EtcdWatchStream {
        EtcdWatchStream(client: self)
    }
}
