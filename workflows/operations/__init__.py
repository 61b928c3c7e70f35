"""What the service's operator runs: the `flask` commands (commands.py)."""
from .commands import register

__all__ = ["register"]
