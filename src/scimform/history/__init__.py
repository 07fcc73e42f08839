"""`scimform history`: who changed which user or group, when, and in which pull request,
read from the git history of the config directory."""
