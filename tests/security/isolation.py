"""Run a Python snippet in a child process with an empty HOME and watch what it touches.

Used by the no-network / no-stray-files tests. The child gets HOME, the XDG
folders and TMPDIR inside one fresh folder; afterwards every file found there
(outside the allowed sub-folders) is a file RadiNet Studio wrote outside the
workspace and its settings. Where strace is installed the child runs under
``strace -f`` and every connect/sendto/sendmsg other than a local (AF_UNIX)
socket -- DNS lookups included, which native code makes without Python's
socket module -- is returned.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NETWORK_CALLS = "connect,sendto,sendmsg,sendmmsg"


@dataclass
class Observed:
    returncode: int
    output: str
    stray_files: list[str]
    network_calls: list[str]   # empty when clean (or strace unavailable: see traced)
    traced: bool


def strace_available() -> bool:
    if shutil.which("strace") is None:
        return False
    # strace may be installed but not allowed (no ptrace in some containers).
    probe = subprocess.run(["strace", "-f", "-qq", "-e", "trace=none", "true"], capture_output=True)
    return probe.returncode == 0


def run_isolated(code: str, home: Path, allowed: list[str], timeout: float = 300,
                 env_extra: dict | None = None, trace: bool = True) -> Observed:
    """Run ``code`` with HOME=home; ``allowed``: paths (relative to home) that may receive files."""
    home.mkdir(parents=True, exist_ok=True)
    tmp = home / "tmp"
    tmp.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ORT_", "RADINET_"))}
    env.update(HOME=str(home), TMPDIR=str(tmp), PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen",
               OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1", **(env_extra or {}))
    command = [sys.executable, "-c", code]
    traced = trace and strace_available()
    trace_file = home.parent / f"{home.name}.strace"
    if traced:
        command = ["strace", "-f", "-qq", "-e", f"trace={NETWORK_CALLS}", "-o", str(trace_file)] + command
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    stray = []
    allowed_paths = [home / a for a in allowed + ["tmp"]]
    for path in home.rglob("*"):
        if path.is_file() and not any(path == a or a in path.parents for a in allowed_paths):
            stray.append(str(path.relative_to(home)))
    calls = []
    if traced and trace_file.exists():
        for line in trace_file.read_text(errors="replace").splitlines():
            if re.search(r"\b(connect|sendto|sendmsg|sendmmsg)\(", line) and "AF_UNIX" not in line \
                    and "AF_NETLINK" not in line:
                calls.append(line.strip())
            elif "AF_UNIX" in line and "resolve" in line:
                calls.append(line.strip())   # a host name lookup through systemd-resolved's socket
            # nscd's socket is not counted: glibc asks it for user names too (getpass.getuser);
            # with no nscd running (here) a host lookup falls through to AF_INET port 53, caught above.
    return Observed(done.returncode, done.stdout + done.stderr, sorted(stray), calls, traced)
