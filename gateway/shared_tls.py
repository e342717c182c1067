"""One TLS context for every HTTP client of a session process, made once in the zygote.

Each ``httpx.AsyncClient`` builds its own ``ssl.SSLContext`` and loads the whole CA bundle into
it — even for an ``http://`` target — about 0.8 MB per client, and a session has several
(the entry API, the publisher). The default context is the same for all of them, and OpenSSL
contexts can be shared, so the zygote builds it once and every session shares its pages.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

__all__ = ["share_default_tls_context"]


def share_default_tls_context() -> bool:
    """Make httpx's transports reuse one default context; False if httpx has no such hook
    (then each client builds its own, as without the gateway)."""
    try:
        from httpx._transports import default as transports
    except ImportError:
        return False
    create: Callable[..., ssl.SSLContext] | None = getattr(transports, "create_ssl_context", None)
    if create is None or getattr(create, "shared", False):
        return create is not None
    shared = create()

    def create_shared(
        verify: Any = True, cert: Any = None, trust_env: bool = True
    ) -> ssl.SSLContext:
        if verify is True and cert is None:
            return shared
        return create(verify=verify, cert=cert, trust_env=trust_env)

    create_shared.shared = True  # type: ignore[attr-defined]
    transports.create_ssl_context = create_shared  # type: ignore[attr-defined]
    return True
