"""Hostile and malformed input: broken JSON, wrong types, big bodies, unicode and SQL
metacharacters in usernames, NUL bytes, lone surrogates, form bodies, unsupported media types,
non-object bodies, broken HTTP framing. Each gets its 4xx (simplejwt's where it has one, a JSON
4xx where simplejwt answers 500 or HTML) and the server keeps serving afterwards (checked after
every test in this module)."""

import json
import socket
import unicodedata

import pytest
import requests

from authd_testlib import (
    BLANK,
    NO_ACTIVE_ACCOUNT,
    NUL_CHARACTERS,
    REQUIRED,
    SIMPLEJWT_BODY_LIMIT,
    expect,
    expect_error,
    expect_json_parse_error,
    expect_protocol_error,
    expect_tokens,
    field_errors,
    http_bytes,
    raw_exchange,
    not_a_dict,
    parse_response,
    raw_request,
    surrogate_error,
    unique,
    unsupported_media_type,
)

LOGIN = "/api/token/"
ENDPOINT_FIELDS = [("/api/token/", "username"), ("/api/token/refresh/", "refresh"),
                   ("/api/token/verify/", "token"), ("/api/token/blacklist/", "refresh")]


@pytest.fixture(autouse=True)
def server_keeps_serving(default_server, users):
    yield
    assert default_server.alive, "authd died; stderr:\n%s" % default_server.stderr_text()[-3000:]
    expect(default_server.healthz(), 200, {"status": "ok"})
    expect_tokens(default_server.login("Gokul", "123"), ("refresh", "access"))


# --- SQL metacharacters and unicode in usernames ----------------------------------------------------------

@pytest.mark.parametrize("username", [
    "' OR '1'='1", "Gokul'--", "Gokul' OR 1=1 --", "Gokul'; DROP TABLE auth_user; --", '" OR ""="',
    "Goku%", "G_kul", "%", "_____", "Gokul\\", "Gokul;", "$1", "Gokul' UNION SELECT 1,2,3 --",
    "Gokul\u200b", "\u202eGokul",
], ids=repr)
def test_login_with_sql_metacharacters_or_invisible_characters_in_username_is_401(default_server, username):
    # Sent with Gokul's password: an injectable or LIKE-based lookup would log in.
    expect(default_server.login(username, "123"), 401, NO_ACTIVE_ACCOUNT)


def test_login_with_like_wildcards_does_not_match_a_real_user(default_server, make_user):
    user = make_user("like_user")
    prefix = user.username[:-3]
    for pattern in (prefix + "%", prefix + "___", user.username.replace("_", "%"), user.username.upper()):
        expect(default_server.login(pattern, user.password), 401, NO_ACTIVE_ACCOUNT)
    default_server.obtain(user.username, user.password)


@pytest.mark.parametrize("username", ["\U0001f600\U0001f389", "\u0645\u0631\u062d\u0628\u0627", "\u6d4b\u8bd5\u7528\u6237",
                                      "e\u0301\u0301\u0301", "\U00010348" * 40], ids=repr)
def test_login_with_unknown_unicode_username_is_401(default_server, username):
    expect(default_server.login(username, "123"), 401, NO_ACTIVE_ACCOUNT)


def test_login_with_decomposed_form_of_a_unicode_username_is_401(default_server, users):
    # Django looks the username up exactly; it normalizes only when a user is created.
    nfd = unicodedata.normalize("NFD", users.unicode.username)
    assert nfd != users.unicode.username
    expect(default_server.login(nfd, users.unicode.password), 401, NO_ACTIVE_ACCOUNT)


# --- NUL bytes and surrogates ---------------------------------------------------------------------------------

def test_login_with_escaped_nul_in_password_is_400_null_characters_not_allowed(default_server):
    expect(default_server.login("Gokul", "12\u00003"), 400, field_errors(NUL_CHARACTERS, "password"))


@pytest.mark.parametrize("path,field", ENDPOINT_FIELDS)
def test_escaped_nul_in_any_field_is_400_null_characters_not_allowed(default_server, path, field):
    body = {field: "x\u0000y"}
    if field == "username":
        body["password"] = "123"
    expect(default_server.post(path, body), 400, field_errors(NUL_CHARACTERS, field))


def test_raw_nul_byte_inside_a_json_string_is_400_json_parse_error(default_server):
    body = b'{"username": "Gok\x00ul", "password": "123"}'
    expect_json_parse_error(default_server.post(LOGIN, data=body, headers={"Content-Type": "application/json"}))


def test_raw_nul_byte_outside_json_strings_is_400_json_parse_error(default_server):
    body = b'{"username": "Gokul",\x00 "password": "123"}'
    expect_json_parse_error(default_server.post(LOGIN, data=body, headers={"Content-Type": "application/json"}))


def test_nul_byte_in_request_path_is_a_4xx(default_server):
    resp = raw_request(default_server, http_bytes("GET", "/api/users/me/\x00", content_length=False))
    expect_protocol_error(resp, (400, 404))


def test_nul_byte_in_authorization_header_is_a_json_400_or_401(default_server, users):
    access = default_server.obtain("Gokul", "123")["access"]
    request = http_bytes("GET", "/api/users/me/", headers=[("Authorization", "Bearer " + access[:20] + "\x00" + access[20:])],
                         content_length=False)
    expect_error(raw_request(default_server, request), (400, 401))


@pytest.mark.parametrize("value,code_point", [
    ("\ud800", 0xD800), ("\udfff", 0xDFFF), ("ab\ud800cd", 0xD800), ("\udc00\ud800", 0xDC00), ("\ud83d", 0xD83D),
], ids=repr)
def test_lone_surrogate_in_username_is_400_surrogate_characters_not_allowed(default_server, value, code_point):
    expect(default_server.login(value, "123"), 400, {"username": [surrogate_error(code_point)]})


def test_lone_surrogate_in_password_is_400_surrogate_characters_not_allowed(default_server):
    expect(default_server.login("Gokul", "1\udbff23"), 400, {"password": [surrogate_error(0xDBFF)]})


def test_valid_surrogate_pair_escape_is_a_normal_character(default_server):
    # "\ud83d\ude00" is U+1F600: a valid (unknown) username, not a surrogate error.
    expect(default_server.post(LOGIN, data=b'{"username": "\\ud83d\\ude00", "password": "123"}',
                               headers={"Content-Type": "application/json"}), 401, NO_ACTIVE_ACCOUNT)


def test_utf8_encoded_surrogate_bytes_are_400_json_parse_error(default_server):
    # ED A0 80 would be U+D800 in CESU-8; it is not valid UTF-8.
    body = b'{"username": "\xed\xa0\x80", "password": "123"}'
    expect_json_parse_error(default_server.post(LOGIN, data=body, headers={"Content-Type": "application/json"}))


def test_overlong_utf8_is_400_json_parse_error(default_server):
    body = b'{"username": "\xc0\xafGokul", "password": "123"}'
    expect_json_parse_error(default_server.post(LOGIN, data=body, headers={"Content-Type": "application/json"}))


# --- media types and form bodies ----------------------------------------------------------------------------

@pytest.mark.parametrize("path,field", ENDPOINT_FIELDS)
def test_text_plain_body_is_415_on_every_token_endpoint(default_server, path, field):
    resp = default_server.post(path, data=json.dumps({field: "x"}), headers={"Content-Type": "text/plain"})
    expect(resp, 415, unsupported_media_type("text/plain"))


def test_json_body_without_content_type_is_415_unsupported_media_type_empty_string(default_server):
    # DRF: a non-empty body with no Content-Type has media type "" and no parser for it. (An empty
    # body without Content-Type is "no data": 400 required, see test_token_obtain.py.)
    body = b'{"username": "Gokul", "password": "123"}'
    expect(raw_request(default_server, http_bytes("POST", LOGIN, body)), 415, unsupported_media_type(""))


def test_form_encoded_login_is_parsed_like_drf_and_succeeds(default_server, users):
    # DRF's default parsers include FormParser: simplejwt accepts form bodies.
    resp = default_server.post(LOGIN, data={"username": "Gokul", "password": "123"})
    assert resp.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    expect_tokens(resp, ("refresh", "access"))


def test_form_encoded_login_with_wrong_password_is_401(default_server, users):
    expect(default_server.post(LOGIN, data={"username": "Gokul", "password": "nope-123"}), 401, NO_ACTIVE_ACCOUNT)


def test_form_encoded_login_without_password_is_400_password_required(default_server):
    expect(default_server.post(LOGIN, data={"username": "Gokul"}), 400, field_errors(REQUIRED, "password"))


def test_form_encoded_login_with_blank_fields_is_400_may_not_be_blank(default_server):
    expect(default_server.post(LOGIN, data={"username": "", "password": " "}), 400,
           field_errors(BLANK, "username", "password"))


def test_form_encoded_nul_is_400_null_characters_not_allowed(default_server):
    resp = default_server.post(LOGIN, data=b"username=Go%00kul&password=123",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    expect(resp, 400, field_errors(NUL_CHARACTERS, "username"))


def test_multipart_login_is_parsed_like_drf_and_succeeds(default_server, users):
    # DRF's default parsers include MultiPartParser too.
    resp = requests.post(default_server.base_url + LOGIN, timeout=10,
                         files={"username": (None, "Gokul"), "password": (None, "123")})
    assert resp.request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    expect_tokens(resp, ("refresh", "access"))


def test_multipart_without_boundary_is_400_multipart_form_parse_error(default_server):
    resp = default_server.post(LOGIN, data=b"username=Gokul", headers={"Content-Type": "multipart/form-data"})
    expect(resp, 400, {"detail": "Multipart form parse error - Invalid boundary in multipart: None"})


# --- wrong shapes -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path,field", ENDPOINT_FIELDS)
@pytest.mark.parametrize("body,type_name", [([], "list"), ("x", "str"), (7, "int"), (False, "bool")], ids=repr)
def test_non_object_body_is_400_expected_a_dictionary_on_every_endpoint(default_server, path, field, body, type_name):
    expect(default_server.post(path, body), 400, not_a_dict(type_name))


@pytest.mark.parametrize("path,field", ENDPOINT_FIELDS)
def test_malformed_json_is_400_json_parse_error_on_every_endpoint(default_server, path, field):
    body = ('{"%s": "abc"' % field).encode()
    expect_json_parse_error(default_server.post(path, data=body, headers={"Content-Type": "application/json"}))


def test_deeply_nested_json_is_a_json_400_not_500(default_server):
    # simplejwt: Python's recursion limit, then Django's HTML 500. authd: JSON 400.
    depth = 5000
    body = b'{"username": ' + b"[" * depth + b"]" * depth + b', "password": "123"}'
    resp = default_server.post(LOGIN, data=body, headers={"Content-Type": "application/json"})
    expect_error(resp, (400,), key=None)
    assert isinstance(resp.json(), dict)


def test_json_nested_as_deep_as_django_parses_gets_drf_field_errors(default_server):
    # DRF parses nesting up to Python's recursion limit (about 990 levels), then validates the
    # fields: a nested list is "Not a valid string.", as for any list.
    depth = 900
    body = b'{"username": ' + b"[" * depth + b"]" * depth + b', "password": "123"}'
    resp = default_server.post(LOGIN, data=body, headers={"Content-Type": "application/json"})
    expect(resp, 400, {"username": ["Not a valid string."]})


def test_deeply_nested_objects_are_a_json_400_not_500(default_server):
    depth = 5000
    body = b'{"a":' * depth + b"1" + b"}" * depth
    resp = default_server.post(LOGIN, data=body, headers={"Content-Type": "application/json"})
    expect_error(resp, (400,), key=None)


# --- sizes -------------------------------------------------------------------------------------------------------

def test_1mib_login_body_is_401_no_active_account(default_server):
    # 1 MiB is below simplejwt's 2.5 MiB limit: it is parsed and the unknown user refused.
    resp = default_server.login("u" * (1 << 20), "123", timeout=30)
    expect(resp, 401, NO_ACTIVE_ACCOUNT)


def test_body_over_2_5_mib_is_413_json(default_server):
    # simplejwt: Django's HTML 400 "Bad Request". authd: JSON 413.
    size = SIMPLEJWT_BODY_LIMIT + (512 << 10)
    body = b'{"username": "' + b"a" * size + b'", "password": "123"}'
    request = http_bytes("POST", LOGIN, body, headers=[("Content-Type", "application/json")])
    expect_error(raw_request(default_server, request, timeout=30), (413,))


def test_declared_huge_content_length_is_413_at_once_without_sending_the_body(default_server):
    # A declared body beyond evhttp's hard limit (authd's 2.5 MB plus 1 MiB) is refused by
    # libevent itself before authd sees the request; libevent 2.1 has no hook for that answer's
    # HTML body, so only the status and the promptness are asserted (documented in README).
    request = http_bytes("POST", LOGIN, b"", headers=[("Content-Type", "application/json"),
                                                       ("Content-Length", str(1 << 30))])
    expect_protocol_error(raw_request(default_server, request, timeout=15), (413,))


def test_many_large_headers_are_a_json_431_400_or_413(default_server):
    headers = [("X-Filler-%d" % i, "v" * 1000) for i in range(200)]
    resp = raw_request(default_server, http_bytes("GET", "/healthz", headers=headers, content_length=False))
    expect_error(resp, (431, 400, 413))


def test_100kb_url_is_a_json_4xx(default_server):
    resp = raw_request(default_server, http_bytes("GET", "/api/users/me/?q=" + "x" * 100_000, content_length=False))
    expect_error(resp, (400, 404, 413, 414, 431))


# --- HTTP framing ------------------------------------------------------------------------------------------------

def test_duplicate_content_length_headers_are_400(default_server):
    body = b'{"username": "Gokul", "password": "123"}'
    request = http_bytes("POST", LOGIN, body, headers=[
        ("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Content-Length", "5")])
    expect_protocol_error(raw_request(default_server, request), (400,))


def test_transfer_encoding_together_with_content_length_is_400(default_server):
    body = b'{"username": "Gokul", "password": "123"}'
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    request = http_bytes("POST", LOGIN, chunked, headers=[
        ("Content-Type", "application/json"), ("Content-Length", str(len(chunked))), ("Transfer-Encoding", "chunked")])
    expect_protocol_error(raw_request(default_server, request), (400,))


@pytest.mark.parametrize("encoding", ["gzip, chunked", "identity", "chunked, chunked", "xchunked"])
def test_transfer_encoding_other_than_chunked_is_400(default_server, encoding):
    # evhttp would read no body for these, leaving it to be parsed as the next request, which a
    # proxy in front may not (request smuggling): refused, and the connection closed.
    body = b'{"username": "Gokul", "password": "123"}'
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    request = http_bytes("POST", LOGIN, chunked, headers=[("Content-Type", "application/json"),
                                                          ("Transfer-Encoding", encoding)], content_length=False)
    resp = raw_request(default_server, request)
    expect_protocol_error(resp, (400,))
    assert resp.headers.get("connection", "").lower() == "close"


@pytest.mark.parametrize("method", ["GET", "DELETE", "OPTIONS", "TRACE"])
def test_a_body_on_a_method_evhttp_reads_no_body_for_is_400(default_server, method):
    # The smuggled bytes would otherwise be read as a second request on the same connection.
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    request = http_bytes(method, "/api/users/me/", smuggled, headers=[("Content-Type", "text/plain")])
    resp = raw_exchange(default_server.host, default_server.port, request, responses=2, timeout=3)
    assert len(resp) == 1, "the body was answered as a request of its own: %r" % resp
    assert resp[0].status_code == 400


def test_get_with_an_empty_declared_body_is_fine(default_server):
    request = http_bytes("GET", "/healthz", b"", headers=[("Content-Length", "0")], content_length=False)
    assert raw_request(default_server, request).status_code == 200


@pytest.mark.parametrize("value", ["abc", "-1", "1 2", "0x10"])
def test_invalid_content_length_is_400(default_server, value):
    request = http_bytes("POST", LOGIN, b"{}", headers=[("Content-Type", "application/json"), ("Content-Length", value)])
    expect_protocol_error(raw_request(default_server, request), (400, 411, 413))


def test_unknown_http_method_is_405_400_or_501(default_server):
    # simplejwt (Django) would say 405 'Method "FROB" not allowed.'; libevent 2.1 rejects unknown
    # methods in its parser.
    resp = raw_request(default_server, http_bytes("FROB", LOGIN, content_length=False))
    expect_protocol_error(resp, (400, 405, 501))


def test_garbage_instead_of_http_gets_a_400_or_a_closed_connection(default_server):
    # A TLS ClientHello sent to the plain-HTTP port: nothing to parse. Answering 400 or closing
    # the connection are both fine; leaving it open and silent is not.
    sock = socket.create_connection((default_server.host, default_server.port), timeout=5)
    try:
        sock.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64 + b"\r\n\r\n")
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            except socket.timeout:
                raise AssertionError("authd neither answered nor closed within 5 s: %r" % received) from None
            if not chunk:
                break
            received += chunk
    finally:
        sock.close()
    if received:
        resp, _ = parse_response(received, True)
        assert resp is not None, received[:200]
        expect_protocol_error(resp, (400,))


def test_unicode_username_in_sql_like_shape_is_stored_and_matched_exactly(default_server, cli, migrated):
    # A created user whose name mixes scripts and Django-allowed punctuation logs in; near misses do not.
    from authd_testlib import new_password

    name = unique("\u00c5ngstr\u00f6m.\u0391\u03b8\u03ae\u03bd\u03b1+tag@x")
    password = new_password()
    cli.create_user(name, password)
    default_server.obtain(name, password)
    expect(default_server.login(name.replace("\u00c5", "A"), password), 401, NO_ACTIVE_ACCOUNT)
    expect(default_server.login(name + "%", password), 401, NO_ACTIVE_ACCOUNT)
