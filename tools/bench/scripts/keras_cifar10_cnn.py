# CIFAR-10 image classification with a small CNN (Keras)
# Loads the data, trains with augmentation and early stopping, plots the learning curves.

import os
import numpy as np
import matplotlib.pyplot as plt
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers
from tensorflow.keras.callbacks import EarlyStopping, ModelCheckpoint, ReduceLROnPlateau

print("TensorFlow version:", tf.__version__)

# ---------------------------------------------------------------
# Config
# ---------------------------------------------------------------
BATCH_SIZE = 64
EPOCHS = 50
NUM_CLASSES = 10
IMG_SIZE = 32
CHANNELS = 3
VAL_SPLIT = 0.1
SAVE_DIR = "checkpoints"
os.makedirs(SAVE_DIR, exist_ok=True)

class_names = ['airplane', 'automobile', 'bird', 'cat', 'deer',
               'dog', 'frog', 'horse', 'ship', 'truck']

# ---------------------------------------------------------------
# Data
# ---------------------------------------------------------------
(x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
print("x_train shape:", x_train.shape)
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")

x_train = x_train.astype("float32") / 255.0
x_test = x_test.astype("float32") / 255.0

# per-channel mean / std normalisation
mean = np.mean(x_train, axis=(0, 1, 2), keepdims=True)
std = np.std(x_train, axis=(0, 1, 2), keepdims=True)
x_train = (x_train - mean) / (std + 1e-7)
x_test = (x_test - mean) / (std + 1e-7)

y_train = keras.utils.to_categorical(y_train, NUM_CLASSES)
y_test = keras.utils.to_categorical(y_test, NUM_CLASSES)

# show a few training images
plt.figure(figsize=(10, 10))
for i in range(25):
    plt.subplot(5, 5, i + 1)
    plt.xticks([])
    plt.yticks([])
    plt.grid(False)
    img = x_train[i] * std[0] + mean[0]
    plt.imshow(np.clip(img, 0, 1))
    plt.xlabel(class_names[np.argmax(y_train[i])])
plt.savefig("samples.png")
plt.close()

data_augmentation = keras.Sequential(
    [
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.1),
        layers.RandomZoom(0.1),
    ],
    name="augmentation",
)

# ---------------------------------------------------------------
# Model
# ---------------------------------------------------------------
model = keras.Sequential([
    keras.Input(shape=(IMG_SIZE, IMG_SIZE, CHANNELS)),
    data_augmentation,

    layers.Conv2D(32, (3, 3), padding='same', activation='relu'),
    layers.BatchNormalization(),
    layers.Conv2D(32, (3, 3), padding='same', activation='relu'),
    layers.BatchNormalization(),
    layers.MaxPooling2D((2, 2)),
    layers.Dropout(0.2),

    layers.Conv2D(64, (3, 3), padding='same', activation='relu'),
    layers.BatchNormalization(),
    layers.Conv2D(64, (3, 3), padding='same', activation='relu'),
    layers.BatchNormalization(),
    layers.MaxPooling2D((2, 2)),
    layers.Dropout(0.3),

    layers.Conv2D(128, (3, 3), padding='same', activation='relu'),
    layers.BatchNormalization(),
    layers.Conv2D(128, (3, 3), padding='same', activation='relu'),
    layers.BatchNormalization(),
    layers.MaxPooling2D((2, 2)),
    layers.Dropout(0.4),

    layers.Flatten(),
    layers.Dense(128, activation='relu'),
    layers.BatchNormalization(),
    layers.Dropout(0.5),
    layers.Dense(NUM_CLASSES, activation='softmax'),
])

model.summary()

model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-3),
    loss='categorical_crossentropy',
    metrics=['accuracy'],
)

callbacks = [
    EarlyStopping(monitor='val_loss', patience=8, restore_best_weights=True),
    ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=3, min_lr=1e-5, verbose=1),
    ModelCheckpoint(os.path.join(SAVE_DIR, "best.keras"), monitor='val_accuracy', save_best_only=True),
]

history = model.fit(
    x_train, y_train,
    batch_size=BATCH_SIZE,
    epochs=EPOCHS,
    validation_split=VAL_SPLIT,
    callbacks=callbacks,
    verbose=2,
)

# ---------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------
test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
print(f"Test loss: {test_loss:.4f}")
print(f"Test accuracy: {test_acc:.4f}")

predictions = model.predict(x_test[:16])
for i in range(16):
    predicted = class_names[np.argmax(predictions[i])]
    actual = class_names[np.argmax(y_test[i])]
    print(f"{i:2d}: predicted {predicted:<10s} actual {actual}")

# per-class accuracy
y_pred = np.argmax(model.predict(x_test, batch_size=256), axis=1)
y_true = np.argmax(y_test, axis=1)
for c in range(NUM_CLASSES):
    idx = y_true == c
    acc = np.mean(y_pred[idx] == c)
    print(f"{class_names[c]:<12s} {acc:.3f}")

# ---------------------------------------------------------------
# Learning curves
# ---------------------------------------------------------------
acc = history.history['accuracy']
val_acc = history.history['val_accuracy']
loss = history.history['loss']
val_loss = history.history['val_loss']
epochs_range = range(1, len(acc) + 1)

plt.figure(figsize=(12, 5))
plt.subplot(1, 2, 1)
plt.plot(epochs_range, acc, label='Training Accuracy')
plt.plot(epochs_range, val_acc, label='Validation Accuracy')
plt.legend(loc='lower right')
plt.title('Training and Validation Accuracy')
plt.xlabel('Epoch')

plt.subplot(1, 2, 2)
plt.plot(epochs_range, loss, label='Training Loss')
plt.plot(epochs_range, val_loss, label='Validation Loss')
plt.legend(loc='upper right')
plt.title('Training and Validation Loss')
plt.xlabel('Epoch')
plt.tight_layout()
plt.savefig("history.png")
plt.show()

model.save("cifar10_cnn.keras")
