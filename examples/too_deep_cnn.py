"""One pooling too many: the 1x1 map cannot take a 2x2 window.

Keras 3: "Computed output size would be zero or negative"; TF 2.x: "Negative dimension size
caused by subtracting 2 from 1".
"""
import numpy as np
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Conv2D, MaxPooling2D, Flatten, Dense

model = Sequential()
model.add(Conv2D(32, (3, 3), activation="relu", input_shape=(32, 32, 3)))
model.add(MaxPooling2D((2, 2)))
for filters in [64, 128, 256]:
    model.add(Conv2D(filters, (3, 3), activation="relu"))
    model.add(MaxPooling2D((2, 2)))
model.add(Flatten())
model.add(Dense(10, activation="softmax"))

model.predict(np.random.rand(4, 32, 32))
