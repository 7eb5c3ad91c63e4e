"""Fixed vocabularies of the lead phase (管理线索). Lists a company tunes (scoring rules, distribution
rules, the nurturing checklist text) are models maintained by admins instead."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadStatus(models.TextChoices):
    # Captured, not yet looked at. Without an owner the lead sits in the pool (公海).
    NEW = "new", _("New")
    # A lead manager or the owner checks strategic fit, maturity and duplicates (验证线索).
    VALIDATING = "validating", _("Validating")
    # Worth pursuing: the owner follows up and works on the four elements (线索跟进、培育).
    NURTURING = "nurturing", _("Nurturing")
    # The nurturing checklist is met and the four elements are confirmed: ready to convert.
    QUALIFIED = "qualified", _("Qualified")
    # Turned into an opportunity (线索转机会点); the lead is kept for lineage and KPIs.
    CONVERTED = "converted", _("Converted")
    # Not worth pursuing; a reason code says why (the seed's causes of failed leads).
    DISQUALIFIED = "disqualified", _("Disqualified")


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.VALIDATING, LeadStatus.NURTURING, LeadStatus.QUALIFIED)


class LeadSource(models.TextChoices):
    # Marketing campaign (MTL, 市场到线索).
    CAMPAIGN = "campaign", _("Marketing campaign")
    # Trade fair or exhibition.
    EXHIBITION = "exhibition", _("Exhibition")
    # Inbound from the web site or e-mail.
    WEB = "web", _("Web / inbound")
    # Found during a customer visit.
    VISIT = "visit", _("Customer visit")
    # Spotted by a delivery team in an existing project.
    EXISTING_PROJECT = "existing_project", _("Existing project")
    # From a partner or channel.
    PARTNER = "partner", _("Partner / channel")
    # From a technical exchange (看网讲网).
    TECHNICAL_EXCHANGE = "technical_exchange", _("Technical exchange")
    # Referred by a customer or a colleague.
    REFERRAL = "referral", _("Referral")
    # A published tender notice.
    TENDER_NOTICE = "tender_notice", _("Tender notice")
    # Sent to the company's lead mailbox (captured by the mail fetcher or a mail gateway).
    EMAIL = "email", _("E-mail to the lead address")
    # Anything else.
    OTHER = "other", _("Other")


class Maturity(models.TextChoices):
    # 冷线索: a need without time or money; nurture with periodic industry information.
    COLD = "cold", _("Cold")
    # 温线索: interest and a rough plan; technical exchanges and a tailored proposal.
    WARM = "warm", _("Warm")
    # 热线索: a tender or purchase is imminent; the iron triangle engages.
    HOT = "hot", _("Hot")


class StrategicFit(models.TextChoices):
    # Not assessed yet.
    UNKNOWN = "unknown", _("Not assessed")
    # Matches our strategy (target customers, products, regions).
    FIT = "fit", _("Fits our strategy")
    # Outside our strategy.
    NO_FIT = "no_fit", _("Does not fit")


class ElementStatus(models.TextChoices):
    """How far one of the four lead elements (线索管理四个要素) is confirmed."""

    # We believe it but have nothing from the customer.
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")
    # Some evidence, not yet from a decision-relevant person.
    PARTLY = "partly", _("Partly confirmed")
    # Confirmed by the customer; the evidence field says how.
    CONFIRMED = "confirmed", _("Confirmed")


class DisqualifyReason(models.TextChoices):
    """Why a lead was dropped. The first seven are the seed's causes of failed leads (§4.1)."""

    # Immature lead with no follow-up mechanism.
    NO_FOLLOW_UP_MECHANISM = "no_follow_up_mechanism", _("Immature lead, no follow-up mechanism")
    # Poor data management or screening.
    POOR_DATA = "poor_data", _("Poor data management / screening")
    # The lead was badly defined.
    BAD_DEFINITION = "bad_definition", _("Bad lead definition")
    # No long-term lead mining plan.
    NO_MINING_PLAN = "no_mining_plan", _("No long-term lead mining plan")
    # The target customer is unclear.
    UNCLEAR_TARGET = "unclear_target", _("Unclear target customer")
    # Follow-up was too slow or inefficient.
    POOR_FOLLOW_UP = "poor_follow_up", _("Poor follow-up efficiency")
    # Our product is not general enough for this need.
    LOW_PRODUCT_FIT = "low_product_fit", _("Low product generality / fit")
    # Duplicates another lead or an open opportunity.
    DUPLICATE = "duplicate", _("Duplicate")
    # The customer has no budget or no project.
    NO_BUDGET = "no_budget", _("No budget or project")
    # Outside our strategy.
    NO_STRATEGIC_FIT = "no_strategic_fit", _("No strategic fit")
    # The customer chose someone else before we engaged.
    LOST_TO_COMPETITOR = "lost_to_competitor", _("Lost to a competitor")
    # Anything else; the note explains.
    OTHER = "other", _("Other")


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")
    TECHNICAL_EXCHANGE = "technical_exchange", _("Technical exchange")
    EMAIL = "email", _("E-mail")


class ActivityOutcome(models.TextChoices):
    # The customer engaged and the lead moved forward.
    POSITIVE = "positive", _("Positive")
    # Contact made, nothing changed.
    NEUTRAL = "neutral", _("Neutral")
    # The customer pushed back or lost interest.
    NEGATIVE = "negative", _("Negative")
    # Could not reach the customer.
    NO_RESPONSE = "no_response", _("No response")


class DistributionKind(models.TextChoices):
    """The four rule families of 分发线索 (§4.4)."""

    # By region, market or country of the lead.
    REGION = "region", _("By region / market / country")
    # By the product line of the need.
    PRODUCT_LINE = "product_line", _("By product line")
    # Existing customer → the customer's account responsible (AR).
    EXISTING_CUSTOMER = "existing_customer", _("Existing customer → its AR")
    # Reps with the skill and free capacity, in turn (round-robin).
    CAPABILITY = "capability", _("By rep capability and load")


class ScoringFactor(models.TextChoices):
    """What a scoring rule looks at."""

    # The lead's source channel equals the value.
    SOURCE = "source", _("Source channel")
    # The maturity equals the value (cold/warm/hot).
    MATURITY = "maturity", _("Maturity")
    # The estimated value is at least the value (in the lead's currency).
    ESTIMATED_VALUE = "estimated_value", _("Estimated value at least")
    # The lead belongs to an existing customer account.
    EXISTING_CUSTOMER = "existing_customer", _("Existing customer")
    # The strategic fit was assessed as fitting.
    STRATEGIC_FIT = "strategic_fit", _("Strategic fit")
    # The product line code equals the value.
    PRODUCT_LINE = "product_line", _("Product line")
    # The country code equals the value.
    COUNTRY = "country", _("Country or region")
    # The named element (pain, solution, relationship, budget) is confirmed.
    ELEMENT_CONFIRMED = "element_confirmed", _("Element confirmed")
    # A contact person with a phone or an e-mail is known.
    CONTACT_KNOWN = "contact_known", _("Contact known")


class InboundMailStatus(models.TextChoices):
    """What became of one message sent to the lead mailbox."""

    # A lead was captured from it.
    CAPTURED = "captured", _("Lead captured")
    # It could not become a lead; the error says why (it is not retried until it is sent again).
    FAILED = "failed", _("Failed")
