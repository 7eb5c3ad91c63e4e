"""Fixed vocabularies of the opportunity lifecycle. What a company tunes (default probability,
forecast category, norm days per stage) lives in ``StageSetting`` rows instead."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Stage(models.TextChoices):
    """Where an opportunity stands in the sales pipeline (ltc-domain §3.2).

    The order of the members is the order of the pipeline. The stage machine (which move is
    allowed, which gate it needs) lives in ``workflow.py``, nowhere else.
    """

    # 机会点验证: a converted lead or a direct opportunity; we check it is real and worth
    # pursuing, and prepare the initiation (立项) material for the ATI decision.
    VALIDATING = "validating", _("Validating (机会点验证)")
    # 已立项: ATI approved; grade assigned and the sales project team appointed.
    INITIATED = "initiated", _("Initiated (ATI passed)")
    # 标前引导: guiding the customer before the tender; key needs, the customer's own project
    # and budget confirmed, our solution accepted as the reference.
    GUIDING = "guiding", _("Guiding the customer (标前引导)")
    # 制定并提交解决方案: solution and bid prepared, bid review, ATB, bid submitted.
    BIDDING = "bidding", _("Solution and bid (制定并提交解决方案)")
    # 谈判: award or intent received; negotiating terms; ATC decides whether we sign.
    NEGOTIATING = "negotiating", _("Negotiation (谈判)")
    # 赢单/签约: ATC approved and the customer agreed; hands over to contract drafting.
    WON = "won", _("Won (赢单)")
    # 丢单: the customer chose someone else (or nobody); reason and competitor recorded.
    LOST = "lost", _("Lost (丢单)")
    # 放弃: we decided to stop pursuing it; reason recorded.
    ABANDONED = "abandoned", _("Abandoned (放弃)")


OPEN_STAGES: tuple[str, ...] = (
    Stage.VALIDATING,
    Stage.INITIATED,
    Stage.GUIDING,
    Stage.BIDDING,
    Stage.NEGOTIATING,
)
CLOSED_STAGES: tuple[str, ...] = (Stage.WON, Stage.LOST, Stage.ABANDONED)


class Gate(models.TextChoices):
    """The decision points (决策点) an opportunity passes on its way to a contract (§2.2)."""

    # 立项决策: is the opportunity worth formal investment; grade, team appointment.
    ATI = "ATI", _("ATI (立项决策)")
    # 投标决策: whether to bid and on what terms.
    ATB = "ATB", _("ATB (投标决策)")
    # 签约决策: whether to sign the negotiated contract.
    ATC = "ATC", _("ATC (签约决策)")


class ForecastCategory(models.TextChoices):
    """How the owner forecasts the deal; each stage proposes a default, the owner may override."""

    # Early or uncertain; counted in the pipeline, not in the forecast.
    PIPELINE = "pipeline", _("Pipeline")
    # Could close this period if things go our way; major risks remain.
    BEST_CASE = "best_case", _("Best case")
    # All key steps to close agreed with the customer; no known major risk.
    COMMIT = "commit", _("Commit")
    # Won: the contract is signed.
    CLOSED = "closed", _("Closed")
    # Left out of the forecast (lost, abandoned, or deliberately excluded).
    OMITTED = "omitted", _("Omitted")


class Grade(models.TextChoices):
    """Project grade (项目分级), assigned at ATI; drives team roles and decision level."""

    # 重要项目: strategic or large; full extended team, higher decision level.
    A = "A", _("A – important (重要项目)")
    # Between A and C.
    B = "B", _("B – standard")
    # 一般项目: general; light team.
    C = "C", _("C – general (一般项目)")


class LossReason(models.TextChoices):
    """Why an opportunity was lost or abandoned; coded so the funnel can be analysed."""

    # Our price was higher than the customer accepted or a competitor offered.
    PRICE = "price", _("Price")
    # Our solution did not meet the customer's needs as well as another.
    SOLUTION = "solution", _("Solution fit")
    # The competitor had the stronger relationship with the decision chain.
    RELATIONSHIP = "relationship", _("Customer relationship")
    # Disqualified in the tender (废标) or failed a qualification requirement.
    DISQUALIFIED = "disqualified", _("Disqualified in the tender (废标)")
    # The customer had no budget or cut it.
    NO_BUDGET = "no_budget", _("No budget")
    # The customer cancelled or postponed their project indefinitely.
    PROJECT_CANCELLED = "project_cancelled", _("Customer project cancelled")
    # Commercial terms or payment risk unacceptable to us.
    PAYMENT_RISK = "payment_risk", _("Payment or commercial risk")
    # We could not deliver in time, scope or quality.
    DELIVERY_RISK = "delivery_risk", _("Delivery risk")
    # Not worth our investment (low value, low win chance, not strategic).
    LOW_VALUE = "low_value", _("Not worth pursuing")
    # Anything else; a note is required.
    OTHER = "other", _("Other (explain in the note)")


class TeamRole(models.TextChoices):
    """Roles on the sales project team: the iron triangle (铁三角 / CC3) and the extended team (§6)."""

    # 客户责任人: the customer relationship, the deal, collection; the opportunity's owner.
    AR = "ar", _("AR – account responsible (客户责任人)")
    # 解决方案责任人: solution design and competitiveness, bid quality.
    SR = "sr", _("SR – solution responsible (解决方案责任人)")
    # 履行责任人: deliverability, delivery quality and customer satisfaction.
    FR = "fr", _("FR – fulfilment responsible (履行责任人)")
    # 项目高管: sponsor; high-level relationship, resource arbitration, escalation.
    PROJECT_EXECUTIVE = "project_executive", _("Project executive (项目高管)")
    # 项目负责人: runs the sales project end to end; usually the AR.
    PROJECT_LEADER = "project_leader", _("Project leader (项目负责人)")
    # 客户经理: relationship, decision-chain mapping, commercial negotiation.
    ACCOUNT_MANAGER = "account_manager", _("Account manager (客户经理)")
    # 市场经理: market and competitor intelligence, pricing input, references.
    MARKETING_MANAGER = "marketing_manager", _("Marketing manager (市场经理)")
    # 产品经理: configuration, technical exchanges, technical part of the bid.
    PRODUCT_MANAGER = "product_manager", _("Product manager (产品经理)")
    # 交付经理: deliverability assessment before the sale, delivery plan, acceptance.
    DELIVERY_MANAGER = "delivery_manager", _("Delivery manager (交付经理)")
    # 工程经理: site survey, engineering plan and cost, subcontractors.
    ENGINEERING_MANAGER = "engineering_manager", _("Engineering manager (工程经理)")
    # 供应链经理: lead times, stocking, logistics, supply risk.
    SUPPLY_CHAIN_MANAGER = "supply_chain_manager", _("Supply-chain manager (供应链经理)")
    # 合同经理: contract terms and the contract process end to end.
    CONTRACT_MANAGER = "contract_manager", _("Contract manager (合同经理)")
    # 项目财经 (PFC): project finance, estimates, margin and cash.
    PROJECT_FINANCE = "project_finance", _("Project finance (项目财经)")


IRON_TRIANGLE: tuple[str, ...] = (TeamRole.AR, TeamRole.SR, TeamRole.FR)


class Level(models.TextChoices):
    """A three-step rating used for competitive intensity and technical/delivery complexity."""

    # Little of it: few or weak competitors; a standard, proven solution.
    LOW = "low", pgettext_lazy("level", "Low")
    # Some: one strong competitor or a tailored solution.
    MEDIUM = "medium", pgettext_lazy("level", "Medium")
    # Much: several strong competitors or a new, risky solution with hard delivery.
    HIGH = "high", pgettext_lazy("level", "High")


class FactorKind(models.TextChoices):
    """Which assessment a scoring factor belongs to."""

    # 项目分级: the factors that decide the A/B/C grade.
    GRADING = "grading", _("Project grading (项目分级)")
    # 成功概率: the factors of the success-probability estimate.
    SUCCESS = "success", _("Success probability (成功概率)")
    # 客户付款能力: the factors of the customer's payment ability.
    PAYMENT = "payment", _("Customer payment ability (客户付款能力)")


class FactorCode(models.TextChoices):
    """The inputs the assessments know how to read; admins set weights and bands per factor."""

    # grading (ltc-domain §5.1)
    VALUE = "value", _("Contract value (reporting currency)")
    STRATEGIC = "strategic", _("Strategic customer")
    CUSTOMER_TIER = "customer_tier", _("Customer value tier")
    COMPETITION = "competition", _("Competitive intensity")
    COMPLEXITY = "complexity", _("Technical and delivery complexity")
    MARGIN = "margin", _("Estimated gross margin (%)")
    PAYMENT_RISK = "payment_risk", _("Payment-term risk")
    # success probability (ltc-domain §5.3)
    COVERAGE = "coverage", _("Relationship coverage of the decision chain (%)")
    COACH = "coach", _("Coach present")
    SOLUTION_PREFERENCE = "solution_preference", _("Solution preference")
    PRICE_POSITION = "price_position", _("Price position")
    COMPETITOR_STATUS = "competitor_status", _("Competitor status")
    # customer payment ability (ltc-domain §5.4)
    CREDIT_RATING = "credit_rating", _("Credit rating")
    CREDIT_LIMIT = "credit_limit", _("Credit limit against the amount (%)")
    PAYMENT_HISTORY = "payment_history", _("Payment history")
    COUNTRY_RISK = "country_risk", _("Country risk (1 low … 5 high)")


# Factors whose input is a number (bands by lower bound); the others match a code.
NUMERIC_FACTORS: frozenset[str] = frozenset(
    {FactorCode.VALUE, FactorCode.MARGIN, FactorCode.COVERAGE, FactorCode.CREDIT_LIMIT}
)
FACTOR_KIND: dict[str, str] = {
    FactorCode.VALUE: FactorKind.GRADING,
    FactorCode.STRATEGIC: FactorKind.GRADING,
    FactorCode.CUSTOMER_TIER: FactorKind.GRADING,
    FactorCode.COMPETITION: FactorKind.GRADING,
    FactorCode.COMPLEXITY: FactorKind.GRADING,
    FactorCode.MARGIN: FactorKind.GRADING,
    FactorCode.PAYMENT_RISK: FactorKind.GRADING,
    FactorCode.COVERAGE: FactorKind.SUCCESS,
    FactorCode.COACH: FactorKind.SUCCESS,
    FactorCode.SOLUTION_PREFERENCE: FactorKind.SUCCESS,
    FactorCode.PRICE_POSITION: FactorKind.SUCCESS,
    FactorCode.COMPETITOR_STATUS: FactorKind.SUCCESS,
    FactorCode.CREDIT_RATING: FactorKind.PAYMENT,
    FactorCode.CREDIT_LIMIT: FactorKind.PAYMENT,
    FactorCode.PAYMENT_HISTORY: FactorKind.PAYMENT,
    FactorCode.COUNTRY_RISK: FactorKind.PAYMENT,
}


class SolutionPreference(models.TextChoices):
    """Whose solution the customer's decision chain prefers."""

    # The customer treats our solution as the reference (引导成功).
    OURS = "ours", _("Ours is preferred")
    # No clear preference yet.
    NEUTRAL = "neutral", _("No clear preference")
    # A competitor's solution is the reference.
    COMPETITOR = "competitor", _("A competitor's is preferred")


class PricePosition(models.TextChoices):
    """Where our expected price sits against the competitors and the budget."""

    LOWER = "lower", _("Lower than the competitors")
    SIMILAR = "similar", _("Similar")
    HIGHER = "higher", _("Higher than the competitors")


class CompetitorStatus(models.TextChoices):
    """How strong the competition is in this deal."""

    # Nobody else is in the deal.
    NONE = "none", _("No competitor")
    # Competitors present but behind us.
    WEAK = "weak", _("Weaker competitors")
    # At least one competitor level with or ahead of us.
    STRONG = "strong", _("Strong competitor")
    # A competitor is the incumbent supplier.
    INCUMBENT = "incumbent", _("Competitor is the incumbent")


class ReviewDepth(models.TextChoices):
    """How thoroughly a grade's gates are reviewed (shown with the grade; the functions that must
    give an opinion are set per grade and gate in the grade settings)."""

    # Every functional review, company-level attention.
    FULL = "full", _("Full review (all functions)")
    # The gate's default reviews.
    STANDARD = "standard", _("Standard review")
    # The gate's default reviews, lightest material.
    LIGHT = "light", _("Light review")


class CriterionGroup(models.TextChoices):
    """The two sides of the ten evaluation criteria (ltc-domain §5.2)."""

    CUSTOMER = "customer", _("Customer side")
    OURS = "ours", _("Our side")


class ProjectType(models.TextChoices):
    """Project type chosen in the initiation application (确定项目类型)."""

    # 山头/战略项目: opens a market, flagship customer.
    STRATEGIC = "strategic", _("Strategic (战略项目)")
    # 竞争项目: won against competitors on this deal's merits.
    COMPETITIVE = "competitive", _("Competitive (竞争项目)")
    # 常规项目: repeat or standard business.
    REGULAR = "regular", _("Regular (常规项目)")
    # 服务项目: services, operations, maintenance.
    SERVICE = "service", _("Services (服务项目)")
