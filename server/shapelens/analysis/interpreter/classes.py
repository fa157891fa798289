"""The file's own classes: instances, methods by inheritance, and the framework hook a class
inherits from a library base class (``torch.nn.Module``)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from ..unknown import Unknown
from .env import Env
from .plugins import ClassHook
from .values import MISSING, REQUIRED, ClassValue, Function, Instance, QName

if TYPE_CHECKING:
    from .core import Interpreter


class Classes:
    def __init__(self, interp: "Interpreter") -> None:
        self.interp = interp

    def hook_of(self, bases: tuple) -> Optional[ClassHook]:
        for base in bases:
            if isinstance(base, QName):
                hook = self.interp.frameworks.class_hook(base.path)
                if hook is not None:
                    return hook
            elif isinstance(base, ClassValue) and base.hook is not None:
                return base.hook
        return None

    def instantiate(self, cls: ClassValue, args: list, kwargs: dict, node: ast.AST) -> Instance:
        interp = self.interp
        instance = Instance(cls, interp.span(node))
        init = self.method_of(cls, "__init__")
        if init is not None:
            interp.call_function(init, [instance, *args], kwargs, label=None)
        elif cls.hook is not None and isinstance(node, ast.Call):
            cls.hook.super_method(interp, instance, "__init__", args, kwargs, node)  # the library base's __init__
        else:
            fields = self.generated_fields(cls)
            if fields is not None:
                self.init_fields(instance, fields, args, kwargs)
        if cls.hook is not None:
            interp.events += 1
            cls.hook.on_instance(interp, instance)
        return instance

    def generated_fields(self, cls: ClassValue) -> Optional[tuple[tuple[str, object], ...]]:
        """The parameters of a generated ``__init__`` (a dataclass's), the nearest class's that has one."""
        if cls.fields is not None:
            return cls.fields
        for base in cls.bases:
            if isinstance(base, ClassValue):
                found = self.generated_fields(base)
                if found is not None:
                    return found
        return None

    def init_fields(self, instance: Instance, fields: tuple[tuple[str, object], ...], args: list, kwargs: dict) -> None:
        """What a generated ``__init__`` does: each field from its argument, else its default; then
        ``__post_init__``."""
        for position, (name, default) in enumerate(fields):
            if position < len(args):
                value = args[position]
            elif name in kwargs:
                value = kwargs[name]
            elif default is REQUIRED:
                value = Unknown(f"the field `{name}` is not given")
            else:
                value = default
            instance.attrs[name] = value
        post_init = self.method_of(instance.cls, "__post_init__")
        if post_init is not None:
            self.interp.call_function(post_init, [instance], {}, label=None)

    def run_body(self, cls: ClassValue) -> None:
        """The class body's assignments, as Python runs them when the class is defined: class attributes
        (``IMG_SIZE = 224``, ``n_embd: int = 768``). Methods are found in the body when called."""
        scope = Env(cls.env)  # type: ignore[arg-type]
        body = [stmt for stmt in cls.node.body
                if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Expr))]
        if body:
            self.interp.exec_block(body, scope)
        cls.attrs.update(scope.vars)

    def method_of(self, cls: ClassValue, name: str) -> Optional[Function]:
        for stmt in cls.node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
                return Function(stmt, cls.env, self.function_defaults(stmt, cls.env), stmt.name, cls)  # type: ignore[arg-type]
        for base in cls.bases:
            if isinstance(base, ClassValue):
                found = self.method_of(base, name)
                if found is not None:
                    return found
        return None

    def class_attribute(self, cls: ClassValue, name: str) -> object:
        """``Block.expansion``: an attribute the class body binds, or a method (unbound), looked up
        through the file's own base classes as Python does; ``MISSING`` when none has it."""
        if name in cls.attrs:
            return cls.attrs[name]
        method = self.method_of(cls, name)
        if method is not None:
            return method
        for base in cls.bases:
            if isinstance(base, ClassValue):
                found = self.class_attribute(base, name)
                if found is not MISSING:
                    return found
        return MISSING

    def function_defaults(self, stmt: ast.FunctionDef, env: Env) -> dict:
        params = stmt.args
        positional = params.posonlyargs + params.args
        evaluate = self.interp.evaluator.eval
        defaults = {}
        for param, default in zip(positional[len(positional) - len(params.defaults):], params.defaults):
            defaults[param.arg] = evaluate(default, env)
        for param, default in zip(params.kwonlyargs, params.kw_defaults):
            if default is not None:
                defaults[param.arg] = evaluate(default, env)
        return defaults

    def required_names(self, function: Function, skip_self: bool = False) -> list[str]:
        """The parameters a call must give (no default)."""
        params = function.node.args
        positional = (params.posonlyargs + params.args)[1 if skip_self else 0:]
        missing = positional[: max(len(positional) - len(params.defaults), 0)]
        keywords = [p for p, d in zip(params.kwonlyargs, params.kw_defaults) if d is None]
        return [p.arg for p in (*missing, *keywords)]
