"""Command line: `shenjing train`, `shenjing evaluate` (also `python -m shenjing ...`)."""
import argparse
import os
import sys


def _hidden(text):
    try:
        widths = tuple(int(w) for w in text.split(",") if w.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"--hidden expects widths like 512,256, got {text!r}")
    if not widths or any(w <= 0 for w in widths):
        raise argparse.ArgumentTypeError(f"--hidden expects positive widths, got {text!r}")
    return widths


def _positive(kind):
    def parse(text):
        v = kind(text)
        if v <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
        return v
    return parse


def _add_train(sub):
    p = sub.add_parser("train", help="train a model (default: the MNIST MLP of the article)")
    p.add_argument("--model", default="mlp", choices=["mlp", "cnn", "lenet5", "lstm", "gru"])
    p.add_argument("--dataset", default="auto",
                   choices=["auto", "mnist", "fashion-mnist", "digits"],
                   help="auto: MNIST if on disk or downloadable, else scikit-learn's digits")
    p.add_argument("--epochs", type=_positive(int), default=10)
    p.add_argument("--batch-size", type=_positive(int), default=64)
    p.add_argument("--lr", type=_positive(float), default=1e-3)
    p.add_argument("--optimizer", default="adam", choices=["adam", "adamw", "sgd", "rmsprop"])
    p.add_argument("--scheduler", default="none", choices=["none", "cosine", "step"])
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", default=None,
                   help="folder with the MNIST IDX files (default: $SHENJING_DATA_DIR or ./data)")
    p.add_argument("--no-download", dest="download", action="store_false")
    p.add_argument("--hidden", type=_hidden, default=(512, 256), help="MLP widths, e.g. 512,256")
    p.add_argument("--save", metavar="PATH", help="write a checkpoint after every epoch")
    p.add_argument("--resume", metavar="PATH", help="continue from a checkpoint")
    p.add_argument("--device", default="cpu", choices=["cpu"])
    p.add_argument("--no-progress", dest="progress", action="store_false")
    return p


def _add_evaluate(sub):
    p = sub.add_parser("evaluate", help="test accuracy and confusion matrix of a checkpoint")
    p.add_argument("--checkpoint", required=True, metavar="PATH")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--batch-size", type=_positive(int), default=1000)
    return p


def build_parser():
    parser = argparse.ArgumentParser(
        prog="shenjing", description="shenjing (神经): train and inspect neural networks")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_train(sub)
    _add_evaluate(sub)
    return parser


def cmd_train(args):
    from .training import fit
    cfg = {k: v for k, v in vars(args).items() if k not in ("command", "func", "progress")}
    cfg["hidden"] = list(args.hidden)
    fit(cfg, progress=args.progress)


def cmd_evaluate(args):
    import numpy as np

    from .models import build
    from .training import (confusion_matrix, format_confusion, load_checkpoint, load_data,
                           predict, restore)
    from .utils.data import DataLoader

    ckpt = load_checkpoint(args.checkpoint)
    cfg = ckpt["config"]
    _, test_set, info = load_data(cfg.get("dataset", "mnist"), args.data_dir or cfg.get("data_dir"),
                                  download=False)
    model = build(cfg["model"], tuple(info["in_shape"]), len(info["classes"]),
                  tuple(cfg.get("hidden", (512, 256))))
    restore(model, None, ckpt, args.checkpoint)
    pred, true = predict(model, DataLoader(test_set, batch_size=args.batch_size))
    print(f"{args.checkpoint}: {cfg['model']} on {info['dataset']}, epoch {ckpt['epoch']}")
    print(f"test accuracy: {100.0 * float(np.mean(pred == true)):.2f}% "
          f"({int((pred == true).sum())}/{len(true)})")
    print("confusion matrix (rows: true class, columns: predicted):")
    print(format_confusion(confusion_matrix(pred, true, len(info["classes"])), info["classes"]))


COMMANDS = {"train": cmd_train, "evaluate": cmd_evaluate}


def main(argv=None):
    from .training import DataUnavailable
    args = build_parser().parse_args(argv)
    try:
        COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("shenjing: interrupted", file=sys.stderr)
        return 130
    except (DataUnavailable, FileNotFoundError, ValueError, OSError) as e:
        # expected failures (missing data, bad checkpoint) get one clear line, no traceback
        if os.environ.get("SHENJING_DEBUG"):
            raise
        msg = " ".join(str(e).split())
        print(f"shenjing {args.command}: error: {msg}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
