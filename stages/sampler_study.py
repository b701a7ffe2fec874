"""Stage sampler_study: time against quality for each sampler run of evaluate.samplers (DDIM at
several step counts and eta, DDPM at all T steps, DPM-Solver++), on the same labels and seed, each
FID next to the floor at its sample size."""

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.plotting import plots
from fashion_diffusion.studies.sampler_study import sampler_tradeoff

OUTPUTS = ["data/sampler_study.csv", "reports/metrics/sampler_study.json", "reports/figures/sampler_study"]


def main() -> None:
    p = load_params()
    e, setup = p.evaluate, load_setup(p)
    default = Sampling.of(p.sample)
    runs = [default.replace(sampler=run.sampler, steps=run.steps, eta=run.eta) for run in e.samplers]
    tradeoff = sampler_tradeoff(setup.model, setup.info, setup.reference, runs, e.sampler_per_class, e.seed)
    tradeoff["fid_floor"] = setup.fid_floor(e.sampler_per_class * len(setup.info.class_names), e.seed)
    with stage.Outputs("sampler_study", OUTPUTS) as out:
        tradeoff.to_csv(out("data/sampler_study.csv"), index=False)
        plots.sampler_tradeoff(out("reports/figures/sampler_study") / "sampler_tradeoff.png", tradeoff)
        write_json(
            out("reports/metrics/sampler_study.json"),
            {
                f"{row.sampler}_{row.steps}_eta{row.eta:g}": {
                    "fid": float(row.fid),
                    "accuracy": float(row.accuracy),
                    "seconds_per_1000": float(row.seconds_per_1000),
                }
                for row in tradeoff.itertuples()
            },
        )


if __name__ == "__main__":
    stage.run(main)
