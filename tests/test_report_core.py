"""The report sections of the main run and its probes (1.1, 1.3, 3.1, 3.3, 5.2), rendered from the fixtures
of `tests/support/fixtures/core.py`; the sub-templates other sections own are stubbed."""

import jinja2
import pytest

from fashion_diffusion.report.render import environment
from fashion_diffusion.results.probes import RecognitionResult
from tests.support.fixtures import core
from tests.support.tiny import tiny_params

STUBS = {"sections/q3_3_ablation.md.j2": "[the ablation part]\n", "sections/samplers.md.j2": "[the sampler study]\n"}
SECTIONS = {  # section -> a figure it links (5.2's is the sampler study's)
    "q1_1_forward": "figures/train/forward_diffusion.png",
    "q1_3_recognition": "figures/sample/denoising_x0.png",
    "q3_1_loss": "figures/training_quality/loss_by_timestep.png",
    "q3_3_time": "figures/wrong_timestep/error_by_told_timestep.png",
    "q5_2_limitations": "[the sampler study]",
}


def render(section: str, **changed) -> str:
    env = environment()
    env.loader = jinja2.ChoiceLoader([jinja2.DictLoader(STUBS), env.loader])
    context = {**core.results(), "params": tiny_params(), "run": None, **changed}
    return env.get_template(f"sections/{section}.md.j2").render(**context)


@pytest.mark.parametrize(("section", "figure"), SECTIONS.items())
def test_each_section_renders_from_the_results_alone(section, figure):
    text = render(section)
    assert text.startswith("### ") and figure in text
    assert not any(word in text for word in ("None", "nan", "Undefined"))


def test_the_loss_is_named_as_configured():
    epsilon = render("q3_1_loss", training=core.training("epsilon", "none"))
    assert "the noise eps" in epsilon and "every timestep weighted alike" in epsilon
    assert "(**noise-prediction MSE**)" in epsilon and "SNR" not in epsilon and "velocity" not in epsilon
    assert "unweighted" not in epsilon  # the training loss is the unweighted error itself
    v = render("q3_1_loss")
    assert "the velocity v_t" in v and "(**min-SNR-weighted v-prediction MSE**)" in v
    assert "min(SNR_t, 5) / (SNR_t + 1)" in v and "| unweighted v-prediction MSE, last 10% | 0.0617 |" in v
    assert "min(SNR_t, 5) / SNR_t\n" in render("q3_1_loss", training=core.training("epsilon", "min_snr"))
    assert "| training loss, first 5% of logged steps | 0.1359 |" in v and "(7.0 epochs)" in v


def test_the_forward_process_and_the_time_embedding_read_the_training_and_cost_results():
    forward = render("q1_1_forward")
    assert (
        "below 0.5 at t = 496" in forward
        and "below 0.1 at t = 793" in forward
        and "t = 999 it is 2.43e-09 (not 0" in forward
    )
    time = render("q3_3_time")
    assert "sinusoids of 64 frequencies" in time and time.rstrip().endswith("[the ablation part]")
    assert "| random t | 0.307 [0.279, 0.334] | 4.05 | +0.231 [+0.22, +0.242] | higher error |" in time
    assert "not resolved for t -30 and t +30." in time and "7 increases are one family" in time


def test_classes_are_failing_above_real_or_unresolved_and_the_weakest_says_which():
    text = render("q5_2_limitations")
    assert "| sandal | 85.0% [78.0%, 87.0%] | 98.2% | -13.2 [-20.3, -6.1] pp | lower |" in text
    assert "Below their real-image accuracy: **sandal**." in text and "Above it: t-shirt and sneaker." in text
    assert "**shirt**'s (77.0%; real\n74.1%; against real: not resolved)." in text
    above = render("q5_2_limitations", headline=core.headline(weakest_above_real=True))
    assert "No class is resolved below" in above
    assert "against real: higher): above its real-image\naccuracy" in above
    assert "| `ddpm` (the `ddim` loop) | 81.7 | 1.67 |" in text and "| 112x112 | 2.416 | 16.0 |" in text
    assert "[the sampler study]" in text


def test_recognition_without_a_settled_trajectory_says_so():
    none = RecognitionResult(trajectories=50, median=None, unrecognised=50, classes=[], earliest=None, latest=None)
    text = render("q1_3_recognition", recognition=none)
    assert "None of the 50 trajectories settles on its class." in text and "| class |" not in text
    assert "(`ddim`, 100 steps, eta 1; stage `sample`)" in render("q1_3_recognition")
