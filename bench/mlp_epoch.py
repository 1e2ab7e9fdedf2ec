"""One epoch of `shenjing train --model mlp` in shenjing and in PyTorch, side by side.

    python bench/mlp_epoch.py --data-dir ../shared/data/mnist [--repeat 2]
"""
from epoch import main

if __name__ == "__main__":
    main("mlp")
