"""A PyTorch CNN whose classifier was sized for 28x28 images but is fed 32x32 ones.

torch: "mat1 and mat2 shapes cannot be multiplied (8x2048 and 1568x10)". Shape Lens says
which in_features to use, before anything runs.
"""
import torch
from torch import nn
import torch.nn.functional as F


class SmallCNN(nn.Module):
    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(32 * 7 * 7, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(x.size(0), -1)
        return self.fc(x)


model = SmallCNN()
images = torch.randn(8, 3, 32, 32)
logits = model(images)

# No example input here: the channel chain alone is checked.
features = nn.Sequential(
    nn.Conv2d(3, 32, 3),
    nn.BatchNorm2d(32),
    nn.ReLU(),
    nn.Conv2d(64, 64, 3),
)
