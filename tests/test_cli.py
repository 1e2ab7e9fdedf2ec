"""The command line: training on the fallback data, exact resume, clear failures."""
import os
import subprocess
import sys

import numpy as np
import pytest

import shenjing
from shenjing import cli
from shenjing.vision import datasets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST_DIR = os.environ.get("SHENJING_MNIST_DIR")

pytest.importorskip("sklearn", reason="the digits data set ships with scikit-learn")


@pytest.fixture
def offline(monkeypatch):
    """Make every MNIST mirror unreachable (a closed port on this machine)."""
    monkeypatch.setattr(datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", ["http://127.0.0.1:9/"])


def run_cli(args, capsys):
    rc = cli.main(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


def epoch_lines(text):
    return [l for l in text.splitlines() if l.startswith("epoch")]


def test_fallback_to_digits_reaches_95_percent(tmp_path, offline, capsys):
    rc, out, err = run_cli(["train", "--data-dir", str(tmp_path), "--no-progress"], capsys)
    assert rc == 0, err
    notes = [l for l in out.splitlines() if "MNIST is not in" in l]
    assert len(notes) == 1 and "digits" in notes[0]
    lines = epoch_lines(out)
    assert len(lines) == 10
    final = float(lines[-1].split("test acc")[1].split("%")[0])
    assert final >= 95.0, out


def test_explicit_mnist_never_falls_back(tmp_path, offline, capsys):
    rc, out, err = run_cli(["train", "--dataset", "mnist", "--data-dir", str(tmp_path),
                            "--no-progress"], capsys)
    assert rc == 1
    assert epoch_lines(out) == []
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    assert str(tmp_path) in lines[0] and "--data-dir" in lines[0]


def test_resume_matches_uninterrupted_run(tmp_path, capsys):
    pytest.importorskip("safetensors")
    common = ["train", "--dataset", "digits", "--no-progress", "--seed", "3",
              "--hidden", "32,16"]
    full, part = tmp_path / "full.ckpt", tmp_path / "part.ckpt"
    assert run_cli(common + ["--epochs", "3", "--save", str(full)], capsys)[0] == 0
    assert run_cli(common + ["--epochs", "2", "--save", str(part)], capsys)[0] == 0
    rc, out, _ = run_cli(common + ["--epochs", "3", "--resume", str(part), "--save", str(part)],
                         capsys)
    assert rc == 0 and "resumed" in out and len(epoch_lines(out)) == 1
    a, b = shenjing.load(str(full)), shenjing.load(str(part))
    assert a["epoch"] == b["epoch"] == 3
    for k in a["model"]:
        np.testing.assert_array_equal(a["model"][k].numpy(), b["model"][k].numpy(), err_msg=k)
    assert [h["test_acc"] for h in a["history"]] == [h["test_acc"] for h in b["history"]]


def test_checkpoint_from_other_architecture_is_refused(tmp_path, capsys):
    pytest.importorskip("safetensors")
    ckpt = tmp_path / "small.ckpt"
    base = ["train", "--dataset", "digits", "--no-progress", "--epochs", "1"]
    assert run_cli(base + ["--hidden", "32", "--save", str(ckpt)], capsys)[0] == 0
    rc, out, err = run_cli(base + ["--epochs", "2", "--hidden", "64", "--resume", str(ckpt)],
                           capsys)
    assert rc == 1
    line = err.strip()
    assert "\n" not in line
    assert str(ckpt) in line and "size mismatch" in line and "[64, 64]" in line \
        and "[32, 64]" in line


def test_evaluate_prints_accuracy_and_confusion_matrix(tmp_path, capsys):
    pytest.importorskip("safetensors")
    ckpt = tmp_path / "m.ckpt"
    assert run_cli(["train", "--dataset", "digits", "--no-progress", "--epochs", "2",
                    "--save", str(ckpt)], capsys)[0] == 0
    rc, out, err = run_cli(["evaluate", "--checkpoint", str(ckpt)], capsys)
    assert rc == 0, err
    assert "test accuracy:" in out
    rows = out.split("confusion matrix")[1].strip().splitlines()[2:]
    assert len(rows) == 10
    total = sum(int(v) for r in rows for v in r.split()[1:])
    assert total == len(datasets.Digits(train=False))


def test_missing_checkpoint_is_one_line(tmp_path, capsys):
    rc, _, err = run_cli(["evaluate", "--checkpoint", str(tmp_path / "nope.ckpt")], capsys)
    assert rc == 1 and len(err.strip().splitlines()) == 1 and "nope.ckpt" in err


def test_python_dash_m_runs():
    out = subprocess.run([sys.executable, "-m", "shenjing", "train", "--help"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "--hidden" in out.stdout


@pytest.mark.skipif(not MNIST_DIR or not os.path.isdir(MNIST_DIR),
                    reason="real MNIST not available (set SHENJING_MNIST_DIR)")
def test_mnist_one_epoch_subset_runs(capsys):
    rc, out, err = run_cli(["train", "--dataset", "mnist", "--data-dir", MNIST_DIR,
                            "--epochs", "1", "--no-progress", "--hidden", "64"], capsys)
    assert rc == 0, err
    acc = float(epoch_lines(out)[0].split("test acc")[1].split("%")[0])
    assert acc > 90.0


def test_unwritable_save_path_fails_before_training(tmp_path, capsys):
    # bug: the error came only after the first epoch (minutes on MNIST)
    base = ["train", "--dataset", "digits", "--no-progress", "--epochs", "1"]
    for bad, why in ((tmp_path / "no" / "m.ckpt", "does not exist"),
                     (tmp_path, "is a directory")):
        rc, out, err = run_cli(base + ["--save", str(bad)], capsys)
        assert rc == 1 and why in err and not epoch_lines(out)
    assert os.listdir(tmp_path) == []


def test_resume_with_another_model_or_optimizer_is_refused(tmp_path, capsys):
    # bug: an Adam checkpoint resumed with --optimizer sgd silently loaded Adam's state and
    # hyperparameters into SGD
    pytest.importorskip("safetensors")
    ckpt = tmp_path / "m.ckpt"
    base = ["train", "--dataset", "digits", "--no-progress", "--hidden", "32"]
    assert run_cli(base + ["--epochs", "1", "--save", str(ckpt)], capsys)[0] == 0
    for flag, value in (("--optimizer", "sgd"), ("--model", "cnn")):
        rc, out, err = run_cli(base + ["--epochs", "2", flag, value, "--resume", str(ckpt)],
                               capsys)
        assert rc == 1 and f"was trained with {flag}" in err and not epoch_lines(out)
    rc, out, _ = run_cli(base + ["--epochs", "1", "--resume", str(ckpt)], capsys)
    assert rc == 0 and "nothing to train" in out
