"""Why a message went, or did not, as the outbox keeps it: English, translated on the page
(web.filters.outcome_reason), with an SMTP code or error name in brackets after it."""
from ..engine.i18n import N_

# Outcomes the app cannot be sure of: never retried blindly, told as they are.
UNCONFIRMED = N_("the whole message went to the mail server, which did not confirm it in time, "
                 "so it may have been sent")
INTERRUPTED = N_("sending was interrupted before its outcome was noted, so it may have been sent")
# The two half-deliveries, said plainly on the page (translated there, like every reason).
ONLY_THE_COPY_SENT = N_("the mail server refused the address of %(administrator_name)s: only your copy was sent")
NO_COPY_SENT = N_("the mail server refused your address, so no copy was sent to you")
