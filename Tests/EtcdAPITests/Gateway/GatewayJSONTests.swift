import EtcdProto
import Foundation
import GRPCWire
import Testing

@testable import EtcdAPI

@Suite struct GatewayJSONTests {
    func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

    @Test func goStringEscaping() {
        var m = Etcdserverpb_Member()
        m.name = "a<b>&c\"d\\e\u{1}\u{8}\u{c}\n\r\t\u{7f}é😀\u{2028}\u{2029}/"
        #expect(text(GatewayJSON.encode(m))
            == #"{"name":"a\u003cb\u003e\u0026c\"d\\e\u0001\b\f\n\r\t"# + "\u{7f}é😀" + #"\u2028\u2029/"}"#)
        #expect(text(GatewayJSON.quoted(m.name)) == text(GatewayJSON.encode(m)).dropFirst(8).dropLast(1))
    }

    @Test func fieldOrderZeroValuesAndEnums() {
        var r = Etcdserverpb_WatchResponse()
        r.watchID = -1
        r.created = true
        r.canceled = true
        r.cancelReason = "mvcc: watcher range is empty"
        var put = Mvccpb_Event()
        put.kv.key = Data("a".utf8)
        var del = Mvccpb_Event()
        del.type = .delete
        del.kv.key = Data("b".utf8)
        del.kv.modRevision = 6
        r.events = [put, del]
        #expect(text(GatewayJSON.encode(r))
            == #"{"watch_id":"-1","created":true,"canceled":true,"cancel_reason":"mvcc: watcher range is empty","events":[{"kv":{"key":"YQ=="}},{"type":"DELETE","kv":{"key":"Yg==","mod_revision":"6"}}]}"#)
        #expect(text(GatewayJSON.encode(Etcdserverpb_WatchResponse())) == "{}")
    }

    @Test func decodeAcceptsBothNamesAndNumberForms() throws {
        let a = try GatewayJSON.decode(Etcdserverpb_WatchRequest.self, from: Array(
            #"{"create_request":{"key":"YQ==","range_end":"Yg==","start_revision":"5","prev_kv":true,"filters":["NODELETE"]}}"#.utf8))
        let b = try GatewayJSON.decode(Etcdserverpb_WatchRequest.self, from: Array(
            #"{"createRequest":{"key":"YQ==","rangeEnd":"Yg==","startRevision":5,"prevKv":true,"filters":[1]}}"#.utf8))
        #expect(a == b)
        #expect(a.createRequest.startRevision == 5)
        #expect(a.createRequest.filters == [.nodelete])
    }

    @Test func decodeEmptyAndNull() throws {
        #expect(try GatewayJSON.decode(Etcdserverpb_RangeRequest.self, from: []) == Etcdserverpb_RangeRequest())
        #expect(try GatewayJSON.decode(Etcdserverpb_RangeRequest.self, from: Array(" \n".utf8)) == Etcdserverpb_RangeRequest())
        #expect(try GatewayJSON.decode(Etcdserverpb_RangeRequest.self, from: Array("null".utf8)) == Etcdserverpb_RangeRequest())
        // Only the first value counts (Go json.Decoder).
        let r = try GatewayJSON.decode(Etcdserverpb_RangeRequest.self, from: Array(#"{"key":"YQ=="} garbage"#.utf8))
        #expect(r.key == Data("a".utf8))
    }

    @Test(arguments: [
        (#"{"key":"%%"}"#, GatewayDecodeError.base64(offset: 0)),
        (#"{"key":"YQ"}"#, .base64(offset: 0)),
        (#"{"key":"YQ=a"}"#, .base64(offset: 2)),
        (#"{"key":"YQ==YQ=="}"#, .base64(offset: 4)),
        (#"{"key":"-_8="}"#, .base64(offset: 0)),
        (#"{"success":[{"request_put":{"key":"YQ==","value":"*"}}]}"#, .base64(offset: 0)),
        (#"{"key":}"#, .syntax("invalid character '}' looking for beginning of value")),
        (#"{"key" "YQ=="}"#, .syntax("invalid character '\"' after object key")),
        (#"{"key":"YQ==" "a":1}"#, .syntax("invalid character '\"' after object key:value pair")),
        (#"{key:1}"#, .syntax("invalid character 'k' looking for beginning of object key string")),
        (#"{"key":"YQ==""#, .syntax("unexpected EOF")),
        ("[1]", .notAnObject("array")),
        ("5", .notAnObject("number")),
    ])
    func decodeErrors(input: String, error: GatewayDecodeError) {
        #expect(throws: error) { try GatewayJSON.decode(Etcdserverpb_TxnRequest.self, from: Array(input.utf8)) }
    }

    @Test func base64Rules() throws {
        for ok in ["", "YQ==", "YWI=", "YWJj", "YW\nJj", "Zm9vYmFy"] {
            try GatewayJSONSyntax.checkBase64(Array(ok.utf8))
        }
        #expect(throws: GatewayDecodeError.base64(offset: 0)) { try GatewayJSONSyntax.checkBase64(Array("=".utf8)) }
        #expect(throws: GatewayDecodeError.base64(offset: 2)) { try GatewayJSONSyntax.checkBase64(Array("YW=j".utf8)) }
    }

    @Test func wrongFieldTypeIsMessageError() {
        #expect(throws: GatewayDecodeError.self) {
            try GatewayJSON.decode(Etcdserverpb_RangeRequest.self, from: Array(#"{"limit":"x"}"#.utf8))
        }
    }

    @Test func errorBodies() {
        #expect(text(GatewayJSON.errorBody(GRPCStatus(.outOfRange, "etcdserver: mvcc: required revision has been compacted")))
            == #"{"error":"etcdserver: mvcc: required revision has been compacted","code":11,"message":"etcdserver: mvcc: required revision has been compacted"}"#)
        #expect(text(GatewayJSON.streamErrorChunk(GRPCStatus(.unavailable, "etcdserver: no leader")))
            == #"{"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader","http_status":"Service Unavailable"}}"# + "\n")
        #expect(text(GatewayJSON.errorBody(GRPCStatus(.invalidArgument, "a<b")))
            == #"{"error":"a\u003cb","code":3,"message":"a\u003cb"}"#)
    }

    @Test func httpStatusTable() {
        let expected: [GRPCStatusCode: Int] = [
            .ok: 200, .cancelled: 408, .unknown: 500, .invalidArgument: 400, .deadlineExceeded: 504, .notFound: 404,
            .alreadyExists: 409, .permissionDenied: 403, .resourceExhausted: 429, .failedPrecondition: 400,
            .aborted: 409, .outOfRange: 400, .unimplemented: 501, .internalError: 500, .unavailable: 503,
            .dataLoss: 500, .unauthenticated: 401,
        ]
        for code in GRPCStatusCode.allCases {
            #expect(GatewayResponse.httpStatus(for: code) == expected[code])
        }
    }
}
