from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from fatura.web.views import (
    catalog,
    charges,
    consumption,
    customers,
    events,
    home,
    invoices,
    usage,
    volume_import,
)

app_name = "web"

urlpatterns = [
    path("login/", home.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", home.home, name="home"),
    path("clientes/", customers.customers, name="customers"),
    path("clientes/exportar.csv", customers.customers_csv, name="customers_csv"),
    path("itens/", catalog.items, name="items"),
    path("itens/exportar.csv", catalog.items_csv, name="items_csv"),
    path("itens/<int:item_id>/", catalog.item_detail, name="item_detail"),
    path(
        "itens/<int:item_id>/precos/<int:price_id>/remover/",
        catalog.price_remove,
        name="price_remove",
    ),
    path("consumo/", consumption.consumption, name="consumption"),
    path("consumo/exportar.csv", consumption.consumption_csv, name="consumption_csv"),
    path(
        "consumo/<int:consumption_id>/excluir/",
        consumption.consumption_remove,
        name="consumption_remove",
    ),
    path("consumo/importar/", volume_import.volume_import, name="volume_import"),
    path("consumo/exemplo-volumetria.csv", volume_import.volume_example, name="volume_example"),
    path("cobrancas/", charges.charges, name="charges"),
    path("cobrancas/exportar.csv", charges.charges_csv, name="charges_csv"),
    path("cobrancas/finalizar/", charges.finalize, name="charge_finalize"),
    path("cobrancas/faturar-mes/", charges.billing_run_start, name="billing_run_start"),
    path("cobrancas/faturamentos/<int:run_id>/", charges.billing_run, name="billing_run"),
    path("faturas/", invoices.invoices, name="invoices"),
    path("faturas/exportar.csv", invoices.invoices_csv, name="invoices_csv"),
    path("faturas/<str:number>/", invoices.invoice_detail, name="invoice_detail"),
    path("faturas/<str:number>/pdf/", invoices.invoice_pdf_view, name="invoice_pdf"),
    path("uso/", usage.usage, name="usage"),
    path("uso/exportar.csv", usage.usage_csv, name="usage_csv"),
    path("eventos/", events.events, name="events"),
    path("eventos/exportar.csv", events.events_csv, name="events_csv"),
    path("eventos/caso/<path:case_id>/", events.event_case, name="event_case"),
    path("assets/plotly.min.js", usage.plotly_js, name="plotly_js"),
]
