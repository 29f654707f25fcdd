"""Sends N identical HTTP/1.1 requests over one keep-alive connection and
reads each response in full; used by scripts/bench-cors-instructions.sh.

    python3 scripts/instructions-load.py PORT N get|preflight|page|me|untouched [COOKIE]

`page` and `me` are the requests of scripts/bench-web-instructions.sh
(`me` and `untouched` send COOKIE, `name=value`).
"""

import socket
import sys

REQUESTS = {
    "get": b"GET /hello HTTP/1.1\r\nHost: bench\r\nOrigin: https://app.example\r\n\r\n",
    "page": b"GET /page HTTP/1.1\r\nHost: bench\r\n\r\n",
    "me": b"GET /me HTTP/1.1\r\nHost: bench\r\nCookie: %s\r\n\r\n",
    "untouched": b"GET /untouched HTTP/1.1\r\nHost: bench\r\nCookie: %s\r\n\r\n",
    "preflight": (
        b"OPTIONS /hello HTTP/1.1\r\nHost: bench\r\nOrigin: https://app.example\r\n"
        b"Access-Control-Request-Method: POST\r\n"
        b"Access-Control-Request-Headers: content-type\r\n\r\n"
    ),
}


def main() -> None:
    port, count, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    request = REQUESTS[kind]
    if kind in ("me", "untouched"):
        request = request % sys.argv[4].encode()
    conn = socket.create_connection(("127.0.0.1", port))
    buffer = b""
    for _ in range(count):
        conn.sendall(request)
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end >= 0:
                length = 0
                for line in buffer[:end].lower().split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                if len(buffer) >= end + 4 + length:
                    if not buffer.startswith(b"HTTP/1.1 200"):
                        sys.exit(f"unexpected answer: {buffer[:end]!r}")
                    buffer = buffer[end + 4 + length :]
                    break
            chunk = conn.recv(65536)
            if not chunk:
                sys.exit("connection closed")
            buffer += chunk


main()
