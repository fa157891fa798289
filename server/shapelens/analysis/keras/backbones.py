"""``keras.applications`` builders: a pretrained backbone is one layer at its builder call.

``base = keras.applications.MobileNetV2(input_shape=(160, 160, 3), include_top=False)`` makes a
``KerasBackbone``: a functional model (as in Keras) whose graph Shape Lens knows as one layer of
class ``MobileNetV2``, sized by ``applications.keras_application`` from the builder's arguments.
That layer is applied once on the backbone's own input (``base.input`` → ``base.output``, the
backbone's own one-row model) and once per call (``base(inputs)``, an entry of a ``Sequential``),
where Keras checks the input against the one the backbone was built for. A builder call Keras
refuses is an error at the call, in Keras' words; the inner layers (``base.layers``,
``base.get_layer(...)``) are not listed: what reaches them is unknown, with the reason.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING, Optional

from ..assemble import conditional
from ..dims import Dim, Shape, differ, format_built, format_shape
from ..interpreter.provenance import call_notes
from ..interpreter.tensors import Tensor
from ..interpreter.values import ArrayValue, BoundMethod, LayerObj, QName, Value
from ..report import Diagnostic, Span
from ..rules import Applied, Args, LayerRule, LayerSpec, ShapeError, UnknownArgument, at_least
from ..symbolic import Sym
from ..unknown import Unknown
from .applications import (UNKNOWN, BackboneResult, body_size, default_argument, keras_application, model_names,
                           size_dependent)
from .dialect import DIALECTS, Keras3, dialect_of
from .joined import JoinedArgs, JoinedRule
from .models import KerasFunctional
from .version import KerasVersion

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import KerasPlugin

KERAS3_BUILDERS = frozenset(model_names())
# Builders only Keras 2 (tf_keras) has; Keras 3 has no such name.
KERAS2_ONLY = frozenset(
    [f"RegNet{kind}{size}" for kind in "XY" for size in ("002", "004", "006", "008", "016", "032", "040", "064",
                                                         "080", "120", "160", "320")]
    + [f"ResNetRS{depth}" for depth in (50, 101, 152, 200, 270, 350, 420)]
)
SIZES_OF = "input_shape"  # the argument whose sizes may be left open or symbolic


def is_builder(leaf: str) -> bool:
    return leaf in KERAS3_BUILDERS or leaf in KERAS2_ONLY


# --- the builder's arguments as keras_application takes them --------------------------------


class SizedCall:
    """A builder call's arguments as plain values, with what ``keras_application`` cannot take:
    sizes the program fixes only as symbols (replaced by ``None`` there, put back after)."""

    def __init__(self, args: list, kwargs: dict) -> None:
        self.symbolic = False  # a size is a symbol the program fixes at run time (not one Keras leaves open)
        self.args = [self.plain(value) for value in args]
        self.kwargs = {key: self.tensor_shape(value) if key == "input_tensor" else self.plain(value)
                       for key, value in kwargs.items()}

    def plain(self, value: object) -> object:
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, Sym):
            self.symbolic = self.symbolic or not value.dynamic()
            return None
        if isinstance(value, (tuple, list)):
            items = [self.plain(item) for item in value]
            if any(item is UNKNOWN for item in items):
                return UNKNOWN
            return tuple(items) if isinstance(value, tuple) else items
        return UNKNOWN

    def tensor_shape(self, value: object) -> object:
        if value is None:
            return None
        if isinstance(value, Tensor) and value.shape is not None and not isinstance(value.shape[0], tuple):
            return self.plain(tuple(value.shape))
        return UNKNOWN


def builder_result(name: str, args: list, kwargs: dict) -> tuple[Optional[BackboneResult], Optional[str]]:
    """What the builder makes of these interpreter values, or why that is not known."""
    call = SizedCall(args, kwargs)
    result = keras_application(name, call.kwargs, call.args)
    if result is None:
        return None, f"the arguments of `{name}(...)` could not be matched to its parameters"
    if call.symbolic and result.rejection is None and result.output_shape is not None and len(result.output_shape) == 2 \
            and not kwargs.get("include_top") is False:
        # with its top, the builder reads the sizes themselves (a static input, the Flatten of VGG's top)
        return None, f"`{name}(include_top=True)` on an input size the program leaves to run time is not modelled"
    if call.symbolic and result.rejection is not None:
        return None, f"whether `{name}(...)` accepts an input size the program leaves to run time is not known"
    return result, None


# --- the backbone ---------------------------------------------------------------------------


class KerasBackbone(KerasFunctional):
    """A ``keras.applications`` model: a functional model whose graph is one layer."""

    def __init__(self, plugin: "KerasPlugin", span: Span, context: str, index: int, builder: str,
                 result: Optional[BackboneResult], reason: Optional[str]) -> None:
        super().__init__(plugin, span, context, index, [], [])
        self.class_name = builder  # type: ignore[misc]  # Keras' summary names it after the builder
        self.builder = builder
        self.result = result
        self.reason = reason  # why what it builds is not known
        self.built_input: Optional[Shape] = None  # batch first; open sizes as symbols
        self.inner_uses: list["InnerLayers"] = []  # every `base.layers` reached, to see whether it was followed

    # -- as a layer ---------------------------------------------------------------------------

    def layer(self) -> LayerObj:
        assert self.as_layer is not None, "a backbone's layer is made with it"
        return self.as_layer

    def apply(self, got: Shape, dialect: Keras3) -> Applied:
        """Keras' input check of a functional model, then the backbone's output for that input."""
        result, expected = self.result, self.built_input
        if result is None or result.output_shape is None or expected is None:
            raise UnknownArgument(self.reason or f"what `{self.builder}(...)` builds is not known")
        if len(got) != len(expected):
            raise UnknownArgument(f"the {self.builder} backbone takes 4-D images; a {len(got)}-D input is not modelled")
        mismatch = input_mismatch(expected, got)
        if mismatch is not None and dialect.reruns_nested_model():
            return self.rerun(expected, got)
        if mismatch is not None:
            raise ShapeError("input-mismatch", f"the {self.builder} backbone was built for {format_shape(expected)} but "
                             f"receives {format_shape(got)}; Keras fails with \"{mismatch}\"",
                             expected_shape=expected)
        return self.output_for(expected, got)

    def rerun(self, expected: Shape, got: Shape) -> Applied:
        """Keras 2 runs the backbone's layers again on an input of other sizes. Padding fitted to the
        built size (``correct_pad``) is the same for any size all of whose stride-2 stages halve an even
        size (a multiple of 32 both times); anything else is not followed."""
        if differ(expected[-1], got[-1]):
            raise UnknownArgument(f"Keras 2 runs the {self.builder} backbone's layers again on {format_shape(got)}; its "
                                  f"first layer's weights were built for {expected[-1]} channels")
        if size_dependent(self.builder):
            sizes = [*expected[1:-1], *got[1:-1]]
            if self.builder.startswith("NASNet") or not all(isinstance(n, int) and n % 32 == 0 for n in sizes):
                raise UnknownArgument(f"Keras 2 runs the {self.builder} backbone's layers again on {format_shape(got)}, "
                                      f"with padding fitted to {format_shape(expected)}; Shape Lens does not follow that")
        return self.output_for(got, got)

    def output_for(self, expected: Shape, got: Shape) -> Applied:
        """The backbone's output on ``got``, an input it accepts (built for ``expected``)."""
        result = self.result
        assert result is not None and result.output_shape is not None
        output: tuple = (got[0], *result.output_shape[1:])
        requires: tuple = ()
        if len(output) == 4:
            sizes = []
            for axis in (1, 2):
                size, open_size = settled(expected[axis], got[axis])
                if size is None or (open_size and size_dependent(self.builder)):
                    sizes.append(None)  # its padding was fitted to a size Keras did not know
                    continue
                if isinstance(size, int) and size < result.min_input[0]:
                    raise UnknownArgument(
                        f"{size} is below the smallest input the {self.builder} backbone is built for "
                        f"({result.min_input[0]}x{result.min_input[1]}): Keras fails in one of its inner layers, which "
                        f"Shape Lens does not list")
                requires += at_least(size, result.min_input[0], f"the smallest input of {self.builder}")
                sizes.append(body_size(self.builder, size))
            output = (output[0], *sizes, output[3])
        total, trainable = result.total_params, result.trainable_params
        fixed = None if total is None or trainable is None else total - trainable
        return Applied(output, total, requires=requires, non_trainable=fixed)

    # -- the model's attributes -------------------------------------------------------------

    def attribute(self, interp: "Interpreter", name: str) -> object:
        if name in ("input", "output"):
            found = (self.inputs if name == "input" else self.outputs)
            return found[0] if found else Unknown(self.reason or f"the {name} of the {self.builder} backbone")
        if name in ("inputs", "outputs"):
            return list(self.inputs if name == "inputs" else self.outputs)
        if name in ("input_shape", "output_shape"):
            found = self.inputs if name == "input_shape" else self.outputs
            return found[0].shape if found and found[0].shape is not None else Unknown(
                self.reason or f"the {name} of the {self.builder} backbone")
        if name == "layers":
            where = interp.span(interp.statement) if interp.statement is not None else None
            listing = InnerLayers(self, f"`{self.name or 'base'}.layers`", where, interp.uncertain)
            self.inner_uses.append(listing)
            return listing
        if name == "trainable":
            flag = self.layer().trainable
            return flag if flag is not None else Unknown(self.layer().trainable_reason or "whether it is trainable")
        return BoundMethod(self, name)

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        if name == "get_layer":
            which = args[0] if args else kwargs.get("name", kwargs.get("index"))
            label = f"`{self.name or 'base'}.get_layer({which!r})`" if isinstance(which, (str, int)) else \
                f"`{self.name or 'base'}.get_layer(...)`"
            return InnerLayer(self, label, interp.span(node), False, interp.uncertain)
        if name == "count_params":
            total = self.result.total_params if self.result is not None else None
            return total if total is not None else Unknown(self.reason or "the backbone's parameter count")
        if name == "summary":
            return None
        return super().method(interp, name, args, kwargs, node)

    def set_attribute(self, interp: "Interpreter", name: str, value: object) -> None:
        if name == "trainable":
            self.plugin.set_layer_attribute(interp, self.layer(), name, value)

    def freeze_inner(self, value: object, whole: bool, label: str, span: Span) -> None:
        """``layer.trainable = value`` on inner layers: every one of them (``for layer in base.layers``,
        a loop that always runs) is the backbone's own flag; some of them leave the split unknown."""
        layer = self.layer()
        if whole and isinstance(value, bool):
            layer.trainable, layer.trainable_reason = value, None
            return
        layer.trainable = None
        layer.trainable_reason = (f"which parameters of the {self.builder} backbone are trainable is not known: "
                                  f"`.trainable` is set on some of its inner layers ({label}, line "
                                  f"{span.start_line + 1}), which Shape Lens does not list")

    def inner_reason(self, label: str) -> str:
        return (f"the inner layers of the {self.builder} backbone ({label}) are not listed: Shape Lens knows it by its "
                f"input, output and parameter counts")


def settled(expected: Dim, got: Dim) -> tuple[Dim, bool]:
    """The size an axis has when a call runs, and whether the backbone was built with it open."""
    open_size = expected is None or (isinstance(expected, Sym) and expected.dynamic())
    if isinstance(got, int) or open_size:
        return got, open_size
    return expected, False


def input_mismatch(expected: Shape, got: Shape) -> Optional[str]:
    """Keras' check of a functional model's input (``InputSpec(shape, allow_last_axis_squeeze=True)``):
    the words it fails with, when a size both know differs (a trailing axis of 1 is dropped first)."""
    spec, shape = expected, got
    if shape and isinstance(shape[-1], int) and shape[-1] == 1:
        shape = shape[:-1]
    if spec and isinstance(spec[-1], int) and spec[-1] == 1:
        spec = spec[:-1]
    if any(differ(a, b) for a, b in list(zip(spec, shape))[1:]):
        return f"is incompatible with the layer: expected shape={format_built(expected)}, found shape={format_built(shape)}"
    return None


def backbone_layer(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    """A backbone applied to an input: what its graph gives for it."""
    backbone: KerasBackbone = args.values["backbone"]  # type: ignore[assignment]
    return backbone.apply(inputs[0], dialect_of(rule))


BACKBONE_RULE = LayerRule("Backbone", backbone_layer, ("backbone",))
BACKBONE_ROWS = {major: replace(BACKBONE_RULE, dialect=dialect) for major, dialect in DIALECTS.items()}
BACKBONE_EITHER = JoinedRule.of([BACKBONE_ROWS[3], BACKBONE_ROWS[2]])


def backbone_spec(name: str, backbone: KerasBackbone, version: KerasVersion) -> LayerSpec:
    """The backbone's row under the Keras the file runs with (both, joined, when that is not known)."""
    args = Args(name, {"backbone": backbone})
    if version.known:
        return LayerSpec(BACKBONE_ROWS[next(iter(version.majors))], args, name)
    return LayerSpec(BACKBONE_EITHER, JoinedArgs(name, [args, args]), name)


def is_backbone(layer: LayerObj) -> bool:
    return layer.spec is not None and isinstance(layer.spec.args.values.get("backbone"), KerasBackbone)


# --- its inner layers -----------------------------------------------------------------------


class InnerLayers(Value):
    """``base.layers`` (or a slice of it): the inner layers Shape Lens does not list. A loop over it
    gives an ``InnerLayer`` standing for each; setting ``trainable`` through one is followed."""

    def __init__(self, backbone: KerasBackbone, label: str, span: Optional[Span], uncertain_at: int,
                 whole: bool = True) -> None:
        self.backbone = backbone
        self.label = label
        self.span = span
        self.uncertain_at = uncertain_at  # the interpreter's depth of undecided code where it is reached
        self.whole = whole
        self.followed = False  # used in a way the analysis follows (a loop, a slice, an index, `len`)

    def loop_variable(self) -> object:
        self.followed = True
        # the loop's body runs one level deeper; a backbone always has layers, so it runs for each
        return InnerLayer(self.backbone, self.label, self.span, self.whole, self.uncertain_at + 1)

    def subscript(self, interp: "Interpreter", index: object) -> object:
        self.followed = True
        shown = f"{self.label[:-1]}[...]`" if self.label.endswith("`") else self.label
        if isinstance(index, slice):
            whole = self.whole and index == slice(None, None, None)
            listing = InnerLayers(self.backbone, shown, self.span, self.uncertain_at, whole)
            self.backbone.inner_uses.append(listing)
            return listing
        return InnerLayer(self.backbone, shown, self.span, False, self.uncertain_at)

    def length(self) -> object:
        self.followed = True
        return Unknown(self.backbone.inner_reason(self.label))

    def truth(self) -> Optional[bool]:
        return True


class InnerLayer(Value):
    """One inner layer of a backbone (``base.get_layer("block_13_expand_relu")``, a loop's variable)."""

    def __init__(self, backbone: KerasBackbone, label: str, span: Optional[Span], whole: bool, runs_at: int) -> None:
        self.backbone = backbone
        self.label = label
        self.span = span
        self.whole = whole  # stands for every inner layer (the variable of a loop over all of them)
        self.runs_at = runs_at  # the depth of undecided code at which a statement on it runs for every layer

    def attribute(self, interp: "Interpreter", name: str) -> object:
        reason = self.backbone.inner_reason(self.label)
        if name in ("output", "input"):
            return Tensor(None, reason, None, (), None, self.backbone.plugin)
        if name in ("outputs", "inputs"):
            return [Tensor(None, reason, None, (), None, self.backbone.plugin)]
        return Unknown(reason)

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        return Unknown(self.backbone.inner_reason(self.label))

    def set_attribute(self, interp: "Interpreter", name: str, value: object) -> None:
        if name == "trainable":
            span = self.span or self.backbone.span
            every = self.whole and interp.uncertain == self.runs_at  # not under a condition inside the loop
            self.backbone.freeze_inner(value, every, self.label, span)


# --- the call hooks -------------------------------------------------------------------------


class Backbones:
    """The call hooks of ``keras.applications``, bound to the plugin that owns their values."""

    def __init__(self, plugin: "KerasPlugin") -> None:
        self.plugin = plugin

    def hook(self, path: str) -> Optional[object]:
        leaf = path.rsplit(".", 1)[-1]
        if is_builder(leaf):
            return self.build
        if leaf == "preprocess_input":
            return self.preprocess
        return None

    def build(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        plugin, name, span = self.plugin, func.leaf, interp.span(node)
        state = plugin.state(interp)
        interp.events += 1
        if name in KERAS2_ONLY:
            if state.version.majors == {3}:
                message = (f"Keras 3 has no `keras.applications.{name}` ({name} exists only in Keras 2, tf_keras); "
                           f"Python fails with \"AttributeError: ... has no attribute '{name}'\"")
                interp.diagnostics.append(conditional(Diagnostic(span, "error", "invalid-argument", message), interp.condition()))
                return Unknown(f"`keras.applications.{name}` does not exist in Keras 3")
            result, reason = None, f"{name} (a Keras 2 builder) is not modelled by Shape Lens"
        else:
            result, reason = builder_result(name, args, kwargs)
        rejection = result.rejection if result is not None else None
        if rejection is not None:
            said = rejection.message + ("" if rejection.complete else "...")
            message = f"`{name}(...)` rejects its arguments; Keras fails with \"{rejection.error_type}: {said}\""
            interp.diagnostics.append(conditional(Diagnostic(span, "error", "invalid-argument", message), interp.condition()))
            return Unknown(f"`{name}(...)` at line {span.start_line + 1} raises {rejection.error_type}")
        if result is not None and result.output_shape is None:
            reason = "; ".join(result.unknown) or f"what `{name}(...)` builds is not known"
        backbone = KerasBackbone(plugin, span, interp.context_label(), interp.next_model_index(), name, result, reason)
        backbone.symbols = interp.symbols.scope
        backbone.version = state.version
        given = kwargs.get("name")
        backbone.keras_name = given if isinstance(given, str) else keras_model_name(name, result, kwargs.get("alpha", 1.0))
        backbone.fallback_name = backbone.keras_name  # type: ignore[misc]
        weights = kwargs.get("weights", "imagenet")
        note = (f"{name} backbone from keras.applications (weights={weights!r}): known by its input, output and "
                f"parameter counts; its inner layers are not listed") if isinstance(weights, (str, type(None))) else \
            f"{name} backbone from keras.applications: known by its input, output and parameter counts"
        layer = LayerObj(name, span, backbone_spec(name, backbone, state.version), None, plugin,
                         None, (*call_notes(interp, args, kwargs), note))
        backbone.as_layer = layer
        own_input = self.own_input(interp, backbone, kwargs.get("input_tensor"), span)
        backbone.inputs = [own_input]
        output = interp.layers.apply_to(layer, [own_input], span)
        backbone.outputs = [output] if isinstance(output, Tensor) else []
        state.functionals.append(backbone)
        return backbone

    def own_input(self, interp: "Interpreter", backbone: KerasBackbone, given: object, span: Span) -> Tensor:
        """``base.input``: the tensor given as ``input_tensor``, else the ``Input`` the builder makes."""
        result = backbone.result
        if isinstance(given, Tensor):
            backbone.built_input = given.shape
            return given
        shape = result.input_shape if result is not None else None
        if shape is not None:
            shape = self.plugin.named_sizes(interp, shape, f"the input of {backbone.builder} at line {span.start_line + 1}")
        backbone.built_input = shape
        tensor = Tensor(shape, None if shape is not None else backbone.reason, None, (), None, self.plugin)
        return tensor

    def preprocess(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        """``preprocess_input(x)``: scaled values of the same shape."""
        value = args[0] if args else kwargs.get("x")
        if isinstance(value, Tensor):
            return Tensor(value.shape, value.reason, None, (value,))
        if isinstance(value, ArrayValue):
            return value.derived(value.shape)
        return Unknown("the result of `preprocess_input` on a value the analysis does not follow")


def keras_model_name(builder: str, result: Optional[BackboneResult], alpha: object) -> str:
    """The name Keras gives the model, as its messages print it: the builder's default (``resnet50``),
    or for MobileNet and MobileNetV2 one made of the width and the input size (``mobilenetv2_1.00_224``)."""
    default = default_argument(builder, "name") if builder in KERAS3_BUILDERS else UNKNOWN
    if isinstance(default, str):
        return default
    rows = result.input_shape[1] if result is not None and result.input_shape is not None else None
    if builder in ("MobileNet", "MobileNetV2") and isinstance(alpha, (int, float)) and isinstance(rows, int):
        return f"{builder.lower()}_{alpha:0.2f}_{rows}"
    return builder.lower()


def finish_backbones(interp: "Interpreter", backbones: list[KerasBackbone]) -> None:
    """A ``base.layers`` used in a way the analysis does not follow may have changed which inner layers
    train: the split is then unknown."""
    for backbone in backbones:
        for listing in backbone.inner_uses:
            if not listing.followed and backbone.layer().trainable is not None:
                layer = backbone.layer()
                layer.trainable = None
                where = f", line {listing.span.start_line + 1}" if listing.span is not None else ""
                layer.trainable_reason = (f"which parameters of the {backbone.builder} backbone are trainable is not "
                                          f"known: {listing.label}{where} is used in a way Shape Lens does not follow")
