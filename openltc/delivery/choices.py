"""The vocabularies of contract delivery (合同交付, domain reference §11)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectStatus(models.TextChoices):
    """Where a delivery project stands. Moves only through ``workflow.py``."""

    # 策划: the team is formed and the integrated plan is drafted.
    PLANNING = "planning", _("Planning")
    # 执行: the plan is baselined; work, acceptance and cost are tracked.
    EXECUTING = "executing", _("Executing")
    # 关闭: every milestone accepted, risks closed, final accounts done, summary written.
    CLOSED = "closed", _("Closed")


class TeamRole(models.TextChoices):
    """The PDT-style delivery team: a heavyweight cross-functional team (§6.4)."""

    FR = "fr", _("FR in charge (fulfilment responsible)")
    PROJECT_MANAGER = "project_manager", _("Delivery project manager")
    TECHNICAL = "technical", _("Technical lead")
    RD = "rd", _("R&D representative")
    PRODUCTION = "production", _("Production representative")
    PROCUREMENT = "procurement", _("Procurement representative")
    LOGISTICS = "logistics", _("Logistics representative")
    FINANCE = "finance", _("Project finance")
    QUALITY = "quality", _("Quality representative")
    SALES = "sales", _("Sales (AR)")
    MEMBER = "member", _("Team member")


class Stream(models.TextChoices):
    """The plans that make up the integrated delivery plan (交付集成计划, §11.1)."""

    RD = "rd", _("R&D (研发)")
    PRODUCTION = "production", _("Production (生产)")
    ENGINEERING = "engineering", _("Engineering / implementation (工程实施)")
    PROCUREMENT = "procurement", _("Procurement (采购)")
    SALES = "sales", _("Sales (销售)")
    LOGISTICS = "logistics", _("Logistics (物流)")
    FINANCE = "finance", _("Finance (财务)")


class ItemKind(models.TextChoices):
    # A piece of work with a duration.
    TASK = "task", _("Task")
    # A delivery milestone: accepted by the customer; may trigger a payment milestone.
    MILESTONE = "milestone", _("Delivery milestone")


class ItemStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    # Done; for a delivery milestone: accepted by the customer.
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_ITEM_STATUSES = (ItemStatus.NOT_STARTED, ItemStatus.IN_PROGRESS)


class RiskCategory(models.TextChoices):
    TECHNICAL = "technical", _("Technical")
    SCHEDULE = "schedule", _("Schedule")
    COST = "cost", _("Cost")
    CUSTOMER = "customer", _("Customer")
    SUPPLIER = "supplier", _("Supplier")
    COMMERCIAL = "commercial", _("Commercial / payment")
    LEGAL = "legal", _("Legal / compliance")
    OTHER = "other", _("Other")


class RiskResponse(models.TextChoices):
    AVOID = "avoid", _("Avoid")
    TRANSFER = "transfer", _("Transfer")
    MITIGATE = "mitigate", _("Mitigate")
    ACCEPT = "accept", _("Accept")


class RiskStatus(models.TextChoices):
    # Identified and watched.
    OPEN = "open", _("Open")
    # The trigger fired: the risk became an issue being handled.
    OCCURRED = "occurred", _("Occurred")
    # No longer a threat (passed, avoided, or handled).
    CLOSED = "closed", _("Closed")


class CostStage(models.TextChoices):
    """Project finance in four steps (项目四算, §11.3)."""

    ESTIMATE = "estimate", _("Estimate (概算)")
    BUDGET = "budget", _("Budget (预算)")
    ACTUAL = "actual", _("Actuals (核算)")
    FINAL = "final", _("Final accounts (决算)")


class CostCategory(models.TextChoices):
    EQUIPMENT = "equipment", _("Equipment")
    SUBCONTRACT = "subcontract", _("Subcontracting")
    LABOUR = "labour", _("Labour")
    TRAVEL = "travel", _("Travel")
    LOGISTICS = "logistics", _("Logistics")
    OTHER = "other", _("Other")


class QualityCost(models.TextChoices):
    """Cost of quality (质量成本): conformance (prevention, appraisal) and loss (failures)."""

    NONE = "", _("Not a quality cost")
    PREVENTION = "prevention", _("Prevention (预防成本)")
    APPRAISAL = "appraisal", _("Appraisal (鉴定成本)")
    INTERNAL_FAILURE = "internal_failure", _("Internal failure (内部损失成本)")
    EXTERNAL_FAILURE = "external_failure", _("External failure (外部损失成本)")


class DelphiStatus(models.TextChoices):
    # Estimators give anonymous estimates for the current round.
    OPEN = "open", _("Estimating")
    # The moderator recorded the final estimate.
    CLOSED = "closed", _("Closed")


class ReviewKind(models.TextChoices):
    TECHNICAL = "technical", _("Technical review")
    QUALITY = "quality", _("Quality review")
    MILESTONE = "milestone", _("Milestone review")


class ReviewConclusion(models.TextChoices):
    PENDING = "", _("Not concluded")
    PASS = "pass", _("Pass")
    CONDITIONAL = "conditional", _("Pass with conditions")
    FAIL = "fail", _("Fail")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class MeetingKind(models.TextChoices):
    """Monitoring mechanisms (§11.6)."""

    REGULAR = "regular", _("Regular meeting (例会)")
    ANALYSIS = "analysis", _("Analysis meeting (分析会议)")
    TOPIC = "topic", _("Topic meeting (专题会议)")
    AUDIT = "audit", _("Audit (审计)")
