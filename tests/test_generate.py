"""`fashion-diffusion generate` on a tiny saved model: outputs, determinism, and one-line errors."""

import os
import subprocess
import sys

import numpy as np
import pytest

from fashion_diffusion import cli
from fashion_diffusion.config import load_params
from fashion_diffusion.generate.files import grid_rows
from fashion_diffusion.generate.requests import GenerationRequestError, checked_count, class_indices
from tests.support.tiny_model import CLASS_NAMES, write_tiny_model


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(write_tiny_model(tmp_path))
    return tmp_path


def test_class_names_are_forgiving_and_unknown_ones_are_named():
    names = ["t-shirt", "trouser", "ankle boot"]
    assert class_indices(["Ankle-Boot", "TSHIRT", "1", "trouser"], names) == [2, 0, 1]
    assert class_indices(["all"], names) == [0, 1, 2]
    with pytest.raises(GenerationRequestError, match=r"unknown class 'sandle'; valid: t-shirt, trouser, ankle boot"):
        class_indices(["sandle"], names)
    with pytest.raises(GenerationRequestError, match="count must be between 1 and"):
        checked_count(0)


def test_grid_starts_a_row_per_class_and_wraps_long_ones():
    images = np.arange(20, dtype=np.uint8)[:, None, None].repeat(2, 1).repeat(2, 2)
    labels = np.array([1] * 18 + [0] * 2)
    grid, rows = grid_rows(images, labels, ["a", "b"])
    assert grid.shape == (3, 16, 2, 2) and rows == ["b", "", "a"]
    assert grid[1, 1, 0, 0] == 17 and grid[1, 2].max() == 0 and grid[2, 0, 0, 0] == 18


def test_generate_writes_a_grid_and_an_npz_and_repeats_itself(repo, capsys):
    argv = [
        "generate",
        "--class",
        "sandal",
        "trouser",
        "--n",
        "3",
        "--steps",
        "4",
        "--style",
        "ink=bold",
        "--no-progress",
        "--out",
        "grid.png",
        "--out",
        "a.npz",
    ]
    cli.main(argv)
    cli.main(argv[:-1] + ["b.npz"])
    a, b = np.load(repo / "a.npz"), np.load(repo / "b.npz")
    assert a["images"].shape == (6, 28, 28) and a["images"].dtype == np.uint8
    assert a["labels"].tolist() == [2, 2, 2, 1, 1, 1] and a["class_names"].tolist() == CLASS_NAMES
    default_sampler = load_params(repo / "params.yaml").sample.sampler  # not given: the model's params
    assert int(a["steps"]) == 4 and str(a["sampler"]) == default_sampler and a["styles"].tolist() == ["ink=bold"]
    np.testing.assert_array_equal(a["images"], b["images"])
    assert (repo / "grid.png").stat().st_size > 1000
    assert "wrote grid.png (6 images)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--class", "sandle"], "error: unknown class 'sandle'; valid: t-shirt, trouser, sandal, or all"),
        (["--n", "0"], "error: count must be between 1 and 10000 images per class, got 0"),
        (
            ["--style", "ink=huge"],
            "error: unknown style 'ink=huge'; valid: ink=light|medium|bold, slant=left|upright|right",
        ),
        (["--sampler", "euler"], "error: sampler must be one of ddim, ddpm, dpmpp_2m, dpmpp_2m_sde, got 'euler'"),
        (["--steps", "51"], "error: steps must be between 1 and 50 (the model's timesteps), got 51"),
        (["--out", "grid.jpg"], "error: --out grid.jpg: write a .png grid or an .npz file"),
    ],
)
def test_bad_requests_end_in_one_line(repo, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["generate", "--no-progress", "--out", "ok.png", *argv])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.strip().splitlines() == [message]
    assert not (repo / "ok.png").exists()


def test_the_console_command_prints_one_line_for_a_missing_model(tmp_path):
    write_tiny_model(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "fashion_diffusion.cli", "generate", "--model", "nope.pt", "--out", "x.png"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["error: nope.pt: not found (run `dvc repro train` first)"]


def test_a_registered_model_behind_a_refused_login_is_one_line(tmp_path):
    """A tracking server that answers 401 (a team server without MLFLOW_TRACKING_USERNAME/PASSWORD set): one
    line naming the server and the variables, exit status 1, no traceback."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Refusing(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(401)
            self.end_headers()
            self.wfile.write(b"You are not authenticated.")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    uri = f"http://127.0.0.1:{server.server_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING_")}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "fashion_diffusion.cli", "generate", "--model", "models:/fashion-diffusion/1"]
            + ["--out", "x.png"],
            cwd=tmp_path,
            env={**env, "MLFLOW_TRACKING_URI": uri},
            capture_output=True,
            text=True,
        )
    finally:
        server.shutdown()
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: models:/fashion-diffusion/1: MLflow at {uri} asks for a login (HTTP 401): set "
        "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD"
    ]
