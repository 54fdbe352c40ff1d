// Django 5.2's own pbkdf2_sha256 hashes (Fixtures/django_hashes.json, made by
// scripts/fixtures/make_django_hashes.py) verify here exactly as in Django, and hashes made here
// have Django's form.
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
        let mustUpdate: Bool
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

@Suite("Django pbkdf2_sha256 hashes")
struct DjangoPasswordTests {
    let fixtures = DjangoFixtures.loaded

    @Test("the fixture was made by Django 5.2 with 1,000,000 default iterations")
    func provenance() {
        #expect(fixtures.generator.hasPrefix("Django 5.2"))
        #expect(fixtures.defaultIterations == PBKDF2Hasher.defaultIterations)
        #expect(fixtures.cases.contains { $0.iterations == 1_000_000 && $0.password == "123" })
    }

    @Test("every Django hash accepts its passwords and refuses the near misses")
    func verification() throws {
        let hasher = PBKDF2Hasher()
        var checks = 0
        for entry in fixtures.cases {
            for password in entry.matches {
                #expect(try hasher.verify(password, encoded: entry.encoded), "\(entry.encoded) should accept \(password.debugDescription)")
                checks += 1
            }
            for password in entry.rejects {
                #expect(try !hasher.verify(password, encoded: entry.encoded), "\(entry.encoded) should refuse \(password.debugDescription)")
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
            #expect(try PBKDF2Hasher(iterations: entry.iterations).encode(entry.password, salt: entry.salt) == entry.encoded)
        }
    }

    @Test("must_update answers as Django's: any other iteration count, or a salt under 22 characters")
    func mustUpdate() throws {
        let hasher = PBKDF2Hasher()
        for entry in fixtures.cases {
            #expect(try hasher.mustUpdate(entry.encoded) == entry.mustUpdate, "\(entry.iterations) \(entry.salt.count)")
        }
        let strong = try PBKDF2Hasher(iterations: 2000).encode("pw")
        #expect(try PBKDF2Hasher(iterations: 1000).mustUpdate(strong), "Django re-hashes a hash with more iterations too")
    }

    @Test("malformed and foreign hashes are typed errors or plain mismatches, never a match")
    func malformed() {
        let hasher = PBKDF2Hasher(iterations: 1000)
        #expect(fixtures.malformed.count >= 10)
        for entry in fixtures.malformed {
            for password in entry.checkedPasswords {
                #expect((try? hasher.verify(password, encoded: entry.encoded)) != true, "\(entry.why)")
                #expect(!PasswordHashers([.pbkdf2SHA256], pbkdf2Iterations: 1000).check(password, against: entry.encoded).matched)
            }
        }
        #expect(throws: PasswordHashError.aboveLimit("iterations above 50000000")) {
            try hasher.verify("x", encoded: "pbkdf2_sha256$50000001$s$h")
        }
        #expect(throws: PasswordHashError.self) { try hasher.verify("x", encoded: "pbkdf2_sha256$99999999999999999999$s$h") }
    }

    @Test("new hashes have Django's shape, a fresh 22-character salt, and verify")
    func creation() throws {
        let hasher = PBKDF2Hasher(iterations: 1000)
        let first = try hasher.encode("correct horse")
        let second = try hasher.encode("correct horse")
        #expect(first != second)
        let parts = first.split(separator: "$")
        #expect(parts.count == 4 && parts[0] == "pbkdf2_sha256" && parts[1] == "1000" && parts[2].count == 22 && parts[3].count == 44)
        #expect(parts[2].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(try hasher.verify("correct horse", encoded: first))
        #expect(try !hasher.verify("correct horsE", encoded: first))
        #expect(try !hasher.mustUpdate(first))
    }
}
