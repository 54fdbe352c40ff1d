"""Deployment: docker-compose.yml, .env.example, the Dockerfile, `authd healthcheck`, and the
examples/ scripts. No Docker engine is needed: the files are checked against the compose schema
and against the real authd binary, and the examples run against a test server."""

import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest
import yaml

from authd_testlib import LEDGER, REPO, AuthdServer, free_port
from test_article import ARTICLE_LOGIN_SCRIPT

COMPOSE_SCHEMA = REPO.parent / "shared" / "testdata" / "compose-spec.json"

# Packages of debian:bookworm-slim (Priority: required, or needed by apt) that a Swift binary may
# link: the runtime stage must not list them, it gets them from its base image.
# libcrypt1 (libxcrypt, for bcrypt) is there because the essential perl-base and login need it.
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g", "libcrypt1"}
# The Swift runtime, which `--static-swift-stdlib` puts inside the release binary; the debug
# build links it from the toolchain, where no Debian package owns it.
SWIFT_RUNTIME = re.compile(r"lib(swift|_?Foundation|dispatch|BlocksRuntime)")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = (REPO / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    logical = re.sub(r"\\\n", " ", "\n".join(lines))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
            for line in logical.splitlines() if line.strip()]


def dockerfile_global_args() -> dict[str, str]:
    """The ARGs before the first FROM (the only ones a FROM line can use), with their defaults."""
    arguments: dict[str, str] = {}
    for instruction, text in dockerfile_instructions():
        if instruction == "FROM":
            break
        assert instruction == "ARG", "only ARG may come before the first FROM, not %s" % instruction
        name, _, default = text.partition("=")
        arguments[name.strip()] = default.strip()
    return arguments


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The stages' instructions; FROM lines with the global ARGs' defaults substituted, which is
    what `docker build` without --build-arg builds."""
    defaults = dockerfile_global_args()

    def expand(text: str) -> str:
        return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: defaults[m.group(1) or m.group(2)], text)

    stages: list[list[tuple[str, str]]] = []
    for instruction, arguments in dockerfile_instructions()[len(defaults):]:
        if instruction == "FROM":
            stages.append([])
            arguments = expand(arguments)
        assert stages, "the Dockerfile must start with FROM (after the global ARGs)"
        stages[-1].append((instruction, arguments))
    return stages


def apt_installed(stage: list[tuple[str, str]]) -> set[str]:
    packages: set[str] = set()
    for instruction, arguments in stage:
        if instruction == "RUN":
            for command in re.split(r"&&|;", arguments):
                words = command.split()
                if "apt-get" in words and "install" in words:
                    packages |= {w for w in words[words.index("install") + 1:] if not w.startswith("-")}
    return packages


# ---------------------------------------------------------------------------------------------
# docker-compose.yml and .env.example


def test_compose_file_validates_against_the_compose_specification(compose):
    if not COMPOSE_SCHEMA.is_file():
        pytest.skip("%s is absent (the shared folder is not beside the repository)" % COMPOSE_SCHEMA)
    import jsonschema

    jsonschema.Draft7Validator(json.loads(COMPOSE_SCHEMA.read_text())).validate(compose)


def serve_variables(authd_bin) -> set[str]:
    """Every environment variable `authd serve --help` says authd reads."""
    result = subprocess.run([str(authd_bin), "serve", "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    names = set(re.findall(r"^ {2}([A-Z][A-Z0-9_]+)$", result.stdout, re.MULTILINE))
    assert {"DATABASE_URL", "AUTHD_SIGNING_KEY", "AUTHD_SIGNING_KEY_FILE"} <= names, result.stdout
    return names


def test_compose_sets_only_variables_that_authd_reads(compose, authd_bin):
    known = serve_variables(authd_bin)
    for service in ("authd", "migrate", "keygen"):
        unknown = set(compose["services"][service]["environment"]) - known
        assert not unknown, "the %s service sets variables authd never reads: %s" % (service, sorted(unknown))


def test_compose_starts_authd_after_a_healthy_database_and_a_completed_migration(compose):
    services = compose["services"]
    db, migrate, authd = services["db"], services["migrate"], services["authd"]
    assert db["image"] == "postgres:15"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert migrate["command"] == ["authd", "migrate"], "the schema is built into the binary"
    assert migrate["restart"] == "no"
    assert authd["depends_on"] == {"db": {"condition": "service_healthy"},
                                   "migrate": {"condition": "service_completed_successfully"},
                                   "keygen": {"condition": "service_completed_successfully"}}
    # One image, built from the repository's Dockerfile, for both.
    assert migrate["image"] == authd["image"] and migrate["build"] == authd["build"] == "."
    assert "command" not in authd, "authd runs the image's default command, authd serve"
    assert "8000:8000" in authd["ports"]
    assert authd["environment"]["AUTHD_LISTEN"] == "0.0.0.0:8000"
    assert "@db:5432/" in authd["environment"]["DATABASE_URL"]
    assert "AUTHD_SIGNING_KEY" not in authd["environment"], "the key is a file in a volume, not a variable"


def keygen_script(compose) -> str:
    """The keygen service's shell script as the container runs it ($$ is compose's escape)."""
    command = compose["services"]["keygen"]["command"]
    assert command[:2] == ["sh", "-c"]
    return command[2].replace("$$", "$")


def test_compose_makes_the_signing_key_once_in_a_volume_authd_reads(compose):
    services = compose["services"]
    keygen, authd = services["keygen"], services["authd"]
    assert keygen["image"] == authd["image"] and keygen["restart"] == "no"
    assert "authd-keys:/var/lib/authd" in keygen["volumes"]
    assert "authd-keys:/var/lib/authd:ro" in authd["volumes"]
    assert "authd-keys" in compose["volumes"]
    assert authd["environment"]["AUTHD_SIGNING_KEY_FILE"] == "/var/lib/authd/signing-key"
    assert keygen["environment"]["AUTHD_ALGORITHM"] == authd["environment"]["AUTHD_ALGORITHM"]


@pytest.mark.parametrize("algorithm", ["HS256", "ES256"])
def test_keygen_script_makes_a_key_authd_accepts_and_never_replaces_it(compose, authd_bin, database, migrated,
                                                                       tmp_path, algorithm):
    # The service's own script, run here with the volume replaced by a folder and `authd` by the
    # binary under test.
    folder = tmp_path / "keys"
    folder.mkdir()
    script = keygen_script(compose).replace("/var/lib/authd", str(folder)).replace("authd keygen", "%s keygen" % authd_bin)
    env = dict(os.environ, AUTHD_ALGORITHM=algorithm)
    for _ in range(2):
        subprocess.run(["sh", "-c", script], env=env, check=True, timeout=60)
        if _ == 0:
            first = (folder / "signing-key").read_bytes()
    key = folder / "signing-key"
    assert key.read_bytes() == first, "a second start must keep the key (tokens stay valid)"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert not (folder / "signing-key.new").exists()
    LEDGER.add(first.decode().strip(), "compose signing key")
    # authd starts with it (and refuses a key that does not fit the algorithm).
    server = AuthdServer("keygen-" + algorithm, authd_bin, {
        "DATABASE_URL": database.url, "AUTHD_SIGNING_KEY_FILE": str(key), "AUTHD_ALGORITHM": algorithm}, tmp_path)
    server.start()
    try:
        assert server.healthz().status_code == 200
    finally:
        server.stop()


def test_compose_keeps_the_database_in_a_named_volume(compose):
    mounts = [volume.split(":") for volume in compose["services"]["db"]["volumes"]]
    assert ["pgdata", "/var/lib/postgresql/data"] in mounts
    assert "pgdata" in compose["volumes"]


def test_env_example_lists_every_variable_that_compose_interpolates():
    # ${NAME...}, but not $${NAME}, which compose leaves to the container's shell.
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", (REPO / "docker-compose.yml").read_text()))
    documented = dict(re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", (REPO / ".env.example").read_text(), re.MULTILINE))
    assert interpolated == set(documented), "compose uses %s; .env.example lists %s" % (
        sorted(interpolated), sorted(documented))
    # A sample key would be used as it is by someone: keys are made, never shipped.
    assert not any("KEY" in name for name in documented)


def test_env_file_is_ignored_by_git_and_docker():
    assert "/.env" in (REPO / ".gitignore").read_text().split()
    ignored = (REPO / ".dockerignore").read_text().split()
    for entry in (".env", ".git", ".build*", ".pgdata", ".authd-signing-key"):
        assert entry in ignored, "%s is not in .dockerignore" % entry


# ---------------------------------------------------------------------------------------------
# Dockerfile


def linked_packages(authd_bin) -> set[str]:
    """The Debian packages that own the libraries the binary names (its DT_NEEDED entries, not
    ldd's transitive closure: apt installs the dependencies of those packages by itself)."""
    dynamic = subprocess.run(["readelf", "-d", str(authd_bin)], capture_output=True, text=True, timeout=30)
    assert dynamic.returncode == 0, dynamic.stderr
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic.stdout)
    ldd = subprocess.run(["ldd", str(authd_bin)], capture_output=True, text=True, timeout=30)
    paths = dict(re.findall(r"^\s*(\S+) => (/\S+)", ldd.stdout, re.MULTILINE))
    packages = set()
    for name in needed:
        if name.startswith("ld-linux"):
            packages.add("libc6")
            continue
        assert name in paths, "ldd did not resolve %s:\n%s" % (name, ldd.stdout)
        owner = None
        for path in (paths[name], os.path.realpath(paths[name])):
            result = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True, timeout=30)
            if result.returncode == 0:
                owner = result.stdout.split(":", 1)[0]
                break
        if owner is None:
            assert SWIFT_RUNTIME.match(name), "no Debian package owns %s (%s)" % (name, paths[name])
            continue
        packages.add(owner)
    return packages


def test_runtime_stage_installs_exactly_the_packages_of_the_linked_libraries(authd_bin):
    runtime = dockerfile_stages()[-1]
    expected = linked_packages(authd_bin) - BASE_IMAGE_PACKAGES
    assert expected, "the binary links no library beyond the base image's"
    assert apt_installed(runtime) == expected


def test_dockerfile_builds_a_static_stdlib_binary_in_a_swift_stage():
    stages = dockerfile_stages()
    assert len(stages) >= 2, "the Dockerfile must be multi-stage"
    build = stages[0]
    assert re.fullmatch(r"swift:6\.\d+(\.\d+)?-bookworm AS build", build[0][1], re.IGNORECASE), build[0]
    assert {"libevent-dev", "libssl-dev", "libpq-dev", "pkg-config"} <= apt_installed(build)
    swift_build = [a for i, a in build if i == "RUN" and "swift build" in a]
    assert swift_build, "no swift build in the build stage"
    for option in ("-c release", "--static-swift-stdlib", "--product authd"):
        assert option in swift_build[0], "the build does not use %s" % option


def test_base_images_are_build_arguments_defaulting_to_the_official_images():
    # scripts/image-check builds this file from bases made on a machine without a registry.
    assert dockerfile_global_args() == {"BUILD_IMAGE": "swift:6.3-bookworm", "RUNTIME_IMAGE": "debian:bookworm-slim"}
    froms = [arguments for instruction, arguments in dockerfile_instructions() if instruction == "FROM"]
    assert froms == ["${BUILD_IMAGE} AS build", "${RUNTIME_IMAGE}"]


def test_runtime_stage_is_slim_non_root_and_probes_itself():
    runtime = dockerfile_stages()[-1]
    instructions: dict[str, list[str]] = {}
    for instruction, arguments in runtime:
        instructions.setdefault(instruction, []).append(arguments)
    assert instructions["FROM"] == ["debian:bookworm-slim"]
    assert any("rm -rf /var/lib/apt/lists/*" in a for a in instructions["RUN"])
    user = instructions["USER"][-1].split(":")[0]
    assert user not in ("root", "0"), "the image runs as root"
    assert any(a.startswith("--from=build ") and a.endswith(" /usr/local/bin/authd") for a in instructions["COPY"])
    assert not any("sql" in a for a in instructions["COPY"]), "the schema is built into the binary"
    assert instructions["EXPOSE"] == ["8000"]
    assert "AUTHD_LISTEN=0.0.0.0:8000" in instructions["ENV"]
    assert re.search(r'CMD \["authd", "healthcheck"', instructions["HEALTHCHECK"][-1])
    assert json.loads(instructions["CMD"][-1]) == ["authd", "serve"]


# ---------------------------------------------------------------------------------------------
# authd healthcheck


def healthcheck(cli, url: str) -> subprocess.CompletedProcess:
    return cli.run("healthcheck", "--url", url, check=False, timeout=15)


def expect_unhealthy(result: subprocess.CompletedProcess, reason: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and reason in lines[0], result.stderr


def test_healthcheck_passes_against_a_running_server(cli, default_server):
    result = healthcheck(cli, default_server.base_url + "/healthz")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"HTTP/1\.[01] 200 .*\n", result.stdout), result.stdout


def test_healthcheck_fails_on_a_closed_port(cli):
    expect_unhealthy(healthcheck(cli, "http://127.0.0.1:%d/healthz" % free_port()), "Connection refused")


def test_healthcheck_fails_on_a_status_other_than_200(cli, default_server):
    expect_unhealthy(healthcheck(cli, default_server.base_url + "/no-such-path"), " 404")


def test_healthcheck_gives_up_on_a_server_that_never_answers(cli):
    # Listening but never accepting: the connection opens, no byte ever comes back.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        started = time.monotonic()
        result = healthcheck(cli, "http://127.0.0.1:%d/healthz" % silent.getsockname()[1])
        assert time.monotonic() - started < 10
    expect_unhealthy(result, "timed out")


@pytest.mark.parametrize("url", ["https://127.0.0.1:8000/healthz", "http://127.0.0.1:99999/", "http://:80/",
                                 "http://[::1/healthz", "http://127.0.0.1:8000/a b"])
def test_healthcheck_refuses_urls_it_cannot_fetch(cli, url):
    expect_unhealthy(healthcheck(cli, url), "not an http://HOST:PORT/PATH URL")


# ---------------------------------------------------------------------------------------------
# examples/


def test_example_client_is_the_articles_script_verbatim():
    text = (REPO / "examples" / "client.py").read_text()
    code = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    assert code == ARTICLE_LOGIN_SCRIPT


def test_example_client_prints_a_token_pair(default_server, users):
    script = (REPO / "examples" / "client.py").read_text()
    assert script.count("http://localhost:8000") == 1
    pointed = script.replace("http://localhost:8000", default_server.base_url)
    result = subprocess.run([sys.executable, "-c", pointed], capture_output=True, text=True, timeout=60)
    LEDGER.scan(result.stdout)
    assert result.returncode == 0, result.stderr
    assert list(json.loads(result.stdout)) == ["refresh", "access"]


def walkthrough(server, username: str, password: str) -> subprocess.CompletedProcess:
    LEDGER.add(password, "password")
    env = dict(os.environ, BASE_URL=server.base_url, USERNAME=username, PASSWORD=password)
    result = subprocess.run(["bash", str(REPO / "examples" / "walkthrough.sh")], capture_output=True, text=True,
                            env=env, timeout=60)
    LEDGER.scan(result.stdout)
    return result


def test_walkthrough_runs_every_step_against_a_server(default_server, users):
    result = walkthrough(default_server, "Gokul", "123")
    assert result.returncode == 0, result.stdout + result.stderr
    assert '{"detail":"Token is blacklisted","code":"token_not_valid"}' in result.stdout
    assert result.stdout.endswith("walkthrough: every answer was the expected one\n"), result.stdout


def test_walkthrough_follows_rotated_refresh_tokens(rotate_server, users):
    result = walkthrough(rotate_server, "Gokul", "123")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(rotated)" in result.stdout


def test_walkthrough_stops_at_the_first_unexpected_status(default_server, make_user):
    user = make_user("walkthrough")
    result = walkthrough(default_server, user.username, user.password + "-wrong")
    assert result.returncode != 0
    assert "POST /api/token/ answered 401, expected 200" in result.stderr, result.stderr
    assert "2. POST /api/token/refresh/" not in result.stdout
