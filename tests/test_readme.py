"""The README's first example prints what its comments say."""
import contextlib
import io
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_first_example_output_matches_its_comments():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    expected = [re.sub(r"\s+", " ", m.group(1).strip())
                for m in re.finditer(r"^print\(.*?\)\s+#\s*(tensor\(.*?\))(?=\s{2,}|$)", code, re.M)]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(code, "README.md", "exec"), {})
    printed, current = [], ""
    for line in buf.getvalue().splitlines():  # join multi-line tensor prints
        current = (current + " " + line.strip()).strip()
        if current.count("(") == current.count(")"):
            printed.append(re.sub(r"\s+", " ", current))
            current = ""
    assert len(expected) == 3
    assert printed == expected
