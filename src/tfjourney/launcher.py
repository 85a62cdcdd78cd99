"""`tfjourney launch`: a multi-worker run on this machine, or the TF_CONFIG for a real cluster.

`launch(["train", "cnn", "digits"], workers=2)` starts two `tfjourney train ...
--distribute multiworker` processes, each with its own `TF_CONFIG` on a free loopback
port, streams the chief's output (worker 0), and waits. `launch(["tune", ...], workers=2)`
starts two `tfjourney tune` processes on one study (they meet in its storage; worker 0
retrains the best trial). When any worker fails it stops
every other one and returns a non-zero code with a one-line reason. No worker outlives
the launcher: each runs in its own process group, which is stopped (SIGTERM, then
SIGKILL) on failure, Ctrl-C, SIGTERM or a timeout, and on Linux the kernel also stops a
worker whose launcher dies (PR_SET_PDEATHSIG).

Example:
    >>> code = launch(["train", "classification", "circles", "--epochs", "5"], workers=2)
    >>> print(cluster_tf_configs(["10.0.0.1:12345", "10.0.0.2:12345"]))
"""

from __future__ import annotations

import ctypes
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TextIO

from tfjourney.errors import ConfigError
from tfjourney.training.cluster import free_ports, parse_hosts, port_is_free, tf_config_for

STOP_GRACE_SECONDS = 5.0
TUNE_WORKER_ENV = "TFJOURNEY_TUNE_WORKER"  # tfjourney.tune.study reads it: worker 0 retrains the best trial and writes the report
_POLL_SECONDS = 0.1


def cluster_tf_configs(hosts: list[str] | str, command: list[str] | None = None) -> str:
    """The `TF_CONFIG` line for each machine of a cluster, ready to paste into its shell.

    Args:
        hosts: HOST:PORT per machine (a list, or 'a:1,b:2'); the first is the chief.
        command: the `train ...` command every machine runs (shown at the end).

    Returns:
        Text: one `export TF_CONFIG=...` per machine, then the command to run on each.
    """
    hosts = parse_hosts(hosts) if isinstance(hosts, str) else parse_hosts(",".join(hosts))
    lines = []
    for index, host in enumerate(hosts):
        role = "the chief: writes the run folder" if index == 0 else "a worker"
        lines.append(f"# machine {index} ({host}, {role})")
        lines.append(f"export TF_CONFIG={shlex.quote(json.dumps(tf_config_for(hosts, index)))}")
    train = " ".join(shlex.quote(a) for a in _with_multiworker(command)) if command else "train BLUEPRINT DATA ... --distribute multiworker"
    lines.append("# then on every machine, with the same data and a shared --out folder:")
    lines.append(f"tfjourney {train}")
    return "\n".join(lines)


def _with_multiworker(command: list[str]) -> list[str]:
    """The worker command: `train ...` plus `--distribute multiworker` (refusing any other mode)."""
    if not command or command[0] != "train":
        raise ConfigError("tfjourney launch runs a train command (or a tune command): `tfjourney launch --workers 2 -- train cnn digits`.")
    for i, arg in enumerate(command):
        mode = arg.split("=", 1)[1] if arg.startswith("--distribute=") else (command[i + 1] if arg == "--distribute" and i + 1 < len(command) else None)
        if mode is not None and mode != "multiworker":
            raise ConfigError(f"tfjourney launch trains with --distribute multiworker, not {mode}; drop --distribute from the command.")
        if mode == "multiworker":
            return list(command)
    return [*command, "--distribute", "multiworker"]


def _die_with_parent() -> None:
    """In the child, before exec: the kernel sends SIGTERM if the launcher itself dies (Linux)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


class _Worker:
    """One worker process in its own process group; the chief's output is streamed, the others' kept in a log."""

    def __init__(self, index: int, program: list[str], worker_env: dict[str, str], log_dir: Path, stream: TextIO | None):
        self.index = index
        self.log_path = log_dir / f"worker{index}.log"
        self.last_line = ""
        env = {**os.environ, **worker_env, "PYTHONUNBUFFERED": "1"}
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            program,
            env=env,
            stdout=subprocess.PIPE if stream is not None else self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            text=True,
        )
        self.reader = None
        if stream is not None:
            self.reader = threading.Thread(target=self._pump, args=(stream,), daemon=True)
            self.reader.start()

    def _pump(self, stream: TextIO) -> None:
        for line in self.process.stdout:
            self.log.write(line)
            if line.strip():
                self.last_line = line.strip()
            stream.write(line)
            stream.flush()

    @property
    def name(self) -> str:
        return "worker 0 (chief)" if self.index == 0 else f"worker {self.index}"

    def reason(self) -> str:
        if self.reader is not None:
            self.reader.join(timeout=2)
        else:
            self.log.flush()
            lines = [ln.strip() for ln in self.log_path.read_text(errors="replace").splitlines() if ln.strip()]
            self.last_line = lines[-1] if lines else ""
        return self.last_line or "no output"

    def stop(self) -> None:
        """SIGTERM to the worker's whole process group, SIGKILL after the grace period."""
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        _signal_group(self.process.pid, signal.SIGKILL)  # anything the worker itself started
        self.process.wait()
        if self.reader is not None:
            self.reader.join(timeout=2)
        self.log.close()


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class _Terminated(Exception):
    """The launcher received SIGTERM."""


def _raise_terminated(signum, frame):
    raise _Terminated()


def launch(command: list[str], *, workers: int, host: str = "127.0.0.1", timeout: float | None = None,
           stream: TextIO | None = None, err: TextIO | None = None, program: list[str] | None = None) -> int:
    """Run `tfjourney <command>` as `workers` local multi-worker processes and wait for them.

    Args:
        command: the `train ...` arguments (`--distribute multiworker` is added).
        workers: how many worker processes (at least 1).
        host: the address the workers listen on (default 127.0.0.1: this machine only).
        timeout: stop every worker and fail after this many seconds (None: no limit).
        stream, err: where the chief's output and the launcher's messages go (default: stdout, stderr).
        program: what each worker runs before `command` (default: this Python's `-m tfjourney.cli`).

    Returns:
        0 when every worker succeeded; otherwise the failing worker's exit code (1 when it
        was killed), or 130 when interrupted, 124 when the timeout ran out.
    """
    stream, err = stream or sys.stdout, err or sys.stderr
    if workers < 1:
        raise ConfigError(f"--workers {workers} must be at least 1.")
    tuning = list(command[:1]) == ["tune"]  # tune workers share one study through its storage: no TF_CONFIG, no ports
    command = list(command) if tuning else _with_multiworker(list(command))
    hosts = [] if tuning else [f"{host}:{port}" for port in free_ports(workers, host)]
    log_dir = Path(tempfile.mkdtemp(prefix="tfjourney-launch-"))
    started: list[_Worker] = []
    previous_handler = signal.signal(signal.SIGTERM, _raise_terminated) if threading.current_thread() is threading.main_thread() else None
    try:
        for index in range(workers):
            argv = [*(program or [sys.executable, "-m", "tfjourney.cli"]), *command]
            worker_env = {TUNE_WORKER_ENV: str(index)} if tuning else {"TF_CONFIG": json.dumps(tf_config_for(hosts, index))}
            started.append(_Worker(index, argv, worker_env, log_dir, stream if index == 0 else None))
        return _wait(started, hosts, timeout, err)
    except (KeyboardInterrupt, _Terminated):
        print(f"tfjourney: launch interrupted; stopped all {workers} workers.", file=err)
        return 130
    finally:
        for worker in started:
            worker.stop()
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)
        for path in log_dir.iterdir():
            path.unlink()
        log_dir.rmdir()


def _wait(workers: list[_Worker], hosts: list[str], timeout: float | None, err: TextIO) -> int:
    deadline = time.monotonic() + timeout if timeout else None
    while True:
        codes = [w.process.poll() for w in workers]
        for worker, code in zip(workers, codes):
            if code not in (None, 0):
                reason = worker.reason().rstrip(".")
                port_note = _port_note(worker, hosts)
                how = f"killed by {_signal_name(-code)}" if code < 0 else f"exit {code}"
                print(f"tfjourney: error: {worker.name} failed ({how}): {reason}{port_note}; stopped the other workers.", file=err)
                return code if code > 0 else 1
        if all(code == 0 for code in codes):
            return 0
        if deadline is not None and time.monotonic() > deadline:
            print(f"tfjourney: error: the workers did not finish within {timeout:g} s; stopped all of them.", file=err)
            return 124
        time.sleep(_POLL_SECONDS)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _port_note(worker: _Worker, hosts: list[str]) -> str:
    if not hosts:
        return ""
    host, port = hosts[worker.index].rsplit(":", 1)
    if "address already in use" in worker.last_line.lower() or ("bind" in worker.last_line.lower() and not port_is_free(host, int(port))):
        return f" (port {port} on {host} was taken by another program; run the launch again to pick new free ports)"
    return ""
