"""POST /api/token/ (simplejwt's TokenObtainPairView): every row of its table in
simplejwt-behaviour.md, plus the surprises that concern login (whitespace trimming, numbers)."""

import json
import secrets

import pytest

from authd_testlib import (
    BLANK,
    NO_ACTIVE_ACCOUNT,
    NO_DATA,
    NOT_A_STRING,
    NUL_CHARACTERS,
    NULL,
    REQUIRED,
    decode_jwt,
    expect,
    expect_json_parse_error,
    expect_tokens,
    field_errors,
    http_bytes,
    method_not_allowed,
    new_password,
    not_a_dict,
    raw_request,
    surrogate_error,
    unique,
    unsupported_media_type,
)

LOGIN = "/api/token/"


# --- success -----------------------------------------------------------------------------------

def test_login_with_right_password_is_200_refresh_and_access(default_server, users):
    resp = default_server.login("Gokul", "123")
    tokens = expect_tokens(resp, ("refresh", "access"))
    assert "WWW-Authenticate" not in resp.headers
    assert decode_jwt(tokens["refresh"]).payload["token_type"] == "refresh"
    assert decode_jwt(tokens["access"]).payload["token_type"] == "access"


def test_login_with_password_as_json_number_is_stringified_and_accepted(default_server, users):
    # The article sends "password": 123; DRF's CharField turns numbers into str(value).
    expect_tokens(default_server.login("Gokul", 123), ("refresh", "access"))


def test_login_with_username_as_json_number_is_stringified(default_server, cli, migrated):
    name = str(10**12 + secrets.randbelow(10**12))
    password = new_password()
    cli.create_user(name, password)
    expect_tokens(default_server.login(int(name), password), ("refresh", "access"))


def test_login_with_float_password_uses_python_str_so_123_0_does_not_match_123(default_server, users):
    # str(123.0) == "123.0" in Python: simplejwt compares "123.0" with the stored "123".
    expect(default_server.login("Gokul", 123.0), 401, NO_ACTIVE_ACCOUNT)


def test_login_trims_surrounding_whitespace_of_username_and_password(default_server, users):
    # Surprise 1: CharField(trim_whitespace=True) on both fields.
    expect_tokens(default_server.login(" Gokul ", " 123 "), ("refresh", "access"))
    expect_tokens(default_server.login("\tGokul\n", "\n123\t"), ("refresh", "access"))


def test_login_with_unicode_username_is_200(default_server, users):
    expect_tokens(default_server.login(users.unicode.username, users.unicode.password), ("refresh", "access"))


def test_login_with_unicode_username_sent_as_raw_utf8_is_200(default_server, users):
    body = json.dumps({"username": users.unicode.username, "password": users.unicode.password},
                      ensure_ascii=False).encode("utf-8")
    resp = default_server.post(LOGIN, data=body, headers={"Content-Type": "application/json"})
    expect_tokens(resp, ("refresh", "access"))


def test_login_with_json_content_type_charset_parameter_is_accepted(default_server, users):
    resp = default_server.post(LOGIN, {"username": "Gokul", "password": "123"},
                               content_type="application/json; charset=utf-8")
    expect_tokens(resp, ("refresh", "access"))


def test_login_ignores_extra_fields(default_server, users):
    resp = default_server.post(LOGIN, {"username": "Gokul", "password": "123", "user_id": 999, "scope": "admin"})
    tokens = expect_tokens(resp, ("refresh", "access"))
    assert "scope" not in decode_jwt(tokens["access"]).payload


def test_login_ignores_the_query_string(default_server, users):
    resp = default_server.post(LOGIN + "?next=/admin/", {"username": "Gokul", "password": "123"})
    expect_tokens(resp, ("refresh", "access"))


# --- 401 no active account ------------------------------------------------------------------------

def test_login_with_wrong_password_is_401_no_active_account(default_server, users):
    expect(default_server.login("Gokul", "1234"), 401, NO_ACTIVE_ACCOUNT)


def test_login_with_unknown_user_is_401_no_active_account(default_server, users):
    expect(default_server.login(unique("nobody"), "123"), 401, NO_ACTIVE_ACCOUNT)


def test_login_with_inactive_user_and_right_password_is_401_no_active_account(default_server, users):
    expect(default_server.login(users.inactive.username, users.inactive.password), 401, NO_ACTIVE_ACCOUNT)


@pytest.mark.parametrize("name", ["gokul", "GOKUL", "GoKul"])
def test_login_with_wrong_case_username_is_401_no_active_account(default_server, users, name):
    expect(default_server.login(name, "123"), 401, NO_ACTIVE_ACCOUNT)


def test_login_with_another_users_password_is_401_no_active_account(default_server, users):
    expect(default_server.login("Gokul", users.unicode.password), 401, NO_ACTIVE_ACCOUNT)


def test_login_with_password_differing_only_inside_is_401(default_server, users):
    expect(default_server.login("Gokul", "1 23"), 401, NO_ACTIVE_ACCOUNT)


# --- 400 field validation -----------------------------------------------------------------------------

def test_login_with_empty_object_is_400_both_fields_required(default_server):
    expect(default_server.post(LOGIN, {}), 400, field_errors(REQUIRED, "username", "password"))


def test_login_with_empty_body_and_json_content_type_is_400_both_fields_required(default_server):
    resp = default_server.post(LOGIN, data=b"", headers={"Content-Type": "application/json"})
    expect(resp, 400, field_errors(REQUIRED, "username", "password"))


def test_login_with_empty_body_and_no_content_type_is_400_both_fields_required(default_server):
    resp = raw_request(default_server, http_bytes("POST", LOGIN, b""))
    expect(resp, 400, field_errors(REQUIRED, "username", "password"))


def test_login_without_password_is_400_password_required(default_server):
    expect(default_server.post(LOGIN, {"username": "Gokul"}), 400, field_errors(REQUIRED, "password"))


def test_login_without_username_is_400_username_required(default_server):
    expect(default_server.post(LOGIN, {"password": "123"}), 400, field_errors(REQUIRED, "username"))


def test_login_with_null_values_is_400_may_not_be_null(default_server):
    expect(default_server.post(LOGIN, {"username": None, "password": None}), 400,
           field_errors(NULL, "username", "password"))


@pytest.mark.parametrize("blank", ["", " ", "   \t\n "])
def test_login_with_blank_or_whitespace_values_is_400_may_not_be_blank(default_server, blank):
    expect(default_server.post(LOGIN, {"username": blank, "password": blank}), 400,
           field_errors(BLANK, "username", "password"))


def test_login_with_blank_password_only_is_400_password_may_not_be_blank(default_server):
    expect(default_server.post(LOGIN, {"username": "Gokul", "password": "  "}), 400,
           field_errors(BLANK, "password"))


@pytest.mark.parametrize("value", [["Gokul"], {"name": "Gokul"}, True, False, []], ids=repr)
def test_login_with_list_object_or_boolean_values_is_400_not_a_valid_string(default_server, value):
    expect(default_server.post(LOGIN, {"username": value, "password": value}), 400,
           field_errors(NOT_A_STRING, "username", "password"))


def test_login_with_mixed_field_errors_lists_each_field_in_serializer_order(default_server):
    # Field order is username, password whatever the order in the request.
    expect(default_server.post(LOGIN, {"password": None}), 400,
           {"username": [REQUIRED], "password": [NULL]})
    expect(default_server.post(LOGIN, {"password": [1], "username": ""}), 400,
           {"username": [BLANK], "password": [NOT_A_STRING]})


@pytest.mark.parametrize("body,type_name", [
    ([1, 2], "list"), ("abc", "str"), (123, "int"), (1.5, "float"), (True, "bool"), ([], "list"), ("", "str"),
], ids=lambda v: repr(v))
def test_login_with_non_object_body_is_400_expected_a_dictionary(default_server, body, type_name):
    expect(default_server.post(LOGIN, body), 400, not_a_dict(type_name))


def test_login_with_json_null_body_is_400_no_data_provided(default_server):
    expect(default_server.post(LOGIN, None), 400, NO_DATA)


# --- 400 parse errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    b"{",
    b"{bad json}",
    b"{'username': 'Gokul', 'password': '123'}",
    b'{"username": "Gokul", "password": "123",}',
    b'{"username": "Gokul" "password": "123"}',
    b'{"username": "Gokul", "password": "123"} trailing',
    b'{"username": "Gokul", "password": NaN}',
    b'{"username": "Gokul", "password": Infinity}',
    b'{"username": "Gok\x01ul", "password": "123"}',
    b"\xef\xbb\xbf{\"username\": \"Gokul\", \"password\": \"123\"}",
], ids=lambda b: repr(b[:30]))
def test_login_with_malformed_json_is_400_json_parse_error(default_server, body):
    # NaN/Infinity: DRF's strict JSON parser rejects them; a raw control character inside a
    # string and a UTF-8 BOM are rejected by Python's json module.
    expect_json_parse_error(default_server.post(LOGIN, data=body, headers={"Content-Type": "application/json"}))


def test_login_malformed_json_message_is_pythons_for_the_notes_example(default_server):
    # The notes' example; only the prefix is a contract, the suffix is Python's wording.
    resp = default_server.post(LOGIN, data=b"{username: 1}", headers={"Content-Type": "application/json"})
    expect_json_parse_error(resp)


def test_login_with_invalid_utf8_is_400_json_parse_error(default_server):
    body = b'{"username": "\xff\xfe", "password": "123"}'
    expect_json_parse_error(default_server.post(LOGIN, data=body, headers={"Content-Type": "application/json"}))


# --- 400 character validators ------------------------------------------------------------------------

def test_login_with_nul_character_in_username_is_400_null_characters_not_allowed(default_server):
    expect(default_server.post(LOGIN, {"username": "Gok\u0000ul", "password": "123"}), 400,
           field_errors(NUL_CHARACTERS, "username"))


def test_login_with_nul_character_in_both_fields_is_400_for_both(default_server):
    expect(default_server.post(LOGIN, {"username": "\u0000", "password": "1\u00002"}), 400,
           field_errors(NUL_CHARACTERS, "username", "password"))


def test_login_with_lone_surrogate_in_username_is_400_surrogate_not_allowed(default_server):
    expect(default_server.post(LOGIN, {"username": "\ud800", "password": "123"}), 400,
           {"username": [surrogate_error(0xD800)]})


# --- 405 / 415 / 301 ---------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_login_endpoint_with_other_methods_is_405_with_allow_header(default_server, method):
    resp = default_server.request(method, LOGIN)
    expect(resp, 405, method_not_allowed(method))
    assert "POST" in [m.strip() for m in resp.headers.get("Allow", "").split(",")], resp.headers


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml"])
def test_login_with_unsupported_content_type_is_415(default_server, content_type):
    resp = default_server.post(LOGIN, data=b'{"username": "Gokul", "password": "123"}',
                               headers={"Content-Type": content_type})
    expect(resp, 415, unsupported_media_type(content_type))


def test_login_without_trailing_slash_is_301_to_the_slash_path(default_server):
    resp = default_server.post("/api/token", {"username": "Gokul", "password": "123"})
    assert resp.status_code == 301, resp.text
    location = resp.headers.get("Location", "")
    assert location == "/api/token/" or location.endswith("127.0.0.1:%d/api/token/" % default_server.port), location
