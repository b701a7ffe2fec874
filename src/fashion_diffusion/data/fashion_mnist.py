"""The Fashion-MNIST idx files: find them, decompress, verify their md5, decode.

Debian's dataset-fashion-mnist ships the four .gz files with headers that differ from upstream,
so the md5 is checked on the *decompressed* bytes. Elsewhere, torchvision downloads them.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from pathlib import Path

import numpy as np

from ..core.errors import InputError

IDX_MD5 = {  # of the decompressed idx bytes
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}


class DataError(InputError, RuntimeError):
    """Missing or corrupt dataset files; the message names the file."""


def parse_idx(raw: bytes) -> np.ndarray:
    """Decode an idx file (big-endian header, then uint8 data) into an array."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError("not an unsigned-byte idx file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise DataError(f"idx header says {dims} but holds {data.size} bytes")
    return data.reshape(dims)


def read_verified(folder: Path, stem: str) -> np.ndarray:
    """Read `<stem>.gz` (or the plain `<stem>`) from folder, check its md5 and decode it."""
    gz, plain = folder / f"{stem}.gz", folder / stem
    if gz.exists():
        name = gz
        try:
            raw = gzip.decompress(gz.read_bytes())
        except (OSError, EOFError, zlib.error) as error:
            raise DataError(f"{gz}: corrupt or truncated gzip ({error})") from None
    elif plain.exists():
        raw, name = plain.read_bytes(), plain
    else:
        raise DataError(f"{gz}: file not found")
    digest = hashlib.md5(raw).hexdigest()
    if digest != IDX_MD5[stem]:
        raise DataError(f"{name}: md5 of the decompressed data is {digest}, expected {IDX_MD5[stem]}")
    return parse_idx(raw)


def check_source(source: str, download_fallback: bool) -> None:
    """What stage prepare needs from data.source, checked cheaply (files exist; their md5 is checked
    by prepare): a folder holding the four idx files (each .gz or plain), or, with
    data.download_fallback, nothing at that path at all (prepare downloads). Anything else that
    exists there (a file, say) is refused, download or not: prepare would not use it."""
    folder = Path(source)
    if folder.exists() and not folder.is_dir():
        raise DataError(
            f"params.yaml: data.source: {folder}: not a folder (name the folder holding the four Fashion-MNIST "
            "idx files, or a path where nothing is, to download them)"
        )
    if folder.is_dir():
        missing = [
            f"{stem}.gz" for stem in IDX_MD5 if not (folder / f"{stem}.gz").is_file() and not (folder / stem).is_file()
        ]
        if missing:
            raise DataError(
                f"params.yaml: data.source: {folder} lacks {', '.join(missing)} (the four Fashion-MNIST "
                "idx files; install Debian's dataset-fashion-mnist)"
            )
    elif not download_fallback:
        raise DataError(
            f"params.yaml: data.source: {folder}: folder not found (install Debian's dataset-fashion-mnist "
            "or set data.download_fallback: true)"
        )


def find_source(source: str, download_fallback: bool, download_dir: str) -> Path:
    """The folder with the idx files: `source` if present, else torchvision's download."""
    folder = Path(source)
    if folder.is_dir():
        return folder
    if folder.exists():
        raise DataError(f"{folder}: not a folder (data.source names the folder holding the four idx files)")
    if not download_fallback:
        raise DataError(
            f"{folder}: folder not found (install Debian's dataset-fashion-mnist or set data.download_fallback: true)"
        )
    from torchvision.datasets import FashionMNIST

    print(f"{folder} not found; downloading Fashion-MNIST with torchvision into {download_dir}")
    try:
        FashionMNIST(download_dir, train=True, download=True)
        FashionMNIST(download_dir, train=False, download=True)
    except (OSError, RuntimeError) as error:
        raise DataError(f"{folder} not found and the download failed ({str(error).splitlines()[0][:120]})") from None
    return Path(download_dir) / "FashionMNIST" / "raw"
