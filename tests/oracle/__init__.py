"""The Keras oracle: run fixture scripts with real Keras 3 and hold the engine to what Keras does.

``corpus``       the fixture files and their ``# expect-error`` / ``# expect-warning`` markers
``keras_truth``  executes a fixture under Keras 3 and records every layer application it built
``engine_view``  the engine's public JSON output, grouped the same way
``datasets``     offline stand-ins for ``keras.datasets`` loaders: zero arrays of the documented shapes
``command_line`` the script runs with no command-line arguments (argparse gives its defaults)
``shims/``       a ``tensorflow`` package for fixtures that ``import tensorflow as tf``

Nothing here is imported by the product; Keras and torch are test-only dependencies.
"""
