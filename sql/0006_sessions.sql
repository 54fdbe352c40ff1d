-- Sessions: one per refresh-token family (sql/0004), with what the login that started it looked
-- like, for GET /api/sessions/. authd's own table.
create table authd_session (
    -- The family: the jti of the login's refresh token.
    family varchar(255) primary key,
    -- USER_ID_FIELD's text, as authd_token_cutoff keys it.
    user_id text not null,
    created_at timestamptz not null default now(),
    -- The client at login: its address (X-Forwarded-For only from AUTHD_TRUSTED_PROXIES) and
    -- User-Agent (the first 256 characters).
    address text null,
    user_agent text null
);

create index authd_session_user_id on authd_session (user_id);
