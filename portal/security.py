"""Security headers for every response: a CSP with no inline script or style, and friends."""

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def add_security_headers(response):
    """Attach the headers; views may set their own CSP first (setdefault keeps it)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), geolocation=(), payment=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


def init_app(app):
    """Register the header hook, and HSTS when cookies are secure (i.e. served over HTTPS)."""
    app.after_request(add_security_headers)
    if app.config["SESSION_COOKIE_SECURE"]:
        @app.after_request
        def add_hsts(response):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            return response
