"""What the service's operator runs: the `flask` commands (commands.py), and the reminders
round they share with the background loop (reminders.py)."""
from .commands import register
from .reminders import send_due as send_reminders

__all__ = ["register", "send_reminders"]
