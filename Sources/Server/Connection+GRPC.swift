import Foundation
import Dispatch
import EtcdAPI
import GRPCWire
import HPACK
import HTTP2
import Logging

/// gRPC over the connection's HTTP/2 streams (grpc `doc/PROTOCOL-HTTP2.md`).
extension Connection {
    func openStream(_ id: UInt32, fields: [HeaderField], endStream: Bool) {
        var method = "", path = "", contentType = "", encoding: String?
        var timeout: Int64?
        var acceptsGzip = false
        var metadata: [(String, String)] = []
        for f in fields {
            switch f.name {
            case ":method": method = f.value
            case ":path": path = f.value
            case "content-type": contentType = f.value
            case "grpc-encoding": encoding = f.value
            case "grpc-timeout": timeout = GRPCTimeout.parse(f.value)
            case "grpc-accept-encoding":
                acceptsGzip = f.value.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == "gzip" }
            default:
                if !f.name.hasPrefix(":") { metadata.append((f.name, f.value)) }
            }
        }
        guard GRPCContentType.isGRPC(contentType) else {
            // Not gRPC: the JSON gateway answers it (etcd serves it from its net/http mux).
            let exchange = beginGateway(method: method, path: path,
                                        headers: fields.filter { !$0.name.hasPrefix(":") }.map { ($0.name, $0.value) },
                                        transport: .http2(streamID: id))
            gatewayStreams[id] = exchange
            if endStream { gatewayEnd(exchange) }
            return
        }
        guard method == "POST" else {
            // grpc-go: HTTP 405 with an Internal status.
            h2.sendHeaders(streamID: id, fields: [
                HeaderField(name: ":status", value: "405"),
                HeaderField(name: "content-type", value: "application/grpc"),
                HeaderField(name: "grpc-status", value: String(GRPCStatusCode.internalError.rawValue)),
                HeaderField(name: "grpc-message", value: GRPCPercentEncoding.encode("invalid gRPC request method \"\(method)\"")),
            ], endStream: true)
            return
        }
        let kind: GRPCCall.Kind
        switch EtcdRoute(path: path) {
        case .unary(let m): kind = .unary(m)
        case .leaseKeepAlive: kind = .leaseKeepAlive
        case .watch:
            let context = CallContext(principal: principal, metadata: metadata)
            let session = api.makeWatchSession(context: context) { [weak self] in self?.schedulePump() }
            kind = .watch(session)
        case .refused:
            trailersOnly(id, EtcdError.permissionDenied.status, clientHalfClosed: endStream)
            return
        case .unknownMethod(let service, let m):
            trailersOnly(id, GRPCStatus(.unimplemented, "unknown method \(m) for service \(service)"), clientHalfClosed: endStream)
            return
        case .unknownService(let service):
            trailersOnly(id, GRPCStatus(.unimplemented, "unknown service \(service)"), clientHalfClosed: endStream)
            return
        case .malformed:
            trailersOnly(id, GRPCStatus(.unimplemented, "malformed method name: \"\(path)\""), clientHalfClosed: endStream)
            return
        }
        if let refusal = GRPCMessageDeframer.checkEncoding(encoding) {
            trailersOnly(id, refusal, clientHalfClosed: endStream)
            return
        }
        let deframer = GRPCMessageDeframer(maxMessageSize: configuration.maxReceiveMessageSize, encoding: encoding)
        let call = GRPCCall(streamID: id, kind: kind, deframer: deframer)
        call.method = String(path.split(separator: "/").last ?? "")
        call.metadata = metadata
        // Compress responses only for clients that asked (grpc-accept-encoding: gzip).
        call.compressResponses = acceptsGzip
        calls[id] = call
        if let timeout { armDeadline(call, nanoseconds: timeout) }
        if endStream { endOfRequest(id) }
    }

    func requestData(_ id: UInt32, bytes: [UInt8], endStream: Bool) {
        if let exchange = gatewayStreams[id] {
            if !bytes.isEmpty { gatewayBody(exchange, bytes) }
            if endStream { gatewayEnd(exchange) }
            return
        }
        guard let call = calls[id] else { return }
        call.deframer.append(bytes)
        while true {
            let message: [UInt8]?
            do {
                message = try call.deframer.next()
            } catch {
                finish(call, status: error)
                return
            }
            guard let message else { break }
            deliver(message, to: call)
            if call.finished { return }
        }
        if endStream { endOfRequest(id) }
    }

    private func deliver(_ message: [UInt8], to call: GRPCCall) {
        switch call.kind {
        case .unary:
            if call.unaryRequest != nil {
                finish(call, status: GRPCStatus(.internalError, "grpc: unary call received more than one request message"))
            } else {
                call.unaryRequest = message
            }
        case .watch(let session):
            do {
                for response in try session.receive(message) { sendMessage(call, response) }
            } catch {
                finish(call, status: error.status)
                return
            }
            pump(call)
        case .leaseKeepAlive:
            switch api.leaseKeepAlive(message) {
            case .success(let response): sendMessage(call, response)
            case .failure(let status): finish(call, status: status)
            }
        }
    }

    func endOfRequest(_ id: UInt32) {
        if let exchange = gatewayStreams[id] {
            gatewayEnd(exchange)
            return
        }
        guard let call = calls[id], !call.finished else { return }
        call.clientHalfClosed = true
        if call.deframer.hasPartialMessage {
            finish(call, status: GRPCStatus(.internalError, "grpc: client sent a truncated message"))
            return
        }
        switch call.kind {
        case .unary(let method):
            guard let request = call.unaryRequest else {
                finish(call, status: GRPCStatus(.internalError, "grpc: error unmarshalling request: unexpected EOF"))
                return
            }
            let context = CallContext(principal: principal, metadata: call.metadata)
            switch api.unary(method, request: request, context: context) {
            case .success(let response):
                sendMessage(call, response)
                finish(call, status: GRPCStatus(.ok, ""))
            case .failure(let status):
                finish(call, status: status)
            }
        case .leaseKeepAlive:
            finish(call, status: GRPCStatus(.ok, ""))
        case .watch:
            // etcd: a half-closed watch stream keeps watching; the gateway relies on it.
            break
        }
    }

    /// RST_STREAM from the client (or a stream error): stop the call's work and forget it.
    func dropCall(_ id: UInt32) {
        if let exchange = gatewayStreams.removeValue(forKey: id) {
            exchange.ended = true
            exchange.close()
            return
        }
        guard let call = calls.removeValue(forKey: id) else { return }
        call.finished = true
        call.watchSession?.close()
    }

    // MARK: sending

    func sendMessage(_ call: GRPCCall, _ payload: [UInt8]) {
        guard !call.finished else { return }
        if !call.headersSent {
            call.headersSent = true
            var fields = GRPCCall.responseHeaders
            if call.compressResponses { fields.append(HeaderField(name: "grpc-encoding", value: "gzip")) }
            h2.sendHeaders(streamID: call.streamID, fields: fields, endStream: false)
        }
        var framed: [UInt8] = []
        if call.compressResponses && payload.count >= GRPCCall.compressionThreshold {
            let compressed = Gzip.compress(payload)
            framed.reserveCapacity(compressed.count + 5)
            GRPCMessageFramer.frame(compressed, compressed: true, into: &framed)
        } else {
            framed.reserveCapacity(payload.count + 5)
            GRPCMessageFramer.frame(payload, into: &framed)
        }
        h2.sendData(streamID: call.streamID, bytes: framed, endStream: false)
    }

    /// Ends the call with trailers (or Trailers-Only if nothing was sent yet). The HTTP/2
    /// layer adds RST_STREAM(NO_ERROR) when the client has not half-closed.
    func finish(_ call: GRPCCall, status: GRPCStatus) {
        guard !call.finished else { return }
        call.finished = true
        calls[call.streamID] = nil
        recordRequest(method: call.method, status: status)
        call.watchSession?.close()
        h2.sendHeaders(streamID: call.streamID,
                       fields: GRPCCall.trailers(status, trailersOnly: !call.headersSent), endStream: true)
    }

    func recordRequest(method: String, status: GRPCStatus, transport: String = "grpc") {
        metrics?.request(method: method, code: status.code.canonicalName, transport: transport)
        if status.code == .permissionDenied {
            metrics?.permissionDenied.increment()
            if !loggedPermissionDenied {
                loggedPermissionDenied = true
                logger.info("permission denied", metadata: [
                    "peer": "\(peer)", "principal": "\(principal)", "method": "\(method)",
                    "note": "logged once per connection"])
            }
        }
    }

    func trailersOnly(_ id: UInt32, _ status: GRPCStatus, clientHalfClosed: Bool) {
        recordRequest(method: "unknown", status: status)
        h2.sendHeaders(streamID: id, fields: GRPCCall.trailers(status, trailersOnly: true), endStream: true)
    }

    // MARK: deadlines

    func armDeadline(_ call: GRPCCall, nanoseconds: Int64) {
        call.deadlineGeneration += 1
        let generation = call.deadlineGeneration
        let id = call.streamID
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: nanoseconds))) { [weak self] in
            guard let self, let call = self.calls[id], call.deadlineGeneration == generation else { return }
            self.finish(call, status: GRPCStatus(.deadlineExceeded, "context deadline exceeded"))
            self.flush()
        }
    }

    // MARK: watch fan-out

    /// Called by store writers (any thread) when a watch stream has pending messages.
    func schedulePump() {
        guard pumpScheduled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        queue.async { [weak self] in
            guard let self else { return }
            self.pumpScheduled.store(false, ordering: .releasing)
            self.pumpWatches()
            self.flush()
        }
    }

    func pumpWatches() {
        for call in calls.values where call.watchSession != nil {
            pump(call)
        }
        for exchange in gatewayStreams.values where exchange.watch != nil {
            pumpGateway(exchange)
        }
        if let exchange = http1Exchange, exchange.watch != nil {
            pumpGateway(exchange)
        }
    }

    /// Moves store messages into HTTP/2 while the stream and the socket have room; what is
    /// left waits in the store's bounded per-stream queue (or its watchers are set aside).
    func pump(_ call: GRPCCall) {
        guard let session = call.watchSession, !call.finished else { return }
        // Kept requests go first; the connection's total backlog (socket buffer and flow-control
        // queues) bounds what all watches may add (Connection+Backpressure.swift).
        while !hasDeferredEvents, h2.queuedBytes(streamID: call.streamID) < configuration.watchStreamOutputHighWater,
              heldBytes < configuration.connectionOutputHighWater {
            let responses = session.takeResponses(max: 64)
            if responses.isEmpty { break }
            metrics?.watchResponsesSent.increment(by: Int64(responses.count))
            for r in responses { sendMessage(call, r) }
        }
    }
}
