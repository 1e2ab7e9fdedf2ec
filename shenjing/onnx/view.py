"""Open an exported model in Netron, served on this machine only (127.0.0.1)."""


def view(path, port=8080, browse=True):
    """Serve ``path`` (an ONNX file) with Netron at http://127.0.0.1:port and return the URL.

    The server runs in the background until the process ends or ``netron.stop()``.
    """
    try:
        import netron
    except ImportError:
        raise ImportError("shenjing.onnx.view needs Netron: pip install netron") from None
    address = netron.serve(str(path), None, ("127.0.0.1", int(port)), browse=browse)
    host, bound_port = address if isinstance(address, tuple) else ("127.0.0.1", port)
    return f"http://{host}:{bound_port}"
