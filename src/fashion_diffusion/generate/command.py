"""`fashion-diffusion generate`: images of named classes from models/diffusion.pt or an MLflow model.

    fashion-diffusion generate --class sandal --n 16 --out grid.png
    fashion-diffusion generate --class all --n 8 --sampler dpmpp_2m --steps 20 --style ink=bold --out all.png --out all.npz
    fashion-diffusion generate --model models:/fashion-diffusion/3 --class bag --out bags.png

Settings not given come with the model: params.yaml's `sample` section for a checkpoint, the settings
logged with an MLflow model. Every class starts from the same seeded noise, so a grid column shows
the classes from one starting point.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tqdm.auto import tqdm

from ..config.sampler_names import SAMPLERS
from ..model.checkpoint import DIFFUSION_MODEL


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--class",
        dest="classes",
        nargs="+",
        default=["all"],
        metavar="NAME",
        help="class names (sandal, 'ankle boot', ...) or all (default)",
    )
    parser.add_argument("--n", type=int, default=8, help="images per class (default 8)")
    parser.add_argument(
        "--out",
        type=Path,
        action="append",
        required=True,
        help="a .png grid and/or an .npz of the images (repeat for both)",
    )
    parser.add_argument(
        "--model",
        default=str(DIFFUSION_MODEL),
        help=f"a checkpoint or an MLflow model URI such as models:/fashion-diffusion/1 (default {DIFFUSION_MODEL})",
    )
    parser.add_argument("--sampler", help=f"one of {', '.join(SAMPLERS)} (default: the model's)")
    parser.add_argument("--steps", type=int, help="sampler steps (default: the model's)")
    parser.add_argument("--eta", type=float, help="DDIM noise level in [0, 1] (default: the model's)")
    parser.add_argument("--guidance", type=float, help="classifier-free guidance scale (default: the model's)")
    parser.add_argument(
        "--style",
        dest="styles",
        action="append",
        default=[],
        metavar="ATTRIBUTE=LEVEL",
        help="e.g. ink=bold, slant=left (repeatable)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the starting noise (default 0)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def run(args: argparse.Namespace) -> None:
    import numpy as np

    from ..core.runtime import resolve_device
    from . import files
    from .requests import checked_count, class_indices
    from .source import load_generator

    files.check_outputs(args.out)
    count = checked_count(args.n)
    generator = load_generator(args.model, resolve_device(args.device, "--device"))
    classes = class_indices(args.classes, generator.class_names)
    given = {"sampler": args.sampler, "steps": args.steps, "eta": args.eta, "guidance_scale": args.guidance}
    sampling = generator.defaults.replace(**{key: value for key, value in given.items() if value is not None})
    generator.check(sampling)
    images = []
    with tqdm(total=count * len(classes), unit="image", desc="generate", disable=not args.progress) as bar:
        for index in classes:
            images.append(generator.images(index, count, args.seed, sampling, args.styles, progress=args.progress))
            bar.update(count)
    images, labels = np.concatenate(images), np.repeat(classes, count)
    title = f"{sampling.sampler}, {sampling.steps} steps, guidance {sampling.guidance_scale:g}, seed {args.seed}"
    title += f", {' '.join(args.styles)}" if args.styles else ""
    settings = {**sampling.kwargs(), "seed": args.seed, "styles": args.styles}
    for path in args.out:
        files.write(path, images, labels, generator.class_names, title, settings)
        print(f"wrote {path} ({len(images)} images)")
