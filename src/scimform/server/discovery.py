"""The discovery documents: `/ServiceProviderConfig`, `/Schemas` and `/ResourceTypes`.

The User, enterprise User and Group schemas are generated from the attribute table in
`attributes.py`, so they list exactly what the store accepts. The configuration says what
AWS supports: PATCH and filtering yes; bulk, sorting, ETags and password change no; cursor
pagination (RFC 9865) with pages of at most 100.
"""

from __future__ import annotations

from typing import Any

from scimform.server.attributes import (
    ENTERPRISE_ATTRIBUTES,
    GROUP_ATTRIBUTES,
    USER_ATTRIBUTES,
    Attr,
)
from scimform.wire import ENTERPRISE_SCHEMA, GROUP_SCHEMA, LIST_SCHEMA, USER_SCHEMA

SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
PAGE_SIZE = 100

SERVICE_PROVIDER_CONFIG: dict[str, Any] = {
    "schemas": [CONFIG_SCHEMA],
    "documentationUri": "https://docs.aws.amazon.com/singlesignon/latest/developerguide/",
    "authenticationSchemes": [
        {
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with the SCIM access token of the console.",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": True,
        }
    ],
    "patch": {"supported": True},
    "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
    "filter": {"supported": True, "maxResults": PAGE_SIZE},
    "changePassword": {"supported": False},
    "sort": {"supported": False},
    "etag": {"supported": False},
    "pagination": {
        "cursor": True,
        "index": False,
        "defaultPaginationMethod": "cursor",
        "defaultPageSize": PAGE_SIZE,
        "maxPageSize": PAGE_SIZE,
    },
    "meta": {"resourceType": "ServiceProviderConfig"},
}


def _attribute(attr: Attr) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": attr.name,
        "type": attr.kind,
        "multiValued": attr.multi,
        "description": attr.description or attr.name,
        "required": attr.required,
        "caseExact": attr.case_exact,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": attr.uniqueness,
    }
    if attr.kind == "reference":
        doc["referenceTypes"] = ["external"]
    if attr.sub:
        doc["subAttributes"] = [_attribute(sub) for sub in attr.sub]
    return doc


def _schema(schema_id: str, name: str, attrs: tuple[Attr, ...]) -> dict[str, Any]:
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": schema_id,
        "name": name,
        "description": name,
        "attributes": [_attribute(a) for a in attrs if not a.common],
        "meta": {"resourceType": "Schema"},
    }


def _read_only(*names: str) -> tuple[Attr, ...]:
    return tuple(Attr(name) for name in names)


SCHEMAS: tuple[dict[str, Any], ...] = (
    _schema(USER_SCHEMA, "User", USER_ATTRIBUTES),
    _schema(ENTERPRISE_SCHEMA, "EnterpriseUser", ENTERPRISE_ATTRIBUTES),
    _schema(GROUP_SCHEMA, "Group", GROUP_ATTRIBUTES),
    _schema(
        CONFIG_SCHEMA, "ServiceProviderConfig", _read_only("documentationUri", "patch", "bulk")
    ),
    _schema(RESOURCE_TYPE_SCHEMA, "ResourceType", _read_only("name", "endpoint", "schema")),
    _schema(SCHEMA_SCHEMA, "Schema", _read_only("name", "description", "attributes")),
)


def _resource_type(name: str, endpoint: str, schema: str, *extensions: str) -> dict[str, Any]:
    return {
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": name,
        "name": name,
        "endpoint": endpoint,
        "description": name,
        "schema": schema,
        "schemaExtensions": [{"schema": ext, "required": False} for ext in extensions],
        "meta": {"resourceType": "ResourceType"},
    }


RESOURCE_TYPES: tuple[dict[str, Any], ...] = (
    _resource_type("User", "/Users", USER_SCHEMA, ENTERPRISE_SCHEMA),
    _resource_type("Group", "/Groups", GROUP_SCHEMA),
)


def list_of(resources: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    """A classic ListResponse holding every discovery document of one kind."""
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": len(resources),
        "itemsPerPage": len(resources),
        "startIndex": 1,
        "Resources": list(resources),
    }


def by_id(resources: tuple[dict[str, Any], ...], resource_id: str) -> dict[str, Any] | None:
    """The discovery document with this id, if any."""
    for resource in resources:
        if resource["id"] == resource_id:
            return resource
    return None
