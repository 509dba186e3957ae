"""Tiny TorchScript models for the Java tests (not PSPNet; just the model-file contract).

Regenerate (Debian's python3-torch, from the repository root):
    /usr/bin/python3 notebooks/testmodels/make_test_models.py src/test/resources/models

Writes conv19.pt (19 classes, Cityscapes' count) and conv7.pt (7 classes, for the wrong-class-count test):
input N x 3 x H x W, output N x C x H x W logits at the input's own size, so one traced file serves any size.
conv19-precisions.pt is conv19 with a forward_bf16 method, made as notebooks/pspnet/export.py makes it (for
--precision bf16).
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class TwoConv(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.features = nn.Conv2d(3, 8, 3, padding=1)
        self.classifier = nn.Conv2d(8, classes, 3, stride=2, padding=1)

    def forward(self, x):
        y = self.classifier(F.relu(self.features(x)))
        # The size comes from the input tensor, so tracing does not freeze it.
        return F.interpolate(y, size=(x.shape[2], x.shape[3]), mode="bilinear", align_corners=True)


def main(out_dir):
    torch.manual_seed(0)
    for classes in (19, 7):
        model = TwoConv(classes).eval()
        traced = torch.jit.trace(model, torch.randn(1, 3, 65, 65))
        other = torch.randn(2, 3, 41, 97)
        assert torch.allclose(traced(other), model(other), atol=1e-6), "traced model is not size-generic"
        traced.save(f"{out_dir}/conv{classes}.pt")
        if classes == 19:
            sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pspnet"))
            import export
            export.add_reduced_precision(model, traced, f"{out_dir}/conv19-precisions.pt", ["fp32", "bf16"],
                                         (65, 65), (2, 3, 41, 97))


if __name__ == "__main__":
    main(sys.argv[1])
