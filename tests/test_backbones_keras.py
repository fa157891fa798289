"""keras.applications as the engine knows them, against real Keras 3 (torch backend).

For every builder: output shape and parameter counts at three input sizes without the top and
three with it (weights=None), the smallest accepted input found by bisection with the real
builder, and the rejections (too small, imagenet weights with the wrong shape, channels or
classes, a static shape missing, an unknown keyword) in the library's words. Library results
are cached in .cache/backbones (see oracle_backbones/cache.py).
"""

from __future__ import annotations

from typing import Any, Mapping

import pytest

from oracle_backbones.keras_probe import keras, probe
from oracle_backbones.prefetch import prefetch
from shapelens.analysis.keras import applications
from shapelens.analysis.keras.applications import UNKNOWN, body_size, keras_application

pytestmark = pytest.mark.oracle

MODELS = applications.model_names()
DATA = applications._data()
BUILDABLE = [name for name in MODELS if DATA.MODELS[name][1] is None]


def first_config(name: str) -> tuple[Any, ...]:
    return next(iter(DATA.MODELS[name][4].values()))


def as_json(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The probe's encoding: a tuple as a JSON list, a list as {"list": [...]}."""

    def encode(value: Any) -> Any:
        if isinstance(value, tuple):
            return list(value)
        if isinstance(value, list):
            return {"list": value}
        return value

    return {k: encode(v) for k, v in kwargs.items()}


def assert_agrees(name: str, kwargs: Mapping[str, Any]) -> None:
    """The engine's answer for ``keras.applications.<name>(**kwargs)`` is Keras' answer."""
    truth = probe(name, as_json(kwargs))
    mine = keras_application(name, kwargs)
    assert mine is not None
    call = f"{name}({kwargs})"
    if mine.rejection is None and mine.output_shape is None:
        assert mine.unknown, f"{call}: no answer and no reason"
        return  # unknown, with a reason: never a wrong claim
    if "error" in truth:
        assert mine.rejection is not None, f"{call}: Keras raised {truth['error']}, engine accepted"
        error_type, message = truth["error"]
        assert mine.rejection.error_type == error_type, call
        if mine.rejection.complete:
            assert mine.rejection.message == message, call
        else:
            assert message.startswith(mine.rejection.message), call
        return
    assert mine.rejection is None, f"{call}: engine rejected, Keras accepted: {mine.rejection}"
    if "built" in truth:
        built = truth["built"]
        assert mine.unknown == (), f"{call}: {mine.unknown}"
        assert mine.input_shape == tuple(built["input_shape"]), call
        assert mine.output_shape == tuple(built["output_shape"]), call
        assert (mine.total_params, mine.trainable_params) == (built["total"], built["trainable"]), call


def test_every_application_is_known() -> None:
    library = sorted(n for n in dir(keras.applications) if n[:1].isupper())
    assert list(MODELS) == library


def size_cases(name: str) -> list[dict[str, Any]]:
    """Three sizes without the top and three with it: the smallest, a non-square one, larger."""
    size, _, _, smallest = first_config(name)[:4]
    odd = (smallest + 13, 2 * smallest + 7)
    return [
        {"weights": None, "include_top": False, "input_shape": (smallest, smallest, 3)},
        {"weights": None, "include_top": False, "input_shape": (*odd, 1)},
        {"weights": None, "include_top": False, "input_shape": (size + 5, size + 5, 3), "pooling": "avg"},
        {"weights": None, "include_top": True},
        {"weights": None, "include_top": True, "input_shape": (*odd, 3), "classes": 10, "classifier_activation": None},
        {"weights": None, "include_top": True, "input_shape": (smallest, smallest, 2), "classes": 7},
    ]


def all_calls() -> list[tuple[str, dict[str, Any]]]:
    calls = []
    for name in BUILDABLE:
        calls += [(name, kwargs) for kwargs in size_cases(name)]
    for name in MODELS:
        calls += [(name, kwargs) for kwargs in rejection_cases(name)]
    calls += [(n, {**k, **w}) for n, w in WIDTH_CASES for k in WIDTH_BASES]
    calls += [(n, {"weights": "imagenet", **k}) for n, k in IMAGENET_CASES]
    calls += [(n, {"weights": None, "include_top": False, "input_tensor": t}) for n in TENSOR_MODELS for t in TENSOR_SHAPES]
    return calls


@pytest.fixture(scope="module", autouse=True)
def library_results() -> None:
    """Build what the tests below ask Keras for, two models at a time (cached on disk)."""
    prefetch("oracle_backbones.keras_probe", [((n, as_json(k)), {}) for n, k in all_calls()])


@pytest.mark.parametrize("name", BUILDABLE)
def test_shapes_and_parameters(name: str) -> None:
    for kwargs in size_cases(name):
        result = keras_application(name, kwargs)
        assert result is not None and result.unknown == (), (kwargs, result)  # concrete: known
        assert_agrees(name, kwargs)


WIDTH_BASES = [
    {"weights": None, "include_top": False, "input_shape": (96, 128, 3)},
    {"weights": None, "include_top": True, "classes": 3},
]
WIDTH_CASES = [
    ("MobileNet", {"alpha": 0.25}),
    ("MobileNet", {"alpha": 0.75, "depth_multiplier": 2}),
    ("MobileNetV2", {"alpha": 0.35}),
    ("MobileNetV2", {"alpha": 1.4}),
    ("MobileNetV3Small", {"alpha": 0.75, "minimalistic": True}),
    ("MobileNetV3Large", {"minimalistic": True, "include_preprocessing": False}),
    ("EfficientNetV2B0", {"include_preprocessing": False}),
    ("ConvNeXtTiny", {"include_preprocessing": False}),
]


@pytest.mark.parametrize("name, width", WIDTH_CASES, ids=[f"{n}-{w}" for n, w in WIDTH_CASES])
def test_width_arguments(name: str, width: dict[str, Any]) -> None:
    for kwargs in WIDTH_BASES:
        assert_agrees(name, {**kwargs, **width})


@pytest.mark.parametrize("name", BUILDABLE)
def test_smallest_input_by_bisection(name: str) -> None:
    mine = keras_application(name, {"weights": None, "include_top": False})
    assert mine is not None
    smallest = mine.min_input[0]

    def accepted(size: int) -> bool:
        return "built" in probe(name, {"weights": None, "include_top": False, "input_shape": [size, size, 3]})

    # Bisection between nothing and a size Keras accepts (the engine's minimum, which must be).
    assert accepted(smallest), f"Keras rejects {smallest}x{smallest}"
    low, high = 0, smallest
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if accepted(middle) else (middle, high)
    assert high == smallest
    # Below it, in either axis, the engine words the refusal as Keras does.
    for shape in ((smallest - 1, smallest - 1, 3), (smallest + 20, smallest - 1, 3), (smallest - 1, None, 3)):
        assert_agrees(name, {"weights": None, "include_top": False, "input_shape": shape})


def rejection_cases(name: str) -> list[dict[str, Any]]:
    size = first_config(name)[0] if name in BUILDABLE else 224
    return [
        {"weights": "imagenet", "include_top": True, "classes": 10},
        {"weights": "imagenet", "include_top": True, "input_shape": (size + 1, size + 1, 3)},
        {"weights": "imagenet", "include_top": True, "input_shape": [size, size, 3]},
        {"weights": "imagenet", "include_top": False, "input_shape": (size, size, 1)},
        {"weights": "imagenet", "include_top": True, "classifier_activation": "relu"},
        {"weights": None, "include_top": True, "input_shape": (None, None, 3)},
        {"weights": None, "include_top": False, "input_shape": (size, size)},
        {"weights": None, "include_top": False, "input_shape": (None, None, 3), "pooling": "max"},
        {"weights": None, "input_shape": (size, size, 3), "pooling": "avg", "top": False},
    ]


@pytest.mark.parametrize("name", MODELS)
def test_rejections(name: str) -> None:
    for kwargs in rejection_cases(name):
        assert_agrees(name, kwargs)


IMAGENET_CASES = [
    ("MobileNet", {"input_shape": (160, 160, 3)}),
    ("MobileNet", {"input_shape": (150, 150, 3)}),
    ("MobileNet", {"alpha": 0.35, "include_top": False}),
    ("MobileNet", {"depth_multiplier": 2, "include_top": False}),
    ("MobileNetV2", {"input_shape": (96, 96, 3)}),
    ("MobileNetV2", {"alpha": 0.6, "include_top": False}),
    ("MobileNetV3Small", {"alpha": 0.75, "minimalistic": True, "include_top": False}),
    ("MobileNetV3Large", {"input_shape": (31, 64, 3), "include_top": False}),
    ("MobileNetV3Large", {"alpha": 0.5, "include_top": False}),
]


@pytest.mark.parametrize("name, kwargs", IMAGENET_CASES, ids=[f"{n}-{k}" for n, k in IMAGENET_CASES])
def test_imagenet_checks_of_width_arguments(name: str, kwargs: dict[str, Any]) -> None:
    assert_agrees(name, {"weights": "imagenet", **kwargs})


TENSOR_MODELS = ["VGG16", "ResNet50", "MobileNetV2", "EfficientNetB0", "InceptionV3"]
TENSOR_SHAPES = [(None, 160, 160, 3), (8, 299, 200, 3)]


@pytest.mark.parametrize("name", TENSOR_MODELS)
def test_input_tensor(name: str) -> None:
    for shape in TENSOR_SHAPES:
        assert_agrees(name, {"weights": None, "include_top": False, "input_tensor": shape})


def test_unknown_arguments_give_unknown_not_a_guess() -> None:
    classes = keras_application("ResNet50", {"weights": None, "classes": UNKNOWN})
    assert classes is not None and classes.rejection is None
    assert classes.output_shape == (None, None) and classes.total_params is None
    assert classes.unknown
    alpha = keras_application("MobileNetV2", {"weights": None, "include_top": False, "alpha": 0.9, "input_shape": (96, 96, 3)})
    assert alpha is not None and alpha.total_params is None and alpha.output_shape is None
    shape = keras_application("VGG16", {"weights": None, "input_shape": UNKNOWN})
    assert shape is not None and shape.output_shape is None and shape.rejection is None
    assert keras_application("RegNetX002", {}) is None


class Symbol:
    """A symbolic size: only + - * // and unary minus, so a rule that compares, branches or
    calls int() on its size fails on it."""

    def __init__(self, evaluate: Any) -> None:
        self.evaluate = evaluate

    @staticmethod
    def lift(value: Any) -> "Symbol":
        return value if isinstance(value, Symbol) else Symbol(lambda n, v=value: v)

    def _op(self, other: Any, op: Any, reverse: bool = False) -> "Symbol":
        a, b = self, Symbol.lift(other)
        if reverse:
            a, b = b, a
        return Symbol(lambda n: op(a.evaluate(n), b.evaluate(n)))

    def __add__(self, o: Any) -> "Symbol":
        return self._op(o, lambda x, y: x + y)

    def __radd__(self, o: Any) -> "Symbol":
        return self._op(o, lambda x, y: x + y, True)

    def __sub__(self, o: Any) -> "Symbol":
        return self._op(o, lambda x, y: x - y)

    def __rsub__(self, o: Any) -> "Symbol":
        return self._op(o, lambda x, y: x - y, True)

    def __mul__(self, o: Any) -> "Symbol":
        return self._op(o, lambda x, y: x * y)

    def __rmul__(self, o: Any) -> "Symbol":
        return self._op(o, lambda x, y: x * y, True)

    def __floordiv__(self, o: Any) -> "Symbol":
        return self._op(o, lambda x, y: x // y)

    def __neg__(self) -> "Symbol":
        return Symbol(lambda n: -self.evaluate(n))

    def __bool__(self) -> bool:
        raise TypeError("a symbolic size has no truth value")


@pytest.mark.parametrize("name", sorted(applications.SPATIAL_RULES))
def test_spatial_rules_work_on_symbolic_sizes(name: str) -> None:
    symbolic = body_size(name, Symbol(lambda n: n))
    for n in range(75, 400, 7):
        assert symbolic.evaluate(n) == body_size(name, n)
