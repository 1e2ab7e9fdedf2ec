"""shenjing.save / shenjing.load: exact round trips, atomic writes, PyTorch files without
torch, and a malicious pickle that must be refused before it runs."""
import collections
import importlib.util
import io
import os
import pickle
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import shenjing
from shenjing import nn

needs_safetensors = pytest.mark.skipif(importlib.util.find_spec("safetensors") is None,
                                       reason="safetensors is not installed")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def mlp():
    return nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 5))


def checkpoint():
    w = nn.Parameter(shenjing.randn(3, 4))
    return {
        "model": collections.OrderedDict([("b.weight", w), ("a.bias", shenjing.zeros(3)),
                                          ("count", shenjing.tensor([1, 2], dtype=shenjing.int64))]),
        "optimizer": {"state": {0: {"step": 3, "exp_avg": shenjing.ones(3, 4)}, 1: {}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1],
                                        "nesterov": False, "foreach": None}]},
        "epoch": 2, "config": {"hidden": [512, 256], "lr": 1.0, "name": "mlp", "seed": 0},
        "rng_state": shenjing.get_rng_state(), "history": [{"loss": 0.5, "acc": 90}],
        "scalar": shenjing.tensor(2.5), "big": 2 ** 80, "inf": float("inf"),
        "array": np.arange(4, dtype=np.int16), "np_float": np.float32(1.5), (1, "x"): "tuple key",
    }


def assert_same(a, b, path="obj"):
    assert type(a) is type(b), f"{path}: {type(a)} vs {type(b)}"
    if isinstance(a, shenjing.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        assert a.requires_grad == b.requires_grad, path
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=path)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    else:
        assert a == b and type(a) is type(b), path


@needs_safetensors
def test_state_dict_round_trip(tmp_path):
    sd = mlp().state_dict()
    shenjing.save(sd, tmp_path / "m.safetensors")
    assert_same(sd, shenjing.load(tmp_path / "m.safetensors"))


@needs_safetensors
def test_nested_checkpoint_round_trips_exactly(tmp_path):
    ckpt = checkpoint()
    ckpt["model"]["tied"] = ckpt["model"]["b.weight"]
    shenjing.save(ckpt, tmp_path / "c.ckpt")
    out = shenjing.load(tmp_path / "c.ckpt")
    assert_same(ckpt, out)
    assert out["model"]["tied"] is out["model"]["b.weight"]  # stored once, shared again
    assert isinstance(out["model"]["b.weight"], nn.Parameter)


@needs_safetensors
def test_header_length_starting_like_a_pickle():
    """Regression: a header length whose low byte is 0x80 (pickle's first byte) was
    taken for a pickle."""
    for n in range(0, 400):
        buf = io.BytesIO()
        shenjing.save({"w": shenjing.ones(2), "note": "x" * n}, buf)
        if buf.getvalue()[0] == 0x80:
            break
    assert buf.getvalue()[0] == 0x80
    buf.seek(0)
    assert shenjing.load(buf)["note"] == "x" * n


@needs_safetensors
def test_file_objects_and_unsupported_types():
    buf = io.BytesIO()
    shenjing.save({"x": shenjing.arange(3)}, buf)
    buf.seek(0)
    assert shenjing.load(buf)["x"].tolist() == [0, 1, 2]
    with pytest.raises(TypeError, match=r"can't store object at config.fn"):
        shenjing.save({"config": {"fn": object()}}, io.BytesIO())


@needs_safetensors
def test_interrupted_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "c.ckpt"
    shenjing.save({"epoch": 1}, path)
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        shenjing.save({"epoch": 2}, path)
    monkeypatch.undo()
    assert shenjing.load(path) == {"epoch": 1}
    assert os.listdir(tmp_path) == ["c.ckpt"]  # no temp file left behind


@needs_safetensors
@pytest.mark.parametrize("damage", ["truncate", "header", "garbage", "empty"])
def test_damaged_file_names_its_path(tmp_path, damage):
    path = tmp_path / "bad.safetensors"
    shenjing.save(mlp().state_dict(), path)
    data = path.read_bytes()
    data = {"truncate": data[: len(data) // 2], "header": data[:8] + b"{oops" + data[13:],
            "garbage": b"hello world, not a model", "empty": b""}[damage]
    path.write_bytes(data)
    with pytest.raises(ValueError, match=str(path)):
        shenjing.load(path)


def test_missing_safetensors_gives_pip_hint(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match="pip install safetensors"):
        shenjing.save({"a": shenjing.ones(2)}, tmp_path / "x")


# ------------------------------------------------------------- malicious pickles
class _Evil:
    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


def _zip_with_pickle(path, payload):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps(payload, protocol=2))
        z.writestr("archive/byteorder", "little")


@pytest.mark.parametrize("container", ["pickle", "zip"])
@pytest.mark.parametrize("fn", [os.system, eval])
def test_malicious_pickle_is_refused_before_it_runs(tmp_path, container, fn):
    marker = tmp_path / "pwned"
    cmd = f"touch {marker}" if fn is os.system else f"open({str(marker)!r}, 'w')"
    payload = {"weight": _Evil(fn, cmd)}
    path = tmp_path / "evil.pt"
    if container == "zip":
        _zip_with_pickle(path, payload)
    else:
        path.write_bytes(pickle.dumps(payload, protocol=2))
    name = "posix.system" if fn is os.system else "builtins.eval"
    with pytest.raises(pickle.UnpicklingError,
                       match=f"refusing to unpickle {name} from {path}: only tensors"):
        shenjing.load(path)
    assert not marker.exists()


# ------------------------------------------------------------- PyTorch interop
NO_TORCH_LOADER = textwrap.dedent("""
    import sys
    class _Block:
        def find_spec(self, name, path=None, target=None):
            if name == "torch" or name.startswith("torch."):
                raise ImportError("torch is blocked in this test")
    sys.meta_path.insert(0, _Block())
    import numpy as np, shenjing
    from shenjing import nn
    model = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 5))
    model.load_state_dict(shenjing.load(sys.argv[1]))
    x = shenjing.tensor(np.load(sys.argv[2]))
    np.save(sys.argv[3], model(x).detach().numpy())
    assert "torch" not in sys.modules
""")


@pytest.mark.parametrize("zip_format", [True, False])
def test_torch_state_dict_loads_without_torch(tmp_path, zip_format):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    ref = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.ReLU(), torch.nn.Linear(16, 5))
    torch.save(ref.state_dict(), tmp_path / "m.pt", _use_new_zipfile_serialization=zip_format)
    x = np.random.default_rng(0).standard_normal((7, 12)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    script = tmp_path / "load.py"
    script.write_text(NO_TORCH_LOADER)
    env = dict(os.environ, PYTHONPATH=ROOT)
    subprocess.run([sys.executable, str(script), str(tmp_path / "m.pt"), str(tmp_path / "x.npy"),
                    str(tmp_path / "y.npy")], check=True, env=env, cwd=tmp_path)
    expected = ref(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=1e-5, atol=1e-6)


def test_torch_checkpoint_with_optimizer_state(tmp_path):
    torch = pytest.importorskip("torch")
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters())
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3},
               tmp_path / "ck.pth")
    out = shenjing.load(tmp_path / "ck.pth")
    assert out["epoch"] == 3
    np.testing.assert_array_equal(out["model"]["weight"].numpy(), model.weight.detach().numpy())
    state = out["optimizer"]["state"][0]
    np.testing.assert_array_equal(state["exp_avg"].numpy(), opt.state[model.weight]["exp_avg"])
    assert out["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)


@needs_safetensors
def test_shenjing_file_loads_in_torch(tmp_path):
    torch = pytest.importorskip("torch")
    st_torch = pytest.importorskip("safetensors.torch")
    shenjing.manual_seed(0)
    model = mlp()
    shenjing.save(model.state_dict(), tmp_path / "m.safetensors")
    ref = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.ReLU(), torch.nn.Linear(16, 5))
    ref.load_state_dict(st_torch.load_file(str(tmp_path / "m.safetensors")))
    x = np.random.default_rng(1).standard_normal((6, 12)).astype(np.float32)
    np.testing.assert_allclose(model(shenjing.tensor(x)).detach().numpy(),
                               ref(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def _torch_twin(torch, kind):
    """A torch module whose state_dict keys match shenjing.models' CNN / LSTM classifier."""
    nn_ = torch.nn

    class CNN(nn_.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn_.Conv2d(1, 32, 3), nn_.Conv2d(32, 64, 3)
            self.fc1, self.fc2 = nn_.Linear(9216, 128), nn_.Linear(128, 10)

        def forward(self, x):
            x = torch.relu(self.conv1(x))
            x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
            return self.fc2(torch.relu(self.fc1(x.flatten(1))))

    class Seq(nn_.Module):
        def __init__(self):
            super().__init__()
            self.rnn, self.fc = nn_.LSTM(28, 128, batch_first=True), nn_.Linear(128, 10)

        def forward(self, x):
            out, _ = self.rnn(x[:, 0])
            return self.fc(out[:, -1])

    return CNN() if kind == "cnn" else Seq()


@pytest.mark.parametrize("kind", ["cnn", "lstm"])
def test_torch_cnn_and_lstm_checkpoints_give_same_logits(tmp_path, kind):
    torch = pytest.importorskip("torch")
    from shenjing.models import build
    torch.manual_seed(0)
    ref = _torch_twin(torch, kind).eval()
    torch.save(ref.state_dict(), tmp_path / "m.pth")
    model = build(kind, (1, 28, 28), 10)
    model.load_state_dict(shenjing.load(tmp_path / "m.pth"))
    model.eval()
    x = np.random.default_rng(2).standard_normal((3, 1, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(model(shenjing.tensor(x)).detach().numpy(),
                               ref(torch.from_numpy(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


@needs_safetensors
def test_save_into_a_folder_or_a_missing_folder_names_the_path(tmp_path):
    # bug: the error named the hidden temporary file (.x.st.abc123.tmp), not the target
    with pytest.raises(FileNotFoundError, match=r"can't write .*no/x\.st: the folder"):
        shenjing.save({"epoch": 1}, tmp_path / "no" / "x.st")
    with pytest.raises(IsADirectoryError, match="is a directory; give a file name"):
        shenjing.save({"epoch": 1}, tmp_path)
    assert os.listdir(tmp_path) == [] and not any(
        n.endswith(".tmp") for n in os.listdir(tmp_path.parent))


def test_load_of_a_directory_is_a_clear_error(tmp_path):
    # bug: a bare "[Errno 21] Is a directory"
    with pytest.raises(IsADirectoryError, match="shenjing.load: .* is a directory, not a file"):
        shenjing.load(tmp_path)
