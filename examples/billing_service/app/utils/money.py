from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def format_cents(amount_cents: int, currency: str) -> str:
    units = Decimal(amount_cents) / 100
    symbol = _SYMBOLS.get(currency.upper())
    amount = f"{units.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    return f"{symbol}{amount}" if symbol else f"{amount} {currency.upper()}"

