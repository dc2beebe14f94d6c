"""The one door for every change to a case (DESIGN.md §3), by its old name: a façade that
re-exports the actions, which live by topic beside it (perform, registration, corrections,
case_records, handoffs, agreements). Callers still say `services.perform(...)`; new code
imports the topic module. No logic here."""

from mediation.law.case_rules import (
    ROUTE_REFUSALS,
    derived_tags,
    guardian_error,
    performance_routes,
)
from mediation.law.jsonform import Data, Errors, errors_of
from mediation.law.transitions import TRANSITION_NAMES

from .agreements import record_agreement
from .base import (
    CaseRef,
    InTransition,
    _in_transaction_hooks,
    _probes,
    grant_access,
    in_transition,
    load_for_update,
)
from .case_records import (
    FollowUpForm as _FollowUpForm,
)
from .case_records import (
    SessionForm as _SessionForm,
)
from .case_records import (
    add_follow_up,
    add_session,
    flag_risk,
    record_export,
)
from .corrections import (
    CORRECTABLE_CASE_FIELDS,
    CORRECTABLE_PARTY_FIELDS,
    correct_case,
    correct_party,
)
from .handoffs import (
    close_handoff,
    court_extended_review,
    open_handoff,
    record_task_completed,
    update_handoff,
    update_handoff_clocks,
)
from .intake_forms import CaseForm as _CaseForm
from .intake_forms import PartyForm as _PartyForm
from .intake_forms import representative_fields
from .perform import available_transitions, perform, transition_warnings, transitions_from
from .registration import Registration, apply_online, register_case, validate_registration

__all__ = [
    "CORRECTABLE_CASE_FIELDS",
    "CORRECTABLE_PARTY_FIELDS",
    "ROUTE_REFUSALS",
    "TRANSITION_NAMES",
    "CaseRef",
    "Data",
    "Errors",
    "InTransition",
    "Registration",
    "_CaseForm",
    "_FollowUpForm",
    "_PartyForm",
    "_SessionForm",
    "_in_transaction_hooks",
    "_probes",
    "add_follow_up",
    "add_session",
    "apply_online",
    "available_transitions",
    "close_handoff",
    "correct_case",
    "correct_party",
    "court_extended_review",
    "derived_tags",
    "errors_of",
    "flag_risk",
    "grant_access",
    "guardian_error",
    "in_transition",
    "load_for_update",
    "open_handoff",
    "perform",
    "performance_routes",
    "record_agreement",
    "record_export",
    "record_task_completed",
    "register_case",
    "representative_fields",
    "transition_warnings",
    "transitions_from",
    "update_handoff",
    "update_handoff_clocks",
    "validate_registration",
]
