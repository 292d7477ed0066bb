import EtcdProto
import GRPCWire
import MVCC
import Testing

@testable import EtcdAPI

@Suite struct GatewayHandlerTests {
    typealias F = GatewayFixture

    func post(_ h: GatewayHandler, _ path: String, _ body: String) -> GatewayResponse {
        h.unary(path: path, body: F.bytes(body), context: CallContext())
    }

    @Test func documentationRangeExample() throws {
        let store = F.emptyStore()
        try store.put(key: F.bytes("foo"), value: F.bytes("bar"))
        let r = post(F.handler(store, raftTerm: 3), "/v3/kv/range", #"{"key":"Zm9v"}"#)
        #expect(r.status == 200)
        #expect(r.text == #"{"header":{"cluster_id":"12585971608760269493","member_id":"13847567121247652255","revision":"2","raft_term":"3"},"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"2","version":"1","value":"YmFy"}],"count":"1"}"#)
        #expect(r.header("Content-Type") == "application/json")
        #expect(r.header("Access-Control-Allow-Origin") == "*")
        #expect(r.header("Access-Control-Allow-Methods") == "POST, GET, OPTIONS, PUT, DELETE")
        #expect(r.header("Access-Control-Allow-Headers") == "accept, content-type, authorization")
        #expect(r.header("Grpc-Metadata-Content-Type") == "application/grpc")
    }

    @Test func case41RangeAndV3beta() throws {
        let h = F.handler(try F.f1Store())
        let expected = #"{"header":{"# + F.headerIDs + #","revision":"10","raft_term":"2"},"kvs":[{"key":"YQ==","create_revision":"2","mod_revision":"5","version":"2","value":"MTA="}],"count":"1"}"#
        #expect(post(h, "/v3/kv/range", #"{"key":"YQ=="}"#).text == expected)
        #expect(post(h, "/v3beta/kv/range", #"{"key":"YQ=="}"#).text == expected)
        let get = h.respond(to: GatewayRoute(path: "/v3/kv/range", method: "GET"), body: [], context: CallContext())
        #expect(get.status == 405)
        #expect(get.text == "Method Not Allowed\n")
    }

    @Test func missingKeyIsHeaderOnly() throws {
        let r = post(F.handler(try F.f1Store()), "/v3/kv/range", #"{"key":"eno="}"#)
        #expect(r.text == #"{"header":{"# + F.headerIDs + #","revision":"10","raft_term":"2"}}"#)
    }

    @Test func requestNameFormsAndInt64Forms() throws {
        let h = F.handler(try F.f1Store())
        // key "\0", range_end "\0": everything; limit as number and as string; enums by name and number.
        let snake = post(h, "/v3/kv/range", #"{"key":"AA==","range_end":"AA==","limit":2,"keys_only":true}"#)
        let camel = post(h, "/v3/kv/range", #"{"key":"AA==","rangeEnd":"AA==","limit":"2","keysOnly":true,"unknown_field":[1,{"x":2}]}"#)
        let expected = #"{"header":{"# + F.headerIDs + #","revision":"10","raft_term":"2"},"kvs":[{"key":"YQ==","create_revision":"2","mod_revision":"5","version":"2"},{"key":"Yg==","create_revision":"10","mod_revision":"10","version":"1"}],"more":true,"count":"7"}"#
        #expect(snake.text == expected)
        #expect(camel.text == expected)
        let byName = post(h, "/v3/kv/range", #"{"key":"AA==","range_end":"AA==","limit":1,"sort_order":"DESCEND","sort_target":"KEY","count_only":false}"#)
        let byNumber = post(h, "/v3/kv/range", #"{"key":"AA==","range_end":"AA==","limit":1,"sort_order":2,"sort_target":0}"#)
        #expect(byName.text.contains(#""key":"Zm9vL3k=""#))
        #expect(byName.text == byNumber.text)
    }

    @Test func case42Errors() throws {
        let h = F.handler(try F.f1Store())
        let empty = post(h, "/v3/kv/range", "{}")
        #expect(empty.status == 400)
        #expect(empty.text == #"{"error":"etcdserver: key is not provided","code":3,"message":"etcdserver: key is not provided"}"#)
        #expect(empty.header("Content-Type") == "application/json")
        let noBody = post(h, "/v3/kv/range", "")
        #expect(noBody.text == empty.text)
        let put = post(h, "/v3/kv/put", #"{"key":"YQ==","value":"eA=="}"#)
        #expect(put.status == 403)
        #expect(put.text == #"{"error":"etcdserver: permission denied","code":7,"message":"etcdserver: permission denied"}"#)
        let bad = post(h, "/v3/kv/range", #"{"key":"%%"}"#)
        #expect(bad.status == 400)
        #expect(bad.text == #"{"error":"illegal base64 data at input byte 0","code":3,"message":"illegal base64 data at input byte 0"}"#)
        let future = post(h, "/v3/kv/range", #"{"key":"YQ==","revision":"11"}"#)
        #expect(future.status == 400)
        #expect(future.text.contains(#""code":11"#))
        let syntax = post(h, "/v3/kv/range", #"{"key":}"#)
        #expect(syntax.status == 400)
        #expect(syntax.text.contains("invalid character '}' looking for beginning of value"))
    }

    @Test func refusedAndUnimplementedPaths() throws {
        let h = F.handler(try F.f1Store())
        let refused = post(h, "/v3/maintenance/defragment", "{}")
        #expect(refused.status == 403)
        #expect(refused.text.contains("etcdserver: permission denied"))
        let lock = post(h, "/v3/lock/lock", "{}")
        #expect(lock.status == 501)
        #expect(lock.text == #"{"error":"unknown service v3lockpb.Lock","code":12,"message":"unknown service v3lockpb.Lock"}"#)
    }

    @Test func case44StatusAndMemberList() throws {
        let h = F.handler(try F.f1Store())
        let status = post(h, "/v3/maintenance/status", "{}")
        #expect(status.status == 200)
        for key in [#""version":"3.5."#, #""dbSize":""#, #""leader":"13847567121247652255""#, #""raftIndex":"10""#,
                    #""raftTerm":"2""#, #""raftAppliedIndex":"10""#, #""dbSizeInUse":""#] {
            #expect(status.text.contains(key))
        }
        let members = post(h, "/v3/cluster/member/list", "{}")
        #expect(members.text.hasPrefix(#"{"header":{"# + F.headerIDs + #","raft_term":"2"},"members":[{"ID":"13847567121247652255","name":"clustermesh-apiserver""#))
    }

    @Test func leaseAndAuthRoutes() throws {
        let h = F.handler(try F.f1Store())
        #expect(post(h, "/v3/kv/lease/timetolive", #"{"ID":123}"#).text
            == #"{"header":{"# + F.headerIDs + #","revision":"10","raft_term":"2"},"ID":"123","TTL":"-1"}"#)
        #expect(post(h, "/v3/lease/revoke", #"{"ID":"123"}"#).status == 404)
        let auth = post(h, "/v3/auth/authenticate", #"{"name":"root","password":"pass"}"#)
        #expect(auth.status == 400)
        #expect(auth.text.contains(#""code":9"#))
        #expect(post(h, "/v3/auth/status", "{}").status == 200)
    }

    @Test func versionHealthPreflightNotFound() throws {
        let h = F.handler(F.emptyStore())
        let version = h.respond(to: GatewayRoute(path: "/version", method: "GET"), body: [], context: CallContext())
        #expect(version.text == #"{"etcdserver":"\#(ServerIdentity.etcdVersion)","etcdcluster":"3.5.0"}"#)
        #expect(version.header("Access-Control-Allow-Origin") == "*")
        let health = h.respond(to: GatewayRoute(path: "/health", method: "GET"), body: [], context: CallContext())
        #expect(health.status == 200)
        #expect(health.text == #"{"health":"true","reason":""}"#)
        let options = h.respond(to: GatewayRoute(path: "/v3/kv/range", method: "OPTIONS"), body: [], context: CallContext())
        #expect(options.status == 200)
        #expect(options.body.isEmpty)
        #expect(options.headers.count == 3)
        let missing = h.respond(to: GatewayRoute(path: "/v3/kv/nope", method: "POST"), body: [], context: CallContext())
        #expect(missing.status == 404)
        #expect(missing.text == "Not Found\n")
        #expect(missing.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(missing.header("Access-Control-Allow-Origin") == "*")
        let postVersion = h.respond(to: GatewayRoute(path: "/version", method: "POST"), body: [], context: CallContext())
        #expect(postVersion.status == 405)
        #expect(postVersion.header("Allow") == "GET")
    }

    @Test func writerMayPut() throws {
        let store = try F.f1Store()
        let h = F.handler(store, access: .readWrite)
        let r = post(h, "/v3/kv/put", #"{"key":"eg==","value":"PGI+Jg==","prev_kv":true}"#)
        #expect(r.status == 200)
        #expect(r.text == #"{"header":{"# + F.headerIDs + #","revision":"11","raft_term":"2"}}"#)
        // Value "<b>&" comes back base64; the HTML escaping only concerns strings.
        #expect(post(h, "/v3/kv/range", #"{"key":"eg=="}"#).text.contains(#""value":"PGI+Jg==""#))
    }

    @Test func largeResponseIsGzipped() throws {
        let store = F.emptyStore()
        for i in 0..<50 { try store.put(key: F.bytes("key/\(i)"), value: F.bytes(String(repeating: "v", count: 40))) }
        let h = F.handler(store)
        let route = GatewayRoute(path: "/v3/kv/range", method: "POST")
        let body = F.bytes(#"{"key":"a2V5Lw==","range_end":"a2V5MA=="}"#)
        let plain = h.respond(to: route, body: body, context: CallContext())
        let zipped = h.respond(to: route, body: body, context: CallContext(), acceptEncoding: "gzip, deflate")
        #expect(plain.header("Content-Encoding") == nil)
        #expect(zipped.header("Content-Encoding") == "gzip")
        #expect(zipped.header("Vary") == "Accept-Encoding")
        #expect(try Gzip.decompress(zipped.body, limit: 1 << 20) == plain.body)
    }

    @Test func metadataFromHeaders() {
        let md = GatewayHandler.metadata(fromHeaders: [
            ("Authorization", "Bearer t"), ("Grpc-Metadata-Token", "x"), ("User-Agent", "curl"), ("X-Other", "y"),
        ])
        #expect(md.map { "\($0.0)=\($0.1)" } == ["authorization=Bearer t", "token=x", "grpcgateway-user-agent=curl"])
    }
}
