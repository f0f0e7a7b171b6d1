"""Answering a query: the typed requests, the query analyzed once, rank and fusion over
the word, vector and picture indexes, and the preview of a hit in its file."""
from desktop_search.core.search.pictures import merge_pictures, picture_hits
from desktop_search.core.search.question import Question, ask
from desktop_search.core.search.rank import fuse, rank
from desktop_search.core.search.request import Filters, Hit, SearchRequest, SimilarTo, TextQuery

__all__ = ["Filters", "Hit", "Question", "SearchRequest", "SimilarTo", "TextQuery", "ask", "fuse",
           "merge_pictures", "picture_hits", "rank"]
