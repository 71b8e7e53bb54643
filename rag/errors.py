"""The service's error hierarchy: every failure a user can cause or meet has a class here.

The HTTP layer maps ``InputError`` to 4xx and the CLI prints ``RagError`` messages without a
stack trace, so a message must say what is wrong and what to do about it.
"""


class RagError(Exception):
    """Base class of every error the service raises on purpose."""


class InputError(RagError):
    """The caller asked for something malformed (empty question, bad date, bad path)."""


class NotFoundError(InputError):
    """The caller named something that does not exist (an article id, an index)."""


class ModelError(RagError):
    """The embedding model cannot be provisioned or loaded."""


class IndexStoreError(RagError):
    """The on-disk index is missing, corrupt, or incompatible with the current settings."""


class IncompatibleIndexError(IndexStoreError):
    """The index was built with another model, chunking or format version."""


class MissingDependencyError(RagError):
    """An optional part was asked for and its package is not installed."""


class ClusterError(RagError):
    """A build on a cluster failed on its workers (one could not start, or its task failed)."""
