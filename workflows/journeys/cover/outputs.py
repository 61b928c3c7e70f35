"""The cover journey produces a cover sheet or letter of its own, nothing to email."""
from __future__ import annotations

from ...documents import Sender, fax_cover, postal_letter
from ...engine import Answers, answer
from ...engine.i18n import lazy_gettext as _l
from .. import registry
from ..contract import Document, Finished, Outputs


def subject_line(answers: Answers) -> str:
    """In English, for the administrator: the journey's paper title, or what was typed."""
    kind = answer("sending", "subject")(answers)
    if kind == "other":
        return answer("sending", "other")(answers)
    found = registry().get(kind)
    return found.outputs.paper.title if found is not None and found.outputs.paper else ""


def sender_of(answers: Answers) -> Sender:
    s = answers["sender"]
    return Sender(s["name"], s["reference"], s["phone"], s.get("reply_fax") or "",
                  s.get("reply_email") or "")


def standalone_cover(f: Finished) -> bytes:
    answers, reference, administrator = f.answers, f.reference, f.administrator
    sending = answers["sending"]
    pages = int(sending["pages"])
    if sending["method"] == "post":
        return postal_letter(sender_of(answers), subject_line(answers),
                             [f"{pages} page{'s' if pages != 1 else ''}"],
                             message=sending.get("message") or "", reference=reference,
                             administrator=administrator)
    return fax_cover(sender_of(answers), subject_line(answers), pages, sending["paper"],
                     message=sending.get("message") or "", reference=reference,
                     administrator=administrator)


def history(answers: Answers) -> dict:
    """The member's history keeps what the cover sheet went with (no names, no amounts)."""
    how = "Fax cover sheet" if answer("sending", "method")(answers) != "post" else "Postal letter"
    subject = subject_line(answers)
    return {"title": f"{how}: {subject}" if subject else how}


OUTPUTS = Outputs(
    document=Document(
        name=_l("cover sheet"),
        item=_l("cover sheet"),
        prefix="cover",
        render=standalone_cover,
        next_steps=_l("Print the cover sheet and put it on top of your pages."),
        another_hint=_l("Your own details are kept for the next cover sheet."),
    ),
    history=history,
)
