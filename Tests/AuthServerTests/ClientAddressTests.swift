// The client's address: IPv4/IPv6 parsing, CIDR matching, and X-Forwarded-For behind trusted
// proxies (the right-most address no trusted proxy wrote is the client).
@testable import AuthServer
import Testing

@Suite("Client address")
struct ClientAddressTests {
    func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test("IPv4 and IPv6 text as inet_pton reads it; mapped IPv4 is IPv4", arguments: [
        ("192.0.2.1", "192.0.2.1"), ("0.0.0.0", "0.0.0.0"), ("::1", "0:0:0:0:0:0:0:1"), ("::", "0:0:0:0:0:0:0:0"),
        ("2001:DB8::8:800:200C:417A", "2001:db8:0:0:8:800:200c:417a"), ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("::ffff:198.51.100.7", "198.51.100.7"), ("::FFFF:c633:6407", "198.51.100.7"), ("fe80::1%eth0", "fe80:0:0:0:0:0:0:1"),
        ("64:ff9b::192.0.2.33", "64:ff9b:0:0:0:0:c000:221"), ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
    ])
    func parses(text: String, expected: String) {
        #expect(IPAddress(text)?.description == expected)
    }

    @Test("anything else is no address", arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", " 1.2.3.4", "1.2.3.4 ", "1..2.3", ":::", "1:::2", "1::2::3",
        "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", "g::", "::1.2.3", "1.2.3.4::",
        "unknown", "1.2.3.4%eth0", "::ffff:1.2.3.4:80", String(repeating: "1", count: 100), "[::1]", "1:2:3:4:5:6:7:1.2.3.4",
    ])
    func refuses(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("IPv4 counts whole, IPv6 by its /64")
    func throttleKeys() {
        #expect(ip("203.0.113.9").throttleKey == "203.0.113.9")
        #expect(ip("::ffff:203.0.113.9").throttleKey == "203.0.113.9")
        #expect(ip("2001:db8:0:1:aaaa::1").throttleKey == "2001:db8:0:1::/64")
        #expect(ip("2001:db8:0:1::2").throttleKey == ip("2001:db8:0:1:ffff:ffff:ffff:ffff").throttleKey)
        #expect(ip("2001:db8:0:2::1").throttleKey != ip("2001:db8:0:1::1").throttleKey)
    }

    @Test("CIDR networks contain their addresses, of their own family only")
    func ranges() {
        let ten = AddressRange("10.0.0.0/8")!
        #expect(ten.contains(ip("10.255.1.2")) && !ten.contains(ip("11.0.0.1")) && !ten.contains(ip("::ffff:11.0.0.1")))
        #expect(ten.contains(ip("::ffff:10.1.2.3")))
        let odd = AddressRange("172.16.0.0/12")!
        #expect(odd.contains(ip("172.31.255.255")) && !odd.contains(ip("172.32.0.0")))
        #expect(AddressRange("192.0.2.7")!.contains(ip("192.0.2.7")) && !AddressRange("192.0.2.7")!.contains(ip("192.0.2.8")))
        #expect(AddressRange("0.0.0.0/0")!.contains(ip("8.8.8.8")) && !AddressRange("0.0.0.0/0")!.contains(ip("::1")))
        let v6 = AddressRange("2001:db8::/33")!
        #expect(v6.contains(ip("2001:db8:7fff::1")) && !v6.contains(ip("2001:db8:8000::1")) && !v6.contains(ip("10.0.0.1")))
        #expect(AddressRange("::ffff:10.0.0.0/104")!.contains(ip("10.9.9.9")))
        for bad in ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.0/8/8", "/8", "10.0.0.0/-1", "::ffff:10.0.0.0/95", "x/8"] {
            #expect(AddressRange(bad) == nil, "\(bad)")
        }
    }

    @Test("AUTHD_TRUSTED_PROXIES: addresses and networks, comma-separated; a bad one is named")
    func setting() throws {
        let proxies = try TrustedProxies(setting: " 10.0.0.0/8, ::1 ,192.0.2.1,")
        #expect(proxies.ranges.map(\.description) == ["10.0.0.0/8", "0:0:0:0:0:0:0:1/128", "192.0.2.1/32"])
        #expect(try TrustedProxies(setting: "").ranges.isEmpty)
        #expect { _ = try TrustedProxies(setting: "10.0.0.0/8,localhost") } throws: { error in
            (error as? SettingsError)?.description.contains("AUTHD_TRUSTED_PROXIES") == true && "\(error)".contains("localhost")
        }
        let settings = try Settings.fromEnvironment(["AUTHD_TRUSTED_PROXIES": "127.0.0.1"]) { _ in [] }
        #expect(settings.trustedProxies.trusts(ip("127.0.0.1")) && !settings.trustedProxies.trusts(ip("127.0.0.2")))
    }

    @Test("X-Forwarded-For counts only from a trusted peer, read from the right")
    func forwardedFor() throws {
        let proxies = try TrustedProxies(setting: "127.0.0.1,10.0.0.0/8")
        let peer = ip("127.0.0.1")
        // An untrusted peer is the client, whatever it claims.
        #expect(proxies.client(peer: ip("198.51.100.1"), forwardedFor: ["203.0.113.5"]) == ip("198.51.100.1"))
        #expect(proxies.client(peer: peer, forwardedFor: []) == peer)
        #expect(proxies.client(peer: peer, forwardedFor: ["203.0.113.5"]) == ip("203.0.113.5"))
        // What the client wrote itself (left of its address) is never read.
        #expect(proxies.client(peer: peer, forwardedFor: ["1.1.1.1, 203.0.113.5, 10.1.1.1"]) == ip("203.0.113.5"))
        #expect(proxies.client(peer: peer, forwardedFor: ["garbage, 203.0.113.5,10.1.1.1"]) == ip("203.0.113.5"))
        // Several headers are one list, in order.
        #expect(proxies.client(peer: peer, forwardedFor: ["1.1.1.1", "203.0.113.5", "10.1.1.1"]) == ip("203.0.113.5"))
        // Ports and brackets as some proxies write them; IPv6.
        #expect(proxies.client(peer: peer, forwardedFor: ["203.0.113.5:4711"]) == ip("203.0.113.5"))
        #expect(proxies.client(peer: peer, forwardedFor: ["[2001:db8::5]:443"]) == ip("2001:db8::5"))
        #expect(proxies.client(peer: peer, forwardedFor: ["[2001:db8::5]"]) == ip("2001:db8::5"))
        #expect(proxies.client(peer: peer, forwardedFor: ["2001:db8::5"]) == ip("2001:db8::5"))
        // Every entry trusted: the left-most is the client.
        #expect(proxies.client(peer: peer, forwardedFor: ["10.0.0.7, 10.0.0.8"]) == ip("10.0.0.7"))
        // Not an address where a trusted proxy should have written one: the last trusted hop.
        for broken in ["unknown", "", "1.2.3.4.5", "[1.2.3.4]", "203.0.113.5:", "203.0.113.5:http", "[::1]x", "10.0.0.7, evil"] {
            let client = proxies.client(peer: peer, forwardedFor: [broken])
            #expect(client == peer || client == ip("10.0.0.7"), "\(broken)")
        }
    }
}
