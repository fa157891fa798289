"""Running a fixture project's main script as ``python train.py`` would: the script's folder first on
``sys.path`` (and the project's ``src/`` folder, where an editable install puts it), and the
project's own modules forgotten afterwards, so that the next project's ``models`` is its own."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from pathlib import Path
from typing import Iterator


def project_folders(project_dir: Path, script: Path) -> list[str]:
    folders = [str(script.parent)]
    if (project_dir / "src").is_dir():
        folders.append(str(project_dir / "src"))
    return folders


@contextlib.contextmanager
def project_on_path(project_dir: Path, script: Path) -> Iterator[None]:
    folders = project_folders(project_dir, script)
    sys.path[:0] = folders
    importlib.invalidate_caches()
    try:
        yield
    finally:
        for folder in folders:
            sys.path.remove(folder)
        forget_project_modules(project_dir)


def in_project(filename: str, project_dir: Path) -> bool:
    return os.path.abspath(filename).startswith(str(project_dir) + os.sep)


def forget_project_modules(project_dir: Path) -> None:
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        paths = getattr(module, "__path__", None)
        # a namespace package's __path__ is an iterable of folders (some modules fake it: skip those)
        folders = [p for p in paths if isinstance(p, str)] if isinstance(paths, list) or type(paths).__name__ == "_NamespacePath" else []
        if (isinstance(file, str) and in_project(file, project_dir)) or any(in_project(f + os.sep, project_dir) for f in folders):
            del sys.modules[name]
