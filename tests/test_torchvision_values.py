"""What the engine says where a torchvision model is used in ways it does not follow layer by
layer: unknown with the reason, never a guessed number; and the forms it does follow."""

from __future__ import annotations

from shapelens.analysis import analyze
from shapelens.analysis.report import Model, Report


def report_of(source: str) -> Report:
    return analyze(source, path="/tmp/torchvision_values.py")


def model_named(report: Report, name: str) -> Model:
    return next(model for model in report.models if model.name == name)


def test_children_of_a_model_are_unknown_with_the_reason() -> None:
    report = report_of(
        "import torch\nimport torch.nn as nn\nfrom torchvision import models\n\n"
        "resnet = models.resnet50(weights=models.ResNet50_Weights.DEFAULT)\n"
        "extractor = nn.Sequential(*list(resnet.children())[:-1])\n"
        "features = extractor(torch.randn(2, 3, 224, 224))\n"
    )
    extractor = model_named(report, "extractor")
    assert extractor.total_params is None  # not 0: its layers are not known
    assert "an entry of the nn.Sequential is not known" in (extractor.layers[0].unknown_reason or "")
    assert [d for d in report.diagnostics if d.severity == "error"] == []


def test_feature_extractor_of_traced_nodes_is_unknown() -> None:
    report = report_of(
        "import torch\nimport torchvision\nfrom torchvision.models.feature_extraction import create_feature_extractor\n\n"
        "m = torchvision.models.resnet18()\n"
        "body = create_feature_extractor(m, return_nodes={'layer4': 'feat'})\n"
        "out = body(torch.randn(2, 3, 224, 224))\n"
    )
    assert [d for d in report.diagnostics if d.severity == "error"] == []
    assert all(model.name != "body" for model in report.models)


def test_a_model_given_no_input_is_seeded_with_symbolic_sizes() -> None:
    report = report_of("import torchvision\n\nm = torchvision.models.resnet.resnet18()\n")
    model = model_named(report, "m")
    assert [str(d) for d in model.input_shape] == ["N", "3", "H", "W"]  # type: ignore[union-attr]
    assert model.total_params == 11689512


def test_a_replaced_auxiliary_classifier_leaves_the_count_unknown() -> None:
    # the PyTorch fine-tuning tutorial's inception_v3: AuxLogits.fc is not modelled layer by layer
    report = report_of(
        "import torch\nimport torch.nn as nn\nfrom torchvision import models\n\n"
        "model_ft = models.inception_v3(weights='IMAGENET1K_V1')\n"
        "model_ft.AuxLogits.fc = nn.Linear(768, 2)\n"
        "model_ft.fc = nn.Linear(model_ft.fc.in_features, 2)\n"
        "model_ft.eval()\n"
        "out = model_ft(torch.randn(2, 3, 299, 299))\n"
    )
    model = model_named(report, "model_ft")
    assert model.total_params is None
    assert model.layers[-1].output_shape == (2, 2)


def test_training_mode_with_auxiliary_outputs_is_not_guessed() -> None:
    report = report_of(
        "import torch\nfrom torchvision import models\n\n"
        "net = models.googlenet(weights=None)\n"
        "out = net(torch.randn(2, 3, 224, 224))\n"
    )
    model = model_named(report, "net")
    (layer,) = model.layers
    assert layer.class_name == "googlenet" and layer.output_shape is None and model.total_params is None
    assert "returns its auxiliary logits too" in (layer.unknown_reason or "")


def test_changing_the_body_makes_the_model_unknown() -> None:
    report = report_of(
        "import torch\nimport torch.nn as nn\nimport torchvision\n\n"
        "model = torchvision.models.resnet18()\n"
        "model.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)\n"
        "y = model(torch.randn(2, 1, 224, 224))\n"
    )
    assert [d for d in report.diagnostics if d.severity == "error"] == []  # no false error
    model = model_named(report, "model")
    (layer,) = model.layers
    assert layer.output_shape is None and model.total_params is None  # not 0, not resnet18's count
    assert "`conv1` of resnet18 was replaced" in (layer.unknown_reason or "")


def test_weights_looked_up_by_name_build_the_pretrained_model() -> None:
    report = report_of(
        "import torch\nfrom torchvision import models\n\n"
        "weights = models.get_weight(\"ResNet50_Weights.IMAGENET1K_V2\")\n"
        "preprocess = weights.transforms()\n"
        "a = models.resnet50(weights=weights)\n"
        "ya = a(torch.randn(1, 3, 224, 224))\n"
        "b = models.resnet50(weights=models.get_model_weights(\"resnet50\").DEFAULT, num_classes=10)\n"
    )
    assert model_named(report, "a").total_params == 25557032  # torchvision's resnet50
    (refusal,) = [d for d in report.diagnostics if d.severity == "error"]
    assert "The parameter 'num_classes' expected value 1000 but got 10 instead." in refusal.message
    assert refusal.span.start_line == 7
