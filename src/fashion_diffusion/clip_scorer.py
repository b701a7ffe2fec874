"""CLIP scoring: an in-domain CLIP trained with open_clip, pretrained open_clip models, and the
numbers the pipeline reads from either of them.

Images enter as float (N, 1, H, W) in [-1, 1] (`data.to_model_range`). Every scorer sees them the
same way (`clip_input`): mapped to [0, 1], repeated to three channels, resized to the model's
image size and normalised with the model's own mean and std. The in-domain model is built for
28x28 inputs with mean = std = 0.5, so for it the conversion is a channel repeat.

Prompts are templates with a `{label}` slot, filled with a class name.
"""
from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path

import numpy as np
import open_clip
import pandas as pd
import torch
import torch.nn.functional as F
from open_clip.model import get_model_preprocess_cfg, set_model_preprocess_cfg
from open_clip.transform import PreprocessCfg
from tqdm import tqdm

from fashion_diffusion.config import ClipTrainConfig, ParamsError, to_dict
from fashion_diffusion.data import to_model_range
from fashion_diffusion.errors import InputError

# Roles of the training captions, in caption-id order; `ClipTrainConfig.captions` maps each to a template.
CAPTION_ROLES = ("plain", "clear", "blurry", "noisy")
HOW_TO_PROVIDE = "download the checkpoint elsewhere and set clip.pretrained: /path/to/file.pt"


class ScorerError(InputError, RuntimeError):
    """A scorer whose weights cannot be obtained; the one-line message says how to provide them."""


# ---------------------------------------------------------------- corruptions (training and validation)

def gaussian_blur(images: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Blur each image with its own sigma (pixels): (N, C, H, W), (N,) -> (N, C, H, W).

    Each output pixel is the Gaussian-weighted mean of the pixels inside the image (weights
    renormalised at the borders), applied as per-image (H, H) and (W, W) matrices.
    """
    def blur_matrix(size: int) -> torch.Tensor:  # (N, 1, size, size), rows sum to one
        position = torch.arange(size, dtype=images.dtype, device=images.device)
        distance = (position[:, None] - position[None, :]) / sigma.to(images)[:, None, None]
        weights = torch.exp(-0.5 * distance ** 2)
        return (weights / weights.sum(dim=2, keepdim=True))[:, None]

    height, width = images.shape[-2:]
    return blur_matrix(height) @ images @ blur_matrix(width).transpose(-1, -2)


def _uniform(bounds: list[float], n: int, generator: torch.Generator) -> torch.Tensor:
    low, high = bounds
    return low + (high - low) * torch.rand(n, generator=generator)


def random_blur(images: torch.Tensor, sigma_range: list[float], generator: torch.Generator) -> torch.Tensor:
    """Gaussian blur with sigma drawn uniformly from `sigma_range` per image; (N, 1, H, W) on the CPU."""
    return gaussian_blur(images, _uniform(sigma_range, len(images), generator))


def random_noise(images: torch.Tensor, std_range: list[float], generator: torch.Generator) -> torch.Tensor:
    """Add Gaussian noise, std drawn uniformly from `std_range` per image, clipped to [-1, 1]."""
    std = _uniform(std_range, len(images), generator)[:, None, None, None]
    return (images + std * torch.randn(images.shape, generator=generator)).clamp(-1.0, 1.0)


# ---------------------------------------------------------------- model input and the scorer

def clip_input(images: torch.Tensor, preprocess: dict) -> torch.Tensor:
    """(N, 1, H, W) in [-1, 1] -> (N, 3, S, S) normalised as the model expects; differentiable."""
    size = preprocess["size"]
    size = (size, size) if isinstance(size, int) else tuple(size)
    x = ((images + 1.0) / 2.0).expand(-1, 3, -1, -1)
    if tuple(x.shape[-2:]) != size:
        x = F.interpolate(x, size=size, mode="bicubic", align_corners=False)
    mean = torch.tensor(preprocess["mean"], dtype=x.dtype, device=x.device)[:, None, None]
    std = torch.tensor(preprocess["std"], dtype=x.dtype, device=x.device)[:, None, None]
    return (x - mean) / std


class Scorer:
    """An open_clip model with its tokenizer, scoring grayscale images in [-1, 1].

    The model's parameters are frozen (`requires_grad_(False)`, eval mode); gradients still flow
    to the images, so a training loss can backpropagate through `image_features`.
    """

    def __init__(self, model: torch.nn.Module, tokenizer, device: torch.device | str):
        self.device = torch.device(device)
        self.model = model.to(self.device).eval().requires_grad_(False)
        self.tokenizer = tokenizer
        self.preprocess = get_model_preprocess_cfg(model)

    @property
    def logit_scale(self) -> torch.Tensor:
        return self.model.logit_scale.exp()

    def image_features(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 1, H, W) in [-1, 1] -> L2-normalised (N, D); differentiable w.r.t. images."""
        x = clip_input(images.to(self.device, torch.float32), self.preprocess)
        return self.model.encode_image(x, normalize=True)

    @torch.no_grad()
    def text_features(self, prompts: list[str]) -> torch.Tensor:
        """P prompts -> L2-normalised (P, D)."""
        return self.model.encode_text(self.tokenizer(prompts).to(self.device), normalize=True)

    def prompt_probabilities(self, images: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        """(N, 1, H, W), P prompts -> (N, P): softmax over prompts of logit_scale * cosine similarity."""
        logits = self.logit_scale * self.image_features(images) @ self.text_features(prompts).T
        return logits.softmax(dim=-1)

    def labelled_prompt_probabilities(self, images: torch.Tensor, labels: torch.Tensor,
                                      class_names: list[str], templates: list[str]) -> torch.Tensor:
        """(N, 1, H, W), labels (N,), P templates -> (N, P): for image i the softmax over the
        templates filled with its own class name, class_names[labels[i]]."""
        prompts = [t.format(label=name) for name in class_names for t in templates]
        text = self.text_features(prompts).reshape(len(class_names), len(templates), -1)
        text = text[labels.to(self.device)]  # (N, P, D)
        logits = self.logit_scale * torch.einsum("nd,npd->np", self.image_features(images), text)
        return logits.softmax(dim=-1)


# ---------------------------------------------------------------- the in-domain model

def build_model(cfg: ClipTrainConfig, image_size: int) -> open_clip.model.CLIP:
    """A small open_clip CLIP for (image_size x image_size) grayscale images in [-1, 1]."""
    model = open_clip.model.CLIP(
        embed_dim=cfg.embed_dim,
        vision_cfg={"image_size": image_size, "patch_size": cfg.patch_size, "width": cfg.width,
                    "layers": cfg.vision_layers, "head_width": 32, "mlp_ratio": 2.0},
        text_cfg={"context_length": cfg.context_length, "width": cfg.text_width,
                  "heads": max(1, cfg.text_width // 32), "layers": cfg.text_layers, "mlp_ratio": 2.0},
    )
    # mean = std = 0.5 turns [0, 1] back into [-1, 1]: the model sees the images unchanged.
    set_model_preprocess_cfg(model, asdict(PreprocessCfg(size=image_size, mean=(0.5,) * 3, std=(0.5,) * 3)))
    return model


def caption_batch(images: np.ndarray, labels: torch.Tensor, n_classes: int, cfg: ClipTrainConfig,
                  generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw a batch: uint8 images (N, H, W), labels (N,) -> float (B, 1, H, W) in [-1, 1] and
    caption ids (B,) = role * n_classes + label, the role drawn uniformly from CAPTION_ROLES.
    Images with the "blurry" role are blurred, those with "noisy" are noised."""
    index = torch.randint(len(labels), (cfg.batch_size,), generator=generator)
    x = to_model_range(images[index.numpy()])
    role = torch.randint(len(CAPTION_ROLES), (cfg.batch_size,), generator=generator)
    blurred, noised = role == CAPTION_ROLES.index("blurry"), role == CAPTION_ROLES.index("noisy")
    x[blurred] = random_blur(x[blurred], cfg.blur_sigma, generator)
    x[noised] = random_noise(x[noised], cfg.noise_std, generator)
    return x, role * n_classes + labels[index]


def _param_groups(model: torch.nn.Module, weight_decay: float) -> list[dict]:
    """Weight decay on matrices only (not biases, norms, embeddings' scales or the logit scale)."""
    params = [p for p in model.parameters() if p.requires_grad]
    return [{"params": [p for p in params if p.ndim >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]


def _warmup_cosine(warmup_steps: int, total_steps: int):
    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
    return factor


def train_scorer(images: np.ndarray, labels: np.ndarray, class_names: list[str], cfg: ClipTrainConfig,
                 device: torch.device) -> open_clip.model.CLIP:
    """Train the in-domain CLIP with open_clip's ClipLoss on captioned, partly corrupted images.

    images: uint8 (N, H, W); labels: int64 (N,). Returns the trained model in eval mode.
    The text tower encodes the len(CAPTION_ROLES) * n_classes distinct captions once per step and
    the batch gathers them: the same features ClipLoss would get from encoding every caption.
    """
    if set(cfg.captions) != set(CAPTION_ROLES):
        raise ParamsError(f"params.yaml: clip.train.captions must have exactly the keys {', '.join(CAPTION_ROLES)}")
    labels = torch.tensor(labels)
    with torch.random.fork_rng(devices=[]):  # initial weights from the config's seed, not global state
        torch.manual_seed(cfg.seed)
        model = build_model(cfg, image_size=images.shape[-1]).to(device)
    generator = torch.Generator().manual_seed(cfg.seed)
    captions = [cfg.captions[role].format(label=name) for role in CAPTION_ROLES for name in class_names]
    tokens = open_clip.tokenizer.SimpleTokenizer(context_length=cfg.context_length)(captions).to(device)
    preprocess = get_model_preprocess_cfg(model)
    optimizer = torch.optim.AdamW(_param_groups(model, cfg.weight_decay), lr=cfg.lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, _warmup_cosine(cfg.warmup_steps, cfg.steps))
    loss_fn = open_clip.loss.ClipLoss()
    model.train()
    progress = tqdm(range(cfg.steps), desc="train clip scorer", mininterval=2.0)
    for _ in progress:
        x, caption_ids = caption_batch(images, labels, len(class_names), cfg, generator)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
            image_features = model.encode_image(clip_input(x.to(device), preprocess), normalize=True)
            text_features = model.encode_text(tokens, normalize=True)[caption_ids.to(device)]
        loss = loss_fn(image_features.float(), text_features.float(), model.logit_scale.exp())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0.0, math.log(100.0))  # CLIP's cap on the temperature
        progress.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    return model.eval()


def save_scorer(model: open_clip.model.CLIP, cfg: ClipTrainConfig, path: str | Path) -> None:
    """Write the weights with the config and image size that rebuild the model."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": to_dict(cfg), "image_size": int(model.visual.image_size[0]),
                "state_dict": model.state_dict()}, path)


def load_trained(path: str | Path, device: torch.device | str) -> tuple[open_clip.model.CLIP, ClipTrainConfig]:
    """Rebuild the in-domain model from a `save_scorer` file."""
    path = Path(path)
    if not path.is_file():
        raise ScorerError(f"{path}: trained CLIP scorer not found (run `dvc repro train_clip` first)")
    checkpoint = torch.load(path, map_location=device, weights_only=True)
    cfg = ClipTrainConfig(**checkpoint["config"])
    model = build_model(cfg, checkpoint["image_size"])
    model.load_state_dict(checkpoint["state_dict"])
    return model.to(device).eval(), cfg


# ---------------------------------------------------------------- loading any scorer

def load_scorer(model: str, pretrained: str, device: torch.device | str,
                trained_path: str | Path = "models/clip_scorer.pt") -> Scorer:
    """`model == "trained"`: the in-domain scorer at trained_path. Otherwise an open_clip
    architecture name with `pretrained` a tag or a local state-dict file.
    Raises ScorerError, with a one-line message, when the weights cannot be obtained."""
    if model == "trained":
        clip_model, cfg = load_trained(trained_path, device)
        return Scorer(clip_model, open_clip.tokenizer.SimpleTokenizer(context_length=cfg.context_length), device)
    if model not in open_clip.list_models():
        raise ScorerError(f"clip.model: unknown open_clip architecture {model!r} "
                          "(use 'trained' or a name from open_clip.list_models())")
    is_tag = pretrained in open_clip.list_pretrained_tags_by_model(model)
    if not is_tag and not Path(pretrained).is_file():
        raise ScorerError(f"clip.pretrained: {pretrained!r} is neither a known tag for {model} "
                          f"nor an existing file; {HOW_TO_PROVIDE}")
    try:
        clip_model = open_clip.create_model(model, pretrained=pretrained, device=device, require_pretrained=True)
        tokenizer = open_clip.get_tokenizer(model)
    except (RuntimeError, OSError, ValueError) as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0][:200]
        problem = (f"could not download the {pretrained!r} weights for {model} (offline?)" if is_tag
                   else f"{pretrained} does not hold {model} weights ({reason})")
        raise ScorerError(f"clip.pretrained: {problem}; {HOW_TO_PROVIDE}") from None
    return Scorer(clip_model, tokenizer, device)


# ---------------------------------------------------------------- validation and per-sample scores

@torch.no_grad()
def _batched(fn, images: torch.Tensor, labels: torch.Tensor, batch_size: int) -> torch.Tensor:
    """fn(images[i:j], labels[i:j]) over batches, concatenated on the CPU."""
    return torch.cat([fn(images[i:i + batch_size], labels[i:i + batch_size]).float().cpu()
                      for i in range(0, len(images), batch_size)])


def zero_shot_accuracy(scorer: Scorer, images: torch.Tensor, labels: torch.Tensor, class_names: list[str],
                       template: str, batch_size: int = 500) -> float:
    """Fraction of images (N, 1, H, W) whose most probable class prompt is their label's."""
    prompts = [template.format(label=name) for name in class_names]
    probabilities = _batched(lambda x, _: scorer.prompt_probabilities(x, prompts), images, labels, batch_size)
    return float((probabilities.argmax(dim=1) == labels).float().mean())


def clear_probability(scorer: Scorer, images: torch.Tensor, labels: torch.Tensor, class_names: list[str],
                      clear_template: str, blurry_template: str, batch_size: int = 500) -> torch.Tensor:
    """(N,) P(clear prompt) in the softmax over {clear, blurry}, both filled with each image's class."""
    templates = [clear_template, blurry_template]
    return _batched(lambda x, y: scorer.labelled_prompt_probabilities(x, y, class_names, templates),
                    images, labels, batch_size)[:, 0]


def roc_auc(positive: np.ndarray | torch.Tensor, negative: np.ndarray | torch.Tensor) -> float:
    """P(score of a positive > score of a negative), ties counting one half (Mann-Whitney U / n_pos n_neg)."""
    positive, negative = np.asarray(positive, dtype=np.float64), np.asarray(negative, dtype=np.float64)
    scores = np.concatenate([positive, negative])
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2.0  # 1-based rank, averaged over ties
    rank_sum = average_rank[inverse[:len(positive)]].sum()
    n_pos, n_neg = len(positive), len(negative)
    return float((rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def validation_metrics(scorer: Scorer, images: np.ndarray, labels: np.ndarray, class_names: list[str],
                       class_prompt: str, prompts: dict[str, str], blur_sigma: list[float],
                       noise_std: list[float], seed: int) -> dict[str, float]:
    """Zero-shot accuracy with class_prompt, and ROC AUC of P(clear) separating the clean images
    from blurred and from noised copies (prompts["clear"] vs prompts["blurry"]).
    images: uint8 (N, H, W); labels: (N,)."""
    x, y = to_model_range(images), torch.as_tensor(labels)
    generator = torch.Generator().manual_seed(seed)
    clear = {name: clear_probability(scorer, batch, y, class_names, prompts["clear"], prompts["blurry"])
             for name, batch in [("clean", x), ("blurred", random_blur(x, blur_sigma, generator)),
                                 ("noised", random_noise(x, noise_std, generator))]}
    return {"zero_shot_accuracy": zero_shot_accuracy(scorer, x, y, class_names, class_prompt),
            "auc_clear_vs_blurred": roc_auc(clear["clean"], clear["blurred"]),
            "auc_clear_vs_noised": roc_auc(clear["clean"], clear["noised"])}


def score_samples(scorer: Scorer, images: torch.Tensor, labels: torch.Tensor, class_names: list[str],
                  prompts: dict[str, str], class_prompt: str, batch_size: int = 500) -> pd.DataFrame:
    """Per-sample scores of generated images (N, 1, H, W) in [-1, 1] with requested labels (N,).

    One column per key of `prompts` (e.g. good, clear, blurry): the probability in [0, 1] of that
    prompt in the softmax over all of them, each filled with the requested class name. Column
    class_prob: the probability of the requested class in the softmax over the class prompts.
    """
    labels = torch.as_tensor(labels)
    templates = list(prompts.values())
    by_prompt = _batched(lambda x, y: scorer.labelled_prompt_probabilities(x, y, class_names, templates),
                         images, labels, batch_size)
    class_prompts = [class_prompt.format(label=name) for name in class_names]
    by_class = _batched(lambda x, _: scorer.prompt_probabilities(x, class_prompts), images, labels, batch_size)
    columns = {key: by_prompt[:, i].numpy() for i, key in enumerate(prompts)}
    columns["class_prob"] = by_class.gather(1, labels[:, None]).squeeze(1).numpy()
    return pd.DataFrame(columns)
