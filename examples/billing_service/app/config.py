from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Settings:
    database_path: str
    base_currency: str
    reporting_currency: str
    gateway_url: str
    gateway_api_key: str
    fx_api_url: str
    webhook_url: str
    webhook_secret: str
    broker_url: str
    charge_attempts: int
    retry_backoff_seconds: float
    failed_login_delay: float
    terms_path: str

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get
        return cls(
            database_path=env(
                "BILLING_DATABASE_PATH", str(Path(tempfile.gettempdir()) / "billing_service.db")
            ),
            base_currency=env("BILLING_BASE_CURRENCY", "EUR"),
            reporting_currency=env("BILLING_REPORTING_CURRENCY", "USD"),
            gateway_url=env("BILLING_GATEWAY_URL", "https://api.paygate.example.com"),
            gateway_api_key=env("BILLING_GATEWAY_API_KEY", "sk_test_local"),
            fx_api_url=env("BILLING_FX_API_URL", "https://fx.example.com"),
            webhook_url=env("BILLING_WEBHOOK_URL", "http://localhost:8088/hooks/billing"),
            webhook_secret=env("BILLING_WEBHOOK_SECRET", "dev-secret"),
            broker_url=env("BILLING_BROKER_URL", "redis://localhost:6379/0"),
            charge_attempts=int(env("BILLING_CHARGE_ATTEMPTS", "3")),
            retry_backoff_seconds=float(env("BILLING_RETRY_BACKOFF_SECONDS", "0.5")),
            failed_login_delay=float(env("BILLING_FAILED_LOGIN_DELAY", "0.5")),
            terms_path=env("BILLING_TERMS_PATH", ""),
        )


settings = Settings.from_env()
