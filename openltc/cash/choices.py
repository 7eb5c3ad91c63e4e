"""The states and codes of the cash app (开票回款), each with what it means in the business."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class InvoiceKind(models.TextChoices):
    # A sales invoice raised against billable receivable plan lines; adds to what is billed.
    INVOICE = "invoice", _("Invoice")
    # A credit note correcting an issued invoice; takes back part of what was billed.
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceStatus(models.TextChoices):
    # Issued to the customer and (partly) unpaid: counts in receivables and aging.
    OPEN = "open", _("Open")
    # Fully settled by allocated receipts, credit notes and approved write-offs.
    SETTLED = "settled", _("Settled")


class ReceiptStatus(models.TextChoices):
    # Money received and booked; its amount may be allocated to invoices.
    RECEIVED = "received", _("Received")
    # Booked in error or bounced: reversed with a reason, its allocations are undone.
    REVERSED = "reversed", _("Reversed")


class DunningLevel(models.IntegerChoices):
    """How firmly the customer is chased (催款级别); each level is a step up."""

    REMINDER = 1, _("1 · Friendly reminder")
    NOTICE = 2, _("2 · Formal payment notice")
    FINAL_DEMAND = 3, _("3 · Final demand")
    LEGAL = 4, _("4 · Handed to legal")


class CollectionChannel(models.TextChoices):
    CALL = "call", _("Phone call")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Reconciliation meeting")


class DisputeReason(models.TextChoices):
    """Why the customer does not pay (the reason codes of the dispute matrix, §12)."""

    PAYMENT_TERMS = "payment_terms", _("Payment terms")
    DELIVERY_DELAY = "delivery_delay", _("Delivery delay")
    QUALITY = "quality", _("Quality")
    SCOPE_CHANGE = "scope_change", _("Scope change")
    INVOICE_ERROR = "invoice_error", _("Invoice error")
    OTHER = "other", _("Other")


class DisputeStatus(models.TextChoices):
    # Raised and being worked on by its owner; the invoice is formally in dispute.
    OPEN = "open", _("Open")
    # Settled with the customer (by payment, credit note or agreement).
    RESOLVED = "resolved", _("Resolved")
    # Raised in error and withdrawn.
    WITHDRAWN = "withdrawn", _("Withdrawn")


class WriteOffStatus(models.TextChoices):
    # Asked for by AR or finance; waits for a finance approver other than the requester.
    REQUESTED = "requested", _("Requested")
    # Approved: the amount is no longer receivable (bad debt).
    APPROVED = "approved", _("Approved")
    # Refused by the approver with a reason; the amount stays receivable.
    REJECTED = "rejected", _("Rejected")


# Labels of the default aging buckets (rows the data migration writes; shown translated).
DEFAULT_BUCKET_LABELS = [gettext_noop("Not due")]
