"""The takeover itself: authd moves onto a database Django made (Django's migrate first, then
`authd migrate`), leaves Django's tables as Django made them, and users made on either side log
in on both."""

from django_testlib import expect, expect_tokens, new_password, unique


def test_authd_migrate_accepts_a_django_made_database_and_can_run_again(takeover, work_dir):
    # The fixture ran it once already (it fails the session if that failed).
    result = takeover.cli.run("migrate", cwd=work_dir / "elsewhere", check=False)
    assert result.returncode == 0, result.stderr


def test_authd_migrate_leaves_djangos_tables_as_django_made_them(takeover):
    after = takeover.schema()
    for table, shape in takeover.django_schema.items():
        assert after.get(table) == shape, "authd migrate changed Django's table %s" % table


def test_custom_model_database_keeps_djangos_tables_too(custom_takeover):
    after = custom_takeover.schema()
    assert "accounts_emailuser" in custom_takeover.django_schema
    for table, shape in custom_takeover.django_schema.items():
        assert after.get(table) == shape, "authd migrate changed Django's table %s" % table


def test_django_finds_no_unapplied_migration_after_authd_migrate(takeover, custom_takeover):
    for deployment in (takeover, custom_takeover):
        result = deployment.manage("migrate", "--check")
        assert result.returncode == 0, result.stdout + result.stderr


def test_django_user_logs_in_at_both(plain, takeover):
    user = takeover.create_user("both")
    for _, server in plain.both:
        expect_tokens(server.post("/api/token/", user.login), ("refresh", "access"))


def test_user_created_with_authd_cli_logs_in_at_django(plain, takeover):
    # Django's auth_user has no database defaults (is_superuser, first_name, ... date_joined):
    # authd's INSERT must fill every column Django requires.
    username, password = unique("cli"), new_password()
    takeover.cli.create_user(username, password)
    for _, server in plain.both:
        expect_tokens(server.login(username, password), ("refresh", "access"))
    shown = takeover.users({"op": "show", "username": username, "password": password})[0]
    assert shown["check"] is True and shown["must_update"] is False, shown
    expect(plain.django.login(username, password + "x"), 401)
