"""Security headers on every response: a strict Content-Security-Policy and friends.

The pages use no inline script or style (stylesheets are files; the QR code is an inline SVG
without style attributes), so the policy needs neither nonces nor 'unsafe-inline'. Referrer
is never sent: a participant's address holds the link token.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "media-src 'self'",  # recorded read-aloud (survey/audio.py)
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# Two years, as the HSTS preload list asks; only ever sent over HTTPS (behind the proxy,
# ProxyFix makes request.is_secure reflect the client's scheme).
HSTS = "max-age=63072000; includeSubDomains"


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)


def _security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers[name] = value
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    return response
