"""``tf.errors``: the exception classes user scripts catch, with TensorFlow's hierarchy.

Keras 3 raises ``ValueError`` for shape errors on every backend; these classes exist so that a
fixture's ``except tf.errors.InvalidArgumentError`` resolves, exactly as it would with TF installed
(where such a clause does not catch Keras' ``ValueError`` either).
"""

from __future__ import annotations


class OpError(Exception):
    def __init__(self, node_def: object = None, op: object = None, message: str = "", *args: object) -> None:
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message


class InvalidArgumentError(OpError):
    pass


class ResourceExhaustedError(OpError):
    pass


class OutOfRangeError(OpError):
    pass


class NotFoundError(OpError):
    pass


class UnimplementedError(OpError):
    pass


class FailedPreconditionError(OpError):
    pass


class InternalError(OpError):
    pass


class AbortedError(OpError):
    pass


class UnknownError(OpError):
    pass
