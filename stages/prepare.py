"""Stage prepare: verified Fashion-MNIST arrays and per-class style bins under data/prepared/."""

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.data.fashion_mnist import find_source
from fashion_diffusion.data.prepared import load_raw, save_prepared
from fashion_diffusion.style.bins import fit_style_bins, labels_for

OUTPUTS = ["data/prepared"]


def main() -> None:
    p = load_params()
    folder = find_source(p.data.source, p.data.download_fallback, p.data.download_dir)
    dataset = load_raw(folder, p.data.train_limit, p.data.test_limit)
    bins = fit_style_bins(
        dataset.train_images, dataset.train_labels, p.style.attributes, p.style.levels, p.style.area_threshold
    )
    dataset.train_styles = labels_for(dataset.train_images, dataset.train_labels, bins)
    with stage.Outputs("prepare", OUTPUTS) as out:
        save_prepared(dataset, out("data/prepared") / "fashion_mnist.npz")
        (out("data/prepared") / "style_bins.json").write_text(bins.to_json())
    print(f"prepared {len(dataset.train_labels)} train and {len(dataset.test_labels)} test images from {folder}")


if __name__ == "__main__":
    stage.run(main)
