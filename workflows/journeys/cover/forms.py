"""The cover journey's forms: who sends, and what goes to the fax number or the postal box."""
from __future__ import annotations

import re

from flask_babel import LazyString
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice

from ... import administrators
from ...documents import PAPERS
from ...engine import fields as F
from ...engine.fields import Form
from ...engine.i18n import gettext, lazy_gettext as _l

# The administrator's fax number and postal address, read when the page is shown.
FAX_NUMBER = LazyString(lambda: administrators.current().fax.number)
POSTAL_ADDRESS = LazyString(lambda: ", ".join(administrators.current().postal_lines))


def subjects() -> list[SelectChoice]:
    """What can be sent: every registered journey that goes on paper, then "Other"."""
    from .. import registry  # the registry of the app in force, read per form
    return [SelectChoice(slug, LazyString(gettext, w.outputs.paper.title))
            for slug, w in registry().items() if w.outputs.paper] + [SelectChoice("other", _l("Other"))]


class SenderForm(Form):
    name = F.NameField()
    reference = F.ReferenceField()
    phone = F.PhoneField()
    reply_fax = F.PhoneField(_l("Fax number for replies"), "", optional=True, autocomplete="fax tel",
                             hint=_l("Give a fax number or an email address (or both) for %(administrator)s's reply."))
    reply_email = F.EmailField(_l("Email address for replies"), "", optional=True)

    def validate_reply_email(self, field):
        if not field.data and not self.reply_fax.data:
            raise ValidationError(_l("Enter a fax number or an email address for replies"))


class SendingForm(Form):
    # "What it is about" only for "Other", and the paper size only for a fax: post is A4.
    revealed_by = {"other": ("subject", "other"), "paper": ("method", "fax")}

    method = F.RadioChoices(_l("How are you sending it?"), _l("Select fax or post"), [
        SelectChoice("fax", _l("By fax, to %(fax)s", fax=FAX_NUMBER)),
        SelectChoice("post", _l("By post, to %(address)s", address=POSTAL_ADDRESS)),
    ])
    subject = F.RadioChoices(_l("What are you sending?"), _l("Select what you are sending"), subjects)
    other = F.TextField(_l("If other: what it is about"), _l("Enter what the fax or letter is about"),
                        limit=60, hint=_l("A few words, without medical details."))
    pages = F.TextField(_l("How many pages follow this cover?"), _l("Enter the number of pages that follow"),
                        limit=3, hint=_l("Not counting the cover itself."),
                        render_kw={"class": "w-4", "inputmode": "numeric"})
    paper = F.RadioChoices(_l("Paper size"), _l("Select the paper size"), [
        SelectChoice(k, _l(v)) for k, v in PAPERS.items()], hint=_l("Post always uses A4."))
    message = F.ParagraphField(_l("Short message"), "", limit=400, optional="say",
                               hint=_l("Optional. Do not write medical details here: a cover page "
                                    "can be read by anyone near the fax machine."),
                               render_kw={"rows": 3})

    def validate_pages(self, field):
        if field.data and (not re.fullmatch(r"\d{1,3}", field.data) or not 1 <= int(field.data) <= 200):
            raise ValidationError(_l("Number of pages must be a whole number from 1 to 200"))
