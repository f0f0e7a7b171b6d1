"""The catalog's small facts (its ``meta`` table): one name for each, read and written
through ``Library.meta`` / ``Library.set_meta`` (the store's own tables use the catalog's
raw accessor with these names too)."""
from __future__ import annotations

import enum


class Meta(str, enum.Enum):
    MODEL_ID = "model_id"                    # the model the stored vectors were made with
    DIM = "dim"
    NEXT_MODEL_ID = "next_model_id"          # a model switch under way
    NEXT_DIM = "next_dim"
    PICTURE_MODEL = "picture_model"          # the picture vectors' model
    PICTURE_DIM = "picture_dim"
    VECTOR_GENERATION = "vector_generation"  # moves with what the vector index must hold
    AUTO_MODEL = "auto_model"                # the model chosen for these files ...
    AUTO_REASON = "auto_reason"              # ... and why, in plain words
    LANGUAGE_PROFILE = "language_profile"    # the collection's languages, last measured


#: a root's key prefix: the mount it was last seen on (``Library.root_mount``)
MOUNT_PREFIX = "mount:"
