"""Fixed vocabularies of contracts (ltc-domain §10.2, §10.3). What a company tunes (which
departments countersign, in which order) lives in ``CountersignDepartment`` rows; the
payment-risk thresholds live in the ``OPENLTC_CONTRACT_PAYMENT_RISK`` setting."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractKind(models.TextChoices):
    """What sort of agreement the record is (§10.2: prefer a frame contract with small POs)."""

    # 普通合同: one contract with its own lines, price and payment terms.
    STANDARD = "standard", _("Standard contract")
    # 框架合同: agreed terms and prices; the customer orders against it with purchase orders.
    FRAME = "frame", _("Frame contract")
    # 采购订单: one customer PO under a frame contract; fulfilment is managed per PO.
    PURCHASE_ORDER = "purchase_order", _("Purchase order (PO)")


class ContractStatus(models.TextChoices):
    """Where a contract stands in its lifecycle. The order of the members is the lifecycle order;
    which move is allowed, and what blocks it, lives in ``workflow.py`` only."""

    # 起草: the contract manager and the AR draft the text, lines and payment terms.
    DRAFT = "draft", _("Draft")
    # 合同评审: legal, finance, delivery and credit give their opinions (recommendation only).
    UNDER_REVIEW = "under_review", _("Under contract review (合同评审)")
    # 待签约决策: the review is complete; the SDT decides at the ATC gate whether we sign.
    AWAITING_ATC = "awaiting_atc", _("Awaiting ATC decision (签约决策)")
    # 会签: ATC approved; the configured departments sign off the final text.
    COUNTERSIGN = "countersign", _("Countersign (会签)")
    # 盖章: seal requested; the authorised signatory signs and the company seal is applied.
    SEAL = "seal", _("Seal (盖章)")
    # 已签订: signed by both parties; the signed text is the reference for delivery and billing.
    SIGNED = "signed", _("Signed")
    # 已归档: the original and its scan are filed with their metadata; the content is immutable.
    ARCHIVED = "archived", _("Archived (归档)")
    # 执行中: received and confirmed (接收和确认); delivery and billing work on it.
    EXECUTING = "executing", _("Executing")
    # 已关闭: obligations delivered, invoiced and collected; closed through ATCC.
    CLOSED = "closed", _("Closed")
    # 已撤回: withdrawn before signature, with the reason recorded.
    WITHDRAWN = "withdrawn", _("Withdrawn")


PRE_SIGNATURE_STATUSES: tuple[str, ...] = (
    ContractStatus.DRAFT,
    ContractStatus.UNDER_REVIEW,
    ContractStatus.AWAITING_ATC,
    ContractStatus.COUNTERSIGN,
    ContractStatus.SEAL,
)
TERMINAL_STATUSES: tuple[str, ...] = (ContractStatus.CLOSED, ContractStatus.WITHDRAWN)


class VersionStatus(models.TextChoices):
    """The state of one version of a contract's content (header, lines, milestones)."""

    # 草稿: the only editable state; the contract's content is being drafted or reworked.
    DRAFT = "draft", _("Draft (editable)")
    # 已锁定: submitted for review; reviewed, decided, countersigned and sealed as it is.
    LOCKED = "locked", _("Locked for review and signing")
    # 已签订: the signed text; delivery and billing use it.
    SIGNED = "signed", _("Signed")
    # 已归档: signed and filed; immutable.
    ARCHIVED = "archived", _("Archived")
    # 已被取代: a newer version replaced it; kept unchanged for comparison and audit.
    SUPERSEDED = "superseded", _("Superseded")
    # 已作废: the amendment of a withdrawn change request; never signed, kept for the record.
    DISCARDED = "discarded", _("Discarded (change withdrawn)")


FROZEN_VERSION_STATUSES: tuple[str, ...] = (
    VersionStatus.LOCKED,
    VersionStatus.SIGNED,
    VersionStatus.ARCHIVED,
    VersionStatus.SUPERSEDED,
    VersionStatus.DISCARDED,
)


class ChangeStatus(models.TextChoices):
    """A change request (合同/PO变更) on a signed contract. The order is the lifecycle order;
    which move is allowed, and what blocks it, lives in ``workflow.py``."""

    # 变更起草: the reason, the impacts and the amended content (a draft version) are prepared.
    DRAFT = "draft", _("Change being drafted")
    # 变更方案评审与ATAC决策: the amendment is frozen; reviewers give opinions and the SDT decides.
    IN_DECISION = "in_decision", _("Change review and ATAC decision")
    # 变更协议已签订: the amendment is the current version; the agreement still has to be filed.
    SIGNED = "signed", _("Change agreement signed (变更协议)")
    # 已归档: the signed change agreement is filed; the change is complete.
    ARCHIVED = "archived", _("Change agreement archived")
    # 已撤回: withdrawn (or refused at ATAC) with the reason; the amendment is discarded.
    WITHDRAWN = "withdrawn", _("Withdrawn")


# A contract has at most one change request in these statuses.
OPEN_CHANGE_STATUSES: tuple[str, ...] = (ChangeStatus.DRAFT, ChangeStatus.IN_DECISION, ChangeStatus.SIGNED)
# Change requests may be raised on a contract in these statuses.
CHANGEABLE_CONTRACT_STATUSES: tuple[str, ...] = (
    ContractStatus.SIGNED,
    ContractStatus.ARCHIVED,
    ContractStatus.EXECUTING,
)


class LineKind(models.TextChoices):
    """What a contract line sells."""

    # 产品: hardware, software licences or other goods.
    PRODUCT = "product", _("Product")
    # 服务: installation, integration, training, maintenance and other services.
    SERVICE = "service", _("Service")


class MilestoneKind(models.TextChoices):
    """The kind of payment milestone (§10.3: collect by visible progress)."""

    # 预付款: paid on signature, before any delivery.
    ADVANCE = "advance", _("Advance payment (预付款)")
    # 发货款: due when the goods are shipped.
    SHIPMENT = "shipment", _("Shipment (发货)")
    # 安装款: due when installation is complete.
    INSTALLATION = "installation", _("Installation (安装)")
    # 初验款: due on the customer's preliminary acceptance.
    PRELIMINARY_ACCEPTANCE = "preliminary_acceptance", _("Preliminary acceptance (初验)")
    # 终验款: due on the customer's final acceptance.
    FINAL_ACCEPTANCE = "final_acceptance", _("Final acceptance (终验)")
    # 质保金: retention held until the warranty period ends.
    RETENTION = "retention", _("Retention / warranty (质保金)")
    # 其他: any other agreed payment point.
    CUSTOM = "custom", _("Custom")


class TriggerEvent(models.TextChoices):
    """The event that starts a milestone's payment clock (due date = event date + due days)."""

    SIGNATURE = "signature", _("Contract signature")
    SHIPMENT = "shipment", _("Shipment")
    INSTALLATION = "installation", _("Installation complete")
    PRELIMINARY_ACCEPTANCE = "preliminary_acceptance", _("Preliminary acceptance (初验)")
    FINAL_ACCEPTANCE = "final_acceptance", _("Final acceptance (终验)")
    WARRANTY_END = "warranty_end", _("End of warranty")
    INVOICE = "invoice", _("Invoice date")
    CUSTOM = "custom", _("Other event")


# Money due on these events is exposed to acceptance and warranty risk (late cash).
LATE_TRIGGERS: tuple[str, ...] = (TriggerEvent.FINAL_ACCEPTANCE, TriggerEvent.WARRANTY_END)


class PaymentRisk(models.TextChoices):
    """Payment-term risk derived from the milestones (share of the total due late)."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ReviewFunction(models.TextChoices):
    """The functions that give an opinion in the contract review (合同评审)."""

    # Contract terms, liabilities, compliance.
    LEGAL = "legal", _("Legal")
    # Margin, payment terms, cash flow.
    FINANCE = "finance", _("Finance")
    # Deliverability, delivery obligations, schedule.
    DELIVERY = "delivery", _("Delivery")
    # Customer credit and payment ability.
    CREDIT = "credit", _("Credit")


REQUIRED_REVIEW_FUNCTIONS: tuple[str, ...] = (
    ReviewFunction.LEGAL,
    ReviewFunction.FINANCE,
    ReviewFunction.DELIVERY,
    ReviewFunction.CREDIT,
)


class Verdict(models.TextChoices):
    """A reviewer's recommendation (建议权): it never blocks by itself; the ATC decider sees it."""

    # 同意.
    AGREE = "agree", _("Agree")
    # 有条件同意: agree if the stated conditions are met.
    AGREE_WITH_CONDITIONS = "agree_with_conditions", _("Agree with conditions")
    # 不同意: the reasons say why.
    DISAGREE = "disagree", _("Disagree")


class CountersignStatus(models.TextChoices):
    """One department's countersign step."""

    # 待会签: waiting for the department (or for earlier steps in the sequence).
    PENDING = "pending", _("Pending")
    # 已会签: the department signed off.
    SIGNED = "signed", _("Signed off")


class SealKind(models.TextChoices):
    """Which seal is applied."""

    CONTRACT_SEAL = "contract_seal", _("Contract seal (合同专用章)")
    COMPANY_SEAL = "company_seal", _("Company seal (公章)")


class SealStatus(models.TextChoices):
    """A seal request."""

    # 已申请: waiting for the authorised signatory and the seal keeper.
    REQUESTED = "requested", _("Requested")
    # 已盖章: signed and sealed; the record is final.
    SEALED = "sealed", _("Sealed")


class CheckResult(models.TextChoices):
    """Outcome of the receive-and-confirm quality check (接收和确认合同/PO)."""

    # 一致: the received contract matches the approved version; execution may start.
    PASSED = "passed", _("Matches the approved version")
    # 不一致: at least one key term differs; execution stays blocked until a new check passes.
    MISMATCH = "mismatch", _("Mismatch")
