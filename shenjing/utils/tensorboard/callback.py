"""A training callback (for ``shenjing.training.fit``) that logs each epoch to TensorBoard."""
from .writer import SummaryWriter


class TensorBoardLogger:
    """Per epoch: loss, accuracies and learning rate as scalars, every parameter's
    values and last gradient as histograms; at the end, the model's graph when the
    onnx package is there. Use as ``fit(cfg, callbacks=[TensorBoardLogger("runs/x")])``."""

    def __init__(self, log_dir, comment=""):
        self.writer = SummaryWriter(log_dir, comment=comment)
        self.log_dir = self.writer.log_dir

    def __call__(self, event, **info):
        if event == "epoch_end":
            self.epoch_end(info["epoch"], info["metrics"], info["model"])
        elif event == "train_end":
            self.train_end(info["model"], info.get("test_loader"))

    def epoch_end(self, epoch, metrics, model):
        w = self.writer
        w.add_scalar("loss/train", metrics["train_loss"], epoch)
        w.add_scalar("accuracy/train", metrics["train_acc"], epoch)
        w.add_scalar("accuracy/test", metrics["test_acc"], epoch)
        w.add_scalar("learning_rate", metrics["lr"], epoch)
        for name, p in model.named_parameters():
            w.add_histogram(f"weights/{name}", p, epoch)
            if p.grad is not None:
                w.add_histogram(f"gradients/{name}", p.grad, epoch)
        w.flush()

    def train_end(self, model, test_loader=None):
        if test_loader is not None:
            try:
                images, _ = next(iter(test_loader))
                self.writer.add_graph(model, images[:1])
            except ImportError:
                pass  # the graph needs onnx; scalars and histograms are already written
        self.writer.close()
