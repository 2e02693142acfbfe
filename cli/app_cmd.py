"""`regqa app`: start the Streamlit chat (app.py) with the current environment.

Execs `python -m streamlit run app.py` headless with usage statistics off, so the
app sees the same REGQA_* settings as the shell that ran `regqa app`.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"


def register(subparsers) -> None:
    p = subparsers.add_parser("app", help="start the Streamlit chat for staff",
                              description="Start the Streamlit chat (app.py). Settings come from REGQA_* "
                                          "environment variables; REGQA_APP_AUTH=password|oidc restricts access.")
    p.add_argument("--port", type=int, default=8501, help="port to listen on (default 8501)")
    p.add_argument("--address", default="localhost",
                   help="address to bind (default localhost; 0.0.0.0 to serve the network)")
    p.set_defaults(func=run)


def streamlit_command(port: int, address: str, upload_max_mb: int | None = None) -> list[str]:
    # Streamlit's own upload cap set to ours, so the uploader shows the limit that really applies.
    cap = [f"--server.maxUploadSize={upload_max_mb}"] if upload_max_mb else []
    return [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless=true",
            "--browser.gatherUsageStats=false", f"--server.port={port}", f"--server.address={address}", *cap]


def run(args) -> int:
    if not 0 < args.port < 65536:
        print(f"regqa app: invalid port {args.port}", file=sys.stderr)
        return 2
    from rag.core.settings import Settings

    cmd = streamlit_command(args.port, args.address, Settings.from_env().upload_max_mb)
    print(f"regqa app: http://{args.address}:{args.port}", file=sys.stderr)
    sys.stdout.flush()
    os.chdir(APP.parent)  # .streamlit/config.toml next to app.py is read from the working directory
    os.execv(cmd[0], cmd)  # replaces this process; the environment is inherited unchanged
    return 0  # not reached
