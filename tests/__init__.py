"""Importing the app (app.py makes `app = create_app()`) creates the instance folder's
generated files the first time: secret.key, draft-encryption.key and a SQLite database.
Test runs that start together (the SQLite and PostgreSQL runs of `./dev test` go side by
side) could each find them missing and write them at once, one reading a key file the
other has only just truncated. So a run's first import of the app takes turns with other
runs', under an exclusive lock on a file in that folder. pytest-xdist's workers need no
turn: their run's controller imported this package, and the app, before starting them."""
import fcntl
import importlib
import os
from pathlib import Path

if "PYTEST_XDIST_WORKER" not in os.environ:
    _instance = Path(__file__).resolve().parent.parent / "instance"
    _instance.mkdir(exist_ok=True)
    with open(_instance / ".first-import.lock", "a") as _lock:
        fcntl.flock(_lock, fcntl.LOCK_EX)
        importlib.import_module("app")  # the lock goes when the file closes
