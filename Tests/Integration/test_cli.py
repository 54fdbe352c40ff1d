"""The `authd` command line: migrate, user create / set-password / deactivate / activate,
flush-expired, keygen. Passwords come from standard input (the first line, without its newline)."""

import time

from authd_testlib import (
    BLACKLISTED,
    NO_ACTIVE_ACCOUNT,
    User,
    expect,
    expect_tokens,
    mint,
    new_password,
    simplejwt_claims,
    token_err,
    unique,
)


def test_migrate_again_is_a_no_op_that_succeeds(cli, migrated, tmp_path):
    # From a directory without sql/: the schema is the one built into the binary.
    result = cli.run("migrate", timeout=120, cwd=tmp_path)
    assert result.stdout.strip() == "migrate: schema up to date"


def test_migrate_with_explicit_sql_dir_succeeds(cli, migrated):
    from authd_testlib import REPO

    result = cli.run("migrate", "--sql-dir", str(REPO / "sql"), timeout=120)
    assert result.stdout.strip() == "migrate: schema up to date"


def test_migrate_with_a_missing_sql_dir_fails_and_says_so(cli, migrated, tmp_path):
    result = cli.run("migrate", "--sql-dir", str(tmp_path / "absent"), check=False, timeout=60)
    assert result.returncode != 0
    assert "cannot read migrations directory" in result.stderr


def test_user_create_reads_only_the_first_line_of_stdin_as_the_password(cli, default_server, migrated):
    username, password = unique("firstline"), new_password()
    cli.run("user", "create", username, stdin=password + "\nsecond line\n")
    default_server.obtain(username, password)
    expect(default_server.login(username, password + "\nsecond line"), 401, NO_ACTIVE_ACCOUNT)


def test_user_create_with_password_without_trailing_newline(cli, default_server, migrated):
    username, password = unique("nonewline"), new_password()
    cli.run("user", "create", username, stdin=password)
    default_server.obtain(username, password)


def test_user_create_with_email_option(cli, default_server, migrated):
    user = User(unique("mailed"), new_password())
    cli.create_user(user.username, user.password, email=user.username + "@example.com")
    default_server.obtain(user.username, user.password)


def test_user_create_of_an_existing_username_fails_and_keeps_the_old_password(cli, default_server, make_user):
    user = make_user("dup")
    other = new_password()
    result = cli.create_user(user.username, other, check=False)
    assert result.returncode != 0, "creating %s twice succeeded" % user.username
    assert result.stderr.strip(), "no reason given on stderr"
    default_server.obtain(user.username, user.password)
    expect(default_server.login(user.username, other), 401, NO_ACTIVE_ACCOUNT)


def test_set_password_replaces_the_password(cli, default_server, make_user):
    user = make_user("setpw")
    tokens = default_server.obtain(user.username, user.password)
    new = new_password()
    cli.run("user", "set-password", user.username, stdin=new + "\n")
    expect(default_server.login(user.username, user.password), 401, NO_ACTIVE_ACCOUNT)
    default_server.obtain(user.username, new)
    # simplejwt does not revoke tokens on a password change.
    expect(default_server.me(tokens["access"]), 200)
    expect_tokens(default_server.refresh(tokens["refresh"]), ("access",))


def test_commands_on_an_unknown_user_fail(cli, migrated):
    name = unique("ghost")
    for args, stdin in ((("user", "set-password", name), new_password() + "\n"),
                        (("user", "deactivate", name), None), (("user", "activate", name), None)):
        result = cli.run(*args, stdin=stdin, check=False)
        assert result.returncode != 0, "authd %s succeeded for an unknown user" % " ".join(args)
        assert result.stderr.strip()


def test_deactivate_and_activate_are_idempotent(cli, default_server, make_user):
    user = make_user("idem")
    cli.run("user", "deactivate", user.username)
    cli.run("user", "deactivate", user.username)
    expect(default_server.login(user.username, user.password), 401, NO_ACTIVE_ACCOUNT)
    cli.run("user", "activate", user.username)
    cli.run("user", "activate", user.username)
    default_server.obtain(user.username, user.password)


def test_flush_expired_keeps_revocations_of_unexpired_tokens(cli, default_server, signing_key, gokul_id):
    live = default_server.obtain("Gokul", "123")["refresh"]
    expect(default_server.blacklist(live), 200, {})
    # A token revoked moments before it expires: flushable soon, but not yet.
    short = mint(simplejwt_claims(gokul_id, "refresh", lifetime=120), signing_key)
    expect(default_server.blacklist(short), 200, {})
    cli.run("flush-expired")
    expect(default_server.refresh(live), 401, token_err(BLACKLISTED))
    expect(default_server.refresh(short), 401, token_err(BLACKLISTED))


def test_flush_expired_leaves_expired_tokens_refused(cli, default_server, signing_key, gokul_id):
    # Once flushed, an expired token is still refused: as expired.
    token = mint(simplejwt_claims(gokul_id, "refresh", lifetime=2), signing_key)
    expect(default_server.blacklist(token), 200, {})
    time.sleep(3)
    cli.run("flush-expired")
    expect(default_server.refresh(token), 401, token_err("Token is expired"))


def test_keygen_prints_a_key(cli):
    for algorithm in ("HS256", "RS256"):
        result = cli.run("keygen", "--algorithm", algorithm, check=False)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip(), "authd keygen --algorithm %s printed nothing" % algorithm
    hs = cli.run("keygen", "--algorithm", "HS256").stdout.strip()
    assert len(hs.encode()) >= 32, "an HS256 key shorter than 32 bytes: %r" % len(hs)
    assert hs != cli.run("keygen", "--algorithm", "HS256").stdout.strip(), "keygen printed the same key twice"


def test_unknown_command_fails_with_usage_on_stderr(cli):
    result = cli.run("frobnicate", check=False)
    assert result.returncode != 0
    assert result.stderr.strip()
