"""One epoch of `shenjing train --model lstm` in shenjing and in PyTorch, side by side.

    python bench/lstm_epoch.py --data-dir ../shared/data/mnist [--repeat 2]
"""
from epoch import main

if __name__ == "__main__":
    main("lstm")
