#!/usr/bin/env bash
# The token API with curl: obtain a pair, refresh, call the protected route, verify, blacklist the
# refresh token, and see it refused afterwards. Needs only curl, and python3 for the JSON.
#   BASE_URL=http://localhost:8000 USERNAME=Gokul PASSWORD=123 examples/walkthrough.sh
# Stops with a non-zero status at the first answer whose status is not the expected one.
set -euo pipefail

BASE_URL=${BASE_URL:-http://localhost:8000}
export USERNAME=${USERNAME:-Gokul} PASSWORD=${PASSWORD:-123}

response=$(mktemp)
trap 'rm -f "$response"' EXIT

# call EXPECTED_STATUS METHOD PATH [CURL_OPTION...]: prints the body, or fails on another status.
# Passwords and tokens reach curl on standard input, not as arguments, which `ps` would show.
call() {
    local expected=$1 method=$2 path=$3 status
    shift 3
    status=$(curl -sS -o "$response" -w '%{http_code}' -X "$method" "$@" "$BASE_URL$path")
    if [[ $status != "$expected" ]]; then
        echo "walkthrough: $method $path answered $status, expected $expected: $(cat "$response")" >&2
        exit 1
    fi
    cat "$response"
}

# post EXPECTED_STATUS PATH: POSTs the JSON on standard input.
post() {
    call "$1" POST "$2" -H 'Content-Type: application/json' --data-binary @-
}

# json NAME: {"NAME": "$VALUE"}, correctly escaped.
json() {
    python3 -c 'import json, os, sys; print(json.dumps({sys.argv[1]: os.environ["VALUE"]}))' "$1"
}

# field NAME: the member NAME of the JSON object on standard input ("" when absent).
field() {
    python3 -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"
}

# claims TOKEN: the token's payload (base64url-decoded, not verified: the server does that).
claims() {
    VALUE=$1 python3 -c 'import base64, os; p = os.environ["VALUE"].split(".")[1]; print(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode())'
}

echo "1. POST /api/token/ as $USERNAME"
pair=$(python3 -c 'import json, os; print(json.dumps({"username": os.environ["USERNAME"], "password": os.environ["PASSWORD"]}))' \
    | post 200 /api/token/)
access=$(field access <<<"$pair")
refresh=$(field refresh <<<"$pair")
[[ -n $access && -n $refresh ]] || { echo "walkthrough: no token pair in $pair" >&2; exit 1; }
echo "   access:  $(claims "$access")"
echo "   refresh: $(claims "$refresh")"

echo "2. POST /api/token/refresh/"
refreshed=$(VALUE=$refresh json refresh | post 200 /api/token/refresh/)
access=$(field access <<<"$refreshed")
# With AUTHD_ROTATE_REFRESH_TOKENS the answer carries a new refresh token: use it from now on.
rotated=$(field refresh <<<"$refreshed")
refresh=${rotated:-$refresh}
echo "   access:  $(claims "$access")"
if [[ -n $rotated ]]; then echo "   refresh: $(claims "$rotated") (rotated)"; fi

echo "3. GET /api/users/me/ with the access token"
printf 'Authorization: Bearer %s\n' "$access" | call 200 GET /api/users/me/ -H @-
echo

echo "4. POST /api/token/verify/"
VALUE=$access json token | post 200 /api/token/verify/
echo

echo "5. POST /api/token/blacklist/ with the refresh token"
VALUE=$refresh json refresh | post 200 /api/token/blacklist/
echo

echo "6. POST /api/token/refresh/ with the blacklisted token: refused"
VALUE=$refresh json refresh | post 401 /api/token/refresh/
echo

echo "walkthrough: every answer was the expected one"
