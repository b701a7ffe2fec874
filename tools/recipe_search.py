"""The recipe search (studies.recipe_search): rows of experiments/recipe_search/search.yaml trained at
equal compute and judged at n = per_class x 10; results in experiments/recipe_search/results.json.

usage: python tools/recipe_search.py [--rows NAME ...] [--table] [--profile] [--params FILE]
Only rows that are new or changed since their kept result train. Run it alone: every row is a
training run, and another job on the cores slows it (the table reports each row's seconds).
--table prints the results as the README's markdown table instead of running anything.
--profile runs the long profile instead (experiments/long_profile/profile.yaml: the chosen recipe
trained for many epochs, judged after each): results.json, profile.png and the README's table there.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fashion_diffusion.studies.recipe_search import run_profile, run_search

FOLDER = Path("experiments/recipe_search")
PROFILE = Path("experiments/long_profile")


def describe(changes: dict) -> str:
    """A row's changes in a few words: a new architecture as block, channels, blocks and attention."""
    words = []
    for key, value in changes.items():
        if key == "model.arch":
            continue
        if key.startswith("model.archs.") and isinstance(value, dict):
            shape = f"{value['block']} {'/'.join(map(str, value['channels']))}, {value['blocks_per_level']} per level"
            attention = value["attention_levels"]
            sides = ", ".join(f"{28 >> level}x{28 >> level}" for level in attention)  # level l: 28 / 2^l pixels
            words.append(f"net: {shape}" + (f", attention at {sides}" if attention else ""))
        else:
            words.append(f"`{key}={value}`")
    return ", ".join(words) or "(as is)"


def table(results: dict) -> str:
    """The README's table: one line per row, in the order they ran."""
    lines = [
        "| row | changed from params.yaml | params | GFLOP/img | steps | images seen | train s | FID [95%] | FID/floor "
        "| accuracy | largest class gap |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results.values():
        changes = describe(r["set"]) + (f" on the weights of {r['from']}" if r.get("from") else "")
        t = r["training"]
        lines.append(
            f"| {r['name']} | {changes} | {t['parameters'] / 1e6:.2f}M | {t['gflops_per_image']:.3f} "
            f"| {r['steps']:,} | {r['images_seen']:,} | {t['train_seconds']:.0f} | {r['fid']:.2f} [{r['fid_low']:.2f}, {r['fid_high']:.2f}] "
            f"| {r['fid_over_floor']:.2f} | {r['accuracy']:.3f} | {r['largest_gap'] * 100:.1f} ({r['largest_gap_class']}) |"
        )
    return "\n".join(lines)


def profile_table(results: dict) -> str:
    """The README's long-profile table: one line per epoch."""
    lines = [
        "| epoch | images seen | FID [95%] | FID / floor | judge accuracy | largest class gap |",
        "|---|---|---|---|---|---|",
    ]
    for e in results["epochs"]:
        lines.append(
            f"| {e['epoch']} | {e['images_seen']:,} | {e['fid']:.2f} [{e['fid_low']:.2f}, {e['fid_high']:.2f}] "
            f"| {e['fid_over_floor']:.2f} | {e['accuracy']:.3f} | {e['largest_gap'] * 100:.1f} ({e['largest_gap_class']}) |"
        )
    return "\n".join(lines)


def profile_figure(results: dict, path: Path) -> None:
    """FID / floor (with its interval) and judge accuracy after each epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = results["epochs"]
    x = [e["epoch"] for e in epochs]
    floor = [e["fid_floor"] for e in epochs]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(x, [e["fid_over_floor"] for e in epochs], "o-", label="FID / floor")
    left.fill_between(
        x,
        [e["fid_low"] / f for e, f in zip(epochs, floor)],
        [e["fid_high"] / f for e, f in zip(epochs, floor)],
        alpha=0.25,
        label="95% interval",
    )
    left.axhline(4.0, color="grey", linestyle="--", label="4x the floor")
    left.set(xlabel="epoch (60,000 images)", ylabel="FID / real-data floor (n = 1000)", ylim=(0, None))
    left.legend()
    right.plot(x, [e["accuracy"] * 100 for e in epochs], "o-")
    right.fill_between(
        x, [e["accuracy_low"] * 100 for e in epochs], [e["accuracy_high"] * 100 for e in epochs], alpha=0.25
    )
    right.set(xlabel="epoch (60,000 images)", ylabel="judge accuracy on samples (%)")
    fig.suptitle(f"Long profile: one {len(x)}-epoch run, EMA weights judged after each epoch")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="*", default=[], help="run only these rows")
    parser.add_argument("--table", action="store_true", help="print the results table and stop")
    parser.add_argument("--profile", action="store_true", help="run the long profile instead")
    parser.add_argument(
        "--params",
        type=Path,
        default=Path("params.yaml"),
        help="the params the rows change (the search ran on `git show c0760af:params.yaml`)",
    )
    args = parser.parse_args()
    if args.profile:
        results = run_profile(
            PROFILE / "profile.yaml",
            PROFILE / "results.json",
            args.params,
            Path("models/judge_metrics.json"),
            PROFILE / "weights",
        )
        profile_figure(results, PROFILE / "profile.png")
        print(profile_table(results))
        return
    results_file = FOLDER / "results.json"
    if args.table:
        print(table(json.loads(results_file.read_text())))
        return
    run_search(
        FOLDER / "search.yaml",
        results_file,
        args.params,
        Path("models/judge_metrics.json"),
        FOLDER / "weights",
        args.rows,
    )


if __name__ == "__main__":
    main()
