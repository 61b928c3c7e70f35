"""What operators see: health, Prometheus counts, JSON log lines with request ids. A leaf
package: it knows no journey, no store and no web page; the layers above report to it."""
from . import metrics
from .logs import event, install as install_logging, reference_hash
from .middleware import ENVIRON_ID, ENVIRON_ROUTE, RequestTelemetry

__all__ = ["ENVIRON_ID", "ENVIRON_ROUTE", "RequestTelemetry", "event", "install_logging",
           "metrics", "reference_hash"]
