"""The coordinators' web dashboard (`casetrack serve`): Starlette over the service layer.

Import ``casetrack.web.app.create_app``; this package imports nothing itself, so the CLI stays fast."""
