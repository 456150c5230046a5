#!/usr/bin/python3
"""Export a PyTorch model for trawl (model.kind = "torchscript").

Any nn.Module whose forward takes one tensor works: a batch of features
(float32 [batch, features]) for data.kind = "hdf5", or of byte tokens
(int64 [batch, seq_len]) for data.kind = "text". trawl fine-tunes every
parameter, less those model.freeze names, whose names are the module's own
(here body.0.weight, ..., head.bias).

usage: export_torchscript.py OUT.pt [--features 64] [--classes 10]
"""
import argparse

import torch


class Classifier(torch.nn.Module):
    def __init__(self, features, classes, hidden=128):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(features, hidden), torch.nn.ReLU(),
                                        torch.nn.Linear(hidden, hidden), torch.nn.ReLU())
        self.head = torch.nn.Linear(hidden, classes)

    def forward(self, x):
        return self.head(self.body(x))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--classes", type=int, default=10)
    args = parser.parse_args()
    torch.manual_seed(0)
    module = torch.jit.script(Classifier(args.features, args.classes))
    module.save(args.out)
    print(f"{args.out}: parameters " + ", ".join(name for name, _ in module.named_parameters()))


if __name__ == "__main__":
    main()
