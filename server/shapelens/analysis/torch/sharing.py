"""Parameters two layers share: ``self.decoder.weight = self.embed.weight`` (a language model's tied
input and output embeddings).

Each layer's row keeps the count torch gives the module (its ``parameters()`` include the shared
tensor), and a model's total counts the shared tensor once, as ``sum(p.numel() for p in
model.parameters())`` does. When the sharing cannot be sized, or happens on a path the analysis
cannot decide, the total is not given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Optional

from ..dims import Dim
from ..interpreter.values import BoundMethod, LayerObj, Node
from .rules.core import parameter_size

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import TorchState


@dataclass(frozen=True)
class Shared:
    holder: LayerObj  # the layer whose parameter was replaced
    name: str  # "weight", "bias"
    source: LayerObj  # the layer that owns the tensor
    decided: bool  # False: set on a path the analysis cannot decide


def share(interp: "Interpreter", state: "TorchState", layer: LayerObj, name: str, value: object) -> None:
    """``layer.name = value``: recorded when the value is another layer's parameter of that name."""
    if isinstance(value, BoundMethod) and isinstance(value.target, LayerObj) and value.name == name \
            and value.target is not layer:
        state.shared.append(Shared(layer, name, value.target, interp.condition() is None))


def shared_count(state: "TorchState", nodes: Iterable[Node]) -> Dim:
    """How many numbers the layers applied count more than once (a negative adjustment to the sum
    of their rows); None when a sharing among them cannot be sized."""
    if not state.shared:
        return 0
    applied = {id(node.layer) for node in nodes}
    twice = 0
    for tie in state.shared:
        if id(tie.holder) not in applied or id(tie.source) not in applied:
            continue  # the shared tensor is in one row of this model only: counted once already
        size = size_of(tie.source, tie.name)
        if not tie.decided or size is None or size != size_of(tie.holder, tie.name) \
                or id(tie.holder) in state.frozen or id(tie.source) in state.frozen:
            return None
        twice += size
    return twice


def size_of(layer: LayerObj, name: str) -> Optional[int]:
    if layer.spec is None:
        return None
    return parameter_size(layer.spec.rule.name, layer.spec.args.values, name)


def with_shared(held: Dim, state: "TorchState", nodes: Iterable[Node]) -> Dim:
    """A model's parameters outside its rows, less those its rows count twice."""
    twice = shared_count(state, nodes)
    return None if held is None or twice is None else held - twice
