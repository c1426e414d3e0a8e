"""JSON API of the fiscal app, by topic: service orders and the expected-lag settings
(:mod:`.orders`), NFS-e and the backlog (:mod:`.nfse`), the KPI (:mod:`.kpi`); the query
parameters they read alike in :mod:`.params`. ``fatura.api`` mounts the routers.

Every operation names its ``operation_id``: the ids published before the API was split by
topic (``fatura_fiscal_api_*``, ``fatura_fiscal_nfse_api_*``, ``fatura_fiscal_kpi_api_*``),
which clients generated from /api/v1/openapi.json call; ninja would otherwise derive them from
the module's path."""
