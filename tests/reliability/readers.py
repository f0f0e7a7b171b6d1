"""Misbehaving readers, run inside the sandbox child by the reliability tests."""
import time


def hang(path, *, max_bytes):
    while True:
        time.sleep(0.01)


def hog(path, *, max_bytes):
    blocks = []
    while True:
        blocks.append(bytearray(256 * 2**20))


def crash(path, *, max_bytes):
    import os

    os._exit(3)


def echo(path, *, max_bytes):
    from desktop_search.core.extract import extract

    return extract(path, max_bytes=max_bytes)
