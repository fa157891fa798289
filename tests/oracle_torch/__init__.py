"""The PyTorch oracle: fixture scripts run by real torch, and the engine held to what torch did."""
