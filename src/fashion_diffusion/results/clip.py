"""What the CLIP scorer is worth, what it says of the samples (section 4), and what keeping the k best
of every group by its score does to the samples as the independent judge reads them (bonus 3)."""

from __future__ import annotations

from .base import Comparison, Estimate, Result
from .judged import JudgedSet
from .sets import SetComparison

# A scorer's ROC AUC against chance (0.5) for one corruption: (word above, word below chance)
DETECTION_WORDS = ("detects", "ranks below chance")
# The verdict of several training seeds of the scorer that do not all say the same
NOT_AGREED = "not resolved across training seeds"


class PromptPair(Result):
    """Two scoring prompts and the correlation of their probabilities over the validation images."""

    first: str
    second: str
    correlation: float


class ScorerValidation(Result):
    """One scorer on real test images: zero-shot class accuracy, and the ROC AUC of P(clear) separating
    the clean images from blurred and from noised copies (95% intervals over the images), each tested
    against chance (`blur`, `noise`: AUC - 0.5, words DETECTION_WORDS, Holm over the two); the mean
    probability of each prompt on each kind of image; the two prompts it tells apart least."""

    training_seed: int | None  # None: a pretrained scorer
    images: int
    zero_shot_accuracy: float
    auc_blurred: Estimate
    auc_noised: Estimate
    blur: Comparison
    noise: Comparison
    prompt_means: dict[str, dict[str, float]]  # image kind (clean, blurred, noised) -> prompt -> probability
    most_alike: PromptPair | None  # None: no correlation measured (a constant probability)


class ClipSeeds(Result):
    """The in-domain scorer trained with its own seed and every seed of clip.spread_seeds, validated alike;
    each verdict the one all seeds share, or NOT_AGREED."""

    runs: list[ScorerValidation]
    blur: str
    noise: str
    zero_shot_low: float  # the lowest and highest zero-shot accuracy over the seeds
    zero_shot_high: float


class ClassScores(Result):
    name: str
    scores: dict[str, float]  # prompt key, and class_prob -> mean over the class's samples


class SampleScores(Result):
    """The scorer's mean probabilities over the generated samples: each prompt's (softmax over the scoring
    prompts filled with the requested class) and class_prob (the requested class among the class prompts)."""

    n: int
    mean: dict[str, float]
    per_class: list[ClassScores]
    hardest: list[str]  # the classes of lowest mean class_prob, lowest first
    easiest: str

    def of(self, name: str) -> ClassScores:
        return next(c for c in self.per_class if c.name == name)


class ClipScorerResult(Result):
    scorer: str  # what clip.model names, in words
    pretrained: str  # clip.pretrained ("" for the in-domain scorer)
    validation: ScorerValidation  # of the scorer that scored the samples
    same_meaning_at: float  # the correlation from which two prompts mean the same to the scorer
    same_meaning: list[PromptPair]  # the pairs that reach it
    seeds: ClipSeeds
    samples: SampleScores


class SelectionStudy(Result):
    """Top k of every group of `group_size` samples of a class by the combined CLIP score: the kept, the
    rejected and k drawn at random from every group, each judged (accuracy, confidence, FID, KID, density,
    coverage beside the real values at its n); kept minus random (the same n) compared by accuracy,
    coverage and KID with a bootstrap over groups within classes; `outcome` says it in words."""

    group_size: int
    k: int
    groups: int
    weights: dict[str, float]
    kept: JudgedSet
    rejected: JudgedSet
    random: JudgedSet
    kept_versus_random: SetComparison
    family: str
    outcome: str  # e.g. "higher accuracy, lower coverage: a trade (KID not resolved)"
    clip_judge_spearman: float | None  # mean within-class Spearman of the combined score and judge confidence
