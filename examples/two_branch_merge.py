"""Two branches that no longer line up: a 'valid' convolution trims one of them."""
from keras import Input, Model, layers

inputs = Input(shape=(32, 32, 16))
left = layers.Conv2D(16, 3, padding="same")(inputs)
right = layers.Conv2D(16, 3)(inputs)
merged = layers.Concatenate()([left, right])
outputs = layers.GlobalAveragePooling2D()(merged)
model = Model(inputs=inputs, outputs=outputs)
