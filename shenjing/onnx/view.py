"""Open an exported model in Netron, served on this machine only (127.0.0.1)."""


def view(path, port=8080, browse=True):
    """Serve ``path`` (an ONNX file) with Netron at http://127.0.0.1:port and return the URL.

    The server runs in a background thread until the process ends or ``stop(url)``.
    """
    try:
        import netron
    except ImportError:
        raise ImportError("shenjing.onnx.view needs Netron: pip install netron") from None
    import os
    if not os.path.exists(path):
        raise FileNotFoundError(f"shenjing.onnx.view: {path} does not exist")
    address = netron.serve(str(path), None, ("127.0.0.1", int(port)), browse=browse)
    host, bound_port = address if isinstance(address, tuple) else ("127.0.0.1", port)
    return f"http://{host}:{bound_port}"


def stop(url=None):
    """Stop the Netron server started by ``view`` (all of them when ``url`` is None)."""
    import netron
    if url is None:
        netron.stop()
        return
    host, port = url.rsplit("/", 1)[-1].rsplit(":", 1)
    netron.stop((host, int(port)))
