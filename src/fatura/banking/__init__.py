"""Getting paid the Brazilian way: PIX BR Code, boleto, CNAB remittance and the bank files that
come back (docs/decisions/0026-0028). Above receivables: it reads invoices and applies payments
through receivables' services; receivables shows its instruments through a port."""
