"""The demo's last month of NFS-e issued by Fatura itself, through the Sefin Nacional's contract
server (decision 0039): for the invoices that bill service orders, the NFS-e of the last
``RECENT_DAYS`` is not imported from the issuer's file but issued from the invoice, as
Financeiro would (``nfse_issue_prepare`` + the worker's ``nfse_issue_execute``): the DPS signed
with an A1 certificate made for the demo, sent over mutual TLS to
:class:`fatura.fiscal.contract_server.ContractServer` running in this process, the authorized
NFS-e stored with its coverages and "NFS-e Issued". Now and then the Sefin rejects one (its
code and message on the invoice); it is sent again a business day later, unless that is past
today. The server stamps the replayed moment (``Timeline.now``), so each NFS-e reads in time
order; it numbers from ``FIRST_NUMBER``, clear of the imported NFS-e. Older NFS-e stay
imported: issuing is a few times dearer than importing (signing, TLS), and the last month is
where a user looks for it.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.test.utils import override_settings

from fatura.core.documents import only_digits
from fatura.demo.receivables import Timeline
from fatura.fiscal.contract_server import ContractCerts, ContractServer, make_certificates
from fatura.fiscal.models import IssuanceStatus
from fatura.fiscal.nfse_issuing import nfse_issue_execute, nfse_issue_prepare
from fatura.receivables.models import Invoice

RECENT_DAYS = 30
FIRST_NUMBER = 900001
REJECTED = 0.08  # of the issuances the Sefin refuses the first time
REJECTION = "reject:E0116:Inscrição municipal do prestador não confere com o cadastro do município"
CERT_DIR = "nfse-demo"  # under DATA_DIR: the demo's CA, server and A1 client certificates


def demo_certificates(directory: Path) -> ContractCerts:
    """The demo's certificates, made once and kept (the company's CNPJ in the A1's name)."""
    if (directory / "client.p12").exists():
        return ContractCerts(
            directory,
            directory / "ca.pem",
            directory / "server.pem",
            directory / "server-key.pem",
            directory / "client.p12",
            "fatura-contrato",
        )
    return make_certificates(
        directory,
        document=only_digits(settings.FATURA_COMPANY["document"]),
        valid_from=dt.datetime.now(dt.UTC) - dt.timedelta(days=3 * 366),  # the replayed year
    )


class DemoSefin:
    """Issues the demo's recent NFS-e against the contract server, started on first use and
    stopped with :meth:`stop` (the replay's last step)."""

    def __init__(self, *, users: dict[str, User], timeline: Timeline, seed: int) -> None:
        self.fin = users["financeiro"]
        self.timeline = timeline
        self.rng = random.Random(seed)  # its own stream: the rest of the year is unchanged
        self.cutoff = timeline.end - dt.timedelta(days=RECENT_DAYS)
        self.server: ContractServer | None = None
        self._settings: Any = None
        self.issued = self.rejected = 0

    def recent(self, moment: dt.datetime) -> bool:
        return self.cutoff <= moment <= self.timeline.end

    def _start(self) -> None:
        if self.server is not None:
            return
        certs = demo_certificates(Path(settings.DATA_DIR) / CERT_DIR)
        self.server = ContractServer(
            certs, first_number=FIRST_NUMBER, now=lambda: self.timeline.now
        ).start()
        self._settings = override_settings(
            FATURA_NFSE={
                **settings.FATURA_NFSE,
                "environment": "2",  # produção restrita: the DANFSe says "sem validade"
                "api_url": self.server.url,
                "cert": str(certs.client_p12),
                "cert_password": certs.client_password,
                "ca": str(certs.ca),
            }
        )
        self._settings.enable()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self._settings.disable()
            self.server = None

    def issue(self, invoice_id: int) -> None:
        """Financeiro issues the invoice's NFS-e now; the worker's step runs inline."""
        self._start()
        assert self.server is not None
        invoice = Invoice.objects.select_related("customer").get(pk=invoice_id)
        issuance = nfse_issue_prepare(by=self.fin, invoice=invoice)
        if self.rng.random() < REJECTED:
            self.server.fail_next(REJECTION)
        issuance = nfse_issue_execute(issuance.pk)
        if issuance.status == IssuanceStatus.REJECTED:
            self.rejected += 1
            again = self.timeline.now + dt.timedelta(days=1, hours=self.rng.uniform(0, 3))
            self.timeline.at(again, lambda: self.issue(invoice_id))  # dropped if past today
        else:
            self.issued += 1
