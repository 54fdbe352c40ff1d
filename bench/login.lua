-- wrk script for POST /api/token/: logins that verify a real PBKDF2 hash (1,000,000 iterations
-- when the users were created that way). Requests go round-robin over the users in BENCH_USERS
-- (comma-separated), all with the password BENCH_PASSWORD; requests/s is logins/s.
--   BENCH_USERS=a,b BENCH_PASSWORD=... wrk -t1 -c16 -d10s --timeout 30s --latency -s bench/login.lua http://127.0.0.1:8000
local users = os.getenv("BENCH_USERS") or ""
local password = os.getenv("BENCH_PASSWORD")
if users == "" or password == nil then
   io.stderr:write("login.lua: set BENCH_USERS and BENCH_PASSWORD\n")
   os.exit(2)
end

-- Names and password are plain ASCII chosen by bench/run; escape the two JSON metacharacters anyway.
local function json_string(s)
   return '"' .. s:gsub('[\\"]', '\\%0') .. '"'
end

local requests = {}
for name in users:gmatch("[^,]+") do
   local body = '{"username":' .. json_string(name) .. ',"password":' .. json_string(password) .. '}'
   requests[#requests + 1] = wrk.format("POST", "/api/token/", { ["Content-Type"] = "application/json" }, body)
end

local next_index = 0
local threads = 0

-- setup runs in wrk's main Lua state, once per thread: number the threads so that each starts
-- on a different user.
function setup(thread)
   thread:set("thread_number", threads)
   threads = threads + 1
end

function init(args)
   next_index = (thread_number or 0) % #requests
end

function request()
   next_index = next_index % #requests + 1
   return requests[next_index]
end
