"""The hospital guarantee-of-payment journey: who writes, member and patient, admission,
hospital, medical details, attachments; a request for the administrator's admissions mailbox."""
from ...delivery.reminders import CALL, FollowUp
from ...engine import Remember, Step, UploadStep, Wizard, answer, when
from ...engine import fields as F
from ...engine.i18n import N_, lazy_gettext as _l
from .forms import AdmissionForm, ConsentForm, HospitalForm, MedicalForm, PatientForm, WriterForm
from .outputs import OUTPUTS
from .rules import notices

JOURNEY = Wizard(
    slug="guarantee",
    title=_l("Hospital guarantee of payment"),
    summary=_l("Before a hospital admission, or just after an emergency one: ask "
               "%(administrator_name)s to guarantee payment of the stay. The member, a relative or "
               "hospital staff can fill it in."),
    reference_prefix="GOP",
    start_hint=_l("Ask %(administrator_name)s to guarantee payment of a hospital stay. The member, "
                  "a family member or hospital staff can fill this in. It takes a few minutes."),
    notices=notices,
    steps=[
        Step("writer", _l("About you"), WriterForm),
        Step("patient", _l("Member and patient"), PatientForm),
        Step("admission", _l("The admission"), AdmissionForm),
        Step("hospital", _l("The hospital"), HospitalForm),
        Step("medical", _l("Medical details"), MedicalForm,
             defaults=lambda a: {"currency": F.currency_for_country(answer("hospital", "country")(a))}),
        Step("consent", _l("The patient's agreement"), ConsentForm,
             show_if=when("writer", "role", "family", "hospital")),
        UploadStep("attachments", _l("Attachments"), min_files=0, noun="document",
                   kinds=(("doctor-letter", N_("Doctor's letter")), ("estimate", N_("Hospital cost estimate")),
                          ("other", N_("Other document"))),
                   hint=_l("Optional: the doctor's letter and the hospital's cost estimate help "
                           "%(administrator)s decide quickly. PDF, or photos as JPG, PNG or HEIC.")),
    ],
    outputs=OUTPUTS,
    about=answer("patient", "patient_name"),
    # The member's name and number, kept from (and for) any journey (engine/saved.py).
    remembers=(Remember("details", {"patient": {"member_name": "name", "reference": "reference"}}),),
    # No reply recorded after the plan's hours: a reminder to call, with the numbers.
    follow_up=FollowUp(CALL, N_("request for a guarantee of payment")),
)
