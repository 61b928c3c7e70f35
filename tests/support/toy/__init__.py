"""A small journey that only the tests register (JOURNEYS=...,tests.support.toy): a change
of address sent to the claims mailbox. It proves that a journey is one package: its forms,
steps, outputs, templates, sample answers and catalogue, picked up by every generic test."""
from wtforms.fields.choices import SelectChoice

from workflows.documents import Sender
from workflows.engine import Step, Wizard, format_date
from workflows.engine import fields as F
from workflows.engine.fields import DateInputField, Form
from workflows.engine.i18n import N_, lazy_gettext as _l
from workflows.journeys.contract import Document, Email, Finished, Outputs, Paper


class MemberForm(Form):
    full_name = F.NameField(_l("Full name"))
    reference = F.ReferenceField()
    email = F.EmailField()


class AddressForm(Form):
    address = F.ParagraphField(_l("New postal address"), _l("Enter your new postal address"),
                               limit=500, render_kw={"autocomplete": "street-address", "rows": 4})
    since = DateInputField(_l("Living there since"), [F.required(_l("Enter the date you moved"))],
                           description=_l("For example, 27 3 2026"))
    scope = F.RadioChoices(_l("Who moved?"), _l("Select who moved"), [
        SelectChoice("household", _l("The whole family")),
        SelectChoice("member", _l("Only me")),
    ])


def notice_context(f: Finished) -> dict:
    return {"member": f.answers["member"], "address": f.answers["address"],
            "since": format_date(f.answers["address"]["since"])}


def subject(answers) -> str:
    return f"Change of address – {answers['member']['reference']}"


JOURNEY = Wizard(
    slug="address",
    title=_l("Change of address"),
    summary=_l("Tell %(administrator)s your new postal address."),
    reference_prefix="ADR",
    start_hint=_l("Tell %(administrator)s your new postal address, so that letters and cheques "
                  "reach you."),
    steps=[
        Step("member", _l("About you"), MemberForm),
        Step("address", _l("Your new address"), AddressForm),
    ],
    outputs=Outputs(
        document=Document(name=_l("change of address"), item=_l("change of address"),
                          prefix="address", template="toy/notice.html", context=notice_context,
                          qr=lambda f: f"ADDRESS {f.reference}",
                          next_steps=_l("%(administrator)s updates your address."),
                          another_hint=_l("Your own details are kept for the next one.")),
        email=Email(mailbox="claims", subject=subject, template="toy/email.txt",
                    context=notice_context, member=lambda a: a["member"]["email"]),
        paper=Paper(title=N_("Change of address"), subject=lambda a: "Change of address",
                    sender=lambda a: Sender(a["member"]["full_name"], a["member"]["reference"],
                                            reply_email=a["member"]["email"])),
    ),
)
