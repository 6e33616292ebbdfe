"""The README's Python example runs as written (as its Rust blocks do as doc tests)."""

import os
import re


def test_readme_example_runs():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
    with open(path, encoding="utf-8") as readme:
        text = readme.read()
    section = text.split("## Embedding from Python", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    exec(compile(block, "README.md (Embedding from Python)", "exec"), {})
