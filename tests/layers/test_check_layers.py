"""Tests of tools/check_layers.py on small fixture trees built in temporary directories.

    python3 -m unittest -v tests/layers/test_check_layers.py

Standard library only; runs from any working directory.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "tools/check_layers.py"
LAYERS = ["base", "io", "auth", "s3", "source", "csv", "export", "tenant", "job", "web", "cli"]


def write_tree(root: Path, files: dict[str, str]) -> None:
    """Write each {relative_path: text} under root, creating folders as needed."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def clean_tree() -> dict[str, str]:
    """Every layer, each file including only its own or lower layers, plus an io/detail/ folder."""
    files = {"base/types.hpp": "#pragma once\n#include <cstdint>\n"}
    for lower, layer in zip(LAYERS, LAYERS[1:]):
        files[f"{layer}/{layer}.hpp"] = f'#pragma once\n#include "{lower}/{lower}.hpp"\n'
        files[f"{layer}/{layer}.cpp"] = (
            f'#include "{layer}/{layer}.hpp"\n#include "base/types.hpp"\n#include <vector>\n')
    files["base/base.hpp"] = '#pragma once\n#include "base/types.hpp"\n'
    files["io/detail/impl.hpp"] = '#pragma once\n#include "base/types.hpp"\n'
    files["io/io.cpp"] += '#include "detail/impl.hpp"\n#include "io/detail/impl.hpp"\n'
    return files


class CheckLayersTest(unittest.TestCase):
    def run_checker(self, files: dict[str, str], *args: str) -> subprocess.CompletedProcess:
        """Build a tree under <tmp>/src and run the checker there with --root src."""
        with tempfile.TemporaryDirectory() as tmp:
            write_tree(Path(tmp) / "src", files)
            return subprocess.run(
                [sys.executable, str(SCRIPT), "--root", "src", *args],
                cwd=tmp, capture_output=True, text=True, timeout=60)

    def assert_fails_with(self, result: subprocess.CompletedProcess, *lines: str) -> None:
        """Exit 1, each given line printed, and the problem count last."""
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        output = result.stdout.splitlines()
        for line in lines:
            self.assertIn(line, output)
        self.assertRegex(output[-1], r"^\d+ problem\(s\)$")

    def test_clean_tree_passes(self):
        files = clean_tree()
        result = self.run_checker(files)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        includes = sum(text.count("#include \"") for text in files.values())
        self.assertEqual(result.stdout,
                         f"layers ok: {len(files)} files, {includes} includes checked\n")

    def test_every_upward_include_fails(self):
        pairs = list(itertools.combinations(range(len(LAYERS)), 2))
        self.assertEqual(len(pairs), 55)
        for low, high in pairs:
            lower, higher = LAYERS[low], LAYERS[high]
            with self.subTest(lower=lower, higher=higher):
                result = self.run_checker({
                    f"{lower}/a.hpp": f'#pragma once\n\n#include "{higher}/b.hpp"\n',
                    f"{higher}/b.hpp": "#pragma once\n",
                })
                self.assert_fails_with(
                    result,
                    f'src/{lower}/a.hpp:3: includes "{higher}/b.hpp": {lower} (layer {low + 1} '
                    f"of 11) must not depend on {higher} (layer {high + 1})",
                    "1 problem(s)")

    def test_upward_include_relative_to_folder_and_spaced_directive(self):
        result = self.run_checker({
            "io/x.hpp": '#  include "../auth/sigv4.hpp"\n',
            "io/y.hpp": '  #\tinclude "auth/sigv4.hpp"\n#include <auth/sigv4.hpp>\n',
            "auth/sigv4.hpp": "#pragma once\n",
        })
        self.assert_fails_with(
            result,
            'src/io/x.hpp:1: includes "../auth/sigv4.hpp": io (layer 2 of 11) '
            "must not depend on auth (layer 3)",
            'src/io/y.hpp:1: includes "auth/sigv4.hpp": io (layer 2 of 11) '
            "must not depend on auth (layer 3)",
            "2 problem(s)")

    def test_cycles_are_reported_once(self):
        result = self.run_checker({
            "io/a.hpp": '#include "io/b.hpp"\n',
            "io/b.hpp": '#include "io/a.hpp"\n#include "base/x.hpp"\n',
            "base/x.hpp": '#include "base/y.hpp"\n',
            "base/y.hpp": '#include "base/z.hpp"\n',
            "base/z.hpp": '#include "x.hpp"\n',
            "csv/self.hpp": '#include "csv/self.hpp"\n',
        })
        self.assert_fails_with(
            result,
            "cycle: src/io/a.hpp -> src/io/b.hpp -> src/io/a.hpp",
            "cycle: src/base/x.hpp -> src/base/y.hpp -> src/base/z.hpp -> src/base/x.hpp",
            "cycle: src/csv/self.hpp -> src/csv/self.hpp",
            "3 problem(s)")

    def test_commented_includes_do_not_count(self):
        files = {
            "io/a.cpp": (
                '// #include "cli/main.hpp"\n'
                '/* #include "cli/main.hpp"\n'
                '#include "cli/main.hpp"\n'
                '*/ int x; /* one-liner */ // #include "cli/main.hpp"\n'
                'const char* s = "/*"; // a string is not a comment opener\n'
                '#include "base/ok.hpp"\n'),
            "base/ok.hpp": "#pragma once\n",
            "cli/main.hpp": "#pragma once\n",
        }
        result = self.run_checker(files)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout, "layers ok: 3 files, 1 includes checked\n")

    def test_unknown_folder_and_root_file_are_errors(self):
        result = self.run_checker({
            "foo/x.hpp": "#pragma once\n",
            "main.cpp": "int main() {}\n",
            "base/ok.hpp": "#pragma once\n",
        })
        known = ", ".join(LAYERS)
        self.assert_fails_with(
            result,
            f"src/foo is not a layer; known layers: {known}",
            "src/main.cpp: source file outside any layer folder",
            "2 problem(s)")

    def test_missing_layer_file_reported_missing_other_header_ignored(self):
        result = self.run_checker({
            "auth/a.cpp": '#include "config.h"\n#include "io/nope.hpp"\n',
        })
        self.assert_fails_with(
            result,
            'src/auth/a.cpp:2: includes "io/nope.hpp": a file that does not exist',
            "1 problem(s)")
        self.assertNotIn("config.h", result.stdout)

    def test_bad_layers_option_is_usage_error(self):
        for value in ("base,io,nosuch", "base,io,base", "base,,io"):
            with self.subTest(layers=value):
                result = self.run_checker({"base/a.hpp": ""}, "--layers", value)
                self.assertEqual(result.returncode, 2, result.stdout + result.stderr)

    def test_layers_option_overrides_order(self):
        files = {"io/a.hpp": '#include "base/b.hpp"\n', "base/b.hpp": ""}
        self.assertEqual(self.run_checker(files, "--layers", "base,io").returncode, 0)
        self.assert_fails_with(
            self.run_checker(files, "--layers", "io,base"),
            'src/io/a.hpp:1: includes "base/b.hpp": io (layer 1 of 2) '
            "must not depend on base (layer 2)")

    def test_missing_root_is_usage_error(self):
        result = subprocess.run(
            [sys.executable, str(SCRIPT), "--root", "/nonexistent/secexport/src"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 2)

    def test_list_counts_files_per_layer(self):
        result = self.run_checker(clean_tree(), "--list")
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        self.assertEqual([line.split()[1] for line in lines], LAYERS)
        self.assertEqual([int(line.split()[2]) for line in lines], [2, 3] + [2] * 9)

    def test_output_is_sorted_and_deterministic(self):
        files = {f"io/f{i}.hpp": f'\n#include "cli/c.hpp"\n#include "job/j.hpp"\n'
                 for i in range(5)}
        files.update({"cli/c.hpp": "", "job/j.hpp": ""})
        first, second = self.run_checker(files), self.run_checker(files)
        self.assertEqual(first.stdout, second.stdout)
        problems = first.stdout.splitlines()[:-1]
        self.assertEqual(len(problems), 10)
        self.assertEqual(problems, sorted(problems))


if __name__ == "__main__":
    unittest.main()
