"""Forecast next year's sunspot number with a recurrent network, on real data.

The series is the yearly mean sunspot number 1700-2008 (309 values) that ships with
statsmodels (`pip install statsmodels`). Each sample is a window of the previous w
years; the target is the next year. The last years are held out, untouched during
training and scaling, and the model must beat the naive forecast "next year = this
year" there.

    python examples/forecast_sunspots.py --plot sunspots.png
"""
import argparse
import math
import time
import warnings

import numpy as np

import shenjing
from shenjing import nn, optim


def load_sunspots():
    """(years, yearly sunspot numbers) as float arrays, from statsmodels' bundled data."""
    try:
        from statsmodels.datasets import sunspots
    except ImportError:
        raise SystemExit("this example needs the sunspot data of statsmodels: "
                         "pip install statsmodels") from None
    with warnings.catch_warnings():  # statsmodels' CSV reader warns on newer pandas
        warnings.simplefilter("ignore")
        data = sunspots.load_pandas().data
    return data["YEAR"].to_numpy(np.float64), data["SUNACTIVITY"].to_numpy(np.float64)


def windows(series, w, start, stop):
    """Inputs (n, w, 1) and targets (n, 1) for every target index t in [start, stop).

    Sample t sees series[t - w : t] and predicts series[t]; inputs may reach back
    before ``start`` (past values are known when forecasting).
    """
    idx = np.arange(max(start, w), stop)
    x = np.stack([series[t - w:t] for t in idx])[:, :, None]
    return x.astype(np.float32), series[idx, None].astype(np.float32), idx


class Forecaster(nn.Module):
    """An LSTM/GRU reads the window; a linear layer maps its last state to the next value."""

    def __init__(self, hidden=32, cell="lstm", num_layers=1):
        super().__init__()
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = rnn(1, hidden, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):  # x (N, w, 1) -> (N, 1)
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def errors(pred, true):
    """(RMSE, MAE) of two arrays, in their units."""
    d = np.asarray(pred, np.float64).ravel() - np.asarray(true, np.float64).ravel()
    return math.sqrt(float(np.mean(d * d))), float(np.mean(np.abs(d)))


def run(window=20, hidden=32, cell="lstm", epochs=150, lr=5e-3, batch_size=32,
        test_frac=0.15, seed=0, log=print):
    """Train on the early years, forecast the held-out tail; return a dict of results."""
    shenjing.manual_seed(seed)
    rng = np.random.default_rng(seed)
    years, y = load_sunspots()
    n_test = int(round(len(y) * test_frac))
    split = len(y) - n_test  # targets at index >= split are the test tail
    mean, std = y[:split].mean(), y[:split].std()  # fitted on the training part only
    z = (y - mean) / std
    x_tr, y_tr, _ = windows(z, window, 0, split)
    x_te, _, idx_te = windows(z, window, split, len(y))

    model = Forecaster(hidden, cell)
    opt = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    t0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        order, total = rng.permutation(len(x_tr)), 0.0
        for i in range(0, len(order), batch_size):
            b = order[i:i + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(shenjing.from_numpy(x_tr[b])), shenjing.from_numpy(y_tr[b]))
            loss.backward()
            opt.step()
            total += loss.item() * len(b)
        if log and (epoch == 1 or epoch % 25 == 0 or epoch == epochs):
            log(f"epoch {epoch:>3}/{epochs}  train MSE (scaled) {total / len(x_tr):.4f}")

    model.eval()
    with shenjing.no_grad():
        pred = model(shenjing.from_numpy(x_te)).numpy()[:, 0] * std + mean
    true, naive = y[idx_te], y[idx_te - 1]  # naive: this year's value for next year
    rmse, mae = errors(pred, true)
    n_rmse, n_mae = errors(naive, true)
    return dict(years=years[idx_te], true=true, pred=pred, naive=naive, rmse=rmse, mae=mae,
                naive_rmse=n_rmse, naive_mae=n_mae, n_train=len(x_tr), n_test=len(idx_te),
                seconds=time.perf_counter() - t0, split_year=int(years[split]))


def plot(res, path, cell):
    """Prediction vs truth (and the naive forecast) over the held-out years, as a PNG."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("--plot needs matplotlib: pip install matplotlib") from None
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.plot(res["years"], res["true"], "k-o", ms=3, lw=1.5, label="observed")
    ax.plot(res["years"], res["pred"], "-", color="tab:blue", lw=1.8,
            label=f"{cell.upper()} forecast (RMSE {res['rmse']:.1f})")
    ax.plot(res["years"], res["naive"], "--", color="tab:orange", lw=1,
            label=f"naive: last year's value (RMSE {res['naive_rmse']:.1f})")
    ax.set_xlabel("year")
    ax.set_ylabel("yearly mean sunspot number")
    ax.set_title(f"one-year-ahead forecast on the held-out years {res['split_year']}-"
                 f"{int(res['years'][-1])}")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cell", default="lstm", choices=["lstm", "gru"])
    p.add_argument("--window", type=int, default=20, help="years of history per sample")
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--epochs", type=int, default=150)
    p.add_argument("--lr", type=float, default=5e-3)
    p.add_argument("--test-frac", type=float, default=0.15, help="held-out tail fraction")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", metavar="PATH", help="write prediction vs truth as a PNG")
    a = p.parse_args(argv)
    res = run(a.window, a.hidden, a.cell, a.epochs, a.lr, test_frac=a.test_frac, seed=a.seed)
    print(f"{res['n_train']} training windows, {res['n_test']} held-out years "
          f"({res['split_year']}-{int(res['years'][-1])}), {res['seconds']:.1f} s")
    print(f"{'':<24}{'RMSE':>8}{'MAE':>8}")
    print(f"{a.cell.upper() + ' forecast':<24}{res['rmse']:>8.2f}{res['mae']:>8.2f}")
    print(f"{'naive (last value)':<24}{res['naive_rmse']:>8.2f}{res['naive_mae']:>8.2f}")
    print(f"{'ratio model / naive':<24}{res['rmse'] / res['naive_rmse']:>8.3f}"
          f"{res['mae'] / res['naive_mae']:>8.3f}")
    if a.plot:
        plot(res, a.plot, a.cell)
        print(f"wrote {a.plot}")
    return res


if __name__ == "__main__":
    main()
