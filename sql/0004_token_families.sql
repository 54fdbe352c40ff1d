-- Refresh-token families (RFC 9700 §4.14.2): every refresh token belongs to the family its
-- login started; a rotation links the token to its successor. Presenting a token that was
-- already rotated is reuse: the whole family is blacklisted (or, within
-- AUTHD_REFRESH_REUSE_INTERVAL, the same successor is handed out again). authd's own table:
-- simplejwt's tables are used as they are.
create table authd_token_family (
    -- A refresh token's jti (simplejwt's outstanding token).
    jti varchar(255) primary key,
    -- The jti of the family's first token, the one its login issued.
    family varchar(255) not null,
    -- Set when the token is rotated: the jti of the token that replaced it, and when.
    successor varchar(255) null,
    rotated_at timestamptz null,
    -- The token's own expiry: `authd flush-expired` deletes the row after it.
    expires_at timestamptz not null
);

create index authd_token_family_family on authd_token_family (family);
