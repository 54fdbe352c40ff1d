-- Brute-force protection (README, "Brute-force protection"): failed logins by username and client
-- address, shared by every authd on this database, and the (username, address) pairs that logged
-- in successfully lately. authd's own tables: Django's are never given columns.

-- One row per failed login, kept for the longest throttle window. The username is stored as the
-- SHA-256 of the name as sent (folded to upper case with AUTHD_USERNAME_CASE_INSENSITIVE): a fixed
-- size whatever a client sends, and no list of the names attackers tried.
create table authd_login_failure (
    user_key bytea not null,
    -- An IPv4 address, or an IPv6 /64 ("2001:db8:0:1::/64").
    address text not null,
    at timestamptz not null default now()
);
-- A check reads the newest failures of the pair, of the address and of the user: one index each,
-- ordered by time, so each limit costs at most its count of index entries.
create index authd_login_failure_pair on authd_login_failure (user_key, address, at);
create index authd_login_failure_address on authd_login_failure (address, at);
create index authd_login_failure_user on authd_login_failure (user_key, at);
-- Each failure's insert also deletes a few rows past the longest window.
create index authd_login_failure_at on authd_login_failure (at);

-- The pairs with a recent successful login: the address and user limits never hold them back.
create table authd_login_known (
    user_key bytea not null,
    address text not null,
    last_success timestamptz not null,
    primary key (user_key, address)
);
create index authd_login_known_last_success on authd_login_known (last_success);
