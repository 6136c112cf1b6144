"""Backfill invoice due dates that were imported from the old ERP as free text (BILL-412).

Usage: python -m scripts.legacy_fix_dates [--dry-run] [--default-term 30]
"""
from __future__ import annotations

import argparse
import asyncio
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.db import AsyncSessionLocal
from app.models import Invoice

LEGACY_FORMATS = ("%d/%m/%Y", "%Y%m%d", "%d.%m.%Y", "%Y-%m-%d")


def parse_legacy_date(value: str) -> date | None:
    value = value.strip()
    for fmt in LEGACY_FORMATS:
        try:
            return datetime.strptime(value, fmt).date())
        except ValueError:
            continue
    return None


async def backfill(dry_run: bool, default_term: int) -> int:
    fixed = 0
    async with AsyncSessionLocal() as session:
        invoices = await session.scalars(select(Invoice).where(Invoice.terms.like("due:%")))
        for invoice in invoices:
            due = parse_legacy_date(invoice.terms.removeprefix("due:"))
            invoice.due_at = due or invoice.issued_at + timedelta(days=default_term)
            invoice.terms = ""
            fixed += 1
        if dry_run:
            await session.rollback()
        else:
            await session.commit()
    return fixed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--default-term", type=int, default=30)
    args = parser.parse_args()
    fixed = asyncio.run(backfill(args.dry_run, args.default_term))
    print(f"{'would fix' if args.dry_run else 'fixed'} {fixed} invoices")


if __name__ == "__main__":
    main()
