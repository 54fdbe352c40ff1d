// Request bodies are read and validated as DRF's parsers and CharField do (simplejwt's serializers).
@testable import AuthServer
import JSON
import Testing

@Suite("Request bodies")
struct RequestDataTests {
    func fields(_ body: String, contentType: String? = "application/json", names: [String] = ["username", "password"]) -> Result<[String], APIError> {
        do {
            return .success(try RequestData(contentType: contentType, body: Array(body.utf8)).charFields(names))
        } catch {
            return .failure(error)
        }
    }

    func body(_ result: Result<[String], APIError>) -> String {
        switch result {
        case .success(let values): return "ok \(values)"
        case .failure(let error): return "\(error.response.status) " + String(decoding: error.response.body, as: UTF8.self)
        }
    }

    @Test("JSON and form bodies give the fields; a JSON number password is its decimal string")
    func accepted() {
        #expect(body(fields(#"{"username":"Gokul","password":123}"#)) == #"ok ["Gokul", "123"]"#)
        #expect(body(fields("username=Gokul&password=1%2B2+3", contentType: "application/x-www-form-urlencoded")) == #"ok ["Gokul", "1+2 3"]"#)
        #expect(body(fields(#"{"username":" Gokul ","password":" 123 "}"#)) == #"ok ["Gokul", "123"]"#, "both are trimmed")
        #expect(body(fields(#"{"username":"a","password":1.5}"#)) == #"ok ["a", "1.5"]"#)
        #expect(body(fields(#"{"username":"a","password":-0}"#)) == #"ok ["a", "0"]"#)
        #expect(body(fields(#"{"username":"a","password":"x","extra":[1]}"#)) == #"ok ["a", "x"]"#)
    }

    @Test("field errors carry DRF's messages, every field at once, in field order")
    func fieldErrors() {
        #expect(body(fields("{}")) == #"400 {"username":["This field is required."],"password":["This field is required."]}"#)
        #expect(body(fields("")) == #"400 {"username":["This field is required."],"password":["This field is required."]}"#)
        #expect(body(fields("", contentType: "text/plain")) == #"400 {"username":["This field is required."],"password":["This field is required."]}"#)
        #expect(body(fields(#"{"username":"a"}"#)) == #"400 {"password":["This field is required."]}"#)
        #expect(body(fields(#"{"username":null,"password":null}"#)) == #"400 {"username":["This field may not be null."],"password":["This field may not be null."]}"#)
        #expect(body(fields(#"{"username":"","password":"  "}"#)) == #"400 {"username":["This field may not be blank."],"password":["This field may not be blank."]}"#)
        #expect(body(fields(#"{"username":[],"password":{}}"#)) == #"400 {"username":["Not a valid string."],"password":["Not a valid string."]}"#)
        #expect(body(fields(#"{"username":true,"password":"x"}"#)) == #"400 {"username":["Not a valid string."]}"#)
        #expect(body(fields(#"{"username":"a\u0000b","password":"x"}"#)) == #"400 {"username":["Null characters are not allowed."]}"#)
    }

    @Test("a Content-Type's media type: before any parameters, blanks around it dropped, lower-cased", arguments: [
        ("application/json", "application/json"), (" Application/JSON ;charset=utf-8", "application/json"),
        ("\tmultipart/form-data; boundary=x", "multipart/form-data"), ("text/plain", "text/plain"), (";", ""), ("", ""),
        ("APPLICATION/Ä", "application/ä"),
    ])
    func mediaTypes(header: String, expected: String) {
        #expect(RequestData.mediaType(header) == expected)
        #expect(RequestData.mediaType(nil) == "")
    }

    @Test("bodies that are not objects, not JSON, or not a supported type are refused as DRF does")
    func documentErrors() {
        #expect(body(fields("[1,2]")) == #"400 {"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}"#)
        #expect(body(fields(#""abc""#)) == #"400 {"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}"#)
        #expect(body(fields("123")) == #"400 {"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}"#)
        #expect(body(fields("1.5")) == #"400 {"non_field_errors":["Invalid data. Expected a dictionary, but got float."]}"#)
        #expect(body(fields("null")) == #"400 {"non_field_errors":["No data provided"]}"#)
        #expect(body(fields("{")).hasPrefix(#"400 {"detail":"JSON parse error - "#))
        #expect(body(fields(String(repeating: "[", count: 5000))).hasPrefix(#"400 {"detail":"JSON parse error - "#))
        #expect(body(fields("x", contentType: "text/plain")) == #"415 {"detail":"Unsupported media type \"text/plain\" in request."}"#)
        #expect(body(fields("x", contentType: nil)) == #"415 {"detail":"Unsupported media type \"\" in request."}"#)
        #expect(body(fields(#"{"username":"a","password":"b"}"#, contentType: "application/json; charset=utf-8")) == #"ok ["a", "b"]"#)
    }

    @Test("multipart/form-data text fields are read; file parts are not fields")
    func multipart() {
        let form = "--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nGokul\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=\"password\"; filename=\"p.txt\"\r\n\r\nfile\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n123\r\n--XyZ--\r\n"
        #expect(body(fields(form, contentType: "multipart/form-data; boundary=XyZ")) == #"ok ["Gokul", "123"]"#)
        #expect(
            body(fields(form, contentType: "multipart/form-data"))
                == #"400 {"detail":"Multipart form parse error - Invalid boundary in multipart: None"}"#)
    }

    @Test("a lone surrogate escape is refused in its own field, as DRF does; a pair is fine")
    func surrogates() {
        #expect(body(fields(#"{"username":"a\ud800","password":"x"}"#)) == #"400 {"username":["Surrogate characters are not allowed: U+D800."]}"#)
        #expect(body(fields(#"{"username":"ok","password":"\udfff"}"#)) == #"400 {"password":["Surrogate characters are not allowed: U+DFFF."]}"#)
        #expect(body(fields(#"{"username":"\ud83d\ude00","password":"x"}"#)) == "ok [\"😀\", \"x\"]")
    }

    @Test("invalid UTF-8 in JSON is a parse error, in a form it is replaced as Django does")
    func encodings() {
        var bytes = Array(#"{"username":"a"#.utf8)
        bytes += [0xFF]
        bytes += Array(#"","password":"b"}"#.utf8)
        let result = (try? RequestData(contentType: "application/json", body: bytes)).map { _ in "parsed" }
        #expect(result == nil)
        #expect(body(fields("username=%FF&password=b", contentType: "application/x-www-form-urlencoded")) == "ok [\"\u{FFFD}\", \"b\"]")
        #expect(body(fields("username=%zz&password=%", contentType: "application/x-www-form-urlencoded")) == #"ok ["%zz", "%"]"#)
    }
}
