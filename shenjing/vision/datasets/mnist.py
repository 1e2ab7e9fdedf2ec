"""MNIST and Fashion-MNIST: IDX file reading, checks and download."""
import gzip
import hashlib
import http.client
import operator
import os
import struct
import tempfile
import urllib.error
import urllib.request
import zlib

import numpy as np

from ...tensor import Tensor
from ...utils.data import Dataset
from ..transforms import supports_batch

__all__ = ["MNIST", "FashionMNIST", "read_idx"]

# IDX type byte -> (NumPy dtype, name)
_IDX_TYPES = {0x08: (">u1", "unsigned byte"), 0x09: (">i1", "signed byte"),
              0x0B: (">i2", "short"), 0x0C: (">i4", "int"), 0x0D: (">f4", "float"),
              0x0E: (">f8", "double")}


class _Truncated(Exception):
    def __init__(self, got):
        self.got = got


def _read_exact(f, buf):
    """Fill ``buf`` from ``f``; raise _Truncated(bytes read) if the stream ends first."""
    view = memoryview(buf).cast("B")
    got = 0
    try:
        while got < len(view):
            n = f.readinto(view[got:])
            if not n:
                break
            got += n
    except EOFError:  # a gzip stream cut short
        raise _Truncated(got) from None
    if got < len(view):
        raise _Truncated(got)


def read_idx(path, owner="IDX", ndim=None, type_code=None, name=None):
    """Read an IDX file (gzip-compressed or not) into a NumPy array, checking its header.

    Returns (array, sha256 hex digest of the decompressed content). Any mismatch between
    header and size raises RuntimeError naming ``owner`` and the file.
    """
    path = os.fspath(path)
    name = name or path
    h = hashlib.sha256()
    pos = 0
    with open(path, "rb") as raw:
        is_gz = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        f = gzip.GzipFile(fileobj=raw, mode="rb") if is_gz else raw
        has = "decompressed file has" if is_gz else "file has"
        try:
            head = bytearray(4)
            try:
                _read_exact(f, head)
            except _Truncated as e:
                raise RuntimeError(f"{owner}: {name} is truncated: {has} {e.got} bytes, "
                                   f"too short for an IDX header") from None
            h.update(head)
            magic = int.from_bytes(head, "big")
            code, nd = head[2], head[3]
            want_code = code if type_code is None else type_code
            want_nd = nd if ndim is None else ndim
            want = (want_code << 8) | want_nd
            if head[0] or head[1] or code not in _IDX_TYPES or magic != want:
                kind = _IDX_TYPES.get(want_code, ("", "unknown type"))[1]
                raise RuntimeError(f"{owner}: {name} is not the expected IDX file: magic number "
                                   f"0x{magic:08X}, expected 0x{want:08X} ({kind}, {want_nd} "
                                   f"dimension(s))")
            dims_raw = bytearray(4 * nd)
            try:
                _read_exact(f, dims_raw)
            except _Truncated as e:
                raise RuntimeError(f"{owner}: {name} is truncated: {has} {4 + e.got} bytes, "
                                   f"too short for its {nd} dimension sizes") from None
            h.update(dims_raw)
            dims = struct.unpack(f">{nd}I", dims_raw)
            dtype = np.dtype(_IDX_TYPES[code][0])
            body = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
            pos = 4 + 4 * nd
            total = pos + body
            shape_txt = "x".join(str(d) for d in dims)
            data = np.empty(body, np.uint8)
            try:
                _read_exact(f, data)
            except _Truncated as e:
                raise RuntimeError(f"{owner}: {name} is truncated: header says {shape_txt} = "
                                   f"{total} bytes, {has} {pos + e.got}") from None
            h.update(data)
            extra = 0
            while True:  # the file must end exactly where the header says
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                extra += len(chunk)
            if extra:
                raise RuntimeError(f"{owner}: {name} has trailing data: header says {shape_txt} = "
                                   f"{total} bytes, {has} {total + extra}")
        except (gzip.BadGzipFile, zlib.error, EOFError) as e:
            raise RuntimeError(f"{owner}: {name} is a corrupted gzip file ({e})") from None
        finally:
            if is_gz:
                f.close()
    arr = data.view(dtype).reshape(dims)
    if dtype.itemsize > 1:
        arr = arr.astype(dtype.newbyteorder("="))
    elif dtype.kind == "u":
        arr = arr.view(np.uint8)
    return arr, h.hexdigest()


class _ImageDataset(Dataset):
    """Images held as one uint8 array (N, H, W) in memory, with int64 class labels."""

    classes = []

    def __init__(self, root, transform=None, target_transform=None):
        self.root = os.path.expanduser(os.fspath(root)) if root is not None else None
        self.transform = transform
        self.target_transform = target_transform

    def _set_arrays(self, images, labels):
        self.data = Tensor._make(images, None)
        self.targets = Tensor._make(labels.astype(np.int64, copy=False), None)

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        index = operator.index(index)
        img = Tensor._make(self.data._data[index].copy(), None)
        target = int(self.targets._data[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def _get_batch(self, indices):
        """A collated [images, labels] batch in one indexing op, or NotImplemented."""
        if (type(self).__getitem__ is not _ImageDataset.__getitem__
                or self.target_transform is not None or not supports_batch(self.transform)):
            return NotImplemented
        imgs = self.data._data[indices]
        if self.transform is not None:
            imgs = self.transform.apply_batch(imgs)
        x = imgs if isinstance(imgs, Tensor) else Tensor._make(imgs, None)
        y = Tensor._make(self.targets._data[indices].astype(np.int64, copy=False), None)
        return [x, y]

    def _split_name(self):
        return "Train" if self.train else "Test"

    def __repr__(self):
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}"]
        if self.root is not None:
            lines.append(f"    Root location: {self.root}")
        lines.append(f"    Split: {self._split_name()}")
        if self.transform is not None:
            lines.append("    Transform: " + repr(self.transform).replace("\n", "\n    "))
        if self.target_transform is not None:
            lines.append(f"    Target transform: {self.target_transform!r}")
        return "\n".join(lines)


class MNIST(_ImageDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 uint8.

    Files are looked up in ``root/MNIST/raw/`` (where download=True puts them) and then
    directly in ``root``, gzip-compressed or not. Contents are checked against sha256.
    """

    # tried in order; the original site (yann.lecun.com) now refuses most requests
    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    # (file name, sha256 of the decompressed file, md5 of the archive or None)
    resources = [
        ("train-images-idx3-ubyte.gz",
         "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", None),
        ("train-labels-idx1-ubyte.gz",
         "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", None),
        ("t10k-images-idx3-ubyte.gz",
         "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", None),
        ("t10k-labels-idx1-ubyte.gz",
         "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", None),
    ]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    timeout = 10.0   # seconds without an answer before a mirror is given up
    progress = True  # tqdm progress bar while downloading (when tqdm is installed)
    _foreign = {}    # sha256 of files that belong to another data set -> its name

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        if root is None:
            raise ValueError(f"{type(self).__name__}: root should be a folder, got None")
        super().__init__(root, transform, target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            missing = [f for f, _, _ in self._split_files() if self._find(f) is None]
            raise RuntimeError(
                f"{type(self).__name__}: dataset not found: no {', '.join(missing)} (or the same "
                f"without .gz) in {self.raw_folder} or {self.root}. Use download=True to fetch "
                f"it, or pass root=<folder holding the IDX files>")
        images = self._read(self._split_files()[0], ndim=3)
        labels = self._read(self._split_files()[1], ndim=1)
        img_path, lbl_path = (self._find(r[0]) for r in self._split_files())
        if len(images) != len(labels):
            raise RuntimeError(f"{type(self).__name__}: {img_path} holds {len(images)} images "
                               f"but {lbl_path} holds {len(labels)} labels")
        if len(labels) and labels.max() >= len(self.classes):
            i = int(np.argmax(labels >= len(self.classes)))
            raise RuntimeError(f"{type(self).__name__}: {lbl_path} has label {int(labels[i])} at "
                               f"index {i}, expected labels 0..{len(self.classes) - 1}")
        self._set_arrays(images, labels)

    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    def _split_files(self):
        return self.resources[:2] if self.train else self.resources[2:]

    def _find(self, filename):
        """Path of ``filename`` (or its decompressed twin) in raw_folder or root, or None."""
        names = [filename]
        if filename.endswith(".gz"):
            names.append(filename[:-3])
        for folder in (self.raw_folder, self.root):
            for n in names:
                p = os.path.join(folder, n)
                if os.path.isfile(p):
                    return p
        return None

    def _check_exists(self):
        return all(self._find(f) is not None for f, _, _ in self._split_files())

    def _read(self, resource, ndim):
        filename, sha256, _ = resource
        path = self._find(filename)
        arr, digest = read_idx(path, type(self).__name__, ndim=ndim, type_code=0x08)
        self._check_digest(path, digest, sha256)
        return arr

    def _check_digest(self, name, digest, sha256):
        owner = type(self).__name__
        if sha256 is not None and digest != sha256:
            raise RuntimeError(f"{owner}: {name} fails its checksum: sha256 of the decompressed "
                               f"content is {digest}, expected {sha256}. The file is corrupted or "
                               f"not the official one; delete it (download=True fetches it again)")
        if digest in self._foreign:
            raise RuntimeError(f"{owner}: {name} holds the {self._foreign[digest]} data set, "
                               f"not {owner}; point root at the right folder")

    # ------------------------------------------------------------------ download
    def download(self):
        """Fetch the files that are not present yet into raw_folder, checking each one."""
        if all(self._find(f) is not None for f, _, _ in self.resources):
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for resource in self.resources:
            if self._find(resource[0]) is None:
                self._download_one(*resource)

    def _download_one(self, filename, sha256, md5):
        owner = type(self).__name__
        failures = []
        for mirror in self.mirrors:
            url = mirror if mirror.endswith("/") else mirror + "/"
            url += filename
            try:
                tmp, got_md5 = self._fetch(url, filename)
            except (OSError, ValueError, http.client.HTTPException) as e:
                failures.append(f"{url}: {self._reason(e)}")
                continue
            try:
                if md5 is not None and got_md5 != md5:
                    raise RuntimeError(f"md5 of the archive is {got_md5}, expected {md5}")
                ndim = 3 if "idx3" in filename else 1
                _, digest = read_idx(tmp, owner, ndim=ndim, type_code=0x08, name=url)
                self._check_digest(url, digest, sha256)
            except RuntimeError as e:
                os.remove(tmp)
                failures.append(f"{url}: {e}")
                continue
            os.replace(tmp, os.path.join(self.raw_folder, filename))
            return
        tried = "\n".join(f"  - {f}" for f in failures) or "  (no mirrors configured)"
        raise RuntimeError(
            f"{owner}: could not download {filename} from any mirror:\n{tried}\n"
            f"Fetch the files by other means into {self.raw_folder} (or any folder, then pass "
            f"it as root=...); gzip-compressed or decompressed IDX files both work.")

    def _reason(self, e):
        reason = getattr(e, "reason", None) if not isinstance(e, urllib.error.HTTPError) else None
        if isinstance(e, TimeoutError) or isinstance(reason, TimeoutError):
            return f"no answer within {self.timeout:g} s"
        return str(reason if reason is not None else e)

    def _fetch(self, url, filename):
        """Download ``url`` into a temp file in raw_folder; return (temp path, md5 hex)."""
        fd, tmp = tempfile.mkstemp(prefix=f".{filename}.", suffix=".part", dir=self.raw_folder)
        md5 = hashlib.md5(usedforsecurity=False)
        bar = None
        try:
            req = urllib.request.Request(url, headers={"User-Agent": "shenjing"})
            with os.fdopen(fd, "wb") as out, \
                    urllib.request.urlopen(req, timeout=self.timeout) as resp:
                size = resp.headers.get("Content-Length")
                size = int(size) if size and size.isdigit() else None
                bar = _progress_bar(size, filename) if self.progress else None
                got = 0
                while True:
                    chunk = resp.read(1 << 16)
                    if not chunk:
                        break
                    out.write(chunk)
                    md5.update(chunk)
                    got += len(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
                if size is not None and got != size:
                    raise OSError(f"connection closed after {got} of {size} bytes")
        except BaseException:
            # never leave a partial file behind, also on KeyboardInterrupt
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        finally:
            if bar is not None:
                bar.close()
        return tmp, md5.hexdigest()


def _progress_bar(total, desc):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=desc,
                leave=False)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: the MNIST format with 10 kinds of clothing."""

    mirrors = [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", None, "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", None, "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", None, "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", None, "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    # the MNIST files share these names: refuse them (root pointed at MNIST by mistake)
    _foreign = {sha: "MNIST" for _, sha, _ in MNIST.resources}
