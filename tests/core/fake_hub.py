"""A stand-in for the Hugging Face Hub's HTTP API, serving a model folder from disk:
enough of it for ``huggingface_hub.snapshot_download`` (the repo's file list, then each
file with its commit, ETag and size). Tests point ``HF_ENDPOINT`` at it, so the real
download code runs over a real socket, with nothing fetched from outside."""
from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class FakeHub:
    def __init__(self, repo_id: str, folder: Path, *, chunk: int = 64 * 1024) -> None:
        self.repo_id = repo_id
        self.files = {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
                      if p.is_file()}
        self.chunk = chunk
        self.requests: list[str] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_HEAD(self) -> None:  # noqa: N802 - http.server API
                hub._answer(self, body=False)

            def do_GET(self) -> None:  # noqa: N802
                hub._answer(self, body=True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeHub":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def total_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.files.values())

    def _answer(self, h: BaseHTTPRequestHandler, *, body: bool) -> None:
        path = h.path.split("?", 1)[0]
        self.requests.append(f"{h.command} {path}")
        api = f"/api/models/{self.repo_id}"
        if path == api or path.startswith(api + "/revision/"):
            data = json.dumps({"id": self.repo_id, "modelId": self.repo_id, "sha": COMMIT,
                               "siblings": [{"rfilename": f} for f in self.files]}).encode()
            return self._send(h, 200, data, {"Content-Type": "application/json"}, body)
        if path.startswith(api + "/tree/"):           # the file list (recursive, one page)
            entries = [{"type": "file", "path": f, "size": p.stat().st_size,
                        "oid": hashlib.sha1(p.read_bytes()).hexdigest()}
                       for f, p in self.files.items()]
            return self._send(h, 200, json.dumps(entries).encode(),
                              {"Content-Type": "application/json"}, body)
        prefix = f"/{self.repo_id}/resolve/"
        if path.startswith(prefix):
            _rev, _, name = path[len(prefix):].partition("/")
            f = self.files.get(name)
            if f is None:
                return self._send(h, 404, b"", {"X-Error-Code": "EntryNotFound"}, body)
            data = f.read_bytes()
            etag = hashlib.sha256(data).hexdigest()
            return self._send(h, 200, data, {"X-Repo-Commit": COMMIT, "ETag": f'"{etag}"',
                                             "Content-Type": "application/octet-stream"}, body)
        return self._send(h, 404, b"", {"X-Error-Code": "RepoNotFound"}, body)

    def _send(self, h, status: int, data: bytes, headers: dict, body: bool) -> None:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if body:
            for i in range(0, len(data), self.chunk):
                h.wfile.write(data[i:i + self.chunk])
