"""Security headers on every response.

The policy allows nothing inline: scripts and styles come from app/static only, so an
injected `<script>` or `style=` in a page does nothing. Pages are never framed, never
sniffed into another type, and only same-origin requests carry a Referer (Flask-WTF's
HTTPS CSRF check needs that one). Nothing but static assets is stored by a browser or a
proxy: almost every page, API answer and download carries case or personal data.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    # A view may set a stricter policy of its own (an evidence file is served sandboxed).
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers["Strict-Transport-Security"] = HSTS
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    return response
