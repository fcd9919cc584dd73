"""Rebuild the review sample that ships inside course_lib, byte for byte, from an aclImdb folder.

The lecture's text chapters train on the Large Movie Review Dataset (Maas et al., ACL 2011),
which a classroom without network cannot download. The quick profile needs a fraction of it,
so the course ships that fraction as raw text: 12,500 training reviews (6,250 positive, 6,250
negative) drawn from the official training split and 10,000 test reviews (5,000 + 5,000) from
the official test split.

Selection rule: within each official split and label, the reviews whose SHA-256 of
``"<split>/<label>/<id>_<rating>.txt"`` (the official file name, e.g. ``train/pos/0_9.txt``)
sorts first. A hash spreads the choice over the whole split without a random generator whose
stream could change between versions, and it depends only on the official names, so the same
reviews are chosen from Stanford's layout (``train/pos``, ``train/neg``, ``test/pos``,
``test/neg``) and from the common copy whose training part was split into ``train/`` and
``val/`` (both hold official training reviews, with their official ids).

Output: ``course_lib/datasets/data/imdb_sample.jsonl.xz``, one JSON object per review
(``split``, ``label`` 0/1, ``id``, ``rating``, ``text``), ordered by split (train, test), label
(negative first) and id, compressed with xz preset 9; the same input gives the same bytes.

    python scripts/make_imdb_sample.py path/to/aclImdb [--out FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "course_lib" / "datasets" / "data" / "imdb_sample.jsonl.xz"
#: Reviews kept per official split and label.
PER_LABEL = {"train": 6_250, "test": 5_000}
LABELS = ("neg", "pos")
#: Folders that hold official reviews of each split: Stanford's, and a copy's held-out part.
FOLDERS = {"train": ("train", "val"), "test": ("test",)}
REVIEW_NAME = re.compile(r"(\d+)_(\d+)\.txt")


def official_reviews(root: Path, split: str, label: str) -> dict[str, Path]:
    """Official file name (``0_9.txt``) -> path, over every folder holding that split."""
    found: dict[str, Path] = {}
    for folder in FOLDERS[split]:
        directory = root / folder / label
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            if not REVIEW_NAME.fullmatch(path.name):
                continue
            if path.name in found:
                raise ValueError(
                    f"Review {split}/{label}/{path.name} appears twice: {found[path.name]} "
                    f"and {path}. Expected each official review once."
                )
            found[path.name] = path
    return found


def selection_key(split: str, label: str, name: str) -> str:
    return hashlib.sha256(f"{split}/{label}/{name}".encode()).hexdigest()


def select(root: Path, per_label: dict[str, int] = PER_LABEL) -> list[dict]:
    """The sample's records, in the shipped order."""
    if not root.is_dir():
        raise OSError(f"`root` must be an extracted aclImdb folder. Received: root={str(root)!r}")
    records = []
    for split, count in per_label.items():
        for label in LABELS:
            reviews = official_reviews(root, split, label)
            if len(reviews) < count:
                raise ValueError(
                    f"{root} holds {len(reviews)} {split}/{label} reviews; the sample needs "
                    f"{count}. Expected Stanford's aclImdb layout (train/pos, train/neg, "
                    "test/pos, test/neg), optionally with the training part split into "
                    "train/ and val/."
                )
            chosen = sorted(reviews, key=lambda name: selection_key(split, label, name))[:count]
            for name in sorted(chosen, key=lambda name: int(REVIEW_NAME.fullmatch(name)[1])):
                review_id, rating = REVIEW_NAME.fullmatch(name).groups()
                records.append({
                    "split": split, "label": LABELS.index(label), "id": int(review_id),
                    "rating": int(rating),
                    "text": reviews[name].read_bytes().decode("utf-8"),  # no newline mapping
                })
    return records


def encode(records: list[dict]) -> bytes:
    lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    return lzma.compress(lines.encode("utf-8"), format=lzma.FORMAT_XZ, preset=9)


def write(data: bytes, out: Path) -> Path:
    """Write ``data`` to ``out``, never over a different file: an existing ``out`` with other
    bytes is kept, and the new bytes go beside it as ``<out>.new``."""
    if out.exists() and out.read_bytes() == data:
        return out
    target = out.with_name(out.name + ".new") if out.exists() else out
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(data)
    partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="an extracted aclImdb folder")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default: {OUT})")
    args = parser.parse_args(argv)
    data = encode(select(args.root))
    digest = hashlib.sha256(data).hexdigest()
    written = write(data, args.out)
    print(f"{written}: {len(data):,} bytes, sha256 {digest}")
    if written != args.out:
        print(f"{args.out} holds other bytes and was kept; compare the two files.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
