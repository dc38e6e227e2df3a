"""Actions on the user's world: proposed as plans, approved by the user, applied write-ahead, undone on request."""

from os1.actions.approve import select
from os1.actions.base import Action, Outcome, Plan, PlanSummary, Registry, Skip, Step, StepResult
from os1.actions.journal import Journal, journal_of
from os1.actions.run import apply_plan, undo_plan

__all__ = ["Action", "Journal", "Outcome", "Plan", "PlanSummary", "Registry", "Skip", "Step", "StepResult",
           "apply_plan", "journal_of", "select", "undo_plan"]
