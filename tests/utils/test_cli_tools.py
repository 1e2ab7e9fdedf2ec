"""`shenjing train --logdir --plots`, `shenjing export` and `shenjing predict` end to end
on the small digits data set."""
import numpy as np
import pytest

from shenjing import cli

pytest.importorskip("sklearn", reason="the digits data set ships with scikit-learn")
pytest.importorskip("safetensors")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One short run writing a checkpoint, TensorBoard events and plots."""
    pytest.importorskip("tensorboardX")
    pytest.importorskip("matplotlib")
    d = tmp_path_factory.mktemp("run")
    rc = cli.main(["train", "--dataset", "digits", "--epochs", "3", "--hidden", "64,32",
                   "--no-progress", "--save", str(d / "d.ckpt"), "--logdir", str(d / "runs"),
                   "--plots", str(d / "plots")])
    assert rc == 0
    return d


def test_train_writes_events_and_plots(trained):
    ea = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    acc = ea.EventAccumulator(str(trained / "runs"), size_guidance={"scalars": 0,
                                                                    "histograms": 0})
    acc.Reload()
    tags = acc.Tags()
    assert {"loss/train", "accuracy/train", "accuracy/test", "learning_rate"} <= set(tags["scalars"])
    assert [e.step for e in acc.Scalars("loss/train")] == [1, 2, 3]
    assert "weights/layers.0.weight" in tags["histograms"]
    assert "gradients/layers.0.weight" in tags["histograms"]
    names = sorted(p.name for p in (trained / "plots").iterdir())
    assert names == ["confusion_matrix.png", "curves.png", "first_layer.png",
                     "misclassified.png"]


def test_export_runs_in_onnxruntime(trained, capsys):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    out = trained / "m.onnx"
    assert cli.main(["export", "--checkpoint", str(trained / "d.ckpt"), "--output", str(out)]) == 0
    assert "Gemm" in capsys.readouterr().out
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    logits = sess.run(None, {"input": np.zeros((5, 1, 8, 8), np.float32)})[0]
    assert logits.shape == (5, 10)


def test_predict_prints_top_k(trained, capsys, tmp_path):
    Image = pytest.importorskip("PIL.Image")
    ImageDraw = pytest.importorskip("PIL.ImageDraw")
    img = Image.new("L", (64, 64), 255)
    ImageDraw.Draw(img).line((32, 8, 32, 56), fill=0, width=6)  # a "1"
    img.save(tmp_path / "one.png")
    rc = cli.main(["predict", "--checkpoint", str(trained / "d.ckpt"), str(tmp_path / "one.png"),
                   "--topk", "2"])
    out = capsys.readouterr().out.strip()
    assert rc == 0 and out.startswith(f"{tmp_path / 'one.png'}: ")
    assert out.count("%") == 2


def test_predict_missing_image_is_one_line(trained, capsys, tmp_path):
    rc = cli.main(["predict", "--checkpoint", str(trained / "d.ckpt"), str(tmp_path / "no.png")])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and err.count("\n") == 0 and "no.png does not exist" in err
