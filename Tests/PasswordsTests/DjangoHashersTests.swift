// Every Django 5.2 hasher (Fixtures/django_hashers.json, made by Django, argon2-cffi and bcrypt
// through scripts/fixtures/make_django_hashes.py --hashers): the same answers as Django's
// check_password and must_update, and Django's list semantics (identify, refuse, rehash).
import Foundation
import Passwords
import Testing

struct DjangoHasherFixtures: Decodable {
    struct Case: Decodable {
        let algorithm: String
        let note: String
        let password: String
        let encoded: String
        let salt: String?
        let matches: [String]
        let rejects: [String]
        let raises: [String]
        let mustUpdate: Bool
        let hasherMustUpdate: Bool
    }

    struct Malformed: Decodable {
        let encoded: String
        let why: String
        let djangoOutcome: [String]
    }

    let generator: String
    let cases: [Case]
    let malformed: [Malformed]

    static let loaded: DjangoHasherFixtures = {
        let url = Bundle.module.url(forResource: "Fixtures/django_hashers", withExtension: "json")!
        return try! JSONDecoder().decode(DjangoHasherFixtures.self, from: Data(contentsOf: url))
    }()
}

@Suite("Every Django password hasher")
struct DjangoHashersTests {
    let fixtures = DjangoHasherFixtures.loaded
    /// Django's default list plus the two opt-in hashers, as the fixture was made with.
    static let all = PasswordHashers(HasherAlgorithm.djangoDefault + [.bcrypt, .md5])

    static func preferring(_ algorithm: HasherAlgorithm) -> PasswordHashers {
        PasswordHashers([algorithm] + HasherAlgorithm.allCases.filter { $0 != algorithm })
    }

    @Test("the fixture covers every hasher, made by Django 5.2")
    func provenance() {
        #expect(fixtures.generator.hasPrefix("Django 5.2"))
        #expect(Set(fixtures.cases.map(\.algorithm)) == Set(HasherAlgorithm.allCases.map(\.rawValue)))
    }

    @Test("each hash accepts what Django accepts and refuses what Django refuses or raises on")
    func verification() {
        var checks = 0
        for entry in fixtures.cases {
            for password in entry.matches {
                #expect(Self.all.check(password, against: entry.encoded).matched, "\(entry.algorithm) \(entry.note) should accept \(password.debugDescription)")
                checks += 1
            }
            for password in entry.rejects + entry.raises {
                #expect(!Self.all.check(password, against: entry.encoded).matched, "\(entry.algorithm) \(entry.note) should refuse \(password.debugDescription)")
                checks += 1
            }
        }
        print("Django hashers: \(fixtures.cases.count) hashes, \(checks) password checks")
    }

    @Test("must_update is Django's verify_password answer with that hasher preferred, and true under any other")
    func mustUpdate() throws {
        for entry in fixtures.cases {
            let algorithm = try #require(HasherAlgorithm(rawValue: entry.algorithm))
            let check = Self.preferring(algorithm).check(entry.password, against: entry.encoded)
            #expect(check.matched && check.mustUpdate == entry.mustUpdate, "\(entry.algorithm) \(entry.note)")
            let hasher = try Self.all.identify(entry.encoded)
            #expect(try hasher.mustUpdate(entry.encoded) == entry.hasherMustUpdate, "\(entry.algorithm) \(entry.note)")
            let other: HasherAlgorithm = algorithm == .md5 ? .pbkdf2SHA256 : .md5
            #expect(Self.preferring(other).check(entry.password, against: entry.encoded) == PasswordCheck(matched: true, mustUpdate: true))
        }
    }

    @Test("hashing with Django's salt reproduces Django's string exactly")
    func fixedSalt() throws {
        var reproduced = 0
        for entry in fixtures.cases {
            guard let salt = entry.salt else { continue }
            let made: String
            switch entry.algorithm {
            case "argon2": made = try Argon2Hasher().encode(entry.password, salt: salt)
            case "scrypt": made = try ScryptHasher().encode(entry.password, salt: salt)
            case "md5": made = try MD5Hasher().encode(entry.password, salt: salt)
            case "pbkdf2_sha1", "pbkdf2_sha256":
                let iterations = try #require(Int(entry.encoded.split(separator: "$")[1]))
                let digest: PBKDF2Hasher.Digest = entry.algorithm == "pbkdf2_sha1" ? .sha1 : .sha256
                made = try PBKDF2Hasher(digest: digest, iterations: iterations).encode(entry.password, salt: salt)
            default: continue
            }
            #expect(made == entry.encoded, "\(entry.algorithm) \(entry.note)")
            reproduced += 1
        }
        #expect(reproduced >= 4)
        // bcrypt's salt is inside its setting: Django's encode(password, setting) again.
        for entry in fixtures.cases where entry.algorithm.hasPrefix("bcrypt") && entry.matches.contains(entry.password) {
            let data = Array(entry.encoded.utf8.dropFirst(entry.algorithm.utf8.count + 1))
            if let made = try? BCryptHasher(prehash: entry.algorithm == "bcrypt_sha256").encode(entry.password, setting: data) {
                #expect(made == entry.encoded, "\(entry.note)")
            }
        }
    }

    @Test("a hash of a hasher that is not configured is refused, as Django refuses it")
    func notConfigured() {
        for entry in fixtures.cases {
            let algorithm = HasherAlgorithm(rawValue: entry.algorithm)!
            let without = PasswordHashers(HasherAlgorithm.allCases.filter { $0 != algorithm })
            #expect(without.check(entry.password, against: entry.encoded) == .refused, "\(entry.algorithm)")
            #expect(throws: PasswordHashError.unknownAlgorithm(entry.algorithm)) { try without.identify(entry.encoded) }
        }
        #expect(throws: PasswordHashError.unusablePassword) { try Self.all.identify("!abcdef") }
    }

    @Test("hashes Django refuses or raises on are refused, never a match or a crash")
    func malformed() {
        #expect(fixtures.malformed.count >= 15)
        for entry in fixtures.malformed {
            for password in ["123", ""] {
                #expect(Self.all.check(password, against: entry.encoded) == .refused, "\(entry.why)")
            }
        }
    }

    @Test("hashes asking for more than authd's limits are refused before any work")
    func limits() {
        let tooMuch = [
            "argon2$argon2id$v=19$m=1048577,t=1,p=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "argon2$argon2id$v=19$m=102400,t=41,p=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "bcrypt_sha256$$2b$17$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
            "scrypt$16384$salt$8$129$aGFzaA==",
            "pbkdf2_sha1$50000001$salt$aGFzaA==",
        ]
        for encoded in tooMuch {
            let hasher = try? Self.all.identify(encoded)
            #expect(throws: PasswordHashError.self) { try hasher?.verify("x", encoded: encoded) }
            let start = ContinuousClock.now
            #expect(Self.preferring(.md5).check("x", against: encoded) == .refused)
            #expect(ContinuousClock.now - start < .seconds(1), "\(encoded.prefix(16))")
        }
    }

    @Test("new hashes of every hasher verify, need no update, and differ each time")
    func creation() throws {
        for algorithm in HasherAlgorithm.allCases {
            let hashers = Self.preferring(algorithm)
            let first = try hashers.make("pässword 123")
            #expect(first.hasPrefix(algorithm.rawValue + "$") && first.utf8.count <= 128, "\(first.prefix(20))")
            #expect(try hashers.make("pässword 123") != first)
            #expect(hashers.check("pässword 123", against: first) == PasswordCheck(matched: true, mustUpdate: false))
            #expect(!hashers.check("pässword 124", against: first).matched)
        }
    }

    @Test("AUTHD_PASSWORD_HASHERS names: Django's class paths and the algorithm names")
    func names() {
        #expect(HasherAlgorithm(setting: "django.contrib.auth.hashers.Argon2PasswordHasher") == .argon2)
        #expect(HasherAlgorithm(setting: "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher") == .pbkdf2SHA1)
        #expect(HasherAlgorithm(setting: "bcrypt_sha256") == .bcryptSHA256)
        #expect(HasherAlgorithm(setting: "django.contrib.auth.hashers.UnsaltedMD5PasswordHasher") == nil)
        #expect(HasherAlgorithm(setting: "myapp.hashers.Argon2PasswordHasher") == nil)
        #expect(HasherAlgorithm.djangoDefault.map(\.djangoClassName) == [
            "PBKDF2PasswordHasher", "PBKDF2SHA1PasswordHasher", "Argon2PasswordHasher", "BCryptSHA256PasswordHasher", "ScryptPasswordHasher",
        ])
    }
}
