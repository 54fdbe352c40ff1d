// Strict base64/base64url: one accepted encoding per byte string.
import AuthCrypto
import Testing

@Suite("Base64")
struct Base64Tests {
    @Test("RFC 4648 §10 vectors encode and decode in both alphabets")
    func rfcVectors() {
        let vectors = [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")]
        for (plain, url) in vectors {
            #expect(Base64.encode(Array(plain.utf8), alphabet: .url, padded: false) == url)
            #expect(Base64.decode(url, alphabet: .url, padded: false) == Array(plain.utf8))
            let padded = url + String(repeating: "=", count: (4 - url.count % 4) % 4)
            #expect(Base64.encode(Array(plain.utf8), alphabet: .standard, padded: true) == padded)
            #expect(Base64.decode(padded, alphabet: .standard, padded: true) == Array(plain.utf8))
        }
    }

    @Test("alphabets are not mixed", arguments: [("+/8", Base64.Alphabet.url), ("-_8", .standard)])
    func alphabets(text: String, alphabet: Base64.Alphabet) {
        #expect(Base64.decode(text + "A", alphabet: alphabet, padded: false) == nil)
    }

    @Test("non-canonical, padded, spaced or truncated text is refused", arguments: [
        "Zh", "Zm9=", "Zm9v=", "Zm9v====", "Z", "Zm9vY", " Zm9v", "Zm9v ", "Zm 9v", "Zm9v\n", "Zm9v?", "AB",
    ])
    func refusals(text: String) {
        #expect(Base64.decode(text, alphabet: .url, padded: false) == nil)
    }

    @Test("padding is required exactly when asked")
    func padding() {
        #expect(Base64.decode("Zg==", alphabet: .standard, padded: true) == [0x66])
        #expect(Base64.decode("Zg", alphabet: .standard, padded: true) == nil)
        #expect(Base64.decode("Zg=", alphabet: .standard, padded: true) == nil)
        #expect(Base64.decode("Zg=A", alphabet: .standard, padded: true) == nil)
        #expect(Base64.decode("Zg==", alphabet: .url, padded: false) == nil)
    }

    @Test("every byte value round trips")
    func roundTrip() {
        let bytes = (0..<256).map { UInt8($0) }
        for length in 0...bytes.count {
            let slice = Array(bytes[0..<length])
            #expect(Base64.decode(Base64.encode(slice, alphabet: .url, padded: false), alphabet: .url, padded: false) == slice)
        }
    }
}
