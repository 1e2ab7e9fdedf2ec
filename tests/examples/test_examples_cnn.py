"""The CNN and LeNet-5 example scripts run end to end on a few batches (digits; real MNIST
when SHENJING_MNIST_DIR is set)."""
import importlib.util
import os
import pathlib

import numpy as np
import pytest

import shenjing

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = ["cnn_mnist", "lenet5_mnist"]


def load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TINY = ["--epochs", "1", "--limit-batches", "2", "--batch-size", "8", "--test-batch-size", "20",
        "--log-interval", "1"]


@pytest.mark.parametrize("name", SCRIPTS)
def test_runs_on_digits_and_saves(name, tmp_path, capsys):
    pytest.importorskip("sklearn")
    script = load(name)
    path = tmp_path / "net.safetensors"
    model, history = script.main(TINY + ["--dataset", "digits", "--augment", "--seed", "3",
                                         "--save-model", str(path)])
    out = capsys.readouterr().out
    assert "Epoch 1 [0/1438 (0%)]" in out and "Epoch 1 [8/1438 (1%)]" in out
    assert "Test: average loss" in out and "/40 (" in out  # 2 test batches of 20
    (loss, accuracy), = history
    assert np.isfinite(loss) and 0.0 <= accuracy <= 100.0
    restored = script.Net()
    restored.load_state_dict(shenjing.load(str(path)))
    for (k, a), (_, b) in zip(model.state_dict().items(), restored.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)


@pytest.mark.parametrize("name", SCRIPTS)
def test_seeded_runs_repeat(name, capsys):
    pytest.importorskip("sklearn")
    script = load(name)
    args = TINY + ["--dataset", "digits", "--limit-batches", "1", "--batch-size", "4",
                   "--test-batch-size", "8"]
    _, first = script.main(args)
    _, second = script.main(args)
    assert first == second


@pytest.mark.parametrize("name", SCRIPTS)
def test_net_shapes_and_defaults(name):
    script = load(name)
    out = script.Net()(shenjing.randn(3, 1, 28, 28))
    assert out.shape == (3, 10)
    args = script.parse_args([])
    assert args.batch_size == 64 and args.seed == 1 and args.limit_batches == 0
    assert args.dataset == "mnist"


@pytest.mark.parametrize("name", SCRIPTS)
def test_runs_on_real_mnist(name, capsys):
    data_dir = os.environ.get("SHENJING_MNIST_DIR")
    if not data_dir:
        pytest.skip("SHENJING_MNIST_DIR is not set (folder with the real MNIST .gz files)")
    _, history = load(name).main(TINY + ["--data-dir", data_dir])
    out = capsys.readouterr().out
    assert "Epoch 1 [0/60000 (0%)]" in out and "/40 (" in out
    assert np.isfinite(history[0][0])
