"""Stage sampler_study: time against judged quality for each sampler run of evaluate.samplers (DDIM,
DDPM at all T steps, DPM-Solver++), on the same labels and seed; each run timed after a warm-up, its FID
and accuracy with 95% intervals and the floor at its n, and each run that pairs with the default
sampler's run compared with it image for image."""

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.plotting import plots
from fashion_diffusion.results.base import write_result
from fashion_diffusion.studies.sampler_study import StudyRun, sampler_tradeoff, table, with_default

OUTPUTS = ["data/sampler_study.csv", "reports/metrics/sampler_study.json", "reports/figures/sampler_study"]


def main() -> None:
    p = load_params()
    e, setup = p.evaluate, load_setup(p)
    default = StudyRun(Sampling.of(p.sample), e.sampler_per_class)
    runs = [
        StudyRun(
            default.sampling.replace(sampler=r.sampler, steps=r.steps, eta=r.eta), r.per_class or e.sampler_per_class
        )
        for r in e.samplers
    ]
    runs, base = with_default(runs, default, setup.info.schedule().timesteps)
    study = sampler_tradeoff(setup, runs, base, e.seed)
    rows = table(study)
    with stage.Outputs("sampler_study", OUTPUTS) as out:
        rows.to_csv(out("data/sampler_study.csv"), index=False)
        plots.sampler_tradeoff(out("reports/figures/sampler_study") / "sampler_tradeoff.png", rows)
        write_result(out("reports/metrics/sampler_study.json"), study)


if __name__ == "__main__":
    stage.run(main)
