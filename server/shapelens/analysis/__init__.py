"""The analysis core: ``analyze(source) -> Report``. Pure; no editor or protocol imports."""

from __future__ import annotations

import ast
import re
import warnings
from typing import Optional

from .report import Report

__all__ = ["analyze", "layer_signature", "Report"]
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def decode(source: str | bytes) -> str | None:
    if isinstance(source, str):
        return source
    try:
        return source.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def analyze(source: str | bytes) -> Report:
    """Find the models in one Python source and propagate their shapes. Never raises on bad input."""
    from .parse import Interpreter
    from .propagate import assemble_report

    text = decode(source)
    if text is None:
        return Report(parsed=False, parse_error="the file is not UTF-8 text")
    # Python and LSP end lines at \r\n, \r and \n only (str.splitlines also splits at \x0c, \u2028, ...)
    lines = tuple(LINE_BREAK.split(text))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return Report(parsed=False, parse_error=f"{type(error).__name__}: {error}", lines=lines)
    # a budget of interpreted statements keeps loops and recursion bounded on any input
    interpreter = Interpreter(tree, lines, budget=50 * len(lines) + 20_000)
    try:
        found = interpreter.run()
        return assemble_report(found)
    except RecursionError:
        return Report(parsed=True, parse_error="the file nests too deeply to analyse", lines=lines)
    finally:
        interpreter.release()


def layer_signature(framework: str, class_name: str) -> Optional[tuple[tuple[str, ...], dict]]:
    """A layer constructor's positional argument order and defaults, as the engine binds them
    (``None`` for a class the engine does not model)."""
    from .layers import RULES
    from .torch_layers import TORCH_RULES

    rule = (TORCH_RULES if framework == "torch" else RULES).get(class_name)
    return None if rule is None else (tuple(rule.args), dict(rule.defaults))
