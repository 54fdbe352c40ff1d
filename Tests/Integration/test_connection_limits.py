"""Out of descriptors, authd neither spins nor floods its log: when accept() fails with EMFILE
it pauses accepting on that loop (0.1 s), counts it, logs it at most once per 10 s, and serves
again as soon as descriptors are free. At start it raises its soft descriptor limit to the hard one."""

import os
import resource
import socket
import subprocess
import time

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
