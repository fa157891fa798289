"""A framework-neutral abstract interpreter over Python's ``ast``; see ``core.py``."""

from .core import Interpreter
from .plugins import ClassHook, Frameworks, Plugin

__all__ = ["Interpreter", "Frameworks", "Plugin", "ClassHook"]
