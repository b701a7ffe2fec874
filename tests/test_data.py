import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from fashion_diffusion.data.fashion_mnist import IDX_MD5, DataError, check_source, parse_idx, read_verified
from fashion_diffusion.data.prepared import load_raw, to_model_range, to_uint8
from tests.support.tiny import write_tiny_params

DEBIAN = Path("/usr/share/datasets/fashion-mnist")
ROOT = Path(__file__).resolve().parents[1]


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_parse_idx_round_trip():
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(parse_idx(_idx(array)), array)


def test_wrong_checksum_names_the_file(tmp_path):
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx(np.zeros(10, dtype=np.uint8))))
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte\.gz: md5 of the decompressed data is"):
        read_verified(tmp_path, "train-labels-idx1-ubyte")


def test_check_source_fails_where_prepare_would_and_names_data_source(tmp_path):
    absent = tmp_path / "absent"
    check_source(str(absent), download_fallback=True)  # prepare downloads
    with pytest.raises(DataError) as error:
        check_source(str(absent), download_fallback=False)
    assert str(error.value) == (
        f"params.yaml: data.source: {absent}: folder not found (install Debian's "
        "dataset-fashion-mnist or set data.download_fallback: true)"
    )

    (tmp_path / "a-file").write_text("")
    for fallback in (True, False):  # a file is no folder, and prepare would not download over it either
        with pytest.raises(DataError) as error:
            check_source(str(tmp_path / "a-file"), download_fallback=fallback)
        assert str(error.value) == (
            f"params.yaml: data.source: {tmp_path / 'a-file'}: not a folder (name the folder holding the four "
            "Fashion-MNIST idx files, or a path where nothing is, to download them)"
        )

    stems = list(IDX_MD5)
    (tmp_path / f"{stems[0]}.gz").write_bytes(b"")
    (tmp_path / stems[1]).write_bytes(b"")  # plain idx files are read too
    for fallback in (True, False):  # a folder that exists is used, download or not
        with pytest.raises(DataError) as error:
            check_source(str(tmp_path), download_fallback=fallback)
        assert str(error.value).startswith(f"params.yaml: data.source: {tmp_path} lacks {stems[2]}.gz, {stems[3]}.gz ")
        assert "\n" not in str(error.value)
    for stem in stems[2:]:
        (tmp_path / f"{stem}.gz").write_bytes(b"")
    check_source(str(tmp_path), download_fallback=False)
    if DEBIAN.is_dir():
        check_source(str(DEBIAN), download_fallback=False)


def test_prepare_stage_reports_bad_data_in_one_line(tmp_path):
    write_tiny_params(tmp_path, data__source=str(tmp_path), data__download_fallback=False)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx(np.zeros((2, 28, 28)))))
    result = subprocess.run(
        [sys.executable, str(ROOT / "stages/prepare.py")], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {tmp_path}/train-images-idx3-ubyte.gz: md5 of the decompressed data is ")
    assert lines[0].endswith("expected f4a8712d7a061bf5bd6d2ca38dc4d50a")
    assert not (tmp_path / "data").exists()


@pytest.mark.skipif(not DEBIAN.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_debian_files_verify_and_load():
    data = load_raw(DEBIAN, train_limit=100, test_limit=50)
    assert data.train_images.shape == (100, 28, 28) and data.train_images.dtype == np.uint8
    assert data.test_labels.shape == (50,) and set(data.train_labels) <= set(range(10))


def test_model_range_round_trip():
    images = np.array([[[0, 128, 255]]], dtype=np.uint8)
    x = to_model_range(images)
    assert x.shape == (1, 1, 1, 3) and x.min() == -1 and x.max() == 1
    np.testing.assert_array_equal(to_uint8(x), images)
    assert torch.is_tensor(x)


def test_corrupt_and_truncated_gzip_name_the_file(tmp_path):
    packed = gzip.compress(_idx(np.zeros(10, dtype=np.uint8)))
    flipped = bytearray(packed)
    flipped[len(flipped) // 2] ^= 0xFF
    for name, content in (("flipped byte", bytes(flipped)), ("truncated", packed[: len(packed) // 2])):
        (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(content)
        with pytest.raises(DataError, match=r"train-labels-idx1-ubyte\.gz: corrupt or truncated gzip") as error:
            read_verified(tmp_path, "train-labels-idx1-ubyte")
        assert "\n" not in str(error.value), name
