"""Records in every state, for the form crawl of ``test_bad_input_generated.py`` (issue 7, item 6).

The permission contract names one fixture record per route (``tests/contract/expectations.py``):
the rep's lead, bid, contract, ... in whatever state the demo left it. Many forms are shown only
for a record in another state (a bid's answer form while the bid is open, a contract's seal form
at the seal step, the decision form for a case awaiting decision, a dispute's close form while it
is open) or only to another role (finance on an invoice, the decider of a case). So the crawl also
renders, as every signed-in role, the page of the first record (in creation order) of each state
of these models. A form found there that the crawl has already found on another record's page
(the same route, the same fields) is not sent again.

The demo leaves some states empty; ``build_missing_states`` makes them through the services,
inside the test's savepoint (rolled back with it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tests.contract.harness import Context, Rec, creation_order

# (page route, its URL parameter, model, the field whose every value gets its own record)
STATE_PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("leads:detail", "pk", "leads.Lead", "status"),
    ("opportunities:detail", "pk", "opportunities.Opportunity", "stage"),
    ("decisions:case", "pk", "decisions.DecisionCase", "status"),
    ("bids:detail", "pk", "bids.Bid", "status"),
    ("contracts:detail", "pk", "contracts.Contract", "status"),
    ("contracts:change", "change_id", "contracts.ContractChange", "status"),
    ("delivery:detail", "pk", "delivery.DeliveryProject", "status"),
    ("cash:invoice_detail", "pk", "cash.Invoice", "status"),
)
# The signed-in roles of the crawl: each sees other forms on the same page (finance decides a
# write-off, the case's decider decides, legal gives its opinion).
STATE_ROLES = ("rep", "manager", "sdt", "finance", "reviewer", "admin")


def state_pages(ctx: Context) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(URL, roles) of the first record of each state of each model of ``STATE_PAGES``: the one
    the rep may change if there is one (as the contract chooses), else the first made."""
    for route, param, label, field_name in STATE_PAGES:
        model = apps.get_model(label)
        values = (
            model._base_manager.order_by(*creation_order(model)).values_list(field_name, flat=True).distinct()
        )
        seen: list[Any] = []
        for value in values:
            if value in seen:
                continue
            seen.append(value)
            record = ctx.record(Rec(label, {field_name: value}))
            if record is None:
                continue
            kwargs = {param: record}
            if route == "contracts:change":
                kwargs["pk"] = model._base_manager.get(pk=record).contract_id
            try:
                yield reverse(route, kwargs=kwargs), STATE_ROLES
            except NoReverseMatch:
                continue


def admin_form_pages() -> list[str]:
    """The admin add pages of the models whose admin form is one of the project's own classes
    (its validation is the project's, not Django's): the crawl posts bad values there as the admin
    (a model the admin may not add to answers 403, and has no form)."""
    from django.contrib import admin

    urls = []
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda kv: kv[0]._meta.label):
        form = getattr(model_admin, "form", None)
        if form is None or not form.__module__.startswith("openltc."):
            continue
        urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))
    return urls


def build_missing_states(ctx: Context) -> list[str]:
    """Records in the states the demo leaves empty, made through the services (the demo's own
    helpers where it has them), on records that are not the contract's fixture records (their
    pages are crawled as they are). Returns the pages to crawl for them, besides the state pages.
    A step the services refuse fails the test: the demo data changed and these need a look."""
    used = {str(value) for value in ctx._records.values() if value is not None}
    urls: list[str] = []
    for build in (_bid_opened, _contract_steps, _changes, _delivery_review_and_close):
        urls += build(ctx, used)
    return urls


def _free(ctx: Context, label: str, used: set[str], **filters: Any) -> list[Any]:
    model = apps.get_model(label)
    rows = model._base_manager.filter(**filters).order_by(*creation_order(model))
    return [row for row in rows if str(row.pk) not in used]


def _bid_opened(ctx: Context, used: set[str]) -> list[str]:
    """A bid opened by the customer (its result forms): a new lot of the opportunity whose bid was
    awarded, taken through the demo's own path to the opening."""
    from decimal import Decimal

    from openltc.bids.demo import _bid, _through_opening

    awarded = _free(ctx, "bids.Bid", set(), status="awarded")  # its opportunity gets the new lot
    if not awarded:
        return []
    opportunity = awarded[0].opportunity
    owner = awarded[0].owner
    _through_opening(
        owner, _bid(owner, opportunity, "四标段 Lot 4", 16, opportunity.amount * Decimal("0.05"))
    )
    return []


def _contract_steps(ctx: Context, used: set[str]) -> list[str]:
    """Contracts at the countersign step (steps open, then all signed) and at the seal step: the
    contracts the demo leaves in draft or awaiting ATC, taken along the demo's path
    (contracts.demo), one step further each."""
    from openltc.contracts import services
    from openltc.contracts.demo import _user, demo_reviewers, sign_off_countersign, to_countersign

    reviewers = demo_reviewers()
    # The contract under review is left as it is: the reviewers' opinion form is on its page.
    candidates = _free(ctx, "contracts.Contract", used, status__in=["awaiting_atc", "draft"])
    targets = ("countersign", "countersigned", "seal")
    for contract, target in zip(candidates, targets, strict=False):
        contract = to_countersign(contract, reviewers)
        if target == "countersign":
            continue
        sign_off_countersign(contract)
        if target == "countersigned":
            continue
        services.contract_request_seal(actor=contract.owner, contract=contract, signatory=_user("ceo"))
    return [reverse("contracts:detail", kwargs={"pk": c.pk}) for c in candidates[: len(targets)]]


def _changes(ctx: Context, used: set[str]) -> list[str]:
    """Contract changes approved at the ATAC gate: one not signed yet (its sign form), one signed
    and not archived yet (the archive form, the same as a signed contract's)."""
    from openltc.contracts import services
    from openltc.contracts.demo import _decide, demo_reviewers

    reviewers = demo_reviewers()
    executing = [
        c
        for c in _free(ctx, "contracts.Contract", used, status="executing")
        if not c.changes.exclude(status__in=["archived", "withdrawn"]).exists()
    ]
    urls = []
    for contract, sign in zip(executing, (False, True), strict=False):
        version = contract.current_version
        lines = [
            {
                "kind": line.kind,
                "description": line.description,
                "product_line": line.product_line,
                "quantity": str(line.quantity),
                "unit": line.unit,
                "unit_price": str(line.unit_price),
                "tax_rate": str(line.tax_rate),
            }
            for line in version.lines.order_by("position")
        ]
        change = services.change_request(
            actor=contract.owner,
            contract=contract,
            data={
                "reason": "交付地点变更 The delivery site moves.",
                "scope_impact": "无 None.",
                "schedule_impact": "交付延后一周 Delivery one week later.",
                "cash_impact": "付款条件不变 Payment terms unchanged.",
            },
            lines=lines,
        )
        case = services.change_submit(actor=contract.owner, change=change)
        _decide(contract.owner, case, reviewers, "ATAC")
        if sign:
            services.change_sign(
                actor=contract.owner,
                change=change,
                signed_on=timezone.localdate(),
                agreement_reference="CA-FUZZ-1",
            )
        urls.append(reverse("contracts:change", kwargs={"pk": contract.pk, "change_id": change.pk}))
    return urls


def _delivery_review_and_close(ctx: Context, used: set[str]) -> list[str]:
    """A quality review not concluded yet (its conclude form), and the close form of a project:
    no demo project is ready to close (milestones not all accepted), so its close page is asked
    directly; the form is validated before the service refuses the move."""
    from openltc.delivery import services

    projects = _free(ctx, "delivery.DeliveryProject", used, status="executing") or _free(
        ctx, "delivery.DeliveryProject", set(), status="executing"
    )
    if not projects:
        return []
    project = projects[0]
    services.review_create(
        actor=project.fr,
        project=project,
        kind="technical",
        title="割接方案复审 Cut-over plan, second review",
        review_date=timezone.localdate(),
        checklist=["Interfaces agreed", "Capacity checked"],
    )
    return [
        reverse("delivery:detail", kwargs={"pk": project.pk}),
        reverse("delivery:form", kwargs={"pk": project.pk, "code": "close"}),
    ]
