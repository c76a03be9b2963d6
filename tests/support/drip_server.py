"""A tiny HTTP server on 127.0.0.1 that serves files, slowly on request: while ``slow`` is set
it sends a body a byte at a time, so a worker fetching it is caught mid-job."""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class DripServer:
    def __init__(self, drip_interval: float = 0.2) -> None:
        self.drip_interval = drip_interval
        self.slow = threading.Event()
        self.requests: Counter[str] = Counter()
        self._files: dict[str, bytes] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._lock:
                    server.requests[self.path] += 1
                    body = server._files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    for i in range(len(body)):
                        if not server.slow.is_set():
                            self.wfile.write(body[i:])
                            return
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                        time.sleep(server.drip_interval)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the fetching worker was killed

            def log_message(self, *_: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def serve(self, path: str, body: bytes) -> str:
        with self._lock:
            self._files[path] = body
        return self.base_url + path

    def count(self, path: str) -> int:
        with self._lock:
            return self.requests[path]

    def __enter__(self) -> DripServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.slow.clear()
        self._server.shutdown()
        self._server.server_close()
