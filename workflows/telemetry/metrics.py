"""What the app counts, for Prometheus (prometheus_client).

Every label value comes from a fixed set the code defines: route templates (the URL rule,
never the path), methods, statuses, document templates, outcome and reason codes. Nothing a
member typed, and no reference or address, ever becomes a label.

Under gunicorn each worker writes its counts to files in PROMETHEUS_MULTIPROC_DIR
(prometheus_client's multiprocess mode, set up by gunicorn.conf.py) and a scrape adds up
every process's files; without that directory the counts are this process's own.
"""
from __future__ import annotations

import os

from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter,
                               Histogram, generate_latest, multiprocess)

# Every metric has labels: a labelled metric writes nothing until it is counted, so processes
# that only import this module (the PDF renderer, gunicorn's master) leave no files behind.
REQUESTS = Counter("mip_http_requests", "HTTP requests answered, by route template and status",
                   ["method", "route", "status"])
REQUEST_SECONDS = Histogram("mip_http_request_duration_seconds",
                            "Time from the request's arrival to the end of its response",
                            ["method", "route"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
PDF_RENDERS = Counter("mip_pdf_renders", "PDFs laid out, by document template", ["template"])
PDF_SECONDS = Histogram("mip_pdf_render_duration_seconds", "Time one PDF took to lay out",
                        ["template"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
PDF_FAILURES = Counter("mip_pdf_render_failures", "PDFs not made, by reason (timeout, document, error)",
                       ["template", "reason"])
MAIL_QUEUED = Counter("mip_mail_queued", "Messages put in the outbox", ["purpose"])
# sent, written (the local outbox folder), retry (queued for another try), failed,
# uncertain (may have been sent; never retried by itself)
MAIL_ATTEMPTS = Counter("mip_mail_attempts", "Delivery attempts, by outcome", ["outcome"])
RATE_LIMITED = Counter("mip_rate_limit_refusals", "Requests refused by a rate limit", ["limit"])
UPLOADS_REFUSED = Counter("mip_uploads_refused", "Uploaded files refused, by reason code", ["reason"])

# The reasons an upload is refused (UPLOADS_REFUSED's label): what intake found, or a limit.
UPLOAD_REASONS = frozenset({
    "empty", "too_large", "not_pdf_or_image", "image_too_large", "image_unreadable",
    "pdf_password", "pdf_too_many_pages", "pdf_too_complex", "pdf_unreadable", "pdf_no_pages",
    "rate_limited", "draft_full", "too_many_files", "request_too_large", "gone",
})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    return method if method in METHODS else "other"


def upload_refused(reason: str) -> None:
    UPLOADS_REFUSED.labels(reason if reason in UPLOAD_REASONS else "other").inc()


def exposition() -> tuple[bytes, str]:
    """The text a scrape gets: every process's counts in multiprocess mode, else this one's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
