"""The access review: changes joined with the audit trail (who approved, when applied),
the flags an auditor asks about, and the review pack (CSV files and one HTML page)."""
