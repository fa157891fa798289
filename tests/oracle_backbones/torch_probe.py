"""One ``torchvision.models`` builder call, run for real, and forward passes through the model.

A model is built once per (builder, kwargs) with parameter initialisation skipped (it is most
of a build's time and changes no shape or count), put in eval mode, and asked:

* its parameter counts, and a description of named submodules (``fc``, ``classifier``, ...);
* for each input size, on torch's ``meta`` device (shapes without arithmetic): the shape of a
  named submodule's output (the body) and of the model's output, or the exception raised;
* optionally the smallest square input it accepts, by bisection on the meta device, then that
  size and the one below it on the CPU with real tensors (the exact text of the exception).

Results are JSON and cached on disk by torch / torchvision version and arguments.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any, Iterator, Mapping, Optional, Sequence

import torch

from oracle_backbones.cache import cached, is_cached
from oracle_backbones.torchvision_import import import_torchvision

torchvision = import_torchvision()
import torchvision.models  # noqa: E402

VERSION = f"torch {torch.__version__}, torchvision {torchvision.__version__}"


@contextlib.contextmanager
def _skip_initialisation() -> Iterator[None]:
    init = torch.nn.init
    names = [n for n in dir(init) if n.endswith("_") and not n.startswith("_")]
    saved = {n: getattr(init, n) for n in names}
    for n in names:
        setattr(init, n, lambda tensor, *args, **kwargs: tensor)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for n, function in saved.items():
            setattr(init, n, function)


_ATTRIBUTES = (
    "in_features", "out_features", "in_channels", "out_channels", "kernel_size", "stride",
    "padding", "p", "inplace", "normalized_shape", "eps", "output_size", "start_dim", "end_dim",
    "dims",
)


def _json(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_json(v) for v in value]
    return value


def _describe(module: torch.nn.Module) -> dict[str, Any]:
    """A submodule: class, repr, parameter count, constructor attributes and named children."""
    description: dict[str, Any] = {
        "class": type(module).__name__,
        "repr": repr(module),
        "params": sum(p.numel() for p in module.parameters()),
        "attributes": {a: _json(getattr(module, a)) for a in _ATTRIBUTES if hasattr(module, a)},
        "children": {name: _describe(child) for name, child in module.named_children()},
    }
    if isinstance(getattr(module, "bias", None), (torch.Tensor, type(None))) and hasattr(module, "bias"):
        description["attributes"]["bias"] = module.bias is not None
    return description


def _forward(model: torch.nn.Module, body: Optional[str], size: Sequence[int], device: str) -> dict[str, Any]:
    captured: dict[str, Any] = {}
    hook = None
    if body is not None:
        hook = model.get_submodule(body).register_forward_hook(
            lambda module, inputs, output: captured.__setitem__("body", list(output.shape))
        )
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            output = model(torch.zeros(1, 3, *size, device=device))
    except Exception as error:  # the library's rejection is the datum
        return {"error": [type(error).__name__, str(error)], **captured}
    finally:
        if hook is not None:
            hook.remove()
    if not isinstance(output, torch.Tensor):
        return {"output_type": type(output).__name__, **captured}
    return {"output": list(output.shape), **captured}


def _build(builder: str, kwargs: Mapping[str, Any]) -> torch.nn.Module:
    with _skip_initialisation():
        model = torchvision.models.get_model(builder, **kwargs)
    return model.eval()


def _smallest(model: torch.nn.Module, largest: int) -> Optional[int]:
    """The smallest square size in [1, largest] whose forward pass succeeds (None if none):
    the first accepted power of two from below, then bisection."""

    def accepted(size: int) -> bool:
        return "error" not in _forward(model, None, (size, size), "meta")

    low, high = 0, 1  # low fails (or is nothing), high is the candidate
    while not accepted(high):
        if high >= largest:
            return None
        low, high = high, min(2 * high, largest)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if accepted(middle) else (middle, high)
    return high


def _run(
    builder: str,
    kwargs: Mapping[str, Any],
    body: Optional[str],
    paths: Sequence[str],
    sizes: Sequence[Sequence[int]],
    bisect_below: Optional[int],
    assign: Sequence[Sequence[Any]] = (),
) -> dict[str, Any]:
    try:
        model = _build(builder, kwargs)
    except Exception as error:
        return {"build_error": [type(error).__name__, str(error)]}
    parameters = list(model.parameters())
    result: dict[str, Any] = {
        "total": sum(p.numel() for p in parameters),
        "trainable": sum(p.numel() for p in parameters if p.requires_grad),
        "children": [name for name, _ in model.named_children()],
        "modules": {path: _describe(model.get_submodule(path)) for path in paths},
    }
    model.to("meta")
    result["meta"] = {"x".join(map(str, s)): _forward(model, body, s, "meta") for s in sizes}
    if bisect_below is not None:
        smallest = _smallest(model, bisect_below)
        result["smallest"] = smallest
        if smallest is not None:
            # The exact text of the failure, and the success, on real tensors (a new build:
            # buffers computed at construction, like swin's position index, must be intact).
            model = _build(builder, kwargs)
            # (The accepted size only when small: vit's 224 would cost a real inference.)
            cpu_sizes = [(smallest - 1, smallest - 1)] if smallest > 1 else []
            cpu_sizes += [(smallest, smallest)] if smallest <= 128 else []
            result["cpu"] = {"x".join(map(str, s)): _forward(model, body, s, "cpu") for s in cpu_sizes}
    if assign:
        # model.<path> = nn.Linear(in_features, out_features), each after the previous one, on
        # a CPU build: the exact text of a misfit (the meta device words it differently)
        model = _build(builder, kwargs)
        assigned = []
        for path, in_features, out_features in assign:
            parent, _, attribute = path.rpartition(".")
            layer = torch.nn.Linear(in_features, out_features)
            owner = model.get_submodule(parent) if parent else model
            if attribute.lstrip("-").isdigit():
                owner[int(attribute)] = layer
            else:
                setattr(owner, attribute, layer)
            assigned.append({
                "total": sum(p.numel() for p in model.parameters()),
                "cpu": {"x".join(map(str, s)): _forward(model, body, s, "cpu") for s in sizes[-1:]},
            })
        result["assigned"] = assigned
    return result


def probe(
    builder: str,
    kwargs: Mapping[str, Any],
    body: Optional[str] = None,
    paths: Sequence[str] = (),
    sizes: Sequence[Sequence[int]] = (),
    bisect_below: Optional[int] = None,
    assign: Sequence[Sequence[Any]] = (),
) -> dict[str, Any]:
    """Build ``torchvision.models.<builder>(**kwargs)`` and run it; see the module's docstring.

    ``bisect_below``: also find, by bisection on the meta device (from below: powers of two
    first), the smallest square input in [1, bisect_below] the model accepts, and run that size and the one below it on the CPU.
    ``assign``: ``(path, in_features, out_features)`` triples: after the first forward passes,
    set ``model.<path> = nn.Linear(in_features, out_features)`` for each in turn and report the
    count and the forward pass of the last size on the CPU (keep it small) (``path`` may end in an index: ``classifier.-1``).
    """
    call = _call(builder, kwargs, body, paths, sizes, bisect_below, assign)
    return cached(
        "torchvision",
        VERSION,
        call,
        lambda: _run(builder, kwargs, body, paths, sizes, bisect_below, assign),
    )


def _call(
    builder: str,
    kwargs: Mapping[str, Any],
    body: Optional[str] = None,
    paths: Sequence[str] = (),
    sizes: Sequence[Sequence[int]] = (),
    bisect_below: Optional[int] = None,
    assign: Sequence[Sequence[Any]] = (),
) -> dict[str, Any]:
    call = {
        "builder": builder,
        "kwargs": dict(kwargs),
        "body": body,
        "paths": list(paths),
        "sizes": [list(s) for s in sizes],
        "bisect_below": bisect_below,
    }
    if assign:
        call["assign"] = [list(a) for a in assign]
    return call


def probe_is_cached(builder: str, kwargs: Mapping[str, Any], *args: Any, **options: Any) -> bool:
    return is_cached("torchvision", VERSION, _call(builder, kwargs, *args, **options))
