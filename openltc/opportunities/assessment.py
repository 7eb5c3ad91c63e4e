"""The opportunity assessments: project grading (项目分级, ltc-domain §5.1), the success-probability
estimate (成功概率, §5.3), the customer's payment ability (客户付款能力, §5.4) and the
attractiveness score of the ten evaluation criteria (机会点评估, §5.2).

Each factor's weight and bands are admin rows (``ScoringFactor``/``ScoringBand``,
``GradeSetting``, ``EvaluationCriterion``). The scoring functions are pure: they take the loaded
configuration and the inputs, and return the score with one explanation row per factor, so the
page can show why the result is what it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from openltc.opportunities.choices import (
    NUMERIC_FACTORS,
    FactorCode,
    FactorKind,
    Grade,
)

if TYPE_CHECKING:
    from openltc.opportunities.models import (
        EvaluationCriterion,
        GradeSetting,
        Opportunity,
        ScoringFactor,
    )

TWO = Decimal("0.01")
# Grades from the highest to the lowest; "at least A" beats "at least B".
GRADE_RANK: dict[str, int] = {Grade.A: 3, Grade.B: 2, Grade.C: 1}
# The buying roles that make up the decision chain whose coverage the success estimate reads.
DECISION_ROLES: tuple[str, ...] = ("economic", "technical", "user")


@dataclass(frozen=True)
class Band:
    match: str
    min_value: Decimal | None
    points: int
    min_grade: str = ""


@dataclass(frozen=True)
class Factor:
    code: str
    weight: Decimal
    bands: tuple[Band, ...]

    @property
    def label(self) -> str:
        return str(FactorCode(self.code).label)


@dataclass(frozen=True)
class Input:
    """One factor's input: ``value`` is a code (str) or a number (Decimal); None when unknown.
    ``display`` is what the page shows."""

    value: str | Decimal | None
    display: str = ""


@dataclass(frozen=True)
class FactorResult:
    code: str
    label: str
    input: str
    known: bool
    points: int | None
    weight: str
    contribution: str | None
    min_grade: str = ""


@dataclass(frozen=True)
class Result:
    score: Decimal | None
    factors: tuple[FactorResult, ...]
    floor: str = ""  # the highest "grade at least" among the matched bands

    @property
    def known_count(self) -> int:
        return sum(1 for f in self.factors if f.known)


def band_for(factor: Factor, value: str | Decimal | None) -> Band | None:
    """The band the input falls into: numeric factors by the highest lower bound not above the
    value, the others by their code."""
    if value is None or value == "":
        return None
    if factor.code in NUMERIC_FACTORS:
        number = Decimal(str(value))
        candidates = [b for b in factor.bands if b.min_value is not None and b.min_value <= number]
        return max(candidates, key=lambda b: b.min_value or Decimal(0), default=None)
    return next((b for b in factor.bands if b.match == str(value)), None)


def score(factors: Sequence[Factor], inputs: dict[str, Input]) -> Result:
    """Weighted mean (0–100) of the points of the factors whose input is known and banded."""
    rows: list[FactorResult] = []
    total = Decimal(0)
    weights = Decimal(0)
    floor = ""
    for factor in factors:
        given = inputs.get(factor.code, Input(None))
        band = band_for(factor, given.value)
        display = given.display or (str(given.value) if given.value not in (None, "") else _("not known"))
        if band is None or factor.weight <= 0:
            rows.append(
                FactorResult(factor.code, factor.label, display, False, None, str(factor.weight), None)
            )
            continue
        contribution = factor.weight * band.points
        total += contribution
        weights += factor.weight
        if band.min_grade and GRADE_RANK.get(band.min_grade, 0) > GRADE_RANK.get(floor, 0):
            floor = band.min_grade
        rows.append(
            FactorResult(
                factor.code,
                factor.label,
                display,
                True,
                band.points,
                str(factor.weight),
                str(contribution.quantize(TWO)),
                band.min_grade,
            )
        )
    value = (total / weights).quantize(TWO, rounding=ROUND_HALF_UP) if weights else None
    return Result(value, tuple(rows), floor)


@dataclass(frozen=True)
class Threshold:
    grade: str
    min_score: Decimal


def grade_for(result: Result, thresholds: Iterable[Threshold]) -> tuple[str, list[str]]:
    """The grade whose threshold the score reaches (the highest), raised to the floor of a matched
    band; with the sentences that explain it. No score: no grade."""
    lines: list[str] = []
    if result.score is None:
        return "", [_("No grading factor is known yet; fill in the grading inputs.")]
    ordered = sorted(thresholds, key=lambda t: t.min_score, reverse=True)
    grade = next((t.grade for t in ordered if result.score >= t.min_score), "")
    if grade:
        threshold = next(t for t in ordered if t.grade == grade)
        lines.append(
            _("Score %(score)s reaches the threshold %(min)s of grade %(grade)s.")
            % {"score": result.score, "min": threshold.min_score, "grade": grade}
        )
    if result.floor and GRADE_RANK.get(result.floor, 0) > GRADE_RANK.get(grade, 0):
        factor = next(f for f in result.factors if f.min_grade == result.floor)
        lines.append(
            _("“%(factor)s” (%(input)s) makes it at least grade %(grade)s.")
            % {"factor": factor.label, "input": factor.input, "grade": result.floor}
        )
        grade = result.floor
    unknown = [f.label for f in result.factors if not f.known]
    if unknown:
        lines.append(_("Not counted (input not known): %(names)s.") % {"names": ", ".join(unknown)})
    return grade, lines


# --- loading the configuration ------------------------------------------------------------------


def factors_of(kind: str) -> list[Factor]:
    from openltc.opportunities.models import ScoringFactor

    rows: Iterable[ScoringFactor] = (
        ScoringFactor.objects.filter(kind=kind, is_active=True)
        .prefetch_related("bands")
        .order_by("order", "code")
    )
    return [
        Factor(
            code=row.code,
            weight=Decimal(row.weight),
            bands=tuple(Band(b.match, b.min_value, b.points, b.min_grade) for b in row.bands.all()),
        )
        for row in rows
    ]


def grade_settings() -> dict[str, GradeSetting]:
    from openltc.opportunities.models import GradeSetting

    return {g.grade: g for g in GradeSetting.objects.all()}


def thresholds() -> list[Threshold]:
    return [Threshold(g.grade, Decimal(g.min_score)) for g in grade_settings().values()]


def required_roles(grade: str | None) -> frozenset[str]:
    """The team roles the grade requires before ATI (besides the iron triangle)."""
    if not grade:
        return frozenset()
    setting = grade_settings().get(grade)
    roles = setting.required_roles if setting is not None and isinstance(setting.required_roles, list) else []
    return frozenset(str(r) for r in roles)


# --- the inputs, read from the opportunity and its customer --------------------------------------


def _level_display(choices: Any, value: str) -> str:
    return str(dict(choices).get(value, value)) if value else ""


def grading_inputs(opportunity: Opportunity) -> dict[str, Input]:
    from openltc.core.errors import DomainError
    from openltc.decisions.routing import reporting_currency, to_reporting
    from openltc.opportunities.choices import Level
    from openltc.opportunities.models import PAYMENT_RISK_CHOICES

    customer = opportunity.customer
    try:
        reporting = to_reporting(opportunity.amount, opportunity.currency)
        value = Input(reporting, f"{reporting:,.2f} {reporting_currency()}" if reporting is not None else "")
    except DomainError as exc:
        value = Input(None, exc.message)
    tier = customer.tier
    return {
        FactorCode.VALUE: value,
        FactorCode.STRATEGIC: Input(
            "yes" if customer.is_strategic else "no", _("yes") if customer.is_strategic else _("no")
        ),
        FactorCode.CUSTOMER_TIER: Input(tier.code if tier else None, tier.name if tier else ""),
        FactorCode.COMPETITION: Input(
            opportunity.competition or None, _level_display(Level.choices, opportunity.competition)
        ),
        FactorCode.COMPLEXITY: Input(
            opportunity.complexity or None, _level_display(Level.choices, opportunity.complexity)
        ),
        FactorCode.MARGIN: Input(
            opportunity.margin_pct, f"{opportunity.margin_pct}%" if opportunity.margin_pct is not None else ""
        ),
        FactorCode.PAYMENT_RISK: Input(
            opportunity.payment_risk or None, _level_display(PAYMENT_RISK_CHOICES, opportunity.payment_risk)
        ),
    }


@dataclass(frozen=True)
class Coverage:
    """Which roles of the decision chain have a supporter (stance ≥ +1) among the contacts."""

    percent: Decimal
    covered: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    coaches: list[str] = field(default_factory=list)


def relationship_coverage(contacts: Iterable[Any]) -> Coverage:
    from openltc.customers.choices import BuyingRole

    people = [c for c in contacts if c.merged_into_id is None and c.is_active]
    labels = dict(BuyingRole.choices)
    covered: dict[str, list[str]] = {}
    missing: list[str] = []
    for role in DECISION_ROLES:
        names = [c.name for c in people if role in (c.buying_roles or []) and c.stance >= 1]
        if names:
            covered[str(labels.get(role, role))] = names
        else:
            missing.append(str(labels.get(role, role)))
    percent = (Decimal(len(covered)) * 100 / len(DECISION_ROLES)).quantize(TWO)
    coaches = [c.name for c in people if c.is_coach]
    return Coverage(percent, covered, missing, coaches)


def success_inputs(opportunity: Opportunity, contacts: Iterable[Any]) -> tuple[dict[str, Input], Coverage]:
    from openltc.opportunities.choices import CompetitorStatus, PricePosition, SolutionPreference

    coverage = relationship_coverage(contacts)
    covered = "; ".join(f"{role}: {', '.join(names)}" for role, names in coverage.covered.items())
    display = _("%(percent)s%% — supporters: %(covered)s; not covered: %(missing)s") % {
        "percent": coverage.percent,
        "covered": covered or "—",
        "missing": ", ".join(coverage.missing) or "—",
    }
    return (
        {
            FactorCode.COVERAGE: Input(coverage.percent, display),
            FactorCode.COACH: Input(
                "yes" if coverage.coaches else "no",
                ", ".join(coverage.coaches) if coverage.coaches else _("no"),
            ),
            FactorCode.SOLUTION_PREFERENCE: Input(
                opportunity.solution_preference or None,
                _level_display(SolutionPreference.choices, opportunity.solution_preference),
            ),
            FactorCode.PRICE_POSITION: Input(
                opportunity.price_position or None,
                _level_display(PricePosition.choices, opportunity.price_position),
            ),
            FactorCode.COMPETITOR_STATUS: Input(
                opportunity.competitor_status or None,
                _level_display(CompetitorStatus.choices, opportunity.competitor_status),
            ),
        },
        coverage,
    )


# Payment-history providers (the cash app may register one): customer -> ("good"|"late"|"bad", display) or None.
PaymentHistoryProvider = Callable[[Any], "tuple[str, str] | None"]
_payment_history_providers: list[PaymentHistoryProvider] = []


def register_payment_history(provider: PaymentHistoryProvider) -> None:
    """Hook for the cash app: tells how the customer has paid so far ("good", "late" or "bad")."""
    if provider not in _payment_history_providers:
        _payment_history_providers.append(provider)


def payment_history_of(customer: Any) -> Input:
    for provider in _payment_history_providers:
        answer = provider(customer)
        if answer is not None:
            return Input(answer[0], answer[1])
    return Input(None, _("no payment history recorded yet"))


def payment_inputs(opportunity: Opportunity) -> dict[str, Input]:
    customer = opportunity.customer
    rating = customer.credit_rating
    limit = Input(None, _("no credit limit"))
    if customer.credit_limit is not None:
        if customer.credit_currency == opportunity.currency and opportunity.amount:
            ratio = (Decimal(customer.credit_limit) * 100 / Decimal(opportunity.amount)).quantize(TWO)
            limit = Input(
                ratio,
                _("%(limit)s %(currency)s = %(ratio)s%% of the amount")
                % {
                    "limit": f"{customer.credit_limit:,.2f}",
                    "currency": customer.credit_currency,
                    "ratio": ratio,
                },
            )
        else:
            limit = Input(None, _("credit limit in another currency"))
    country = customer.country
    return {
        FactorCode.CREDIT_RATING: Input(rating.code if rating else None, rating.name if rating else ""),
        FactorCode.CREDIT_LIMIT: limit,
        FactorCode.PAYMENT_HISTORY: payment_history_of(customer),
        FactorCode.COUNTRY_RISK: Input(
            str(country.risk_level) if country else None,
            f"{country} · {country.risk_level}" if country else "",
        ),
    }


# --- the three results the page and the API show -------------------------------------------------


@dataclass(frozen=True)
class Grading:
    grade: str
    result: Result
    lines: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "score": str(self.result.score) if self.result.score is not None else None,
            "factors": [asdict(f) for f in self.result.factors],
            "lines": self.lines,
        }


def compute_grading(opportunity: Opportunity) -> Grading:
    result = score(factors_of(FactorKind.GRADING), grading_inputs(opportunity))
    grade, lines = grade_for(result, thresholds())
    return Grading(grade, result, lines)


def compute_success(
    opportunity: Opportunity, contacts: Iterable[Any] | None = None
) -> tuple[Result, Coverage]:
    if contacts is None:
        contacts = opportunity.customer.contacts.all()
    inputs, coverage = success_inputs(opportunity, contacts)
    return score(factors_of(FactorKind.SUCCESS), inputs), coverage


def compute_payment_ability(opportunity: Opportunity) -> Result:
    return score(factors_of(FactorKind.PAYMENT), payment_inputs(opportunity))


@dataclass(frozen=True)
class CriterionRow:
    code: str
    name: str
    group: str
    guidance: str
    weight: Decimal
    score: int | None
    note: str


@dataclass(frozen=True)
class Attractiveness:
    score: Decimal | None
    rows: tuple[CriterionRow, ...]

    @property
    def scored(self) -> int:
        return sum(1 for r in self.rows if r.score is not None)


def attractiveness(
    criteria: Iterable[EvaluationCriterion], scores: dict[Any, tuple[int, str]]
) -> Attractiveness:
    """Σ(wᵢ × sᵢ) over the scored criteria, scaled to 0–100 (a 5 on every criterion is 100).
    ``scores`` maps criterion id to (score, note)."""
    rows = []
    total = Decimal(0)
    weights = Decimal(0)
    for c in criteria:
        given = scores.get(c.pk)
        rows.append(
            CriterionRow(
                c.code,
                c.name,
                c.group,
                c.guidance,
                Decimal(c.weight),
                given[0] if given else None,
                given[1] if given else "",
            )
        )
        if given is not None and c.weight > 0:
            total += Decimal(c.weight) * given[0]
            weights += Decimal(c.weight)
    value = (total * 100 / (weights * 5)).quantize(TWO, rounding=ROUND_HALF_UP) if weights else None
    return Attractiveness(value, tuple(rows))


def active_criteria() -> list[EvaluationCriterion]:
    from openltc.opportunities.models import EvaluationCriterion

    return list(EvaluationCriterion.objects.filter(is_active=True).order_by("order", "code"))


def compute_attractiveness(opportunity: Opportunity) -> Attractiveness:
    scores = {s.criterion_id: (s.score, s.note) for s in opportunity.evaluation_scores.all()}
    return attractiveness(active_criteria(), scores)
