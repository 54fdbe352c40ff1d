-- wrk script for POST /api/token/refresh/: every request posts the same refresh token
-- (BENCH_REFRESH_TOKEN). With rotation off (simplejwt's default) the token stays valid, so each
-- request costs one HMAC verify, one revocation lookup in Postgres and one HMAC sign.
--   BENCH_REFRESH_TOKEN=... wrk -t2 -c64 -d10s --latency -s bench/refresh.lua http://127.0.0.1:8000
local token = os.getenv("BENCH_REFRESH_TOKEN")
if token == nil or token == "" then
   io.stderr:write("refresh.lua: set BENCH_REFRESH_TOKEN\n")
   os.exit(2)
end

wrk.method = "POST"
wrk.path = "/api/token/refresh/"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"refresh":"' .. token .. '"}'
