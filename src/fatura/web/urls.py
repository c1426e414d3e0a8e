from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from fatura.web.views import home
from fatura.web.views.banking import bank_files, remittances
from fatura.web.views.billing import charges
from fatura.web.views.catalog import items as catalog
from fatura.web.views.customers import customers, late_charges, payment_terms
from fatura.web.views.events import events
from fatura.web.views.fiscal import dashboard as fiscal
from fatura.web.views.fiscal import delays as fiscal_delays
from fatura.web.views.fiscal import invoice_nfse
from fatura.web.views.fiscal import lags as fiscal_lags
from fatura.web.views.fiscal import nfse as fiscal_nfse
from fatura.web.views.fiscal import orders as fiscal_orders
from fatura.web.views.fiscal import reports as fiscal_reports
from fatura.web.views.forecast import exports as forecast_exports
from fatura.web.views.forecast import outlook as forecast
from fatura.web.views.mining import cases as mining_cases
from fatura.web.views.mining import imports as mining_imports
from fatura.web.views.mining import kpis as mining_kpis
from fatura.web.views.mining import logs as mining
from fatura.web.views.receivables import (
    collections,
    invoice_actions,
    invoice_new,
    invoices,
    payment_detail,
    payments,
    periods,
    reports,
)
from fatura.web.views.usage import charts as usage
from fatura.web.views.usage import consumption, volume_import

app_name = "web"

urlpatterns = [
    path("login/", home.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", home.home, name="home"),
    path("clientes/", customers.customers, name="customers"),
    path("clientes/exportar.csv", customers.customers_csv, name="customers_csv"),
    path(
        "clientes/<int:customer_id>/encargos/",
        late_charges.customer_late_charges,
        name="customer_late_charges",
    ),
    path("clientes/condicoes-de-pagamento/", payment_terms.payment_terms, name="payment_terms"),
    path("itens/", catalog.items, name="items"),
    path("itens/exportar.csv", catalog.items_csv, name="items_csv"),
    path("itens/<int:item_id>/", catalog.item_detail, name="item_detail"),
    path(
        "itens/<int:item_id>/precos/<int:price_id>/remover/",
        catalog.price_remove,
        name="price_remove",
    ),
    path(
        "itens/<int:item_id>/precos/<int:price_id>/substituir/",
        catalog.price_replace,
        name="price_replace",
    ),
    path("consumo/", consumption.consumption, name="consumption"),
    path("consumo/exportar.csv", consumption.consumption_csv, name="consumption_csv"),
    path(
        "consumo/<int:consumption_id>/excluir/",
        consumption.consumption_remove,
        name="consumption_remove",
    ),
    path("consumo/importar/", volume_import.volume_import, name="volume_import"),
    path(
        "consumo/importacoes/<int:job_id>/",
        volume_import.volume_import_job,
        name="volume_import_job",
    ),
    path("consumo/exemplo-volumetria.csv", volume_import.volume_example, name="volume_example"),
    path("cobrancas/", charges.charges, name="charges"),
    path("cobrancas/exportar.csv", charges.charges_csv, name="charges_csv"),
    path("cobrancas/finalizar/", charges.finalize, name="charge_finalize"),
    path("cobrancas/faturar-mes/", charges.billing_run_start, name="billing_run_start"),
    path("cobrancas/faturamentos/<int:run_id>/", charges.billing_run, name="billing_run"),
    path("faturas/", invoices.invoices, name="invoices"),
    path("faturas/exportar.csv", invoices.invoices_csv, name="invoices_csv"),
    path("faturas/nova/", invoice_new.invoice_new, name="invoice_new"),
    path("faturas/<str:number>/", invoices.invoice_detail, name="invoice_detail"),
    path("faturas/<str:number>/boleto.pdf", remittances.boleto_pdf_view, name="invoice_boleto_pdf"),
    path("faturas/<str:number>/pdf/", invoices.invoice_pdf_view, name="invoice_pdf"),
    path("faturas/<str:number>/nfse/", invoice_nfse.invoice_nfse_panel, name="invoice_nfse_panel"),
    path(
        "faturas/<str:number>/nfse/emitir/",
        invoice_nfse.invoice_nfse_issue,
        name="invoice_nfse_issue",
    ),
    path(
        "faturas/<str:number>/nfse/cancelar/",
        invoice_nfse.invoice_nfse_cancel,
        name="invoice_nfse_cancel",
    ),
    path(
        "faturas/<str:number>/acoes/<str:action>/",
        invoice_actions.invoice_action,
        name="invoice_action",
    ),
    path("pagamentos/", payments.payments, name="payments"),
    path("pagamentos/exportar.csv", payments.payments_csv, name="payments_csv"),
    path("pagamentos/novo/", payments.payment_new, name="payment_new"),
    path("pagamentos/banco/", bank_files.bank_files_page, name="bank_files"),
    path(
        "pagamentos/banco/importacoes/<int:job_id>/",
        bank_files.bank_file_job,
        name="bank_file_job",
    ),
    path("pagamentos/remessa/", remittances.remittances_page, name="remittances"),
    path(
        "pagamentos/remessa/<int:number>/",
        remittances.remittance_download,
        name="remittance_download",
    ),
    path(
        "pagamentos/banco/<int:entry_id>/conciliar/",
        bank_files.bank_entry_match,
        name="bank_entry_match",
    ),
    path(
        "pagamentos/banco/<int:entry_id>/ignorar/",
        bank_files.bank_entry_ignore,
        name="bank_entry_ignore",
    ),
    path("pagamentos/novo/faturas/", payments.payment_open_invoices, name="payment_open_invoices"),
    path("pagamentos/<int:payment_id>/", payment_detail.payment_detail, name="payment_detail"),
    path(
        "pagamentos/<int:payment_id>/aplicar/", payment_detail.payment_apply, name="payment_apply"
    ),
    path(
        "pagamentos/<int:payment_id>/contabilizar/",
        payment_detail.payment_post,
        name="payment_post",
    ),
    path(
        "pagamentos/<int:payment_id>/estornar/",
        payment_detail.payment_reverse,
        name="payment_reverse",
    ),
    path("cobranca/", collections.worklist, name="worklist"),
    path("cobranca/exportar.csv", collections.worklist_csv, name="worklist_csv"),
    path("cobranca/ligacao/<str:number>/", collections.worklist_call, name="worklist_call"),
    path("cobranca/reguas/", collections.strategies, name="dunning_strategies"),
    path("cobranca/reguas/editar/", collections.strategy_edit, name="dunning_strategy_edit"),
    path("relatorios/aging/", reports.aging, name="aging"),
    path("relatorios/aging/exportar.csv", reports.aging_csv, name="aging_csv"),
    path("relatorios/aging/exportar.pdf", reports.aging_pdf, name="aging_pdf"),
    path("relatorios/caixa/", reports.cash_in, name="cash_in"),
    path("relatorios/caixa/exportar.csv", reports.cash_in_csv, name="cash_in_csv"),
    path("relatorios/dso/", reports.dso, name="dso"),
    path("relatorios/fechamento/", periods.periods, name="periods"),
    path("relatorios/fechamento/<str:month>/fechar/", periods.period_close, name="period_close"),
    path("relatorios/fechamento/<str:month>/reabrir/", periods.period_reopen, name="period_reopen"),
    path("relatorios/dso/exportar.csv", reports.dso_csv, name="dso_csv"),
    path("relatorios/dso/exportar.pdf", reports.dso_pdf, name="dso_pdf"),
    path("clientes/<int:customer_id>/extrato/", reports.statement, name="customer_statement"),
    path(
        "clientes/<int:customer_id>/extrato/exportar.csv",
        reports.statement_csv,
        name="customer_statement_csv",
    ),
    path(
        "clientes/<int:customer_id>/extrato/exportar.pdf",
        reports.statement_pdf,
        name="customer_statement_pdf",
    ),
    path("uso/", usage.usage, name="usage"),
    path("uso/exportar.csv", usage.usage_csv, name="usage_csv"),
    path("eventos/", events.events, name="events"),
    path("eventos/exportar.csv", events.events_csv, name="events_csv"),
    path("eventos/caso/<path:case_id>/", events.event_case, name="event_case"),
    path("mineracao/", mining.index, name="mining"),
    path("mineracao/importar/", mining.log_upload, name="mining_upload"),
    path(
        "mineracao/importacoes/<int:log_id>/",
        mining_imports.log_import_status,
        name="mining_import",
    ),
    path("mineracao/<str:log_key>/mapa/", mining.process_map, name="mining_map"),
    path("mineracao/<str:log_key>/mapa/arestas.csv", mining.map_csv, name="mining_map_csv"),
    path("mineracao/<str:log_key>/mapa/mapa.svg", mining.map_svg, name="mining_map_svg"),
    path("mineracao/<str:log_key>/variantes/", mining.variants, name="mining_variants"),
    path(
        "mineracao/<str:log_key>/variantes/exportar.csv",
        mining.variants_csv,
        name="mining_variants_csv",
    ),
    path("mineracao/<str:log_key>/indicadores/", mining_kpis.kpi_dashboard, name="mining_kpis"),
    path("mineracao/<str:log_key>/faturas/", mining_cases.case_list, name="mining_cases"),
    path(
        "mineracao/<str:log_key>/faturas/exportar.csv",
        mining_cases.case_csv,
        name="mining_cases_csv",
    ),
    path(
        "mineracao/<str:log_key>/faturas/exportar.parquet",
        mining_cases.case_parquet,
        name="mining_cases_parquet",
    ),
    path(
        "mineracao/<str:log_key>/indicadores/exportar.csv",
        mining_kpis.kpi_csv,
        name="mining_kpis_csv",
    ),
    path(
        "mineracao/<str:log_key>/indicadores/graficos/<slug:chart>.csv",
        mining_kpis.kpi_chart_csv,
        name="mining_kpis_chart_csv",
    ),
    path("fiscal/", fiscal.dashboard, name="fiscal"),
    path("fiscal/grafico/<slug:chart>.csv", fiscal.chart_csv, name="fiscal_chart_csv"),
    path("fiscal/pos-servico/", fiscal_reports.post_service, name="fiscal_post_service"),
    path(
        "fiscal/pos-servico/exportar.csv",
        fiscal_reports.post_service_csv,
        name="fiscal_post_service_csv",
    ),
    path(
        "fiscal/pos-servico/exportar.pdf",
        fiscal_reports.post_service_pdf,
        name="fiscal_post_service_pdf",
    ),
    path("fiscal/eficiencia/", fiscal_reports.efficiency, name="fiscal_efficiency"),
    path(
        "fiscal/eficiencia/exportar.csv",
        fiscal_reports.efficiency_csv,
        name="fiscal_efficiency_csv",
    ),
    path(
        "fiscal/eficiencia/exportar.pdf",
        fiscal_reports.efficiency_pdf,
        name="fiscal_efficiency_pdf",
    ),
    path("fiscal/pendencias/", fiscal_reports.backlog, name="fiscal_backlog"),
    path(
        "fiscal/pendencias/<str:number>/motivo/",
        fiscal_delays.delay_reason_set,
        name="fiscal_delay_reason_set",
    ),
    path("fiscal/pendencias/exportar.csv", fiscal_reports.backlog_csv, name="fiscal_backlog_csv"),
    path("fiscal/pendencias/exportar.pdf", fiscal_reports.backlog_pdf, name="fiscal_backlog_pdf"),
    path("fiscal/ordens/", fiscal_orders.orders, name="fiscal_orders"),
    path("fiscal/ordens/importar/", fiscal_orders.orders_import, name="fiscal_orders_import"),
    path("fiscal/ordens/exemplo.csv", fiscal_orders.orders_example, name="fiscal_orders_example"),
    path(
        "fiscal/ordens/<int:order_id>/<str:action>/",
        fiscal_orders.order_action,
        name="fiscal_order_action",
    ),
    path("fiscal/nfse/", fiscal_nfse.nfse, name="fiscal_nfse"),
    path("fiscal/nfse/importar/", fiscal_nfse.nfse_upload, name="fiscal_nfse_import"),
    path(
        "fiscal/nfse/importacoes/<int:import_id>/",
        fiscal_nfse.nfse_import_status,
        name="fiscal_nfse_import",
    ),
    path("fiscal/nfse/exemplo.csv", fiscal_nfse.nfse_example, name="fiscal_nfse_example"),
    path("fiscal/nfse/<str:number>/dps.xml", fiscal_nfse.nfse_dps, name="fiscal_nfse_dps"),
    path(
        "fiscal/nfse/<str:number>/danfse.pdf",
        invoice_nfse.nfse_danfse_view,
        name="fiscal_nfse_danfse",
    ),
    path("fiscal/prazos/", fiscal_lags.lags, name="fiscal_lags"),
    path("fiscal/prazos/<int:lag_id>/excluir/", fiscal_lags.lag_delete, name="fiscal_lag_delete"),
    path("previsao/", forecast.forecast, name="forecast"),
    path("previsao/semana/<int:index>/", forecast.forecast_week, name="forecast_week"),
    path("previsao/treinar/", forecast.forecast_train, name="forecast_train"),
    path("previsao/exportar.csv", forecast_exports.cash_flow_csv, name="forecast_csv"),
    path(
        "previsao/previsoes.csv",
        forecast_exports.predictions_csv,
        name="forecast_predictions_csv",
    ),
    path("previsao/fatura/<str:number>/", forecast.invoice_panel, name="forecast_invoice_panel"),
    path("assets/plotly.min.js", usage.plotly_js, name="plotly_js"),
]
