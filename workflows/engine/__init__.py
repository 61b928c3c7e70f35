"""The generic wizard engine: steps, the wizard that runs them, answers and how they read.

A journey imports what it needs from here (and `fields` for its forms); nothing in the
engine knows a journey, an administrator, HTTP or storage.
"""
from .answers import Answers, Caution, Condition, Notice, Row, answer, when
from .display import (choice_label, display, form_answers, format_amount, format_date,
                      format_money, visible_fields)
from .remember import Remember
from .steps import ListStep, ListTexts, Step, UploadStep
from .wizard import RESERVED, Wizard

__all__ = [
    "Answers", "Caution", "Condition", "Notice", "ListStep", "Remember", "ListTexts", "RESERVED", "Row", "Step", "UploadStep",
    "Wizard", "answer", "choice_label", "display", "form_answers", "format_amount",
    "format_date", "format_money", "visible_fields", "when",
]
