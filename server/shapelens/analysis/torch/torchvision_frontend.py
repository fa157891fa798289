"""What calling a ``torchvision.models`` name makes: a builder's model, its weights enums.

``models.resnet50(weights=ResNet50_Weights.DEFAULT)``, ``resnet50(weights="IMAGENET1K_V2")``,
``models.resnet50(pretrained=True)``, ``torchvision.models.resnet.resnet50()`` and
``models.get_model("resnet50", weights=None)`` all build the same architecture. Pretrained weights
are never loaded; what they fix is applied as torchvision's builders apply it (read from its
source): ``num_classes`` becomes the weights' class count (another value raises ValueError),
vit takes the weights' image size, googlenet and inception_v3 renormalise the input
(``transform_input``) and keep their auxiliary classifiers only when asked. Other names of
``torchvision`` are not modelled.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from ..assemble import conditional
from ..interpreter.plugins import NOT_CONSTANT, CallHook
from ..interpreter.values import BoundMethod, QName, Value
from ..report import Diagnostic
from ..symbolic import Sym
from ..unknown import Unknown
from .backbones import TorchvisionModule
from .torchvision_models import FAMILIES, family_of, torchvision_model

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import TorchPlugin

MODELS = "torchvision.models"
UNSET = object()


def data():  # type: ignore[no-untyped-def]
    from . import torchvision_data  # loaded when a file uses torchvision

    return torchvision_data


def builder_of(path: str) -> Optional[str]:
    """``torchvision.models.resnet18`` / ``torchvision.models.resnet.resnet18``: ``resnet18``."""
    if not path.startswith(MODELS + "."):
        return None
    leaf = path.rsplit(".", 1)[-1]
    return leaf if leaf in data().BUILDERS and family_of(leaf) is not None else None


def enum_builders() -> dict[str, str]:
    return {entry[0]: builder for builder, entry in data().WEIGHTS.items()}


@dataclass(frozen=True)
class WeightsEnum(Value):
    """``ResNet50_Weights``: its members are pretrained weights."""

    name: str

    @property
    def builder(self) -> str:
        return enum_builders()[self.name]

    def member(self, key: object) -> object:
        _, members, default, _ = data().WEIGHTS[self.builder]
        if key == "DEFAULT":
            return Weights(self.name, default)
        if isinstance(key, str) and key in members:
            return Weights(self.name, key)
        return Unknown(f"`{self.name}.{key}` is not a member of the enum")

    def attribute(self, interp: "Interpreter", name: str) -> object:
        return self.member(name)

    def subscript(self, interp: "Interpreter", index: object) -> object:
        return self.member(index)


@dataclass(frozen=True)
class Weights(Value):
    """One member of a weights enum (``ResNet50_Weights.IMAGENET1K_V2``)."""

    enum: str
    member: str

    def attribute(self, interp: "Interpreter", name: str) -> object:
        if name == "name":
            return self.member
        if name in ("transforms", "get_state_dict"):
            return BoundMethod(self, name)
        return Unknown(f"`{self.enum}.{self.member}.{name}` is not read by Shape Lens")

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        return Unknown(f"`{self.enum}.{self.member}.{name}()` (the weights' preprocessing or values) is not modelled")


class Refusal(Exception):
    """What torchvision raises for a builder call, in its words (a ValueError, TypeError, KeyError)."""

    def __init__(self, error_type: str, text: str, advice: str = "") -> None:
        super().__init__(text)
        self.error_type = error_type
        self.text = text
        self.advice = advice


class NotModelled(Exception):
    """A builder call whose model cannot be known (an argument the analysis does not know)."""


class TorchvisionFrontend:
    def __init__(self, plugin: "TorchPlugin") -> None:
        self.plugin = plugin

    def call_hook(self, path: str) -> Optional[CallHook]:
        if builder_of(path) is not None:
            return self.builder
        leaf = path.rsplit(".", 1)[-1]
        if path.startswith(MODELS + ".") and leaf in ("get_model", "get_weight", "get_model_weights"):
            return getattr(self, leaf)
        if path.startswith(MODELS + ".feature_extraction."):
            return self.feature_extractor
        return None

    def constant(self, path: str) -> object:
        leaf = path.rsplit(".", 1)[-1]
        if path.startswith(MODELS + ".") and leaf in enum_builders():
            return WeightsEnum(leaf)
        return NOT_CONSTANT

    def star_names(self, module: str) -> dict[str, str]:
        if module != MODELS:
            return {}
        names = {name: f"{MODELS}.{name}" for name in (*data().BUILDERS, *enum_builders())}
        names.update({name: f"{MODELS}.{name}" for name in ("get_model", "get_weight", "get_model_weights")})
        return names

    # --- calls ---

    def builder(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        return self.build(interp, func.leaf, args, kwargs, node)

    def get_model(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        name = args[0] if args else kwargs.pop("name", None)
        if not isinstance(name, str) or name not in data().BUILDERS:
            return Unknown(f"`get_model({name!r})`: a model Shape Lens does not know")
        return self.build(interp, name, [], {k: v for k, v in kwargs.items() if k != "name"}, node)

    def get_weight(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        name = args[0] if args else kwargs.get("name")
        if isinstance(name, str) and name.count(".") == 1 and name.split(".")[0] in enum_builders():
            enum, member = name.split(".")
            return WeightsEnum(enum).member(member)
        return Unknown(f"`get_weight({name!r})`")

    def get_model_weights(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        name = args[0] if args else kwargs.get("name")
        builder = name.leaf if isinstance(name, QName) else name
        if isinstance(builder, str) and builder in data().WEIGHTS:
            return WeightsEnum(data().WEIGHTS[builder][0])
        return Unknown(f"`get_model_weights({builder!r})`")

    def feature_extractor(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        return Unknown(f"`{func.leaf}(...)`: a model traced into named nodes is not modelled by Shape Lens")

    def build(self, interp: "Interpreter", builder: str, args: list, kwargs: dict, node: ast.Call) -> object:
        interp.events += 1
        try:
            arguments, weights = self.arguments(builder, args, kwargs)
            arguments, transform_input = pretrained(builder, weights, arguments)
        except Refusal as refusal:
            message = (f"{builder}(...): torchvision raises {refusal.error_type}: \"{refusal.text}\""
                       + (f"; {refusal.advice}" if refusal.advice else ""))
            interp.diagnostics.append(conditional(Diagnostic(interp.span(node), "error", "invalid-argument", message),
                                                  interp.condition()))
            return Unknown(f"{builder}(...) raises {refusal.error_type}")
        except NotModelled as why:
            return Unknown(str(why))
        model = torchvision_model(builder, arguments)
        if model is None:
            return Unknown(f"{builder}(...) with the arguments {sorted(arguments)} is not modelled by Shape Lens")
        family = FAMILIES[model.family]
        aux_logits = bool(family.aux_modules) and arguments.get("aux_logits", True) is True
        module = TorchvisionModule(self.plugin, model, interp.span(node), interp.context_label(), data().STEMS[builder],
                                   transform_input, aux_logits)
        self.plugin.state(interp).backbones.append(module)
        return module

    def arguments(self, builder: str, args: list, kwargs: dict) -> tuple[dict, object]:
        """The keyword arguments of the model class and the weights (a member name, None, or
        Unknown): positional arguments are (weights, progress), as the builders take them;
        ``pretrained=`` and a bool for ``weights`` are the legacy interface."""
        arguments = dict(kwargs)
        if len(args) > 2:
            raise NotModelled(f"{builder}(...) with {len(args)} positional arguments")
        for name, value in zip(("weights", "progress"), args):
            arguments[name] = value
        weights = arguments.pop("weights", None)
        legacy = arguments.pop("pretrained", UNSET)
        arguments.pop("progress", None)
        enum, members, default, legacy_member = data().WEIGHTS[builder]
        if isinstance(weights, bool):  # ``resnet18(True)``: the old positional ``pretrained``
            legacy, weights = weights, None
        if legacy is not UNSET and weights is None:
            if not isinstance(legacy, bool):
                raise NotModelled(f"{builder}(pretrained=...) with a value Shape Lens does not know")
            if legacy and legacy_member is None:
                raise Refusal("ValueError", f"No weights available for model {builder}")
            return arguments, legacy_member if legacy else None
        if legacy is not UNSET:
            raise NotModelled(f"{builder}(...) given both weights= and pretrained=")
        return arguments, member_of(builder, weights)


def member_of(builder: str, weights: object) -> object:
    """The member of the builder's enum that ``weights`` names (``WeightsEnum.verify``)."""
    enum, members, default, _ = data().WEIGHTS[builder]
    if weights is None or isinstance(weights, Unknown):
        return weights
    if isinstance(weights, Weights):
        if weights.enum != enum:
            raise Refusal("TypeError", f"Invalid Weight class provided; expected {enum} but received {weights.enum}.")
        return weights.member
    if isinstance(weights, str):
        name = weights.replace(enum + ".", "")
        if name == "DEFAULT":
            return default
        if name in members:
            return name
        raise Refusal("KeyError", repr(name), f"{enum} has {', '.join(sorted(members))} and DEFAULT")
    return Unknown("weights the analysis does not know")


def overwrite(arguments: dict, name: str, value: object, advice: str = "") -> None:
    """torchvision's ``_ovewrite_named_param``: what the weights fix, unless given otherwise."""
    if name not in arguments:
        arguments[name] = value
        return
    given = arguments[name]
    if isinstance(given, (Unknown, Sym)) or not isinstance(given, (int, float, str, bool)):
        raise NotModelled(f"`{name}` given with pretrained weights, with a value Shape Lens does not know")
    if given != value:
        raise Refusal("ValueError", f"The parameter '{name}' expected value {value} but got {given} instead.", advice)


def pretrained(builder: str, member: object, arguments: dict) -> tuple[dict, bool]:
    """The model class's arguments once the weights are applied, and ``transform_input``."""
    family = family_of(builder)
    defaults_aux = {"googlenet": False, "inception_v3": True}
    transform_input = arguments.get("transform_input", False)
    if member is None:
        return arguments, transform_input is True
    if isinstance(member, Unknown):
        fixes = {"num_classes", "aux_logits", "init_weights", "image_size", "transform_input"}
        if family in ("vit", "googlenet", "inception_v3") or fixes & set(arguments):
            raise NotModelled(f"{builder}(...): the weights are not known ({member.reason}) and they fix the architecture")
        return arguments, False
    enum, members, _, _ = data().WEIGHTS[builder]
    classes, min_size = members[member]  # type: ignore[index]
    arguments = dict(arguments)
    head = FAMILIES[family].head_modules[-1] if family else "fc"  # type: ignore[index]
    advice = (f"pretrained weights fix num_classes={classes}: build the model with them, then replace the head "
              f"(`model.{head} = ...`)")
    if family in defaults_aux:
        original_aux = arguments.get("aux_logits", defaults_aux[family])
        if "transform_input" not in arguments:
            arguments["transform_input"] = True
        overwrite(arguments, "aux_logits", True)
        overwrite(arguments, "init_weights", False)
        overwrite(arguments, "num_classes", classes, advice)
        arguments["aux_logits"] = original_aux is True  # torchvision drops them after loading unless asked
        return arguments, arguments["transform_input"] is True
    if family == "vgg":
        arguments["init_weights"] = False
        if classes is not None:
            overwrite(arguments, "num_classes", classes, advice)
        return arguments, False
    overwrite(arguments, "num_classes", classes, advice)
    if family == "vit":
        overwrite(arguments, "image_size", min_size[0])
    return arguments, False

