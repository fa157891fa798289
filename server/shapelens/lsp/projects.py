"""The project each open document belongs to, and what crosses between files.

A document is analysed with its project (the workspace folder holding it, or the folder that
``find_root`` gives, plus ``shapelens.extraPaths`` and the other workspace folders), so its
imports of the project's own modules resolve to their source. Other files are read from the
open documents when they are open and from disk when they are not. When a file changes, the
open documents that imported it are re-checked; a diagnostic that a document's analysis finds
in another file (an error in ``models.py`` for the input ``train.py`` gives) is published on
that file too, next to its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Optional
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.uris import from_fs_path

from shapelens.analysis.sources.project import Project, find_root

TextOf = Callable[[str], Optional[str]]


def fs_path(uri: str) -> Optional[Path]:
    """The file of a ``file:`` URI (other schemes, such as unsaved documents, have none)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


def workspace_folders(params: types.InitializeParams) -> list[Path]:
    """The client's workspace folders (or its root, for clients without folders)."""
    uris = [folder.uri for folder in params.workspace_folders or ()] or ([params.root_uri] if params.root_uri else [])
    return [path for path in map(fs_path, uris) if path is not None]


class ProjectIndex:
    def __init__(self, text_of: TextOf) -> None:
        self.text_of = text_of  # an open document's text by absolute path, or None
        self.folders: tuple[Path, ...] = ()
        self.extra_paths: tuple[str, ...] = ()
        self.projects: dict[Path, Project] = {}
        # the project root of each file outside the workspace folders (``find_root`` looks for
        # markers on disk): found when the file is opened, not again on every change
        self.roots: dict[Path, Path] = {}
        # diagnostics a document's analysis found in another file: target uri → source uri → diagnostics
        self.foreign: dict[str, dict[str, list[types.Diagnostic]]] = {}

    def configure(self, folders: Iterable[Path], extra_paths: Iterable[str]) -> None:
        folders, extra = tuple(folders), tuple(extra_paths)
        if (folders, extra) != (self.folders, self.extra_paths):
            self.folders, self.extra_paths = folders, extra
            self.projects.clear()
            self.roots.clear()

    def root_of(self, path: Path) -> Path:
        holding = [folder for folder in self.folders if path.is_relative_to(folder)]
        if holding:
            return max(holding, key=lambda folder: len(folder.parts))
        root = self.roots.get(path)
        if root is None:
            root = self.roots[path] = find_root(path)
        return root

    def opened(self, uri: str) -> None:
        """A document was opened: its root is looked for on disk again (a marker may have appeared)."""
        path = fs_path(uri)
        if path is not None:
            self.roots.pop(path, None)

    def project_of(self, uri: str) -> Optional[Project]:
        path = fs_path(uri)
        if path is None:
            return None
        root = self.root_of(path)
        project = self.projects.get(root)
        if project is None:
            others = tuple(str(folder) for folder in self.folders if folder != root)
            project = self.projects[root] = Project(root, self.extra_paths + others, self.provide)
        return project

    def provide(self, path: str) -> Optional[str]:
        return self.text_of(path)

    def changed(self, uri: str) -> frozenset[str]:
        """A file's text changed: forget what was read of it, and say which files imported it."""
        path = fs_path(uri)
        if path is None:
            return frozenset()
        dependents: set[str] = set()
        for project in self.projects.values():
            dependents |= project.invalidate(str(path))
        return frozenset(dependents)

    def uri_of(self, project: Project, relative: str) -> str:
        return from_fs_path(str(Path(project.root) / relative)) or relative

    def found_in_others(self, source_uri: str, by_target: dict[str, list[types.Diagnostic]]) -> set[str]:
        """Replace what ``source_uri``'s analysis found in other files; the files to republish."""
        touched = set(by_target)
        for target, sources in self.foreign.items():
            if source_uri in sources and target not in by_target:
                del sources[source_uri]
                touched.add(target)
        for target, found in by_target.items():
            self.foreign.setdefault(target, {})[source_uri] = found
        return touched

    def forget(self, source_uri: str) -> set[str]:
        return self.found_in_others(source_uri, {})

    def found_for(self, target_uri: str) -> list[types.Diagnostic]:
        return [d for found in self.foreign.get(target_uri, {}).values() for d in found]
