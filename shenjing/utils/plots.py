"""PNG plots of a training run with matplotlib: curves, confusion matrix, mistakes, filters.

Figures are drawn on matplotlib's ``Figure`` object directly (Agg renderer), never
through pyplot, so nothing opens a window or changes global matplotlib state.
Each function writes ``path`` and returns it.
"""
import math
import os

import numpy as np

from ..tensor import Tensor

__all__ = ["plot_training_curves", "plot_confusion_matrix", "plot_misclassified",
           "plot_first_layer", "plot_training_report"]


def _figure(width, height):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("shenjing.utils.plots needs matplotlib: pip install matplotlib") \
            from None
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _save(fig, path):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def _np(x):
    return x.detach()._data if isinstance(x, Tensor) else np.asarray(x)


def plot_training_curves(history, path, title=None):
    """Loss and accuracy per epoch from ``history`` (dicts with epoch, train_loss,
    train_acc, test_acc; accuracies in percent, as ``shenjing train`` records them)."""
    if not history:
        raise ValueError("plot_training_curves: the history is empty")
    epochs = [h.get("epoch", i + 1) for i, h in enumerate(history)]
    fig = _figure(10, 4)
    ax_loss, ax_acc = fig.subplots(1, 2)
    for key, label in (("train_loss", "train"), ("test_loss", "test")):
        if key in history[0]:
            ax_loss.plot(epochs, [h[key] for h in history], marker="o", label=label)
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
    for key, label in (("train_acc", "train"), ("test_acc", "test")):
        if key in history[0]:
            values = [h[key] for h in history]
            ax_acc.plot(epochs, values, marker="o", label=f"{label} ({values[-1]:.2f}%)")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
        ax.xaxis.get_major_locator().set_params(integer=True)
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def plot_confusion_matrix(cm, classes, path, normalize=False, title="Confusion matrix"):
    """Rows are true classes, columns predictions; each cell shows its count (or row %)."""
    cm = _np(cm).astype(np.float64)
    n = cm.shape[0]
    if cm.shape != (n, n) or len(classes) != n:
        raise ValueError(f"plot_confusion_matrix: expected a square matrix for {len(classes)} "
                         f"classes, got shape {cm.shape}")
    shown = cm / np.maximum(cm.sum(1, keepdims=True), 1) * 100 if normalize else cm
    size = max(5.0, 0.6 * n + 2)
    fig = _figure(size + 1, size)
    ax = fig.subplots()
    im = ax.imshow(shown, cmap="Blues")
    fig.colorbar(im, ax=ax, shrink=0.8, label="% of true class" if normalize else "count")
    ax.set_xticks(range(n), [str(c) for c in classes], rotation=45 if n > 10 else 0)
    ax.set_yticks(range(n), [str(c) for c in classes])
    ax.set(xlabel="predicted", ylabel="true", title=title)
    high = shown.max() / 2 if shown.size else 0
    for i in range(n):
        for j in range(n):
            text = f"{shown[i, j]:.1f}" if normalize else f"{int(cm[i, j])}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if shown[i, j] > high else "black")
    return _save(fig, path)


def _as_images(images):
    """(N, H, W), (N, 1, H, W) or (N, 3, H, W) -> (N, H, W) or (N, H, W, 3) for imshow."""
    arr = _np(images).astype(np.float64)
    if arr.ndim == 4:
        arr = arr[:, 0] if arr.shape[1] == 1 else arr.transpose(0, 2, 3, 1)
    if arr.ndim == 2:  # flat rows: assume square images
        side = int(round(math.sqrt(arr.shape[1])))
        arr = arr.reshape(len(arr), side, side)
    return arr


def plot_misclassified(images, pred, true, classes, path, max_images=36, probs=None):
    """A grid of the first test images the model got wrong, titled 'pred (true)'."""
    pred, true = _np(pred).ravel(), _np(true).ravel()
    wrong = np.flatnonzero(pred != true)[:max_images]
    if len(wrong) == 0:
        raise ValueError("plot_misclassified: no misclassified images to show")
    imgs = _as_images(images)[wrong]
    cols = min(6, len(wrong))
    rows = math.ceil(len(wrong) / cols)
    fig = _figure(1.7 * cols, 1.9 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax in axes:
        ax.axis("off")
    for ax, img, i in zip(axes, imgs, wrong):
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
        label = f"{classes[pred[i]]} ({classes[true[i]]})"
        if probs is not None:
            label += f" {100 * float(_np(probs)[i].max()):.0f}%"
        ax.set_title(label, color="tab:red", fontsize=9)
    fig.suptitle("Misclassified: predicted (true)")
    return _save(fig, path)


def plot_first_layer(weights, path, image_shape=None, max_units=64, title=None):
    """First-layer weights as images: Linear rows reshaped to the input image
    (default square, e.g. 28x28) or conv filters (first input channel, or RGB)."""
    if hasattr(weights, "parameters") and not isinstance(weights, Tensor):
        weights = _first_weight(weights)
    w = _np(weights).astype(np.float64)[:max_units]
    if w.ndim == 2:
        shape = image_shape or (int(round(math.sqrt(w.shape[1]))),) * 2
        if int(np.prod(shape)) != w.shape[1]:
            raise ValueError(f"plot_first_layer: rows of {w.shape[1]} weights don't fit images "
                             f"of shape {tuple(shape)}; pass image_shape")
        tiles = w.reshape((len(w),) + tuple(shape[-2:]))
    elif w.ndim == 4:
        tiles = w.transpose(0, 2, 3, 1) if w.shape[1] == 3 else w[:, 0]
    else:
        raise ValueError(f"plot_first_layer: expected a Linear (out, in) or conv "
                         f"(out, in, kh, kw) weight, got shape {w.shape}")
    cols = math.ceil(math.sqrt(len(tiles)))
    rows = math.ceil(len(tiles) / cols)
    fig = _figure(1.3 * cols, 1.3 * rows + 0.5)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax in axes:
        ax.axis("off")
    for k, (ax, tile) in enumerate(zip(axes, tiles)):
        if tile.ndim == 3:  # RGB filter: stretch to [0, 1]
            ax.imshow((tile - tile.min()) / (np.ptp(tile) or 1))
        else:  # red positive, blue negative, white zero
            lim = np.abs(tile).max() or 1
            ax.imshow(tile, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(str(k), fontsize=7)
    fig.suptitle(title or f"First-layer weights ({len(tiles)} units)")
    return _save(fig, path)


def _first_weight(model):
    for name, p in model.named_parameters():
        if name.endswith("weight") and p.ndim in (2, 4):
            return p
    raise ValueError(f"plot_first_layer: {type(model).__name__} has no Linear or conv weight")


def plot_training_report(out_dir, model, history, test_loader, classes, max_images=36):
    """All four plots of a finished run into ``out_dir``; returns the paths written.

    The first-layer plot is left out when that layer's weights are not images (an RNN).
    """
    from ..autograd.grad_mode import no_grad
    preds, trues, wrong = [], [], []  # wrong: (image, pred, true) of the first mistakes
    model.eval()
    with no_grad():
        for x, y in test_loader:
            p, t = model(x).argmax(1).numpy(), _np(y)
            preds.append(p)
            trues.append(t)
            for i in np.flatnonzero(p != t)[:max_images - len(wrong)]:
                wrong.append((_np(x)[i], p[i], t[i]))
    pred, true = np.concatenate(preds), np.concatenate(trues)
    cm = np.zeros((len(classes), len(classes)), np.int64)
    np.add.at(cm, (true, pred), 1)
    paths = [plot_training_curves(history, os.path.join(out_dir, "curves.png")),
             plot_confusion_matrix(cm, classes, os.path.join(out_dir, "confusion_matrix.png"))]
    if wrong:
        imgs, p, t = (np.stack(v) for v in zip(*wrong))
        paths.append(plot_misclassified(imgs, p, t, classes,
                                        os.path.join(out_dir, "misclassified.png"), max_images))
    try:
        paths.append(plot_first_layer(model, os.path.join(out_dir, "first_layer.png")))
    except ValueError:
        pass
    return paths
