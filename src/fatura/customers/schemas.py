from __future__ import annotations

from ninja import Schema


class CustomerIn(Schema):
    name: str
    document: str
    email: str = ""
    segment: str = ""
    region: str = ""
    country: str = "BR"
    business_unit: str = ""
    payment_terms: str = "NET30"


class CustomerOut(Schema):
    id: int
    name: str
    document: str
    document_type: str
    email: str
    segment: str
    region: str
    country: str
    business_unit: str
    payment_terms: str
