"""Build hook: the wheel carries the shipped model, its licences, the icons and the desktop entry, copied from the
repository.

Metadata lives in pyproject.toml; this file only adds a ``build_py`` step.  Why a hook and not
``package-data``: the files' one home is the repository's top-level ``models/`` and
``resources/`` (training writes there, the tests and ``make run`` read there), outside the
package, and package data must sit inside it.  Copying at build time keeps a single copy in git
and ships exactly what the app needs: the files of the default model and of the fast one and
their variants (every ``models/<name>*.onnx`` and ``.json``, e.g. an int8 export beside it), the
licences, the icons, and the desktop entry and metainfo (``musictagger-gui --install-desktop-entry`` installs
them); not the older models nor the backbone's training weights.  The copies land in ``musictagger/shipped/``,
where :mod:`musictagger.shipped` looks first.  Listing them in ``get_source_files`` also puts them in the sdist,
from which ``python -m build`` builds the wheel.  An editable install copies nothing: it reads the repository's
folders directly.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
PACKAGED = Path("musictagger") / "shipped"


def runtime_constant(constant: str) -> str:
    """A string constant of runtime.py, read without importing the package (no numpy at build time)."""
    tree = ast.parse((ROOT / "musictagger" / "model" / "runtime.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == constant for t in node.targets):
            return ast.literal_eval(node.value)
    raise RuntimeError(f"musictagger/model/runtime.py defines no {constant}")


def model_files(name: str) -> list[Path]:
    """``models/<name>.onnx`` and ``.json`` and their variants (an int8 twin), not another model sharing the prefix."""
    models = sorted(
        path
        for pattern in (f"models/{name}*.onnx", f"models/{name}*.json")
        for path in ROOT.glob(pattern)
        if path.stem == name or path.stem.startswith(f"{name}-")
    )
    if not any(path.name == f"{name}.onnx" for path in models):
        raise RuntimeError(f"the shipped model models/{name}.onnx is missing")
    return models


def shipped_files() -> list[tuple[str, str]]:
    """(source, destination inside the built package tree) for every file the app ships beside its code."""
    models = [
        path
        for constant in ("DEFAULT_MODEL_NAME", "FAST_MODEL_NAME")
        for path in model_files(runtime_constant(constant))
    ]
    icons = sorted(path for path in (ROOT / "resources" / "icons").rglob("*") if path.is_file())
    desktop = sorted([*ROOT.glob("resources/*.desktop"), *ROOT.glob("resources/*.metainfo.xml")])
    sources = [*models, ROOT / "models" / "backbone" / "LICENSE-musicnn.txt", *icons, *desktop]
    pairs = [(path.relative_to(ROOT).as_posix(), (PACKAGED / path.relative_to(ROOT)).as_posix()) for path in sources]
    return [*pairs, ("LICENSE", (PACKAGED / "LICENSE").as_posix())]


class BuildPyWithShippedFiles(build_py):
    """``build_py`` that also copies :func:`shipped_files` into the build tree (not for editable installs)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        # An in-tree build/ (pip install ., python -m build --wheel) may still hold files since removed.
        shutil.rmtree(Path(self.build_lib) / PACKAGED, ignore_errors=True)
        for source, destination in shipped_files():
            target = Path(self.build_lib) / destination
            self.mkpath(str(target.parent))
            self.copy_file(source, str(target))

    def get_source_files(self) -> list[str]:
        return [*super().get_source_files(), *(source for source, _ in shipped_files())]

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        extra = [] if self.editable_mode else [str(Path(self.build_lib) / dest) for _, dest in shipped_files()]
        return [*super().get_outputs(include_bytecode), *extra]


setup(cmdclass={"build_py": BuildPyWithShippedFiles})
