"""Who acts: the type of the actor that services and selectors receive (``by=``, ``user=``).

A page or an API handler passes ``request.user``, which django-stubs types as the user model or
``AnonymousUser``; services call :func:`fatura.core.roles.require` first, which turns an
anonymous (or role-less) actor away with a 403. Where the system acts (a task, a migration of
data), the eventlog takes ``User | None``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import User as UserModel

    User: TypeAlias = UserModel | AnonymousUser
    #: a signed-in user, what :func:`fatura.core.roles.require` hands back once it has let the
    #: actor through: the type a foreign key such as ``created_by`` accepts
    Actor: TypeAlias = UserModel
else:  # annotations only: importing auth's models here would need the app registry ready
    User = Any
    Actor = Any
