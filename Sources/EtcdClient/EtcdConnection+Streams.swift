import Dispatch
import GRPCWire
import HPACK
import HTTP2

/// A call running on a connection: its gRPC response state.
final class EtcdStream {
    let call: EtcdCall
    var reader: GRPCResponseReader

    init(call: EtcdCall, maxReceiveMessageSize: Int) {
        self.call = call
        self.reader = GRPCResponseReader(maxReceiveMessageSize: maxReceiveMessageSize)
    }
}

extension EtcdConnection {
    // MARK: Calls

    /// Starts `call` as a new stream; false when this connection takes no new streams.
    func start(_ call: EtcdCall) -> Bool {
        guard isReady else { return false }
        var timeout: Int64?
        if let deadline = call.deadline {
            let now = DispatchTime.now().uptimeNanoseconds
            timeout = Int64(clamping: deadline.uptimeNanoseconds > now ? deadline.uptimeNanoseconds - now : 0)
        }
        let head = GRPCRequestHead(path: call.path, authority: endpoint.authority, scheme: tls == nil ? "http" : "https",
                                   userAgent: configuration.userAgent, timeoutNanoseconds: timeout,
                                   metadata: call.metadata)
        let id: UInt32
        do {
            id = try h2.openStream(headers: head.fields.map { HeaderField(name: $0.name, value: $0.value) },
                                   endStream: false, manualFlowControl: call.streaming)
        } catch {
            return false
        }
        streams[id] = EtcdStream(call: call, maxReceiveMessageSize: configuration.maxReceiveMessageSize)
        call.connection = self
        call.streamID = id
        for (index, message) in call.outgoing.enumerated() {
            let last = index == call.outgoing.count - 1
            h2.sendData(streamID: id, bytes: message, endStream: last && call.requestEnded)
        }
        if call.outgoing.isEmpty && call.requestEnded {
            h2.sendData(streamID: id, bytes: [], endStream: true)
        }
        armKeepalive()
        flush()
        return true
    }

    /// Sends one more framed message on a streaming call.
    func send(_ framed: [UInt8], on streamID: UInt32, endStream: Bool) {
        guard phase == .ready || goingAway, streams[streamID] != nil else { return }
        h2.sendData(streamID: streamID, bytes: framed, endStream: endStream)
        flush()
    }

    /// Resets a call's stream (CANCEL) and forgets it; the caller ends the call.
    func cancel(streamID: UInt32) {
        guard streams.removeValue(forKey: streamID) != nil else { return }
        h2.resetStream(streamID: streamID, code: .cancel)
        flush()
    }

    /// The consumer of a paused streaming call caught up: return all the credit held back.
    func resumeCredit(on streamID: UInt32) {
        guard phase != .closed, streams[streamID] != nil else { return }
        h2.releaseCredit(streamID: streamID, count: h2.unreleasedBytes(streamID: streamID))
        flush()
    }

    // MARK: HTTP/2 events

    func handle(_ events: [HTTP2ClientEvent]) {
        let before = streams.count
        defer {
            if phase == .ready, streams.count < before { owner?.connectionHasRoom(self) }
        }
        for event in events {
            guard phase != .closed else { return }
            switch event {
            case .ready:
                phase = .ready
                wasReady = true
                dialWork?.cancel()
                dialWork = nil
                if configuration.keepaliveWithoutCalls { armKeepalive() }
                owner?.connectionReady(self)
            case .response(let id, let fields, let endStream):
                deliver(id, fromServer: endStream) { $0.receiveHeaders(Self.grpcFields(fields), endStream: endStream) }
            case .data(let id, let bytes, let endStream):
                // Streaming calls use manual stream credit: returned at once unless the
                // consumer paused it (then the stream window bounds what can arrive).
                if let call = streams[id]?.call, call.streaming, !call.creditPaused {
                    h2.releaseCredit(streamID: id, count: bytes.count)
                }
                deliver(id, fromServer: false) { $0.receiveData(bytes, endStream: endStream) }
            case .trailers(let id, let fields):
                deliver(id, fromServer: true) { $0.receiveHeaders(Self.grpcFields(fields), endStream: true) }
            case .streamClosed(let id, let reason):
                streamClosed(id, reason)
            case .pingAcknowledged:
                break  // any read counts as activity (lastReadAt)
            case .goAway(_, let code, let debugData):
                goingAway = true
                logger.debug("GOAWAY from etcd endpoint", metadata: [
                    "endpoint": "\(endpoint)", "code": "\(code)",
                    "debug": "\(String(decoding: debugData.prefix(128), as: UTF8.self))"])
                owner?.connectionGoingAway(self)
            case .connectionError(let error):
                close(.unavailable("HTTP/2 connection error with \(endpoint.authority): \(error.reason)"))
            }
        }
    }

    /// Feeds a stream's reader and acts on what it reports. `fromServer`: a status produced
    /// from a block that ends the stream is the server's own `grpc-status`.
    private func deliver(_ id: UInt32, fromServer: Bool, _ body: (inout GRPCResponseReader) -> [GRPCResponseReader.Event]) {
        guard let stream = streams[id] else { return }
        let events = body(&stream.reader)
        stream.call.receivedAnything = true
        for event in events {
            switch event {
            case .headers:
                break
            case .message(let message):
                stream.call.onMessage(message, message.count + GRPCMessageFramer.prefixLength)
            case .end(let status, _, let resetCode):
                streams.removeValue(forKey: id)
                if let resetCode { h2.resetStream(streamID: id, code: HTTP2ErrorCode(peerValue: resetCode)) }
                if status.code == .ok {
                    stream.call.finish(.ok)
                } else if fromServer && resetCode == nil {
                    stream.call.finish(.failed(.server(status)))
                } else {
                    stream.call.finish(.failed(.transport(status)))
                }
                return
            }
        }
    }

    private func streamClosed(_ id: UInt32, _ reason: HTTP2StreamCloseReason) {
        guard let stream = streams.removeValue(forKey: id) else { return }
        let call = stream.call
        switch reason {
        case .notProcessed:
            call.finish(.notProcessed(.goAway("\(GRPCTransportStatus.draining.message) (\(endpoint.authority))")))
        case .reset(let code):
            let status = GRPCTransportStatus.reset(http2ErrorCode: code.rawValue, deadlinePassed: call.deadlinePassed)
            if code == .refusedStream {
                call.finish(.notProcessed(.transport(status)))
            } else {
                call.finish(.failed(.transport(status)))
            }
        case .protocolError(let error):
            let code = GRPCTransportStatus.code(http2ErrorCode: error.code.rawValue)
            call.finish(.failed(.transport(GRPCStatus(code, error.reason))))
        }
    }

    static func grpcFields(_ fields: [HeaderField]) -> [GRPCHeader] {
        fields.map { GRPCHeader($0.name, $0.value) }
    }
}
