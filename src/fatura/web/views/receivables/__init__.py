"""Pages of receivables: invoices and their actions, payments, collections and the reports."""
