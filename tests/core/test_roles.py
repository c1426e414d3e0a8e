"""core.roles: what Financeiro and Operação may do (the same rule for pages, API and tasks)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from fatura.core.errors import Forbidden
from fatura.core.roles import Capability, can, require, role_label
from tests.factories import UserFactory

C = Capability
EXPECTED = {
    "financeiro": set(Capability),
    "operacao": {C.VIEW, C.RECORD_CONSUMPTION, C.LOG_COLLECTION, C.RECORD_SERVICE_ORDERS},
    "no_role": set(),
    "superuser": set(Capability),
}


@pytest.fixture
def users(fin_user, ops_user):
    return {
        "financeiro": fin_user,
        "operacao": ops_user,
        "no_role": UserFactory(username="nobody"),
        "superuser": UserFactory(username="root", is_superuser=True),
    }


@pytest.mark.parametrize("role", EXPECTED)
@pytest.mark.parametrize("capability", list(Capability))
def test_capabilities_per_role(users, role, capability):
    user = users[role]
    allowed = capability in EXPECTED[role]
    assert can(user, capability) is allowed
    if allowed:
        require(user, capability)
    else:
        with pytest.raises(Forbidden) as raised:
            require(user, capability)
        assert raised.value.status == 403
        assert raised.value.message


def test_anonymous_and_missing_users_can_do_nothing():
    for capability in Capability:
        assert not can(AnonymousUser(), capability)
        assert not can(None, capability)


def test_denied_messages_name_the_role_that_may(ops_user):
    with pytest.raises(Forbidden, match="Somente o perfil Financeiro finaliza"):
        require(ops_user, Capability.FINALIZE_CHARGES)
    with pytest.raises(Forbidden, match="Financeiro cria ou altera itens"):
        require(ops_user, Capability.MANAGE_CATALOG)


def test_role_label(users):
    assert role_label(users["financeiro"]) == "Financeiro"
    assert role_label(users["operacao"]) == "Operação"
    assert role_label(users["superuser"]) == "Administrador"
    assert role_label(users["no_role"]) == "—"
