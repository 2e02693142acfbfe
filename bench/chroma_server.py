"""Start and stop a real `chroma run` server on a loopback port (benchmarks and server-mode tests),
optionally behind the token proxy that deployments put in front of it.

`chroma run` (chromadb 1.x, a Rust server) checks no credentials: any client that reaches its port may read
and write every collection, and the ``chroma_server_authn_*`` settings of the 0.x Python server are ignored.
So a server that other hosts reach sits behind nginx, which refuses every request without
``Authorization: Bearer <REGQA_CHROMA_TOKEN>`` (``token_proxy_block`` is the server block the README tells
deployments to install; ``chroma_server(token=...)`` runs the same block for the tests).
"""
from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class ChromaServer:
    url: str  # what clients use: the token proxy when a token was given
    pid: int  # of `chroma run`
    path: Path
    token: str = ""
    chroma_url: str = ""  # `chroma run` itself, behind the proxy (loopback only)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL if the process has not exited within `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def chroma_executable() -> str:
    exe = Path(sys.executable).parent / "chroma"
    found = str(exe) if exe.exists() else shutil.which("chroma")
    if not found:
        raise RuntimeError("the `chroma` command (from the chromadb package) is not installed")
    return found


def nginx_executable() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/bin/nginx") if Path(p).exists()), "")
    if not found:
        raise RuntimeError("nginx (the token proxy in front of `chroma run`) is not installed: apt-get install nginx")
    return found


def wait_ready(url: str, timeout: float = 60.0, token: str = "", proc: subprocess.Popen | None = None,
               log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with code {proc.returncode}" + (f" (see {log})" if log else ""))
        try:
            req = urllib.request.Request(f"{url}/api/v2/heartbeat", headers=headers)
            with urllib.request.urlopen(req, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"chroma server at {url} did not come up within {timeout:.0f}s")


# Characters nginx takes inside a quoted map key as they are (no quotes, backslashes, "$" or spaces).
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{16,}")


def token_proxy_block(token: str, listen: str, upstream: str = "127.0.0.1:8000") -> str:
    """The nginx ``map`` + ``server`` block (http context, e.g. /etc/nginx/conf.d/regqa-chroma.conf) that
    passes to ``upstream`` only requests carrying ``Authorization: Bearer <token>`` and answers every other
    one 401 in Chroma's error format (the chromadb client raises ChromaAuthError). ``listen`` is an nginx
    listen value: "127.0.0.1:8001" in the tests; "0.0.0.0:8443 ssl" plus certificate lines in deployment."""
    if not _TOKEN.fullmatch(token):
        raise ValueError("the token must be at least 16 of A-Z a-z 0-9 . _ ~ + / = - "
                         "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')")
    return f"""\
map $http_authorization $regqa_chroma_authorized {{
    default 0;
    "Bearer {token}" 1;
}}
server {{
    listen {listen};
    client_max_body_size 100m;
    location / {{
        default_type application/json;  # of the 401 below; proxied answers keep chroma's type
        if ($regqa_chroma_authorized = 0) {{
            return 401 '{{"error":"AuthError","message":"this Chroma server requires Authorization: Bearer <token>"}}';
        }}
        proxy_pass http://{upstream};
        proxy_set_header Authorization "";  # chroma needs no token: keep it out of its logs
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_buffering off;  # no temporary files: large upserts and gets stream through
        proxy_request_buffering off;
        proxy_read_timeout 300s;
    }}
}}
"""


def _nginx_conf(block: str, run_dir: Path) -> str:
    """A whole nginx.conf around ``block`` that keeps every file nginx writes in ``run_dir``."""
    return f"""\
daemon off;
worker_processes 1;
pid {run_dir}/nginx.pid;
error_log {run_dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {run_dir}/body;
    proxy_temp_path {run_dir}/proxy;
    fastcgi_temp_path {run_dir}/fastcgi;
    uwsgi_temp_path {run_dir}/uwsgi;
    scgi_temp_path {run_dir}/scgi;
{block}}}
"""


@contextmanager
def chroma_server(path: Path, port: int | None = None, token: str = ""):
    """Run `chroma run --path PATH` on 127.0.0.1; yields a ChromaServer (url, pid); stops it on exit.
    With ``token``, clients reach it only through the token proxy (nginx) on ``port``: ``url`` is the
    proxy's, and a request without ``Authorization: Bearer <token>`` gets 401."""
    port = port or free_port()
    chroma_port = free_port() if token else port
    path.mkdir(parents=True, exist_ok=True)
    log = (path.parent / f"chroma-{chroma_port}.log").open("wb")
    proc = subprocess.Popen([chroma_executable(), "run", "--path", str(path), "--host", "127.0.0.1",
                             "--port", str(chroma_port)], stdout=log, stderr=subprocess.STDOUT)
    chroma_url = f"http://127.0.0.1:{chroma_port}"
    proxy = None
    try:
        wait_ready(chroma_url, proc=proc, log=Path(log.name))
        if token:
            run_dir = path.parent / f"nginx-{port}"
            run_dir.mkdir(parents=True, exist_ok=True)
            conf = run_dir / "nginx.conf"
            conf.write_text(_nginx_conf(token_proxy_block(token, f"127.0.0.1:{port}", f"127.0.0.1:{chroma_port}"),
                                        run_dir))
            proxy = subprocess.Popen([nginx_executable(), "-p", str(run_dir), "-e", str(run_dir / "error.log"),
                                      "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
            wait_ready(f"http://127.0.0.1:{port}", token=token, proc=proxy, log=run_dir / "error.log")
        url = f"http://127.0.0.1:{port}"
        yield ChromaServer(url=url, pid=proc.pid, path=path, token=token, chroma_url=chroma_url)
    finally:
        if proxy is not None:
            stop_process(proxy)
        stop_process(proc)
        log.close()
