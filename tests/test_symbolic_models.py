"""Models whose input the file does not fix: the engine's symbolic answer in the cases the
symbolic oracle (tests/test_oracle_symbolic.py) found it wrong or silent, one test per case."""

from __future__ import annotations

import textwrap

from engine_json import engine_json


def report(source: str) -> dict:
    return engine_json("<test>", textwrap.dedent(source))


def layers_of(document: dict) -> list[tuple[str, list, object]]:
    return [(layer["class"], layer["output_shape"], layer["params"]) for model in document["models"] for layer in model["layers"]]


def test_a_keras_sequential_with_no_input_takes_the_input_its_first_layer_implies() -> None:
    document = report("""
        import keras
        from keras import layers
        model = keras.Sequential([layers.Conv2D(16, 3), layers.Flatten(), layers.Dense(10)])
    """)
    (model,) = document["models"]
    assert set(model["symbols"]) == {"H", "W", "C"}
    assert layers_of(document)[0] == ("Conv2D", [None, "H-2", "W-2", 16], "144*C+16")
    assert layers_of(document)[2][2] == "160*H*W-320*H-320*W+650"


def test_a_builder_parameter_in_an_input_shape_is_a_size_named_after_it() -> None:
    document = report("""
        import keras
        from keras import layers
        def build_vgg(img_size, num_classes):
            model = keras.Sequential()
            model.add(keras.Input(shape=(img_size, img_size, 3)))
            model.add(layers.Conv2D(8, 3))
            model.add(layers.GlobalAveragePooling2D())
            model.add(layers.Dense(num_classes))
            return model
    """)
    (model,) = document["models"]
    assert model["symbols"] == {"img_size": "parameter `img_size` of build_vgg()",
                                "num_classes": "parameter `num_classes` of build_vgg()"}
    assert layers_of(document)[0] == ("Conv2D", [None, "img_size-2", "img_size-2", 8], 224)
    assert model["requires"] == ["img_size >= 3"]


def test_a_shape_parameter_passed_whole_stays_an_unknown_input() -> None:
    document = report("""
        from keras.models import Sequential
        from keras.layers import Conv2D, Dense, Flatten
        def lenet(input_shape, classes):
            model = Sequential()
            model.add(Conv2D(6, 5, input_shape=input_shape))
            model.add(Flatten())
            model.add(Dense(classes))
            return model
    """)
    assert document["diagnostics"] == []
    assert layers_of(document)[0] == ("Conv2D", [None, "H-4", "W-4", 6], "150*C+6")
    assert document["models"][0]["symbols"]["classes"] == "parameter `classes` of lenet()"


def test_a_squared_size_prints_without_a_power_operator() -> None:
    document = report("""
        import keras
        from keras import layers
        def build(size):
            inputs = keras.Input(shape=(size, size, 1))
            x = layers.Flatten()(layers.MaxPooling2D(2)(inputs))
            return keras.Model(inputs, layers.Dense(1)(x))
    """)
    flatten = layers_of(document)[1]
    assert flatten[1] == [None, "((size-2)//2)*((size-2)//2)+2*((size-2)//2)+1"]
    assert "**" not in str(document)


def test_class_attributes_are_read_through_the_instance_and_the_class() -> None:
    document = report("""
        import torch.nn as nn
        class Block(nn.Module):
            expansion = 4
            def __init__(self, planes=8):
                super().__init__()
                self.conv = nn.Conv2d(3, planes * self.expansion, 1)
            def forward(self, x):
                return self.conv(x)
        class Head(nn.Module):
            def __init__(self, block=Block):
                super().__init__()
                self.fc = nn.Linear(8 * block.expansion, 2)
            def forward(self, x):
                return self.fc(x)
    """)
    assert ("Conv2d", ["N", 32, "H", "W"], 128) in layers_of(document)
    assert ("Linear", ["N", 2], 66) in layers_of(document)


def test_a_module_nobody_builds_is_one_model_with_its_sequential_and_blocks_inside() -> None:
    document = report("""
        import torch.nn as nn
        class Block(nn.Module):
            def __init__(self, channels):
                super().__init__()
                self.conv = nn.Conv2d(channels, channels, 3, padding=1)
            def forward(self, x):
                return self.conv(x)
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(Block(3), Block(3))
                self.head = nn.Sequential(nn.Flatten(), nn.LazyLinear(2))
            def forward(self, x):
                return self.head(self.body(x))
    """)
    # Block itself, open in `channels`, is analysed on its own too; its two instances in Net's
    # Sequential run only as part of Net
    models = {model["name"]: model for model in document["models"] if model["layers"]}
    assert sorted(models) == ["Block", "Net"]
    assert "channels" in models["Block"]["symbols"]
    assert [layer["class"] for layer in models["Net"]["layers"]] == ["Conv2d", "Conv2d", "Flatten", "LazyLinear"]


def test_view_keeping_a_symbolic_batch_flattens_the_rest() -> None:
    document = report("""
        import torch.nn as nn
        import torch.nn.functional as F
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 8, 3)
                self.fc = nn.Linear(8, 2)
            def forward(self, x):
                out = F.adaptive_avg_pool2d(self.conv(x), 1)
                out = out.view(out.size(0), -1)
                return self.fc(out)
    """)
    assert document["diagnostics"] == []
    assert ("Linear", ["N", 2], 18) in layers_of(document)


def test_ceil_mode_pooling_is_known_when_the_last_window_cannot_start_in_the_padding() -> None:
    document = report("""
        import torch.nn as nn
        model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.AvgPool2d(2, ceil_mode=True))
    """)
    assert layers_of(document)[1] == ("AvgPool2d", ["N", 8, "-((-H+4)//2)+1", "-((-W+4)//2)+1"], 0)


def test_a_torch_sequential_made_in_a_builder_keeps_the_meaning_of_its_parameters() -> None:
    document = report("""
        from torch import nn
        def make_classifier(in_features, num_classes):
            return nn.Sequential(nn.Linear(in_features, 16), nn.ReLU(), nn.Linear(16, num_classes))
    """)
    (model,) = document["models"]
    assert model["symbols"]["in_features"] == "parameter `in_features` of make_classifier()"
    assert model["symbols"]["num_classes"] == "parameter `num_classes` of make_classifier()"


def test_layer_norm_over_a_symbolic_size() -> None:
    document = report("""
        from torch import nn
        class MLP(nn.Module):
            def __init__(self, input_dim, hidden_dim):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.LayerNorm(hidden_dim), nn.GELU())
            def forward(self, x):
                return self.net(x)
    """)
    assert ("LayerNorm", ["N", "hidden_dim"], "2*hidden_dim") in layers_of(document)
    assert ("GELU", ["N", "hidden_dim"], 0) in layers_of(document)


LENET = """
    import torch.nn as nn
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 6, 120)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            return self.fc1(x.flatten(1))
"""


def test_an_equation_in_two_sizes_without_a_square_solution_is_no_error() -> None:
    """16 * 5 * 6 features: no square input gives them, a 32x36 one does (torch agrees)."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    conv1, pool, conv2, fc1 = nn.Conv2d(3, 6, 5), nn.MaxPool2d(2, 2), nn.Conv2d(6, 16, 5), nn.Linear(480, 120)
    features = pool(F.relu(conv2(pool(F.relu(conv1(torch.zeros(1, 3, 32, 36))))))).flatten(1)
    assert fc1(features).shape == (1, 120)
    document = report(LENET)
    assert not [d for d in document["diagnostics"] if d["severity"] == "error"]
    (model,) = document["models"]
    assert any("= 480" in condition for condition in model["requires"])


def test_an_equation_in_one_size_that_no_size_satisfies_is_an_error() -> None:
    """4 channels times a length never make 6 features: every length fails (torch agrees)."""
    import torch
    from torch import nn

    net = nn.Sequential(nn.Conv1d(1, 4, 3, stride=2), nn.Flatten(), nn.Linear(6, 2))
    for length in range(3, 40):
        try:
            net(torch.zeros(1, 1, length))
        except RuntimeError:
            continue
        raise AssertionError(f"torch accepted a length of {length}")
    document = report("""
        import torch.nn as nn
        net = nn.Sequential(nn.Conv1d(1, 4, 3, stride=2), nn.Flatten(), nn.Linear(6, 2))
    """)
    (error,) = [d for d in document["diagnostics"] if d["severity"] == "error"]
    assert error["code"] == "linear-in-features" and "holds for no input size" in error["message"]
