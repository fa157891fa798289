"""A functional ResNet-style model with a block helper called several times."""
import tensorflow as tf
from tensorflow.keras import layers

IMG = 64


def residual_block(x, filters, strides=1):
    shortcut = x
    x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    if strides != 1:
        shortcut = layers.Conv2D(filters, 1, strides=strides)(shortcut)
    x = layers.Add()([x, shortcut])
    return layers.ReLU()(x)


def build_model(input_shape=(IMG, IMG, 3), classes=10):
    inputs = tf.keras.Input(shape=input_shape)
    x = layers.Conv2D(64, 7, strides=2, padding="same")(inputs)
    x = layers.MaxPool2D(3, strides=2, padding="same")(x)
    x = residual_block(x, 64)
    x = residual_block(x, 128, strides=2)
    x = residual_block(x, 256, strides=2)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return tf.keras.Model(inputs, outputs, name="resnet_small")


model = build_model()
