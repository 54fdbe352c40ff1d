"""Scale-out as docker-compose.scale.yml runs it, on loopback: three authd processes behind
Debian's HAProxy (the balancing and health checks of deploy/haproxy.cfg), PostgreSQL behind
PgBouncer in both pool modes. Every endpoint answers through the balancer, and whatever one
instance revokes the next request refuses, whichever instance it lands on."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from authd_testlib import REPO, BLACKLISTED, CACHE_LEASE, HTTPClient, within, auth_header, expect, expect_tokens, free_port, token_err, unique
from test_pgbouncer import pgbouncer  # noqa: F401  (the fixture: PgBouncer in session and transaction mode)

HAPROXY_CONFIG = REPO / "deploy" / "haproxy.cfg"
SCALE_COMPOSE = REPO / "docker-compose.scale.yml"


def haproxy_binary() -> str:
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    assert Path(binary).exists(), "haproxy is not installed (apt-get install haproxy; .ci/run does)"
    return binary


@pytest.fixture(scope="module")
def balanced(pgbouncer, servers, cli, migrated, work_dir, database):  # noqa: F811
    """Three authd instances through PgBouncer, behind HAProxy configured as deploy/haproxy.cfg
    with the three loopback servers in place of Docker's DNS. Yields (client, instances)."""
    mode, url = pgbouncer
    env = {"DATABASE_URL": url, "AUTHD_TRUSTED_PROXIES": "127.0.0.1", "AUTHD_ROTATE_REFRESH_TOKENS": "true",
           "AUTHD_BLACKLIST_AFTER_ROTATION": "true"}
    if mode == "transaction":
        env["AUTHD_DB_PREPARED_STATEMENTS"] = "false"
        env["AUTHD_CACHE_DATABASE_URL"] = database.url
    instances = [servers.spawn("default", **env) for _ in range(3)]
    port = free_port()
    servers_lines = "\n".join("    server authd%d 127.0.0.1:%d check inter 500ms" % (i, s.port) for i, s in enumerate(instances))
    config = HAPROXY_CONFIG.read_text()
    config = config.replace("bind :8000", "bind 127.0.0.1:%d" % port)
    # Within this machine's descriptor limit, which HAProxy raises to about twice maxconn.
    config = config.replace("maxconn 20000", "maxconn 4000")
    config = config.split("    server-template")[0] + servers_lines + "\n"
    config = config.replace("resolvers docker\n    nameserver dns 127.0.0.11:53\n    hold valid 5s\n", "")
    path = work_dir / ("haproxy-%s.cfg" % mode)
    path.write_text(config)
    process = subprocess.Popen([haproxy_binary(), "-db", "-f", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    client = HTTPClient("127.0.0.1", port)
    deadline = time.monotonic() + 10
    while True:
        try:
            if client.get("/readyz", timeout=2).status_code == 200:
                break
        except Exception:
            pass
        assert process.poll() is None and time.monotonic() < deadline, "haproxy did not come up"
        time.sleep(0.1)
    time.sleep(1.5)  # every server's health check has run
    yield client, instances
    process.terminate()
    process.wait(timeout=10)
    for instance in instances:
        instance.stop()


def test_the_compose_scale_file_and_haproxy_config_are_valid(authd_bin):
    import jsonschema

    compose = yaml.safe_load(SCALE_COMPOSE.read_text())
    schema = json.loads((REPO.parent / "shared" / "testdata" / "compose-spec.json").read_text())
    jsonschema.Draft7Validator(schema).validate(compose)
    from test_deployment import serve_variables

    known = serve_variables(authd_bin)
    for service in ("authd", "migrate", "keygen"):
        assert not set(compose["services"][service]["environment"]) - known, service
    assert compose["services"]["authd"]["environment"]["AUTHD_DB_PREPARED_STATEMENTS"] == "false"
    assert "@postgres:5432/" in compose["services"]["authd"]["environment"]["AUTHD_CACHE_DATABASE_URL"]
    result = subprocess.run([haproxy_binary(), "-c", "-f", str(HAPROXY_CONFIG)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_endpoint_answers_through_the_balancer(balanced, cli):
    client, _ = balanced
    name, password = unique("balanced"), "balanced-password-1"
    cli.create_user(name, password)
    pair = client.obtain(name, password)
    for _ in range(6):  # round robin: every instance answers twice
        expect(client.me(pair["access"]), 200)
        expect(client.verify(pair["access"]), 200, {})
    rotated = expect_tokens(client.refresh(pair["refresh"]), ("access", "refresh"))
    expect(client.get("/api/sessions/", headers=auth_header(rotated["access"])), 200)
    expect(client.blacklist(rotated["refresh"]), 200, {})
    expect(client.get("/healthz"), 200, {"status": "ok"})
    expect(client.get("/.well-known/jwks.json"), 200, {"keys": []})
    assert client.get("/openapi.json").status_code == 200


def test_what_one_instance_revokes_every_instance_refuses_within_the_cache_bound(balanced, cli):
    client, instances = balanced
    name, password = unique("balanced"), "balanced-password-2"
    cli.create_user(name, password)
    pair = client.obtain(name, password)
    successor = expect_tokens(instances[0].refresh(pair["refresh"]), ("access", "refresh"))["refresh"]
    # The rotated token replayed on another instance: reuse, the family is revoked everywhere.
    expect(instances[1].refresh(pair["refresh"]), 401, token_err(BLACKLISTED))
    for _ in range(3):
        expect(client.refresh(successor), 401, token_err(BLACKLISTED))
    # Every instance has the user cached; the deactivation reaches each through PostgreSQL.
    for instance in instances:
        expect(instance.me(pair["access"]), 200)
    cli.run("user", "deactivate", name)
    for instance in instances:
        within(CACHE_LEASE, lambda: instance.me(pair["access"]).status_code == 401, "the deactivation on %s" % instance.name)
        expect(instance.me(pair["access"]), 401, {"detail": "User is inactive", "code": "user_inactive"})


def test_the_balancer_takes_a_stopped_instance_out_and_no_request_fails(balanced, cli):
    client, instances = balanced
    name, password = unique("balanced"), "balanced-password-3"
    cli.create_user(name, password)
    access = client.obtain(name, password)["access"]
    instances[2].stop()
    time.sleep(2)  # health checks every 0.5 s mark it down
    statuses = [client.me(access).status_code for _ in range(30)]
    instances[2].start()
    assert statuses == [200] * 30, statuses
