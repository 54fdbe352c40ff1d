"""SIGTERM or SIGINT during load: authd stops accepting, answers every request it had accepted,
closes its database connections and exits 0.

"Accepted" is read off the server's own access log: each client request carries a unique
X-Request-Id, and every request authd took in has a log line with that id and its status. So
the test can tell the two kinds of client failure apart: a request authd never took in (refused
or reset connection once the listener is closed: expected) and one it took in but did not
answer (a failure)."""

import re
import signal
import threading
import time

import pytest
import requests

from authd_testlib import unique

LOG_LINE = re.compile(r" INFO request method=\S+ path=\S+ status=(\d{3}) duration_ms=\S+ request_id=(\S+)$")


class LoadClient(threading.Thread):
    """Sends requests in a loop, each on a new connection, until the server is gone."""

    def __init__(self, server, pair, username, password, kind):
        super().__init__(daemon=True)
        self.server, self.pair, self.username, self.password, self.kind = server, pair, username, password, kind
        self.answered = {}      # request id -> status
        self.unanswered = {}    # request id -> exception text
        self.stop_at = time.monotonic() + 30

    def send(self, request_id):
        headers = {"X-Request-Id": request_id, "Connection": "close"}
        base = self.server.base_url
        if self.kind == "login":
            return requests.post(base + "/api/token/", json={"username": self.username, "password": self.password},
                                 headers=headers, timeout=15)
        if self.kind == "refresh":
            return requests.post(base + "/api/token/refresh/", json={"refresh": self.pair["refresh"]},
                                 headers=headers, timeout=15)
        if self.kind == "me":
            headers["Authorization"] = "Bearer " + self.pair["access"]
            return requests.get(base + "/api/users/me/", headers=headers, timeout=15)
        return requests.get(base + "/healthz", headers=headers, timeout=15)

    def run(self):
        failures_in_a_row = 0
        while time.monotonic() < self.stop_at and failures_in_a_row < 20:
            request_id = unique(self.kind)
            try:
                self.answered[request_id] = self.send(request_id).status_code
                failures_in_a_row = 0
            except requests.RequestException as error:
                self.unanswered[request_id] = repr(error)
                failures_in_a_row += 1
                time.sleep(0.01)


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_under_load_answers_every_accepted_request_and_exits_0(servers, make_user, signal_number):
    # Logins at the real cost (1,000,000 iterations: a debug build takes ~0.3 s) are sure to be
    # in flight when the signal comes. The server has the same cost configured: with any other,
    # the first login would re-hash the user at that cost, as Django's must_update does.
    server = servers.spawn("default", AUTHD_THREADS="2", AUTHD_WORKERS="2", AUTHD_HASH_ITERATIONS=None)
    user = make_user("drain", hash_iterations=None)
    pair = server.obtain(user.username, user.password)
    clients = [LoadClient(server, pair, user.username, user.password, kind)
               for kind in ("login", "login", "refresh", "me", "me", "health", "health", "refresh")]
    for client in clients:
        client.start()
    time.sleep(1.5)
    proc = server.proc
    proc.send_signal(signal_number)
    code = proc.wait(timeout=15)
    for client in clients:
        client.join(timeout=30)

    log = server.stderr_text()
    logged = {m.group(2): int(m.group(1)) for m in map(LOG_LINE.search, log.splitlines()) if m}
    answered = {k: v for c in clients for k, v in c.answered.items()}
    unanswered = {k: v for c in clients for k, v in c.unanswered.items()}

    assert code == 0, "authd exited %s; stderr tail:\n%s" % (code, log[-3000:])
    assert "authd stopped" in log and "abandoned" not in log
    assert len(answered) > 100, "too little load to mean anything: %d requests" % len(answered)
    # Load ran through the signal: some requests were answered after it.
    assert unanswered, "no request was refused: the signal did not stop the server"
    # Every answer was a success: no 5xx and no 503 during the drain.
    bad = {k: v for k, v in answered.items() if v != 200}
    assert not bad, "requests answered with an error during the stop: %s" % list(bad.items())[:10]
    # Some requests were in flight at the signal and answered during the drain.
    drained = [line for line in log[log.index("draining"):].splitlines() if LOG_LINE.search(line)]
    assert any("path=/api/token/ status=200" in line for line in drained), "no login was answered during the drain"
    # Every request authd took in was answered, with the status the client saw.
    lost = {k: unanswered[k] for k in unanswered if k in logged}
    assert not lost, "accepted but not answered: %s" % list(lost.items())[:5]
    assert all(logged.get(k) == v for k, v in answered.items()), "the log and the clients disagree"
    server.stop()
