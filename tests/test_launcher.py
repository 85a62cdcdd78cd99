"""`tfjourney launch`: workers that never outlive it, one-line failures, TF_CONFIG for a cluster."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tfjourney.cli import main
from tfjourney.launcher import cluster_tf_configs, launch

# A stand-in worker: worker 1 fails after a moment; worker 0 starts a grandchild and then waits forever.
FAKE_WORKER = r"""
import json, os, subprocess, sys, time
index = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", sys.argv[2]])
print(f"worker {index} up", flush=True)
if index == 1 and sys.argv[3] == "crash":
    time.sleep(1.0)
    print("boom: out of memory", flush=True)
    sys.exit(3)
time.sleep(600)
"""


def _processes_with(marker: str) -> list[int]:
    """Every process on this machine whose command line holds `marker` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _gone(marker: str, within: float = 10.0) -> bool:
    """Whether every process holding `marker` has exited within `within` seconds (polled, not a fixed sleep)."""
    deadline = time.monotonic() + within
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _processes_with(marker) == []


@pytest.fixture
def fake_worker(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(FAKE_WORKER)
    return script


def test_a_crashing_worker_stops_every_process_and_explains_in_one_line(fake_worker):
    marker = f"tfjourney-test-{uuid.uuid4().hex}"
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    code = launch(["train", marker, "crash"], workers=3, program=[sys.executable, str(fake_worker)], stream=out, err=err, timeout=30)
    assert code == 3
    assert time.monotonic() - started < 30
    assert "worker 0 up" in out.getvalue()  # the chief's output is streamed
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and "worker 1 failed (exit 3): boom: out of memory" in lines[0] and "stopped the other workers" in lines[0]
    assert _gone(marker)  # workers and the grandchildren they started


def test_ctrl_c_on_the_launcher_leaves_no_process(fake_worker, tmp_path):
    marker = f"tfjourney-test-{uuid.uuid4().hex}"
    # SIGINT's default handler first: a process started with SIGINT ignored (as some earlier test or a
    # background shell leaves it) inherits SIG_IGN through exec and would never see the Ctrl-C.
    code = (f"import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            f"from tfjourney.launcher import launch; "
            f"sys.exit(launch(['train', {marker!r}, 'wait'], workers=2, program=[sys.executable, {str(fake_worker)!r}]))")
    launcher = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(_processes_with(marker)) < 4 and time.monotonic() < deadline:  # 2 workers + 2 grandchildren (+ launcher)
        time.sleep(0.2)
    launcher.send_signal(signal.SIGINT)
    _, err = launcher.communicate(timeout=90)
    assert launcher.returncode == 130 and "interrupted" in err
    assert _gone(marker)


def test_print_tf_config_gives_each_machine_its_task(capsys):
    assert main(["launch", "--print-tf-config", "--hosts", "10.0.0.1:12345,10.0.0.2:12345", "--", "train", "cnn", "photos/"]) == 0
    text = capsys.readouterr().out
    configs = [json.loads(line.split("=", 1)[1].strip("'")) for line in text.splitlines() if line.startswith("export TF_CONFIG=")]
    assert [c["task"] for c in configs] == [{"type": "worker", "index": 0}, {"type": "worker", "index": 1}]
    assert all(c["cluster"]["worker"] == ["10.0.0.1:12345", "10.0.0.2:12345"] for c in configs)
    assert "tfjourney train cnn photos/ --distribute multiworker" in text


@pytest.mark.parametrize("argv, needle", [
    (["launch", "--print-tf-config", "--hosts", "10.0.0.1"], "HOST:PORT"),
    (["launch", "--print-tf-config", "--hosts", "a:1,a:1"], "more than once"),
    (["launch", "--workers", "2", "--", "train", "cnn", "digits", "--distribute", "mirrored"], "drop --distribute"),
    (["launch", "--workers", "2", "--", "predict", "run"], "runs a train command"),
    (["launch", "--", "train", "cnn", "digits"], "--workers N"),
])
def test_launch_bad_input_is_one_line_and_exit_2(capsys, argv, needle):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1


def test_multiworker_without_tf_config_names_tfjourney_launch(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert main(["train", "classification", "circles", "--distribute", "multiworker", "--out", str(tmp_path / "run")]) == 2
    assert "tfjourney launch" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
