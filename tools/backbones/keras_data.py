"""Measure every ``keras.applications`` builder and render ``applications_data.py``.

Per model and per value of its width arguments (``alpha``, ``minimalistic``, ...), the real
builder is called with ``weights=None`` at a few input shapes, and the counts are solved from
them: parameters = a + b·(input channels) for the body, + c + d·classes + e·(positions the
classifier flattens) for the top. The smallest accepted input is found by bisection, and every
rejection message is taken from the library by triggering it with a sentinel value that is then
replaced by a ``{placeholder}``.
"""

from __future__ import annotations

import inspect
import itertools
from typing import Any, Optional

from oracle_backbones.keras_probe import BACKEND, KERAS_VERSION, keras, probe

# Width arguments whose values are measured (the ones Keras ships weights for, and a few more).
CONFIGS: dict[str, list[dict[str, Any]]] = {
    "MobileNet": [
        {"alpha": alpha, "depth_multiplier": dm}
        for alpha, dm in itertools.product((0.25, 0.5, 0.75, 1.0), (1, 2))
    ],
    "MobileNetV2": [{"alpha": a} for a in (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)],
    **{
        name: [
            {"alpha": a, "minimalistic": m, "include_preprocessing": p}
            for a, m, p in itertools.product((0.75, 1.0), (False, True), (True, False))
        ]
        for name in ("MobileNetV3Small", "MobileNetV3Large")
    },
    **{
        name: [{"include_preprocessing": p} for p in (True, False)]
        for name in dir(keras.applications)
        if name.startswith(("ConvNeXt", "EfficientNetV2"))
    },
}
CLASSES_SENTINEL = 12345
WEIGHTS_SENTINEL = "/nonexistent/sentinel_weights.h5"
KEYWORD_SENTINEL = "sentinel_keyword"


def model_names() -> list[str]:
    return sorted(n for n in dir(keras.applications) if n[:1].isupper())


def configs(name: str) -> list[dict[str, Any]]:
    return CONFIGS.get(name, [{}])


def built(result: dict[str, Any]) -> dict[str, Any]:
    if "built" not in result:
        raise RuntimeError(f"expected a build, got {result}")
    return result["built"]


def signature(name: str) -> tuple[tuple[str, Any], ...]:
    builder = getattr(keras.applications, name)
    return tuple((p.name, p.default) for p in inspect.signature(builder).parameters.values())


def template(result: dict[str, Any], value: Any, placeholder: str) -> Optional[tuple[str, str]]:
    """The error's (type, message) with ``str(value)`` replaced by ``{placeholder}``."""
    if "error" not in result:
        return None
    error_type, message = result["error"]
    message = message.replace("{", "{{").replace("}", "}}")
    if value is not None:
        # Some messages do not repeat the value: then the text is constant.
        message = message.replace(str(value), "{" + placeholder + "}")
    return (error_type, message)


def smallest_accepted(name: str, cfg: dict[str, Any], largest: int) -> int:
    """The smallest square input_shape a weights=None, include_top=False build accepts: the
    first accepted power of two from below, then bisection (rejections cost no build)."""
    base = {"weights": None, "include_top": False, **cfg}

    def accepted(size: int) -> bool:
        return "built" in probe(name, {**base, "input_shape": [size, size, 3]})

    low, high = 0, 1  # low is rejected (or nothing), high is the candidate
    while not accepted(high):
        if high >= largest:
            raise RuntimeError(f"{name} accepts no square input up to {largest}")
        low, high = high, min(2 * high, largest)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if accepted(middle) else (middle, high)
    return high


def measure(name: str, cfg: dict[str, Any]) -> dict[str, Any]:
    """The numbers of one model at one configuration of its width arguments."""
    no_top = {"weights": None, "include_top": False, **cfg}
    top = {"weights": None, "include_top": True, **cfg}
    top_default = built(probe(name, top))
    # MobileNetV3 keeps (None, None, 3) even with its top: measure it at 224 then.
    size = top_default["input_shape"][1] or 224
    if top_default["input_shape"][1] is None:
        top_default = built(probe(name, {**top, "input_shape": [size, size, 3]}))
    no_top_default = built(probe(name, no_top))
    body3 = built(probe(name, {**no_top, "input_shape": [size, size, 3]}))
    body1 = built(probe(name, {**no_top, "input_shape": [size, size, 1]}))
    channels = body3["output_shape"][3]
    pooled = {
        mode: built(probe(name, {**no_top, "input_shape": [size, size, 3], "pooling": mode}))
        for mode in ("avg", "max")
    }
    # A second size whose body output has more positions, to see what the top flattens.
    other = size + 64
    body_other = built(probe(name, {**no_top, "input_shape": [other, other, 3]}))
    positions = body3["output_shape"][1] * body3["output_shape"][2]
    positions_other = body_other["output_shape"][1] * body_other["output_shape"][2]
    assert positions_other != positions
    top10 = built(probe(name, {**top, "classes": 10}))
    top10_other = built(probe(name, {**top, "classes": 10, "input_shape": [other, other, 3]}))

    def solve(kind: str) -> tuple[int, ...]:
        per_channel = divmod_exact(body3[kind] - body1[kind], 2)
        body_base = body1[kind] - per_channel
        per_class = divmod_exact(top_default[kind] - top10[kind], 990)
        per_position = divmod_exact(
            (top10_other[kind] - body_other[kind]) - (top10[kind] - body3[kind]),
            positions_other - positions,
        )
        top_base = top10[kind] - body3[kind] - 10 * per_class - per_position * positions
        return (
            body_base,
            per_channel,
            pooled["avg"][kind] - body3[kind],
            pooled["max"][kind] - body3[kind],
            top_base,
            per_class,
            per_position,
        )

    return {
        "default_size": size,
        "default_input": (tuple(no_top_default["input_shape"][1:]), tuple(built(probe(name, top))["input_shape"][1:])),
        "min_size": smallest_accepted(name, cfg, size),
        "channels": channels,
        "total": solve("total"),
        "trainable": solve("trainable"),
    }


def divmod_exact(numerator: int, denominator: int) -> int:
    quotient, remainder = divmod(numerator, denominator)
    if remainder:
        raise RuntimeError(f"{numerator} is not a multiple of {denominator}")
    return quotient


def imagenet_top_sizes(name: str, cfg: dict[str, Any], min_size: int, size: int) -> tuple[int, ...]:
    """Square sizes that pass the checks with weights='imagenet' and include_top=True."""
    call = {"weights": "imagenet", "include_top": True, **cfg}
    return tuple(
        s
        for s in range(min_size, 2 * size + 1)
        if "weights_requested" in probe(name, {**call, "input_shape": [s, s, 3]})
    )


def messages(name: str, size: int, min_size: int) -> dict[str, tuple[str, str]]:
    """Each check the builder makes, as the library words it; absent when it makes none."""
    base = {"weights": None, "include_top": False}
    imagenet_top = {"weights": "imagenet", "include_top": True}
    below = (min_size - 1, min_size - 1, 3)
    found = {
        "keyword": template(probe(name, {KEYWORD_SENTINEL: 1}), KEYWORD_SENTINEL, "keyword"),
        "weights": template(probe(name, {**base, "weights": WEIGHTS_SENTINEL}), WEIGHTS_SENTINEL, "weights"),
        "classes": template(probe(name, {**imagenet_top, "classes": CLASSES_SENTINEL}), CLASSES_SENTINEL, "classes"),
        "min_size": template(probe(name, {**base, "input_shape": list(below)}), below, "input_shape"),
        # The same check with the other axis unknown (MobileNetV3 skips it then).
        "min_size_one_axis": template(
            probe(name, {**base, "input_shape": [None, min_size - 1, 3]}),
            (None, min_size - 1, 3),
            "input_shape",
        ),
        "rank": template(probe(name, {**base, "input_shape": [size, size]}), None, ""),
        "static": template(
            probe(name, {**base, "include_top": True, "input_shape": [None, None, 3]}),
            (None, None, 3),
            "input_shape",
        ),
        "imagenet_shape": template(
            probe(name, {**imagenet_top, "input_shape": [size + 1, size + 1, 3]}),
            (size + 1, size + 1, 3),
            "input_shape",
        ),
        "imagenet_channels": template(
            probe(name, {"weights": "imagenet", "include_top": False, "input_shape": [size, size, 1]}),
            (size, size, 1),
            "input_shape",
        ),
    }
    activation = probe(name, {**imagenet_top, "classifier_activation": "relu"})
    if "error" in activation:
        # The message ends in the activation function's repr, which holds a memory address.
        error_type, message = activation["error"]
        head, _, _ = message.rpartition("=")
        found["activation"] = (error_type, head + "=")
    parameters = dict(signature(name))
    if "alpha" in parameters:
        result = probe(name, {"weights": "imagenet", "include_top": False, "alpha": 0.6})
        found["alpha"] = template(result, 0.6 if "0.6" in str(result) else None, "alpha")
    if "minimalistic" in parameters:
        call = {"weights": "imagenet", "include_top": False, "alpha": 0.75, "minimalistic": True}
        found["alpha_minimalistic"] = template(probe(name, call), None, "")
    if "depth_multiplier" in parameters:
        call = {"weights": "imagenet", "include_top": False, "depth_multiplier": 2}
        found["depth_multiplier"] = template(probe(name, call), 2, "depth_multiplier")
    return {key: value for key, value in found.items() if value is not None}


ALPHA_CANDIDATES = (0.25, 0.35, 0.5, 0.6, 0.75, 1.0, 1.3, 1.4)


def imagenet_alphas() -> dict[tuple[str, bool], dict[float, bool]]:
    """For the builders with ``alpha``: which values pass the checks with weights="imagenet"."""
    found = {}
    for name in model_names():
        parameters = dict(signature(name))
        if "alpha" not in parameters:
            continue
        for minimalistic in (False, True) if "minimalistic" in parameters else (False,):
            extra = {"minimalistic": True} if minimalistic else {}
            found[(name, minimalistic)] = {
                alpha: "weights_requested"
                in probe(name, {"weights": "imagenet", "include_top": False, "alpha": alpha, **extra})
                for alpha in ALPHA_CANDIDATES
            }
    return found


def model_entry(name: str) -> dict[str, Any]:
    sig = signature(name)
    plain = [probe(name, {"weights": None, "include_top": top}) for top in (False, True)]
    if all("error" in result for result in plain) and plain[0] == plain[1]:
        # A builder that refuses every call on this backend.
        keyword = template(probe(name, {KEYWORD_SENTINEL: 1}), KEYWORD_SENTINEL, "keyword")
        checks = {"keyword": keyword} if keyword else {}
        return {"signature": sig, "always": tuple(plain[0]["error"]), "messages": checks, "configs": {}}
    numbers = {tuple(sorted(cfg.items())): measure(name, cfg) for cfg in configs(name)}
    first_cfg = configs(name)[0]
    first = numbers[tuple(sorted(first_cfg.items()))]
    size, min_size = first["default_size"], first["min_size"]
    checks = messages(name, size, min_size)
    # Without that check (MobileNetV3) every size passes; no need to build them all.
    top_sizes = imagenet_top_sizes(name, first_cfg, min_size, size) if "imagenet_shape" in checks else ()
    return {"signature": sig, "messages": checks, "imagenet_top_sizes": top_sizes, "configs": numbers}


HEADER = '''"""What every ``keras.applications`` builder does: numbers measured from the real library.

Generated by ``tools/backbones/generate.py keras`` from keras {version} (backend {backend}).
Do not edit: change the generator and run it again.

TEMPLATES  the library's error messages, as (error type, text with {{placeholders}})
MODELS[name] = (signature, always, messages, imagenet_top_sizes, configs)
  signature       the builder's parameters with their defaults, in order
  always          index of the error it raises on every call on this backend, or None
  messages        check name -> index in TEMPLATES (absent: the builder makes no such check)
  imagenet_top_sizes  the square sizes accepted with weights="imagenet" and include_top=True
  configs         ((width argument, value), ...) -> (default_size, input_without_top,
                  input_with_top, min_size, channels, total, trainable), where the inputs are
                  those built when no input_shape is given, min_size is the smallest H (and W)
                  accepted, channels those of the body's output, and total / trainable are
                  (body base, per input channel, + pooling="avg", + pooling="max",
                   top base, per class, per position the top flattens)
IMAGENET_ALPHAS   (builder, minimalistic) -> {{alpha: whether weights="imagenet" accepts it}}
"""
'''


def _entry_in_worker(name: str) -> dict[str, Any]:
    return model_entry(name)


def render() -> str:
    # Two processes: the builds are pure Python and independent.
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(2) as pool:
        entries = dict(zip(model_names(), pool.map(_entry_in_worker, model_names(), chunksize=1)))
    templates: list[tuple[str, str]] = []

    def index(message: tuple[str, str]) -> int:
        if message not in templates:
            templates.append(message)
        return templates.index(message)

    lines = [f"MODELS = {{"]
    for name in model_names():
        entry = entries[name]
        always = index(tuple(entry["always"])) if entry.get("always") else None
        checks = {key: index(message) for key, message in sorted(entry.get("messages", {}).items())}
        lines.append(f"    {name!r}: (")
        lines.append(f"        {entry['signature']!r},")
        lines.append(f"        {always!r}, {checks!r}, {entry.get('imagenet_top_sizes', ())!r},")
        lines.append("        {")
        for key, numbers in entry["configs"].items():
            row = (
                numbers["default_size"],
                *numbers["default_input"],
                numbers["min_size"],
                numbers["channels"],
                numbers["total"],
                numbers["trainable"],
            )
            lines.append(f"            {key!r}: {row!r},")
        lines.append("        },")
        lines.append("    ),")
    lines.append("}")
    header = HEADER.format(version=KERAS_VERSION, backend=BACKEND)
    table = "\n".join(f"    {t!r}," for t in templates)
    return (
        header
        + f"\nKERAS_VERSION = {KERAS_VERSION!r}\n\nTEMPLATES = (\n{table}\n)\n\n"
        + "\n".join(lines)
        + f"\n\nIMAGENET_ALPHAS = {imagenet_alphas()!r}\n"
    )
