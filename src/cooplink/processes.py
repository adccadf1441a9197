"""Real cooplink processes on loopback: a free port, `cooplink …` started in the background with its output in a
log file, a server waited for until it answers, and a process stopped the way a service manager stops it.

The demo (two servers, one per co-op) and the tests and benchmarks (through cooplink.testing) share these."""

import subprocess
import sys
import time
from pathlib import Path

import httpx

COOPLINK = Path(sys.executable).with_name("cooplink")  # the installed script beside this interpreter
STARTUP_SECONDS = 30


class NotStarted(RuntimeError):
    """A server exited, or did not answer in time; the message carries its log."""


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_cooplink(home: Path, log: Path, *args: str) -> subprocess.Popen:
    """`cooplink --node HOME ARGS…` in the background, its output appended to LOG."""
    with log.open("a") as output:
        return subprocess.Popen([str(COOPLINK), "--node", str(home), *args], stdout=output,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def start_server(home: Path, port: int, log: Path, log_level: str = "warning") -> subprocess.Popen:
    """`cooplink serve` on 127.0.0.1:PORT, with its delivery worker."""
    return start_cooplink(home, log, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", log_level)


def wait_until_up(url: str, process: subprocess.Popen, log: Path, path: str = "/health",
                  seconds: float = STARTUP_SECONDS) -> None:
    """Poll URL+PATH until it answers 200; NotStarted (with the log) if the process exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise NotStarted(f"cooplink serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}{path}", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise NotStarted(f"{url}{path} did not answer within {seconds} s:\n{log.read_text()}")


def stop_process(process: subprocess.Popen) -> int:
    """SIGTERM, as a service manager sends; SIGKILL (and an error) only if it does not stop in time."""
    if process.poll() is None:
        process.terminate()
        try:
            return process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
            raise
    return process.returncode
