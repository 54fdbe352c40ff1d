"""Out of descriptors, authd neither spins nor floods its log: when accept() fails with EMFILE
it pauses accepting on that loop (0.1 s), counts it, logs it at most once per 10 s, and serves
again as soon as descriptors are free. At start it raises its soft descriptor limit to the hard one."""

import os
import resource
import socket
import subprocess
import time

import pytest
import requests

from test_metrics import scrape, value

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def open_files_limit(pid: int) -> tuple[int, int]:
    for line in open("/proc/%d/limits" % pid):
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return int(soft), int(hard)
    raise AssertionError("no open-files line in /proc/%d/limits" % pid)


def test_the_soft_descriptor_limit_is_raised_to_the_hard_limit(spawn_server):
    # Started with a soft limit of 256 (inherited from this process, for the spawn only).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        server = spawn_server("default")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert open_files_limit(server.proc.pid) == (hard, hard)
    deadline = time.monotonic() + 5
    while "descriptor_limit=" not in server.stderr_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "descriptor_limit=%d" % hard in server.stderr_text()


def test_out_of_descriptors_authd_pauses_accepting_instead_of_spinning_and_recovers(spawn_server):
    server = spawn_server("default", AUTHD_THREADS="2")
    pid = server.proc.pid
    expect_ok = requests.get(server.base_url + "/healthz", timeout=5)
    assert expect_ok.status_code == 200
    # 64 descriptors: the database connections, the log, epoll and the listeners take some; the
    # 200 connections below run it out (the kernel's backlog holds the ones authd cannot take).
    subprocess.run(["prlimit", "--pid", str(pid), "--nofile=64:64"], check=True)
    clients = []
    try:
        for _ in range(200):
            clients.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        time.sleep(0.5)
        before, started = cpu_seconds(pid), time.monotonic()
        time.sleep(3)
        used = (cpu_seconds(pid) - before) / (time.monotonic() - started)
        # Spinning on accept() costs a whole core per loop (about 2.0 here); paused, near nothing.
        assert used < 0.25, "authd used %.2f CPU seconds per second while out of descriptors" % used
        lines = [line for line in server.stderr_text().splitlines() if "accept failed" in line]
        assert 1 <= len(lines) <= 4, lines[:10]
        assert "Too many open files" in lines[0] and "accepting paused" in lines[0]
    finally:
        for client in clients:
            client.close()
    deadline = time.monotonic() + 1.5
    while True:
        try:
            if requests.get(server.base_url + "/healthz", timeout=0.5).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "/healthz did not answer within a second of the connections closing"
        time.sleep(0.05)
    assert value(scrape(server), "authd_http_accept_pauses_total") >= 1


# A sanitizer's allocator keeps freed memory in quarantine: the RSS of a sanitized authd says
# nothing about authd's own bounds.
measures_memory = pytest.mark.skipif(bool(os.environ.get("AUTHD_TEST_SANITIZER")),
                                     reason="RSS is not meaningful under a sanitizer")


def rss_mb(pid: int) -> float:
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def read_until_closed(sock: socket.socket, timeout: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and when it closed (seconds from now)."""
    started = time.monotonic()
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return data, time.monotonic() - started


def dribble(sock: socket.socket, payload: bytes, interval: float, until: float) -> None:
    """Sends `payload` a byte at a time until it is sent, the server closes, or `until` passes."""
    for byte in payload:
        if time.monotonic() > until:
            return
        try:
            sock.send(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            return
        time.sleep(interval)


def test_a_head_dribbled_past_the_header_timeout_is_answered_408_and_closed(spawn_server):
    server = spawn_server("default", AUTHD_HEADER_TIMEOUT="1")
    sock = socket.create_connection(("127.0.0.1", server.port))
    started = time.monotonic()
    dribble(sock, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 200 + b"\r\n\r\n", 0.05, started + 3)
    data, _ = read_until_closed(sock, 5)
    elapsed = time.monotonic() - started
    assert data.startswith(b"HTTP/1.1 408 "), data[:200]
    assert b'{"detail":' in data and b"Connection: close" in data
    assert 0.9 <= elapsed <= 3.5, elapsed


def test_a_new_connection_that_sends_nothing_is_closed_at_the_header_timeout_without_an_answer(spawn_server):
    server = spawn_server("default", AUTHD_HEADER_TIMEOUT="1")
    sock = socket.create_connection(("127.0.0.1", server.port))
    data, closed_after = read_until_closed(sock, 5)
    assert data == b"" and 0.9 <= closed_after <= 2.5, (data, closed_after)


def test_a_body_slower_than_the_minimum_rate_is_answered_408_at_its_deadline(spawn_server):
    server = spawn_server("default", AUTHD_BODY_TIMEOUT="1", AUTHD_BODY_MIN_RATE="1000")
    body = b'{"username": "x", "password": "' + b"p" * 960 + b'"}'
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(body))
    started = time.monotonic()  # deadline: 1 s + 1,000 bytes at 1,000 B/s = 2 s from here
    dribble(sock, body, 0.02, started + 6)  # 50 B/s
    data, _ = read_until_closed(sock, 5)
    elapsed = time.monotonic() - started
    assert data.startswith(b"HTTP/1.1 408 "), data[:200]
    assert 1.9 <= elapsed <= 4, elapsed
    assert value(scrape(server), "authd_http_deadline_closes_total", phase="body") == 1


def test_an_idle_keep_alive_connection_is_closed_at_the_keep_alive_timeout(spawn_server):
    server = spawn_server("default", AUTHD_KEEPALIVE_TIMEOUT="1")
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    data, closed_after = read_until_closed(sock, 5)
    assert data.startswith(b"HTTP/1.1 200 ") and 0.9 <= closed_after <= 2.5, (data[:40], closed_after)


def test_bodies_beyond_the_budget_are_refused_503_before_they_are_sent(spawn_server):
    # Room for two bodies of 2.4 MB (each counted twice, for libevent's buffers): a third is
    # refused as soon as its head arrives.
    server = spawn_server("default", AUTHD_BODY_BUDGET=str(10 * 1024 * 1024))
    head = (b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2400000\r\n\r\n")
    holding = []
    for _ in range(2):
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(head + b"x" * 100_000)
        holding.append(sock)
    time.sleep(0.3)
    third = socket.create_connection(("127.0.0.1", server.port))
    third.sendall(head)
    data, _ = read_until_closed(third, 5)
    assert data.startswith(b"HTTP/1.1 503 ") and b"Retry-After: 1" in data, data[:300]
    holding.pop().close()
    time.sleep(0.3)
    again = socket.create_connection(("127.0.0.1", server.port))
    again.sendall(head + b"x" * 2_400_000)
    data, _ = read_until_closed(again, 10)
    assert data.startswith(b"HTTP/1.1 400 "), data[:300]  # read whole, then refused as JSON
    for sock in holding:
        sock.close()


def test_a_declared_body_over_the_limit_is_refused_413_before_it_is_sent(spawn_server):
    server = spawn_server("default")
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 3000000\r\n\r\n")
    data, _ = read_until_closed(sock, 5)
    assert data.startswith(b"HTTP/1.1 413 ") and b'{"detail":' in data, data[:300]


@measures_memory
def test_300_unfinished_large_bodies_stay_within_the_budget_and_memory_returns_after(spawn_server):
    server = spawn_server("default")  # the default budget: 64 MiB
    pid = server.proc.pid
    idle = rss_mb(pid)
    size = 2_400_000
    head = (b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % size)
    clients = []
    for _ in range(300):
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.setblocking(False)
        sock.send(head)
        clients.append([sock, 0])
    chunk = b"x" * 65536
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        moved = False
        for entry in clients:
            sock, sent = entry
            if sent >= size - 10:
                continue
            try:
                entry[1] += sock.send(chunk[: size - 10 - sent])
                moved = True
            except OSError:
                pass
        if not moved:
            break
    held = rss_mb(pid)
    refused = 0
    for sock, _ in clients:
        try:
            refused += sock.recv(100).startswith(b"HTTP/1.1 503 ")
        except OSError:
            pass
    # 13 bodies of 2.4 MB fit the budget (each counted twice); every other one is refused at its head.
    assert refused >= 280, "only %d of 300 large bodies were refused 503 while the budget was spent" % refused
    for sock, _ in clients:
        sock.close()
    time.sleep(3)  # freed memory is given back a second after connections close
    after = rss_mb(pid)
    # The budget (64 MiB) plus the idle footprint, and a little for the refused connections'
    # unread input on its way out.
    assert held < idle + 64 + 16, "RSS %.0f MB holding 300 large bodies (idle %.0f MB)" % (held, idle)
    assert after < idle + 20, "RSS %.0f MB after the clients left (idle %.0f MB)" % (after, idle)


@measures_memory
def test_clients_that_pipeline_without_reading_are_held_back_and_closed_at_the_write_timeout(spawn_server):
    server = spawn_server("default", AUTHD_WRITE_TIMEOUT="2")
    pid = server.proc.pid
    idle = rss_mb(pid)
    clients = []
    for _ in range(20):
        # A small receive window: the answers back up within a few hundred, not tens of thousands.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", server.port))
        sock.setblocking(False)
        clients.append(sock)
    requests_ = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 1000
    closed = set()
    deadline = time.monotonic() + 20
    peak = idle
    while time.monotonic() < deadline and len(closed) < len(clients):
        for index, sock in enumerate(clients):
            try:
                sock.send(requests_)
            except BlockingIOError:
                pass
            except OSError:
                closed.add(index)
        peak = max(peak, rss_mb(pid))
        time.sleep(0.05)
    for sock in clients:
        sock.close()
    assert peak < idle + 25, "RSS %.0f MB with 20 non-reading pipeliners (idle %.0f MB)" % (peak, idle)
    assert len(closed) == len(clients), "%d of 20 non-reading clients closed within 20 s" % len(closed)


def test_at_the_connection_cap_new_clients_wait_in_the_backlog_until_one_closes(spawn_server):
    server = spawn_server("default", AUTHD_THREADS="1", AUTHD_MAX_CONNECTIONS="10")
    held = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(10)]
    time.sleep(0.3)
    waiting = socket.create_connection(("127.0.0.1", server.port))  # completes in the kernel's backlog
    waiting.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    waiting.settimeout(0.5)
    try:
        early = waiting.recv(100)
    except socket.timeout:
        early = b""
    assert early == b"", "a connection past the cap was served: %r" % early
    held.pop().close()
    data, _ = read_until_closed(waiting, 3)
    assert data.startswith(b"HTTP/1.1 200 "), data[:100]
    for sock in held:
        sock.close()
    assert "accept failed" not in server.stderr_text()


def test_stopping_with_idle_and_half_sent_connections_open_exits_cleanly(spawn_server):
    server = spawn_server("default")
    idle = socket.create_connection(("127.0.0.1", server.port))
    kept = socket.create_connection(("127.0.0.1", server.port))
    kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    kept.recv(1000)
    half = socket.create_connection(("127.0.0.1", server.port))
    half.sendall(b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100000\r\n\r\n" + b"x" * 50_000)
    time.sleep(0.3)
    proc = server.proc
    server.stop()
    assert proc.returncode == 0, "authd exited %s:\n%s" % (proc.returncode, server.stderr_text()[-3000:])
    assert "Fatal error" not in server.stderr_text()
    for sock in (idle, kept, half):
        sock.close()


def test_at_the_cap_the_longest_idle_keep_alive_connection_makes_room_for_a_new_client(spawn_server):
    server = spawn_server("default", AUTHD_THREADS="1", AUTHD_MAX_CONNECTIONS="10")
    kept = []
    for _ in range(10):
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(1000).startswith(b"HTTP/1.1 200 ")
        kept.append(sock)
        time.sleep(0.05)
    time.sleep(1.2)  # idle for over a second: eligible
    newcomer = socket.create_connection(("127.0.0.1", server.port))
    newcomer.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data, _ = read_until_closed(newcomer, 3)
    assert data.startswith(b"HTTP/1.1 200 "), data[:100]
    closed = []
    for index, sock in enumerate(kept):
        sock.settimeout(0.2)
        try:
            closed.append(sock.recv(100) == b"")
        except socket.timeout:
            closed.append(False)
    assert closed == [True] + [False] * 9, "not exactly the longest-idle connection was closed: %s" % closed
    for sock in kept:
        sock.close()
    time.sleep(0.2)
    assert value(scrape(server), "authd_http_idle_evictions_total") == 1
