"""A study killed with SIGKILL mid-trial continues when the command is repeated: the killed trial is marked failed
and queued again, and no finished trial is ever rerun."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

from tfjourney.tune.storage import GRACE_SECONDS

# Long enough per trial (20 epochs, no early stop, no pruning) that the kill lands inside one.
SLOW_SPACE = ("epochs=20", "patience=20", "hidden=8:16x1:2", "loss=mae", "batch_size=16", "activation=relu,tanh")


def _running_trial(folder) -> int | None:
    """The number of a RUNNING trial after trial 0 that has reported at least two epochs, if there is one."""
    try:
        with sqlite3.connect(folder / "study.db", timeout=5) as connection:
            row = connection.execute(
                "SELECT t.number FROM trials t JOIN trial_intermediate_values v USING (trial_id) "
                "WHERE t.state = 'RUNNING' AND t.number >= 1 GROUP BY t.trial_id HAVING COUNT(*) >= 2").fetchone()
    except sqlite3.Error:  # not created yet
        return None
    return row[0] if row else None


def test_sigkill_mid_trial_then_rerun_finishes_n_trials_without_rerunning_any(tmp_path, tiny_csv, cli_command, cli_env, trial_rows):
    folder = tmp_path / "study"
    command = cli_command("tune", "regression", tiny_csv, "--target", "charges", "--trials", "3", "--sampler", "random",
                          "--pruner", "none", "--out", folder, *[f"--space={s}" for s in SLOW_SPACE])
    first = subprocess.Popen(command, env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        killed = None
        while killed is None and time.monotonic() < deadline and first.poll() is None:
            killed = _running_trial(folder)
            time.sleep(0.2)
        assert killed is not None, "no trial was running to kill"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    before = {number: row for number, *row in trial_rows(folder)}
    assert before[killed][0] == "RUNNING"
    finished_before = {n: row for n, row in before.items() if row[0] in ("COMPLETE", "PRUNED")}

    time.sleep(GRACE_SECONDS + 1)  # the killed trial's heartbeat is now stale
    second = subprocess.run(command, env=cli_env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr

    after = {number: row for number, *row in trial_rows(folder)}
    assert after[killed][0] == "FAIL"
    finished = {n: row for n, row in after.items() if row[0] in ("COMPLETE", "PRUNED")}
    assert len(finished) == 3
    for number, row in finished_before.items():
        assert finished[number] == row  # kept, not rerun: same value and completion time
    with sqlite3.connect(folder / "study.db") as connection:
        retried = connection.execute("SELECT t.number, a.value_json FROM trials t JOIN trial_system_attributes a USING (trial_id) "
                                     "WHERE a.key = 'failed_trial'").fetchall()
    assert [int(value) for _, value in retried] == [killed]  # the killed trial, queued again with its parameters
    assert after[retried[0][0]][0] == "COMPLETE"


def test_ctrl_c_exits_130_and_leaves_no_running_trial(tmp_path, tiny_csv, cli_command, cli_env, trial_rows):
    folder = tmp_path / "study"
    command = cli_command("tune", "regression", tiny_csv, "--target", "charges", "--trials", "3", "--sampler", "random",
                          "--pruner", "none", "--out", folder, *[f"--space={s}" for s in SLOW_SPACE])
    process = subprocess.Popen(command, env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while _running_trial(folder) is None and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130
    assert err.strip().splitlines()[-1].startswith("tfjourney: interrupted; the study keeps every finished trial")
    states = [row[1] for row in trial_rows(folder)]
    assert "RUNNING" not in states and states[-1] == "FAIL" and states[0] == "COMPLETE"
