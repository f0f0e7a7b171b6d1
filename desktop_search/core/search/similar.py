"""More like this: the files (and documents inside files) near one document, by its
passages' mean vector, and for a picture the pictures that look like it."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from desktop_search.core.extract import PICTURE_KIND
from desktop_search.core.search.pictures import merge_pictures, similar_pictures
from desktop_search.core.search.rank import rank
from desktop_search.core.search.request import Filters, Hit
from desktop_search.core.store import OCR_DONE, FileRow

if TYPE_CHECKING:
    from desktop_search.core.store import Library
    from desktop_search.core.store.picture_index import PictureIndex
    from desktop_search.core.store.vector_index import VectorIndex


def more_like_this(*, library: Library, row: FileRow, vectors: VectorIndex,
                   pictures: PictureIndex | None, k: int, filters: Filters | None) -> list[Hit]:
    """Hits near the document ``row``; ``pictures`` (the picture index, for a picture)
    adds the pictures that look like it."""
    ids = [c.id for c in library.chunks_of_file(row.id)]
    _, v = library.vector_rows.of(ids)
    hits: list[Hit] = []
    # a picture without words has only its caption ("Picture · camera · date"): alike
    # for every picture, so its neighbours by text say nothing
    captioned = row.kind == PICTURE_KIND and row.ocr != OCR_DONE
    if len(v) and not captioned:
        centroid = v.astype(np.float32).mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        hits = rank(library=library, query="", query_vec=centroid, vectors=vectors, k=k,
                    filters=filters, exclude_file=row.id, use_lexical=False)
    if pictures is not None:
        # a picture: the pictures that look like it
        pics = similar_pictures(pictures, catalog=library.catalog, file_id=row.id, k=k,
                                filters=filters)
        hits = merge_pictures(hits, pics, k=k, weight=1.0)
    return hits
