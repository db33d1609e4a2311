"""The versioned JSON API: one routes module per resource."""

from fastapi import APIRouter

from backend.api.routes import beneficiaries, bot, login, prediagnostic, referential, simulate

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(login.router)
api_router.include_router(beneficiaries.router)
api_router.include_router(simulate.router)
api_router.include_router(bot.router)
api_router.include_router(referential.router)
api_router.include_router(prediagnostic.router)
api_router.include_router(prediagnostic.staff_router)
