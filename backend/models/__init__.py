"""All tables; importing this package registers them on ``Base.metadata``."""

from .appointments import AppointmentReminder, AppSetting, WebhookReceipt
from .base import Base, utcnow
from .channels import TelegramLinkToken
from .invitations import Invitation, InvitationStatus
from .messaging import Event, KeyLease, Message, MessageDirection, MessageStatus, Task, TaskStatus
from .orientation import OrientationDecision, OrientationStatus, OrientationSuggestion
from .parcours import (
    Appointment,
    AppointmentStatus,
    CallbackRequest,
    RequestKind,
    RequestStatus,
    SituationUpdate,
    SituationUpdateStatus,
)
from .people import (
    Account,
    Beneficiary,
    ChannelName,
    Consent,
    Contact,
    ContactStatus,
    Identification,
    Role,
    Structure,
)
from .prediagnostic import (
    DeclarationStatus,
    Prediagnostic,
    PrediagnosticAnswer,
    PrediagnosticStatus,
    ProfessionalProject,
    SituationItem,
)
from .webapp import LoginAttempt, WebSession

__all__ = [
    "Account",
    "AppSetting",
    "Appointment",
    "AppointmentReminder",
    "AppointmentStatus",
    "Base",
    "Beneficiary",
    "CallbackRequest",
    "ChannelName",
    "Consent",
    "Contact",
    "ContactStatus",
    "DeclarationStatus",
    "Event",
    "Identification",
    "Invitation",
    "InvitationStatus",
    "KeyLease",
    "LoginAttempt",
    "Message",
    "MessageDirection",
    "MessageStatus",
    "OrientationDecision",
    "OrientationStatus",
    "OrientationSuggestion",
    "Prediagnostic",
    "PrediagnosticAnswer",
    "PrediagnosticStatus",
    "ProfessionalProject",
    "RequestKind",
    "RequestStatus",
    "Role",
    "SituationItem",
    "SituationUpdate",
    "SituationUpdateStatus",
    "Structure",
    "Task",
    "TaskStatus",
    "TelegramLinkToken",
    "WebSession",
    "WebhookReceipt",
    "utcnow",
]
