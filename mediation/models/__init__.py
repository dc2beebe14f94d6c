"""The tables of the mediation app, by topic; every model is importable from here
(`from mediation.models import Case`), which is how Django finds them.

organisations  Organization, Membership
case           the case, its number sequence and access rows
parties        a case's parties and their role in it
party_access   the parties' sign-in codes and sessions, the text-message outbox
records        agreements, sessions, follow-ups, documents, attachments
handoffs       cross-agency handoffs and swept deadlines
idempotency    the creating POSTs' idempotency keys and first answers
events         the event outbox and alert reads
prevention     screening rounds, findings, consultations
county         case subsidies (以案定补); mediator training and assessment; plan targets
advisers       village legal advisers, the villages they serve, their services
accounts       password history
admins         administrator changes awaiting confirmation, second-factor enrolment links
clocks         legal time limits and the holiday calendar
supervision    mediator roster, complaints, negative list, audit, monthly statistics
webhooks       webhook endpoints and their deliveries
video          online sessions: invitations, presence, consent, recordings
"""

from mediation.models.accounts import PasswordHistory
from mediation.models.admins import AdminChange, FactorEnrolment
from mediation.models.advisers import AdviserService, AdviserVillage, LegalAdviser
from mediation.models.case import (
    Case,
    CaseAccess,
    CaseNumberSequence,
    GuardedStates,
    new_tracking_token,
)
from mediation.models.clocks import Holiday, TimeLimit
from mediation.models.county import (
    CaseSubsidy,
    Indicator,
    MediatorGrade,
    SubsidyLine,
    SubsidyMonth,
    SubsidyStandard,
    TrainingAttendance,
    TrainingSession,
)
from mediation.models.events import AlertRead, CaseEvent
from mediation.models.handoffs import Deadline, Handoff
from mediation.models.idempotency import IdempotencyKey
from mediation.models.organisations import Membership, Organization, OrganRemit
from mediation.models.parties import CaseParty, Party
from mediation.models.party_access import (
    PartyCode,
    PartySession,
    PartySignature,
    SignedDocument,
    SignMethod,
    SmsMessage,
    SmsStatus,
)
from mediation.models.prevention import Consultation, ScreeningFinding, ScreeningRound
from mediation.models.records import Agreement, Attachment, Document, FollowUp, MediationSession
from mediation.models.room import RoomState, room_state
from mediation.models.supervision import (
    AuditEvent,
    CaseStatMonth,
    Complaint,
    ComplaintState,
    EmploymentKind,
    MediatorKind,
    MediatorProfile,
    NegativeListEntry,
    StatCursor,
)
from mediation.models.video import (
    RecordingChunk,
    VideoConsent,
    VideoInvitation,
    VideoPresence,
    VideoRecording,
)
from mediation.models.webhooks import DeliveryStatus, Webhook, WebhookDelivery

__all__ = [
    "AdminChange",
    "AdviserService",
    "AdviserVillage",
    "Agreement",
    "AlertRead",
    "Attachment",
    "AuditEvent",
    "Case",
    "CaseAccess",
    "CaseEvent",
    "CaseNumberSequence",
    "CaseParty",
    "CaseStatMonth",
    "CaseSubsidy",
    "Complaint",
    "ComplaintState",
    "Consultation",
    "Deadline",
    "DeliveryStatus",
    "Document",
    "EmploymentKind",
    "FactorEnrolment",
    "FollowUp",
    "GuardedStates",
    "Handoff",
    "Holiday",
    "IdempotencyKey",
    "Indicator",
    "LegalAdviser",
    "MediationSession",
    "MediatorGrade",
    "MediatorKind",
    "MediatorProfile",
    "Membership",
    "NegativeListEntry",
    "OrganRemit",
    "Organization",
    "Party",
    "PartyCode",
    "PartySession",
    "PartySignature",
    "PasswordHistory",
    "RecordingChunk",
    "RoomState",
    "ScreeningFinding",
    "ScreeningRound",
    "SignMethod",
    "SignedDocument",
    "SmsMessage",
    "SmsStatus",
    "StatCursor",
    "SubsidyLine",
    "SubsidyMonth",
    "SubsidyStandard",
    "TimeLimit",
    "TrainingAttendance",
    "TrainingSession",
    "VideoConsent",
    "VideoInvitation",
    "VideoPresence",
    "VideoRecording",
    "Webhook",
    "WebhookDelivery",
    "new_tracking_token",
    "room_state",
]
