"""Classify image files with a trained model (``shenjing predict``).

A photo or drawing of a digit rarely looks like MNIST, so each file is brought to
MNIST's conventions first: grey, a light digit on a black background (inverted when the
background is light), the digit's bounding box scaled to fit a 20x20 box keeping its
aspect ratio, and placed in the 28x28 image so that its centre of mass is the centre.
Then the training transform (ToTensor + Normalize) applies, as in training.
"""
import os

import numpy as np

from .autograd.grad_mode import no_grad
from .tensor import Tensor

__all__ = ["load_grey", "mnist_like", "predict_files", "format_predictions", "transform_for"]


def _pil():
    try:
        from PIL import Image, ImageOps
    except ImportError:
        raise ImportError("shenjing predict needs Pillow to read images: pip install pillow") \
            from None
    return Image, ImageOps


def load_grey(path):
    """Any image file -> float grey values in [0, 1], shape (H, W); transparency
    is composited on white (a drawing app's transparent canvas is its background)."""
    Image, ImageOps = _pil()
    try:
        img = Image.open(path)
        img = ImageOps.exif_transpose(img)
        if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
            rgba = img.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            img = Image.alpha_composite(white, rgba)
        grey = np.asarray(img.convert("L"), np.float64) / 255.0
    except (OSError, ValueError) as e:
        raise ValueError(f"shenjing predict: can't read {path} as an image ({e})") from None
    return grey


def mnist_like(grey, size=28, box=None):
    """(H, W) grey in [0, 1] -> (size, size) uint8 in MNIST's layout (see module doc)."""
    Image, _ = _pil()
    box = box or (max(1, round(size * 20 / 28)) if size >= 16 else size)
    ink = 1.0 - grey if np.median(_border(grey)) > 0.5 else grey  # light digit on dark
    ink = np.clip(ink - np.median(_border(ink)), 0, 1)  # background (paper grey) -> 0
    if ink.max() <= 0:
        return np.zeros((size, size), np.uint8)
    ink /= ink.max()
    rows, cols = np.nonzero(ink > 0.2)  # bounding box of clear ink (noise ignored)
    crop = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    img = Image.fromarray((crop * 255).astype(np.uint8)).resize((nw, nh), Image.LANCZOS)
    digit = np.asarray(img, np.float64)
    # centre of mass -> image centre (shift on a larger canvas, then cut)
    canvas = np.zeros((3 * size, 3 * size))
    top, left = size + (size - nh) // 2, size + (size - nw) // 2
    canvas[top:top + nh, left:left + nw] = digit
    total = canvas.sum()
    if total > 0:
        ys, xs = np.indices(canvas.shape)
        cy, cx = (ys * canvas).sum() / total, (xs * canvas).sum() / total
        dy, dx = int(round(1.5 * size - cy)), int(round(1.5 * size - cx))  # MNIST: (14, 14)
        canvas = np.roll(canvas, (dy, dx), axis=(0, 1))
    out = canvas[size:2 * size, size:2 * size]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _border(a):
    return np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])


def predict_files(model, paths, transform, classes, topk=3, image_size=(28, 28)):
    """Classify each image file; returns one dict per file:
    {"path", "image" (the preprocessed uint8 array), "top": [(class, probability), ...]}."""
    from .ops import softmax
    h, w = image_size
    if h != w:
        raise ValueError(f"predict_files: expected a square model input, got {h}x{w}")
    images = [mnist_like(load_grey(p), h) for p in paths]
    batch = [transform(img) if transform is not None else
             Tensor._make(img[None].astype(np.float32) / 255, None) for img in images]
    x = Tensor._make(np.stack([b._data for b in batch]), None)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            probs = softmax(model(x), dim=1)._data
    finally:
        model.train(was_training)
    k = min(topk, probs.shape[1])
    results = []
    for path, img, p in zip(paths, images, probs):
        order = np.argsort(-p, kind="stable")[:k]
        results.append({"path": os.fspath(path), "image": img,
                        "top": [(classes[i], float(p[i])) for i in order]})
    return results


def format_predictions(results):
    """One line per file: 'digit.png: 7 (97.1%), 1 (1.2%), 9 (0.8%)'."""
    return "\n".join(f"{r['path']}: " + ", ".join(f"{c} ({100 * p:.1f}%)" for c, p in r["top"])
                     for r in results)


def transform_for(config):
    """The test-time transform of the data set a checkpoint was trained on."""
    from .training import FASHION_MEAN, FASHION_STD, MNIST_MEAN, MNIST_STD, _pixel_stats
    from .vision import datasets, transforms
    name = config.get("dataset", "mnist")
    if name == "digits":
        mean, std = _pixel_stats(datasets.Digits(train=True))
    elif name == "fashion-mnist":
        mean, std = FASHION_MEAN, FASHION_STD
    else:
        mean, std = MNIST_MEAN, MNIST_STD
    return transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])
