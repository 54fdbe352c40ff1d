-- Logout everywhere: per user, the moment before which every token of theirs is refused (access
-- tokens on the protected route, refresh tokens on refresh). authd's own table: Django's and
-- simplejwt's tables are never given columns.
create table authd_token_cutoff (
    user_id bigint primary key,
    -- Whole seconds, as tokens' iat are: a token issued in this second or later stays valid.
    not_before timestamptz not null
);
