import ArgumentParser
import Foundation
import KubeClient

/// `clustermesh-apiserver status`: asks a running server (over its own API port) for its state.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a running server's cluster, readiness, keys per prefix, peers and watchers.")

    @Option(help: "The server's API endpoint (http://HOST:PORT or https://HOST:PORT).")
    var endpoint = "http://127.0.0.1:2379"

    @Option(help: "CA certificate to verify an https endpoint.")
    var cacert: String?

    @Option(help: "Client certificate (mTLS).")
    var cert: String?

    @Option(help: "Client key (mTLS).")
    var key: String?

    @Option(name: [.short, .customLong("output")], help: "text or json.")
    var output = "text"

    func run() throws {
        let server: KubeServerURL
        do {
            server = try KubeServerURL(parsing: endpoint)
        } catch {
            throw ValidationError("--endpoint: \(error)")
        }
        let config = KubeConfig(server: server, caPath: cacert, clientCertificatePath: cert, clientKeyPath: key)
        let response: KubeResponse
        do {
            let client = try KubeHTTPClient(config: config, timeouts: KubeTimeouts(connect: .seconds(5), read: .seconds(10)))
            response = try client.get("/clustermesh/v1/status", maxBodyBytes: 1 << 20)
        } catch {
            throw ValidationError("cannot reach \(endpoint): \(error)")
        }
        guard response.status == 200 else {
            throw ValidationError("\(endpoint) answered HTTP \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        if output == "json" {
            print(String(decoding: response.body, as: UTF8.self))
            return
        }
        let report = try JSONDecoder().decode(StatusReport.self, from: Data(response.body))
        print(report.text(endpoint: endpoint))
    }
}
