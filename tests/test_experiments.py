"""`make compare`: rows, differing params and the key metrics from `dvc exp show --json` (DVC 3's shape)."""

import math

from fashion_diffusion.tracking import experiments


def _data(lr, arch, fid, accuracy):
    return {
        "params": {"params.yaml": {"data": {"train": {"lr": lr, "seed": 0}, "model": {"arch": arch}}}},
        "metrics": {
            "reports/headline/samples.json": {
                "data": {"fid": fid, "fid_low": fid - 1, "fid_high": fid + 2, "accuracy": accuracy}
            },
            "reports/headline/training.json": {"data": {"final_loss": 0.08, "device": "cpu"}},
        },
    }


SHOW = [
    {"rev": "workspace", "name": None, "data": _data(0.002, "basic", 20.0, 0.9), "error": None, "experiments": None},
    {
        "rev": "b532dc2ac61d",
        "name": "main",
        "data": _data(0.002, "basic", 20.0, 0.9),
        "error": None,
        "experiments": [
            {
                "revs": [
                    {
                        "rev": "1a2b3c4d",
                        "name": "large-arch",
                        "data": _data(0.002, "large", 15.0, 0.93),
                        "error": None,
                        "experiments": None,
                    }
                ],
                "executor": None,
                "name": "large-arch",
            },
            {
                "revs": [
                    {
                        "rev": "5e6f7a8b",
                        "name": "high-lr",
                        "data": _data(0.01, "basic", 30.0, 0.8),
                        "error": None,
                        "experiments": None,
                    }
                ],
                "executor": {"state": "success"},
                "name": "high-lr",
            },
            {
                "revs": [
                    {"rev": "9c0d1e2f", "name": "broken", "data": None, "error": {"msg": "failed"}, "experiments": None}
                ],
                "executor": {"state": "failed"},
                "name": "broken",
            },
        ],
    },
]


def test_rows_params_that_differ_and_key_metrics(tmp_path):
    rows = experiments.experiments_of(SHOW)
    assert [(row.name, row.state) for row in rows] == [
        ("workspace", "workspace"),
        ("main", "baseline"),
        ("large-arch", "success"),
        ("high-lr", "success"),
        ("broken", "failed"),
    ]
    assert experiments.differing_params(rows) == ["model.arch", "train.lr"]
    fid = experiments.KEY_METRICS[0]
    assert rows[2].value(fid) == 15.0 and rows[2].value(fid, "_high") == 17.0 and math.isnan(rows[4].value(fid))

    text = experiments.markdown(rows, experiments.differing_params(rows), "experiments.png")
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| experiment |"))
    assert header.startswith(
        "| experiment | state | model.arch | train.lr | FID (judge features) | KID (judge features) | judge accuracy |"
    )
    assert "| large-arch | success | large | 0.002 | 15 | n/a | 0.93 |" in text
    assert "| broken | failed |  |  | n/a |" in text
    assert (
        "95% bootstrap intervals for FID (judge features)" in text
        and "![Key metrics per experiment](experiments.png)" in text
    )

    experiments.plot(tmp_path / "experiments.png", rows)
    assert (tmp_path / "experiments.png").stat().st_size > 5000
