"""Command line: `shenjing train | evaluate | export | predict` (also `python -m shenjing ...`)."""
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
    p.add_argument("--model", default="mlp", choices=["mlp", "cnn", "lenet5", "lstm", "gru"],
                   help="which network")
    p.add_argument("--dataset", default="auto",
                   choices=["auto", "mnist", "fashion-mnist", "digits"],
                   help="auto: MNIST if on disk or downloadable, else scikit-learn's digits")
    p.add_argument("--epochs", type=_positive(int), default=10, help="passes over the training set")
    p.add_argument("--batch-size", type=_positive(int), default=64, help="images per step")
    p.add_argument("--lr", type=_positive(float), default=1e-3, help="learning rate")
    p.add_argument("--optimizer", default="adam", choices=["adam", "adamw", "sgd", "rmsprop"],
                   help="sgd uses momentum 0.9")
    p.add_argument("--scheduler", default="none", choices=["none", "cosine", "step"],
                   help="learning-rate schedule over the epochs (step: x0.7 each epoch)")
    p.add_argument("--weight-decay", type=float, default=0.0, help="L2 penalty")
    p.add_argument("--seed", type=int, default=0, help="makes runs repeat exactly")
    p.add_argument("--data-dir", default=None,
                   help="folder with the MNIST IDX files (default: $SHENJING_DATA_DIR or ./data)")
    p.add_argument("--no-download", dest="download", action="store_false")
    p.add_argument("--hidden", type=_hidden, default=(512, 256), help="MLP widths, e.g. 512,256")
    p.add_argument("--save", metavar="PATH", help="write a checkpoint after every epoch")
    p.add_argument("--resume", metavar="PATH", help="continue from a checkpoint")
    p.add_argument("--device", default="cpu", choices=["cpu"])
    p.add_argument("--no-progress", dest="progress", action="store_false")
    p.add_argument("--logdir", metavar="DIR",
                   help="TensorBoard log folder: loss, accuracy, lr, weight/gradient histograms")
    p.add_argument("--plots", metavar="DIR",
                   help="write PNG plots at the end: curves, confusion matrix, mistakes, filters")
    p.add_argument("--grad-stats", metavar="PNG", nargs="?", const="",
                   help="record every parameter's gradient norm per step; print a table at "
                        "the end (vanishing/exploding gradients) and plot it to PNG if given")
    return p


def _add_evaluate(sub):
    p = sub.add_parser("evaluate", help="test accuracy and confusion matrix of a checkpoint")
    p.add_argument("--checkpoint", required=True, metavar="PATH")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--batch-size", type=_positive(int), default=1000)
    return p


def _add_export(sub):
    p = sub.add_parser("export", help="convert a checkpoint to ONNX (view it with Netron)")
    p.add_argument("--checkpoint", required=True, metavar="PATH")
    p.add_argument("--format", default="onnx", choices=["onnx"])
    p.add_argument("--output", metavar="FILE", help="default: the checkpoint's name + .onnx")
    p.add_argument("--opset", type=int, default=17)
    return p


def _add_predict(sub):
    p = sub.add_parser("predict", help="classify image files (PNG, JPEG, ...) with a checkpoint")
    p.add_argument("--checkpoint", required=True, metavar="PATH")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--topk", type=_positive(int), default=3)
    return p


class _DefaultsParser(argparse.ArgumentParser):
    """Sub-command parsers whose --help shows each option's default."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.ArgumentDefaultsHelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="shenjing", description="shenjing (神经): train and inspect neural networks")
    sub = parser.add_subparsers(dest="command", required=True,
                                parser_class=_DefaultsParser)
    _add_train(sub)
    _add_evaluate(sub)
    _add_export(sub)
    _add_predict(sub)
    return parser


def cmd_train(args):
    from .training import fit
    cfg = {k: v for k, v in vars(args).items()
           if k not in ("command", "func", "progress", "logdir", "plots", "grad_stats")}
    cfg["hidden"] = list(args.hidden)
    callbacks = []
    if args.logdir:
        from .utils.tensorboard import TensorBoardLogger
        callbacks.append(TensorBoardLogger(args.logdir))
    if args.plots:
        callbacks.append(_plots_callback(args.plots))
    if args.grad_stats is not None:
        cfg["on_step"], on_event = _grad_stats_hooks(args.grad_stats)
        callbacks.append(on_event)
    fit(cfg, progress=args.progress, callbacks=callbacks)


def _plots_callback(folder):
    from .utils.plots import _figure
    _figure(1, 1)  # fail now, not after training, if matplotlib is missing

    def on_event(event, **info):
        if event == "train_end":
            from .utils.plots import plot_training_report
            paths = plot_training_report(folder, info["model"], info["history"],
                                         info["test_loader"], info["info"]["classes"])
            print("plots: " + ", ".join(paths))
    return on_event


def _grad_stats_hooks(path):
    """(on_step, callback) for --grad-stats: record gradient norms, report them at the end."""
    from .utils.grad_stats import GradientStats
    stats = GradientStats()

    def on_event(event, **info):
        if event == "epoch_end":
            stats.end_epoch()
        elif event == "train_end":
            print(stats.table())
            if path:
                try:
                    print(f"gradient norms plot: {stats.plot(path)}")
                except ImportError:
                    print("gradient norms plot skipped: pip install matplotlib")
    return stats.record, on_event


def _load_model(path):
    """(model in eval mode, checkpoint config) from a `shenjing train --save` file."""
    from .models import build
    from .training import load_checkpoint, restore
    ckpt = load_checkpoint(path)
    cfg = ckpt["config"]
    in_shape = tuple(cfg.get("in_shape", (1, 28, 28)))
    model = build(cfg["model"], in_shape, _num_classes(ckpt), tuple(cfg.get("hidden", (512, 256))))
    restore(model, None, ckpt, path)
    return model.eval(), cfg


def _num_classes(ckpt):
    keys = [k for k in ckpt["model"] if k.endswith("bias")]  # the last layer's bias
    return int(ckpt["model"][keys[-1]].shape[0]) if keys else 10


def _classes(cfg, n):
    from .vision import datasets
    if cfg.get("dataset") == "fashion-mnist":
        return list(datasets.FashionMNIST.classes)
    return [str(i) for i in range(n)]


def cmd_export(args):
    import shenjing
    from .onnx import export
    model, cfg = _load_model(args.checkpoint)
    out = args.output or os.path.splitext(args.checkpoint)[0] + ".onnx"
    example = shenjing.zeros((1,) + tuple(cfg.get("in_shape", (1, 28, 28))))
    proto = export(model, example, out, input_names=["input"], output_names=["logits"],
                   dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                   opset_version=args.opset)
    ops = sorted({n.op_type for n in proto.graph.node} - {"Identity"})
    print(f"wrote {out}: {cfg['model']} as ONNX opset {args.opset} "
          f"({len(proto.graph.node)} nodes: {', '.join(ops)})")
    print(f"view it with: netron {out}   (pip install netron; or open it at netron.app)")


def cmd_predict(args):
    from .predict import format_predictions, predict_files, transform_for
    model, cfg = _load_model(args.checkpoint)
    in_shape = tuple(cfg.get("in_shape", (1, 28, 28)))
    for path in args.images:
        if not os.path.exists(path):
            raise FileNotFoundError(f"image {path} does not exist")
    results = predict_files(model, args.images, transform_for(cfg),
                            _classes(cfg, _num_classes({"model": model.state_dict()})),
                            topk=args.topk, image_size=in_shape[1:])
    print(format_predictions(results))


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


COMMANDS = {"train": cmd_train, "evaluate": cmd_evaluate, "export": cmd_export,
            "predict": cmd_predict}


def main(argv=None):
    from .training import DataUnavailable
    args = build_parser().parse_args(argv)
    try:
        COMMANDS[args.command](args)
    except BrokenPipeError:
        # output piped into e.g. `head`, which closed early: not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("shenjing: interrupted", file=sys.stderr)
        return 130
    except (DataUnavailable, FileNotFoundError, ValueError, OSError, ImportError) as e:
        # expected failures (missing data, bad checkpoint) get one clear line, no traceback
        if os.environ.get("SHENJING_DEBUG"):
            raise
        msg = " ".join(str(e).split())
        print(f"shenjing {args.command}: error: {msg}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
