"""The SCIM JSON form of canonical records, as AWS IAM Identity Center accepts and returns it.

Conversion only: a user becomes the document AWS would accept on POST or PUT, and a document
read back becomes the same user again (`user_from_scim(user_to_scim(u)) == u` for a desired
user whose manager is resolved by the caller). Optional attributes that are not set are left
out, never sent as empty strings (AWS rejects those).
"""

from __future__ import annotations

from typing import Any

from scimform.model import ADDRESS_FIELDS, Address, Group, User

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"

# User field -> top-level SCIM attribute, for the plain single-valued strings.
_TOP_LEVEL = {
    "external_id": "externalId",
    "nick_name": "nickName",
    "title": "title",
    "user_type": "userType",
    "preferred_language": "preferredLanguage",
    "locale": "locale",
    "timezone": "timezone",
    "profile_url": "profileUrl",
}
_NAME = {"given_name": "givenName", "middle_name": "middleName", "family_name": "familyName"}
_ENTERPRISE = {
    "employee_number": "employeeNumber",
    "cost_center": "costCenter",
    "organization": "organization",
    "division": "division",
    "department": "department",
}
_ADDRESS = {a.field: a.friendly for a in ADDRESS_FIELDS}


def _set(out: dict[str, Any], fields: dict[str, str], source: object) -> None:
    for attr, scim in fields.items():
        value = getattr(source, attr)
        if value is not None:
            out[scim] = value


def _get(doc: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    return {attr: doc[scim] for attr, scim in fields.items() if doc.get(scim) is not None}


def user_to_scim(user: User, manager_id: str | None = None) -> dict[str, Any]:
    """The SCIM User document for `user`, without id or meta; `manager_id` is the SCIM id of
    the user's manager (the caller resolves `user.manager`, a userName, to it)."""
    doc: dict[str, Any] = {"schemas": [USER_SCHEMA], "userName": user.user_name}
    name: dict[str, Any] = {}
    _set(name, _NAME, user)
    doc["name"] = name
    doc["displayName"] = user.display_name
    _set(doc, _TOP_LEVEL, user)
    doc["active"] = user.active
    if user.email is not None:
        email: dict[str, Any] = {"value": user.email, "primary": True}
        if user.email_type is not None:
            email["type"] = user.email_type
        doc["emails"] = [email]
    if user.phone is not None:
        phone: dict[str, Any] = {"value": user.phone}
        if user.phone_type is not None:
            phone["type"] = user.phone_type
        doc["phoneNumbers"] = [phone]
    if user.address is not None:
        address: dict[str, Any] = {}
        _set(address, _ADDRESS, user.address)
        doc["addresses"] = [address]
    enterprise: dict[str, Any] = {}
    _set(enterprise, _ENTERPRISE, user)
    if manager_id is not None:
        enterprise["manager"] = {"value": manager_id}
    if enterprise:
        doc["schemas"].append(ENTERPRISE_SCHEMA)
        doc[ENTERPRISE_SCHEMA] = enterprise
    return doc


def user_from_scim(doc: dict[str, Any], manager_name: str | None = None) -> User:
    """The canonical user for a SCIM User document; `manager_name` is the userName the
    caller resolved the document's manager id to."""
    name = doc.get("name") or {}
    email = (doc.get("emails") or [{}])[0]
    phone = (doc.get("phoneNumbers") or [{}])[0]
    addresses = doc.get("addresses") or []
    address = Address(**_get(addresses[0], _ADDRESS)) if addresses else None
    return User(
        user_name=doc["userName"],
        given_name=name.get("givenName", ""),
        family_name=name.get("familyName", ""),
        display_name=doc.get("displayName", ""),
        middle_name=name.get("middleName"),
        active=doc.get("active", True),
        email=email.get("value"),
        email_type=email.get("type"),
        phone=phone.get("value"),
        phone_type=phone.get("type"),
        address=address,
        manager=manager_name,
        id=doc.get("id"),
        **_get(doc, _TOP_LEVEL),
        **_get(doc.get(ENTERPRISE_SCHEMA) or {}, _ENTERPRISE),
    )


def manager_id_of(doc: dict[str, Any]) -> str | None:
    """The SCIM id of the manager a User document names, if any."""
    manager = (doc.get(ENTERPRISE_SCHEMA) or {}).get("manager") or {}
    value = manager.get("value")
    return value if isinstance(value, str) else None


def group_to_scim(group: Group) -> dict[str, Any]:
    """The SCIM Group document for `group`, without id, meta or members."""
    doc: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "displayName": group.display_name}
    if group.external_id is not None:
        doc["externalId"] = group.external_id
    return doc


def group_from_scim(doc: dict[str, Any], members: frozenset[str] = frozenset()) -> Group:
    """The canonical group for a SCIM Group document and the userNames of its members."""
    return Group(
        display_name=doc["displayName"],
        external_id=doc.get("externalId"),
        members=members,
        id=doc.get("id"),
    )
