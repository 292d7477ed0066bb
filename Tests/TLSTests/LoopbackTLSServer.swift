#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import TLS

/// A blocking loopback TCP server for interop tests: serves `connections` connections one after
/// another on a background thread, each through a `TLSEngine`. Every socket has a receive
/// timeout so a misbehaving client cannot hang the test.
final class LoopbackTLSServer: Sendable {
    /// What the server saw on one connection.
    struct Report: Sendable {
        var alpn: String?
        var commonName: String?
        var protocolVersion: String?
        var error: TLSError?
        var received: [UInt8] = []
        var sawCloseNotify = false
    }

    /// Called with all plaintext received so far; writes a response and returns true when the
    /// server should send close_notify and close the connection.
    typealias Handler = @Sendable (_ received: [UInt8], _ engine: TLSEngine) throws -> Bool

    let port: UInt16
    private let listener: Int32
    private let reports = Mutex<[Report]>([])

    init(context: TLSServerContext, connections: Int = 1, handler: @escaping Handler) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 4) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        Self.setReceiveTimeout(fd, seconds: 15)
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in
            for _ in 0..<connections {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { break }
                let report = Self.serve(connection, context: context, handler: handler)
                close(connection)
                reports.withLock { $0.append(report) }
            }
            close(listener)
        }
        thread.start()
    }

    /// Waits (bounded) until `count` connections were served and returns their reports.
    func waitForReports(_ count: Int, timeout: TimeInterval = 20) -> [Report] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let current = reports.withLock { $0 }
            if current.count >= count { return current }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return reports.withLock { $0 }
    }

    private static func serve(_ fd: Int32, context: TLSServerContext, handler: Handler) -> Report {
        setReceiveTimeout(fd, seconds: 10)
        var report = Report()
        let engine: TLSEngine
        do {
            engine = try context.makeEngine()
        } catch {
            report.error = error
            return report
        }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            engine.feed(buffer[0..<count])
            do {
                let status = try engine.readPlaintext(into: &report.received)
                if engine.handshakeComplete && report.protocolVersion == nil {
                    report.alpn = engine.negotiatedALPN
                    report.commonName = engine.peerCertificateCommonName
                    report.protocolVersion = engine.negotiatedProtocolVersion
                }
                if status == .closed {
                    report.sawCloseNotify = true
                    engine.shutdown()
                    sendAll(fd, engine.takeCiphertext())
                    break
                }
                if try handler(report.received, engine) {
                    engine.shutdown()
                    sendAll(fd, engine.takeCiphertext())
                    break
                }
            } catch let error as TLSError {
                report.error = error
                sendAll(fd, engine.takeCiphertext())  // the alert
                break
            } catch {
                break
            }
            sendAll(fd, engine.takeCiphertext())
        }
        return report
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    private static func setReceiveTimeout(_ fd: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }
}
