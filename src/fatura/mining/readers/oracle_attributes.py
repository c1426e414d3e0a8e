"""The Oracle Fusion AR extract's template attributes from optional tables: user names
(PER_USERS -> PER_PERSON_NAMES_F / PER_ALL_PEOPLE_F), the billing department (the invoice
creator's assignment in PER_ALL_ASSIGNMENTS_F -> HR_ALL_ORGANIZATION_UNITS), business unit
names (FUN_ALL_BUSINESS_UNITS_V / HR_OPERATING_UNITS) and the bill-to address (site use ->
account site -> party site -> HZ_LOCATIONS). Every table is optional: when one is absent the
attribute is empty (or keeps the raw id), never an error. See docs/erp-mappings.md and
docs/decisions/0031.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.readers.erp_common import Extract, Sheet, lookup
from fatura.mining.timestamps import UTC_US

USERS = "PER_USERS.csv"
PERSON_NAMES = "PER_PERSON_NAMES_F.csv"
PEOPLE = "PER_ALL_PEOPLE_F.csv"
ASSIGNMENTS = "PER_ALL_ASSIGNMENTS_F.csv"
ORGANIZATIONS = "HR_ALL_ORGANIZATION_UNITS.csv"
BUSINESS_UNITS = "FUN_ALL_BUSINESS_UNITS_V.csv"
OPERATING_UNITS = "HR_OPERATING_UNITS.csv"
SITE_USES = "HZ_CUST_SITE_USES_ALL.csv"
ACCOUNT_SITES = "HZ_CUST_ACCT_SITES_ALL.csv"
PARTY_SITES = "HZ_PARTY_SITES.csv"
LOCATIONS = "HZ_LOCATIONS.csv"
RECEIVABLES_ACTIVITIES = "AR_RECEIVABLES_TRX_ALL.csv"

_DATED = ("EFFECTIVE_START_DATE", "EFFECTIVE_END_DATE")
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    USERS: (("USERNAME",), ("USER_ID", "PERSON_ID")),
    PERSON_NAMES: (("PERSON_ID",), ("DISPLAY_NAME", "FULL_NAME", "LIST_NAME", "NAME_TYPE")),
    PEOPLE: (("PERSON_ID",), ("FULL_NAME", "DISPLAY_NAME", "FIRST_NAME", "LAST_NAME")),
    ASSIGNMENTS: (
        ("PERSON_ID", "ORGANIZATION_ID"),
        (*_DATED, "PRIMARY_FLAG", "ASSIGNMENT_TYPE"),
    ),
    ORGANIZATIONS: (("ORGANIZATION_ID", "NAME"), ()),
    BUSINESS_UNITS: (("BU_ID", "BU_NAME"), ()),
    OPERATING_UNITS: (("ORGANIZATION_ID", "NAME"), ()),
    SITE_USES: (("SITE_USE_ID", "CUST_ACCT_SITE_ID"), ("SITE_USE_CODE",)),
    ACCOUNT_SITES: (("CUST_ACCT_SITE_ID", "PARTY_SITE_ID"), ()),
    PARTY_SITES: (("PARTY_SITE_ID", "LOCATION_ID"), ("PARTY_ID", "IDENTIFYING_ADDRESS_FLAG")),
    LOCATIONS: (("LOCATION_ID",), ("COUNTRY", "STATE", "PROVINCE", "REGION", "CITY")),
    RECEIVABLES_ACTIVITIES: (("RECEIVABLES_TRX_ID",), ("NAME", "TYPE")),
}
# receivables activities (AR_RECEIVABLES_TRX_ALL.TYPE) whose adjustments write the invoice off
WRITE_OFF_ACTIVITY_TYPES = ("WRITEOFF", "WRITE_OFF", "BAD_DEBT")


def _nothing(size: int) -> pa.Array:
    return pa.nulls(size, pa.string())


def _sheet(extract: Extract, name: str) -> Sheet | None:
    return extract.sheet(name, *TABLES[name])


def _first_text(sheet: Sheet, *columns: str) -> pa.Array:
    return pc.coalesce(*(sheet.text(c) for c in columns))


class People:
    """Who a WHO column (CREATED_BY, CHANGED_BY) names: a user name (PER_USERS.USERNAME, without
    case), a USER_ID, or a PERSON_ID; their name from PER_PERSON_NAMES_F (the GLOBAL name) or
    PER_ALL_PEOPLE_F."""

    def __init__(self, extract: Extract) -> None:
        self.users = _sheet(extract, USERS)
        self.names = self._names(extract)

    @staticmethod
    def _names(extract: Extract) -> tuple[pa.Array, pa.Array] | None:
        """(PERSON_ID, name) with one row per person (the first GLOBAL name; the first
        name of the other tables)."""
        names = _sheet(extract, PERSON_NAMES)
        if names is not None:
            kind = pc.utf8_upper(names.text("NAME_TYPE"))
            first = pc.or_(pc.is_null(kind), pc.equal(kind, "GLOBAL"))
            text = _first_text(names, "DISPLAY_NAME", "FULL_NAME", "LIST_NAME")
            ids = names.filled("PERSON_ID").filter(first)
            return ids, text.filter(first)
        people = _sheet(extract, PEOPLE)
        if people is None:
            return None
        both = pc.binary_join_element_wise(people.text("FIRST_NAME"), people.text("LAST_NAME"), " ")
        text = pc.coalesce(
            people.text("FULL_NAME"),
            people.text("DISPLAY_NAME"),
            both,
            people.text("LAST_NAME"),
            people.text("FIRST_NAME"),
        )
        return people.filled("PERSON_ID"), text

    def person(self, who: pa.Array) -> pa.Array:
        """The PERSON_ID each value names (the value itself when no user has it)."""
        if self.users is None or not self.users.has("PERSON_ID"):
            return who
        person = self.users.text("PERSON_ID")
        by_name = lookup(pc.utf8_upper(who), pc.utf8_upper(self.users.filled("USERNAME")))
        found = person.take(by_name)
        if self.users.has("USER_ID"):
            found = pc.coalesce(found, person.take(lookup(who, self.users.text("USER_ID"))))
        return pc.coalesce(found, who)

    def name(self, who: pa.Array) -> pa.Array:
        """The person's name, null when the extract does not say."""
        if self.names is None:
            return _nothing(len(who))
        ids, text = self.names
        return text.take(lookup(self.person(who), ids))


def with_user_names(events: pa.Table, people: People, column: str = "resource") -> pa.Table:
    """The ``column`` of every event as the person's name (the raw value when unknown); the
    raw value is kept as ``user_id``."""
    if people.names is None:
        return events
    raw = events.column(column).combine_chunks()
    named = pc.coalesce(people.name(raw), raw)
    events = events.set_column(events.column_names.index(column), column, named)
    return events.append_column("user_id", raw)


def departments(extract: Extract, people: People, who: pa.Array, at: pa.Array) -> pa.Array:
    """The department (HR organization name, else its id) of each ``who``'s assignment
    effective at ``at``: the primary one first (PER_ALL_ASSIGNMENTS_F.PRIMARY_FLAG = Y)."""
    assignments = _sheet(extract, ASSIGNMENTS)
    if assignments is None:
        return _nothing(len(who))
    rows = pa.table(
        {"row": pa.array(range(len(who)), pa.int64()), "person": people.person(who), "at": at}
    )
    flag = pc.utf8_upper(assignments.text("PRIMARY_FLAG"))
    kind = pc.utf8_upper(assignments.text("ASSIGNMENT_TYPE"))
    table = pa.table(
        {
            "person": assignments.filled("PERSON_ID"),
            "org": assignments.filled("ORGANIZATION_ID"),
            "start": assignments.dates("EFFECTIVE_START_DATE"),
            "end": assignments.dates("EFFECTIVE_END_DATE"),
            "rank": pc.if_else(pc.fill_null(pc.equal(flag, "Y"), False), 0, 1),
            "kind": kind,
        }
    )
    # employees' and contingent workers' assignments (not applicants' or offers')
    table = table.filter(pc.fill_null(pc.is_in(kind, pa.array(["E", "C"])), True))
    joined = rows.join(table, "person", join_type="inner")
    stamp = joined.column("at")
    effective = pc.and_kleene(
        pc.fill_null(pc.less_equal(joined.column("start"), stamp), True),
        pc.fill_null(pc.greater_equal(joined.column("end"), stamp), True),
    )
    joined = joined.filter(pc.fill_null(effective, True)).sort_by(
        [("row", "ascending"), ("rank", "ascending")]
    )
    if joined.num_rows == 0:
        return _nothing(len(who))
    first = pa.TableGroupBy(joined, "row", use_threads=False).aggregate([("org", "first")])
    org = (
        first.column("org_first")
        .combine_chunks()
        .take(pc.index_in(rows.column("row"), value_set=first.column("row")))
    )
    names = _sheet(extract, ORGANIZATIONS)
    if names is None:
        return org
    return pc.coalesce(names.text("NAME").take(lookup(org, names.filled("ORGANIZATION_ID"))), org)


def business_units(extract: Extract, org_id: pa.Array) -> pa.Array:
    """The name of each ORG_ID's business unit (FUN_ALL_BUSINESS_UNITS_V, HR_OPERATING_UNITS
    or HR_ALL_ORGANIZATION_UNITS), else the id."""
    for name, key, label in (
        (BUSINESS_UNITS, "BU_ID", "BU_NAME"),
        (OPERATING_UNITS, "ORGANIZATION_ID", "NAME"),
        (ORGANIZATIONS, "ORGANIZATION_ID", "NAME"),
    ):
        sheet = _sheet(extract, name)
        if sheet is not None:
            found = sheet.text(label).take(lookup(org_id, sheet.filled(key)))
            org_id = pc.coalesce(found, org_id)
            if name != ORGANIZATIONS:
                return org_id
    return org_id


def addresses(extract: Extract, site_use: pa.Array, party: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(region, country) of each invoice's bill-to address: its site use (BILL_TO_SITE_USE_ID)
    -> account site -> party site -> HZ_LOCATIONS, else the party's identifying address
    (HZ_PARTY_SITES.IDENTIFYING_ADDRESS_FLAG = Y, else its first site). Region: the location's
    REGION, else STATE, else PROVINCE."""
    size = len(site_use)
    locations = _sheet(extract, LOCATIONS)
    sites = _sheet(extract, PARTY_SITES)
    if locations is None or sites is None:
        return _nothing(size), _nothing(size)
    party_site = _nothing(size)
    uses, account_sites = _sheet(extract, SITE_USES), _sheet(extract, ACCOUNT_SITES)
    if uses is not None and account_sites is not None:
        account_site = uses.text("CUST_ACCT_SITE_ID").take(
            lookup(site_use, uses.filled("SITE_USE_ID"))
        )
        party_site = account_sites.text("PARTY_SITE_ID").take(
            lookup(account_site, account_sites.filled("CUST_ACCT_SITE_ID"))
        )
    if sites.has("PARTY_ID"):
        flag = pc.fill_null(
            pc.equal(pc.utf8_upper(sites.text("IDENTIFYING_ADDRESS_FLAG")), "Y"), False
        )
        order = pc.sort_indices(pa.table({"f": pc.invert(flag)}), sort_keys=[("f", "ascending")])
        parties = sites.text("PARTY_ID").take(order)
        identifying = sites.text("PARTY_SITE_ID").take(order).take(lookup(party, parties))
        party_site = pc.coalesce(party_site, identifying)
    location = sites.text("LOCATION_ID").take(lookup(party_site, sites.filled("PARTY_SITE_ID")))
    where = lookup(location, locations.filled("LOCATION_ID"))
    region = _first_text(locations, "REGION", "STATE", "PROVINCE").take(where)
    return region, locations.text("COUNTRY").take(where)


def write_off_activities(extract: Extract, activity_id: pa.Array) -> pa.Array:
    """True where an adjustment's receivables activity (AR_RECEIVABLES_TRX_ALL) is a write-off
    (its TYPE, or a NAME with "write"/"bad debt"); null when the table is absent."""
    sheet = _sheet(extract, RECEIVABLES_ACTIVITIES)
    if sheet is None:
        return pa.nulls(len(activity_id), pa.bool_())
    kind = pc.replace_substring_regex(pc.utf8_upper(sheet.text("TYPE")), r"[\s-]+", "_")
    named = pc.match_substring_regex(
        pc.utf8_upper(sheet.text("NAME")), r"WRITE[\s_-]*OFF|BAD[\s_-]*DEBT"
    )
    write_off = pc.or_kleene(pc.is_in(kind, pa.array(WRITE_OFF_ACTIVITY_TYPES)), named)
    write_off = pc.fill_null(write_off, False)
    return write_off.take(lookup(activity_id, sheet.filled("RECEIVABLES_TRX_ID")))


def first_at_or_after(
    case: pa.Array, at: pa.Array, later_case: pa.Array, later_at: pa.Array
) -> pa.Array:
    """For each (case, at): the earliest ``later_at`` of the same case at or after ``at``
    (an approval request's decision), null where none."""
    rows = pa.table({"row": pa.array(range(len(case)), pa.int64()), "k": case, "at": at})
    later = pa.table({"k": later_case, "end": later_at}).filter(pc.is_valid(later_case))
    joined = rows.filter(pc.is_valid(case)).join(later, "k", join_type="inner")
    joined = joined.filter(pc.greater_equal(joined.column("end"), joined.column("at")))
    if joined.num_rows == 0:
        return pa.nulls(len(case), UTC_US)
    found = joined.group_by("row").aggregate([("end", "min")])
    where = pc.index_in(rows.column("row"), value_set=found.column("row"))
    return found.column("end_min").combine_chunks().take(where)
