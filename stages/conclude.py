"""Stage conclude: what the run concludes across its studies, from their typed results: the families of
verdicts counted (how many comparative words each table could hold, and drew), and the improvements the
measured gaps point to, ranked (section 5.3)."""

from fashion_diffusion import stage
from fashion_diffusion.results.base import write_result
from fashion_diffusion.results.registry import STUDIES, load
from fashion_diffusion.studies.conclusions import conclude

OUTPUTS = ["reports/metrics/conclusions.json"]


def main() -> None:
    studies = load(STUDIES)
    conclusions = conclude(
        list(studies.values()),
        studies["headline"],
        studies["samplers"],
        studies["snapshots"],
        studies["augmentation"],
    )
    with stage.Outputs("conclude", OUTPUTS) as out:
        write_result(out(OUTPUTS[0]), conclusions)
    print(
        f"{conclusions.resolved} of {conclusions.verdicts} comparisons resolved in {len(conclusions.families)} families; "
        f"{len(conclusions.improvements)} resolved gaps"
    )


if __name__ == "__main__":
    stage.run(main)
