"""The Keras 2 oracle: tf_keras 2.21 on tensorflow-cpu 2.21, in its own cached environment.

``requirements.txt``  what ``make keras2-oracle`` installs into ``.venv-keras2/`` (once; a stamp keyed by it)
``keras2_truth.py``    the harness that environment runs: executes fixtures the Keras 2 way, reports JSON
``runner.py``          runs the harness from the test process, caching each fixture's outcome
``markers.py``         the per-version expectation comments of ``tests/fixtures/keras2``

Nothing here is imported by the product.
"""
