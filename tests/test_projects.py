"""Projects, not files: imports of the project's own modules are read and interpreted (never run),
in their own module scope, once per content version; what a server needs (a text provider,
invalidation, dependents) works; cycles terminate; names that are no file of the project stay
library names."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from shapelens.analysis import analyze
from shapelens.analysis.report import Report
from shapelens.analysis.sources.project import ModuleCache, Project


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def run(root: Path, main: str = "train.py", project: Project | None = None) -> Report:
    path = root / main
    project = project or Project(root, cache=ModuleCache())
    return analyze(path.read_text(encoding="utf-8"), path=str(path), project=project)


def errors(report: Report) -> list[tuple]:
    return [(d.path, d.span.start_line + 1, d.code) for d in report.diagnostics if d.severity == "error"]


KERAS_MODELS = """
    import keras
    from keras import layers


    def build(input_shape=(28, 28, 1), classes=10):
        inputs = keras.Input(shape=input_shape)
        x = layers.Conv2D(16, 3, activation="relu")(inputs)
        x = layers.Flatten()(x)
        outputs = layers.Dense(classes)(x)
        return keras.Model(inputs, outputs)


    if __name__ == "__main__":
        demo = build(input_shape=(3, 3, 1))
        broken = keras.Sequential([keras.Input(shape=(2, 2, 1)), layers.Conv2D(8, 5)])
"""


def test_a_model_built_in_another_file_is_analysed_with_the_callers_input(tmp_path: Path) -> None:
    write(tmp_path, {"models.py": KERAS_MODELS,
                     "train.py": "from models import build\n\nmodel = build(input_shape=(32, 32, 3), classes=5)\n"})
    report = run(tmp_path)
    (model,) = report.models  # the `__main__` block of models.py does not run when it is imported
    assert model.path == "models.py" and model.name_spans and model.name == "model in build(input_shape=(32, 32, 3), classes=5)"
    assert [(layer.path, layer.class_name, layer.output_shape) for layer in model.layers] == [
        ("models.py", "Conv2D", (None, 30, 30, 16)), ("models.py", "Flatten", (None, 14400)),
        ("models.py", "Dense", (None, 5))]
    assert report.diagnostics == ()
    assert report.lines_of("models.py")[6].strip().startswith("x = layers.Conv2D(16, 3")


def test_without_a_project_imports_stay_library_names(tmp_path: Path) -> None:
    write(tmp_path, {"models.py": KERAS_MODELS, "train.py": "from models import build\n\nmodel = build()\n"})
    assert analyze((tmp_path / "train.py").read_text()).models == ()


def test_module_attribute_alias_star_and_package_forms(tmp_path: Path) -> None:
    write(tmp_path, {
        "nets/__init__.py": "from .mlp import mlp\n\n__all__ = ['mlp', 'WIDTH']\nWIDTH = 32\n_HIDDEN = 1\n",
        "nets/mlp.py": """
            import torch.nn as nn

            from .sizes import OUT


            def mlp(n_in, width):
                return nn.Sequential(nn.Linear(n_in, width), nn.ReLU(), nn.Linear(width, OUT))
        """,
        "nets/sizes.py": "OUT = 3\n",
        "train.py": """
            import torch
            import nets
            import nets.mlp as M
            from nets import *

            a = nets.mlp(4, WIDTH)  # the package's `mlp` is the function it re-exports (as in Python)
            b = M.mlp(4, 8)
            c = mlp(4, 16)
            for model in (a, b, c):
                model(torch.randn(2, 4))
            hidden = _HIDDEN
        """,
    })
    report = run(tmp_path)
    assert [[layer.output_shape for layer in m.layers] for m in report.models] == [
        [(2, 32), (2, 32), (2, 3)], [(2, 8), (2, 8), (2, 3)], [(2, 16), (2, 16), (2, 3)]]
    assert {layer.path for m in report.models for layer in m.layers} == {"nets/mlp.py"}


def test_a_relative_import_that_leads_nowhere_is_unknown_not_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/train.py": "import torch\nfrom .missing import Net\n\nmodel = Net()\nmodel(torch.randn(1, 3))\n"})
    report = run(tmp_path, "pkg/train.py")
    assert report.parsed and report.models == () and report.diagnostics == ()


def test_an_error_in_another_file_is_shown_there_and_at_the_call(tmp_path: Path) -> None:
    write(tmp_path, {"models.py": KERAS_MODELS,
                     "train.py": "from models import build\n\n\nmodel = build(input_shape=(2, 2, 1))\n"})
    report = run(tmp_path)
    at_call, at_layer = report.diagnostics
    assert (at_call.path, at_call.span.start_line, at_call.code) == (None, 3, "negative-dimension")
    assert at_call.message.startswith("Conv2D at models.py:7 fails on what this call gives it: ")
    assert (at_call.related[0].path, at_call.related[0].span.start_line) == ("models.py", 6)
    assert (at_layer.path, at_layer.span.start_line, at_layer.code) == ("models.py", 6, "negative-dimension")
    assert [(r.path, r.span.start_line) for r in at_layer.related][-1] == (None, 3)


def test_an_import_cycle_terminates_and_sees_the_partial_module(tmp_path: Path) -> None:
    write(tmp_path, {
        "a.py": """
            import torch.nn as nn
            WIDTH = 8
            import b
            AFTER = 4


            def net():
                return nn.Sequential(nn.Linear(b.IN, WIDTH), nn.Linear(WIDTH, b.LATE))
        """,
        "b.py": """
            import a
            from a import WIDTH
            IN = WIDTH * 2
            LATE = a.AFTER
        """,
        "train.py": "import torch\nimport a\n\nmodel = a.net()\nmodel(torch.randn(1, 16))\n",
    })
    report = run(tmp_path)
    (model,) = report.models
    first, second = model.layers
    assert first.output_shape == (1, 8) and first.params == 16 * 8 + 8
    # b ran while a was half-imported: a.AFTER did not exist yet (Python: AttributeError)
    assert second.output_shape is None and "circular import" in second.unknown_reason
    assert report.diagnostics == ()


def test_the_analysed_file_imported_back_is_not_run_twice(tmp_path: Path) -> None:
    write(tmp_path, {
        "helpers.py": "from train import SIZE\n\nDOUBLE = SIZE * 2\n",
        "train.py": "import torch.nn as nn\n\nSIZE = 3\nfrom helpers import DOUBLE\n\nnet = nn.Sequential(nn.Linear(DOUBLE, 1))\n",
    })
    report = run(tmp_path)
    assert [m.layers[0].params for m in report.models] == [6 + 1]


def test_unreadable_modules_make_unknowns_not_crashes(tmp_path: Path) -> None:
    write(tmp_path, {"half.py": "def build(:\n", "train.py": "import torch\nfrom half import build\nfrom blob import x\n"
                     "import deep.er.still\nmodel = build()\nmodel(torch.randn(1, 2))\n"})
    (tmp_path / "blob.py").write_bytes(b"\x00\xff\xfe binary")
    report = run(tmp_path)
    assert report.parsed and report.models == () and report.diagnostics == ()


def test_a_local_file_named_like_a_library_shadows_it_only_beside_the_script(tmp_path: Path) -> None:
    source = "import keras\n\nmodel = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])\n"
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n", "keras.py": "# the author's notes on Keras\n",
                     "scripts/train.py": source, "train.py": source})
    # beside the script, as Python does: `import keras` is that file (which has no Sequential)
    assert run(tmp_path, "train.py").models == ()
    # in the project root but not the script's folder: the installed library comes first
    assert [m.layers[0].output_shape for m in run(tmp_path, "scripts/train.py").models] == [(None, 2)]


def test_each_module_is_read_and_run_once_per_content_version(tmp_path: Path) -> None:
    write(tmp_path, {"config.py": "UNITS = 16\n", "blocks.py": "from config import UNITS\nimport torch.nn as nn\n\n\n"
                     "def head(n_in):\n    return nn.Sequential(nn.Linear(n_in, UNITS))\n",
                     "train.py": "import torch\nfrom blocks import head\n\nmodel = head(8)\nmodel(torch.randn(2, 8))\n"})
    cache = ModuleCache()
    texts: dict[str, str] = {}
    project = Project(tmp_path, text_provider=lambda path: texts.get(path), cache=cache)
    first = run(tmp_path, project=project)
    blocks_path = os.path.normpath(tmp_path / "blocks.py")
    (blocks_source,) = [s for (path, _), s in cache.sources.items() if path == blocks_path]
    (shared,) = blocks_source.execution.values()  # defs and constants only: kept for every later analysis
    second = run(tmp_path, project=project)
    assert list(blocks_source.execution.values()) == [shared] and len(cache) == 2
    assert first.models[0].layers[0].output_shape == second.models[0].layers[0].output_shape == (2, 16)
    # an open document's text replaces the disk's, and what was made from the old text is not reused
    texts[os.path.normpath(tmp_path / "config.py")] = "UNITS = 24\n"
    assert run(tmp_path, project=project).models[0].layers[0].output_shape == (2, 24)
    assert project.dependents(tmp_path / "config.py") == {blocks_path, os.path.normpath(tmp_path / "train.py")}
    assert project.invalidate(tmp_path / "config.py") == project.dependents(tmp_path / "config.py")
    assert not any(path == os.path.normpath(tmp_path / "config.py") for path, _ in cache.sources)


def test_a_module_with_model_state_runs_in_each_analysis(tmp_path: Path) -> None:
    # a layer made at the top level of a module is built by its first call: no analysis may see
    # another's build
    write(tmp_path, {"shared_layers.py": "from keras import layers\n\nprojection = layers.Dense(4)\n",
                     "small.py": "import keras\nfrom shared_layers import projection\n\ni = keras.Input(shape=(8,))\n"
                                 "m = keras.Model(i, projection(i))\n",
                     "large.py": "import keras\nfrom shared_layers import projection\n\ni = keras.Input(shape=(32,))\n"
                                 "m = keras.Model(i, projection(i))\n"})
    project = Project(tmp_path, cache=ModuleCache())
    small, large = run(tmp_path, "small.py", project), run(tmp_path, "large.py", project)
    assert small.models[0].layers[0].params == 8 * 4 + 4
    assert large.models[0].layers[0].params == 32 * 4 + 4
    assert errors(small) == errors(large) == []


def test_the_cache_is_bounded(tmp_path: Path) -> None:
    write(tmp_path, {f"m{i}.py": f"X{i} = {i}\n" for i in range(5)})
    write(tmp_path, {"train.py": "".join(f"from m{i} import X{i}\n" for i in range(5))})
    cache = ModuleCache(capacity=3)
    run(tmp_path, project=Project(tmp_path, cache=cache))
    assert len(cache) == 3


@pytest.mark.parametrize("huge_text", ["x = 1\n" * 400_000])
def test_a_huge_module_is_not_read(tmp_path: Path, huge_text: str) -> None:
    write(tmp_path, {"big.py": huge_text, "train.py": "from big import x\n"})
    assert run(tmp_path).parsed


def test_a_module_imports_what_the_analysed_scripts_folder_gives_it(tmp_path: Path) -> None:
    # `import sizes` in lib/heads.py is found in the folder of the script being run, as on sys.path
    write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'x'\n",
        "heads.py": "import torch.nn as nn\nimport sizes\n\n\ndef head():\n    return nn.Sequential(nn.Linear(4, sizes.OUT))\n",
        "small/sizes.py": "OUT = 2\n", "large/sizes.py": "OUT = 7\n",
        "small/train.py": "import torch\nfrom heads import head\n\nm = head()\nm(torch.randn(1, 4))\n",
        "large/train.py": "import torch\nfrom heads import head\n\nm = head()\nm(torch.randn(1, 4))\n",
    })
    project = Project(tmp_path, cache=ModuleCache())
    for _ in range(2):
        assert run(tmp_path, "small/train.py", project).models[0].layers[0].output_shape == (1, 2)
        assert run(tmp_path, "large/train.py", project).models[0].layers[0].output_shape == (1, 7)
