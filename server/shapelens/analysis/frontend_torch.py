"""The PyTorch part of the interpreter: ``nn.Sequential``, ``nn.Module`` subclasses and tensor ops.

A module's ``__init__`` is interpreted to collect its layers (``self.conv1 = nn.Conv2d(...)``);
its ``forward`` is interpreted with a symbolic tensor: the literal example input that reaches
the model, else the ``# shapelens: input=(N, 3, 32, 32)`` comment, else a tensor implied by the
first layer (so channel chains are checked with no input at all).
"""

from __future__ import annotations

import ast
import re
from typing import Optional

from . import torch_layers
from .layers import LayerSpec, ShapeError
from .propagate import apply_layer
from .report import Shape, Span
from .values import (
    ArrayValue, BoundMethod, ClassValue, Function, FunctionalBuild, Instance, LayerObj, QName,
    SequentialBuild, Tensor, Unknown,
)

INPUT_COMMENT = re.compile(r"#\s*shapelens:\s*input\s*=\s*\(([^)]*)\)")
EXAMPLE_CODES = {"in-channels", "rank-mismatch", "num-features", "linear-in-features", "input-size"}
PASS_THROUGH_METHODS = {"to", "cuda", "cpu", "eval", "train", "float", "double", "half", "requires_grad_"}


def comment_shape(line: str) -> Optional[Shape]:
    match = INPUT_COMMENT.search(line)
    if not match:
        return None
    dims = []
    for part in match.group(1).split(","):
        part = part.strip()
        if not part:
            continue
        if part.isdigit():
            dims.append(int(part))
        elif part.isidentifier():
            dims.append(None)
        else:
            return None
    return tuple(dims)


class TorchFrontend:
    """Mixed into the Interpreter; uses its eval/apply/span machinery."""

    torch_instances: list

    # ---------------------------------------------------------------- construction

    def torch_star(self, base: str, env) -> None:
        if base == "torch.nn":
            for name in (*torch_layers.TORCH_RULES, "Sequential", "Module", "ModuleList", "ModuleDict"):
                env.vars[name] = QName(f"torch.nn.{name}")

    def call_torch(self, func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        path, leaf = func.path, func.leaf
        if path == "collections.OrderedDict":
            pairs = self.iterate(args[0]) if args else []
            if pairs is None:
                return Unknown("an OrderedDict of unknown items")
            return {pair[0]: pair[1] for pair in pairs if isinstance(pair, tuple) and len(pair) == 2}
        if path.startswith("torch.nn.") and path.count(".") == 2:
            if leaf == "Sequential":
                items = args
                if len(args) == 1 and isinstance(args[0], dict):
                    items = list(args[0].values())
                build = self.make_sequential([list(items)], {}, node)
                build.framework = "torch"
                return build
            if leaf == "ModuleList":
                return list(self.iterate(args[0]) or []) if args else []
            if leaf == "ModuleDict":
                return dict(args[0]) if args and isinstance(args[0], dict) else {}
            rule = torch_layers.TORCH_RULES.get(leaf)
            if rule is not None:
                named = {k: v for k, v in kwargs.items() if k not in ("device", "dtype", "inplace")}
                spec = LayerSpec(rule, rule.bind(args, named), leaf)
                return LayerObj(leaf, self.span(node), spec, None, None, "torch")
            if leaf[:1].isupper() and leaf != "Module":
                return LayerObj(leaf, self.span(node), None, f"the layer class {leaf} is not modelled by Shape Lens",
                                None, "torch")
        if path.startswith("torch"):
            return self.torch_function(path, args, kwargs, node)
        return Unknown(f"`{path}(...)` is not modelled")

    def is_module_class(self, cls: ClassValue) -> bool:
        for base in cls.bases:
            if isinstance(base, QName) and base.path in ("torch.nn.Module", "torch.nn.modules.module.Module"):
                return True
            if isinstance(base, ClassValue) and self.is_module_class(base):
                return True
        return False

    def instantiate(self, cls: ClassValue, args: list, kwargs: dict, node: ast.Call) -> object:
        instance = Instance(cls)
        instance.attrs["__span__"] = self.span(node)
        init = self.method_of(cls, "__init__")
        if init is not None:
            self.call_function(init, [instance, *args], kwargs, label=None)
        if self.is_module_class(cls):
            self.instantiated.add(cls.node.name)
            self.torch_instances.append(instance)
        return instance

    def method_of(self, cls: ClassValue, name: str) -> Optional[Function]:
        for stmt in cls.node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
                return Function(stmt, cls.env, self.function_defaults(stmt, cls.env), stmt.name)
        for base in cls.bases:
            if isinstance(base, ClassValue):
                found = self.method_of(base, name)
                if found is not None:
                    return found
        return None

    def function_defaults(self, stmt: ast.FunctionDef, env) -> dict:
        params = stmt.args
        positional = params.posonlyargs + params.args
        defaults = {}
        for param, default in zip(positional[len(positional) - len(params.defaults):], params.defaults):
            defaults[param.arg] = self.eval(default, env)
        for param, default in zip(params.kwonlyargs, params.kw_defaults):
            if default is not None:
                defaults[param.arg] = self.eval(default, env)
        return defaults

    # ---------------------------------------------------------------- running modules

    def call_instance(self, instance: Instance, args: list, kwargs: dict, node: ast.Call) -> object:
        forward = self.method_of(instance.cls, "forward")
        if forward is None or not args:
            return Unknown(f"an instance of `{instance.cls.node.name}`")
        first = args[0]
        if isinstance(first, ArrayValue):
            if "__model__" in instance.attrs:
                return Tensor(None, "a second run of the model", None, ())
            arg_span = self.span(node.args[0]) if node.args else self.span(node)
            tensor = Tensor(first.shape, None, None, (), None)
            tensor.example = arg_span  # type: ignore[attr-defined]
            return self.run_module(instance, tensor, [*args[1:]], kwargs)
        if isinstance(first, Tensor):
            return self.call_function(forward, [instance, *args], kwargs, label=None)
        return Unknown(f"an instance of `{instance.cls.node.name}` called on a value that is not a tensor")

    def run_module(self, instance: Instance, tensor: Tensor, args: list, kwargs: dict) -> object:
        forward = self.method_of(instance.cls, "forward")
        start = len(self.nodes)
        self.model_count += 1
        build = FunctionalBuild(instance.attrs.get("__span__"), " > ".join(self.context), [tensor], [], index=self.model_count,
                                framework="torch")
        build.name = instance.attrs.get("__name__", "") or instance.cls.node.name
        build.name_spans = instance.attrs.setdefault("__name_spans__", [])
        instance.attrs["__model__"] = build
        result = self.call_function(forward, [instance, tensor, *args], kwargs, label=None)
        build.explicit_nodes = self.nodes[start:]  # type: ignore[attr-defined]
        build.outputs = [result] if isinstance(result, Tensor) else []
        self.functionals.append(build)
        return result

    def call_torch_sequential(self, build: SequentialBuild, value: object, node: ast.Call) -> object:
        """``nn.Sequential`` applied to a tensor inside a forward, or run on a literal example input."""
        if isinstance(value, ArrayValue):
            if getattr(build, "ran", False):
                return Tensor(None, "a second run of the model", None, ())
            tensor = Tensor(value.shape, None, None, ())
            tensor.example = self.span(node.args[0]) if node.args else self.span(node)  # type: ignore[attr-defined]
            return self.run_torch_sequential(build, tensor)
        if not isinstance(value, Tensor):
            return Unknown("an nn.Sequential called on a value that is not a tensor")
        return self.chain(build, value)

    def chain(self, build: SequentialBuild, tensor: object) -> object:
        for entry in build.entries:
            if isinstance(entry, LayerObj):
                tensor = self.apply(entry, [tensor], {}, entry.span) if isinstance(tensor, Tensor) else tensor
            elif isinstance(entry, SequentialBuild):
                tensor = self.chain(entry, tensor)
            elif isinstance(entry, Instance) and isinstance(tensor, Tensor):
                forward = self.method_of(entry.cls, "forward")
                tensor = self.call_function(forward, [entry, tensor], {}, label=None) if forward else Unknown("no forward")
            else:
                tensor = Tensor(None, "an entry of the nn.Sequential is not modelled", None, ())
            if isinstance(tensor, tuple) and tensor and isinstance(tensor[0], Tensor):
                tensor = tensor[0]  # an RNN inside nn.Sequential passes (output, state) on
        return tensor

    def run_torch_sequential(self, build: SequentialBuild, tensor: Tensor) -> object:
        start = len(self.nodes)
        build.ran = True  # type: ignore[attr-defined]
        self.model_count += 1
        run = FunctionalBuild(build.span, build.context, [tensor], [], index=self.model_count, framework="torch")
        run.name = build.name
        run.name_spans = build.name_spans
        result = self.chain(build, tensor)
        run.explicit_nodes = self.nodes[start:]  # type: ignore[attr-defined]
        self.functionals.append(run)
        return result

    def finish_torch(self) -> None:
        """Modules and torch Sequentials never run on an example: the comment, else a seeded input."""
        owned = {id(v) for inst in self.torch_instances for v in inst.attrs.values()}
        owned |= {id(item) for inst in self.torch_instances for v in inst.attrs.values() if isinstance(v, (list, dict))
                  for item in (v.values() if isinstance(v, dict) else v)}
        for build in self.sequentials:
            if build.framework == "torch" and id(build) in owned:
                build.owned = True  # type: ignore[attr-defined]
        for name, value in list(self.module.vars.items()):
            if isinstance(value, ClassValue) and self.is_module_class(value) and value.node.name not in self.instantiated:
                init = self.method_of(value, "__init__")
                if init is not None:
                    params = init.node.args
                    positional = (params.posonlyargs + params.args)[1:]
                    if len(params.defaults) < len(positional):
                        continue
                try:
                    self.instantiate(value, [], {}, value.node)
                except Exception:  # noqa: BLE001 - a class that does odd things in __init__
                    continue
        for build in list(self.sequentials):
            if build.framework != "torch" or getattr(build, "owned", False) or getattr(build, "ran", False):
                continue
            if self.nested(build):
                continue
            shape = self.declared_input(build.span)
            tensor = Tensor(shape, None if shape else "no example input", None, ())
            tensor.seed = shape is None  # type: ignore[attr-defined]
            self.run_torch_sequential(build, tensor)
        for instance in list(self.torch_instances):
            if "__model__" in instance.attrs or id(instance) in owned:
                continue
            span: Span = instance.attrs.get("__span__")
            shape = self.declared_input(span, instance.cls)
            tensor = Tensor(shape, None if shape else "no example input", None, ())
            tensor.seed = shape is None  # type: ignore[attr-defined]
            try:
                self.run_module(instance, tensor, [], {})
            except Exception:  # noqa: BLE001
                continue

    def nested(self, build: SequentialBuild) -> bool:
        return any(build in other.entries for other in self.sequentials if other is not build)

    def declared_input(self, span: Optional[Span], cls: Optional[ClassValue] = None) -> Optional[Shape]:
        candidates = []
        if span is not None:
            candidates += [span.start_line, span.end_line]
        if cls is not None:
            candidates.append(cls.node.lineno - 1)
        for line in candidates:
            if 0 <= line < len(self.lines):
                shape = comment_shape(self.lines[line])
                if shape is not None:
                    return shape
        return None

    # ---------------------------------------------------------------- layers and tensors

    def torch_inputs(self, layer: LayerObj, tensors: list) -> list:
        """A seeded tensor takes the shape its first layer implies."""
        if tensors and getattr(tensors[0], "seed", False) and tensors[0].shape is None and layer.spec is not None:
            seeded = torch_layers.seed_shape(layer.spec.rule, layer.spec.args)
            if seeded is not None:
                tensors[0].shape = seeded
                tensors[0].reason = None
        return tensors

    def example_error(self, error: ShapeError, tensors: list) -> ShapeError:
        """The literal example input itself does not fit the first layer: say so at the input."""
        example = next((getattr(t, "example", None) for t in tensors if getattr(t, "example", None)), None)
        if example is None or error.code not in EXAMPLE_CODES:
            return error
        renamed = ShapeError("input-mismatch", f"the example input does not fit the model's first layer: {error.message}",
                             **error.data)
        renamed.data["at"] = example
        return renamed

    def rnn_outputs(self, layer: LayerObj, output: Tensor) -> object:
        args = layer.spec.args
        shape = output.shape
        try:
            directions = 2 if args.bool("bidirectional") else 1
            stacked = args.int("num_layers") * directions
            hidden = args.int("hidden_size")
            batch = None
            if shape is not None and len(shape) == 3:
                batch = shape[0] if args.bool("batch_first") else shape[1]
            state_shape = (stacked, batch, hidden) if shape is None or len(shape) == 3 else (stacked, hidden)
        except Exception:  # noqa: BLE001
            state_shape = None
        state = Tensor(state_shape, None if state_shape else "unknown state", None, (output,))
        if layer.class_name == "LSTM":
            return (output, (state, Tensor(state_shape, None, None, (output,))))
        return (output, state)

    def torch_function(self, path: str, args: list, kwargs: dict, node: ast.Call) -> object:
        name = path.rsplit(".", 1)[-1]
        first = args[0] if args else kwargs.get("input")
        if name in ("cat", "concat", "concatenate"):
            return self.torch_cat(args[0] if args else kwargs.get("tensors"), args[1] if len(args) > 1 else kwargs.get("dim", 0))
        if not isinstance(first, Tensor):
            return Unknown(f"`{path}(...)` on a value that is not a tensor")
        if name in torch_layers.ELEMENTWISE_FUNCTIONS:
            return Tensor(first.shape, first.reason, None, (first,))
        if name == "flatten":
            return self.as_layer("Flatten", first, flatten_bounds(args[1:], kwargs), {}, self.span(node))
        if name in ("add", "mul", "sub", "div", "maximum", "minimum"):
            return self.tensor_op(first, args[1] if len(args) > 1 else kwargs.get("other"))
        if name in torch_layers.FUNCTIONAL_LAYERS:
            return self.as_layer(torch_layers.FUNCTIONAL_LAYERS[name], first, args[1:], kwargs, self.span(node))
        return self.tensor_method(first, name, args[1:], kwargs, self.span(node))

    def as_layer(self, class_name: str, tensor: Tensor, args: list, kwargs: dict, span: Span) -> Tensor:
        """A function that is a layer in all but name (``F.max_pool2d``, ``torch.flatten``): its rule,
        applied without listing a layer."""
        rule = torch_layers.TORCH_RULES[class_name]
        layer = LayerObj(rule.name, span, LayerSpec(rule, rule.bind(args, kwargs), rule.name), None, None, "torch")
        result = apply_layer(layer, [tensor.shape], [tensor.reason])
        if result.error is not None:
            self.functional_errors.append((layer, result.error, tensor))
        return Tensor(result.output, result.reason, None, (tensor,))

    def tensor_method(self, tensor: Tensor, name: str, args: list, kwargs: dict, span: Span) -> object:
        shape = tensor.shape
        if name in torch_layers.ELEMENTWISE_FUNCTIONS or name in PASS_THROUGH_METHODS:
            return Tensor(shape, tensor.reason, None, (tensor,))
        if shape is None:
            return Tensor(None, tensor.reason, None, (tensor,)) if name not in ("size", "dim", "numel") else Unknown(
                "the size of a tensor of unknown shape")
        if name == "size":
            if args:
                index = args[0]
                return shape[index] if isinstance(index, int) and -len(shape) <= index < len(shape) and shape[index] is not None \
                    else Unknown("an unknown dimension")
            return shape
        if name == "dim":
            return len(shape)
        if name in ("view", "reshape"):
            target = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)
            return self.tensor_view(tensor, target)
        if name == "flatten":
            return self.as_layer("Flatten", tensor, flatten_bounds(args, kwargs), {}, span)
        if name in ("unsqueeze", "squeeze") and args and isinstance(args[0], int):
            dim = args[0]
            dims = list(shape)
            if name == "unsqueeze":
                dims.insert(dim % (len(shape) + 1), 1)
            elif dims[dim] == 1:
                dims.pop(dim)
            return Tensor(tuple(dims), None, None, (tensor,))
        if name in ("permute",):
            order = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            if all(isinstance(i, int) for i in order) and sorted(i % len(shape) for i in order) == list(range(len(shape))):
                return Tensor(tuple(shape[i] for i in order), None, None, (tensor,))
        if name == "transpose" and len(args) == 2 and all(isinstance(i, int) for i in args):
            dims = list(shape)
            a, b = args[0] % len(shape), args[1] % len(shape)
            dims[a], dims[b] = dims[b], dims[a]
            return Tensor(tuple(dims), None, None, (tensor,))
        if name in ("mean", "sum", "amax", "amin") and (args or "dim" in kwargs):
            dim = args[0] if args else kwargs["dim"]
            keep = kwargs.get("keepdim", args[1] if len(args) > 1 else False)
            axes = {d % len(shape) for d in (dim if isinstance(dim, (tuple, list)) else (dim,)) if isinstance(d, int)}
            dims = [1 if i in axes else d for i, d in enumerate(shape)] if keep else [d for i, d in enumerate(shape) if i not in axes]
            return Tensor(tuple(dims), None, None, (tensor,))
        return Tensor(None, f"the result of `.{name}(...)`", None, (tensor,))

    def tensor_view(self, tensor: Tensor, target) -> Tensor:
        shape = tensor.shape
        if not all(isinstance(d, int) or d is None for d in target):
            return Tensor(None, "a view with sizes that are not constant", None, (tensor,))
        dims = list(target)
        total = None if any(d is None for d in shape) else _prod(shape)
        if dims.count(-1) == 1:
            known = [d for d in dims if d != -1]
            if total is not None and None not in known and _prod(known):
                dims[dims.index(-1)] = total // _prod(known)
            elif None in known or total is None:
                # `x.view(x.size(0), -1)`: the batch stays, the rest is the product of the others
                if shape and dims[0] is shape[0] or (dims[0] is None and shape[0] is None):
                    rest = None if any(d is None for d in shape[1:]) else _prod(shape[1:])
                    if len(dims) == 2:
                        dims[1] = rest
                    else:
                        dims[dims.index(-1)] = None
                else:
                    dims[dims.index(-1)] = None
        return Tensor(tuple(dims), None, None, (tensor,))

    def torch_cat(self, tensors, dim) -> object:
        if not isinstance(tensors, (list, tuple)) or not all(isinstance(t, Tensor) for t in tensors) or not isinstance(dim, int):
            return Unknown("torch.cat of unknown tensors")
        shapes_ = [t.shape for t in tensors]
        if any(s is None for s in shapes_):
            return Tensor(None, "an input of torch.cat is unknown", None, tuple(tensors))
        rank = len(shapes_[0])
        if any(len(s) != rank for s in shapes_):
            return Tensor(None, "torch.cat of tensors of different ranks", None, tuple(tensors))
        axis = dim % rank
        out = list(shapes_[0])
        out[axis] = None if any(s[axis] is None for s in shapes_) else sum(s[axis] for s in shapes_)
        return Tensor(tuple(out), None, None, tuple(tensors))


def flatten_bounds(args: list, kwargs: dict) -> list:
    """``torch.flatten(x, start_dim=0, end_dim=-1)`` / ``x.flatten(...)``: torch's defaults start at 0
    (``nn.Flatten`` starts at 1)."""
    start = args[0] if args else kwargs.get("start_dim", 0)
    end = args[1] if len(args) > 1 else kwargs.get("end_dim", -1)
    return [start, end]


def _prod(values) -> int:
    out = 1
    for value in values:
        out *= value
    return out
