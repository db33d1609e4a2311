"""The versioned JSON API: one routes module per resource."""

from fastapi import APIRouter

from backend.api.errors import ERROR_RESPONSES
from backend.api.routes import (
    appointments,
    beneficiaries,
    bot,
    bot_parcours,
    integrations,
    login,
    onboarding,
    orientation,
    prediagnostic,
    referential,
    simulate,
    telegram_links,
)

api_router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
api_router.include_router(login.router)
api_router.include_router(onboarding.router)
api_router.include_router(beneficiaries.router)
api_router.include_router(orientation.router)
api_router.include_router(telegram_links.router)
api_router.include_router(simulate.router)
api_router.include_router(bot.router)
api_router.include_router(referential.router)
api_router.include_router(bot_parcours.router)
api_router.include_router(appointments.router)
api_router.include_router(integrations.router)
api_router.include_router(prediagnostic.router)
api_router.include_router(prediagnostic.staff_router)
