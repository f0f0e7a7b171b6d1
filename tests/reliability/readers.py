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


def spin(path, *, max_bytes):
    """A reader stuck in a loop that uses the CPU (no sleep): only a signal ends it."""
    while True:
        pass


def hang_in_temp(path, *, max_bytes):
    """A reader that makes its temporary folder (as the OCR of a member does), says where,
    and hangs."""
    import tempfile

    folder = tempfile.mkdtemp(prefix="ds-member-")
    with open(path, "w") as f:
        f.write(folder)
    while True:
        time.sleep(0.01)
