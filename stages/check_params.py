"""Stage check_params: validate all of params.yaml before any other stage runs.

Every stage depends on its output, so a bad value stops `dvc repro` here, with one line naming
the key, before DVC removes any other stage's outputs to re-run it. That includes data.source:
prepare's folder of idx files must exist (unless data.download_fallback), which a schema cannot
see. The output's content does not depend on the values, so a valid change re-runs only the
stages that read the changed keys.
"""

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.data.fashion_mnist import check_source

OUTPUTS = ["data/params_checked.json"]


def main() -> None:
    p = load_params()
    check_source(p.data.source, p.data.download_fallback)
    with stage.Outputs("check_params", OUTPUTS) as out:
        write_json(out("data/params_checked.json"), {"params.yaml": "valid"})


if __name__ == "__main__":
    stage.run(main)
