// Targets `json-body`, `form-body` and `multipart-body`: request bodies as the handlers read them.
import AuthServer
import JSON

extension FuzzTarget {
    /// An `application/json` body. Whatever the strict parser accepts must serialize and parse
    /// back to an equal value, and the DRF-compatible parse (which tolerates lone surrogate
    /// escapes) must agree with it; then the handlers' fields are read.
    static func jsonBody(_ input: UnsafeRawBufferPointer) {
        if let value = try? JSONParser.parse(input) {
            guard let again = try? JSONParser.parse(value.serialized()), again == value else {
                fatalError("a parsed JSON value does not survive serializing and parsing again")
            }
            guard let tolerant = try? JSONParser.parseReportingLoneSurrogates(Array(input)),
                tolerant.value == value, tolerant.loneSurrogates.isEmpty
            else { fatalError("the DRF-compatible JSON parse disagrees with the strict one") }
        }
        readFields(contentType: "application/json", body: Array(input))
    }

    /// An `application/x-www-form-urlencoded` body.
    static func formBody(_ input: UnsafeRawBufferPointer) {
        readFields(contentType: "application/x-www-form-urlencoded", body: Array(input))
    }

    /// The first line is the Content-Type header (so its boundary parameter is fuzzed too, and
    /// the other media types stay reachable), the rest the body.
    static func multipartBody(_ input: UnsafeRawBufferPointer) {
        let newline = input.firstIndex(of: UInt8(ascii: "\n")) ?? input.endIndex
        let contentType = String(decoding: UnsafeRawBufferPointer(rebasing: input[..<newline]), as: UTF8.self)
        let body = newline < input.endIndex ? Array(input[(newline + 1)...]) : []
        readFields(contentType: contentType, body: body)
    }

    /// Reads a body as the handlers do: parsed by its Content-Type, then the fields of the login,
    /// the refresh and blacklist, and the verify serializers; refusals are rendered as answers.
    private static func readFields(contentType: String, body: [UInt8]) {
        do {
            let data = try RequestData(contentType: contentType, body: body)
            for names in [["username", "password"], ["refresh"], ["token"]] {
                do {
                    _ = try data.charFields(names)
                } catch {
                    _ = error.response
                }
            }
        } catch {
            _ = error.response
        }
    }
}
