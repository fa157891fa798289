"""Shape Lens: tensor-shape errors in Keras and PyTorch models, found from the source alone."""

__version__ = "0.1.0"
