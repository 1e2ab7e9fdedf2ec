"""shenjing.onnx.export: checked by onnx.checker and run by onnxruntime against shenjing."""
import io
import sys

import numpy as np
import pytest

import shenjing
from shenjing import nn

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import shenjing.onnx as sjonnx  # noqa: E402
from shenjing.models import build  # noqa: E402

BATCH = {"input": {0: "batch"}, "output": {0: "batch"}}


def run_onnx(proto, *arrays):
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {i.name: a for i, a in zip(sess.get_inputs(), arrays)}
    return sess.run(None, feeds)


def check(model, *shapes, batches=(3,), dynamic_axes=BATCH, dtype=np.float32, high=None, seed=0,
          opset=17):
    """Export on batch 2, then compare onnxruntime with shenjing on other batch sizes."""
    rng = np.random.default_rng(seed)
    make = (lambda s: rng.integers(0, high, s).astype(dtype)) if high else \
        (lambda s: rng.standard_normal(s).astype(dtype))
    example = tuple(shenjing.tensor(make((2,) + s)) for s in shapes)
    buf = io.BytesIO()
    proto = sjonnx.export(model, example if len(example) > 1 else example[0], buf,
                          dynamic_axes=dynamic_axes, opset_version=opset)
    onnx.checker.check_model(onnx.load_from_string(buf.getvalue()))
    model.eval()
    for b in batches:
        arrays = [make((b,) + s) for s in shapes]
        expected = model(*[shenjing.tensor(a) for a in arrays])
        expected = expected if isinstance(expected, tuple) else (expected,)
        got = run_onnx(proto, *arrays)
        for e, g in zip(expected, got):
            e = e.detach().numpy()
            assert g.shape == e.shape
            np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5 * np.abs(e).max())
    return proto


def test_mlp_gemm_initializers_and_dynamic_batch():
    shenjing.manual_seed(0)
    model = build("mlp", (1, 28, 28), 10, (64, 32))
    proto = check(model, (1, 28, 28), batches=(2, 7, 1))
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count("Gemm") == 3 and ops.count("Relu") == 2
    names = {i.name for i in proto.graph.initializer}
    assert set(model.state_dict()) <= names
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


@pytest.mark.parametrize("name", ["cnn", "lenet5"])
def test_cnns(name):
    shenjing.manual_seed(1)
    proto = check(build(name, (1, 28, 28), 10), (1, 28, 28), batches=(2, 5))
    assert "Conv" in [n.op_type for n in proto.graph.node]


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_recurrent_classifiers(cell):
    shenjing.manual_seed(2)
    proto = check(build(cell, (1, 28, 28), 10), (1, 28, 28), batches=(2, 4))
    assert cell.upper() in [n.op_type for n in proto.graph.node]


def test_two_layer_bidirectional_lstm_with_embedding():
    shenjing.manual_seed(3)

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(20, 8)
            self.rnn = nn.LSTM(8, 6, num_layers=2, bidirectional=True, batch_first=True)
            self.head = nn.Linear(12, 3)

        def forward(self, tokens):
            out, (h, c) = self.rnn(self.emb(tokens))
            return self.head(out).log_softmax(-1), h

    check(Tagger(), (5,), dtype=np.int64, high=20,
          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}, "output.1": {1: "b"}})


def test_norms_pools_and_activations():
    shenjing.manual_seed(4)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1, stride=2), nn.BatchNorm2d(8), nn.LeakyReLU(0.1),
        nn.AvgPool2d(2), nn.Conv2d(8, 8, 1, groups=2), nn.SiLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.LayerNorm(8), nn.Dropout(0.5), nn.Linear(8, 4), nn.Tanh(),
        nn.Softmax(dim=1))
    model.train()
    model(shenjing.randn(4, 3, 16, 16))  # move the batch-norm running statistics
    sjonnx.export(model, shenjing.randn(1, 3, 16, 16), io.BytesIO())
    assert model.training  # export switches to eval and back
    check(model, (3, 16, 16), batches=(3,))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_composed_for_opset_17(approximate):
    shenjing.manual_seed(5)
    gelu = nn.GELU(approximate=approximate)
    if gelu(shenjing.randn(2)).dtype != shenjing.float32:
        pytest.skip("shenjing's GELU turns float32 into float64 (ops/activation.py)")
    model = nn.Sequential(nn.Linear(4, 6), gelu, nn.Linear(6, 2), nn.ELU(),
                          nn.Softplus(beta=2.0))
    proto = check(model, (4,))
    assert "Erf" in [n.op_type for n in proto.graph.node] or approximate == "tanh"


@pytest.mark.parametrize("opset", [13, 17, 18])
def test_tensor_arithmetic_and_indexing(opset):
    class Ops(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(shenjing.randn(4, 4))

        def forward(self, x):
            y = (x @ self.w) * 2.0 - x / 3 + x.pow(2) + x.exp().log()
            y = shenjing.cat([y, x.sigmoid()], dim=1)[:, 1:7]
            z = y.permute(1, 0)[None, ..., 0]
            m = y.mean(dim=1, keepdim=True) + y.sum(1, keepdim=True) + y.amax(1, keepdim=True)
            return y.clamp(-1.0, 1.0) + m, z, y.max(dim=1).values

    check(Ops(), (4,), dynamic_axes=None, batches=(2,), opset=opset)


def test_output_names_file_path_and_errors(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2))
    path = tmp_path / "m.onnx"
    sjonnx.export(model, shenjing.randn(1, 3), path, input_names=["x"], output_names=["y"])
    proto = onnx.load(str(path))
    assert [i.name for i in proto.graph.input] == ["x"]
    assert [o.name for o in proto.graph.output] == ["y"]
    with pytest.raises(TypeError, match="Tensor"):
        sjonnx.export(model, np.zeros((1, 3)), io.BytesIO())
    with pytest.raises(ValueError, match="opset_version 9"):
        sjonnx.export(model, shenjing.randn(1, 3), io.BytesIO(), opset_version=9)


def test_unsupported_op_is_named():
    class Packed(nn.Module):
        def forward(self, x):
            return shenjing.nn.functional.unfold(x, 2)

    with pytest.raises(sjonnx.ExportError, match="no ONNX conversion for the op Unfold"):
        sjonnx.export(Packed(), shenjing.randn(1, 1, 4, 4), io.BytesIO())


def test_non_module_and_input_independent_outputs_are_rejected():
    """Bug: a plain function raised AttributeError 'training'; a forward that went through
    .numpy() exported silently as a constant graph that ignores its input."""
    with pytest.raises(TypeError, match="model must be a shenjing.nn.Module, got function"):
        sjonnx.export(lambda x: x, shenjing.randn(1, 3), io.BytesIO())

    class ViaNumpy(nn.Module):
        def forward(self, x):
            return shenjing.tensor(x.numpy() * 2)

    buf = io.BytesIO()
    with pytest.raises(sjonnx.ExportError, match="'output' of ViaNumpy does not depend on the input"):
        sjonnx.export(ViaNumpy(), shenjing.randn(1, 3), buf)
    assert buf.getvalue() == b""


def test_tracing_hook_is_removed():
    from shenjing.autograd.function import Function
    before = Function.__dict__["apply"]
    sjonnx.export(nn.Linear(2, 2), shenjing.randn(1, 2), io.BytesIO())
    assert Function.__dict__["apply"] is before


def test_missing_packages_give_pip_hints(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match="pip install onnx"):
        sjonnx.export(nn.Linear(2, 2), shenjing.randn(1, 2), io.BytesIO())
    monkeypatch.setitem(sys.modules, "netron", None)
    with pytest.raises(ImportError, match="pip install netron"):
        sjonnx.view(tmp_path / "m.onnx")


def test_view_serves_the_file_on_localhost(tmp_path):
    pytest.importorskip("netron")
    import socket
    import urllib.request
    path = tmp_path / "m.onnx"
    sjonnx.export(nn.Linear(2, 2), shenjing.randn(1, 2), path)
    with socket.socket() as s:  # a free port on this machine
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = sjonnx.view(path, port=port, browse=False)
    try:
        assert url == f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.status == 200 and b"etron" in r.read()
    finally:
        sjonnx.stop(url)
    with pytest.raises(FileNotFoundError, match="nothere.onnx"):
        sjonnx.view(tmp_path / "nothere.onnx", browse=False)


def test_failed_export_leaves_no_partial_file(tmp_path, monkeypatch):
    # bug: the .onnx file was written in place, so an interrupted export left half a file
    import os
    model = nn.Sequential(nn.Linear(3, 2))
    path = tmp_path / "m.onnx"
    sjonnx.export(model, shenjing.randn(1, 3), path)
    before = path.read_bytes()
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        sjonnx.export(nn.Sequential(nn.Linear(30, 20)), shenjing.randn(1, 30), path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.onnx"]
    with pytest.raises(FileNotFoundError, match="shenjing.onnx.export: can't write"):
        sjonnx.export(model, shenjing.randn(1, 3), tmp_path / "no" / "m.onnx")
