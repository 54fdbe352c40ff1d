"""authd through PgBouncer (Debian 12's 1.18), the pooler most PostgreSQL deployments put in
front, in both its modes: in session mode `authd migrate`, `authd user create` and `authd serve`
all connect through it; in transaction mode (server connections change between transactions,
so prepared statements cannot be kept) `authd serve` runs with AUTHD_DB_PREPARED_STATEMENTS=false.
Every endpoint answers as it does directly."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from authd_testlib import BLACKLISTED, AuthdCLI, auth_header, expect, expect_tokens, free_port, token_err, unique


@pytest.fixture(scope="module", params=["session", "transaction"])
def pgbouncer(request, database, work_dir):
    """PgBouncer in front of the test cluster in each pool mode, on a free port, run as the
    `postgres` OS user (it refuses to run as root, as PostgreSQL does). Yields (mode, URL)."""
    mode = request.param
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    assert Path(binary).exists(), "pgbouncer is not installed (apt-get install pgbouncer; .ci/run does)"
    directory = work_dir / ("pgbouncer-" + mode)
    directory.mkdir(exist_ok=True)
    directory.chmod(0o777)
    cluster_port = int(database.url.rsplit(":", 1)[1].split("/", 1)[0])
    port = free_port()
    (directory / "userlist.txt").write_text('"postgres" ""\n')
    (directory / "pgbouncer.ini").write_text(f"""[databases]
* = host=127.0.0.1 port={cluster_port}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
auth_type = trust
auth_file = {directory}/userlist.txt
pool_mode = {mode}
unix_socket_dir =
logfile = {directory}/pgbouncer.log
max_client_conn = 500
default_pool_size = 40
ignore_startup_parameters = extra_float_digits,options
""")
    for name in ("userlist.txt", "pgbouncer.ini"):
        (directory / name).chmod(0o644)
    # The log of an earlier PgBouncer of this mode (another module's) would say "listening on"
    # before this one does.
    (directory / "pgbouncer.log").unlink(missing_ok=True)
    process = subprocess.Popen(["runuser", "-u", "postgres", "--", binary, str(directory / "pgbouncer.ini")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while "listening on" not in ((directory / "pgbouncer.log").read_text() if (directory / "pgbouncer.log").exists() else ""):
        assert process.poll() is None and time.monotonic() < deadline, "pgbouncer did not start"
        time.sleep(0.05)
    yield mode, "postgresql://postgres@127.0.0.1:%d/postgres" % port
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def pooled(pgbouncer, authd_bin, log_dir, servers, migrated, database):
    """An authd serving through PgBouncer, on the suite's database (migrated through it too in
    session mode: migrations hold a session's advisory lock, which transaction mode cannot)."""
    mode, url = pgbouncer
    cli = AuthdCLI(authd_bin, url, log_dir / ("cli-pgbouncer-%s.log" % mode))
    if mode == "session":
        assert "migrate:" in cli.run("migrate").stdout
    # Transaction mode cannot carry the cache's LISTEN: that connection goes to PostgreSQL itself.
    env = {"AUTHD_DB_PREPARED_STATEMENTS": "false", "AUTHD_CACHE_DATABASE_URL": database.url} if mode == "transaction" else {}
    server = servers.spawn("rotate", DATABASE_URL=url, AUTHD_SESSION_CLAIM="sid", **env)
    yield server, cli
    server.stop()


def test_every_endpoint_answers_through_pgbouncer_in_session_mode(pooled):
    server, cli = pooled
    name = unique("pooled")
    cli.create_user(name, "pooled-password-1")
    pair = server.obtain(name, "pooled-password-1")
    expect(server.me(pair["access"]), 200)
    expect(server.verify(pair["access"]), 200, {})
    rotated = expect_tokens(server.refresh(pair["refresh"]), ("access", "refresh"))
    expect(server.refresh(pair["refresh"]), 401, token_err(BLACKLISTED))       # reuse: the family goes
    expect(server.refresh(rotated["refresh"]), 401, token_err(BLACKLISTED))
    second = server.obtain(name, "pooled-password-1")
    sessions = server.get("/api/sessions/", headers=auth_header(second["access"]))
    assert sessions.status_code == 200 and [s["current"] for s in sessions.json()] == [True]
    expect(server.blacklist(second["refresh"]), 200, {})
    time.sleep(1.05)
    changed = expect_tokens(server.post("/api/users/me/password/", {"old_password": "pooled-password-1",
                                                                      "new_password": "pooled-password-2"},
                                        headers=auth_header(second["access"])), ("refresh", "access"))
    expect(server.post("/api/token/revoke-all/", headers=auth_header(changed["access"])), 200, {})
    expect(server.get("/readyz"), 200, {"status": "ready"})


def test_many_requests_at_once_through_pgbouncer_all_succeed(pooled):
    import threading

    server, cli = pooled
    name = unique("pooled")
    cli.create_user(name, "pooled-password-3")
    access = server.obtain(name, "pooled-password-3")["access"]
    statuses = []

    def hammer():
        for _ in range(25):
            statuses.append(server.me(access).status_code)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 200
