"""SummaryWriter: event files read back by TensorBoard's own reader."""
import glob
import os
import sys

import numpy as np
import pytest

import shenjing

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator")

from shenjing.utils.tensorboard import SummaryWriter  # noqa: E402


def read(log_dir):
    acc = event_accumulator.EventAccumulator(
        str(log_dir), size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0})
    acc.Reload()
    return acc


def test_scalars_histograms_images_text(tmp_path):
    with SummaryWriter(log_dir=str(tmp_path)) as w:
        for step, loss in enumerate([2.3, 1.1, 0.5]):
            w.add_scalar("loss/train", shenjing.tensor(loss), step)
        w.add_scalar("lr", 1e-3, 0)
        w.add_histogram("fc.weight", shenjing.randn(100, 10), global_step=2)
        w.add_image("digit", shenjing.rand(1, 28, 28), 0)
        w.add_images("batch", np.random.rand(4, 1, 28, 28).astype(np.float32), 0)
        w.add_text("notes", "**hello**", 0)
    acc = read(tmp_path)
    tags = acc.Tags()
    assert set(tags["scalars"]) == {"loss/train", "lr"}
    events = acc.Scalars("loss/train")
    assert [e.step for e in events] == [0, 1, 2]
    np.testing.assert_allclose([e.value for e in events], [2.3, 1.1, 0.5], rtol=1e-6)
    hist = acc.Histograms("fc.weight")[0]
    assert hist.step == 2 and hist.histogram_value.num == 1000
    assert set(tags["images"]) == {"digit", "batch"}
    assert acc.Images("digit")[0].width == 28
    assert "notes/text_summary" in tags["tensors"]


def test_add_scalars_and_hparams_write_runs(tmp_path):
    w = SummaryWriter(str(tmp_path))
    w.add_scalars("acc", {"train": 0.9, "test": shenjing.tensor(0.8)}, 1)
    w.add_hparams({"lr": 0.01, "hidden": [512, 256], "opt": "adam"}, {"hparam/acc": 0.97},
                  run_name="run1")
    w.close()
    test_run = read(tmp_path / "acc" / "test")
    assert test_run.Scalars("acc")[0].value == pytest.approx(0.8)
    assert read(tmp_path / "run1").Scalars("hparam/acc")[0].value == pytest.approx(0.97)


def test_default_log_dir_uses_comment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_mlp", flush_secs=1)
    w.add_scalar("x", 1.0, 0)
    w.flush()
    assert w.log_dir.startswith("runs") and w.log_dir.endswith("_mlp")
    assert glob.glob(os.path.join(w.log_dir, "events.out.tfevents.*"))
    w.close()


def test_add_graph_from_onnx_trace(tmp_path):
    pytest.importorskip("onnx")
    model = shenjing.nn.Sequential(shenjing.nn.Linear(4, 3), shenjing.nn.ReLU(),
                                   shenjing.nn.Linear(3, 2))
    with SummaryWriter(str(tmp_path)) as w:
        w.add_graph(model, shenjing.randn(1, 4))
    graph = read(tmp_path).Graph()
    ops = [n.op for n in graph.node]
    assert "Gemm" in ops and "Relu" in ops


def test_bad_scalar_and_missing_package(tmp_path, monkeypatch):
    w = SummaryWriter(str(tmp_path))
    with pytest.raises(ValueError, match="one element"):
        w.add_scalar("x", shenjing.ones(3), 0)
    w.close()
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match="pip install tensorboardX"):
        SummaryWriter(str(tmp_path))


def test_bad_scalars_and_image_shapes_are_named(tmp_path):
    """Bug: add_scalar('x', 'a') or a 2-element NumPy array raised float()'s bare errors;
    add_image with a 2-D, 4-D, 5-channel or empty array failed inside tensorboardX or PIL
    (AssertionError, 'Cannot handle this data type')."""
    w = SummaryWriter(str(tmp_path))
    for bad in ("a", np.array([1.0, 2.0])):
        with pytest.raises(ValueError, match="SummaryWriter: a scalar must be one number"):
            w.add_scalar("x", bad, 0)
    w.add_scalar("x", np.float32(0.5), 0)  # NumPy scalars stay accepted
    for shape in ((4, 4), (1, 3, 4, 4), (3, 0, 4)):
        with pytest.raises(ValueError, match=rf"add_image: expected a non-empty CHW array .* "
                                             rf"got shape \[{', '.join(map(str, shape))}\]"):
            w.add_image("i", np.zeros(shape), 0)
    with pytest.raises(ValueError, match="add_image: expected 1, 3 or 4 channels"):
        w.add_image("i", np.zeros((5, 4, 4)), 0)
    with pytest.raises(ValueError, match="add_images: dataformats should be one of"):
        w.add_images("i", np.zeros((2, 3, 4, 4)), 0, dataformats="CHW")
    w.add_image("i", np.zeros((4, 4)), 0, dataformats="HW")
    w.close()
