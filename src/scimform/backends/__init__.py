"""Backends: how scimform talks to a live SCIM store.

There is one implementation, SCIM over httpx (`scim.ScimBackend`). A `local:` target is the
same client over an in-process transport (`local.LocalTransport`) that hands each request
to the embedded store's SCIM service, so the embedded store behaves exactly as AWS does
with or without HTTP. `target.open_backend` turns the config's target into a backend.
"""

from scimform.backends.scim import Created, ScimBackend
from scimform.backends.target import open_backend, target_label

__all__ = ["Created", "ScimBackend", "open_backend", "target_label"]
