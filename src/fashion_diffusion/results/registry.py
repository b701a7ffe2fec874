"""Where each study's typed result lies, by the name the report's templates use: the one list that
the conclude stage and the report read runs through."""

from __future__ import annotations

from pathlib import Path

from .ablations import AblationStudy
from .augmentation import AugmentationStudy
from .base import Result, read_result
from .clip import ClipScorerResult, SelectionStudy
from .conclusions import Conclusions
from .difficulty import ClassDifficulty
from .headline import HeadlineResult, JudgeResult, SampleRun
from .probes import ArchCostStudy, RecognitionResult, SamplingCost, WrongTimestep
from .sets import GuidanceStudy, OneStepStudy, SamplerStudy, SnapshotStudy
from .style import StyleControl
from .training import TrainingResult

STUDIES: dict[str, tuple[str, type[Result]]] = {
    "training": ("models/train_metrics.json", TrainingResult),
    "sampling": ("data/samples/sample_metrics.json", SampleRun),
    "judge": ("models/judge_metrics.json", JudgeResult),
    "headline": ("reports/metrics/evaluate.json", HeadlineResult),
    "recognition": ("reports/metrics/recognition.json", RecognitionResult),
    "arch_cost": ("reports/metrics/arch_cost.json", ArchCostStudy),
    "sampling_cost": ("reports/metrics/sampling_cost.json", SamplingCost),
    "wrong_timestep": ("reports/metrics/wrong_timestep.json", WrongTimestep),
    "samplers": ("reports/metrics/sampler_study.json", SamplerStudy),
    "guidance": ("reports/metrics/guidance_sweep.json", GuidanceStudy),
    "snapshots": ("reports/metrics/training_quality.json", SnapshotStudy),
    "one_step": ("reports/metrics/one_step.json", OneStepStudy),
    "clip": ("reports/metrics/clip.json", ClipScorerResult),
    "selection": ("reports/metrics/selection.json", SelectionStudy),
    "style": ("reports/metrics/style.json", StyleControl),
    "difficulty": ("reports/metrics/class_difficulty.json", ClassDifficulty),
    "augmentation": ("reports/metrics/augmentation.json", AugmentationStudy),
    "ablations": ("reports/metrics/ablations.json", AblationStudy),
}
CONCLUSIONS = ("reports/metrics/conclusions.json", Conclusions)  # stage conclude, from all of STUDIES


def load(entries: dict[str, tuple[str, type[Result]]], root: Path = Path(".")) -> dict[str, Result]:
    """name -> result, read and validated; a missing or malformed file is one line."""
    return {name: read_result(root / path, kind) for name, (path, kind) in entries.items()}
