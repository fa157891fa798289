"""Sentiment analysis on IMDB reviews: tokenisation by hand, a bidirectional LSTM, and a
look at the mistakes."""

import re
import string
from collections import Counter

import matplotlib.pyplot as plt
import numpy as np
import keras
from keras import layers

VOCAB_SIZE = 20000
MAX_LEN = 200
EMBED_DIM = 128
BATCH_SIZE = 64
EPOCHS = 6

(x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=VOCAB_SIZE)
print(len(x_train), "train sequences;", len(x_test), "test sequences")

word_index = keras.datasets.imdb.get_word_index()
index_word = {i + 3: w for w, i in word_index.items()}
index_word[0], index_word[1], index_word[2] = "<pad>", "<start>", "<unk>"


def decode(seq):
    return " ".join(index_word.get(i, "?") for i in seq)


def clean(text):
    text = text.lower()
    text = re.sub(r"<br\s*/?>", " ", text)
    return text.translate(str.maketrans("", "", string.punctuation))


def encode(text):
    ids = [1]
    for word in clean(text).split():
        i = word_index.get(word)
        ids.append(i + 3 if i is not None and i + 3 < VOCAB_SIZE else 2)
    return ids


# review length statistics
lengths = [len(x) for x in x_train]
print(f"mean length {np.mean(lengths):.0f}, 90th percentile {np.percentile(lengths, 90):.0f}")
counts = Counter()
for seq in x_train[:5000]:
    counts.update(seq)
print("most common:", [index_word.get(i) for i, _ in counts.most_common(20)])

x_train = keras.utils.pad_sequences(x_train, maxlen=MAX_LEN)
x_test = keras.utils.pad_sequences(x_test, maxlen=MAX_LEN)

inputs = keras.Input(shape=(MAX_LEN,), dtype="int32")
x = layers.Embedding(VOCAB_SIZE, EMBED_DIM)(inputs)
x = layers.SpatialDropout1D(0.2)(x)
x = layers.Bidirectional(layers.LSTM(64, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(32))(x)
x = layers.Dense(64, activation="relu")(x)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs, name="imdb_bilstm")
model.summary()

model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS, validation_split=0.2)
loss, acc = model.evaluate(x_test, y_test, verbose=2)
print(f"test accuracy: {acc:.4f}")

# where does it go wrong?
probs = model.predict(x_test, batch_size=256).ravel()
wrong = np.where((probs > 0.5).astype(int) != y_test)[0]
print(f"{len(wrong)} misclassified reviews")
for i in wrong[:5]:
    words = decode([t for t in x_test[i] if t > 2])
    print(f"p={probs[i]:.2f} label={y_test[i]}: {words[:200]}...")

for review in ["This movie was fantastic, the acting was superb and the plot kept me hooked.",
               "A boring, predictable mess. I walked out after an hour."]:
    seq = keras.utils.pad_sequences([encode(review)], maxlen=MAX_LEN)
    print(f"{model.predict(seq, verbose=0)[0, 0]:.3f}  {review}")

plt.figure(figsize=(10, 4))
for i, metric in enumerate(["loss", "accuracy"]):
    plt.subplot(1, 2, i + 1)
    plt.plot(history.history[metric], label="train")
    plt.plot(history.history["val_" + metric], label="validation")
    plt.title(metric)
    plt.xlabel("epoch")
    plt.legend()
plt.tight_layout()
plt.savefig("imdb_history.png")
