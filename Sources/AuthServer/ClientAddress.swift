// Who is asking: the client's IP address, from the socket's peer or, behind trusted proxies, from
// X-Forwarded-For. Pure parsing of attacker-controlled text: no C, no trap on any input.

/// An IPv4 or IPv6 address as bytes (4 or 16). IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a
/// dual-stack socket reports for an IPv4 client) is read as the IPv4 address.
package struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    package let bytes: [UInt8]

    package var isIPv4: Bool { bytes.count == 4 }

    /// Dotted-quad IPv4 or textual IPv6 (with `::`, an embedded IPv4 tail, or a `%zone`, which
    /// is ignored); nil for anything else.
    package init?<Text: StringProtocol>(_ text: Text) {
        var utf8 = Array(text.utf8)
        guard !utf8.isEmpty, utf8.count <= 64 else { return nil }
        if let percent = utf8.firstIndex(of: UInt8(ascii: "%")), utf8.contains(UInt8(ascii: ":")) { utf8.removeSubrange(percent...) }
        if let v4 = Self.parseIPv4(utf8[...]) {
            bytes = v4
        } else if let v6 = Self.parseIPv6(utf8) {
            let mapped: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]
            bytes = Array(v6.prefix(12)) == mapped ? Array(v6.suffix(4)) : v6
        } else {
            return nil
        }
    }

    package init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    package var description: String {
        if isIPv4 { return bytes.map { String($0) }.joined(separator: ".") }
        return Self.groups(bytes, count: 8)
    }

    /// What failed logins are counted under: an IPv4 address whole, an IPv6 address by its /64
    /// (one subscriber's usual allocation: its 2^64 addresses are one client, not 2^64).
    package var throttleKey: String {
        isIPv4 ? description : Self.groups(bytes, count: 4) + "::/64"
    }

    /// The first `count` 16-bit groups in lower-case hex, without leading zeros (`2001:db8:0:1`).
    private static func groups(_ bytes: [UInt8], count: Int) -> String {
        (0..<count).map { String(UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]), radix: 16) }.joined(separator: ":")
    }

    private static func parseIPv4(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        let parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            // Decimal only, no leading zeros (inet_pton's rule: "010" is not 8 nor 10).
            guard (1...3).contains(part.count), part.allSatisfy({ (0x30...0x39).contains($0) }),
                part.count == 1 || part.first != UInt8(ascii: "0")
            else { return nil }
            let value = part.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard value <= 255 else { return nil }
            out.append(UInt8(value))
        }
        return out
    }

    private static func parseIPv6(_ text: [UInt8]) -> [UInt8]? {
        guard text.count >= 2, text.contains(UInt8(ascii: ":")) else { return nil }
        // Split around the one allowed "::".
        var head = text[...]
        var tail: ArraySlice<UInt8>? = nil
        if let index = text.indices.dropLast().first(where: { text[$0] == UInt8(ascii: ":") && text[$0 + 1] == UInt8(ascii: ":") }) {
            head = text[..<index]
            tail = text[(index + 2)...]
            // ":::" is no address.
            if tail!.first == UInt8(ascii: ":") { return nil }
        }
        func groups(_ part: ArraySlice<UInt8>, allowIPv4Tail: Bool) -> [UInt8]? {
            guard !part.isEmpty else { return [] }
            let pieces = part.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            var out: [UInt8] = []
            for (n, piece) in pieces.enumerated() {
                if n == pieces.count - 1, allowIPv4Tail, piece.contains(UInt8(ascii: ".")) {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    out += v4
                    continue
                }
                guard (1...4).contains(piece.count) else { return nil }
                var value = 0
                for byte in piece {
                    guard let digit = hexDigit(byte) else { return nil }
                    value = value << 4 | digit
                }
                out += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return out
        }
        if let tail {
            guard let front = groups(head, allowIPv4Tail: false), let back = groups(tail, allowIPv4Tail: true),
                front.count + back.count <= 14
            else { return nil }
            return front + [UInt8](repeating: 0, count: 16 - front.count - back.count) + back
        }
        guard let all = groups(head, allowIPv4Tail: true), all.count == 16 else { return nil }
        return all
    }

    private static func hexDigit(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        default: nil
        }
    }
}

/// An address or a network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`, `127.0.0.1`).
package struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    package let network: IPAddress
    package let prefixLength: Int

    package init?<Text: StringProtocol>(_ text: Text) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        // As written: an IPv4-mapped network (`::ffff:10.0.0.0/104`) has 128 bits, and is its
        // IPv4 network (`10.0.0.0/8`).
        let mapped = parts[0].contains(":") && address.isIPv4
        let bits = mapped ? 128 : address.bytes.count * 8
        var length = address.bytes.count * 8
        if parts.count == 2 {
            guard parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(parts[1]), (0...bits).contains(value) else { return nil }
            length = value - (mapped ? 96 : 0)
            guard length >= 0 else { return nil }
        }
        network = address
        prefixLength = length
    }

    package func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(address.bytes, network.bytes) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if a & mask != b & mask { return false }
            remaining -= 8
        }
        return true
    }

    package var description: String { "\(network)/\(prefixLength)" }
}

/// AUTHD_TRUSTED_PROXIES: the peers whose X-Forwarded-For is believed.
package struct TrustedProxies: Sendable, Equatable {
    package var ranges: [AddressRange] = []

    package init(_ ranges: [AddressRange] = []) { self.ranges = ranges }

    /// Comma-separated addresses and CIDR networks; empty for none.
    package init(setting value: String) throws(SettingsError) {
        for item in value.split(separator: ",") {
            let text = item.trimmingWhitespace
            guard !text.isEmpty else { continue }
            guard let range = AddressRange(text) else {
                throw SettingsError("AUTHD_TRUSTED_PROXIES: expected addresses or CIDR networks (10.0.0.0/8, ::1), got \"\(text)\"")
            }
            ranges.append(range)
        }
    }

    package func trusts(_ address: IPAddress) -> Bool { ranges.contains { $0.contains(address) } }

    /// The client: the peer itself unless it is a trusted proxy; then, reading X-Forwarded-For
    /// from the right (the entries the proxies appended), the first address that is not a
    /// trusted proxy. Entries left of it were written by the client and are never read. An
    /// entry that is not an address (a broken proxy) stops the walk at the last trusted hop;
    /// when every entry is trusted, the left-most one is the client.
    /// `forwardedFor` holds every X-Forwarded-For header's value, in the order received.
    package func client(peer: IPAddress, forwardedFor: [String]) -> IPAddress {
        guard trusts(peer) else { return peer }
        var client = peer
        for header in forwardedFor.reversed() {
            for entry in header.split(separator: ",", omittingEmptySubsequences: false).reversed() {
                guard let address = Self.forwardedAddress(entry.trimmingWhitespace) else { return client }
                client = address
                if !trusts(address) { return address }
            }
        }
        return client
    }

    /// One X-Forwarded-For entry: an address, possibly with a port (`1.2.3.4:80`, `[::1]:80`)
    /// or in brackets, as some proxies write it.
    static func forwardedAddress(_ text: String) -> IPAddress? {
        if let address = IPAddress(text) { return address }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.count > 1 && rest.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }) else { return nil }
            return IPAddress(text[text.index(after: text.startIndex)..<close]).flatMap { $0.isIPv4 ? nil : $0 }
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let address = IPAddress(parts[0]), address.isIPv4 {
            return address
        }
        return nil
    }
}
