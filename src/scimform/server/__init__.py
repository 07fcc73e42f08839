"""The embedded SCIM store served as AWS IAM Identity Center's SCIM endpoint.

`service.ScimService` holds the SCIM semantics and every AWS quirk (no HTTP in it);
`app.ScimApp` is the ASGI app around it (auth, limits, knobs, logs); `runner` runs that
app under uvicorn; `admin.AdminApi` is the token API of a remote `serve`.
"""
