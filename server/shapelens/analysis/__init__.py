"""The analysis core: ``analyze(source) -> Report``. Pure; no editor or protocol imports.

This is the one place that picks the frameworks: the interpreter knows none, and each
framework is a plugin package (``keras``, ``torch``, ``numpy``).
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Callable, Mapping, Optional

from .collector import COLLECTOR, long_lived
from .report import Report
from .statements import StatementIndex

if TYPE_CHECKING:
    from .keras.version import KerasSetup
    from .sources.project import Project
    from .sources.reparse import Reparser

__all__ = ["analyze", "AnalysisOptions", "analysis_options", "keras_setup", "KERAS_VERSION_SETTINGS",
           "layer_signature", "layer_role", "role_class", "lazy_form", "Report"]
KERAS_VERSION_SETTINGS = ("auto", "2", "3")


@dataclass(frozen=True)
class AnalysisOptions:
    """What the analysis assumes about the environment the analysed code runs in."""

    # What ``keras`` and ``tensorflow.keras`` are there (``keras_setup``); Keras 3 when not given.
    keras_version: Optional["KerasSetup"] = None


def keras_setup(setting: str = "auto", find_version: Optional[Callable[[str], Optional[str]]] = None,
                environ: Optional[Mapping[str, str]] = None) -> "KerasSetup":
    """The Keras version setting (``auto``, ``2``, ``3``) as the analysis takes it. ``auto`` reads
    the installed distributions' versions (``find_version``, by default this interpreter's
    metadata) and ``TF_USE_LEGACY_KERAS`` (``environ``, by default this process's)."""
    from .keras.version import installed_version, setup_for

    if find_version is None and environ is None and setting not in ("2", "3"):
        return detected_setup()
    return setup_for(setting, find_version or installed_version, os.environ if environ is None else environ)


@lru_cache(maxsize=1)
def detected_setup() -> "KerasSetup":
    """This interpreter's environment, read once per process (metadata is read from disk)."""
    from .keras.version import installed_version, setup_for

    return setup_for("auto", installed_version, os.environ)


def analysis_options(keras_version: str = "auto") -> AnalysisOptions:
    """The options for a setting as the CLI and the editor spell it."""
    return AnalysisOptions(keras_setup(keras_version))


LINE_BREAK = re.compile(r"\r\n|\r|\n")


@lru_cache(maxsize=1)
def frameworks():  # type: ignore[no-untyped-def]
    """The composed plugins (built once per process; their lookups are cached)."""
    from .interpreter import Frameworks
    from .interpreter.stdlib import Stdlib
    from .keras import KerasPlugin
    from .numpy import NumpyPlugin
    from .torch import TorchPlugin

    return Frameworks((KerasPlugin(), TorchPlugin(), NumpyPlugin()), Stdlib())


def decode(source: str | bytes) -> Optional[str]:
    if isinstance(source, str):
        return source
    try:
        return source.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def analyze(source: str | bytes, options: Optional[AnalysisOptions] = None, path: Optional[str] = None,
            project: Optional["Project"] = None, reparser: Optional["Reparser"] = None) -> Report:
    """Find the models in one Python source and propagate their shapes. Never raises on bad input.

    ``options`` say what the analysed code runs with (the Keras version; Keras 3 when not given).
    With a ``project`` (``sources/project.py``) the source's imports of the project's own modules
    are read and interpreted too; ``path`` is the source's file (its folder is searched first, and
    its relative imports start there). Without one, every import is a library's.

    A ``reparser`` (``sources/reparse.py``) given the same document's versions in turn parses
    only the statements each version changed; without one the whole text is parsed."""
    with COLLECTOR.held():
        return _analyze(source, options, path, project, reparser)


def _analyze(source: str | bytes, options: Optional[AnalysisOptions], path: Optional[str],
             project: Optional["Project"], reparser: Optional["Reparser"]) -> Report:
    from .assemble import assemble_report
    from .interpreter import Interpreter

    text = decode(source)
    if text is None:
        return Report(parsed=False, parse_error="the file is not UTF-8 text")
    # Python and LSP end lines at \r\n, \r and \n only (str.splitlines also splits at \x0c, \u2028, ...)
    lines = tuple(text.split("\n") if "\r" not in text else LINE_BREAK.split(text))
    try:
        with warnings.catch_warnings(), long_lived():
            warnings.simplefilter("ignore")
            tree = ast.parse(text) if reparser is None else reparser.parse(text, lines)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return Report(parsed=False, parse_error=f"{type(error).__name__}: {error}", lines=lines)
    # a budget of interpreted statements keeps loops and recursion bounded on any input
    options = options or AnalysisOptions()
    interpreter = Interpreter(tree, lines, frameworks(), budget=50 * len(lines) + 20_000, options=options,
                              path=path, project=project, text=text)
    try:
        interpreter.run()
        rerun = partial(analyze, options=options, path=path, project=project)
        return replace(assemble_report(interpreter), options=options, rerun=rerun,
                       statements=lru_cache(maxsize=1)(partial(StatementIndex.of_tree, text, tree)))
    except RecursionError:
        return Report(parsed=True, parse_error="the file nests too deeply to analyse", lines=lines)
    finally:
        interpreter.release()


def layer_signature(framework: str, class_name: str) -> Optional[tuple[tuple[str, ...], dict]]:
    """A layer constructor's positional argument order and defaults, as the engine binds them
    (``None`` for a class the engine does not model)."""
    rule = frameworks().layer_rule(framework, class_name)
    return None if rule is None else (tuple(rule.args), dict(rule.defaults))


def layer_role(framework: str, class_name: str) -> str:
    """What a layer class is to the quick fixes: ``"dense"``, ``"flatten"``, or ``""``."""
    rule = frameworks().layer_rule(framework, class_name)
    return "" if rule is None else rule.role


def role_class(framework: str, role: str) -> Optional[str]:
    """The framework's layer class that plays a role (its ``"flatten"`` layer)."""
    plugin = frameworks().by_name.get(framework)
    return None if plugin is None else plugin.class_with_role(role)


def window_rank(framework: str, class_name: str) -> int:
    """How many spatial axes a layer's window slides over (2 for ``Conv2D`` and ``ConvLSTM2D``), 0 when
    it has no window or the engine does not model the class."""
    rule = frameworks().layer_rule(framework, class_name)
    return 0 if rule is None else rule.rank


def lazy_form(framework: str, class_name: str) -> Optional[str]:
    """The class that infers this layer's input size at its first call, if the framework has one."""
    rule = frameworks().layer_rule(framework, class_name)
    return rule.lazy_form or None if rule is not None else None
