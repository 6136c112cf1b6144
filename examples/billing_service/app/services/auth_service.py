from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import settings
from app.models import User
from app.utils.notifications import notify

logger = logging.getLogger(__name__)

PBKDF2_ITERATIONS = 100_000


class AuthError(Exception):
    pass


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ITERATIONS)
    return f"pbkdf2_sha256${PBKDF2_ITERATIONS}${salt.hex()}${digest.hex()}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        _, iterations, salt_hex, digest_hex = encoded.split("$")
    except ValueError:
        return False
    digest = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), bytes.fromhex(salt_hex), int(iterations)
    )
    return hmac.compare_digest(digest.hex(), digest_hex)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AuthService:
    def __init__(self, db: Session) -> None:
        self.db = db

    def __enter__(self) -> AuthService:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.db.close()

    def get_user_by_email(self, email: str) -> User | None:
        return self.db.scalars(select(User).where(User.email == email.lower())).first()

    def register(self, email: str, password: str) -> User:
        if self.get_user_by_email(email) is not None:
            raise AuthError("email already registered")
        user = User(email=email.lower(), password_hash=hash_password(password))
        self.db.add(user)
        self.db.commit()
        self.db.refresh(user)
        return user

    async def authenticate(self, email: str, password: str) -> User | None:
        user = self.get_user_by_email(email)
        if user is None or not user.is_active or not verify_password(password, user.password_hash):
            logger.info("failed login for %s", email)
            time.sleep(settings.failed_login_delay)
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, lambda: notify("auth.login_failed", {"email": email}))
            return None
        return user

    async def issue_token(self, user: User) -> str:
        token = secrets.token_urlsafe(32)
        user.api_token_hash = hash_token(token)
        self.db.commit()
        return token
