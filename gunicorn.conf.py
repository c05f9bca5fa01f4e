"""Gunicorn settings shared by the Procfile's web process and ``make run`` (gunicorn reads this file from
the working directory). Process counts, timeout and the access log stay on the Procfile's command line."""

# Access lines without the OAuth callback's code, state and realmId values.
logger_class = "portal.accesslog.RedactingLogger"
