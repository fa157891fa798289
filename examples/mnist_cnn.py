"""A small MNIST classifier, the Sequential way. Shape Lens finds no problem here."""
from tensorflow import keras
from tensorflow.keras import layers

NUM_CLASSES = 10
INPUT_SHAPE = (28, 28, 1)

model = keras.Sequential(
    [
        keras.Input(shape=INPUT_SHAPE),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(NUM_CLASSES, activation="softmax"),
    ]
)
model.summary()
