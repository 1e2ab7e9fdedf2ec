"""GradientStats: recorded norms equal hand-computed ones; table, plot and the CLI flag."""
import math

import numpy as np
import pytest

import shenjing
from shenjing import nn
from shenjing.utils.grad_stats import GradientStats, grad_norms


def small_model():
    shenjing.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))


def backward(model, seed):
    rng = np.random.default_rng(seed)
    x = shenjing.from_numpy(rng.standard_normal((8, 3)).astype(np.float32))
    model.zero_grad()
    (model(x) ** 2).sum().backward()


def test_record_matches_norms_computed_by_hand():
    model = small_model()
    stats = GradientStats(model)
    expected = []
    for seed in range(3):
        backward(model, seed)
        stats.record()
        expected.append({n: float(np.sqrt((p.grad.numpy().astype(np.float64) ** 2).sum()))
                         for n, p in model.named_parameters()})
    assert list(stats.norms) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert stats.steps == 3
    for name, series in stats.norms.items():
        np.testing.assert_allclose(series, [e[name] for e in expected], rtol=1e-6)


def test_layer_norm_joins_weight_and_bias():
    model = small_model()
    backward(model, 0)
    per_param = grad_norms(model)
    per_layer = grad_norms(model, by="layer")
    assert set(per_layer) == {"0", "2"}
    assert per_layer["0"] == pytest.approx(math.hypot(per_param["0.weight"], per_param["0.bias"]))


def test_parameters_without_gradient_are_skipped_not_counted():
    model = small_model()
    model[0].weight.requires_grad_(False)
    stats = GradientStats(model)
    backward(model, 0)
    stats.record()
    assert "0.weight" not in stats.norms
    model.zero_grad(set_to_none=True)
    stats.record()  # nothing has a gradient: None entries, statistics unaffected
    assert stats.norms["0.bias"][1] is None
    s = stats.summary()["0.bias"]
    assert s["mean"] == pytest.approx(stats.norms["0.bias"][0]) and s["nonfinite"] == 0


def test_table_first_vs_last_epoch():
    model = small_model()
    stats = GradientStats(model)
    for epoch in range(2):
        for seed in range(2):
            backward(model, seed)
            for p in model.parameters():  # scale the second epoch's gradients by 10
                p.grad._data *= 10.0 ** epoch
            stats.record()
        stats.end_epoch()
    s = stats.summary()["2.weight"]
    assert s["last"] == pytest.approx(10 * s["first"], rel=1e-5)
    text = stats.table()
    assert "4 steps (2 epochs)" in text and "epoch 1" in text and "epoch 2" in text
    row = next(l for l in text.splitlines() if l.startswith("2.weight"))
    assert row.split()[-1] == "10"


def test_nonfinite_norms_are_reported():
    model = small_model()
    stats = GradientStats(model)
    backward(model, 0)
    model[0].weight.grad._data[0, 0] = np.inf
    stats.record()
    assert "non-finite" in stats.table()


def test_plot_writes_png(tmp_path):
    pytest.importorskip("matplotlib")
    model = small_model()
    stats = GradientStats(model)
    for seed in range(3):
        backward(model, seed)
        stats(model)  # callable, as the on_step hook of training.fit
    path = stats.plot(str(tmp_path / "g.png"))
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_record_without_model_is_a_clear_error():
    with pytest.raises(ValueError, match="no model"):
        GradientStats().record()
    with pytest.raises(ValueError, match="'parameter' or 'layer'"):
        GradientStats(by="module")


def test_cli_grad_stats_prints_table(tmp_path, capsys):
    pytest.importorskip("sklearn", reason="the digits data set ships with scikit-learn")
    from shenjing import cli
    png = tmp_path / "grads.png"
    rc = cli.main(["train", "--dataset", "digits", "--epochs", "2", "--no-progress",
                   "--hidden", "16", "--grad-stats", str(png)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "gradient L2 norms over" in out and "(2 epochs)" in out
    assert "layers.0.weight" in out or "0.weight" in out
    try:
        import matplotlib  # noqa: F401
        assert png.exists() and "gradient norms plot" in out
    except ImportError:
        assert "pip install matplotlib" in out
