"""A project: the user's own modules an analysed file imports, found the way Python finds them and
read once per content version.

Nothing is executed and nothing is walked: an import stats the few candidate paths of its own
name in the search folders (the analysed script's folder first, as ``sys.path[0]``; then the
project root, its ``src/`` folder and any extra folders). A module's text comes from the text
provider when one is given (the editor's open documents) and from the disk otherwise; it is
parsed once per content version into a ``ModuleSource`` kept in a bounded cache shared by every
project of the process. The interpreter may keep, on a source, what running it made when that
is the same for every importer (``share`` / ``shared``); such a result names the content versions
of the modules it was made from, and is used only while they are all current.

What a language server needs:
- ``Project(root, extra_paths, text_provider)``: one per workspace folder; ``text_provider(path)``
  gives an open document's text (``None``: read the disk);
- ``invalidate(path)`` when a file's text changes or it is saved, created or deleted: it forgets
  the file's cached sources and what was built from them, and returns ``dependents(path)``;
- ``dependents(path)``: every analysed file (open documents included) that imported ``path``,
  directly or through other modules, as of its last analysis: the documents to re-check.
"""

from __future__ import annotations

import ast
import hashlib
import os
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterable, NamedTuple, Optional, Sequence

from .. import LINE_BREAK

TextProvider = Callable[[str], Optional[str]]
ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
MAX_MODULE_BYTES = 2_000_000  # a larger file is not read for an import (generated code, data)
CACHE_CAPACITY = 1024
MAX_SHARED_CONTEXTS = 4  # search-folder lists a module's shared result is kept for


def normal(path: str | Path) -> str:
    return os.path.normpath(os.path.abspath(os.fspath(path)))


def find_root(file: str | Path) -> Path:
    """The nearest folder at or above the file's own with a project marker; else the file's folder."""
    start = Path(normal(file)).parent
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return start


def digest_of(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class Location(NamedTuple):
    """Where an import name leads: a module file, a package, or a namespace package."""

    file: Optional[str]  # the module's source (a package's ``__init__.py``); None for a namespace package
    package_dirs: tuple[str, ...]  # where its submodules are: () for a plain module


class ModuleSource:
    """One content version of a module file, parsed; ``error`` says why it could not be."""

    __slots__ = ("path", "digest", "lines", "tree", "error", "execution")

    def __init__(self, path: str, digest: str, lines: tuple[str, ...], tree: Optional[ast.Module],
                 error: Optional[str]) -> None:
        self.path = path
        self.digest = digest
        self.lines = lines
        self.tree = tree
        self.error = error
        # what the interpreter made of it when that is the same for every importer (see Project.share):
        # search folders → (result, the (path, digest) of the files it was made from)
        self.execution: dict[tuple[str, ...], tuple[object, tuple[tuple[str, str], ...]]] = {}


def parse_source(path: str, text: str, digest: str) -> ModuleSource:
    lines = tuple(LINE_BREAK.split(text))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return ModuleSource(path, digest, lines, None, f"it does not parse ({type(error).__name__}: {error})")
    return ModuleSource(path, digest, lines, tree, None)


class ModuleCache:
    """Parsed module sources by (path, content digest); the least recently used past ``capacity``
    are dropped. Thread-safe; one per process by default, shared by every project."""

    def __init__(self, capacity: int = CACHE_CAPACITY) -> None:
        self.capacity = capacity
        self.sources: OrderedDict[tuple[str, str], ModuleSource] = OrderedDict()
        self.stats: dict[str, tuple[int, int, str]] = {}  # path → (mtime_ns, size, digest) as last read
        self.lock = threading.Lock()

    def get(self, path: str, digest: str) -> Optional[ModuleSource]:
        with self.lock:
            source = self.sources.get((path, digest))
            if source is not None:
                self.sources.move_to_end((path, digest))
            return source

    def put(self, source: ModuleSource) -> None:
        with self.lock:
            self.sources[(source.path, source.digest)] = source
            while len(self.sources) > self.capacity:
                self.sources.popitem(last=False)

    def drop(self, path: str) -> None:
        with self.lock:
            for key in [key for key in self.sources if key[0] == path]:
                del self.sources[key]
            self.stats.pop(path, None)

    def forget_execution(self, path: str) -> None:
        with self.lock:
            for key, source in self.sources.items():
                if key[0] == path:
                    source.execution = {}

    def __len__(self) -> int:
        return len(self.sources)


SHARED_CACHE = ModuleCache()


class Project:
    """A root folder, the folders imports are searched in, and the modules read from them."""

    def __init__(self, root: str | Path, extra_paths: Sequence[str | Path] = (),
                 text_provider: Optional[TextProvider] = None, cache: Optional[ModuleCache] = None) -> None:
        self.root = normal(root)
        self.extra_paths = tuple(normal(path) for path in extra_paths)
        self.text_provider = text_provider
        self.cache = cache if cache is not None else SHARED_CACHE
        self.imported: dict[str, frozenset[str]] = {}  # file → the project files it imported, as last analysed
        self.provided: dict[str, tuple[str, str]] = {}  # path → (provided text, its digest)
        self.lock = threading.Lock()

    # --- finding modules ---------------------------------------------------------------------

    def search_paths(self, script_dir: Optional[str]) -> tuple[str, ...]:
        """Where absolute imports look, in order: the script's folder, the root, ``src/``, the extras."""
        folders = [normal(script_dir)] if script_dir else []
        folders.append(self.root)
        src = os.path.join(self.root, "src")
        if os.path.isdir(src):
            folders.append(src)
        folders.extend(self.extra_paths)
        return tuple(dict.fromkeys(folders))

    def find(self, name: str, folders: Iterable[str]) -> Optional[Location]:
        """One name in some folders, as Python's path finder looks: a package (``name/__init__.py``),
        else a module (``name.py``), in the first folder that has either; else the folders that have
        a plain ``name/`` directory, as a namespace package."""
        if not name.isidentifier():
            return None
        portions = []
        for folder in folders:
            base = os.path.join(folder, name)
            is_dir = os.path.isdir(base)
            if is_dir and os.path.isfile(os.path.join(base, "__init__.py")):
                return Location(os.path.join(base, "__init__.py"), (base,))
            if os.path.isfile(base + ".py"):
                return Location(base + ".py", ())
            if is_dir:
                portions.append(base)
        return Location(None, tuple(portions)) if portions else None

    def display(self, path: str) -> str:
        """A file as the report names it: relative to the root, with ``/``."""
        relative = os.path.relpath(path, self.root)
        return relative.replace(os.sep, "/")

    # --- reading them ------------------------------------------------------------------------

    def digest(self, path: str) -> Optional[str]:
        """The current content version of a file (``None``: it cannot be read)."""
        current = self.current(path)
        return None if current is None else current[0]

    def current(self, path: str) -> Optional[tuple[str, Optional[str]]]:
        """(digest, text) of a file now; the text is ``None`` when the digest is known from the
        file's unchanged size and modification time."""
        text = self.text_provider(path) if self.text_provider is not None else None
        if text is not None:
            known = self.provided.get(path)
            if known is not None and known[0] is text:
                return known[1], text
            digest = digest_of(text)
            self.provided[path] = (text, digest)
            return digest, text
        try:
            stat = os.stat(path)
        except OSError:
            return None
        cache = self.cache
        known_stat = cache.stats.get(path)
        if known_stat is not None and known_stat[:2] == (stat.st_mtime_ns, stat.st_size):
            return known_stat[2], None
        if stat.st_size > MAX_MODULE_BYTES:
            return f"too-large:{stat.st_size}:{stat.st_mtime_ns}", None
        text = self.read_disk(path)
        if text is None:
            return f"unreadable:{stat.st_size}:{stat.st_mtime_ns}", None
        digest = digest_of(text)
        with cache.lock:
            cache.stats[path] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest, text

    @staticmethod
    def read_disk(path: str) -> Optional[str]:
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_MODULE_BYTES + 1)
            return data.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None

    def source(self, path: str) -> ModuleSource:
        """The parsed module at ``path`` as it is now (from the cache when this version was read)."""
        current = self.current(path)
        if current is None:
            return ModuleSource(path, "missing", (), None, "it cannot be read")
        digest, text = current
        found = self.cache.get(path, digest)
        if found is not None:
            return found
        if digest.startswith("too-large:"):
            return ModuleSource(path, digest, (), None, f"it is larger than {MAX_MODULE_BYTES:,} bytes")
        if text is None:
            text = self.read_disk(path)
            if text is None:
                return ModuleSource(path, digest, (), None, "it is not UTF-8 text")
            digest = digest_of(text)
        source = parse_source(path, text, digest)
        self.cache.put(source)
        return source

    # --- what a run made of a module, kept while the modules it came from are unchanged ---------

    def share(self, source: ModuleSource, result: object, made_from: tuple[tuple[str, str], ...],
              folders: tuple[str, ...]) -> None:
        """Keep ``result`` on ``source``: it holds for every importer whose imports search
        ``folders`` (they start at the analysed script's folder), while each (path, digest) of
        ``made_from`` is current."""
        with self.cache.lock:
            if len(source.execution) >= MAX_SHARED_CONTEXTS:
                source.execution.pop(next(iter(source.execution)))
            source.execution[folders] = (result, made_from)

    def shared(self, source: ModuleSource, folders: tuple[str, ...]) -> Optional[object]:
        execution = source.execution.get(folders)
        if execution is None:
            return None
        result, made_from = execution
        if any(self.digest(path) != digest for path, digest in made_from):
            source.execution.pop(folders, None)
            return None
        return result

    # --- who depends on whom ----------------------------------------------------------------

    def record_imports(self, importer: str, imported: Iterable[str]) -> None:
        with self.lock:
            self.imported[normal(importer)] = frozenset(imported)

    def dependents(self, path: str | Path) -> frozenset[str]:
        """Every analysed file that imported ``path``, directly or through other project modules."""
        target = normal(path)
        with self.lock:
            edges = dict(self.imported)
        found: set[str] = set()
        pending = [target]
        while pending:
            current = pending.pop()
            for importer, imported in edges.items():
                if current in imported and importer not in found and importer != target:
                    found.add(importer)
                    pending.append(importer)
        return frozenset(found)

    def invalidate(self, path: str | Path) -> frozenset[str]:
        """A file changed (edited, saved, created, deleted): forget its cached sources and every
        shared result made from it; the files to re-check are returned."""
        target = normal(path)
        affected = self.dependents(target)
        self.cache.drop(target)
        self.provided.pop(target, None)
        for dependent in affected:
            self.cache.forget_execution(dependent)
        return affected
