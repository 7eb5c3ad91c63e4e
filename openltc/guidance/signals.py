"""Decoupled side effect: an opportunity entering a stage gets the stage's key tasks as
checklist items (the opportunities app records each move as an OpportunityStageChange)."""

from __future__ import annotations

from typing import Any


def on_stage_change(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if not created or raw:
        return
    from openltc.guidance.services import checklist_sync

    checklist_sync(instance.opportunity, instance.to_stage)
