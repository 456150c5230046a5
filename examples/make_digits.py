#!/usr/bin/python3
"""Turn Debian's scikit-learn digits (8x8 images of 0-9) into a trawl data set.

Writes an HDF5 file with a fixed split (seed 0):
  train/x float32 [1397, 64], train/y int64 [1397]   the fine-tuning data
  val/x   float32 [400, 64],  val/y   int64 [400]    held out for every eval
  base/x, base/y: the first 300 rows of train, on which the quickstart trains
                  its base model before fine-tuning it on all of train.
Pixels are scaled to [0, 1].

usage: make_digits.py OUT.h5 [--source digits.csv.gz]
"""
import argparse
import gzip

import h5py
import numpy as np

SOURCE = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
VAL_ROWS = 400
BASE_ROWS = 300


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--source", default=SOURCE)
    args = parser.parse_args()

    with gzip.open(args.source, "rt") as f:
        table = np.loadtxt(f, delimiter=",")
    x = (table[:, :-1] / 16.0).astype(np.float32)
    y = table[:, -1].astype(np.int64)
    order = np.random.RandomState(0).permutation(len(y))
    x, y = x[order], y[order]
    val_x, val_y = x[:VAL_ROWS], y[:VAL_ROWS]
    train_x, train_y = x[VAL_ROWS:], y[VAL_ROWS:]

    with h5py.File(args.out, "w") as f:
        f["train/x"], f["train/y"] = train_x, train_y
        f["val/x"], f["val/y"] = val_x, val_y
        f["base/x"], f["base/y"] = train_x[:BASE_ROWS], train_y[:BASE_ROWS]
        f.attrs["source"] = args.source
    print(f"{args.out}: {len(train_y)} train, {len(val_y)} val, {BASE_ROWS} base rows, 64 features, 10 classes")


if __name__ == "__main__":
    main()
