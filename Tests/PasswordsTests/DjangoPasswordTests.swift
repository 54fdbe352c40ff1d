// Django 5.2's own hashes (Fixtures/django_hashes.json, made by scripts/fixtures/make_django_hashes.py)
// verify here exactly as in Django, and hashes made here have Django's form.
import Foundation
import Passwords
import Testing

struct DjangoFixtures: Decodable {
    struct Case: Decodable {
        let password: String
        let encoded: String
        let iterations: Int
        let salt: String
        let fixedSalt: Bool
        let matches: [String]
        let rejects: [String]
    }

    struct Malformed: Decodable {
        let encoded: String
        let why: String
        let checkedPasswords: [String]
    }

    let generator: String
    let defaultIterations: Int
    let cases: [Case]
    let malformed: [Malformed]

    static let loaded: DjangoFixtures = {
        let url = Bundle.module.url(forResource: "Fixtures/django_hashes", withExtension: "json")!
        return try! JSONDecoder().decode(DjangoFixtures.self, from: Data(contentsOf: url))
    }()
}

@Suite("Django password hashes")
struct DjangoPasswordTests {
    let fixtures = DjangoFixtures.loaded

    @Test("the fixture was made by Django 5.2 with 1,000,000 default iterations")
    func provenance() {
        #expect(fixtures.generator.hasPrefix("Django 5.2"))
        #expect(fixtures.defaultIterations == DjangoPasswordHasher.defaultIterations)
        #expect(fixtures.cases.contains { $0.iterations == 1_000_000 && $0.password == "123" })
    }

    @Test("every Django hash accepts its passwords and refuses the near misses")
    func verification() throws {
        let hasher = DjangoPasswordHasher()
        var checks = 0
        for entry in fixtures.cases {
            for password in entry.matches {
                #expect(try hasher.verify(password, against: entry.encoded), "\(entry.encoded) should accept \(password.debugDescription)")
                checks += 1
            }
            for password in entry.rejects {
                #expect(try !hasher.verify(password, against: entry.encoded), "\(entry.encoded) should refuse \(password.debugDescription)")
                checks += 1
            }
        }
        print("Django hashes: \(fixtures.cases.count) hashes, \(checks) password checks")
    }

    @Test("hashing with Django's salt and iterations reproduces Django's string exactly")
    func fixedSalt() throws {
        let fixed = fixtures.cases.filter(\.fixedSalt)
        #expect(fixed.count >= 3)
        for entry in fixed {
            #expect(try DjangoPasswordHasher(iterations: entry.iterations).hash(entry.password, salt: entry.salt) == entry.encoded)
        }
    }

    @Test("hashes below the configured iterations need an upgrade; equal or above do not")
    func upgrade() throws {
        let hasher = DjangoPasswordHasher()
        for entry in fixtures.cases {
            #expect(try hasher.needsUpgrade(entry.encoded) == (entry.iterations < 1_000_000))
        }
        #expect(try !DjangoPasswordHasher(iterations: 1000).needsUpgrade(fixtures.cases.first { $0.iterations == 1_000_000 }!.encoded))
    }

    @Test("malformed and foreign hashes are typed errors or plain mismatches, never a match")
    func malformed() {
        let hasher = DjangoPasswordHasher(iterations: 1000)
        #expect(fixtures.malformed.count >= 10)
        for entry in fixtures.malformed {
            for password in entry.checkedPasswords {
                do {
                    #expect(try !hasher.verify(password, against: entry.encoded), "\(entry.why)")
                } catch {
                    // A typed PasswordHashError is the expected answer for most of them.
                }
            }
        }
        #expect(throws: PasswordHashError.unusablePassword) { try hasher.verify("x", against: "!abcdef") }
        #expect(throws: PasswordHashError.unsupportedAlgorithm("argon2")) { try hasher.verify("x", against: "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA") }
        #expect(throws: PasswordHashError.self) { try hasher.verify("x", against: "pbkdf2_sha256$99999999999999999999$s$h") }
    }

    @Test("a login check agrees with verify, and answers false (after a dummy hash) for unusable or foreign hashes")
    func loginCheck() throws {
        let hasher = DjangoPasswordHasher(iterations: 1000)
        let cheap = try DjangoPasswordHasher(iterations: 10).hash("pw")
        #expect(hasher.check("pw", against: cheap) && !hasher.check("pW", against: cheap))
        let strong = try DjangoPasswordHasher(iterations: 2000).hash("pw")
        #expect(hasher.check("pw", against: strong))
        for foreign in ["!abcdef", "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA", "", "pbkdf2_sha256$x$s$h"] {
            #expect(!hasher.check("x", against: foreign))
        }
    }

    @Test("new hashes have Django's shape, a fresh 22-character salt, and verify")
    func creation() throws {
        let hasher = DjangoPasswordHasher(iterations: 1000)
        let first = try hasher.hash("correct horse")
        let second = try hasher.hash("correct horse")
        #expect(first != second)
        let parsed = try DjangoPasswordHash(parsing: first)
        #expect(parsed.iterations == 1000 && parsed.salt.count == 22 && parsed.encodedHash.count == 44)
        #expect(parsed.salt.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(try hasher.verify("correct horse", against: first))
        #expect(try !hasher.verify("correct horsE", against: first))
    }
}
