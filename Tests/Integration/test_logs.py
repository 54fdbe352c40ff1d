"""No secret ever reaches a log. Runs last (conftest.py's collection hook moves this module to the
end), after everything else has driven the servers: every password sent, every token sent or
received (and its signature on its own), every signing key and the RS256 private key are looked
for in the stdout and stderr of every `authd serve` started in this run and in the output of every
CLI command; so is anything shaped like a signed JWT or a Django password hash.

It first drives some traffic of its own (failed and successful logins with distinctive passwords,
refresh, verify, blacklist, bad tokens), so that it means something when run alone."""

import time

from authd_testlib import (
    DJANGO_HASH_IN_LOG,
    JWT_IN_LOG,
    LEDGER,
    expect,
    new_password,
    unique,
)


def drive_traffic(server, cli):
    username, password = unique("logcheck"), new_password()
    cli.create_user(username, password)
    expect(server.login(username, new_password()), 401)             # wrong password
    expect(server.login(unique("nobody"), new_password()), 401)       # unknown user
    expect(server.post("/api/token/", data=b'{"username": "x", "password": "%s"' % new_password().encode(),
                       headers={"Content-Type": "application/json"}), 400)  # malformed, with a password in it
    pair = server.obtain(username, password)
    expect(server.refresh(pair["refresh"]), 200)                      # rotating or not
    expect(server.verify(pair["access"]), 200, {})
    expect(server.me(pair["access"]), 200)
    expect(server.me(pair["access"][:-4] + "AAAA"), 401)              # bad signature
    expect(server.me(pair["refresh"]), 401)                          # wrong type
    fresh = server.obtain(username, password)["refresh"]
    expect(server.blacklist(fresh), 200, {})
    expect(server.refresh(fresh), 401)                               # blacklisted
    cli.run("user", "set-password", username, stdin=new_password() + "\n")


def test_logs_never_contain_passwords_tokens_password_hashes_or_keys(default_server, rotate_server, servers, cli,
                                                                    signing_key):
    drive_traffic(default_server, cli)
    drive_traffic(rotate_server, cli)
    time.sleep(0.5)  # let the servers flush their output

    secrets = dict(LEDGER.items())
    secrets[signing_key] = "signing key"
    if servers._rsa is not None:
        for line in servers._rsa[1].read_text().splitlines():
            if line and not line.startswith("-----"):
                secrets[line] = "RS256 private key"

    files = [p for p in servers.log_files() + [cli.log_path] if p.exists()]
    assert files, "no log files were captured"
    leaks = []
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        for value, kind in secrets.items():
            if value in text:
                line = next(line for line in text.splitlines() if value in line)
                leaks.append("%s: a %s appears: %s" % (path.name, kind, line[:300]))
        for pattern, kind in ((JWT_IN_LOG, "JWT"), (DJANGO_HASH_IN_LOG, "password hash")):
            match = pattern.search(text)
            if match:
                leaks.append("%s: a %s appears: %s" % (path.name, kind, match.group(0)[:120]))
    assert not leaks, "secrets in the logs (%d searched in %d files):\n%s" % (
        len(secrets), len(files), "\n".join(leaks[:50]))
    # Sanity: the ledger did collect what it should have.
    kinds = set(secrets.values())
    assert {"password", "token", "signing key"} <= kinds, kinds
