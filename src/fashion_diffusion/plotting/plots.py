"""The pipeline's figures, one function each, drawn from a stage's results with `plotting.figures`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch
from matplotlib.ticker import NullFormatter, ScalarFormatter

from ..data.prepared import to_model_range, to_uint8
from ..model.schedule import cosine_schedule, q_sample
from . import figures

FORWARD_FRACTIONS = [0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0]  # of the T steps
EXTREMES_SHOWN = 8  # highest- and lowest-scoring images in the CLIP figures


def forward_diffusion(
    path: Path, images: np.ndarray, labels: np.ndarray, class_names: list[str], timesteps: int, cosine_s: float
) -> None:
    """One training image per class noised to several t with the training schedule."""
    schedule = cosine_schedule(timesteps, cosine_s)
    picks = [int(np.flatnonzero(labels == c)[0]) for c in range(len(class_names))]
    x0 = to_model_range(images[picks])
    steps = [round(f * (timesteps - 1)) for f in FORWARD_FRACTIONS]
    noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(0))
    grid = np.stack([to_uint8(q_sample(schedule, x0, torch.full((len(picks),), t), noise)) for t in steps], axis=1)
    columns = [f"t={t}\nᾱ={schedule.alpha_bars[t]:.2f}" for t in steps]
    figures.image_grid(
        grid, path, row_labels=class_names, col_labels=columns, title="Forward diffusion q(x_t | x_0), cosine schedule"
    )


def loss_curve(path: Path, losses) -> None:
    """losses: a table (or dict) with columns step and loss."""
    figures.line_plot(
        path, {"loss": (losses["step"], losses["loss"])}, "step", "MSE (noise prediction)", "Training loss", logy=True
    )


def sample_grid(path: Path, images: np.ndarray, class_names: list[str], title: str) -> None:
    """uint8 images (classes * per_class, H, W), class-major -> one row per class."""
    per_class = len(images) // len(class_names)
    figures.image_grid(
        images.reshape(len(class_names), per_class, *images.shape[1:]), path, row_labels=class_names, title=title
    )


def denoising(
    path: Path,
    frames: np.ndarray,
    fractions: np.ndarray,
    wanted: list[float],
    per_class: int,
    class_names: list[str],
    title: str,
) -> None:
    """First trajectory of each class (frames (S, N, H, W)) at the recorded points nearest `wanted`."""
    columns = [int(np.argmin(np.abs(fractions - f))) for f in wanted]
    firsts = np.arange(len(class_names)) * per_class
    grid = frames[columns][:, firsts].transpose(1, 0, 2, 3)  # (classes, columns, H, W)
    figures.image_grid(
        grid, path, row_labels=class_names, col_labels=[f"{100 * fractions[c]:.0f}%" for c in columns], title=title
    )


def clip_scores(
    folder: Path, scores: pd.DataFrame, images: np.ndarray, class_names: list[str], columns: list[str]
) -> None:
    """Per-class mean (and std) of each score, and the images with the highest and lowest P(clear)."""
    means = scores.groupby("label")[columns].mean().reindex(range(len(class_names)))
    spread = scores.groupby("label")[columns].std().reindex(range(len(class_names)))
    figures.bar_plot(
        folder / "scores_per_class.png",
        class_names,
        {c: means[c].values for c in columns},
        "probability",
        "CLIP scores per class (mean, std across samples)",
        errors={c: spread[c].values for c in columns},
    )
    order = scores["clear"].sort_values(ascending=False).index.to_numpy()
    shown = min(EXTREMES_SHOWN, len(order) // 2)
    for name, picks in (("highest", order[:shown]), ("lowest", order[::-1][:shown])):
        figures.image_grid(
            images[picks][None],
            folder / f"{name}_clear.png",
            col_labels=[f"{scores.loc[i, 'class']}\n{scores.loc[i, 'clear']:.2f}" for i in picks],
            title=f"Samples with the {name} CLIP P(clear)",
        )


def selection(
    path: Path,
    images: np.ndarray,
    labels: np.ndarray,
    combined: np.ndarray,
    selected: np.ndarray,
    class_names: list[str],
    k: int,
) -> None:
    """Each class's samples ranked by combined CLIP score, the kept ones framed in green."""
    per_class = len(labels) // len(class_names)
    order = np.concatenate(
        [
            np.flatnonzero(labels == c)[np.argsort(-combined[labels == c], kind="stable")]
            for c in range(len(class_names))
        ]
    )
    figures.image_grid(
        images[order].reshape(len(class_names), per_class, *images.shape[1:]),
        path,
        row_labels=class_names,
        highlight=selected[order].reshape(len(class_names), per_class),
        title=f"Samples ranked by combined CLIP score; green = kept (top {k})",
    )


def recognition_curve(path: Path, curve: pd.DataFrame, class_names: list[str]) -> None:
    figures.line_plot(
        path,
        {class_names[c]: (g["fraction"], g["probability"]) for c, g in curve.groupby("label")},
        "fraction of denoising done",
        "judge P(requested class | x0_pred)",
        "When does the predicted x0 become its class?",
    )


def sampler_tradeoff(path: Path, tradeoff: pd.DataFrame) -> None:
    """Judged quality (95% intervals) against seconds per 1000 images, one line per sampler: FID for the
    runs at the default run's n (with the floor at that n; FID at another n has another bias), judge
    accuracy for every run."""
    default = tradeoff[tradeoff["default"]].iloc[0]
    names = tradeoff["sampler"].where(
        tradeoff["sampler"] != "ddim", "ddim (eta " + tradeoff["eta"].map("{:g}".format) + ")"
    )
    names = names.where(
        tradeoff["samples"] == default["samples"], names + ", " + tradeoff["samples"].map(str) + " images"
    )
    panels = [
        ("fid", f"FID (judge features), {default['samples']} images", tradeoff["samples"] == default["samples"]),
        ("accuracy", "judge accuracy", tradeoff["samples"] > 0),
    ]

    def draw(i: int, ax) -> None:
        metric, label, shown = panels[i]
        groups = tradeoff[shown].groupby(names[shown], sort=False)
        series = {name: (g["seconds_per_1000"], g[metric]) for name, g in groups}
        intervals = {name: (g[f"{metric}_low"], g[f"{metric}_high"]) for name, g in groups}
        if metric == "fid":
            times = tradeoff.loc[shown, "seconds_per_1000"].sort_values()
            series["floor (real train vs test)"] = (times, [default["fid_floor"]] * len(times))
        figures.line_plot(None, series, "seconds per 1000 images (after a warm-up)", label, intervals=intervals, ax=ax)
        ax.set_xscale("log")  # DDPM's T steps take ~100x the time of 10 steps
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())

    figures.figure_of_panels(path, 2, draw, "Sampler trade-off (95% intervals)")


# judged-set panels: (column of JudgedSet.flat(), axis label, the column of the real images' value at n)
JUDGED_PANELS = [
    ("fid", "FID (judge features)", "fid_floor"),
    ("accuracy", "judge accuracy", None),
    ("coverage", "coverage (variety)", "coverage_real"),
]


def _judged_panel(ax, table: pd.DataFrame, x: str, xlabel: str, panel: tuple[str, str, str | None]) -> None:
    """One measure of JudgedSet.flat() rows against column x, with 95% intervals and the real value at n."""
    metric, label, real = panel
    series = {label: (table[x], table[metric])}
    if real:
        series["real images at the same n"] = (table[x], table[real])
    intervals = {label: (table[f"{metric}_low"], table[f"{metric}_high"])}
    figures.line_plot(None, series, xlabel, label, intervals=intervals, ax=ax)


def quality_over_training(folder: Path, quality: pd.DataFrame, strip: np.ndarray, class_names: list[str]) -> None:
    """FID (with the floor at the same n), judge accuracy and coverage (with the real value at n) of each
    EMA snapshot, with 95% intervals, and the first sample of every class from each snapshot."""

    def draw(i: int, ax) -> None:
        _judged_panel(ax, quality, "step", "training step", JUDGED_PANELS[i])

    samples = int(quality["samples"].iloc[0])
    figures.figure_of_panels(
        folder / "quality_over_training.png",
        len(JUDGED_PANELS),
        draw,
        f"Quality over training, {samples} images each (95% intervals)",
    )
    figures.image_grid(
        strip.transpose(1, 0, 2, 3),
        folder / "quality_strip.png",
        row_labels=class_names,
        col_labels=[f"step {s}" for s in quality["step"]],
        title="Same seed, EMA snapshots",
    )


def loss_by_timestep(path: Path, by_t: pd.DataFrame) -> None:
    """Held-out noise-prediction MSE by timestep bucket (t_low, t_high, mse, mse_low, mse_high)."""
    figures.line_plot(
        path,
        {"MSE": ((by_t["t_low"] + by_t["t_high"]) / 2, by_t["mse"])},
        "timestep t (bucket centre)",
        "noise-prediction MSE",
        "Held-out loss by timestep (95% intervals)",
        logy=True,
        markers=True,
        intervals={"MSE": (by_t["mse_low"], by_t["mse_high"])},
    )


def accuracy_per_class(path: Path, per_class: pd.DataFrame) -> None:
    figures.bar_plot(
        path,
        list(per_class["class"]),
        {"generated": per_class["generated_accuracy"], "real test": per_class["real_accuracy"]},
        "judge accuracy",
        "Judge accuracy per class",
    )


def class_by_style(
    path: Path,
    images: np.ndarray,
    labels: np.ndarray,
    styles: np.ndarray,
    attributes: list[str],
    levels: pd.DataFrame,
    class_names: list[str],
) -> None:
    """The first image of each class at each requested (attribute, level), one column per row of
    `levels` (attribute, level, level_name, hit_rate: the per-level table of style control), the
    level's hit rate over all its images under its name."""
    columns = [(attributes.index(row["attribute"]), row) for row in levels.to_dict("records")]
    firsts = [
        [np.flatnonzero((labels == c) & (styles[:, a] == row["level"]))[0] for a, row in columns]
        for c in range(len(class_names))
    ]
    figures.image_grid(
        images[np.array(firsts)],
        path,
        row_labels=class_names,
        col_labels=[f"{row['attribute']}=\n{row['level_name']}\n{row['hit_rate']:.0%} hit" for _, row in columns],
        title="Each class at each requested style level (same starting noise along a row; under each level its hit rate)",
    )


def _firsts(labels: np.ndarray, classes: int, per_class: int = 1) -> np.ndarray:
    """Indices of the first `per_class` images of each class, class-major."""
    return np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in range(classes)])


def ablations(
    folder: Path, rows: pd.DataFrame, samples: dict[str, tuple[np.ndarray, np.ndarray]], class_names: list[str]
) -> None:
    """The learning curves (one row of `rows` per variant and budget: the flat keys of its judged set and
    held_out_mse_<bucket> with _low/_high): KID, judge accuracy and coverage against training compute;
    the held-out noise-prediction error per noise-level bucket; and the first sample of each class for
    every variant at the largest budget (the same starting noise down a column). Off-scale points (the
    judge cannot read the set) are drawn hollow."""
    grid = np.stack([images[_firsts(labels, len(class_names))] for images, labels in samples.values()])
    figures.image_grid(
        grid,
        folder / "samples.png",
        row_labels=list(samples),
        col_labels=class_names,
        title="Ablation variants at the largest training budget (same noise down a column)",
    )
    variants = list(dict.fromkeys(rows["variant"]))
    curves = {name: rows[rows["variant"] == name] for name in variants}
    panels = [("kid", "KID (judge features)"), ("accuracy", "judge accuracy"), ("coverage", "coverage")]

    def draw(metric: str, label: str, ax, logy: bool = False) -> None:
        figures.line_plot(
            None,
            {name: (curve["train_gflop"], curve[metric]) for name, curve in curves.items()},
            "training compute (forward GFLOPs, log scale)",
            label,
            intervals={name: (curve[f"{metric}_low"], curve[f"{metric}_high"]) for name, curve in curves.items()},
            ax=ax,
            logx=True,
            logy=logy,
        )
        for curve in curves.values():
            off = curve[~curve["readable"].astype(bool)]
            ax.scatter(off["train_gflop"], off[metric], s=40, facecolors="white", edgecolors="grey", zorder=3)

    figures.figure_of_panels(
        folder / "curves.png",
        len(panels),
        lambda i, ax: draw(*panels[i], ax, logy=panels[i][0] == "kid"),
        "Ablations at equal training compute (95% intervals; hollow: off scale)",
    )
    buckets = sorted({c.rsplit("_", 1)[1] for c in rows.columns if c.startswith("held_out_mse_") and c[-1].isdigit()})
    figures.figure_of_panels(
        folder / "held_out_error.png",
        len(buckets),
        lambda i, ax: draw(
            f"held_out_mse_{buckets[i]}", f"held-out MSE, {rows[f't_range_{buckets[i]}'].iloc[0]}", ax, True
        ),
        "Held-out noise-prediction error by noise level (95% intervals)",
    )


def guidance_sweep(
    folder: Path,
    table: pd.DataFrame,
    distribution: pd.DataFrame,
    images: np.ndarray,
    labels: np.ndarray,
    null_images: np.ndarray,
    null_judged: np.ndarray,
    class_names: list[str],
) -> None:
    """Quality against the guidance scale (JudgedSet.flat() rows with a scale column), the judge's class
    distribution per requested class at each scale (and for the null class), the same noise at every
    scale, and unconditional samples."""

    def draw(i: int, ax) -> None:
        _judged_panel(ax, table, "scale", "guidance scale", JUDGED_PANELS[i])

    figures.figure_of_panels(
        folder / "quality_vs_scale.png", len(JUDGED_PANELS), draw, "Classifier-free guidance sweep (95% intervals)"
    )
    scales = sorted(distribution["scale"].dropna().unique())
    matrices = [
        distribution[distribution["scale"] == s]
        .pivot(index="requested", columns="judged", values="fraction")
        .reindex(index=class_names, columns=class_names)
        .to_numpy()
        for s in scales
    ]
    null = distribution[distribution["scale"].isna()].set_index("judged")["fraction"].reindex(class_names).to_numpy()
    figures.heatmaps(
        folder / "class_distribution.png",
        [np.vstack([m, null]) for m in matrices],
        [f"guidance {s:g}" for s in scales],
        [*class_names, "(null class)"],
        class_names,
        "judged class",
        "requested class",
        "Judge's class distribution (% of each requested class; last row: null class)",
    )
    firsts = _firsts(labels, len(class_names))
    figures.image_grid(
        images[:, firsts],
        folder / "samples_by_scale.png",
        row_labels=[f"scale {s:g}" for s in scales],
        col_labels=class_names,
        title="The same noise at every guidance scale",
    )
    shown = min(len(null_images), 20)
    figures.image_grid(
        null_images[None, :shown],
        folder / "unconditional.png",
        col_labels=[class_names[c] for c in null_judged[:shown]],
        title="Unconditional samples (null class), titled with the judge's class",
    )


def one_step(
    path: Path,
    one_step_images: np.ndarray,
    gradual_images: np.ndarray,
    labels: np.ndarray,
    class_names: list[str],
    per_class: int = 3,
) -> None:
    """For each class: images denoised in one step next to the gradual ones from the same noise."""
    firsts = _firsts(labels, len(class_names), per_class).reshape(len(class_names), per_class)
    grid = np.concatenate([one_step_images[firsts], gradual_images[firsts]], axis=1)
    figures.image_grid(
        grid,
        path,
        row_labels=class_names,
        col_labels=[f"one step {i + 1}" for i in range(per_class)] + [f"gradual {i + 1}" for i in range(per_class)],
        title="Denoised in one step from pure noise vs gradually (same noise per column pair)",
    )


def wrong_timestep(path: Path, by_t: pd.DataFrame) -> None:
    centre = (by_t["t_low"] + by_t["t_high"]) / 2
    figures.line_plot(
        path,
        {c: (centre, by_t[c]) for c in by_t.columns if c not in ("t_low", "t_high")},
        "true timestep t (bucket centre)",
        "noise-prediction MSE",
        "Held-out error by the timestep told",
        logy=True,
        markers=True,
    )


def class_difficulty(path: Path, table: pd.DataFrame) -> None:
    """Each difficulty measure against each property of the real class, one point per class."""
    properties = {
        "pixel_variance": "pixel variance (real)",
        "real_accuracy": "judge accuracy (real)",
        "edge_density": "edge density (real)",
    }
    measures = {"generated_accuracy": "judge accuracy (samples)", "kid": "KID within the class (samples)"}
    panels = [
        (table[p], table[m], properties[p], measures[m], f"{measures[m]} vs {properties[p]}")
        for m in measures
        for p in properties
    ]
    figures.scatter_grid(path, panels, list(table["class"]), columns=len(properties))


def augmentation(path: Path, table: pd.DataFrame) -> None:
    figures.bar_plot(
        path,
        list(table["set"]),
        {"test accuracy": table["accuracy"]},
        "accuracy on the real test set",
        "Classifiers trained on N images per class (95% intervals)",
        intervals={"test accuracy": (table["accuracy_low"], table["accuracy_high"])},
    )
