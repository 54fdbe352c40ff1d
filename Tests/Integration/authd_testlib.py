"""Helpers for authd's end-to-end tests: processes, HTTP (requests and raw sockets), JWT minting,
the expected simplejwt bodies, and the ledger of secrets that test_logs.py looks for in the logs.

conftest.py builds the fixtures on top of this module and re-exports its helpers; test modules
import what they need from here (`from authd_testlib import ...`).

The contract is /work/shared/notes/simplejwt-behaviour.md (a copy of its tables drives the
expected bodies below): authd must answer like Django REST Framework + simplejwt 5.5, except
that where simplejwt answers 500 or an HTML page, authd answers a JSON 4xx.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import pytest
import requests
from requests.structures import CaseInsensitiveDict

REPO = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------------------------------------
# The expected bodies (simplejwt-behaviour.md, "Exact responses").

WWW_AUTHENTICATE = 'Bearer realm="api"'

NO_ACTIVE_ACCOUNT = {"detail": "No active account found with the given credentials"}
# Refresh for a user who is now inactive: note there is no "code" key (Surprise 5).
NO_ACTIVE_ACCOUNT_FOR_TOKEN = {"detail": "No active account found for the given token."}
NOT_PROVIDED = {"detail": "Authentication credentials were not provided."}
BAD_AUTHORIZATION_HEADER = {
    "detail": "Authorization header must contain two space-delimited values",
    "code": "bad_authorization_header",
}
NO_USER_IDENTIFICATION = {
    "detail": "Token contained no recognizable user identification",
    "code": "token_not_valid",
}
USER_NOT_FOUND = {"detail": "User not found", "code": "user_not_found"}
USER_INACTIVE = {"detail": "User is inactive", "code": "user_inactive"}
NOT_FOUND = {"detail": "Not found."}
NO_DATA = {"non_field_errors": ["No data provided"]}
VERIFY_BLACKLISTED = {"non_field_errors": ["Token is blacklisted"]}

INVALID = "Token is invalid"
EXPIRED = "Token is expired"
WRONG_TYPE = "Token has wrong type"
NO_TYPE = "Token has no type"
NO_EXP = "Token has no 'exp' claim"
NO_ID = "Token has no id"
BLACKLISTED = "Token is blacklisted"

REQUIRED = "This field is required."
NULL = "This field may not be null."
BLANK = "This field may not be blank."
NOT_A_STRING = "Not a valid string."
NUL_CHARACTERS = "Null characters are not allowed."


def token_err(message: str) -> dict:
    """TOKEN_ERR(m): the refresh/verify/blacklist endpoints' token error."""
    return {"detail": message, "code": "token_not_valid"}


def protected_err(message: str) -> dict:
    """PROTECTED_ERR(m): the protected route's token error."""
    return {
        "detail": "Given token not valid for any token type",
        "code": "token_not_valid",
        "messages": [{"token_class": "AccessToken", "token_type": "access", "message": message}],
    }


def field_errors(message: str, *names: str) -> dict:
    """{"name":[message], ...} in the given (serializer field) order."""
    return {name: [message] for name in names}


def surrogate_error(code_point: int) -> str:
    return "Surrogate characters are not allowed: U+%X." % code_point


def not_a_dict(type_name: str) -> dict:
    return {"non_field_errors": ["Invalid data. Expected a dictionary, but got %s." % type_name]}


def method_not_allowed(method: str) -> dict:
    return {"detail": 'Method "%s" not allowed.' % method}


def unsupported_media_type(content_type: str) -> dict:
    return {"detail": 'Unsupported media type "%s" in request.' % content_type}


# The `custom` server profile (conftest.py): audience, issuer, lifetimes and leeway configured.
CUSTOM = {
    "audience": "authd-integration",
    "issuer": "https://authd.integration.test",
    "access_lifetime": 120,
    "refresh_lifetime": 7200,
    "leeway": 30,
}
# The default profile's lifetimes (simplejwt's defaults, authd's too).
ACCESS_LIFETIME = 300
REFRESH_LIFETIME = 86400

JSON_PARSE_ERROR_PREFIX = "JSON parse error - "

# Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB): simplejwt parses bodies up to this size and
# answers an HTML 400 above it. authd must answer bodies up to it like simplejwt, and 413 (JSON)
# above it.
SIMPLEJWT_BODY_LIMIT = 2_621_440


# ---------------------------------------------------------------------------------------------
# The ledger of secrets: every password sent, every token sent or received, the signing keys.
# test_logs.py asserts that none of them appears in any captured log.

# Runs of base64url characters and dots; each run is split into JWT-shaped triples in linear
# time (a regex like "[...]{10,}\\.[...]{10,}\\." backtracks quadratically on 1 MiB bodies).
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_.\-]+")
# A base64url JSON object starts with "eyJ" ('{"'): anything shaped like a signed JWT.
JWT_IN_LOG = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")
DJANGO_HASH_IN_LOG = re.compile(r"pbkdf2_sha256\$\d+\$")
# Shorter strings are not searched for ("123" would match a port number).
MIN_SECRET_LENGTH = 10


class SecretLedger:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, str] = {}

    def add(self, value: Any, kind: str) -> None:
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                return
        if not isinstance(value, str) or len(value.strip()) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            self._items.setdefault(value, kind)
            if kind == "token":
                signature = value.rsplit(".", 1)[-1]
                if len(signature) >= 20:
                    self._items.setdefault(signature, "token signature")

    def scan(self, data: Any) -> None:
        """Record every JWT-shaped string in `data` (text, bytes, or headers)."""
        if data is None:
            return
        if isinstance(data, bytes):
            data = data.decode("utf-8", "replace")
        elif not isinstance(data, str):
            data = " ".join("%s: %s" % kv for kv in dict(data).items())
        for match in _TOKEN_RUN.finditer(data):
            run = match.group(0)
            if run.count(".") < 2 or len(run) > 4_000_000:
                continue
            parts = run.split(".")
            for i in range(len(parts) - 2):
                head, payload, signature = parts[i:i + 3]
                if len(head) >= 10 and len(payload) >= 10 and len(signature) >= 20:
                    self.add("%s.%s.%s" % (head, payload, signature), "token")

    def record_request_body(self, body: Any) -> None:
        """Passwords in JSON or form bodies, and any token in the body."""
        if body is None:
            return
        raw = body if isinstance(body, bytes) else str(body).encode("utf-8", "surrogatepass")
        self.scan(raw)
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            self.add(parsed.get("password"), "password")
        else:
            try:
                from urllib.parse import parse_qs

                for value in parse_qs(raw.decode("utf-8", "replace")).get("password", []):
                    self.add(value, "password")
            except ValueError:
                pass

    def items(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._items.items())


LEDGER = SecretLedger()


# ---------------------------------------------------------------------------------------------
# Small utilities.


def unique(prefix: str) -> str:
    """A username nobody else in this run (or an earlier run on the same database) uses."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


def new_password() -> str:
    """A long, distinctive password: test_logs.py can find it if it leaks."""
    password = "pw-%s-%s" % (secrets.token_hex(6), secrets.token_urlsafe(9))
    LEDGER.add(password, "password")
    return password


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drf_json(value: Any) -> bytes:
    """The bytes DRF's JSONRenderer writes: compact, UTF-8 (not \\u-escaped), U+2028/9 escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode("utf-8")


def _describe(resp: Any) -> str:
    label = getattr(resp, "label", None)
    if label is None and getattr(resp, "request", None) is not None:
        label = "%s %s" % (resp.request.method, resp.request.url)
    body = resp.content[:600]
    return "%s -> %s %r" % (label or "request", resp.status_code, body)


def expect(resp: Any, status: int, body: Any = None, *, exact_bytes: bool = True) -> Any:
    """Check status, JSON content type, the WWW-Authenticate rule, and (if given) the exact body.

    `body` is compared both as parsed JSON and, with exact_bytes, byte for byte against DRF's
    compact rendering (key order included). Returns the parsed body.
    """
    where = _describe(resp)
    assert resp.status_code == status, "expected %d: %s" % (status, where)
    content_type = resp.headers.get("Content-Type", "")
    assert content_type.split(";")[0].strip().lower() == "application/json", (
        "Content-Type %r is not application/json: %s" % (content_type, where)
    )
    try:
        parsed = json.loads(resp.content)
    except ValueError as error:
        raise AssertionError("body is not JSON (%s): %s" % (error, where)) from None
    check_www_authenticate(resp)
    if body is not None:
        assert parsed == body, "body mismatch: %s\nexpected %r" % (where, body)
        if exact_bytes:
            assert resp.content == drf_json(body), (
                "body is not DRF's compact JSON: %r\nexpected %r" % (resp.content, drf_json(body))
            )
    return parsed


def check_www_authenticate(resp: Any) -> None:
    """Every 401 carries WWW-Authenticate: Bearer realm="api"; 400/405/415 carry none."""
    value = resp.headers.get("WWW-Authenticate")
    if resp.status_code == 401:
        assert value == WWW_AUTHENTICATE, "401 without WWW-Authenticate %r (got %r): %s" % (
            WWW_AUTHENTICATE, value, _describe(resp))
    elif resp.status_code in (400, 405, 415):
        assert value is None, "%d must not carry WWW-Authenticate (got %r): %s" % (
            resp.status_code, value, _describe(resp))


def expect_error(resp: Any, statuses: Iterable[int], *, key: str | None = "detail") -> dict:
    """A JSON error with a status from `statuses` and (by default) a string "detail"."""
    statuses = tuple(statuses)
    where = _describe(resp)
    assert resp.status_code in statuses, "expected one of %s: %s" % (statuses, where)
    parsed = expect(resp, resp.status_code)
    assert isinstance(parsed, dict), "error body is not an object: %s" % where
    if key is not None:
        assert isinstance(parsed.get(key), str), "error body has no string %r: %s" % (key, where)
    return parsed


def expect_protocol_error(resp: Any, statuses: Iterable[int]) -> None:
    """An HTTP framing error that no table lists (bad Content-Length, Transfer-Encoding with
    Content-Length, unknown method, NUL in the request line, non-HTTP bytes). libevent 2.1's
    parser answers these itself, before any authd code runs, with its HTML page, and offers no
    hook to change it (evhttp_set_errorcb is 2.2-only): only the status is asserted here. A JSON
    body, if authd produces one, must still be well-formed."""
    statuses = tuple(statuses)
    assert resp.status_code in statuses, "expected one of %s: %s" % (statuses, _describe(resp))
    if resp.headers.get("Content-Type", "").split(";")[0].strip().lower() == "application/json":
        json.loads(resp.content)


def expect_json_parse_error(resp: Any) -> None:
    """400 {"detail":"JSON parse error - <Python's json message>"}: clients rely on the prefix."""
    parsed = expect(resp, 400)
    assert list(parsed) == ["detail"], _describe(resp)
    assert parsed["detail"].startswith(JSON_PARSE_ERROR_PREFIX), _describe(resp)


def expect_absurd_claim_rejected(resp: Any, *, protected: bool, codes=("token_not_valid",)) -> dict:
    """A validly signed token with an absurd claim. simplejwt answers 500 (Django's HTML error
    page) for these; authd must answer 401 with a JSON body whose code says why."""
    parsed = expect(resp, 401)
    assert isinstance(parsed.get("detail"), str), _describe(resp)
    assert parsed.get("code") in codes, _describe(resp)
    if protected and parsed.get("code") == "token_not_valid" and "messages" in parsed:
        assert parsed["detail"] == "Given token not valid for any token type", _describe(resp)
    return parsed


def expect_tokens(resp: Any, keys: tuple[str, ...]) -> dict:
    """200 with exactly `keys` (in that order), each a compact JWS; records them in the ledger."""
    parsed = expect(resp, 200)
    assert isinstance(parsed, dict) and list(parsed) == list(keys), (
        "expected keys %s in that order: %s" % (list(keys), _describe(resp)))
    assert resp.content == drf_json(parsed), "body is not compact JSON: %r" % resp.content
    for name in keys:
        value = parsed[name]
        assert isinstance(value, str) and re.fullmatch(
            r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", value), "%s is not a JWT: %r" % (name, value)
        LEDGER.add(value, "token")
    return parsed


# ---------------------------------------------------------------------------------------------
# JWTs: decoding, minting (raw bytes, so any header or payload can be produced), tampering.


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


@dataclass
class DecodedJWT:
    header_bytes: bytes
    header: dict
    payload_bytes: bytes
    payload: dict
    signature: bytes


def decode_jwt(token: str) -> DecodedJWT:
    """Split and decode without verifying (the tests check the bytes themselves)."""
    h, p, s = token.split(".")
    header_bytes, payload_bytes = b64url_decode(h), b64url_decode(p)
    return DecodedJWT(header_bytes, json.loads(header_bytes), payload_bytes, json.loads(payload_bytes),
                      b64url_decode(s))


_HMAC_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def sign(signing_input: bytes, key: Any, alg: str) -> bytes:
    if alg in _HMAC_HASHES:
        key_bytes = key.encode("utf-8") if isinstance(key, str) else key
        return hmac.new(key_bytes, signing_input, _HMAC_HASHES[alg]).digest()
    if alg in ("RS256", "RS384", "RS512"):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        digest = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}[alg]
        return key.sign(signing_input, padding.PKCS1v15(), digest)
    if alg.lower() == "none":
        return b""
    raise ValueError("cannot sign with %s" % alg)


def mint(payload: Any, key: Any, alg: str = "HS256", *, header: Any = None, sign_alg: str | None = None) -> str:
    """A compact JWS over exactly the given header and payload.

    header/payload: a dict (serialized compactly, in insertion order) or raw bytes. The default
    header is simplejwt's {"alg":ALG,"typ":"JWT"}. sign_alg signs with another algorithm than
    the header names (for confusion attacks). The token is recorded in the ledger.
    """
    if header is None:
        header = {"alg": alg, "typ": "JWT"}
    header_bytes = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    payload_bytes = payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode()
    signing_input = (b64url(header_bytes) + "." + b64url(payload_bytes)).encode("ascii")
    signature = sign(signing_input, key, sign_alg or alg)
    token = signing_input.decode("ascii") + "." + b64url(signature)
    LEDGER.add(token, "token")
    return token


def simplejwt_claims(user_id: Any, token_type: str = "access", *, lifetime: int | None = None,
                     now: int | None = None, **extra: Any) -> dict:
    """The claims simplejwt puts in a token, in its order: token_type, exp, iat, jti, user_id.

    user_id is passed through as given (simplejwt writes a string, e.g. "1"). extra claims are
    appended; a value of `None` in extra removes the claim (e.g. exp=None).
    """
    now = int(time.time()) if now is None else now
    if lifetime is None:
        lifetime = 300 if token_type == "access" else 86400
    claims: dict[str, Any] = {"token_type": token_type, "exp": now + lifetime, "iat": now,
                              "jti": uuid.uuid4().hex, "user_id": user_id}
    for name, value in extra.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def without(claims: dict, *names: str) -> dict:
    return {k: v for k, v in claims.items() if k not in names}


def flip_signature(token: str) -> str:
    """Change one byte of the signature (a canonical encoding of a different MAC)."""
    head, payload, sig = token.split(".")
    raw = bytearray(b64url_decode(sig))
    raw[0] ^= 0x01
    return "%s.%s.%s" % (head, payload, b64url(bytes(raw)))


def pad_segment(segment: str) -> str:
    return segment + "=" * (-len(segment) % 4)


# ---------------------------------------------------------------------------------------------
# HTTP: a thin client over `requests` (fresh connection per call, so server restarts never hit a
# stale keep-alive connection) that feeds the ledger, and raw sockets for what requests cannot send.

_UNSET = object()


def auth_header(token: str, scheme: str = "Bearer") -> dict:
    """{"Authorization": "<scheme> <token>"}."""
    return {"Authorization": "%s %s" % (scheme, token)}


class HTTPClient:
    """HTTP calls against one base URL."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.base_url = "http://%s:%d" % (host, port)

    def request(self, method: str, path: str, body: Any = _UNSET, *, data: Any = None,
                headers: dict | None = None, token: str | None = None, timeout: float = 10,
                content_type: str | None = "application/json") -> requests.Response:
        """`body` (any JSON value, None included) is sent as JSON; `data` (bytes/str/dict) as is."""
        headers = dict(headers or {})
        if token is not None:
            headers.update(auth_header(token))
        if body is not _UNSET:
            data = json.dumps(body).encode("utf-8")
            if content_type is not None:
                headers.setdefault("Content-Type", content_type)
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        if data is not None and not isinstance(data, dict):
            LEDGER.record_request_body(data)
        elif isinstance(data, dict):
            LEDGER.add(data.get("password"), "password")
        LEDGER.scan(headers)
        resp = requests.request(method, self.base_url + path, data=data, headers=headers,
                                timeout=timeout, allow_redirects=False)
        LEDGER.scan(resp.content)
        LEDGER.scan(resp.headers)  # Set-Cookie may carry a refresh token
        return resp

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = _UNSET, **kw: Any) -> requests.Response:
        return self.request("POST", path, body, **kw)

    # The endpoints.
    def login(self, username: Any, password: Any, **kw: Any) -> requests.Response:
        return self.post("/api/token/", {"username": username, "password": password}, **kw)

    def obtain(self, username: Any, password: Any) -> dict:
        """Log in; assert 200; return {"refresh": ..., "access": ...}."""
        return expect_tokens(self.login(username, password), ("refresh", "access"))

    def refresh(self, refresh_token: Any, **kw: Any) -> requests.Response:
        return self.post("/api/token/refresh/", {"refresh": refresh_token}, **kw)

    def verify(self, token: Any, **kw: Any) -> requests.Response:
        return self.post("/api/token/verify/", {"token": token}, **kw)

    def blacklist(self, refresh_token: Any, **kw: Any) -> requests.Response:
        return self.post("/api/token/blacklist/", {"refresh": refresh_token}, **kw)

    def me(self, access_token: str | None = None, **kw: Any) -> requests.Response:
        return self.get("/api/users/me/", token=access_token, **kw)

    def healthz(self, timeout: float = 5) -> requests.Response:
        return self.get("/healthz", timeout=timeout)


def obtain(server: HTTPClient, username: Any, password: Any) -> dict:
    """Log in on `server`; assert 200; return the token pair."""
    return server.obtain(username, password)


@dataclass
class RawResponse:
    """One HTTP response read off a raw socket (the attributes mirror requests.Response)."""

    status_code: int
    reason: str
    headers: CaseInsensitiveDict
    content: bytes
    header_list: list = field(default_factory=list)
    label: str = "raw request"

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


def parse_response(buf: bytes, eof: bool) -> tuple[RawResponse | None, bytes]:
    """Parse one response off the front of buf; (None, buf) if it is not complete yet."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None, buf
    head, rest = buf[:end].decode("latin-1"), buf[end + 4:]
    lines = head.split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise AssertionError("not an HTTP response: %r" % buf[:200])
    header_list = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        header_list.append((name.strip(), value.strip()))
    headers = CaseInsensitiveDict()
    for name, value in header_list:
        headers[name] = value if name not in headers else headers[name] + ", " + value
    status = int(parts[1])
    reason = parts[2] if len(parts) > 2 else ""
    if status in (204, 304) or 100 <= status < 200:
        return RawResponse(status, reason, headers, b"", header_list), rest
    if "chunked" in headers.get("Transfer-Encoding", "").lower():
        body, pos = b"", 0
        while True:
            line_end = rest.find(b"\r\n", pos)
            if line_end < 0:
                return None, buf
            size = int(rest[pos:line_end].split(b";")[0], 16)
            if size == 0:
                trailer_end = rest.find(b"\r\n\r\n", line_end)
                if trailer_end < 0 and rest[line_end:line_end + 4] != b"\r\n\r\n":
                    return None, buf
                after = (trailer_end + 4) if trailer_end >= 0 else line_end + 4
                return RawResponse(status, reason, headers, body, header_list), rest[after:]
            if len(rest) < line_end + 2 + size + 2:
                return None, buf
            body += rest[line_end + 2:line_end + 2 + size]
            pos = line_end + 2 + size + 2
    if "Content-Length" in headers:
        length = int(headers["Content-Length"].split(",")[0])
        if len(rest) < length:
            return None, buf
        return RawResponse(status, reason, headers, rest[:length], header_list), rest[length:]
    if not eof:
        return None, buf
    return RawResponse(status, reason, headers, rest, header_list), b""


def raw_exchange(host: str, port: int, payload: bytes | list[bytes], *, responses: int = 1,
                 timeout: float = 10, pause: float = 0.0, label: str | None = None) -> list[RawResponse]:
    """Send raw bytes (a list: sent piece by piece with `pause` between) and read `responses`
    responses (fewer if the server closes the connection first).

    A server may answer and close before taking all the bytes (an oversized body): errors while
    sending are ignored and whatever was answered is returned. Raises AssertionError if nothing
    at all came back within `timeout`.
    """
    pieces = payload if isinstance(payload, list) else [payload]
    for piece in pieces:
        LEDGER.record_request_body(piece.partition(b"\r\n\r\n")[2])
        LEDGER.scan(piece)
    sock = socket.create_connection((host, port), timeout=timeout)
    received = bytearray()
    send_error: list[BaseException] = []
    done = threading.Event()

    def sender() -> None:
        try:
            for i, piece in enumerate(pieces):
                if i and pause:
                    time.sleep(pause)
                sock.sendall(piece)
        except OSError as error:  # the server answered and closed early
            send_error.append(error)
        finally:
            done.set()

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    results: list[RawResponse] = []
    buf = b""
    deadline = time.monotonic() + timeout
    eof = False
    try:
        while len(results) < responses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            sock.settimeout(min(remaining, 0.5))
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                eof = True
                chunk = b""
            if not chunk:
                eof = True
            received += chunk
            buf += chunk
            while len(results) < responses:
                parsed, buf = parse_response(buf, eof)
                if parsed is None:
                    break
                parsed.label = label or "raw %r" % pieces[0][:60]
                results.append(parsed)
            if eof:
                break
    finally:
        done.wait(timeout=1)
        sock.close()
    LEDGER.scan(bytes(received))
    if not results:
        raise AssertionError("no HTTP response to %s within %.0fs (received %r, send error %r)"
                             % (label or repr(pieces[0][:80]), timeout, bytes(received[:200]), send_error))
    return results


def raw_request(server: HTTPClient, payload: bytes | list[bytes], **kw: Any) -> RawResponse:
    """One raw request to `server`; returns its one response."""
    return raw_exchange(server.host, server.port, payload, responses=1, **kw)[0]


def http_bytes(method: str, path: str, body: bytes = b"", headers: list[tuple[str, str]] | None = None,
               *, content_length: bool = True, host: str = "127.0.0.1") -> bytes:
    """A raw HTTP/1.1 request; headers are written exactly as given (duplicates allowed)."""
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % host]
    for name, value in headers or []:
        lines.append("%s: %s" % (name, value))
    if content_length and not any(n.lower() == "content-length" for n, _ in headers or []):
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def send_and_disconnect(host: str, port: int, payload: bytes, *, reset: bool = False) -> None:
    """Send bytes and close at once without reading (reset=True: abortive close, RST)."""
    LEDGER.record_request_body(payload.partition(b"\r\n\r\n")[2])
    sock = socket.create_connection((host, port), timeout=5)
    try:
        sock.sendall(payload)
        if reset:
            import struct

            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        sock.close()


# ---------------------------------------------------------------------------------------------
# Processes: the CLI, the servers, the PostgreSQL cluster.


def clean_environment() -> dict:
    """The test process's environment without anything that configures authd."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHD_") and k != "DATABASE_URL"}
    env.setdefault("LANG", "C.UTF-8")
    return env


class AuthdCLI:
    """Runs `authd <command>` with cwd=<repo> and DATABASE_URL; every run is appended to a log
    file (arguments, exit status, stdout, stderr; never standard input)."""

    def __init__(self, binary: Path, database_url: str, log_path: Path) -> None:
        self.binary = binary
        self.database_url = database_url
        self.log_path = log_path

    def run(self, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 60,
            hash_iterations: str | None = "1000", env: dict | None = None,
            cwd: Path | str = REPO) -> subprocess.CompletedProcess:
        full_env = clean_environment()
        full_env["DATABASE_URL"] = self.database_url
        if hash_iterations is not None:
            full_env["AUTHD_HASH_ITERATIONS"] = hash_iterations
        full_env.update(env or {})
        try:
            result = subprocess.run([str(self.binary), *args], input=stdin, capture_output=True, text=True,
                                    cwd=cwd, env=full_env, timeout=timeout)
        except subprocess.TimeoutExpired as error:
            raise AssertionError("authd %s did not finish within %ss" % (" ".join(args), timeout)) from error
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write("$ authd %s\nexit %d\n--- stdout\n%s--- stderr\n%s\n" % (
                " ".join(args), result.returncode, result.stdout, result.stderr))
        if check and result.returncode != 0:
            raise AssertionError("authd %s failed (exit %d):\n%s%s" % (
                " ".join(args), result.returncode, result.stdout, result.stderr))
        return result

    def create_user(self, username: str, password: str, *, email: str | None = None, active: bool = True,
                    hash_iterations: str | None = "1000", check: bool = True) -> subprocess.CompletedProcess:
        LEDGER.add(password, "password")
        args = ["user", "create", username]
        if email is not None:
            args += ["--email", email]
        if not active:
            args.append("--inactive")
        return self.run(*args, stdin=password + "\n", hash_iterations=hash_iterations, check=check)

    def ensure_user(self, username: str, password: str, *, active: bool = True) -> None:
        """Create the user, or (on a reused database) reset its password and state."""
        if self.create_user(username, password, active=active, check=False).returncode == 0:
            return
        self.run("user", "set-password", username, stdin=password + "\n")
        self.run("user", "activate" if active else "deactivate", username)


@dataclass
class User:
    username: str
    password: str
    active: bool = True


class AuthdServer(HTTPClient):
    """One `authd serve` process on its own port; stdout and stderr go to files."""

    def __init__(self, name: str, binary: Path, env: dict, log_dir: Path, port: int | None = None) -> None:
        super().__init__("127.0.0.1", port or free_port())
        self.name = name
        self.binary = binary
        self.env = env
        self.log_dir = log_dir
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self.log_files: list[Path] = []

    def full_env(self) -> dict:
        env = clean_environment()
        env["AUTHD_LISTEN"] = "%s:%d" % (self.host, self.port)
        for name, value in self.env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def _launch(self) -> tuple[Path, Path]:
        self.starts += 1
        stem = "%s.%d" % (self.name, self.starts)
        out_path, err_path = self.log_dir / (stem + ".stdout.log"), self.log_dir / (stem + ".stderr.log")
        self.log_files += [out_path, err_path]
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            self.proc = subprocess.Popen([str(self.binary), "serve"], cwd=REPO, env=self.full_env(),
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        return out_path, err_path

    def start(self, timeout: float = 20) -> "AuthdServer":
        _, err_path = self._launch()
        deadline = time.monotonic() + timeout
        while True:
            code = self.proc.poll()
            if code is not None:
                pytest.fail("authd serve (%s) exited with status %s before answering /healthz; stderr:\n%s"
                            % (self.name, code, err_path.read_text(errors="replace")[-4000:]), pytrace=False)
            try:
                if requests.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail("authd serve (%s) did not answer GET /healthz with 200 within %ss; stderr:\n%s"
                            % (self.name, timeout, err_path.read_text(errors="replace")[-4000:]), pytrace=False)
            time.sleep(0.05)

    def stop(self, timeout: float = 10) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def restart(self) -> None:
        """Stop and start again on the same port."""
        self.stop()
        self.start()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stderr_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in self.log_files if p.name.endswith("stderr.log")
                       and p.exists())


def expect_refused_to_start(binary: Path, env: dict, timeout: float = 15) -> subprocess.CompletedProcess:
    """Run `authd serve` with exactly `env` (plus a clean base) and expect a prompt non-zero exit."""
    full_env = clean_environment()
    full_env.update({k: v for k, v in env.items() if v is not None})
    try:
        result = subprocess.run([str(binary), "serve"], cwd=REPO, env=full_env, capture_output=True,
                                text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise AssertionError("authd serve kept running (it should have refused to start) with %r"
                             % {k: v for k, v in env.items() if "KEY" not in k}) from None
    assert result.returncode != 0, "authd serve exited 0; stderr: %s" % result.stderr
    assert result.stderr.strip(), "authd serve refused to start without saying why on stderr"
    return result


class PostgresCluster:
    """A private cluster driven by scripts/test-postgres (start DIR PORT / stop / restart / kill)."""

    controllable = True

    def __init__(self, script: Path, directory: Path, port: int) -> None:
        self.script = script
        self.directory = directory
        self.port = port
        self.url = "postgresql://postgres@127.0.0.1:%d/postgres" % port
        self.running = False
        self.back_at = 0.0  # time.monotonic() when it last came back

    def _run(self, *args: str, timeout: float = 120) -> str:
        try:
            result = subprocess.run([str(self.script), *args], capture_output=True, text=True, timeout=timeout,
                                    stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise AssertionError("%s %s did not finish within %ss" % (self.script, " ".join(args), timeout)) from None
        if result.returncode != 0:
            raise AssertionError("%s %s failed (exit %d):\n%s%s" % (
                self.script, " ".join(args), result.returncode, result.stdout, result.stderr))
        return result.stdout

    def start(self) -> None:
        out = self._run("start", str(self.directory), str(self.port)).strip()
        if out.startswith("postgresql://"):
            self.url = out.splitlines()[-1]
        self.running = True
        self.back_at = time.monotonic()

    def stop(self) -> None:
        self._run("stop", str(self.directory))
        self.running = False

    def restart(self) -> None:
        self._run("restart", str(self.directory))
        self.running = True
        self.back_at = time.monotonic()

    def kill(self) -> None:
        self._run("kill", str(self.directory))
        self.running = False

    def ensure_running(self) -> None:
        if not self.running:
            self.start()


def wait_for_full_recovery(database, servers: Iterable["AuthdServer"], window: float = 2.0) -> None:
    """After an outage: the cluster runs, the recovery window has passed (servers may take up to
    `window` seconds to reconnect every loop), and each server answers /readyz 200 several times
    in a row (new connections, so different loops)."""
    database.ensure_running()
    remaining = getattr(database, "back_at", 0.0) + window - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)
    for server in servers:
        deadline = time.monotonic() + 15
        streak = 0
        while streak < 8:
            try:
                ok = requests.get(server.base_url + "/readyz", timeout=2).status_code == 200
            except requests.RequestException:
                ok = False
            streak = streak + 1 if ok else 0
            if not ok:
                assert time.monotonic() < deadline, "%s not ready 15 s after the outage" % server.name
                time.sleep(0.1)


class ExternalDatabase:
    """AUTHD_TEST_DATABASE_URL: a database the suite cannot stop (outage tests are skipped)."""

    controllable = False

    def __init__(self, url: str) -> None:
        self.url = url
        self.running = True

    def ensure_running(self) -> None:
        pass


def timed(fn, *args: Any, **kw: Any) -> tuple[Any, float]:
    start = time.monotonic()
    result = fn(*args, **kw)
    return result, time.monotonic() - start


# ---------------------------------------------------------------------------------------------
# Tokens that every endpoint must refuse as "Token is invalid" (simplejwt-behaviour.md: garbage,
# bad signature, alg none in any case, other key or algorithm, mangled, extra dots, bad base64url,
# non-JSON header or payload, embedded jwk, HS256 keyed with a public key, future nbf/iat, crit,
# non-string jti, 100 KB and 1 MB tokens).

_ATTACKER_RSA = []


def attacker_rsa_key():
    """An RSA key the server has never seen (generated once per run)."""
    if not _ATTACKER_RSA:
        from cryptography.hazmat.primitives.asymmetric import rsa

        _ATTACKER_RSA.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _ATTACKER_RSA[0]


def public_jwk(private_key) -> dict:
    numbers = private_key.public_key().public_numbers()

    def encode(n: int) -> str:
        return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))

    return {"kty": "RSA", "n": encode(numbers.n), "e": encode(numbers.e)}


def public_pem(private_key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


INVALID_TOKEN_CASES = [
    "garbage", "three_garbage_parts", "empty_parts", "bad_signature", "stripped_signature",
    "alg_none", "alg_None", "alg_NONE", "other_key", "hs384_same_key", "hs512_same_key",
    "rs256_attacker_key", "embedded_jwk", "hs256_keyed_with_public_key_pem", "extra_dots",
    "two_parts", "mangled_payload", "bad_base64url", "non_json_header", "non_json_payload",
    "payload_not_an_object", "header_not_an_object", "future_nbf", "future_iat", "crit_header",
    "non_string_jti", "huge_100k",
]


def make_invalid_token(case: str, key: str, user_id: Any, token_type: str) -> str:
    """A token for `case` (see INVALID_TOKEN_CASES) that claims to be a `token_type` token of user_id."""
    now = int(time.time())
    claims = simplejwt_claims(user_id, token_type)
    valid = mint(claims, key)
    head, payload, sig = valid.split(".")
    if case == "garbage":
        return "garbage"
    if case == "three_garbage_parts":
        return "abc.def.ghi"
    if case == "empty_parts":
        return ".."
    if case == "bad_signature":
        return flip_signature(valid)
    if case == "stripped_signature":
        return "%s.%s." % (head, payload)
    if case in ("alg_none", "alg_None", "alg_NONE"):
        alg = case[4:]
        return mint(claims, None, alg, header={"alg": alg, "typ": "JWT"}, sign_alg="none")
    if case == "other_key":
        return mint(claims, "another-hs256-secret-that-is-long-enough-0123456789")
    if case == "hs384_same_key":
        return mint(claims, key, "HS384")
    if case == "hs512_same_key":
        return mint(claims, key, "HS512")
    if case == "rs256_attacker_key":
        return mint(claims, attacker_rsa_key(), "RS256")
    if case == "embedded_jwk":
        attacker = attacker_rsa_key()
        return mint(claims, attacker, "RS256", header={"alg": "RS256", "typ": "JWT", "jwk": public_jwk(attacker)})
    if case == "hs256_keyed_with_public_key_pem":
        return mint(claims, public_pem(attacker_rsa_key()), "HS256")
    if case == "extra_dots":
        return valid + ".extra"
    if case == "two_parts":
        return "%s.%s" % (head, payload)
    if case == "mangled_payload":
        middle = len(payload) // 2
        return "%s.%s.%s" % (head, payload[:middle] + payload[middle + 1:], sig)
    if case == "bad_base64url":
        return "%s.%s!*.%s" % (head, payload, sig)
    if case == "non_json_header":
        return mint(claims, key, header=b"not json")
    if case == "non_json_payload":
        return mint(b"not json {", key)
    if case == "payload_not_an_object":
        return mint(b"[1,2,3]", key)
    if case == "header_not_an_object":
        return mint(claims, key, header=b'["HS256"]')
    if case == "future_nbf":
        return mint(dict(claims, nbf=now + 3600), key)
    if case == "future_iat":
        return mint(dict(claims, iat=now + 3600), key)
    if case == "crit_header":
        return mint(claims, key, header={"alg": "HS256", "typ": "JWT", "crit": ["exp"]})
    if case == "non_string_jti":
        return mint(dict(claims, jti=12345), key)
    if case == "huge_100k":
        return "%s.%s.%s" % (head, b64url(secrets.token_bytes(75_000)), sig)
    raise ValueError(case)


# ---------------------------------------------------------------------------------------------
# Session set-up that both end-to-end suites (Tests/Integration, Tests/Django) share.


def authd_binary() -> Path:
    """AUTHD_BIN, or the debug build; fails the session when it is not there."""
    path = Path(os.environ.get("AUTHD_BIN") or REPO / ".build" / "debug" / "authd")
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail("authd binary not found or not executable at %s: build it first (swift build) "
                    "or set AUTHD_BIN" % path, pytrace=False)
    return path


def make_work_dir(prefix: str) -> Path:
    """A session's folder with a logs/ inside. Not pytest's tmp_path: that is mode 0700 under
    root, and the cluster runs as `postgres`."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    directory.chmod(0o755)
    (directory / "logs").mkdir()
    return directory


def remove_cluster_data(work_dir: Path) -> None:
    """The cluster's data goes at the end of a session, unless AUTHD_TEST_KEEP=1; logs stay."""
    if os.environ.get("AUTHD_TEST_KEEP") != "1":
        shutil.rmtree(work_dir / "postgres", ignore_errors=True)


def start_private_cluster(work_dir: Path) -> "PostgresCluster":
    """A private PostgreSQL cluster on a free port (scripts/test-postgres, or
    AUTHD_TEST_POSTGRES_SCRIPT); fails the session when it cannot start."""
    script = Path(os.environ.get("AUTHD_TEST_POSTGRES_SCRIPT") or REPO / "scripts" / "test-postgres")
    if not script.is_file():
        pytest.fail("%s not found: it starts the private PostgreSQL cluster (or set "
                    "AUTHD_TEST_DATABASE_URL)" % script, pytrace=False)
    cluster = PostgresCluster(script, work_dir / "postgres", free_port())
    try:
        cluster.start()
    except AssertionError as error:
        pytest.fail("could not start PostgreSQL: %s" % error, pytrace=False)
    return cluster


def stop_private_cluster(cluster: "PostgresCluster") -> None:
    try:
        cluster.stop()
    except AssertionError:
        try:
            cluster.kill()
        except AssertionError:
            pass


# The cache's bound: a change reaches every instance's cache through PostgreSQL's notifications
# in milliseconds (bench/run measures it under load); after CACHE_LEASE seconds without a word
# from its listener, an instance stops answering from its cache.
CACHE_LEASE = 1.0


def within(seconds: float, check: Callable[[], bool], what: str = "the change", interval: float = 0.002) -> float:
    """Seconds until check() holds, polling; fails if it does not within `seconds`."""
    started = time.monotonic()
    while True:
        if check():
            return time.monotonic() - started
        if time.monotonic() - started > seconds:
            raise AssertionError("%s not seen within %.2f s" % (what, seconds))
        time.sleep(interval)


def expect_within(seconds: float, call: Callable[[], Any], status: int, body: Any = None) -> Any:
    """`expect(call(), status, body)` once call() answers `status`, asking again until it does
    (at most `seconds`): for an instance that hears of a change through its cache's notifications."""
    within(seconds, lambda: call().status_code == status, "status %d" % status)
    return expect(call(), status, body)
