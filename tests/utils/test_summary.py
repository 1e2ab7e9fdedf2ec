"""shenjing.summary: layer rows in call order, shapes, parameter counts and totals."""
import pytest

import shenjing
from shenjing import nn


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(),
                         nn.Sequential(nn.Linear(512, 256), nn.ReLU()), nn.Linear(256, 10))


def test_mlp_table_and_totals(capsys):
    model = mlp()
    result = shenjing.summary(model, (1, 1, 28, 28))
    printed = capsys.readouterr().out
    assert printed.strip() == str(result).strip()
    assert result.total_params == 784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10 == 535_818
    assert result.trainable_params == result.total_params and result.non_trainable_params == 0
    assert result.total_mult_adds == 784 * 512 + 512 * 256 + 256 * 10
    assert result.params_bytes == 4 * 535_818
    text = str(result)
    for needle in ("├─Linear (1): 1-2", "[1, 512]", "401,920", "│  ├─Linear (0): 2-1",
                   "Total params: 535,818", "Params size (MB): 2.14",
                   "Forward/backward pass size (MB)", "Estimated Total Size (MB)"):
        assert needle in text, needle
    shapes = [layer.output_shapes for layer in result.layers]
    assert shapes[:3] == [[[1, 10]], [[1, 784]], [[1, 512]]]


def test_counts_match_torch():
    torch = pytest.importorskip("torch")
    ref = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 512), torch.nn.ReLU(),
                              torch.nn.Linear(512, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    expected = sum(p.numel() for p in ref.parameters())
    assert shenjing.summary(mlp(), (2, 784), verbose=0).total_params == expected


def test_frozen_layers_depth_and_batch_dim():
    model = mlp()
    model[1].requires_grad_(False)
    result = shenjing.summary(model, (1, 28, 28), batch_dim=0, depth=1, verbose=0)
    assert result.non_trainable_params == 784 * 512 + 512
    assert "2-1" not in str(result)  # deeper than depth=1: hidden
    assert result.layers[0].output_shapes == [[1, 10]]


def test_restores_training_mode_and_removes_hooks():
    model = mlp()
    model.train()
    shenjing.summary(model, (3, 784), verbose=0)
    assert model.training and all(not m._forward_hooks for m in model.modules())
    assert all(not m._forward_pre_hooks for m in model.modules())


def test_several_inputs_and_tuple_outputs():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(3, 4), nn.Linear(5, 4)

        def forward(self, x, y):
            return self.a(x), self.b(y)

    result = shenjing.summary(Two(), [(2, 3), (2, 5)], verbose=0)
    assert result.layers[0].output_shapes == [[2, 4], [2, 4]]
    assert "[2, 4], [2, 4]" in str(result)


def test_integer_inputs_via_dtypes():
    model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2))
    result = shenjing.summary(model, (2, 3), dtypes=[shenjing.int64], verbose=0)
    assert result.layers[1].output_shapes == [[2, 3, 4]]


def test_bad_input_names_the_model_and_shape():
    with pytest.raises(RuntimeError, match=r"forward of Sequential failed on input of shape "
                                           r"\[2, 100\]"):
        shenjing.summary(mlp(), (2, 100), verbose=0)
    with pytest.raises(ValueError, match="input_size"):
        shenjing.summary(mlp())


def test_malformed_input_size_and_non_module_are_named():
    """Bug: input_size='abc' or (-1, 28, 28) raised NumPy's bare errors from deep inside,
    and a non-Module model an AttributeError."""
    for bad in ("abc", (-1, 28, 28), (), [(1, 28), "x"]):
        with pytest.raises(ValueError, match="shenjing.summary: input_size should be a shape"):
            shenjing.summary(mlp(), bad, verbose=0)
    with pytest.raises(TypeError, match="model must be a shenjing.nn.Module, got int"):
        shenjing.summary(3, (1, 2), verbose=0)


def test_cnn_and_lstm_rows():
    from shenjing.models import build
    cnn = shenjing.summary(build("cnn"), (1, 1, 28, 28), verbose=0)
    assert cnn.layers[1].output_shapes == [[1, 32, 26, 26]] and cnn.layers[1].num_params == 320
    assert cnn.total_params == 1_199_882
    lstm = shenjing.summary(build("lstm"), (2, 1, 28, 28), verbose=0)
    assert lstm.layers[1].output_shapes == [[2, 28, 128], [1, 2, 128], [1, 2, 128]]
    # each LSTM weight matrix once per step and sample, plus the head
    assert lstm.total_mult_adds == 28 * 2 * 4 * 128 * (28 + 128) + 2 * 1280
