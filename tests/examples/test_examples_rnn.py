"""The recurrent examples on real data: they must beat their baselines in a short run."""
import importlib.util
import math
import os

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_example(name):
    """Import examples/<name>.py as a module (the examples folder is not a package)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "examples",
                                                                     name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_sunspot_forecast_beats_naive_last_value():
    pytest.importorskip("statsmodels", reason="the sunspot series ships with statsmodels")
    ex = load_example("forecast_sunspots")
    res = ex.run(epochs=30, log=None)
    assert res["n_test"] == 46 and res["split_year"] == 1963
    # the naive forecast's errors, from the raw series: the last 46 years against the years before
    years, raw = ex.load_sunspots()
    assert years[-46] == 1963 and len(raw) == 309
    diff = raw[-46:] - raw[-47:-1]
    assert res["naive_rmse"] == pytest.approx(np.sqrt(np.mean(diff ** 2)), rel=1e-9)
    assert res["naive_mae"] == pytest.approx(np.abs(diff).mean(), rel=1e-9)
    assert res["rmse"] < 0.8 * res["naive_rmse"], res["rmse"]
    assert res["mae"] < res["naive_mae"]


def test_sunspot_windows_look_back_only():
    ex = load_example("forecast_sunspots")
    s = np.arange(30.0)
    x, y, idx = ex.windows(s, 5, 10, 30)
    assert x.shape == (20, 5, 1) and y.shape == (20, 1)
    np.testing.assert_array_equal(x[0, :, 0], [5, 6, 7, 8, 9])
    assert y[0, 0] == 10 and idx[0] == 10
    assert ex.windows(s, 5, 0, 10)[2][0] == 5  # the first target needs w values before it


def test_char_lm_gets_below_unigram_entropy_and_samples():
    ex = load_example("char_lm")
    r = ex.run(steps=60, hidden=64, lr=1e-2, eval_chars=4000, log=None)
    assert 4.5 < r["entropy"] < 4.9  # character frequencies of the Python help text
    assert r["test_bits"] < r["entropy"] - 0.5, (r["test_bits"], r["entropy"])
    text = ex.sample(r["model"], r["vocab"], prime="The ", length=40, temperature=0.8)
    assert text.startswith("The ") and len(text) == 44
    assert set(text) <= set(r["vocab"].chars)


def test_char_lm_unigram_bits_of_a_known_distribution():
    ex = load_example("char_lm")
    ids = np.array([0, 1] * 50)  # two equally frequent symbols: 1 bit
    h, cross = ex.unigram_bits(ids, ids, 2)
    assert h == pytest.approx(1.0) and cross == pytest.approx(1.0)


def test_vanishing_and_exploding_gradients_at_init():
    ex = load_example("vanishing_gradients")
    probe = ex.make_batch(np.random.default_rng(0), 64, 30, 4)
    ratio = {}
    for kind in ("tanh RNN", "sigmoid RNN", "tanh RNN, orthogonal W_hh",
                 "LSTM, forget bias 3", "relu RNN, large init"):
        import shenjing
        shenjing.manual_seed(0)
        model, _ = ex.build(kind, 4, 32)
        _, g = ex.step_grads(model, *probe)
        ratio[kind] = g[0] / g[-1]
    assert ratio["tanh RNN"] < 1e-4 and ratio["sigmoid RNN"] < 1e-12  # vanishing
    assert ratio["sigmoid RNN"] < ratio["tanh RNN"]
    assert ratio["tanh RNN, orthogonal W_hh"] > 1e3 * ratio["tanh RNN"]
    assert ratio["LSTM, forget bias 3"] > 1e-2
    assert ratio["relu RNN, large init"] > 1.0  # exploding
    assert all(math.isfinite(v) for v in ratio.values())


def test_deep_sigmoid_mlp_gradients_shrink_towards_the_input():
    ex = load_example("vanishing_gradients")
    rows = ex.deep_mlp_table(depth=6, width=32)
    sig, relu = rows["sigmoid"], rows["relu + kaiming"]
    assert sig[0] < 1e-3 * sig[-1]
    assert relu[0] > 0.05 * relu[-1]
