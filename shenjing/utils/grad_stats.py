"""Gradient health: per-parameter gradient L2 norms recorded step by step.

Vanishing gradients show as norms that shrink by orders of magnitude from the
output layer back to the input layer (or that fall towards zero over training);
exploding gradients as norms that grow without bound or turn inf/nan. Recording
||grad||_2 of every parameter after each backward pass makes both visible:

    stats = GradientStats(model)
    for x, y in loader:
        optimizer.zero_grad(); loss_fn(model(x), y).backward()
        stats.record()                 # before optimizer.step()
        optimizer.step()
    stats.end_epoch()                  # optional: marks epochs for the table and plot
    print(stats.table()); stats.plot("grads.png")
"""
import math

import numpy as np

__all__ = ["GradientStats", "grad_norms"]


def grad_norms(model, by="parameter"):
    """{name: L2 norm of its gradient} over ``model.named_parameters()``.

    by='layer' joins the parameters of one module (the name up to its last dot):
    the layer norm is sqrt(sum of its parameters' squared norms). Parameters
    without a gradient are left out.
    """
    if by not in ("parameter", "layer"):
        raise ValueError(f"grad_norms: by must be 'parameter' or 'layer', got {by!r}")
    squares = {}
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        g = np.asarray(p.grad._data, np.float64).ravel()
        key = (name.rpartition(".")[0] or name) if by == "layer" else name
        squares[key] = squares.get(key, 0.0) + float(np.dot(g, g))
    return {k: math.sqrt(v) for k, v in squares.items()}


class GradientStats:
    """Records gradient norms per parameter (or per layer) at every ``record`` call.

    Args:
        model: the Module to watch (may also be given to each ``record`` call).
        by: 'parameter' (one row per named parameter) or 'layer' (one per module).

    After recording, ``norms[name]`` is a list with one float per step (None where
    that parameter had no gradient at that step); ``epoch_starts`` lists the step
    at which each epoch began. An instance is callable, so it can serve as the
    ``on_step`` hook of ``shenjing.training.fit``.
    """

    def __init__(self, model=None, by="parameter"):
        if by not in ("parameter", "layer"):
            raise ValueError(f"GradientStats: by must be 'parameter' or 'layer', got {by!r}")
        self.model, self.by = model, by
        self.norms = {}
        self.steps = 0
        self.epoch_starts = [0]

    def record(self, model=None):
        """Append the current gradient norms (call after backward, before the step)."""
        model = model if model is not None else self.model
        if model is None:
            raise ValueError("GradientStats.record: no model given (pass it here or to "
                             "the constructor)")
        now = grad_norms(model, self.by)
        for name in now:
            if name not in self.norms:  # a parameter seen for the first time: pad its past
                self.norms[name] = [None] * self.steps
        for name, series in self.norms.items():
            series.append(now.get(name))
        self.steps += 1
        return now

    __call__ = record

    def end_epoch(self):
        """Mark that the next recorded step starts a new epoch."""
        if self.steps > self.epoch_starts[-1]:
            self.epoch_starts.append(self.steps)

    def _epochs(self):
        bounds = self.epoch_starts + ([self.steps] if self.steps > self.epoch_starts[-1] else [])
        return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]

    def summary(self):
        """{name: {'mean', 'min', 'max', 'first', 'last'}} over the finite recorded norms.

        'first' and 'last' are the mean norm over the first and the last epoch (or
        the first and the last step when no epochs were marked).
        """
        epochs = self._epochs()
        if len(epochs) > 1:
            first, last = slice(*epochs[0]), slice(*epochs[-1])
        else:
            first, last = slice(0, 1), slice(self.steps - 1, self.steps)
        out = {}
        for name, series in self.norms.items():
            a = _array(series)
            ok = a[np.isfinite(a)]
            stats = dict(mean=math.nan, min=math.nan, max=math.nan,
                         first=_finite_mean(a[first]), last=_finite_mean(a[last]),
                         nonfinite=sum(v is not None and not math.isfinite(v) for v in series))
            if ok.size:
                stats.update(mean=float(ok.mean()), min=float(ok.min()), max=float(ok.max()))
            out[name] = stats
        return out

    def table(self):
        """A text table: per row mean/min/max norm over all steps, first vs last epoch."""
        if not self.steps:
            return "GradientStats: nothing recorded yet"
        epochs = self._epochs()
        a, b = (("epoch 1", f"epoch {len(epochs)}") if len(epochs) > 1
                else ("first step", "last step"))
        rows = self.summary()
        width = max(len("parameter"), max(len(n) for n in rows))
        head = (f"{'layer' if self.by == 'layer' else 'parameter':<{width}}  {'mean':>9}  "
                f"{'min':>9}  {'max':>9}  {a:>10}  {b:>10}  {'last/first':>10}")
        lines = [f"gradient L2 norms over {self.steps} steps ({len(epochs)} "
                 f"epoch{'s' if len(epochs) != 1 else ''})", head, "-" * len(head)]
        for name, s in rows.items():
            ratio = s["last"] / s["first"] if s["first"] else math.nan
            line = (f"{name:<{width}}  {_num(s['mean']):>9}  {_num(s['min']):>9}  "
                    f"{_num(s['max']):>9}  {_num(s['first']):>10}  {_num(s['last']):>10}  "
                    f"{_num(ratio):>10}")
            if s["nonfinite"]:
                line += f"  ({s['nonfinite']} non-finite)"
            lines.append(line)
        return "\n".join(lines)

    def plot(self, path, title=None):
        """Write a PNG: the norm of each row over steps, log scale, epochs marked."""
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("GradientStats.plot needs matplotlib: pip install matplotlib") \
                from None
        fig, ax = plt.subplots(figsize=(9, 5))
        steps = np.arange(1, self.steps + 1)
        for name, series in self.norms.items():
            a = _array(series)
            a[~(a > 0)] = np.nan  # zeros and non-finite values cannot sit on a log axis
            if self.steps > 200:  # long runs: faint raw norms under a running mean
                line, = ax.plot(steps, a, lw=0.5, alpha=0.25)
                ax.plot(steps, _running_mean(a, self.steps // 50), lw=1.2,
                        color=line.get_color(), label=name)
            else:
                ax.plot(steps, a, lw=1, label=name)
        for start in self.epoch_starts[1:]:
            if start < self.steps:
                ax.axvline(start + 0.5, color="0.7", lw=0.8, ls=":")
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("gradient L2 norm")
        ax.set_title(title or "gradient norm per " + self.by)
        ax.legend(fontsize="small", ncol=2 if len(self.norms) > 8 else 1)
        ax.grid(True, which="major", alpha=0.3)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path


def _array(series):
    # None (no gradient at that step) becomes nan, which every statistic skips
    return np.array([math.nan if v is None else v for v in series], np.float64)


def _running_mean(a, k):
    # mean of the last k finite values at each step (a trailing window, nan-aware)
    ok = np.isfinite(a)
    c = np.concatenate([[0.0], np.cumsum(np.where(ok, a, 0.0))])
    n = np.concatenate([[0], np.cumsum(ok)])
    lo = np.maximum(np.arange(1, a.size + 1) - k, 0)
    hi = np.arange(1, a.size + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (c[hi] - c[lo]) / (n[hi] - n[lo])


def _finite_mean(a):
    ok = a[np.isfinite(a)]
    return float(ok.mean()) if ok.size else math.nan


def _num(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if math.isinf(v):
        return "inf"
    return f"{v:.3g}" if 1e-2 <= abs(v) < 1e4 or v == 0 else f"{v:.2e}"
