"""The fax or postal cover sheet journey, for pages members send themselves."""
from ...engine import Remember, Step, Wizard
from ...engine.i18n import lazy_gettext as _l
from .forms import SenderForm, SendingForm
from .outputs import OUTPUTS

JOURNEY = Wizard(
    slug="cover",
    title=_l("Fax or postal cover sheet"),
    summary=_l("A cover sheet for pages you fax or post yourself, with the right page count. "
               "Claims and guarantee requests made here offer their own, ready to print."),
    reference_prefix="COV",
    start_hint=_l("A cover page for documents you fax or post to %(administrator_name)s, with "
                  "the right page count and your personal reference number."),
    steps=[
        Step("sender", _l("About you"), SenderForm),
        Step("sending", _l("What you are sending"), SendingForm),
    ],
    outputs=OUTPUTS,
    remembers=(Remember("details", {"sender": {"name": "name", "reference": "reference", "phone": "phone",
                                               "reply_email": "email"}}),),
)
