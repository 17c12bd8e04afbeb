"""The suite's size in test functions (a parametrized test counts once), per folder, and a
check that the pytest steps of tests/run_all.sh collect every test folder exactly once.

    python tests/count_tests.py tests/rasa tests/core ...   # the folders the steps run

Fails (exit 1) when a test file lies in none of the folders given, or in two of them.
Only the standard library: it runs from either environment.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_functions(path: Path) -> int:
    tree = ast.parse(path.read_text(), filename=str(path))
    return sum(1 for node in ast.walk(tree)
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
               and node.name.startswith("test_"))


def main(folders: list[str]) -> int:
    roots = [Path(folder).resolve() for folder in folders]
    per_folder: Counter[str] = Counter()
    problems = []
    for path in sorted(TESTS.rglob("test_*.py")):
        if "artifacts" in path.parts:
            continue
        owners = [root for root in roots if root == path.parent or root in path.parents]
        if len(owners) != 1:
            problems.append(f"{path.relative_to(TESTS.parent)} is collected by "
                            f"{len(owners)} steps")
        folder = path.relative_to(TESTS).parent.as_posix()
        per_folder[folder] += test_functions(path)
    width = max(map(len, per_folder), default=0)
    for folder, count in sorted(per_folder.items()):
        print(f"  tests/{folder:<{width}} {count:5d}")
    print(f"  {'total':<{width + 6}} {sum(per_folder.values()):5d} test functions "
          "(parametrized ones counted once)")
    for problem in problems:
        print(f"NOT RUN ONCE: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
