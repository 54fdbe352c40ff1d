#!/usr/bin/env python3
"""Hold many idle keep-alive connections open to authd, for bench/run's memory check.

Opens COUNT TCP connections to HOST:PORT, optionally sends one `GET /healthz` on each and reads
the answer (so each connection has been through a request, as a real idle keep-alive client
has), prints one `ready ...` line, then keeps them open and quiet until SIGTERM/SIGINT or until
--hold seconds have passed. authd (evhttp) closes a connection idle for 30 s, so with --ping
each connection sends another `GET /healthz` every that many seconds (spread evenly over the
interval); keep the run short enough and no ping is ever sent. On exit it prints one `done ...`
line with how many connections the server closed meanwhile.

Standard library only; loopback use only.
"""

import argparse
import collections
import resource
import selectors
import signal
import socket
import sys
import time

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"

stopping = False


def stop(signum, frame):
    global stopping
    stopping = True


def raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        if target < needed:
            sys.exit(f"idle_connections.py: open-file limit {hard} is below the {needed} needed (raise ulimit -n)")


def response_complete(buffer):
    """True when `buffer` holds one whole HTTP response with a Content-Length body."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return False
    length = 0
    for line in buffer[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return len(buffer) >= end + 4 + length


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--request", action="store_true", help="send one GET /healthz on each connection first")
    parser.add_argument("--hold", type=float, default=60, help="exit after this many seconds at most (default 60)")
    parser.add_argument("--ping", type=float, default=20, help="re-send GET /healthz on each connection every this many seconds; 0: never (default 20)")
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("idle_connections.py: loopback hosts only")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    raise_fd_limit(args.count + 64)
    deadline = time.monotonic() + args.hold

    sockets = []
    started = time.monotonic()
    try:
        for _ in range(args.count):
            if stopping:
                break
            sock = socket.create_connection((args.host, args.port), timeout=10)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sockets.append(sock)
    except OSError as error:
        print(f"failed after {len(sockets)} connections: {error}", flush=True)
        sys.exit(1)

    selector = selectors.DefaultSelector()
    answered = 0
    failed = 0
    if args.request:
        buffers = {}
        for sock in sockets:
            sock.sendall(REQUEST)
            sock.setblocking(False)
            buffers[sock] = b""
            selector.register(sock, selectors.EVENT_READ)
        answer_deadline = time.monotonic() + 30
        while buffers and not stopping and time.monotonic() < answer_deadline:
            for key, _ in selector.select(timeout=0.5):
                sock = key.fileobj
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                buffer = buffers[sock] + data
                if not data or response_complete(buffer):
                    del buffers[sock]
                    selector.unregister(sock)
                    if data and buffer.startswith(b"HTTP/1.1 200"):
                        answered += 1
                    else:
                        failed += 1
                else:
                    buffers[sock] = buffer
        for sock in buffers:
            selector.unregister(sock)
    for sock in sockets:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)

    print(f"ready open={len(sockets)} answered={answered} failed={failed} seconds={time.monotonic() - started:.2f}", flush=True)

    # Hold: drain whatever arrives (ping answers), notice connections the server closes.
    open_sockets = set(sockets)
    closed_by_server = 0
    pings = 0
    due = collections.deque()
    if args.ping > 0:
        now = time.monotonic()
        for index, sock in enumerate(sockets):
            due.append((now + args.ping * (1 + index / max(1, len(sockets))), sock))
    while not stopping and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.2):
            sock = key.fileobj
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                selector.unregister(sock)
                open_sockets.discard(sock)
                closed_by_server += 1
        now = time.monotonic()
        while due and due[0][0] <= now:
            when, sock = due.popleft()
            if sock in open_sockets:
                try:
                    sock.send(REQUEST)
                    pings += 1
                except OSError:
                    pass
                due.append((when + args.ping, sock))

    print(f"done open={len(open_sockets)} closed_by_server={closed_by_server} pings={pings}", flush=True)
    for sock in sockets:
        sock.close()


if __name__ == "__main__":
    main()
