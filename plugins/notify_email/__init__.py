"""Email notifications over SMTP: a first-party notification channel plugin."""
