"""The article's client scripts (shared/seed/jwt-authentication-in-django-api.txt) must work
verbatim against authd: only "http://localhost:8000" is replaced by the server's address, and the
user is the article's ("Gokul", password sent as the JSON number 123)."""

import json
import subprocess
import sys

import jwt

from authd_testlib import LEDGER, decode_jwt, drf_json, expect, token_err

# Copied character for character from the article (its indentation-free dict literals included).
ARTICLE_LOGIN_SCRIPT = '''import requests
import json
url = "http://localhost:8000/api/token/"
payload = json.dumps({
"username": "Gokul",
"password": 123
})
headers = {
'Content-Type': 'application/json'
}
response = requests.request("POST", url, headers=headers, data=payload)
print(response.text)
'''

ARTICLE_REFRESH_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTY5NTE0ODkxNiwia"
    "WF0IjoxNjk1MDYyNTE2LCJqdGkiOiIzZmU0ODQ5OWUzYWQ0NWMwOTlmM2U0MTE4N2Q3YmQyYyIsInVzZXJfaWQiOjF9.Jom"
    "LgtwEaFHllkRI2aaieLbrLZlHSNOaRviZpAzxalU"
)

ARTICLE_REFRESH_SCRIPT = '''import requests
import json
url = "http://localhost:8000/api/token/refresh/"
payload = json.dumps({
"refresh": "%s"
})
headers = {
'Content-Type': 'application/json'
}
response = requests.request("POST", url, headers=headers, data=payload)
print(response.text)
''' % ARTICLE_REFRESH_TOKEN


def run_article_script(script: str, server) -> str:
    """Run the script with the URL pointed at `server`; return its standard output."""
    assert script.count("http://localhost:8000") == 1
    pointed = script.replace("http://localhost:8000", "http://localhost:%d" % server.port)
    result = subprocess.run([sys.executable, "-c", pointed], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, "the article's script failed:\n%s" % result.stderr
    LEDGER.scan(result.stdout)
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1, repr(result.stdout)
    return result.stdout[:-1]


def test_article_login_script_prints_a_refresh_and_access_pair(default_server, users):
    out = run_article_script(ARTICLE_LOGIN_SCRIPT, default_server)
    tokens = json.loads(out)
    assert list(tokens) == ["refresh", "access"]
    assert out.encode() == drf_json(tokens), "not DRF's compact JSON: %r" % out
    assert decode_jwt(tokens["refresh"]).payload["token_type"] == "refresh"
    assert decode_jwt(tokens["access"]).payload["token_type"] == "access"


def test_article_login_script_access_token_opens_the_protected_route(default_server, users):
    tokens = json.loads(run_article_script(ARTICLE_LOGIN_SCRIPT, default_server))
    me = expect(default_server.me(tokens["access"]), 200)
    assert me["username"] == "Gokul"
    assert isinstance(me["id"], int) and str(me["id"]) == decode_jwt(tokens["access"]).payload["user_id"]


def test_article_refresh_script_verbatim_is_401_token_is_invalid(default_server, users):
    # The article's token was signed with the author's Django SECRET_KEY, not ours: the signature
    # check fails before its (long past) exp is looked at.
    out = run_article_script(ARTICLE_REFRESH_SCRIPT, default_server)
    assert out.encode() == drf_json(token_err("Token is invalid"))


def test_article_refresh_script_with_the_returned_refresh_token_prints_a_new_access_token(
        default_server, users, signing_key):
    tokens = json.loads(run_article_script(ARTICLE_LOGIN_SCRIPT, default_server))
    script = ARTICLE_REFRESH_SCRIPT.replace(ARTICLE_REFRESH_TOKEN, tokens["refresh"])
    out = run_article_script(script, default_server)
    refreshed = json.loads(out)
    assert list(refreshed) == ["access"]
    assert out.encode() == drf_json(refreshed)
    claims = jwt.decode(refreshed["access"], signing_key, algorithms=["HS256"])
    assert claims["token_type"] == "access"
    assert claims["user_id"] == decode_jwt(tokens["refresh"]).payload["user_id"]
    assert claims["jti"] != decode_jwt(tokens["access"]).payload["jti"]
    expect(default_server.me(refreshed["access"]), 200)
