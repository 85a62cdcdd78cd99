"""Who is in the cluster and who writes: `TF_CONFIG`, the chief, free loopback ports.

Pure Python (no TensorFlow), so the launcher and `--print-tf-config` start instantly.
A multi-worker run is described by the `TF_CONFIG` environment variable, the format
`tf.distribute.MultiWorkerMirroredStrategy` and Kubernetes' TFJob operator share:

    {"cluster": {"worker": ["10.0.0.1:12345", "10.0.0.2:12345"]},
     "task": {"type": "worker", "index": 0}}

Worker 0 is the chief (unless the cluster names a "chief" task): it alone writes the
run folder, checkpoints, TensorBoard logs and the report (`writes_run_folder`).

Example:
    >>> tf_config_for(["a:2222", "b:2222"], index=1)["task"]
    {'type': 'worker', 'index': 1}
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass

from tfjourney.blueprints import DISTRIBUTE_CHOICES  # noqa: F401  (re-exported)
from tfjourney.errors import ConfigError

TF_CONFIG = "TF_CONFIG"
_FIX = "start the workers with `tfjourney launch --workers N -- train ...`, or print a valid one with `tfjourney launch --print-tf-config --hosts HOST:PORT,...`"


@dataclass(frozen=True)
class ClusterSpec:
    """This process's place in a multi-worker cluster, read from `TF_CONFIG`."""

    workers: tuple[str, ...]
    task_type: str
    task_index: int
    has_chief_task: bool = False

    @property
    def is_chief(self) -> bool:
        if self.has_chief_task:
            return self.task_type == "chief"
        return self.task_type == "worker" and self.task_index == 0

    @property
    def n_workers(self) -> int:
        return len(self.workers) + int(self.has_chief_task)

    @property
    def name(self) -> str:
        return f"{self.task_type} {self.task_index}"


def read_tf_config(environ: dict | None = None) -> ClusterSpec | None:
    """The `TF_CONFIG` of this process, checked; None when it is not set.

    Args:
        environ: the environment to read (default: `os.environ`).

    Returns:
        A ClusterSpec, or None when `TF_CONFIG` is unset or empty.
    """
    text = (os.environ if environ is None else environ).get(TF_CONFIG, "").strip()
    if not text:
        return None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"TF_CONFIG is not valid JSON ({exc.msg} at character {exc.pos}); {_FIX}.") from None
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict) or not isinstance(config.get("task"), dict):
        raise ConfigError(f'TF_CONFIG needs a "cluster" and a "task" object; {_FIX}.')
    cluster, task = config["cluster"], config["task"]
    workers = cluster.get("worker", [])
    chiefs = cluster.get("chief", [])
    if not isinstance(workers, list) or not isinstance(chiefs, list) or not workers + chiefs:
        raise ConfigError(f'TF_CONFIG "cluster" lists no "worker" addresses; {_FIX}.')
    for address in [*chiefs, *workers]:
        try:
            parse_address(str(address), what="TF_CONFIG address")
        except ConfigError as exc:
            raise ConfigError(f"{str(exc).rstrip('.')}; {_FIX}.") from None
    task_type, index = task.get("type"), task.get("index")
    if task_type not in ("worker", "chief") or not isinstance(index, int):
        raise ConfigError(f'TF_CONFIG "task" must be {{"type": "worker", "index": N}}, got {json.dumps(task)}; {_FIX}.')
    members = chiefs if task_type == "chief" else workers
    if not 0 <= index < len(members):
        raise ConfigError(f'TF_CONFIG task index {index} is outside the {len(members)} "{task_type}" address(es); {_FIX}.')
    return ClusterSpec(tuple(str(w) for w in workers), task_type, index, has_chief_task=bool(chiefs))


def writes_run_folder(environ: dict | None = None) -> bool:
    """The one place that decides who writes: a single process, or the chief of a cluster."""
    spec = read_tf_config(environ)
    return spec is None or spec.is_chief


def parse_address(text: str, what: str = "address") -> tuple[str, int]:
    """'host:port' -> (host, port), with a message that names the bad part."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{what} {text!r} is not HOST:PORT with a port between 1 and 65535, e.g. 10.0.0.1:12345.")
    return host, int(port)


def parse_hosts(text: str) -> list[str]:
    """'a:1,b:2' -> ['a:1', 'b:2'], each checked; duplicates are refused."""
    hosts = [h.strip() for h in text.split(",") if h.strip()]
    if not hosts:
        raise ConfigError("`hosts` is empty; pass one HOST:PORT per machine, e.g. 10.0.0.1:12345,10.0.0.2:12345.")
    for host in hosts:
        parse_address(host, what="`hosts` entry")
    duplicates = sorted({h for h in hosts if hosts.count(h) > 1})
    if duplicates:
        raise ConfigError(f"`hosts` lists {', '.join(duplicates)} more than once; give each worker its own HOST:PORT.")
    return hosts


def tf_config_for(hosts: list[str], index: int) -> dict:
    """The `TF_CONFIG` of worker `index` in a cluster of `hosts` (worker 0 is the chief)."""
    return {"cluster": {"worker": list(hosts)}, "task": {"type": "worker", "index": index}}


def free_ports(n: int, host: str = "127.0.0.1") -> list[int]:
    """`n` distinct ports that are free on `host` right now (the OS picks them)."""
    sockets, ports = [], []
    try:
        for _ in range(n):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((host, 0))
            sockets.append(sock)
            ports.append(sock.getsockname()[1])
    except OSError as exc:
        raise ConfigError(f"cannot open a port on {host} ({exc.strerror or exc}); pass a `host` this machine owns, e.g. 127.0.0.1.") from None
    finally:
        for sock in sockets:
            sock.close()
    return ports


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True
