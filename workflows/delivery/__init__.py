"""Getting a finished journey to the administrator: a `Letter` as a mailto: link, an .eml
draft, or sent for the member by the `Postman` through the outbox."""
from .letter import HeaderError, Letter, build_message, check_header, eml_bytes, mailto_href
from .postman import Outcome, Postman
from .reasons import NO_COPY_SENT, ONLY_THE_COPY_SENT

__all__ = ["HeaderError", "Letter", "NO_COPY_SENT", "ONLY_THE_COPY_SENT", "Outcome", "Postman",
           "build_message", "check_header", "eml_bytes", "mailto_href"]
