"""Fixed vocabularies of the decision engine (ltc-domain §2). What a company tunes (who decides
what, how many days a decision may take, which material a gate needs) lives in configuration
rows: ``DelegationRule``, ``GateSetting``, ``GateRequirement``, ``DecisionBody``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from openltc.org.roles import Role


class Gate(models.TextChoices):
    """The decision points (决策点) of LTC, in the order a deal meets them (§2.2)."""

    # 立项决策: is the opportunity worth formal investment; grade and team appointment.
    ATI = "ATI", _("ATI – approve to initiate (立项决策)")
    # 投标决策: whether to bid and on what terms; follows the bid review (投标评审).
    ATB = "ATB", _("ATB – approve to bid (投标决策)")
    # 签约决策: whether to sign the negotiated contract; follows the contract review (合同评审).
    ATC = "ATC", _("ATC – approve to contract (签约决策)")
    # 合同变更决策: whether to accept a contract/PO change; follows the change-plan review.
    ATAC = "ATAC", _("ATAC – approve to amend the contract (合同变更决策)")
    # 合同关闭决策: whether the contract can be formally closed.
    ATCC = "ATCC", _("ATCC – approve to close the contract (合同关闭决策)")


GATE_ORDER: tuple[str, ...] = (Gate.ATI, Gate.ATB, Gate.ATC, Gate.ATAC, Gate.ATCC)


class CaseStatus(models.TextChoices):
    """Where a gate case (one submission of material for one gate) stands."""

    # 准备中: the preparer is filling in the checklist and attaching material; nobody else acts yet.
    DRAFT = "draft", _("Draft")
    # 已提交: submitted and routed to a decision level; waiting for the first review opinion.
    SUBMITTED = "submitted", _("Submitted")
    # 评审中: functional reviewers are recording opinions (bid/contract/change review).
    IN_REVIEW = "in_review", _("In review")
    # 待决策: the required reviews are in; the decision body may decide.
    AWAITING_DECISION = "awaiting_decision", _("Awaiting decision")
    # 已决策: the body decided; the outcome says how (a deferral can be reopened later).
    DECIDED = "decided", _("Decided")
    # 退回补充: material insufficient; back with the preparer; not a decision.
    RETURNED = "returned", _("Returned for rework")


OPEN_CASE_STATUSES: tuple[str, ...] = (
    CaseStatus.SUBMITTED,
    CaseStatus.IN_REVIEW,
    CaseStatus.AWAITING_DECISION,
)


class Outcome(models.TextChoices):
    """What the decision body decided (§2.4)."""

    # 通过: the gated transition is unlocked.
    APPROVED = "approved", _("Approved (通过)")
    # 有条件通过: unlocked; each condition becomes a tracked action to close before the next gate.
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", _("Approved with conditions (有条件通过)")
    # 不通过: the gated transition stays closed (the subject is usually lost or abandoned).
    REJECTED = "rejected", _("Rejected (不通过)")
    # 暂缓: no decision yet; the case carries a date on which it must be looked at again.
    DEFERRED = "deferred", _("Deferred (暂缓)")


APPROVING_OUTCOMES: tuple[str, ...] = (Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS)
# When a voting body cannot reach its quorum on one outcome, the most cautious outcome cast wins.
CAUTION_ORDER: tuple[str, ...] = (
    Outcome.REJECTED,
    Outcome.DEFERRED,
    Outcome.APPROVED_WITH_CONDITIONS,
    Outcome.APPROVED,
)


class QuorumRule(models.TextChoices):
    """How a decision body reaches a decision."""

    # 单人决策: the first authorised member who decides, decides for the body.
    SINGLE = "single", _("Single decider")
    # 多数决: members vote; an outcome backed by more than half of the members decides.
    MAJORITY = "majority", _("Majority of members")
    # 一致同意: every member votes; the outcome must be the same for all of them.
    UNANIMITY = "unanimity", _("Unanimity")


class PaymentRisk(models.TextChoices):
    """Risk of the payment terms (cash-flow exposure); a rule covers its level and the levels below."""

    # Advance payment, letter of credit or short terms with a good payer.
    LOW = "low", _("Low")
    # Usual terms; some milestone or acceptance risk.
    MEDIUM = "medium", _("Medium")
    # Long terms, weak credit, back-loaded payment or high country risk.
    HIGH = "high", _("High")


PAYMENT_RISK_RANK: dict[str, int] = {PaymentRisk.LOW: 1, PaymentRisk.MEDIUM: 2, PaymentRisk.HIGH: 3}


class ReviewFunction(models.TextChoices):
    """The professional functions that give review opinions (建议权 only, never a decision)."""

    # Margin, estimate (概算), cash flow.
    FINANCE = "finance", _("Finance")
    # Contract terms, liabilities, compliance.
    LEGAL = "legal", _("Legal")
    # Deliverability, delivery cost and schedule.
    DELIVERY = "delivery", _("Delivery")
    # Lead times, stocking, logistics.
    SUPPLY_CHAIN = "supply_chain", _("Supply chain")
    # Customer credit and payment ability.
    CREDIT = "credit", _("Credit")
    # Solution and technical risk.
    TECHNICAL = "technical", _("Technical")


# Which organisation roles may give an opinion for which function.
REVIEW_ROLES: dict[str, tuple[str, ...]] = {
    ReviewFunction.FINANCE: (Role.FINANCE,),
    ReviewFunction.CREDIT: (Role.FINANCE,),
    ReviewFunction.LEGAL: (Role.LEGAL, Role.CONTRACT_MANAGER),
    ReviewFunction.DELIVERY: (Role.DELIVERY_MANAGER, Role.FULFILMENT),
    ReviewFunction.SUPPLY_CHAIN: (Role.DELIVERY_MANAGER,),
    ReviewFunction.TECHNICAL: (Role.SOLUTION,),
}


class Verdict(models.TextChoices):
    """A reviewer's recommendation; it never blocks by itself but the decider must see it."""

    # 同意.
    AGREE = "agree", _("Agree")
    # 有条件同意: agree if the stated conditions are met.
    AGREE_WITH_CONDITIONS = "agree_with_conditions", _("Agree with conditions")
    # 不同意: the reasons say why.
    DISAGREE = "disagree", _("Disagree")


class ReviewType(models.TextChoices):
    """The review point (评审点) that precedes a gate."""

    NONE = "", _("No formal review")
    # 投标评审 before ATB.
    BID = "bid", _("Bid review (投标评审)")
    # 合同评审 before ATC.
    CONTRACT = "contract", _("Contract review (合同评审)")
    # 合同/PO变更方案评审 before ATAC.
    CHANGE = "change", _("Change-plan review (变更方案评审)")
    # Closure review before ATCC.
    CLOSURE = "closure", _("Closure review (关闭评审)")


class ConditionStatus(models.TextChoices):
    """A condition attached to an approval."""

    # 待关闭: the owner still has to meet it; it blocks the subject's next gate.
    OPEN = "open", _("Open")
    # 已关闭: met and closed by the owner or the decider.
    CLOSED = "closed", _("Closed")


ATTACHMENT_EXTENSIONS: tuple[str, ...] = (
    "pdf",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "ppt",
    "pptx",
    "txt",
    "csv",
    "png",
    "jpg",
    "jpeg",
    "odt",
    "ods",
)
