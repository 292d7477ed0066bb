import GRPCWire

/// gzip for gateway responses: when `Accept-Encoding` allows gzip (RFC 9110 §12.5.3, `q=0`
/// means "not acceptable") and the body is at least `minimumBodySize` bytes.
public enum GatewayCompression {
    public static let minimumBodySize = 1024

    /// Whether `acceptEncoding` admits gzip: `gzip`/`x-gzip` with q > 0, or `*` with q > 0 when
    /// gzip is not listed.
    public static func acceptsGzip(_ acceptEncoding: String?) -> Bool {
        guard let header = acceptEncoding else { return false }
        var gzipQ: Double?
        var starQ: Double?
        for element in header.split(separator: ",") {
            let params = element.split(separator: ";")
            guard let first = params.first else { continue }
            let coding = first.trimmedOWS().lowercased()
            var q = 1.0
            for param in params.dropFirst() {
                let kv = param.trimmedOWS().lowercased()
                if kv.hasPrefix("q=") { q = Double(kv.dropFirst(2)) ?? 0 }
            }
            switch coding {
            case "gzip", "x-gzip": gzipQ = max(gzipQ ?? 0, q)
            case "*": starQ = q
            default: break
            }
        }
        if let q = gzipQ { return q > 0 }
        if let q = starQ { return q > 0 }
        return false
    }

    public static func shouldCompress(acceptEncoding: String?, bodySize: Int) -> Bool {
        bodySize >= minimumBodySize && acceptsGzip(acceptEncoding)
    }

    /// Compresses `response` when allowed, adding `Content-Encoding: gzip` and `Vary: Accept-Encoding`.
    public static func apply(to response: GatewayResponse, acceptEncoding: String?) -> GatewayResponse {
        guard shouldCompress(acceptEncoding: acceptEncoding, bodySize: response.body.count),
              response.header("Content-Encoding") == nil else { return response }
        let compressed = Gzip.compress(response.body)
        guard !compressed.isEmpty else { return response }
        var out = response
        out.body = compressed
        out.headers.append(("Content-Encoding", "gzip"))
        out.headers.append(("Vary", "Accept-Encoding"))
        return out
    }
}

extension Substring {
    fileprivate func trimmedOWS() -> String {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
