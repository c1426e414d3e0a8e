"""The pages of Fatura, one module per area; each view parses the request, calls a service or
selector, and renders. Rules live in the services."""
