import json

import numpy as np

from fashion_diffusion.stage import read_json, write_json


def test_write_json_turns_non_finite_numbers_into_null(tmp_path):
    path = tmp_path / "m.json"
    write_json(path, {"a": float("nan"), "b": [np.float32(1.5), np.inf], "c": {"d": np.int64(3)}})
    assert json.loads(path.read_text()) == {"a": None, "b": [1.5, None], "c": {"d": 3}}
    assert read_json(path)["c"]["d"] == 3
