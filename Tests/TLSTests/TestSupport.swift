import Foundation
import TLS

/// Runs a command-line tool with a deadline; output (stdout+stderr) goes through a temp file so
/// a chatty tool can never block on a full pipe.
enum TestTool {
    struct Result {
        var status: Int32
        var output: String
        var timedOut: Bool
    }

    static func run(_ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 20) throws -> Result {
        let outputURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("tls-tool-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let output = try FileHandle(forWritingTo: outputURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
        }
        try input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        let timedOut = process.isRunning
        if timedOut {
            process.terminate()
        }
        process.waitUntilExit()
        try output.close()
        let text = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, output: text, timedOut: timedOut)
    }

    static func openssl(_ arguments: [String]) throws {
        let result = try run(["openssl"] + arguments)
        guard result.status == 0 else {
            throw ToolFailure(command: "openssl " + arguments.joined(separator: " "), output: result.output)
        }
    }

    struct ToolFailure: Error, CustomStringConvertible {
        var command: String
        var output: String
        var description: String { "\(command) failed: \(output)" }
    }
}

/// A throwaway PKI generated once per test process with the `openssl` CLI: a CA, a server
/// certificate (SAN 127.0.0.1 + localhost), a rotated server certificate, client certificates
/// `remote` and `admin-cluster1`, and a `remote` client certificate from another CA.
struct TestPKI: Sendable {
    let directory: String

    static let serverSerial = "1001"
    static let rotatedServerSerial = "2002"

    private static let generated = Result<TestPKI, any Error> { try TestPKI(generatingIn: makeTemporaryDirectory("tls-pki")) }

    static func shared() throws -> TestPKI {
        try generated.get()
    }

    func path(_ name: String) -> String { directory + "/" + name }

    var caCertificate: String { path("ca.crt") }
    var serverCertificate: String { path("server.crt") }
    var serverKey: String { path("server.key") }
    var rotatedServerCertificate: String { path("server2.crt") }
    var rotatedServerKey: String { path("server2.key") }
    var otherCACertificate: String { path("other-ca.crt") }

    func clientCertificate(_ name: String) -> String { path("client-\(name).crt") }
    func clientKey(_ name: String) -> String { path("client-\(name).key") }

    private init(generatingIn directory: String) throws {
        self.directory = directory
        try makeCA("ca", subject: "/CN=test-ca")
        try makeCA("other-ca", subject: "/CN=other-ca")
        let serverExtensions = """
        basicConstraints=CA:FALSE
        keyUsage=critical,digitalSignature,keyEncipherment
        extendedKeyUsage=serverAuth
        subjectAltName=IP:127.0.0.1,DNS:localhost
        """
        let clientExtensions = """
        basicConstraints=CA:FALSE
        keyUsage=critical,digitalSignature
        extendedKeyUsage=clientAuth
        """
        try makeLeaf("server", ca: "ca", subject: "/CN=localhost", serial: Self.serverSerial, key: "ec", extensions: serverExtensions)
        try makeLeaf("server2", ca: "ca", subject: "/CN=localhost-rotated", serial: Self.rotatedServerSerial, key: "rsa", extensions: serverExtensions)
        try makeLeaf("client-remote", ca: "ca", subject: "/CN=remote", serial: "3001", key: "ec", extensions: clientExtensions)
        try makeLeaf("client-admin-cluster1", ca: "ca", subject: "/O=cilium/CN=admin-cluster1", serial: "3002", key: "ec", extensions: clientExtensions)
        try makeLeaf("client-other", ca: "other-ca", subject: "/CN=remote", serial: "3003", key: "ec", extensions: clientExtensions)
        // An encrypted copy of the server key: loading it must fail, never prompt.
        try TestTool.openssl(["pkey", "-in", path("server.key"), "-aes256", "-passout", "pass:secret", "-out", path("encrypted.key")])
    }

    private func makeCA(_ name: String, subject: String) throws {
        try TestTool.openssl([
            "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path("\(name).key"), "-out", path("\(name).crt"), "-days", "2", "-subj", subject,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    private func makeLeaf(_ name: String, ca: String, subject: String, serial: String, key: String, extensions: String) throws {
        try Data((extensions + "\n").utf8).write(to: URL(fileURLWithPath: path("\(name).ext")))
        let keyOptions = key == "rsa"
            ? ["-newkey", "rsa:2048"]
            : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        try TestTool.openssl(
            ["req", "-new"] + keyOptions
                + ["-nodes", "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject]
        )
        try TestTool.openssl([
            "x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).crt"), "-CAkey", path("\(ca).key"),
            "-set_serial", "0x" + serial, "-days", "2", "-out", path("\(name).crt"), "-extfile", path("\(name).ext"),
        ])
    }
}

func makeTemporaryDirectory(_ prefix: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

/// Result of pumping bytes between two in-memory engines until neither produces anything.
struct PumpOutcome {
    var clientReceived: [UInt8] = []
    var serverReceived: [UInt8] = []
    var clientError: TLSError?
    var serverError: TLSError?
    var clientClosed = false
    var serverClosed = false
}

/// Moves ciphertext between `client` and `server` until a round moves nothing (bounded by
/// `maxRounds`). Keeps pumping after one side fails so its alert reaches the other side.
func pump(client: TLSEngine, server: TLSEngine, into outcome: inout PumpOutcome, maxRounds: Int = 2000) {
    for _ in 0..<maxRounds {
        step(client, received: &outcome.clientReceived, error: &outcome.clientError, closed: &outcome.clientClosed)
        let toServer = client.takeCiphertext()
        server.feed(toServer[...])
        step(server, received: &outcome.serverReceived, error: &outcome.serverError, closed: &outcome.serverClosed)
        let toClient = server.takeCiphertext()
        client.feed(toClient[...])
        if toServer.isEmpty && toClient.isEmpty {
            step(client, received: &outcome.clientReceived, error: &outcome.clientError, closed: &outcome.clientClosed)
            if !client.hasPendingCiphertext { return }
        }
    }
}

func pump(client: TLSEngine, server: TLSEngine) -> PumpOutcome {
    var outcome = PumpOutcome()
    pump(client: client, server: server, into: &outcome)
    return outcome
}

private func step(_ engine: TLSEngine, received: inout [UInt8], error: inout TLSError?, closed: inout Bool) {
    guard error == nil, !closed else { return }
    do {
        if try engine.readPlaintext(into: &received) == .closed {
            closed = true
        }
    } catch let failure {
        error = failure
    }
}
