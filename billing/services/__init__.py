"""Billing's writes, one module per part (tuition and ledger, invoices, settlement)."""
