import Testing
import Mesh

@Suite struct GoIPTests {
    @Test(arguments: [
        ("::", "::"),
        ("::1", "::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("fe80::", "fe80::"),
        ("fe80:0:0:0:0:0:0:0", "fe80::"),
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("::ffff:a00:1", "10.0.0.1"),
        ("1:0:0:1:0:0:0:1", "1:0:0:1::1"),
        ("1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
        ("0:0:1::", "0:0:1::"),
        ("::1.2.3.4", "::102:304"),
        ("fd00:10:244::e2d6", "fd00:10:244::e2d6"),
        ("10.244.0.10", "10.244.0.10"),
        ("0.0.0.0", "0.0.0.0"),
        ("255.255.255.255", "255.255.255.255"),
    ])
    func format(input: String, expected: String) throws {
        let ip = try #require(GoIP(input))
        #expect(ip.description == expected)
        #expect(GoIP(expected)?.description == expected)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.-4", ":", ":::", "1:::2", "1::2::3",
        "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", "12345::", "g::",
        "fe80::1%eth0", "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4", " ::1",
    ])
    func rejects(input: String) {
        #expect(GoIP(input) == nil)
    }

    @Test func byteForms() {
        #expect(GoIP("10.0.0.1")?.bytes == [10, 0, 0, 1])
        #expect(GoIP("::ffff:10.0.0.1")?.bytes.count == 16)
        #expect(GoIP("::ffff:10.0.0.1")?.isIPv4 == true)
        #expect(GoIP(bytes: [1, 2, 3]) == nil)
    }

    @Test func masksAndCIDRs() throws {
        #expect(GoIP.mask(prefixLength: 24, bits: 32) == [255, 255, 255, 0])
        #expect(GoIP.mask(prefixLength: 0, bits: 32) == [0, 0, 0, 0])
        #expect(GoIP.mask(prefixLength: 33, bits: 32) == nil)
        #expect(GoIP.mask(prefixLength: 13, bits: 32) == [255, 248, 0, 0])
        let v4 = try #require(GoCIDR("10.244.0.77/24"))
        #expect(v4.json.text == #"{"IP":"10.244.0.0","Mask":"////AA=="}"#)
        #expect(v4.description == "10.244.0.0/24")
        let v6 = try #require(GoCIDR("fd00:10:244::/64"))
        #expect(v6.json.text == #"{"IP":"fd00:10:244::","Mask":"//////////8AAAAAAAAAAA=="}"#)
        #expect(GoCIDR("10.0.0.0/33") == nil)
        #expect(GoCIDR("10.0.0.0/+8") == nil)
        #expect(GoCIDR("10.0.0.0") == nil)
    }
}
