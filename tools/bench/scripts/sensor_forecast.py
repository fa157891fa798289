# Air-quality sensor data: cleaning, daily features, plots, and a small forecasting model.
# Data: one CSV per station in data/stations/, columns timestamp,pm25,pm10,temp,humidity,wind

import glob
import os
from datetime import datetime

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tensorflow import keras
from tensorflow.keras import layers

DATA_DIR = "data/stations"
WINDOW = 24          # hours of history the model sees
HORIZON = 6          # hours ahead to predict
FEATURES = ["pm25", "pm10", "temp", "humidity", "wind"]
plt.style.use("seaborn-v0_8")

# ----- load ----------------------------------------------------------------
frames = []
for path in sorted(glob.glob(os.path.join(DATA_DIR, "*.csv"))):
    station = os.path.basename(path).replace(".csv", "")
    df = pd.read_csv(path, parse_dates=["timestamp"])
    df["station"] = station
    frames.append(df)
    print(f"{station}: {len(df)} rows, {df['timestamp'].min()} -> {df['timestamp'].max()}")

data = pd.concat(frames, ignore_index=True)
data = data.sort_values(["station", "timestamp"]).reset_index(drop=True)
print(data.describe())

# ----- clean ---------------------------------------------------------------
# sensors report -999 when they fail; negative concentrations are impossible
for col in FEATURES:
    data.loc[data[col] <= -999, col] = np.nan
data.loc[data["pm25"] < 0, "pm25"] = np.nan
data.loc[data["pm10"] < 0, "pm10"] = np.nan

missing = data[FEATURES].isna().mean() * 100
for col, pct in missing.items():
    print(f"missing {col}: {pct:.1f}%")

cleaned = []
for station, group in data.groupby("station"):
    group = group.set_index("timestamp").resample("1h").mean(numeric_only=True)
    group = group.interpolate(limit=3)
    group["station"] = station
    cleaned.append(group.dropna())
data = pd.concat(cleaned)

# ----- daily statistics ----------------------------------------------------
daily = data.groupby("station").resample("1D").agg({"pm25": ["mean", "max"], "temp": "mean"})
daily.columns = ["pm25_mean", "pm25_max", "temp_mean"]
daily = daily.reset_index()

exceedances = {}
for station, group in daily.groupby("station"):
    days_over = 0
    longest, current = 0, 0
    for value in group["pm25_mean"].values:
        if value > 25:
            days_over += 1
            current += 1
            longest = max(longest, current)
        else:
            current = 0
    exceedances[station] = (days_over, longest)
    print(f"{station}: {days_over} days over 25 ug/m3, longest streak {longest} days")

# hour-of-day profile
profile = np.zeros((24, len(FEATURES)))
counts = np.zeros(24)
for ts, row in data[FEATURES].iterrows():
    h = ts.hour
    profile[h] += row.values
    counts[h] += 1
profile = profile / np.maximum(counts, 1)[:, None]

fig, axes = plt.subplots(2, 2, figsize=(14, 9))
for station, group in daily.groupby("station"):
    axes[0, 0].plot(group["timestamp"], group["pm25_mean"], label=station, lw=1)
axes[0, 0].axhline(25, color="red", ls="--", label="WHO daily limit")
axes[0, 0].set_title("Daily mean PM2.5")
axes[0, 0].legend(fontsize=8)

axes[0, 1].plot(range(24), profile[:, 0], marker="o")
axes[0, 1].set_title("PM2.5 by hour of day")
axes[0, 1].set_xlabel("hour")

axes[1, 0].scatter(daily["temp_mean"], daily["pm25_mean"], s=5, alpha=0.5)
axes[1, 0].set_xlabel("temperature")
axes[1, 0].set_ylabel("PM2.5")
axes[1, 0].set_title("Temperature vs PM2.5")

names = list(exceedances.keys())
axes[1, 1].bar(names, [exceedances[n][0] for n in names])
axes[1, 1].set_title("Days over the limit")
axes[1, 1].tick_params(axis="x", rotation=45)
plt.tight_layout()
plt.savefig("overview.png")
plt.close()

# ----- windows for the model ---------------------------------------------
def make_windows(values, window=WINDOW, horizon=HORIZON):
    X, y = [], []
    for i in range(len(values) - window - horizon + 1):
        X.append(values[i:i + window])
        y.append(values[i + window:i + window + horizon, 0])  # pm25 only
    return np.array(X), np.array(y)


X_parts, y_parts = [], []
for station, group in data.groupby("station"):
    values = group[FEATURES].values.astype("float32")
    X_s, y_s = make_windows(values)
    X_parts.append(X_s)
    y_parts.append(y_s)
X = np.concatenate(X_parts)
y = np.concatenate(y_parts)

# normalise with training statistics only
split = int(len(X) * 0.8)
mu = X[:split].reshape(-1, len(FEATURES)).mean(axis=0)
sigma = X[:split].reshape(-1, len(FEATURES)).std(axis=0) + 1e-6
X = (X - mu) / sigma
y = (y - mu[0]) / sigma[0]
X_train, X_val = X[:split], X[split:]
y_train, y_val = y[:split], y[split:]
print("train:", X_train.shape, y_train.shape, "val:", X_val.shape, y_val.shape)

# ----- model ---------------------------------------------------------------
model = keras.Sequential([
    layers.Input(shape=(WINDOW, len(FEATURES))),
    layers.Conv1D(32, kernel_size=3, activation="relu"),
    layers.Conv1D(32, kernel_size=3, activation="relu"),
    layers.LSTM(64),
    layers.Dense(32, activation="relu"),
    layers.Dense(HORIZON),
])
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
model.summary()

history = model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=30, batch_size=128,
                    callbacks=[keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)])

pred = model.predict(X_val[:500]) * sigma[0] + mu[0]
true = y_val[:500] * sigma[0] + mu[0]
mae_by_horizon = np.abs(pred - true).mean(axis=0)
for h, mae in enumerate(mae_by_horizon, start=1):
    print(f"t+{h}h MAE: {mae:.2f}")

plt.figure(figsize=(12, 4))
plt.subplot(1, 2, 1)
plt.plot(history.history["loss"], label="train")
plt.plot(history.history["val_loss"], label="val")
plt.legend()
plt.title("loss")
plt.subplot(1, 2, 2)
plt.plot(true[:200, 0], label="observed")
plt.plot(pred[:200, 0], label="forecast t+1h")
plt.legend()
plt.title("PM2.5 forecast")
plt.savefig(f"forecast_{datetime.now():%Y%m%d}.png")
