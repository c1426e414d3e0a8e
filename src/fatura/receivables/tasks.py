"""Background tasks of receivables (django-tasks, database-backed worker)."""
