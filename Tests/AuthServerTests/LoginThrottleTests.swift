// The login throttle's rules: rates as DRF writes them, the defaults, the wait a verdict gives,
// and DRF's 429.
@testable import AuthServer
import Testing

@Suite("Login throttle")
struct LoginThrottleTests {
    @Test("rates: DRF's count/period, with a number of units; off", arguments: [
        ("10/15m", 10, 900), ("100/hour", 100, 3600), ("100/h", 100, 3600), ("5/30s", 5, 30), ("3/sec", 3, 1), ("1000/day", 1000, 86_400),
        ("7/2d", 7, 172_800), ("10/min", 10, 60), ("2/2S", 2, 2),
    ])
    func rates(text: String, count: Int, seconds: Int) throws {
        #expect(try ThrottleRate.parse(text, setting: "X") == ThrottleRate(count: count, seconds: seconds))
    }

    @Test("off and 0 switch a limit off; nonsense is refused with the variable's name")
    func refusals() throws {
        #expect(try ThrottleRate.parse("off", setting: "X") == nil)
        #expect(try ThrottleRate.parse("0", setting: "X") == nil)
        for bad in ["", "10", "10/", "/m", "x/m", "-1/m", "0/m", "10/0m", "10/15", "10/15q", "10/m5", "10/367d", "10/ m", "1e3/m"] {
            #expect(throws: SettingsError.self, "\(bad)") { _ = try ThrottleRate.parse(bad, setting: "X") }
        }
        #expect { _ = try Settings.fromEnvironment(["AUTHD_LOGIN_THROTTLE_PAIR_RATE": "lots"]) { _ in [] } } throws: { error in
            "\(error)".contains("AUTHD_LOGIN_THROTTLE_PAIR_RATE")
        }
    }

    @Test("on by default: 10 per pair per 15 minutes, 100 per address and per user per hour, known for 30 days")
    func defaults() throws {
        let limits = try Settings.fromEnvironment([:]) { _ in [] }.loginThrottle
        #expect(limits.enabled && limits.isActive)
        #expect(limits.pair == ThrottleRate(count: 10, seconds: 900))
        #expect(limits.address == ThrottleRate(count: 100, seconds: 3600))
        #expect(limits.user == ThrottleRate(count: 100, seconds: 3600))
        #expect(limits.knownFor == 2_592_000 && limits.retention == 3600)
        // One address alone never reaches the user limit: throttled attempts are not counted,
        // so it adds at most the pair limit per pair window.
        let pair = try #require(limits.pair), user = try #require(limits.user)
        #expect(pair.count * ((user.seconds + pair.seconds - 1) / pair.seconds) < user.count)
    }

    @Test("every variable is read; off is off")
    func variables() throws {
        let s = try Settings.fromEnvironment([
            "AUTHD_LOGIN_THROTTLE_PAIR_RATE": "3/2s", "AUTHD_LOGIN_THROTTLE_ADDRESS_RATE": "off", "AUTHD_LOGIN_THROTTLE_USER_RATE": "50/d",
            "AUTHD_LOGIN_THROTTLE_KNOWN_FOR": "0",
        ]) { _ in [] }
        #expect(s.loginThrottle.pair == ThrottleRate(count: 3, seconds: 2) && s.loginThrottle.address == nil)
        #expect(s.loginThrottle.user == ThrottleRate(count: 50, seconds: 86_400) && s.loginThrottle.knownFor == 0)
        #expect(s.loginThrottle.retention == 86_400)
        #expect(try !Settings.fromEnvironment(["AUTHD_LOGIN_THROTTLE": "off"]) { _ in [] }.loginThrottle.isActive)
        let none = try Settings.fromEnvironment(
            ["AUTHD_LOGIN_THROTTLE_PAIR_RATE": "off", "AUTHD_LOGIN_THROTTLE_ADDRESS_RATE": "off", "AUTHD_LOGIN_THROTTLE_USER_RATE": "off"]) { _ in [] }
        #expect(!none.loginThrottle.isActive)
        #expect(none.summary(database: "d").contains { $0.0 == "login_throttle" })
    }

    @Test("the wait is the longest exceeded limit's, rounded up as DRF rounds it")
    func waits() {
        #expect(ThrottleVerdict.open.wait == nil)
        #expect(ThrottleVerdict(pairWait: 0.2).wait == 1)
        #expect(ThrottleVerdict(pairWait: 1.0).wait == 1)
        #expect(ThrottleVerdict(pairWait: 1.01, addressWait: 30.5, userWait: nil).wait == 31)
        #expect(ThrottleVerdict(pairWait: 0, addressWait: -0.5).wait == nil)
        #expect(ThrottleVerdict(userWait: 1e300).wait == Int(Int32.max))
    }

    @Test("DRF's Throttled: 429, Retry-After, 'second' for one")
    func answer() {
        let many = APIError.throttled(wait: 42).response
        #expect(many.status == 429 && many.headers.count == 1 && many.headers[0] == ("Retry-After", "42"))
        #expect(String(decoding: many.body, as: UTF8.self) == #"{"detail":"Request was throttled. Expected available in 42 seconds."}"#)
        let one = APIError.throttled(wait: 1).response
        #expect(String(decoding: one.body, as: UTF8.self) == #"{"detail":"Request was throttled. Expected available in 1 second."}"#)
        #expect(one.challenging("JWT").headers.allSatisfy { $0.0 != "WWW-Authenticate" })
    }
}
