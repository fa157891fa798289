"""The project's own modules: ``import models``, ``from .blocks import conv_block``, packages,
star imports and re-exports, read and run by this interpreter in their own module scope.

An import first asks the project (``sources/project.py``) for a file; a name that leads to no
file of the project stays a library name (``QName``), as before. A module runs once per analysis,
in its own ``Env`` named as imported (never ``"__main__"``, so its ``if __name__ == "__main__":``
block is skipped), with the importing statement as the call site of whatever it does. A module
whose run made no model work and bound only values that never change (functions, classes,
constants, library names, other such modules) is kept on its source and reused by later
analyses while the files it came from are unchanged. A module being imported is seen as far as
it has run (a circular import), as Python does.

Python's search order is kept: the analysed script's folder is searched first for every name (so
a ``keras.py`` beside the script is what ``import keras`` means, as in Python); the root, ``src/``
and the extra folders only for names that are neither the frameworks' nor the standard library's,
because those folders come after the installed libraries on a real ``sys.path``.
"""

from __future__ import annotations

import ast
import os
import sys
from typing import TYPE_CHECKING, Optional

from ..unknown import Failed, Unknown
from .env import Env
from .positions import STAMP, Positions, span_path
from .values import Builtin, ClassValue, Function, LambdaValue, QName, Value

if TYPE_CHECKING:
    from ..sources.project import ModuleSource, Project
    from .core import Interpreter

MAX_IMPORT_NESTING = 16
STDLIB = frozenset(sys.stdlib_module_names) | frozenset(sys.builtin_module_names)
PLAIN = (bool, int, float, complex, str, bytes, Unknown, QName, Builtin, LambdaValue)


class LoadedModule:
    """A module of the project as one analysis sees it (or, when ``shared``, as every one does)."""

    __slots__ = ("name", "path", "package_dirs", "env", "loading", "shared", "error", "value", "made_from",
                 "positions", "envs")

    def __init__(self, name: str, path: Optional[str], package_dirs: tuple[str, ...], error: Optional[str] = None) -> None:
        self.name = name
        self.path = path  # its file; None for a namespace package
        self.package_dirs = package_dirs
        self.env = Env()
        self.env.vars["__name__"] = name
        if path is not None:
            self.env.vars["__file__"] = path
        self.loading = False
        self.shared = False
        self.error = error  # why the file could not be read
        self.value = ModuleValue(self)
        self.made_from: tuple[tuple[str, str], ...] = ()  # (path, digest) of it and the modules it imported
        self.positions: tuple[Positions, ...] = ()  # of its file and of the files it was made from
        self.envs: tuple[Env, ...] = ()  # its Env and those of the modules it was made from (when shared)


class ModuleValue(Value):
    """A module of the project bound to a name: its attributes are its top-level names."""

    __slots__ = ("module",)

    def __init__(self, module: LoadedModule) -> None:
        self.module = module

    def attribute(self, interp: "Interpreter", name: str) -> object:
        return interp.modules.member(self.module, name)

    def set_attribute(self, interp: "Interpreter", name: str, value: object) -> None:
        if not self.module.shared:  # a shared module is the same for every analysis: it stays as it ran
            self.module.env.vars[name] = value

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        return Unknown(f"`{self.module.name}` is a module, not something to call")

    def __repr__(self) -> str:
        return f"<module {self.module.name}>"


class Modules:
    """The imports of one analysis: which project file each name is, and each module's run."""

    def __init__(self, interp: "Interpreter", project: Optional["Project"], path: Optional[str]) -> None:
        self.interp = interp
        self.project = project
        self.main_path = os.path.normpath(os.path.abspath(path)) if path else None
        script_dir = os.path.dirname(self.main_path) if self.main_path else (project.root if project else None)
        # sys.path as the analysed script would have it: its own folder first
        self.search_paths = project.search_paths(script_dir) if project is not None else ()
        self.table: dict[str, LoadedModule] = {}  # file (or namespace folders) → module, this analysis
        self.tops: dict[str, Optional[LoadedModule]] = {}  # first part of an absolute name → module (None: a library)
        self.children: dict[tuple[int, str], Optional[LoadedModule]] = {}  # (id of a package, name) → submodule
        self.importing: list[LoadedModule] = []  # the modules whose top level is running
        self.direct: dict[str, set[str]] = {}  # module file → the project files its top level imported
        if self.main_path is not None:
            main = LoadedModule("__main__", self.main_path, ())
            main.env = interp.module
            main.loading = True  # importing the analysed file itself sees it as far as it has run
            self.table[self.main_path] = main

    # --- the import statements ------------------------------------------------------------

    def absolute(self, name: str, site: ast.stmt) -> Optional[list[Optional[LoadedModule]]]:
        """``import a.b.c`` / ``from a.b import x``: the modules along the dotted name (None where a
        part is missing), or None when its first part is not the project's (a library)."""
        if self.project is None:
            return None
        parts = name.split(".")
        if parts[0] in self.tops:
            top = self.tops[parts[0]]
        else:
            top = self.tops[parts[0]] = self.locate_top(parts[0], site)
        if top is None:
            return None
        chain: list[Optional[LoadedModule]] = [top]
        for index in range(1, len(parts)):
            parent = chain[-1]
            chain.append(None if parent is None else self.child(parent, parts[index], site))
        return chain

    def relative(self, name: Optional[str], level: int, site: ast.stmt) -> Optional[LoadedModule]:
        """``from . import x`` / ``from ..pkg.mod import y``, from the folder of the importing file."""
        importer = self.file_of(site)
        if self.project is None or importer is None:
            return None
        folder = os.path.dirname(importer)
        for _ in range(level - 1):
            folder = os.path.dirname(folder)
        package = self.package_at(folder, site)
        for part in (name.split(".") if name else ()):
            if package is None:
                return None
            package = self.child(package, part, site)
        return package

    def from_import(self, module: LoadedModule, name: str, site: ast.stmt) -> object:
        """``from module import name``: its top-level name, else its submodule."""
        if name in module.env.vars:
            return module.env.vars[name]
        if module.package_dirs:
            sub = self.child(module, name, site)
            if sub is not None:
                return sub.value
        return self.missing(module, name)

    def star(self, module: LoadedModule, site: ast.stmt) -> dict[str, object]:
        """``from module import *``: the names in its ``__all__``, else every public name."""
        names = module.env.vars.get("__all__")
        if isinstance(names, (list, tuple)) and all(isinstance(n, str) for n in names):
            return {name: self.from_import(module, name, site) for name in names}
        return {name: value for name, value in module.env.vars.items() if not name.startswith("_")}

    def member(self, module: LoadedModule, name: str) -> object:
        """``module.name`` on a module value: a top-level name, or a submodule this analysis loaded
        (``import pkg.sub`` makes ``pkg.sub`` reachable, as Python does), else read on demand."""
        if name in module.env.vars:
            return module.env.vars[name]
        if module.package_dirs:
            sub = self.child(module, name, None)
            if sub is not None:
                return sub.value
        return self.missing(module, name)

    @staticmethod
    def missing(module: LoadedModule, name: str) -> Unknown:
        if module.error is not None:
            return Unknown(f"`{module.name}` could not be read: {module.error}")
        if module.loading:
            return Failed(f"`{name}` is not defined yet: `{module.name}` is still being imported (a circular import)")
        return Unknown(f"`{name}` is not defined in `{module.name}`")

    # --- finding -------------------------------------------------------------------------------

    def locate_top(self, name: str, site: ast.stmt) -> Optional[LoadedModule]:
        project = self.project
        assert project is not None
        if name in sys.builtin_module_names:
            return None
        library = name in STDLIB or self.interp.frameworks.owner(self.interp.frameworks.canonical(name)) is not None
        folders = self.search_paths[:1] if library else self.search_paths
        location = project.find(name, folders)
        if location is None:
            return None
        return self.load(name, location.file, location.package_dirs, site)

    def child(self, parent: LoadedModule, name: str, site: Optional[ast.stmt]) -> Optional[LoadedModule]:
        key = (id(parent), name)
        if key in self.children:
            return self.children[key]
        if self.project is None or not parent.package_dirs:
            return None
        location = self.project.find(name, parent.package_dirs)
        module = None if location is None else self.load(f"{parent.name}.{name}", location.file, location.package_dirs, site)
        self.children[key] = module
        return module

    def package_at(self, folder: str, site: ast.stmt) -> Optional[LoadedModule]:
        """The package a folder is, for a relative import (its ``__init__.py`` run, if it has one)."""
        assert self.project is not None
        init = os.path.join(folder, "__init__.py")
        name = os.path.basename(folder) or folder
        if os.path.isfile(init):
            return self.load(name, init, (folder,), site)
        return self.load(name, None, (folder,), site)

    def file_of(self, node: ast.AST) -> Optional[str]:
        positions = getattr(node, STAMP, None)
        return positions.path if positions is not None else self.main_path

    # --- loading -------------------------------------------------------------------------------

    def load(self, name: str, file: Optional[str], package_dirs: tuple[str, ...], site: Optional[ast.stmt]) -> LoadedModule:
        """The module of a file (or of namespace folders), read and run the first time this analysis meets it."""
        key = file or "namespace:" + "|".join(package_dirs)
        module = self.table.get(key)
        if module is None:
            module = self.table[key] = self.read(name, file, package_dirs, site)
        if self.importing and file is not None:
            self.direct.setdefault(self.importing[-1].path or "", set()).add(file)
        return module

    def read(self, name: str, file: Optional[str], package_dirs: tuple[str, ...], site: Optional[ast.stmt]) -> LoadedModule:
        project = self.project
        assert project is not None
        if file is None:
            namespace = LoadedModule(name, None, package_dirs)
            namespace.shared = True  # no names of its own: the same for every analysis
            return namespace
        source = project.source(file)
        if source.tree is None:
            return LoadedModule(name, file, package_dirs, source.error)
        positions = self.positions_of(source)
        shared = project.shared(source, self.search_paths)
        if isinstance(shared, LoadedModule):
            for each in shared.positions:
                self.interp.positions.add(each)
            return shared
        if len(self.importing) >= MAX_IMPORT_NESTING:
            return LoadedModule(name, file, package_dirs, "imports nest too deeply")
        module = LoadedModule(name, file, package_dirs)
        self.table[file] = module
        self.interp.positions.add(positions)
        self.run(module, source, site)
        self.share_if_constant(module, source, positions)
        return module

    @staticmethod
    def positions_of(source: "ModuleSource") -> Positions:
        """The Positions of a module's file, stamped on its (cached) tree's nodes once."""
        positions = getattr(source.tree, STAMP, None)
        if positions is None:
            positions = Positions(source.lines, source.path)
            positions.stamp(source.tree)  # type: ignore[arg-type]
        return positions

    def run(self, module: LoadedModule, source: "ModuleSource", site: Optional[ast.stmt]) -> None:
        """The module's top level, as its own program: no caller's helper calls or conditions apply."""
        interp = self.interp
        saved = (interp.contexts, interp.conditions, interp.uncertain, interp.depth)
        interp.contexts, interp.conditions, interp.uncertain, interp.depth = [], [], 0, 0
        interp.budget += 50 * len(source.lines)  # the budget grows with every file read
        if site is not None:
            interp.sites.append(site)
        module.loading = True
        self.importing.append(module)
        work = self.work_done()
        try:
            interp.executor.exec_block(source.tree.body, module.env, top_level=True)  # type: ignore[union-attr]
        finally:
            self.importing.pop()
            module.loading = False
            if site is not None:
                interp.sites.pop()
            interp.contexts, interp.conditions, interp.uncertain, interp.depth = saved
        module.shared = self.work_done() == work  # provisional: share_if_constant decides
        if self.project is not None and module.path is not None:
            self.project.record_imports(module.path, self.direct.get(module.path, ()))

    def work_done(self) -> tuple[int, ...]:
        interp = self.interp
        return (interp.events, len(interp.diagnostics), len(interp.models), len(interp.layers.nodes))

    def share_if_constant(self, module: LoadedModule, source: "ModuleSource", positions: Positions) -> None:
        """Keep a module that did no model work and bound only unchanging values for later analyses."""
        module.shared = False if not module.shared else self.constant_module(module)
        if not module.shared or self.project is None:
            return
        made_from = {(source.path, source.digest)}
        all_positions = {positions.path: positions}
        envs = {id(module.env): module.env}
        for path in self.direct.get(module.path or "", ()):
            imported = self.table.get(path)
            if imported is None or not imported.shared:
                module.shared = False
                return
            made_from.update(imported.made_from)
            all_positions.update({p.path: p for p in imported.positions})
            envs.update((id(env), env) for env in imported.envs)
        module.made_from = tuple(sorted(made_from))
        module.positions = tuple(all_positions.values())
        module.envs = tuple(envs.values())
        self.project.share(source, module, module.made_from, self.search_paths)

    def constant_module(self, module: LoadedModule) -> bool:
        envs = {id(module.env)} | {id(env) for m in self.table.values() if m.shared for env in m.envs}
        return all(self.constant(value, envs) for value in module.env.vars.values())

    def constant(self, value: object, envs: set[int]) -> bool:
        """A value that no analysis can change: safe to hand to every importer."""
        if value is None or isinstance(value, PLAIN):
            return True
        if isinstance(value, (tuple, frozenset)):
            return all(self.constant(item, envs) for item in value)
        if isinstance(value, ModuleValue):
            return value.module.shared
        if isinstance(value, Function):
            return id(value.env) in envs and all(self.constant(v, envs) for v in value.defaults.values())
        if isinstance(value, ClassValue):
            return (id(value.env) in envs and all(self.constant(base, envs) for base in value.bases)
                    and all(self.constant(attr, envs) for attr in value.attrs.values()))
        return False

    # --- after the run ---------------------------------------------------------------------------

    def finish(self) -> None:
        """Note which project files the analysed file depended on (for re-checking it)."""
        if self.project is not None and self.main_path is not None:
            files = {m.path for m in self.table.values() if m.path is not None and m.path != self.main_path}
            for module in list(self.table.values()):
                files.update(path for path, _ in module.made_from)
            files.discard(self.main_path)
            self.project.record_imports(self.main_path, files)

    def release(self) -> None:
        for module in self.table.values():
            if not module.shared and module.path != self.main_path:
                module.env.vars.clear()

    def display(self, path: str) -> str:
        return self.project.display(path) if self.project is not None else path

    def place(self, span: object) -> str:
        """Where a span is, for a message: ``line 12``, or ``models.py:12`` in another file."""
        path = span_path(span)  # type: ignore[arg-type]
        line = span.start_line + 1  # type: ignore[attr-defined]
        return f"line {line}" if path is None else f"{self.display(path)}:{line}"
