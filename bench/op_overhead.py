"""Per-op cost of the framework itself: a tiny op's forward (+ backward), shenjing vs PyTorch.

On tiny tensors the arithmetic is free, so what is timed is the Python around it:
argument checks, Function.apply linking the graph, the backward engine.

    python bench/op_overhead.py
"""
import timeit


def per_call(stmt, n=20000):
    return min(timeit.repeat(stmt, number=n, repeat=5)) / n * 1e6


def main():
    import shenjing
    import torch

    for name, fw in (("shenjing", shenjing), ("torch", torch)):
        x = fw.ones(4, requires_grad=True)
        fwd = per_call(lambda: x * 2.0)

        def step():
            (x * 2.0).sum().backward()
        both = per_call(step, 5000)
        print(f"{name:9s} mul forward {fwd:6.1f} us   mul+sum forward and backward {both:6.1f} us")


if __name__ == "__main__":
    main()
