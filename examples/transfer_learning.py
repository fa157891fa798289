# Transfer learning as the tutorials write it: a frozen pretrained backbone and a new head.
# (Nothing is downloaded: Shape Lens knows the backbones' shapes without their weights.)
import keras
from keras import layers
import torch.nn as nn
from torchvision import models

IMG_SIZE = 160

base = keras.applications.MobileNetV2(input_shape=(IMG_SIZE, IMG_SIZE, 3), include_top=False, weights="imagenet")
base.trainable = False

inputs = keras.Input(shape=(IMG_SIZE, IMG_SIZE, 3))
x = base(inputs, training=False)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(0.2)(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

# torchvision: the classic `model.fc` replacement, with the in_features read from the old head
resnet = models.resnet18(weights=models.ResNet18_Weights.DEFAULT)
for param in resnet.parameters():
    param.requires_grad = False
resnet.fc = nn.Linear(resnet.fc.in_features, 10)
