"""The claim reimbursement journey: member, patient, treatment, expenses, payment,
receipts, declaration; the claim packet for the administrator's claims mailbox."""
from ...engine import Wizard
from ...delivery.reminders import SILENT, FollowUp
from ...engine.i18n import N_, lazy_gettext as _l
from .forms import DeclarationForm
from .outputs import OUTPUTS
from . import duplicates, proofs
from .rules import deadline_notices, due_soon, missing_on_page
from .steps import REMEMBERS, STEPS, carry_over, patient

JOURNEY = Wizard(
    slug="claim",
    title=_l("Claim reimbursement"),
    summary=_l("Medical and dental expenses you have paid: get a claim packet with your "
               "receipts, and send it by email."),
    reference_prefix="CLM",
    start_hint=_l("One claim covers one patient. Have your receipts and bank details ready."),
    steps=STEPS,
    declaration=DeclarationForm,
    outputs=OUTPUTS,
    carry_over=carry_over,
    remembers=REMEMBERS,
    # The patient, once the member has said who it is.
    about=lambda answers: patient(answers)["name"] if "patient" in answers else None,
    notices=deadline_notices,
    missing=missing_on_page,
    cautions=lambda a: duplicates.cautions(a) + proofs.cautions(a),
    history_cautions=duplicates.earlier_cautions,
    due_soon=due_soon,
    # No answer recorded after the plan's business days: a reminder with a ready email.
    follow_up=FollowUp(SILENT, N_("claim for reimbursement"), mailbox="claims"),
)
