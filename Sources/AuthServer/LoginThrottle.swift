// Brute-force protection's rules: how many failed logins each key may have in its window, and
// what a check decided. The counting is the store's (PostgreSQL, shared by every instance).

/// At most `count` failures within any `seconds`.
package struct ThrottleRate: Sendable, Equatable, CustomStringConvertible {
    package let count: Int
    package let seconds: Int

    package init(count: Int, seconds: Int) {
        self.count = count
        self.seconds = seconds
    }

    /// DRF's rate syntax (`100/hour`, `10/m`: only the unit's first letter counts), with a
    /// number of units allowed before it (`10/15m`, `3/2s`). nil for `off`.
    package static func parse(_ value: String, setting name: String) throws(SettingsError) -> ThrottleRate? {
        let text = value.lowercased()
        if text == "off" || text == "0" { return nil }
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        let failure = SettingsError("\(name): expected failures per period such as 10/15m, 100/hour or 5/30s (s, m, h, d), or off; got \"\(value)\"")
        guard parts.count == 2, let count = Int(parts[0]), (1...1_000_000).contains(count) else { throw failure }
        let period = parts[1]
        let digits = period.prefix { $0.isASCII && $0.isNumber }
        let unit = period.dropFirst(digits.count)
        guard let first = unit.first, let perUnit = units[first], unit.allSatisfy({ $0.isASCII && $0.isLetter }) else { throw failure }
        let multiple = digits.isEmpty ? 1 : Int(digits) ?? 0
        guard (1...100_000).contains(multiple), multiple * perUnit <= 366 * 86_400 else { throw failure }
        return ThrottleRate(count: count, seconds: multiple * perUnit)
    }

    package var description: String { "\(count)/\(seconds)s" }
}

/// AUTHD_LOGIN_THROTTLE and its limits. See README, "Brute-force protection".
package struct LoginThrottleSettings: Sendable, Equatable {
    package var enabled = true
    /// Failures of one username from one client address (an IPv6 /64).
    package var pair: ThrottleRate? = ThrottleRate(count: 10, seconds: 900)
    /// Failures from one client address, whatever the username.
    package var address: ThrottleRate? = ThrottleRate(count: 100, seconds: 3600)
    /// Failures of one username, whatever the address.
    package var user: ThrottleRate? = ThrottleRate(count: 100, seconds: 3600)
    /// Seconds a successful login keeps its (username, address) pair known: known pairs are
    /// held only by the pair limit, never by the address or user limit. 0: no pair is known.
    package var knownFor = 30 * 86_400

    package init() {}

    /// How long failures are kept: the longest window.
    var retention: Int { max(pair?.seconds ?? 0, address?.seconds ?? 0, user?.seconds ?? 0, 1) }

    /// True when the limits count anything at all.
    var isActive: Bool { enabled && (pair != nil || address != nil || user != nil) }
}

/// A limit of the login throttle.
enum ThrottleLimit: String, Sendable, CaseIterable {
    case pair, address, user
}

/// What a check found: the seconds until each exceeded limit lets the login through (nil where
/// the limit is not reached, or does not apply to this pair).
struct ThrottleVerdict: Sendable, Equatable {
    var pairWait: Double? = nil
    var addressWait: Double? = nil
    var userWait: Double? = nil

    static let open = ThrottleVerdict()

    /// Whole seconds until every exceeded limit has relented (DRF rounds up), or nil: go ahead.
    var wait: Int? {
        let longest = [pairWait, addressWait, userWait].compactMap { $0 }.max()
        guard let longest, longest > 0 else { return nil }
        return Int(min(longest.rounded(.up), Double(Int32.max)))
    }
}

/// One login attempt as the throttle keys it: the username as sent, and the client's address.
struct LoginAttempt: Sendable, Equatable {
    let username: String
    let address: String
}
