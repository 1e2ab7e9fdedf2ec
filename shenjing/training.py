"""The training loop behind `shenjing train` and `shenjing evaluate`.

It is the article's loop (forward, loss, backward, step; then test accuracy) with what
a real run needs around it: data selection with a fallback, a progress bar,
checkpoints that resume exactly, and a confusion matrix.
"""
import os
import sys
import time

import numpy as np

from . import nn, optim
from .autograd.grad_mode import no_grad
from .random import get_rng_state, manual_seed, set_rng_state

MNIST_MEAN, MNIST_STD = (0.1307,), (0.3081,)
FASHION_MEAN, FASHION_STD = (0.2860,), (0.3530,)


class DataUnavailable(RuntimeError):
    """The requested data set is neither on disk nor downloadable."""


def default_data_dir():
    return os.environ.get("SHENJING_DATA_DIR") or os.environ.get("SHENJING_MNIST_DIR") or "data"


def load_data(name="auto", data_dir=None, download=True, log=print):
    """Return (train_set, test_set, info) for 'mnist', 'fashion-mnist', 'digits' or 'auto'.

    'auto' uses MNIST when it is on disk or downloadable, and otherwise says so in one
    line and falls back to scikit-learn's bundled 8x8 digits. Named data sets never
    fall back: they raise DataUnavailable with one line saying where they looked.
    """
    from .vision import datasets, transforms

    data_dir = data_dir or default_data_dir()
    if name in ("auto", "mnist", "fashion-mnist"):
        cls = datasets.FashionMNIST if name == "fashion-mnist" else datasets.MNIST
        mean, std = (FASHION_MEAN, FASHION_STD) if name == "fashion-mnist" else (MNIST_MEAN, MNIST_STD)
        tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])
        try:
            train = cls(data_dir, train=True, download=download, transform=tf)
            test = cls(data_dir, train=False, download=download, transform=tf)
            return train, test, {"dataset": "fashion-mnist" if name == "fashion-mnist" else "mnist",
                                 "in_shape": (1, 28, 28), "classes": list(train.classes),
                                 "mean": mean, "std": std}
        except (RuntimeError, OSError) as e:
            reason = (str(e).strip().splitlines() or [type(e).__name__])[0].rstrip(":")
            if name != "auto":
                raise DataUnavailable(
                    f"{cls.__name__} is not in {os.path.abspath(data_dir)} and could not be "
                    f"downloaded ({reason}); put the four IDX files there or pass "
                    f"--data-dir DIR") from None
            log(f"MNIST is not in {os.path.abspath(data_dir)} and could not be downloaded; "
                "training on scikit-learn's 8x8 handwritten digits instead.")
    if name not in ("auto", "digits"):
        raise ValueError(f"unknown dataset {name!r}; choose auto, mnist, fashion-mnist or digits")
    base = datasets.Digits(train=True)
    mean, std = _pixel_stats(base)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])
    train = datasets.Digits(train=True, transform=tf)
    test = datasets.Digits(train=False, transform=tf)
    return train, test, {"dataset": "digits", "in_shape": (1, 8, 8),
                         "classes": [str(i) for i in range(10)], "mean": mean, "std": std}


def _pixel_stats(ds):
    x = np.asarray(ds.data._data if hasattr(ds.data, "_data") else ds.data, np.float64) / 255.0
    return (round(float(x.mean()), 4),), (round(float(x.std()), 4),)


def make_optimizer(name, params, lr, weight_decay=0.0):
    if name == "adam":
        return optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return optim.AdamW(params, lr=lr, weight_decay=weight_decay or 1e-2)
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}; choose adam, adamw, sgd or rmsprop")


def make_scheduler(name, optimizer, epochs):
    if name in (None, "none"):
        return None
    if name == "cosine":
        return optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    if name == "step":
        return optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    raise ValueError(f"unknown scheduler {name!r}; choose none, cosine or step")


def _progress(iterable, desc, enabled):
    if not enabled:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc=desc, leave=False, unit="batch", dynamic_ncols=True,
                file=sys.stderr)


def train_one_epoch(model, loader, criterion, optimizer, desc="", progress=True, on_step=None):
    """One pass over ``loader``; returns (mean loss, accuracy in %)."""
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for images, labels in _progress(loader, desc, progress):
        optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels)
        loss.backward()
        if on_step is not None:
            on_step(model)
        optimizer.step()
        n = labels.shape[0]
        total_loss += loss.item() * n
        correct += int((outputs.argmax(1) == labels).sum().item())
        seen += n
    return total_loss / max(seen, 1), 100.0 * correct / max(seen, 1)


def predict(model, loader):
    """(predicted labels, true labels) over a loader, in eval mode without a graph."""
    model.eval()
    preds, trues = [], []
    with no_grad():
        for images, labels in loader:
            preds.append(model(images).argmax(1).numpy())
            trues.append(labels.numpy())
    return np.concatenate(preds), np.concatenate(trues)


def evaluate(model, loader):
    """Accuracy in % over a loader."""
    pred, true = predict(model, loader)
    return 100.0 * float((pred == true).mean())


def confusion_matrix(pred, true, num_classes):
    """counts[i, j] = how many samples of true class i were predicted as class j."""
    cm = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(cm, (true, pred), 1)
    return cm


def format_confusion(cm, classes):
    labels = [str(c).split(" ")[0] for c in classes]
    width = max(5, max(len(str(cm.max())), max(len(l) for l in labels)) + 1)
    head = "true\\pred".ljust(10) + "".join(l.rjust(width) for l in labels)
    rows = [labels[i].ljust(10) + "".join(str(v).rjust(width) for v in row)
            for i, row in enumerate(cm)]
    return "\n".join([head] + rows)


def save_checkpoint(path, model, optimizer, epoch, config, history, scheduler=None):
    """Everything needed to resume exactly: weights, optimizer state, RNG, history."""
    from .serialization import save
    ckpt = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "epoch": epoch, "config": dict(config), "history": list(history),
            "rng_state": get_rng_state()}
    if scheduler is not None:
        ckpt["scheduler"] = scheduler.state_dict()
    save(ckpt, path)  # written to a temp file, then renamed: never half-written


def load_checkpoint(path):
    from .serialization import load
    if not os.path.exists(path):
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    ckpt = load(path)
    if not isinstance(ckpt, dict) or "model" not in ckpt or "config" not in ckpt:
        raise ValueError(f"{path} is not a shenjing training checkpoint "
                         "(expected keys 'model', 'optimizer', 'epoch', 'config')")
    return ckpt


def check_save_path(path):
    """Fail before training, not after the first epoch, when ``--save`` can't be written."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(f"--save {path} is a directory; give a file name")
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"--save {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise PermissionError(f"--save {path}: the folder {folder} is not writable")


def check_resume_config(ckpt, cfg, path):
    """The checkpoint's model and optimizer must be the ones asked for: loading another
    optimizer's state (and its hyperparameters) would silently mix the two."""
    saved = ckpt.get("config") or {}
    for key in ("model", "optimizer"):
        if key in saved and saved[key] != cfg[key]:
            raise ValueError(f"checkpoint {path} was trained with --{key} {saved[key]}, "
                             f"not --{key} {cfg[key]}; resume with --{key} {saved[key]}")


def restore(model, optimizer, ckpt, path, scheduler=None):
    """Load a checkpoint into the model (and optimizer), naming the file on mismatch."""
    try:
        model.load_state_dict(ckpt["model"])
    except RuntimeError as e:
        raise ValueError(f"checkpoint {path} does not fit this model "
                         f"({type(model).__name__}): {_first_error(e)}") from None
    if optimizer is not None and "optimizer" in ckpt:
        optimizer.load_state_dict(ckpt["optimizer"])
    if scheduler is not None and "scheduler" in ckpt:
        scheduler.load_state_dict(ckpt["scheduler"])
    if "rng_state" in ckpt:
        set_rng_state(ckpt["rng_state"])


def _first_error(e):
    lines = [l.strip() for l in str(e).splitlines() if l.strip()]
    return " ".join(lines[1:]) if len(lines) > 1 else str(e)


def fit(config, log=print, progress=True, callbacks=()):
    """Train as ``config`` says (the options of `shenjing train`); return the history.

    Each callback is called as cb(event, **info) with event 'epoch_end' (epoch, metrics,
    model, optimizer, ...) or 'train_end'.
    """
    from .models import build
    from .utils.data import DataLoader

    cfg = dict(config)
    manual_seed(cfg["seed"])
    train_set, test_set, info = load_data(cfg["dataset"], cfg.get("data_dir"),
                                          download=cfg.get("download", True), log=log)
    cfg.update({"dataset": info["dataset"], "in_shape": list(info["in_shape"])})
    model = build(cfg["model"], tuple(info["in_shape"]), len(info["classes"]),
                  tuple(cfg["hidden"]))
    optimizer = make_optimizer(cfg["optimizer"], model.parameters(), cfg["lr"],
                               cfg.get("weight_decay", 0.0))
    scheduler = make_scheduler(cfg.get("scheduler"), optimizer, cfg["epochs"])
    criterion = nn.CrossEntropyLoss()
    history, start = [], 0
    if cfg.get("save"):
        check_save_path(cfg["save"])
    if cfg.get("resume"):
        ckpt = load_checkpoint(cfg["resume"])
        check_resume_config(ckpt, cfg, cfg["resume"])
        restore(model, optimizer, ckpt, cfg["resume"], scheduler)
        history, start = list(ckpt.get("history", [])), int(ckpt["epoch"])
        log(f"resumed from {cfg['resume']} after epoch {start}")
        if start >= cfg["epochs"]:
            log(f"nothing to train: the checkpoint has {start} epoch(s) and --epochs is "
                f"{cfg['epochs']}; pass a larger --epochs to continue")
    train_loader = DataLoader(train_set, batch_size=cfg["batch_size"], shuffle=True)
    test_loader = DataLoader(test_set, batch_size=1000)
    log(f"training {cfg['model']} on {info['dataset']} ({len(train_set)} train / "
        f"{len(test_set)} test images), {sum(p.numel() for p in model.parameters()):,} "
        f"parameters, {cfg['optimizer']} lr={cfg['lr']}, batch {cfg['batch_size']}, "
        f"seed {cfg['seed']}")
    for epoch in range(start, cfg["epochs"]):
        t0 = time.perf_counter()
        loss, train_acc = train_one_epoch(model, train_loader, criterion, optimizer,
                                          f"epoch {epoch + 1}/{cfg['epochs']}", progress,
                                          cfg.get("on_step"))
        lr = optimizer.param_groups[0]["lr"]
        if scheduler is not None:
            scheduler.step()
        test_acc = evaluate(model, test_loader)
        seconds = time.perf_counter() - t0
        metrics = {"epoch": epoch + 1, "train_loss": loss, "train_acc": train_acc,
                   "test_acc": test_acc, "lr": lr, "seconds": seconds}
        history.append(metrics)
        log(f"epoch {epoch + 1:>2}/{cfg['epochs']}  train loss {loss:.4f}  "
            f"train acc {train_acc:6.2f}%  test acc {test_acc:6.2f}%  {seconds:6.2f} s")
        if cfg.get("save"):
            save_checkpoint(cfg["save"], model, optimizer, epoch + 1,
                            {k: v for k, v in cfg.items() if _plain(v)}, history, scheduler)
        for cb in callbacks:
            cb("epoch_end", epoch=epoch + 1, metrics=metrics, model=model,
               optimizer=optimizer, history=history, info=info)
    for cb in callbacks:
        cb("train_end", model=model, history=history, info=info, test_set=test_set,
           test_loader=test_loader)
    return model, history


def _plain(v):
    return v is None or isinstance(v, (str, int, float, bool, list, tuple))
