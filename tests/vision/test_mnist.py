"""MNIST / FashionMNIST / Digits: IDX reading, checks, fast batches and download."""
import functools
import gzip
import hashlib
import http.server
import os
import shutil
import socket
import struct
import threading
import time

import numpy as np
import pytest

import shenjing
from shenjing.utils.data import DataLoader, Subset, default_collate
from shenjing.vision import datasets, transforms as T

NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
NORM = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])


def idx_bytes(arr, magic=None):
    """The IDX encoding of a uint8 array (header + raw bytes)."""
    magic = (0x08 << 8) | arr.ndim if magic is None else magic
    return struct.pack(">I", magic) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def write(path, content, gz=True):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with (gzip.open(path, "wb") if gz else open(path, "wb")) as f:
        f.write(content)
    return path


def synthetic(n_train=40, n_test=12, seed=0):
    """Contents of the four files for a small synthetic MNIST: {name: idx bytes}."""
    rng = np.random.default_rng(seed)
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        out[f"{prefix}-images-idx3-ubyte.gz"] = idx_bytes(
            rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        out[f"{prefix}-labels-idx1-ubyte.gz"] = idx_bytes(
            rng.integers(0, 10, n, dtype=np.uint8))
    return out


def resources_for(contents):
    return [(n, hashlib.sha256(contents[n]).hexdigest(), None) for n in NAMES]


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A root folder with synthetic MNIST files, whose checksums MNIST is told to expect."""
    contents = synthetic()
    for name, data in contents.items():
        write(str(tmp_path / name), data)
    monkeypatch.setattr(datasets.MNIST, "resources", resources_for(contents))
    return tmp_path, contents


def real_mnist_dir():
    d = os.environ.get("SHENJING_MNIST_DIR")
    if not d:
        pytest.skip("SHENJING_MNIST_DIR is not set (folder with the real MNIST .gz files)")
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for cand in (d, os.path.join(repo, d)):
        if os.path.isfile(os.path.join(cand, NAMES[0])):
            return cand
    pytest.skip(f"SHENJING_MNIST_DIR={d} does not hold {NAMES[0]}")


# ----------------------------------------------------------------- reading
def test_reads_synthetic_files(fake):
    root, contents = fake
    ds = datasets.MNIST(str(root), train=True)
    assert len(ds) == 40 and ds.data.shape == (40, 28, 28) and ds.data.dtype == np.uint8
    assert ds.targets.dtype == np.int64 and ds.train and ds.root == str(root)
    assert ds.classes[0] == "0 - zero" and ds.class_to_idx["9 - nine"] == 9
    img, label = ds[3]
    assert isinstance(img, shenjing.Tensor) and img.shape == (28, 28) and img.dtype == np.uint8
    assert isinstance(label, int)
    expected = np.frombuffer(contents[NAMES[0]], np.uint8, offset=16).reshape(40, 28, 28)
    np.testing.assert_array_equal(img.numpy(), expected[3])
    assert len(datasets.MNIST(str(root), train=False)) == 12
    assert "Number of datapoints: 40" in repr(ds)


def test_decompressed_files_and_raw_folder(tmp_path, monkeypatch):
    contents = synthetic()
    raw = tmp_path / "MNIST" / "raw"
    for name, data in contents.items():
        write(str(raw / name[:-3]), data, gz=False)
    monkeypatch.setattr(datasets.MNIST, "resources", resources_for(contents))
    assert len(datasets.MNIST(str(tmp_path))) == 40


def test_dataset_iterates_single_samples(fake):
    ds = datasets.MNIST(str(fake[0]), train=False, transform=T.ToTensor())
    seen = [(img.shape, label) for img, label in ds]
    assert len(seen) == 12 and seen[0][0] == (1, 28, 28)


def test_missing_files_error(tmp_path):
    with pytest.raises(RuntimeError, match=r"MNIST: dataset not found: no train-images-idx3-ubyte"
                                           r"\.gz, .* Use download=True"):
        datasets.MNIST(str(tmp_path))


def corrupt(fake, name, content, gz=True):
    root, _ = fake
    path = str(root / name)
    write(path, content, gz=gz)
    return path


def test_truncated_file(fake):
    good = fake[1][NAMES[0]]
    path = corrupt(fake, NAMES[0], good[:1234])
    with pytest.raises(RuntimeError) as e:
        datasets.MNIST(str(fake[0]))
    assert str(e.value) == (f"MNIST: {path} is truncated: header says 40x28x28 = 31376 bytes, "
                            f"decompressed file has 1234")


def test_truncated_gzip_stream(fake):
    path = str(fake[0] / NAMES[0])
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match=f"MNIST: {path} is truncated: header says 40x28x28"):
        datasets.MNIST(str(fake[0]))


def test_corrupted_gzip(fake):
    path = str(fake[0] / NAMES[1])
    with open(path, "rb") as f:
        data = bytearray(f.read())
    data[-6] ^= 0xFF  # inside the CRC / length trailer
    with open(path, "wb") as f:
        f.write(bytes(data))
    with pytest.raises(RuntimeError, match=f"MNIST: {path} is a corrupted gzip file"):
        datasets.MNIST(str(fake[0]))


def test_bad_magic_and_trailing_data(fake):
    images = np.zeros((40, 28, 28), np.uint8)
    path = corrupt(fake, NAMES[0], idx_bytes(images, magic=0x0801))
    with pytest.raises(RuntimeError, match=f"MNIST: {path} is not the expected IDX file: magic "
                                           f"number 0x00000801, expected 0x00000803"):
        datasets.MNIST(str(fake[0]))
    corrupt(fake, NAMES[0], idx_bytes(images) + b"xyz", gz=False)
    with pytest.raises(RuntimeError, match="has trailing data: header says 40x28x28 = 31376 "
                                           "bytes, file has 31379"):
        datasets.MNIST(str(fake[0]))


def test_checksum_mismatch(fake, monkeypatch):
    monkeypatch.undo()  # back to the real table: synthetic content must be refused
    path = str(fake[0] / NAMES[0])
    with pytest.raises(RuntimeError, match=f"MNIST: {path} fails its checksum: sha256 .* "
                                           f"expected ba891046"):
        datasets.MNIST(str(fake[0]))


def test_label_errors(tmp_path, monkeypatch):
    contents = synthetic()
    contents[NAMES[1]] = idx_bytes(np.array([1, 12] + [0] * 38, np.uint8))
    for name, data in contents.items():
        write(str(tmp_path / name), data)
    monkeypatch.setattr(datasets.MNIST, "resources", resources_for(contents))
    with pytest.raises(RuntimeError, match="has label 12 at index 1, expected labels 0..9"):
        datasets.MNIST(str(tmp_path))
    contents[NAMES[1]] = idx_bytes(np.zeros(39, np.uint8))
    write(str(tmp_path / NAMES[1]), contents[NAMES[1]])
    monkeypatch.setattr(datasets.MNIST, "resources", resources_for(contents))
    with pytest.raises(RuntimeError, match="holds 40 images but .* holds 39 labels"):
        datasets.MNIST(str(tmp_path))


# ----------------------------------------------------------------- fast batches
def batches(ds, **kw):
    return [(x.numpy().copy(), x.dtype, y.numpy().copy(), y.dtype) for x, y in
            DataLoader(ds, **kw)]


def per_sample(ds, **kw):
    return batches(ds, collate_fn=lambda b: default_collate(b), **kw)


@pytest.mark.parametrize("transform", [None, T.ToTensor(), NORM])
def test_fast_path_bit_identical(fake, transform):
    ds = datasets.MNIST(str(fake[0]), transform=transform)
    assert ds._get_batch(np.arange(3)) is not NotImplemented
    for kw in (dict(batch_size=16), dict(batch_size=7, shuffle=True, drop_last=True)):
        shenjing.manual_seed(11)
        fast = batches(ds, **kw)
        shenjing.manual_seed(11)
        slow = per_sample(ds, **kw)
        assert len(fast) == len(slow)
        for a, b in zip(fast, slow):
            assert a[1] == b[1] and a[3] == b[3]
            np.testing.assert_array_equal(a[0], b[0])
            np.testing.assert_array_equal(a[2], b[2])


def test_fast_path_through_subset(fake):
    ds = datasets.MNIST(str(fake[0]), transform=NORM)
    sub = Subset(ds, [5, 1, 30, 7, 2])
    fast, slow = batches(sub, batch_size=2), per_sample(sub, batch_size=2)
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[2], b[2])


def test_per_sample_transforms_fall_back(fake):
    tf = T.Compose([NORM, T.Lambda(lambda t: t * 2)])
    ds = datasets.MNIST(str(fake[0]), transform=tf, target_transform=lambda y: y + 1)
    assert ds._get_batch(np.arange(3)) is NotImplemented
    x, y = next(iter(DataLoader(ds, batch_size=4)))
    ref = datasets.MNIST(str(fake[0]), transform=NORM)
    np.testing.assert_array_equal(x.numpy()[2], ref[2][0].numpy() * 2)
    assert y.tolist() == [ref[i][1] + 1 for i in range(4)]


# ----------------------------------------------------------------- download
class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/www; yields (base url, folder)."""
    www = tmp_path / "www"
    www.mkdir()
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", www
    httpd.shutdown()
    httpd.server_close()


def publish(www, sub, contents, gz=True):
    for name, data in contents.items():
        write(str(www / sub / name), data, gz=gz)


@pytest.fixture
def quiet_download(monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)  # the local test servers are reached directly
    monkeypatch.setattr(datasets.MNIST, "progress", False)
    monkeypatch.setattr(datasets.MNIST, "timeout", 2.0)


def leftovers(root):
    raw = root / "MNIST" / "raw"
    return sorted(os.listdir(raw)) if raw.exists() else []


def test_download_success(server, tmp_path, monkeypatch, quiet_download):
    base, www = server
    contents = synthetic()
    publish(www, "mnist", contents)
    monkeypatch.setattr(datasets.MNIST, "resources", resources_for(contents))
    monkeypatch.setattr(datasets.MNIST, "mirrors", [base + "mnist/"])
    monkeypatch.setattr(datasets.MNIST, "progress", True)  # with a tqdm bar when installed
    root = tmp_path / "data"
    ds = datasets.MNIST(str(root), download=True)
    assert len(ds) == 40 and leftovers(root) == sorted(NAMES)
    shutil.rmtree(www / "mnist")  # present files are not fetched again
    assert len(datasets.MNIST(str(root), train=False, download=True)) == 12


def test_download_checksum_mismatch_leaves_nothing(server, tmp_path, monkeypatch,
                                                   quiet_download):
    base, www = server
    publish(www, "mnist", synthetic())
    monkeypatch.setattr(datasets.MNIST, "mirrors", [base + "mnist/"])
    root = tmp_path / "data"
    with pytest.raises(RuntimeError) as e:
        datasets.MNIST(str(root), download=True)
    msg = str(e.value)
    assert msg.startswith("MNIST: could not download train-images-idx3-ubyte.gz from any mirror")
    assert f"{base}mnist/train-images-idx3-ubyte.gz: MNIST: " in msg and "fails its checksum" in msg
    assert str(root / "MNIST" / "raw") in msg and "root=" in msg
    assert leftovers(root) == []


def test_download_truncated_refused(server, tmp_path, monkeypatch, quiet_download):
    base, www = server
    contents = synthetic()
    monkeypatch.setattr(datasets.MNIST, "resources", resources_for(contents))
    contents[NAMES[0]] = contents[NAMES[0]][:5000]
    publish(www, "mnist", contents)
    monkeypatch.setattr(datasets.MNIST, "mirrors", [base + "mnist/"])
    root = tmp_path / "data"
    with pytest.raises(RuntimeError, match="is truncated: header says 40x28x28 = 31376 bytes"):
        datasets.MNIST(str(root), download=True)
    assert leftovers(root) == []


def test_download_falls_back_to_next_mirror(server, tmp_path, monkeypatch, quiet_download):
    base, www = server
    contents = synthetic()
    publish(www, "good", contents)
    monkeypatch.setattr(datasets.MNIST, "resources", resources_for(contents))
    monkeypatch.setattr(datasets.MNIST, "mirrors", [base + "missing/", base + "good"])
    root = tmp_path / "data"
    assert len(datasets.MNIST(str(root), download=True)) == 40
    assert leftovers(root) == sorted(NAMES)


def test_download_timeout(tmp_path, monkeypatch, quiet_download):
    # a server that accepts connections (kernel backlog) but never answers
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(8)
    try:
        url = f"http://127.0.0.1:{hang.getsockname()[1]}/"
        monkeypatch.setattr(datasets.MNIST, "mirrors", [url])
        monkeypatch.setattr(datasets.MNIST, "timeout", 0.3)
        start = time.perf_counter()
        with pytest.raises(RuntimeError, match=f"{url}train-images-idx3-ubyte.gz: no answer "
                                               f"within 0.3 s"):
            datasets.MNIST(str(tmp_path / "data"), download=True)
        assert time.perf_counter() - start < 5
        assert leftovers(tmp_path / "data") == []
    finally:
        hang.close()


def test_download_real_files_from_local_mirror(server, tmp_path, monkeypatch, quiet_download):
    src = real_mnist_dir()
    base, www = server
    os.symlink(os.path.abspath(src), www / "mnist")
    monkeypatch.setattr(datasets.MNIST, "mirrors", [base + "nothing-here/", base + "mnist/"])
    root = tmp_path / "data"
    ds = datasets.MNIST(str(root), train=False, download=True)
    assert len(ds) == 10000 and leftovers(root) == sorted(NAMES)


# ----------------------------------------------------------------- real data
def test_real_mnist():
    root = real_mnist_dir()
    train = datasets.MNIST(root, train=True, transform=T.ToTensor())
    test = datasets.MNIST(root, train=False)
    assert train.data.shape == (60000, 28, 28) and test.data.shape == (10000, 28, 28)
    assert train.targets[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert test.targets[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    total = sum(float(x.numpy().astype(np.float64).sum())
                for x, _ in DataLoader(train, batch_size=10000))
    assert abs(total / (60000 * 784) - 0.1307) < 1e-4
    # the fast path and per-sample path agree on real data too
    train.transform = NORM
    fast = next(iter(DataLoader(train, batch_size=256)))
    slow = default_collate([train[i] for i in range(256)])
    np.testing.assert_array_equal(fast[0].numpy(), slow[0].numpy())
    np.testing.assert_array_equal(fast[1].numpy(), slow[1].numpy())


def test_fashion_mnist_refuses_mnist_files():
    root = real_mnist_dir()
    with pytest.raises(RuntimeError, match="holds the MNIST data set, not FashionMNIST"):
        datasets.FashionMNIST(root, train=False)


# ----------------------------------------------------------------- digits
def test_digits_fallback():
    pytest.importorskip("sklearn")
    train = datasets.Digits(train=True, transform=NORM)
    test = datasets.Digits(train=False, transform=T.ToTensor())
    assert len(train) + len(test) == 1797 and len(test) == 359
    assert train.data.dtype == np.uint8 and train.data.shape[1:] == (8, 8)
    assert train.classes == datasets.MNIST.classes
    img, label = test[0]
    assert img.shape == (1, 8, 8) and 0 <= float(img.min()) and float(img.max()) <= 1.0
    assert isinstance(label, int)
    assert int(test.data.max()) == 255  # 16 in scikit-learn's scale
    # deterministic split: every fifth sample is a test sample
    from sklearn.datasets import load_digits
    assert test.targets.tolist() == load_digits().target[4::5].tolist()
    fast, slow = batches(train, batch_size=100), per_sample(train, batch_size=100)
    np.testing.assert_array_equal(fast[0][0], slow[0][0])
