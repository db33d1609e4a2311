"""All tables; importing this package registers them on ``Base.metadata``."""

from .appointments import AppointmentReminder, AppSetting, WebhookReceipt
from .base import Base, utcnow
from .channels import TelegramLinkToken
from .invitations import Invitation
from .messaging import Event, KeyLease, Message, Task
from .orientation import OrientationSuggestion
from .parcours import Appointment, AppointmentStatus, CallbackRequest, SituationUpdate
from .people import (
    Account,
    Beneficiary,
    ChannelName,
    Consent,
    Contact,
    ContactStatus,
    Role,
    Structure,
)
from .prediagnostic import (
    DeclarationStatus,
    Prediagnostic,
    PrediagnosticAnswer,
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
    "Invitation",
    "KeyLease",
    "LoginAttempt",
    "Message",
    "OrientationSuggestion",
    "Prediagnostic",
    "PrediagnosticAnswer",
    "ProfessionalProject",
    "Role",
    "SituationItem",
    "SituationUpdate",
    "Structure",
    "Task",
    "TelegramLinkToken",
    "WebSession",
    "WebhookReceipt",
    "utcnow",
]
