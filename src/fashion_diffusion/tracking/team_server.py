"""`make team-server` (`fashion-diffusion team-server`): a tracking server for a team, behind MLflow's
basic-auth login (users, and per-experiment and per-model permissions).

One folder holds it all: mlflow.db (runs and registered models), artifacts/ (served through the
server), basic_auth.db (users and permissions) and basic_auth.ini (the auth app's settings, readable by
its owner only). Checked before the server starts, each problem one line:

- MLFLOW_FLASK_SERVER_SECRET_KEY set (the auth app signs its forms with it; keep it across restarts);
- on the first start, MLFLOW_AUTH_ADMIN_PASSWORD set by the user: at least 12 characters and not
  the default of older MLflow versions (it creates the admin user; later starts ignore it, change the
  password through the auth API instead);
- the Host headers the server answers (`--allowed-hosts`, the name and port clients use): MLflow's
  security middleware refuses the others (DNS rebinding); browsers from other origins are refused
  unless named by `--cors-allowed-origins`.

Then this process becomes `mlflow server --app-name basic-auth ...`. Clients log in with
MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from ..core.errors import InputError

SECRET_KEY = "MLFLOW_FLASK_SERVER_SECRET_KEY"
ADMIN_PASSWORD = "MLFLOW_AUTH_ADMIN_PASSWORD"
LEGACY_DEFAULT_PASSWORD = "password1234"  # shipped in basic_auth.ini by MLflow before 3.x: public knowledge
MIN_PASSWORD_LENGTH = 12  # MLflow's own rule for every password
PERMISSIONS = ("READ", "EDIT", "MANAGE", "NO_PERMISSIONS")
AUTH_DB, AUTH_CONFIG = "basic_auth.db", "basic_auth.ini"


class TeamServerError(InputError):
    """A setting the team server refuses to start with; the message names it."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--folder", type=Path, required=True, help="where the runs, artifacts and users are kept")
    parser.add_argument(
        "--allowed-hosts",
        required=True,
        help="comma-separated Host headers clients use, e.g. mlflow.example.org,10.0.0.5:5000",
    )
    parser.add_argument("--host", default="0.0.0.0", help="the network interface to listen on (default 0.0.0.0)")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--cors-allowed-origins", help="comma-separated browser origins besides the server's own")
    parser.add_argument(
        "--default-permission",
        default="READ",
        choices=PERMISSIONS,
        help="what a user may do with another user's experiments and models unless granted more (default READ)",
    )


def run(args: argparse.Namespace) -> None:
    """Check the settings, write the auth config, and replace this process with the server."""
    command, env = prepare(args, os.environ)
    print(f"MLflow team server on {args.host}:{args.port} for {args.allowed_hosts}; folder {args.folder}", flush=True)
    os.umask(0o077)  # the stores, users' password hashes and artifacts it writes: readable by this user only
    os.execve(command[0], command, env)


def prepare(args: argparse.Namespace, environ: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The server's command and environment; TeamServerError for a setting it must not start with."""
    folder = args.folder.resolve()
    if not environ.get(SECRET_KEY):
        raise TeamServerError(f"{SECRET_KEY} is not set; set it to a long random string, the same on every restart")
    if not (folder / AUTH_DB).exists():
        check_admin_password(environ.get(ADMIN_PASSWORD))
    hosts = args.allowed_hosts.strip()
    if not hosts or hosts == "*":
        given = "is empty" if not hosts else "'*' lets any Host header through"
        raise TeamServerError(
            f"--allowed-hosts {given}: name the hosts clients use, e.g. mlflow.example.org:5000 (make: ALLOWED_HOSTS=...)"
        )
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    config = write_auth_config(folder, environ.get("MLFLOW_AUTH_ADMIN_USERNAME") or "admin", args.default_permission)
    command = [
        mlflow_executable(),
        "server",
        "--app-name",
        "basic-auth",
        "--backend-store-uri",
        f"sqlite:///{folder / 'mlflow.db'}",
        "--artifacts-destination",
        str(folder / "artifacts"),
        "--serve-artifacts",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--workers",
        str(args.workers),
        "--allowed-hosts",
        args.allowed_hosts,
    ]
    if args.cors_allowed_origins:
        command += ["--cors-allowed-origins", args.cors_allowed_origins]
    return command, {**environ, "MLFLOW_AUTH_CONFIG_PATH": str(config)}


def check_admin_password(password: str | None) -> None:
    if not password:
        raise TeamServerError(f"{ADMIN_PASSWORD} is not set; the first start creates the admin user with it")
    if password == LEGACY_DEFAULT_PASSWORD:
        raise TeamServerError(f"{ADMIN_PASSWORD} is the default password of older MLflow versions; choose another")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise TeamServerError(f"{ADMIN_PASSWORD} must have at least {MIN_PASSWORD_LENGTH} characters")


def write_auth_config(folder: Path, admin: str, default_permission: str) -> Path:
    """basic_auth.ini in folder, readable by its owner only. It holds no password: the admin's comes
    from MLFLOW_AUTH_ADMIN_PASSWORD, in the server's environment only."""
    path = folder / AUTH_CONFIG
    text = (
        "[mlflow]\n"
        f"default_permission = {default_permission}\n"
        f"database_uri = sqlite:///{folder / AUTH_DB}\n"
        f"admin_username = {admin}\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    os.chmod(path, 0o600)  # an older file keeps its mode through O_CREAT
    return path


def mlflow_executable() -> str:
    """The `mlflow` of this Python's environment, else the one on PATH."""
    beside = Path(sys.executable).with_name("mlflow")
    found = str(beside) if beside.is_file() else shutil.which("mlflow")
    if not found:
        raise TeamServerError("the mlflow command is not installed in this environment (`make setup`)")
    return found
