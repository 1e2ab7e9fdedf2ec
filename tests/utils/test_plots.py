"""shenjing.utils.plots: each function writes a real PNG of a sensible size."""
import sys

import numpy as np
import pytest

import shenjing
from shenjing import nn

pytest.importorskip("matplotlib")
from shenjing.utils import plots  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == PNG
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_training_curves(tmp_path):
    history = [{"epoch": i + 1, "train_loss": 1 / (i + 1), "train_acc": 90 + i,
                "test_acc": 89 + i} for i in range(4)]
    out = plots.plot_training_curves(history, str(tmp_path / "sub" / "curves.png"))
    assert png_size(tmp_path / "sub" / "curves.png") == (1000, 400) and out.endswith(".png")
    with pytest.raises(ValueError, match="empty"):
        plots.plot_training_curves([], str(tmp_path / "x.png"))


@pytest.mark.parametrize("normalize", [False, True])
def test_confusion_matrix(tmp_path, normalize):
    cm = np.diag([5, 6, 7]) + 1
    plots.plot_confusion_matrix(shenjing.tensor(cm), ["a", "b", "c"], str(tmp_path / "cm.png"),
                                normalize=normalize)
    w, h = png_size(tmp_path / "cm.png")
    assert w > h > 300
    with pytest.raises(ValueError, match="square matrix for 2 classes"):
        plots.plot_confusion_matrix(cm, ["a", "b"], str(tmp_path / "cm.png"))


def test_misclassified_grid(tmp_path):
    rng = np.random.default_rng(0)
    images = shenjing.tensor(rng.random((20, 1, 28, 28)).astype(np.float32))
    true = np.arange(20) % 10
    pred = true.copy()
    pred[[1, 4, 7]] = 0
    plots.plot_misclassified(images, pred, true, [str(i) for i in range(10)],
                             str(tmp_path / "wrong.png"))
    w, h = png_size(tmp_path / "wrong.png")
    assert w == 3 * 170 and h == 190
    with pytest.raises(ValueError, match="no misclassified"):
        plots.plot_misclassified(images, true, true, list("0123456789"), str(tmp_path / "n.png"))


def test_first_layer_linear_and_conv(tmp_path):
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))
    plots.plot_first_layer(mlp, str(tmp_path / "mlp.png"))
    assert png_size(tmp_path / "mlp.png") == (4 * 130, 4 * 130 + 50)
    plots.plot_first_layer(nn.Conv2d(3, 5, 3).weight, str(tmp_path / "conv.png"))
    assert png_size(tmp_path / "conv.png")[0] == 3 * 130
    with pytest.raises(ValueError, match="image_shape"):
        plots.plot_first_layer(nn.Linear(10, 4).weight, str(tmp_path / "bad.png"))


def test_missing_matplotlib(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plots.plot_training_curves([{"epoch": 1, "train_loss": 1.0}], str(tmp_path / "c.png"))
