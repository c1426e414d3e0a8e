"""Decompression bombs against a real server (issue 10), run by hand:

    .venv/bin/python bench/bombs.py            # prints one line per bomb: answer, time, peak RSS

It migrates a fresh SQLite database in a temporary DATA_DIR, creates a Financeiro user, starts
gunicorn (one sync worker; the task backend is the immediate one, so the import runs inside the
server process and its memory is what is measured), uploads through the API:

- a 1 MB .xes.gz expanding to 1 GB of whitespace, and one with a 1 GB attribute value
  (POST /api/v1/mining/logs, then GET /api/v1/mining/logs/{id});
- a 1 MB zip of ten 100 MB NFS-e XML members (POST /api/v1/nfse/import);
- a 60 MB body (over FATURA_MAX_UPLOAD_MB) without reading it;

and reports the wall time of each request and the growth of the worker's peak RSS (VmHWM from
/proc, Linux only).
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.mining.bombs import xes_gz_bomb, zip_bomb  # noqa: E402

PYTHON = sys.executable
MB = 1 << 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    return {
        **env,
        "FATURA_DATA_DIR": str(data),
        "FATURA_SECRET_KEY": secrets.token_urlsafe(40),
        "FATURA_TASK_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "DJANGO_SETTINGS_MODULE": "fatura.settings",
        "PYTHONPATH": str(ROOT / "src"),
    }


def _setup(env: dict[str, str]) -> None:
    subprocess.run([PYTHON, "-m", "django", "migrate", "-v0"], env=env, check=True)
    script = (
        "import django; django.setup()\n"
        "from django.contrib.auth.models import Group, User\n"
        "u = User.objects.create_user('fin', password='bomb-pass-123')\n"
        "u.groups.add(Group.objects.get_or_create(name='Financeiro')[0])\n"
    )
    subprocess.run([PYTHON, "-c", script], env=env, check=True)


def _worker_pid(master: int) -> int:
    for _ in range(100):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("no gunicorn worker")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _request(port: int, method: str, path: str, body: bytes = b"", headers=None):  # type: ignore[no-untyped-def]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def _multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="fatura-bombs-") as folder:
        base = Path(folder)
        data = base / "data"
        env = _env(data)
        _setup(env)
        port = _free_port()
        server = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "fatura.wsgi:application",
                "-w",
                "1",
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "600",
                "--log-level",
                "warning",
            ],
            env=env,
        )
        try:
            worker = _worker_pid(server.pid)
            for _ in range(100):
                try:
                    status, body = _request(
                        port,
                        "POST",
                        "/api/v1/auth/token",
                        json.dumps({"username": "fin", "password": "bomb-pass-123"}).encode(),
                        {"Content-Type": "application/json"},
                    )
                    break
                except OSError:
                    time.sleep(0.2)
            auth = {"Authorization": f"Bearer {json.loads(body)['token']}"}
            print(f"worker pid {worker}; peak RSS after start {_peak_rss_mb(worker):.0f} MB")
            bombs = [
                (
                    "xes.gz whitespace",
                    xes_gz_bomb(base / "ws.xes.gz", "whitespace"),
                    "/api/v1/mining/logs",
                ),
                (
                    "xes.gz attribute",
                    xes_gz_bomb(base / "attr.xes.gz", "attribute"),
                    "/api/v1/mining/logs",
                ),
                ("zip 10 x 100 MB", zip_bomb(base / "notas.zip"), "/api/v1/nfse/import"),
            ]
            for label, path, url in bombs:
                before = _peak_rss_mb(worker)
                content = path.read_bytes()
                fields = {"name": label} if "mining" in url else {}
                payload, content_type = _multipart(fields, path.name, content)
                started = time.monotonic()
                status, answer = _request(
                    port, "POST", url, payload, {**auth, "Content-Type": content_type}
                )
                if status == 202:  # queued (run at once here): its state tells the outcome
                    log_id = json.loads(answer)["log_id"]
                    _, answer = _request(port, "GET", f"/api/v1/mining/logs/{log_id}", headers=auth)
                    answer = json.dumps(
                        {k: json.loads(answer)[k] for k in ("status", "error")}
                    ).encode()
                elapsed = time.monotonic() - started
                after = _peak_rss_mb(worker)
                print(
                    f"{label}: {len(content) / MB:.2f} MB sent -> {status} in {elapsed:.2f} s; "
                    f"peak RSS {before:.0f} -> {after:.0f} MB (+{after - before:.0f}); "
                    f"{answer.decode()[:160]}"
                )
            before = _peak_rss_mb(worker)
            started = time.monotonic()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.putrequest("POST", "/api/v1/nfse/import")
            for key, value in {
                **auth,
                "Content-Type": "multipart/form-data; boundary=x",
                "Content-Length": str(60 * MB),
            }.items():
                connection.putheader(key, value)
            connection.endheaders()
            connection.send(b"x" * MB)  # the rest is never sent: the answer comes first
            response = connection.getresponse()
            print(
                f"60 MB declared body: {response.status} in {time.monotonic() - started:.2f} s; "
                f"peak RSS {before:.0f} -> {_peak_rss_mb(worker):.0f} MB"
            )
            connection.close()
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
