-- Change notifications for the per-instance cache (AUTHD_CACHE). Whatever changes what the cache
-- holds (authd, Django's admin, plain SQL) sends, when it commits, on channel authd_cache:
--   u:<id>        a user row changed or went, or the user's logout-everywhere cut-off moved
--                 (<id>: AUTHD_USER_ID_FIELD's text, as authd_token_cutoff keys it);
--                 a change of last_login alone is not sent (every login makes one)
--   r:<jti>       a refresh token was blacklisted or un-blacklisted, or its outstanding row went
--   flush:users   too many users changed at once to name them (bulk UPDATE, TRUNCATE)
--   flush:tokens  the same for tokens (flushexpired, a password change's mass blacklisting)
-- The triggers are per statement, with transition tables: a bulk change costs one pass, and an
-- insert of an outstanding token (every login and refresh) fires nothing.

create function authd_notify_users() returns trigger language plpgsql as $$
declare
    id_field text := tg_argv[0];
    changed bigint;
begin
    if tg_op = 'TRUNCATE' then
        perform pg_notify('authd_cache', 'flush:users');
    elsif tg_op = 'DELETE' then
        select count(*) into changed from old_rows;
        if changed > 100 then
            perform pg_notify('authd_cache', 'flush:users');
        else
            perform pg_notify('authd_cache', 'u:' || k) from (select to_jsonb(o) ->> id_field as k from old_rows o) s where k is not null;
        end if;
    elsif tg_op = 'UPDATE' then
        select count(*) into changed from old_rows;
        if changed > 100 then
            perform pg_notify('authd_cache', 'flush:users');
        else
            -- Rows that differ in more than last_login, under their old id and their new one.
            perform pg_notify('authd_cache', 'u:' || k) from (
                select to_jsonb(o) ->> id_field as k from old_rows o
                where not exists (select 1 from new_rows n where to_jsonb(n) - 'last_login' = to_jsonb(o) - 'last_login')
                union
                select to_jsonb(n) ->> id_field from new_rows n
                where not exists (select 1 from old_rows o where to_jsonb(o) - 'last_login' = to_jsonb(n) - 'last_login')
            ) s where k is not null;
        end if;
    end if;
    return null;
end $$;

create function authd_notify_cutoffs() returns trigger language plpgsql as $$
declare
    ids text[];
begin
    if tg_op = 'TRUNCATE' then
        perform pg_notify('authd_cache', 'flush:users');
        return null;
    elsif tg_op = 'INSERT' then
        select array_agg(user_id) into ids from (select user_id from new_rows limit 101) s;
    elsif tg_op = 'DELETE' then
        select array_agg(user_id) into ids from (select user_id from old_rows limit 101) s;
    else
        select array_agg(user_id) into ids from (select user_id from old_rows union select user_id from new_rows limit 101) s;
    end if;
    if cardinality(ids) > 100 then
        perform pg_notify('authd_cache', 'flush:users');
    else
        perform pg_notify('authd_cache', 'u:' || id) from unnest(ids) id;
    end if;
    return null;
end $$;

create function authd_notify_tokens() returns trigger language plpgsql as $$
declare
    jtis text[];
begin
    if tg_op = 'TRUNCATE' then
        perform pg_notify('authd_cache', 'flush:tokens');
        return null;
    elsif tg_table_name = 'token_blacklist_outstandingtoken' then
        if tg_op = 'DELETE' then
            select array_agg(jti) into jtis from (select jti from old_rows limit 101) s;
        else
            select array_agg(jti) into jtis from (select jti from old_rows union select jti from new_rows limit 101) s;
        end if;
    elsif tg_op = 'INSERT' then
        select array_agg(jti) into jtis
        from (select o.jti from new_rows b join token_blacklist_outstandingtoken o on o.id = b.token_id limit 101) s;
    elsif tg_op = 'DELETE' then
        -- A row whose outstanding token went in the same statement is named by that table's trigger.
        select array_agg(jti) into jtis
        from (select o.jti from old_rows b join token_blacklist_outstandingtoken o on o.id = b.token_id limit 101) s;
    else
        select array_agg(jti) into jtis from (
            select o.jti from (select token_id from old_rows union select token_id from new_rows) b
            join token_blacklist_outstandingtoken o on o.id = b.token_id limit 101) s;
    end if;
    if cardinality(jtis) > 100 then
        perform pg_notify('authd_cache', 'flush:tokens');
    else
        perform pg_notify('authd_cache', 'r:' || jti) from unnest(jtis) jti;
    end if;
    return null;
end $$;

-- The user table's triggers, for the id field tokens carry. `authd migrate` calls this every time
-- (with AUTHD_USER_TABLE and AUTHD_USER_ID_FIELD), so a changed setting moves them along; `authd
-- serve` reads their argument back and does not use its cache while it differs.
create function authd_watch_user_table(user_table text, id_field text) returns void language plpgsql as $$
begin
    if not exists (
        select 1 from pg_attribute
        where attrelid = to_regclass(quote_ident(user_table)) and attname = id_field and attnum > 0 and not attisdropped
    ) then
        raise exception 'the user table "%" has no column "%" (AUTHD_USER_ID_FIELD)', user_table, id_field;
    end if;
    execute format(
        'create or replace trigger authd_cache_update after update on %I referencing old table as old_rows new table as new_rows
         for each statement execute function authd_notify_users(%L)', user_table, id_field);
    execute format(
        'create or replace trigger authd_cache_delete after delete on %I referencing old table as old_rows
         for each statement execute function authd_notify_users(%L)', user_table, id_field);
    execute format(
        'create or replace trigger authd_cache_truncate after truncate on %I for each statement execute function authd_notify_users(%L)',
        user_table, id_field);
end $$;

select authd_watch_user_table(
    coalesce(nullif(current_setting('authd.user_table', true), ''), 'auth_user'),
    coalesce(nullif(current_setting('authd.user_id_field', true), ''), 'id'));

create trigger authd_cache_insert after insert on authd_token_cutoff referencing new table as new_rows
    for each statement execute function authd_notify_cutoffs();
create trigger authd_cache_update after update on authd_token_cutoff referencing old table as old_rows new table as new_rows
    for each statement execute function authd_notify_cutoffs();
create trigger authd_cache_delete after delete on authd_token_cutoff referencing old table as old_rows
    for each statement execute function authd_notify_cutoffs();
create trigger authd_cache_truncate after truncate on authd_token_cutoff
    for each statement execute function authd_notify_cutoffs();

create trigger authd_cache_insert after insert on token_blacklist_blacklistedtoken referencing new table as new_rows
    for each statement execute function authd_notify_tokens();
create trigger authd_cache_update after update on token_blacklist_blacklistedtoken referencing old table as old_rows new table as new_rows
    for each statement execute function authd_notify_tokens();
create trigger authd_cache_delete after delete on token_blacklist_blacklistedtoken referencing old table as old_rows
    for each statement execute function authd_notify_tokens();
create trigger authd_cache_truncate after truncate on token_blacklist_blacklistedtoken
    for each statement execute function authd_notify_tokens();

create trigger authd_cache_update after update on token_blacklist_outstandingtoken referencing old table as old_rows new table as new_rows
    for each statement execute function authd_notify_tokens();
create trigger authd_cache_delete after delete on token_blacklist_outstandingtoken referencing old table as old_rows
    for each statement execute function authd_notify_tokens();
create trigger authd_cache_truncate after truncate on token_blacklist_outstandingtoken
    for each statement execute function authd_notify_tokens();
