"""SummaryWriter: log scalars, histograms, images, text, hyperparameters and the graph.

Method names and arguments follow ``torch.utils.tensorboard.SummaryWriter``. The event
files are written by tensorboardX (a maintained writer of TensorBoard's format), so
``tensorboard --logdir runs`` shows them; this class only turns shenjing tensors into
NumPy arrays on the way in.
"""
import contextlib
import io

import numpy as np

from ...tensor import Tensor


def _tensorboardx():
    try:
        import tensorboardX
    except ImportError:
        raise ImportError("shenjing.utils.tensorboard needs tensorboardX: "
                          "pip install tensorboardX") from None
    return tensorboardX


def _np(x):
    """A shenjing Tensor (or anything array-like) as a NumPy array."""
    if isinstance(x, Tensor):
        return x.detach()._data
    return np.asarray(x)


def _scalar(x):
    if isinstance(x, Tensor):
        if x.numel() != 1:
            raise ValueError(f"SummaryWriter: a scalar must have one element, got shape "
                             f"{list(x.shape)}")
        return float(x.item())
    arr = np.asarray(x)
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise ValueError(f"SummaryWriter: a scalar must be one number, got {x!r}"[:200])
    return float(arr.reshape(()))


def _image(img, dataformats, where):
    """Check an image array against ``dataformats`` before tensorboardX sees it."""
    arr = _np(img)
    fmt = str(dataformats).upper()
    allowed = ("NCHW", "NHWC") if where == "add_images" else ("CHW", "HWC", "HW")
    if fmt not in allowed:
        raise ValueError(f"SummaryWriter.{where}: dataformats should be one of {allowed}, "
                         f"got {dataformats!r}")
    if arr.ndim != len(fmt) or 0 in arr.shape:
        raise ValueError(f"SummaryWriter.{where}: expected a non-empty {fmt} array "
                         f"(dataformats={fmt!r}), got shape {list(arr.shape)}")
    if "C" in fmt and arr.shape[fmt.index("C")] not in (1, 3, 4):
        raise ValueError(f"SummaryWriter.{where}: expected 1, 3 or 4 channels on axis C of "
                         f"{fmt}, got shape {list(arr.shape)}")
    return arr


def _hparam(v):
    if isinstance(v, Tensor):
        return _scalar(v)
    return v if isinstance(v, (bool, int, float, str)) else str(v)


class SummaryWriter:
    """Writes TensorBoard event files into ``log_dir`` (default ``runs/DATE_HOST{comment}``).

    Example::

        with SummaryWriter("runs/mlp") as w:
            for epoch, loss in enumerate(losses):
                w.add_scalar("loss/train", loss, epoch)
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10,
                 flush_secs=120, filename_suffix=""):
        tbx = _tensorboardx()
        self._writer = tbx.SummaryWriter(logdir=log_dir, comment=comment,
                                         purge_step=purge_step, max_queue=max_queue,
                                         flush_secs=flush_secs,
                                         filename_suffix=filename_suffix)
        self.log_dir = self._writer.logdir

    def get_logdir(self):
        return self.log_dir

    # ------------------------------------------------------------- scalars
    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None):
        """One value of the curve ``tag`` at ``global_step``."""
        self._writer.add_scalar(tag, _scalar(scalar_value), global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Several curves drawn in one chart (each is written as its own run)."""
        values = {k: _scalar(v) for k, v in tag_scalar_dict.items()}
        self._writer.add_scalars(main_tag, values, global_step, walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None,
                      max_bins=None):
        """The distribution of ``values`` (e.g. a layer's weights or gradients)."""
        arr = _np(values).astype(np.float64).ravel()
        if arr.size == 0:
            raise ValueError(f"SummaryWriter.add_histogram({tag!r}): no values")
        self._writer.add_histogram(tag, arr, global_step, bins, walltime, max_bins)

    # -------------------------------------------------------------- images
    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """One image; float values in [0, 1] or uint8 values in [0, 255]."""
        self._writer.add_image(tag, _image(img_tensor, dataformats, "add_image"), global_step,
                               walltime, dataformats)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None,
                   dataformats="NCHW"):
        """A batch of images, tiled into one grid."""
        self._writer.add_images(tag, _image(img_tensor, dataformats, "add_images"),
                                global_step, walltime, dataformats)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """A matplotlib figure, rendered to an image."""
        self._writer.add_figure(tag, figure, global_step, close, walltime)

    # ------------------------------------------------------ text, hparams, pr
    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """Markdown text shown in the Text tab."""
        self._writer.add_text(tag, text_string, global_step, walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None,
                    run_name=None, global_step=None):
        """One run's hyperparameters and its final metrics, for the HParams tab.

        Values other than bool/int/float/str (None, lists) are shown as text;
        ``hparam_domain_discrete`` is accepted for compatibility and not used.
        """
        hp = {k: _hparam(v) for k, v in hparam_dict.items()}
        metrics = {k: _scalar(v) for k, v in metric_dict.items()}
        self._writer.add_hparams(hp, metrics, name=run_name, global_step=global_step)

    def add_pr_curve(self, tag, labels, predictions, global_step=None, num_thresholds=127,
                     weights=None, walltime=None):
        """Precision-recall curve of binary ``labels`` against scores ``predictions``."""
        self._writer.add_pr_curve(tag, _np(labels), _np(predictions), global_step,
                                  num_thresholds, weights, walltime)

    # --------------------------------------------------------------- graph
    def add_graph(self, model, input_to_model=None, verbose=False):
        """The model's graph for the Graphs tab, traced through shenjing.onnx.export.

        Needs the ``onnx`` package (the trace is stored as an ONNX graph, which
        tensorboardX converts to TensorBoard's graph format).
        """
        if input_to_model is None:
            raise ValueError("SummaryWriter.add_graph: give an example input "
                             "(input_to_model) to trace the model with")
        from ...onnx import export
        from ...onnx.export import _onnx
        buf = io.BytesIO()
        export(model, input_to_model, buf, verbose=verbose)
        proto = _onnx().load_from_string(buf.getvalue())
        from tensorboardX.onnx_graph import parse
        with contextlib.redirect_stdout(io.StringIO()):  # the converter prints node names
            graph = parse(proto.graph)
        self._writer._get_file_writer().add_onnx_graph(graph)

    # ----------------------------------------------------------- lifecycle
    def flush(self):
        """Write pending events to disk now."""
        self._writer.flush()

    def close(self):
        self._writer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
