"""Tracking: run names, metric keys, the bounded reachability check, the execution key, and the stage
run's life cycle (one run per execution, live rows, stage metrics, FAILED on failure) on a SQLite store."""

import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from fashion_diffusion.core.errors import InputError
from fashion_diffusion.tracking import execution, live, names, reachability, store


def test_workspace_run_names_differ_within_one_second(monkeypatch):
    monkeypatch.delenv("DVC_EXP_NAME", raising=False)
    monkeypatch.setattr(names.time, "strftime", lambda _: "20261126-120000")
    first, second = names.run_name(), names.run_name()
    assert first.startswith("workspace-20261126-120000-") and first != second
    monkeypatch.setenv("DVC_EXP_NAME", "large-arch")
    assert names.run_name() == "large-arch"


def test_metric_keys_are_grouped_by_stage_with_a_slash():
    tree = {"fid": 22.5, "per_class": {"T-shirt/top": {"good": 0.5}}, "device": "cpu", "ok": True, "none": None}
    assert names.stage_metrics("clip_eval", tree) == {
        "clip_eval/fid": 22.5,
        "clip_eval/per_class.T-shirt_top.good": 0.5,
    }
    assert names.metric_key("clip_seed@1", "fid") == "clip_seed_1/fid"
    assert names.param_values({"train": {"lr": 0.002, "channels": [8, 16]}}) == {
        "train.lr": "0.002",
        "train.channels": "[8, 16]",
    }


class _Health(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args):
        pass


def test_reachability_of_a_live_a_dead_and_a_hung_server(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert reachability.unreachable_reason(f"http://127.0.0.1:{server.server_port}") is None
    finally:
        server.shutdown()
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        dead_port = free.getsockname()[1]
    assert "no answer" in reachability.unreachable_reason(f"http://127.0.0.1:{dead_port}")
    with socket.socket() as hung:  # accepts connections (backlog) and never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        began = time.perf_counter()
        reason = reachability.unreachable_reason(f"http://127.0.0.1:{hung.getsockname()[1]}", seconds=1.0)
        assert reason and time.perf_counter() - began < 3
    assert "does not exist" in reachability.unreachable_reason(f"sqlite:///{tmp_path}/missing/mlflow.db")
    assert reachability.unreachable_reason(f"sqlite:///{tmp_path}/mlflow.db") is None


def test_sqlite_lock_errors_are_retried_and_others_are_not(monkeypatch):
    monkeypatch.setattr(store.time, "sleep", lambda _: None)
    calls = []

    def locked_twice():
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("(sqlite3.OperationalError) database is locked")
        return "done"

    assert store.retrying(locked_twice) == "done" and len(calls) == 3
    with pytest.raises(ValueError):
        store.retrying(lambda: (_ for _ in ()).throw(ValueError("other")))


def test_stages_under_one_dvc_process_share_its_execution_key(tmp_path):
    """A fake `dvc` that runs two 'stages' (children printing their key); a second `dvc` gets another key."""
    fake = tmp_path / "dvc"
    child = (
        f"{sys.executable} -c 'from fashion_diffusion.tracking.execution import execution_key; print(execution_key())'"
    )
    fake.write_text(f"#!/bin/sh\n{child}\n{child}\n")
    fake.chmod(0o755)
    first = subprocess.run([str(fake)], capture_output=True, text=True, check=True).stdout.split()
    second = subprocess.run([str(fake)], capture_output=True, text=True, check=True).stdout.split()
    assert len(first) == 2 and first[0] == first[1]
    assert second[0] == second[1] != first[0]
    assert execution._is_dvc(["/venv/bin/python", "/venv/bin/dvc", "repro"])
    assert execution._is_dvc(["python", "-m", "dvc", "exp", "exec-run"])
    assert not execution._is_dvc(["python", "stages/train.py"])


def _client(uri):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri)


def _only_run(uri):
    client = _client(uri)
    runs = client.search_runs([client.get_experiment_by_name(store.EXPERIMENT).experiment_id])
    assert len(runs) == 1
    return runs[0]


def test_the_stages_of_one_execution_fill_one_run(mlflow_store, tmp_path, monkeypatch):
    monkeypatch.setattr(execution, "execution_key", lambda: "dvc-1")
    (tmp_path / "params.yaml").write_text("train:\n  lr: 0.002\n")
    (tmp_path / "dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: x\n    metrics:\n    - m/train.json:\n        cache: false\n"
    )
    (tmp_path / "m").mkdir()
    (tmp_path / "m/train.json").write_text(json.dumps({"final_loss": 0.5, "device": "cpu"}))
    with live.stage_run("prepare") as tracked:
        assert tracked.active
        seen_while_running = _only_run(mlflow_store)
    with live.stage_run("train") as tracked:
        for step in (2, 4):
            tracked.log_row({"step": step, "loss": 1.0 / step, "lr": 0.1})
    run = _only_run(mlflow_store)
    assert seen_while_running.info.status == "RUNNING" and run.info.run_id == seen_while_running.info.run_id
    assert run.info.status == "FINISHED" and run.info.run_name.startswith("workspace-")
    assert run.data.params["train.lr"] == "0.002"
    assert run.data.metrics["train/final_loss"] == 0.5
    assert [(m.step, m.value) for m in _client(mlflow_store).get_metric_history(run.info.run_id, "train/loss")] == [
        (2, 0.5),
        (4, 0.25),
    ]
    assert run.data.tags["stage.prepare"] == "finished" and run.data.tags["stage.train"] == "finished"
    experiment = _client(mlflow_store).get_experiment(run.info.experiment_id)
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    assert experiment.artifact_location == (tmp_path / "mlartifacts").as_uri()


def test_a_failing_stage_leaves_a_failed_run(mlflow_store, monkeypatch):
    monkeypatch.setattr(execution, "execution_key", lambda: "dvc-2")
    with pytest.raises(InputError, match="bad value"):
        with live.stage_run("evaluate"):
            raise InputError("bad value")
    run = _only_run(mlflow_store)
    assert run.info.status == "FAILED"
    assert run.data.tags["failed_stage"] == "evaluate"
    assert run.data.tags["stage.evaluate"] == "failed: InputError: bad value"


def test_a_new_execution_gets_a_new_run(mlflow_store, monkeypatch):
    for key in ("dvc-3", "dvc-4"):
        monkeypatch.setattr(execution, "execution_key", lambda key=key: key)
        with live.stage_run("prepare"):
            pass
    client = _client(mlflow_store)
    runs = client.search_runs([client.get_experiment_by_name(store.EXPERIMENT).experiment_id])
    assert len(runs) == 2 and runs[0].info.run_name != runs[1].info.run_name


def test_an_unreachable_store_costs_one_line_and_seconds(tmp_path, monkeypatch, capsys):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{port}")
    monkeypatch.chdir(tmp_path)
    began = time.perf_counter()
    with live.stage_run("train") as tracked:
        tracked.log_row({"step": 1, "loss": 0.1})
        work_done = True
    assert work_done and not tracked.active and time.perf_counter() - began < 10
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        f"MLflow at http://127.0.0.1:{port} unreachable (no answer within 3 s ([Errno 111] Connection "
        f"refused)); stage train runs without tracking"
    ]


def test_tracking_is_off_outside_dvc_without_a_tracking_uri(monkeypatch):
    for name in ("DVC_STAGE", "MLFLOW_TRACKING_URI", "RANK"):
        monkeypatch.delenv(name, raising=False)
    assert not live.enabled()
    monkeypatch.setenv("DVC_STAGE", "train")
    assert live.enabled()
    monkeypatch.setenv("RANK", "1")  # a torchrun worker other than rank 0
    assert not live.enabled()


def test_a_stage_killed_with_sigterm_leaves_a_killed_run(mlflow_store, tmp_path):
    script = tmp_path / "stages" / "slow.py"
    script.parent.mkdir()
    script.write_text(
        "import time\nfrom fashion_diffusion import stage\n\n"
        "def main():\n    print('started', flush=True)\n    time.sleep(60)\n\nstage.run(main)\n"
    )
    process = subprocess.Popen(
        [sys.executable, str(script)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "started"
    process.terminate()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and stderr.strip().splitlines() == [
        "interrupted; the stage's outputs are as they were"
    ]
    run = _only_run(mlflow_store)
    assert run.info.status == "KILLED" and run.data.tags["failed_stage"] == "slow"


# --- a server behind a login (`make team-server`): a refused login is one line naming the variables ------
LOGIN = ("alice", "alice-password-1")


class _LoginServer(BaseHTTPRequestHandler):
    """/health for anyone; any other path 200 for LOGIN, else 401 as MLflow's basic-auth app answers; a Host
    header other than 127.0.0.1:<port> gets the 403 of MLflow's security middleware."""

    def do_GET(self):
        import base64

        expected = "Basic " + base64.b64encode(":".join(LOGIN).encode()).decode()
        if self.path == "/health":
            status, body = 200, b"OK"
        elif not self.headers["Host"].startswith("127.0.0.1:"):
            status, body = 403, b"Invalid Host header - possible DNS rebinding attack detected"
        elif self.headers.get("Authorization") == expected:
            status, body = 200, b'{"experiments": []}'
        else:
            status, body = 401, b"You are not authenticated."
        self.send_response(status)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def login_server(monkeypatch):
    for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    server = HTTPServer(("127.0.0.1", 0), _LoginServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()


def test_a_refused_login_names_the_server_and_the_variables_to_set(login_server, monkeypatch):
    uri = f"http://127.0.0.1:{login_server}"
    assert reachability.store_problem(uri).line(uri) == (
        f"MLflow at {uri} asks for a login (HTTP 401): set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD"
    )
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "alice")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "wrong-password")
    assert reachability.store_problem(uri).line(uri) == (
        f"MLflow at {uri} refused the login (HTTP 401 for user 'alice'): set MLFLOW_TRACKING_USERNAME and "
        "MLFLOW_TRACKING_PASSWORD to a login of that server"
    )
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", LOGIN[1])
    assert reachability.store_problem(uri) is None
    other_host = f"http://localhost:{login_server}"
    assert reachability.store_problem(other_host).line(other_host) == (
        f"MLflow at {other_host} refused the Host header (HTTP 403 for 'localhost:{login_server}'): "
        "its --allowed-hosts must name it"
    )


def test_a_stage_refused_by_the_server_runs_without_tracking_in_one_line(login_server, tmp_path, monkeypatch, capsys):
    uri = f"http://127.0.0.1:{login_server}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)
    with live.stage_run("train") as tracked:
        tracked.log_row({"step": 1, "loss": 0.1})
        work_done = True
    assert work_done and not tracked.active and tracked.problem.what == "asks for a login"
    assert capsys.readouterr().err.strip().splitlines() == [
        f"MLflow at {uri} asks for a login (HTTP 401): set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD; "
        "stage train runs without tracking"
    ]


def test_a_call_refused_midway_is_one_line_naming_the_variables(monkeypatch, capsys):
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import PERMISSION_DENIED

    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.example.org:5000")
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "reader")

    def create_run():
        raise MlflowException("API request to endpoint /api/2.0/mlflow/runs/create failed", PERMISSION_DENIED)

    assert live.attempt("render_report", create_run)[0] is None
    assert capsys.readouterr().err.strip().splitlines() == [
        "MLflow at http://mlflow.example.org:5000 refused the request (HTTP 403 for user 'reader': permission "
        "denied): ask its admin for EDIT on the experiment and the registered model 'fashion-diffusion', or set "
        "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD to a user who has it; report written, run not "
        "logged; log it later with `make log-run`"
    ]


def test_log_run_against_a_refused_login_is_one_line(login_server, tmp_path, monkeypatch):
    from fashion_diffusion.tracking import log_later
    from tests.support.tiny import write_tiny_params

    write_tiny_params(tmp_path)
    for name in ("dvc.lock", "reports/assessment.md"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("")
    monkeypatch.chdir(tmp_path)
    uri = f"http://127.0.0.1:{login_server}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    with pytest.raises(log_later.TrackingUnavailable) as error:
        log_later.main()
    assert str(error.value) == (
        f"MLflow at {uri} asks for a login (HTTP 401): set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD; "
        "nothing logged"
    )


# --- reports/mlflow_run.json is committed: its tracking URI holds no path of this machine -----------------


@pytest.mark.parametrize(
    "uri, shared",
    [
        ("sqlite:////home/ana/fashion-diffusion/mlflow.db", "sqlite:///mlflow.db"),
        ("sqlite:////home/ana/fashion-diffusion/stores/runs.db", "sqlite:///stores/runs.db"),
        ("sqlite:////tmp/elsewhere/mlflow.db", "sqlite:///<outside the repository>/mlflow.db"),
        ("sqlite:///mlflow.db", "sqlite:///mlflow.db"),
        ("file:///home/ana/fashion-diffusion/mlruns", "mlruns"),
        ("http://mlflow.example.org:5000", "http://mlflow.example.org:5000"),
        ("https://ana:secret@mlflow.example.org/tracking", "https://mlflow.example.org/tracking"),
        ("postgresql://ana:secret@db.example.org:5432/mlflow", "postgresql://db.example.org:5432/mlflow"),
    ],
)
def test_the_recorded_tracking_uri_holds_no_machine_path_or_password(uri, shared):
    from pathlib import Path

    assert store.shareable_uri(uri, Path("/home/ana/fashion-diffusion")) == shared
