"""The team's tracking server behind MLflow's login (`make team-server`): it refuses to start without its
secrets, and, started for real on 127.0.0.1, refuses requests without a login, keeps a READ-only user from
logging a run, and takes the pipeline's run and model version with the right login from the environment; a
missing or wrong login costs a stage one line, never its outputs, and `generate` and `log-run` one line too."""

import json
import shutil
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from base64 import b64encode

import pytest

from fashion_diffusion import cli
from fashion_diffusion.tracking import team_server
from fashion_diffusion.tracking.generator_model import REGISTERED_MODEL
from fashion_diffusion.tracking.store import EXPERIMENT
from tests.support import tiny_pipeline
from tests.support.mlflow_server import team_server as started_team_server

GOOD = {"MLFLOW_FLASK_SERVER_SECRET_KEY": "a-long-random-secret-key", "MLFLOW_AUTH_ADMIN_PASSWORD": "admin-password-1"}


def _args(folder, *extra: str):
    return cli.parser().parse_args(
        ["team-server", "--folder", str(folder), "--allowed-hosts", "mlflow.lab:5000", *extra]
    )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"MLFLOW_FLASK_SERVER_SECRET_KEY": ""}, "MLFLOW_FLASK_SERVER_SECRET_KEY is not set; set it to a long random"),
        ({"MLFLOW_AUTH_ADMIN_PASSWORD": ""}, "MLFLOW_AUTH_ADMIN_PASSWORD is not set; the first start creates"),
        ({"MLFLOW_AUTH_ADMIN_PASSWORD": "password1234"}, "MLFLOW_AUTH_ADMIN_PASSWORD is the default password of older"),
        ({"MLFLOW_AUTH_ADMIN_PASSWORD": "short"}, "MLFLOW_AUTH_ADMIN_PASSWORD must have at least 12 characters"),
    ],
    ids=["no-secret-key", "no-admin-password", "the-old-default", "short"],
)
def test_the_server_does_not_start_without_its_secrets(tmp_path, change, message):
    with pytest.raises(team_server.TeamServerError) as error:
        team_server.prepare(_args(tmp_path / "server"), {**GOOD, **change})
    assert str(error.value).startswith(message) and "\n" not in str(error.value)
    assert not (tmp_path / "server").exists()


@pytest.mark.parametrize("hosts, problem", [("*", "'*' lets any Host header through"), (" ", "is empty")])
def test_the_allowed_hosts_are_named(tmp_path, hosts, problem):
    args = cli.parser().parse_args(["team-server", "--folder", str(tmp_path), "--allowed-hosts", hosts])
    with pytest.raises(team_server.TeamServerError) as error:
        team_server.prepare(args, GOOD)
    assert str(error.value) == (
        f"--allowed-hosts {problem}: name the hosts clients use, e.g. mlflow.example.org:5000 (make: ALLOWED_HOSTS=...)"
    )


def test_the_command_runs_the_basic_auth_app_with_a_private_config(tmp_path):
    args = _args(tmp_path / "team", "--port", "5050", "--cors-allowed-origins", "https://a.lab")
    command, env = team_server.prepare(args, GOOD)
    folder = (tmp_path / "team").resolve()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert command[1:] == [
        "server",
        "--app-name",
        "basic-auth",
        "--backend-store-uri",
        f"sqlite:///{folder / 'mlflow.db'}",
        "--artifacts-destination",
        str(folder / "artifacts"),
        "--serve-artifacts",
        "--host",
        "0.0.0.0",
        "--port",
        "5050",
        "--workers",
        "1",
        "--allowed-hosts",
        "mlflow.lab:5000",
        "--cors-allowed-origins",
        "https://a.lab",
    ]
    config = folder / "basic_auth.ini"
    assert env["MLFLOW_AUTH_CONFIG_PATH"] == str(config) and env["MLFLOW_AUTH_ADMIN_PASSWORD"] == "admin-password-1"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    text = config.read_text()
    assert "default_permission = READ" in text and f"database_uri = sqlite:///{folder / 'basic_auth.db'}" in text
    assert "admin-password-1" not in text and "password" not in text


def test_a_later_start_needs_no_admin_password(tmp_path):
    (tmp_path / "basic_auth.db").write_bytes(b"")  # the admin user exists: MLflow ignores the variable
    team_server.prepare(_args(tmp_path), {"MLFLOW_FLASK_SERVER_SECRET_KEY": "a-long-random-secret-key"})


def test_the_command_line_says_what_is_missing_in_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", **{k: v for k, v in GOOD.items() if k != "MLFLOW_FLASK_SERVER_SECRET_KEY"}}
    result = subprocess.run(
        [sys.executable, "-m", "fashion_diffusion.cli", "team-server", "--folder", str(tmp_path / "s")]
        + ["--allowed-hosts", "mlflow.lab:5000"],
        env={**env, "PYTHONPATH": ":".join(sys.path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: MLFLOW_FLASK_SERVER_SECRET_KEY is not set; set it to a long random string, the same on every restart"
    ]


# --- the server itself, with the tiny pipeline's outputs (the served_pipeline fixture) ----------------------
ADMIN = ("admin", "admin-password-1")
ALICE = ("alice", "alice-password-1")  # logs the pipeline: creates the experiment and the model, so owns them
READER = ("reader", "reader-password-1")  # the server's default permission only: READ


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import mlflow.server

    folder = tmp_path_factory.mktemp("team")
    with started_team_server(folder / "server", ADMIN[1]) as url:
        with pytest.MonkeyPatch.context() as patch:
            _login(patch, ADMIN)
            users = mlflow.server.get_app_client("basic-auth", tracking_uri=url)
            for name, password in (ALICE, READER):
                users.create_user(name, password)
        yield url


@pytest.fixture(scope="module")
def outputs(served_pipeline, tmp_path_factory):
    """A copy of the tiny pipeline's repository, every stage's outputs in it."""
    copy = tmp_path_factory.mktemp("team-outputs") / "repo"
    shutil.copytree(served_pipeline.repo, copy, symlinks=True)
    return copy


def _login(patch: pytest.MonkeyPatch, login: tuple[str, str] | None) -> None:
    for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"):
        patch.delenv(name, raising=False)
    if login:
        patch.setenv("MLFLOW_TRACKING_USERNAME", login[0])
        patch.setenv("MLFLOW_TRACKING_PASSWORD", login[1])


def _status(url: str, login: tuple[str, str] | None = None, host: str | None = None) -> int:
    request = urllib.request.Request(url)
    if login:
        request.add_header("Authorization", "Basic " + b64encode(":".join(login).encode()).decode())
    if host:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _render_report(repo, url: str, login: tuple[str, str] | None):
    """`dvc repro` of render_report alone against the server; its stderr lines that name MLflow and its record."""
    env = {"MLFLOW_TRACKING_URI": url}
    env |= {"MLFLOW_TRACKING_USERNAME": login[0], "MLFLOW_TRACKING_PASSWORD": login[1]} if login else {}
    (repo / "reports/mlflow_run.json").unlink()
    result = tiny_pipeline.run(repo, "repro", "--force", "--single-item", "render_report", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return [line for line in result.stderr.splitlines() if "MLflow" in line], json.loads(
        (repo / "reports/mlflow_run.json").read_text()
    )


@pytest.mark.slow
def test_a_request_without_a_login_or_from_another_host_is_refused(server):
    search = f"{server}/api/2.0/mlflow/experiments/search?max_results=1"
    assert _status(search) == 401
    assert _status(search, ("admin", "not-the-password")) == 401
    assert _status(search, ADMIN) == 200
    assert _status(search, ADMIN, host="evil.example.org") == 403  # DNS rebinding: not an allowed host


@pytest.mark.slow
def test_the_pipeline_with_a_login_logs_its_run_and_registers_a_version(server, outputs, monkeypatch):
    import mlflow.server
    from mlflow import MlflowClient

    told, record = _render_report(outputs, server, ALICE)
    assert told == [] and record["logged"] and record["tracking_uri"] == server
    _login(monkeypatch, ADMIN)
    client = MlflowClient(server)
    run = client.get_run(record["run_id"])
    assert run.info.status == "FINISHED" and "evaluate/fid" in run.data.metrics
    version = record["model_uri"].rsplit("/", 1)[1]
    assert client.get_model_version(REGISTERED_MODEL, version).run_id == run.info.run_id
    users = mlflow.server.get_app_client("basic-auth", tracking_uri=server)
    for kind, name in (("experiment", run.info.experiment_id), ("registered_model", REGISTERED_MODEL)):
        assert users.get_user_permission(ALICE[0], kind, name).permission == "MANAGE"  # alice created both
        assert users.get_user_permission(READER[0], kind, name).permission == "READ"  # the default


@pytest.mark.slow
@pytest.mark.parametrize(
    "login, problem",
    [
        (None, "asks for a login (HTTP 401): set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD"),
        (
            ("alice", "not-her-password"),
            "refused the login (HTTP 401 for user 'alice'): set MLFLOW_TRACKING_USERNAME and "
            "MLFLOW_TRACKING_PASSWORD to a login of that server",
        ),
    ],
    ids=["no-login", "wrong-password"],
)
def test_a_missing_or_wrong_login_costs_the_stage_one_line_not_its_outputs(server, outputs, login, problem):
    told, record = _render_report(outputs, server, login)
    assert told == [f"MLflow at {server} {problem}; report written, run not logged; log it later with `make log-run`"]
    assert record == {
        "logged": False,
        "reason": f"MLflow at {server} {problem.split(' (')[0]}",
        "tracking_uri": server,
        "log_later": "make log-run",
    }
    assert "not logged to MLflow" in (outputs / "reports/assessment.md").read_text()


@pytest.mark.slow
def test_a_read_only_user_cannot_log_a_run(server, outputs, monkeypatch):
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    _login(monkeypatch, READER)
    client = MlflowClient(server)
    experiment = client.get_experiment_by_name(EXPERIMENT)  # alice's (the test above): the reader may look
    assert experiment is not None, "alice's run (the test above) creates the experiment"
    with pytest.raises(MlflowException) as refused:
        client.create_run(experiment.experiment_id)
    assert refused.value.error_code == "PERMISSION_DENIED"

    runs_before = _runs(monkeypatch, server, experiment.experiment_id)
    told, record = _render_report(outputs, server, READER)
    assert told == [
        f"MLflow at {server} refused the request (HTTP 403 for user 'reader': permission denied): ask its admin for "
        f"EDIT on the experiment and the registered model '{EXPERIMENT}', or set MLFLOW_TRACKING_USERNAME and "
        "MLFLOW_TRACKING_PASSWORD to a user who has it; report written, run not logged; log it later with "
        "`make log-run`"
    ]
    assert record["logged"] is False and (outputs / "reports/assessment.md").is_file()
    assert _runs(monkeypatch, server, experiment.experiment_id) == runs_before


def _runs(monkeypatch, server: str, experiment_id: str) -> list[str]:
    from mlflow import MlflowClient

    _login(monkeypatch, ADMIN)
    return sorted(run.info.run_id for run in MlflowClient(server).search_runs([experiment_id]))


def _command(repo, url: str, login: tuple[str, str] | None, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in tiny_pipeline.git_env().items() if not k.startswith("MLFLOW_TRACKING_")}
    env["MLFLOW_TRACKING_URI"] = url
    env |= {"MLFLOW_TRACKING_USERNAME": login[0], "MLFLOW_TRACKING_PASSWORD": login[1]} if login else {}
    return subprocess.run(
        [sys.executable, "-m", "fashion_diffusion.cli", *args], cwd=repo, env=env, capture_output=True, text=True
    )


@pytest.mark.slow
def test_generate_and_log_run_take_the_login_from_the_environment(server, outputs):
    model = f"models:/{REGISTERED_MODEL}/1"
    generate = ["generate", "--model", model, "--class", "bag", "--n", "2", "--no-progress", "--out", "bags.png"]
    result = _command(outputs, server, ALICE, *generate)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (outputs / "bags.png").stat().st_size > 0
    refused = _command(outputs, server, None, *generate)
    assert refused.returncode == 1 and refused.stderr.splitlines() == [
        f"error: {model}: MLflow at {server} asks for a login (HTTP 401): set MLFLOW_TRACKING_USERNAME and "
        "MLFLOW_TRACKING_PASSWORD"
    ]

    refused = _command(outputs, server, READER, "log-run")
    assert refused.returncode == 1 and refused.stderr.splitlines() == [
        f"error: MLflow at {server} refused the request (HTTP 403 for user 'reader': permission denied): ask its "
        f"admin for EDIT on the experiment and the registered model '{EXPERIMENT}', or set MLFLOW_TRACKING_USERNAME "
        "and MLFLOW_TRACKING_PASSWORD to a user who has it; not logged, or only in part"
    ]  # with alice's login it logs what render_report logged above (the same `pipeline_run.log_outputs`)
