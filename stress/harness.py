"""What the stress scripts share: a private PostgreSQL cluster, a migrated schema, users, one
`authd serve`, and a load recorder. Built on the integration suite's helpers
(Tests/Integration/authd_testlib.py), so the scripts start everything the same way the tests do.

authd binary: $AUTHD_BIN, else .build/release/authd if built (bench/run builds it), else
.build/debug/authd. STRESS_KEEP=1 keeps the logs (authd's stderr, the CLI's) and prints where."""

from __future__ import annotations

import os
import resource
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "Integration"))

from authd_testlib import REPO, AuthdCLI, AuthdServer, PostgresCluster, free_port  # noqa: E402


def authd_binary() -> Path:
    if os.environ.get("AUTHD_BIN"):
        return Path(os.environ["AUTHD_BIN"])
    release = REPO / ".build" / "release" / "authd"
    return release if release.exists() else REPO / ".build" / "debug" / "authd"


def raise_fd_limit(wanted: int) -> int:
    """Raises this process's open-file limit (authd inherits it); returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Stack:
    """PostgreSQL + schema + authd. `durable`: commits are on disk before they are acknowledged."""

    def __init__(self, name: str, *, durable: bool = False, **server_env: str) -> None:
        self.binary = authd_binary()
        if not self.binary.exists():
            sys.exit("%s not found: build authd first (swift build, or bench/run for release)" % self.binary)
        self.work = Path(tempfile.mkdtemp(prefix="authd-%s-" % name))
        self.work.chmod(0o755)  # the cluster runs as `postgres`
        self.logs = self.work / "logs"
        self.logs.mkdir()
        if durable:
            os.environ["TEST_POSTGRES_DURABLE"] = "1"
        self.database = PostgresCluster(REPO / "scripts" / "test-postgres", self.work / "postgres", free_port())
        self.database.start()
        self.cli = AuthdCLI(self.binary, self.database.url, self.logs / "cli.log")
        self.cli.run("migrate", timeout=120)
        env = {"DATABASE_URL": self.database.url, "AUTHD_SIGNING_KEY": "stress-" + secrets.token_hex(24),
               "AUTHD_HASH_ITERATIONS": "1000"}
        env.update(server_env)
        self.server = AuthdServer(name, self.binary, env, self.logs)
        self.server.start()

    def users(self, count: int, prefix: str = "stress") -> list[tuple[str, str]]:
        made = []
        for index in range(count):
            username, password = "%s%d-%s" % (prefix, index, secrets.token_hex(3)), secrets.token_urlsafe(12)
            self.cli.create_user(username, password, hash_iterations="1000")
            made.append((username, password))
        return made

    @property
    def pid(self) -> int:
        return self.server.proc.pid

    def close(self) -> None:
        self.server.stop()
        try:
            self.database.stop()
        except AssertionError:
            self.database.kill()
        if os.environ.get("STRESS_KEEP") == "1":
            print("logs kept in %s" % self.logs)
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def process_facts(pid: int) -> tuple[float, int]:
    """(RSS in MB, open file descriptors) of a process, from /proc."""
    rss_kb = 0
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss_kb = int(line.split()[1])
    return rss_kb / 1024, len(os.listdir("/proc/%d/fd" % pid))


def scrape(base_url: str) -> dict[str, float]:
    """Unlabelled and labelled samples of /metrics, by their text form."""
    samples = {}
    for line in requests.get(base_url + "/metrics", timeout=10).text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


class Recorder:
    """Every request of a load: (time, kind, outcome, seconds). Outcome is the status code, or
    the exception's class name when no answer came."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.records: list[tuple[float, str, object, float]] = []

    def run(self, kind: str, send, stop: threading.Event, pause: float = 0.0) -> threading.Thread:
        """A thread calling send(session) -> response until `stop` is set."""

        def loop() -> None:
            session = requests.Session()
            while not stop.is_set():
                started = time.monotonic()
                try:
                    outcome: object = send(session).status_code
                except requests.RequestException as error:
                    outcome = type(error).__name__
                    session = requests.Session()
                with self.lock:
                    self.records.append((started, kind, outcome, time.monotonic() - started))
                if pause:
                    time.sleep(pause)

        thread = threading.Thread(target=loop, daemon=True, name=kind)
        thread.start()
        return thread

    def between(self, start: float, end: float, kinds=None) -> list[tuple[float, str, object, float]]:
        with self.lock:
            return [r for r in self.records if start <= r[0] < end and (kinds is None or r[1] in kinds)]

    def outcomes(self, records) -> dict:
        counts: dict = defaultdict(int)
        for record in records:
            counts[record[2]] += 1
        return dict(counts)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def table(rows: list[tuple], header: tuple) -> str:
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)) for row in [header] + rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
