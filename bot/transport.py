"""How the bot talks HTTP to the Bot API: python-telegram-bot's `BaseRequest` on aiohttp.

PTB's default transport (httpx) spends about a third of a busy bot's CPU on its own request and
response handling: building a `Request` and `URL` object, a cookie jar pass and a pure-Python
HTTP/1.1 parser for every call. aiohttp parses HTTP in C and keeps its connections alive just the
same, so the same Bot API calls cost noticeably less (see benchmarks/bench_report.py). The calls,
their parameters and their answers are the standard Bot API's, exactly as PTB makes them: this
class only carries the bytes. `BOT_HTTP_CLIENT=httpx` goes back to PTB's own transport.

Timeouts keep PTB's meaning as far as aiohttp allows: `connect_timeout` bounds opening a
connection, `pool_timeout` plus that bounds getting one, and `read_timeout` bounds each wait for
the answer (getUpdates passes its long-poll time on top, as with httpx). aiohttp has no write
timeout; an upload is instead bounded as a whole by `media_write_timeout` plus the read timeout.
Proxies come from the usual HTTP(S)_PROXY and NO_PROXY variables, as with httpx, looked up once
per host: aiohttp's own `trust_env` looks them up (and ~/.netrc) in a worker thread on every call,
which alone cost more CPU than the rest of the request.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData
from yarl import URL

from db.engine import transaction_open

log = logging.getLogger(__name__)

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def bot_requests(client: str, timeout: float | None = None) -> tuple[BaseRequest, BaseRequest]:
    """(the calls' request, getUpdates' request) on `client` ("aiohttp" or "httpx"), sized as PTB sizes
    its own: many connections for the calls, one for the long poll (whose read timeout PTB lengthens
    by getUpdates' own timeout). `timeout`: the read, write and connect timeouts, else PTB's."""
    timeouts = {} if timeout is None else {"read_timeout": timeout, "write_timeout": timeout, "connect_timeout": timeout}
    kind = AiohttpRequest if client == "aiohttp" else HTTPXRequest
    return kind(connection_pool_size=256, **timeouts), kind(connection_pool_size=1, **timeouts)


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one `aiohttp.ClientSession`, opened in `initialize` (inside the event
    loop that will use it) and closed in `shutdown`."""

    __slots__ = ("_connection_pool_size", "_connect_timeout", "_media_write_timeout", "_pool_timeout",
                 "_proxies", "_read_timeout", "_session", "_write_timeout")

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._connection_pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], tuple[URL | None, aiohttp.BasicAuth | None]] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connection_pool_size, ttl_dns_cache=300, ssl=_tls_context())
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}, cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        if transaction_open():  # a Bot API call awaited inside a database transaction: a bug, see db/engine.py
            raise RuntimeError(f"Bot API call ({url.rsplit('/', 1)[-1]}) made with a database transaction open")
        read = self._read_timeout if read_timeout is BaseRequest.DEFAULT_NONE else read_timeout
        connect = self._connect_timeout if connect_timeout is BaseRequest.DEFAULT_NONE else connect_timeout
        pool = self._pool_timeout if pool_timeout is BaseRequest.DEFAULT_NONE else pool_timeout
        uploads = request_data is not None and request_data.contains_files
        total = None
        if uploads:
            write = self._media_write_timeout if write_timeout is BaseRequest.DEFAULT_NONE else write_timeout
            total = None if write is None or read is None else write + read
        timeout = aiohttp.ClientTimeout(
            total=total, sock_read=read, sock_connect=connect,
            connect=None if connect is None or pool is None else connect + pool,
        )
        body, headers = _body(request_data)
        target = URL(url)
        proxy, proxy_auth = self._proxy(target)
        try:
            async with self._session.request(method, target, data=body, headers=headers, timeout=timeout,
                                             proxy=proxy, proxy_auth=proxy_auth, allow_redirects=False) as response:
                status, content = response.status, await response.read()
        except TimeoutError as exc:
            if isinstance(exc, aiohttp.ConnectionTimeoutError):
                raise TimedOut("Timed out connecting to the Bot API (or waiting for a free connection)") from exc
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc
        if log.isEnabledFor(logging.DEBUG):  # as httpx logs at INFO; the URL carries the token, which the logging masks
            log.debug("HTTP Request: %s %s %s", method, url, status)
        return status, content

    def _proxy(self, url: URL) -> tuple[URL | None, aiohttp.BasicAuth | None]:
        key = (url.scheme, url.host or "")
        if key not in self._proxies:
            try:
                self._proxies[key] = get_env_proxy_for_url(url)
            except LookupError:
                self._proxies[key] = (None, None)
        return self._proxies[key]


def _tls_context() -> ssl.SSLContext:
    """The system's certificate authorities (or those SSL_CERT_FILE / SSL_CERT_DIR name) and certifi's
    bundle too, which httpx uses: a slim container without ca-certificates still reaches Telegram, and an
    office network whose TLS proxy's authority was added to the system still works."""
    context = ssl.create_default_context()
    try:
        import certifi

        context.load_verify_locations(certifi.where())
    except (ImportError, OSError) as exc:
        log.debug("no certifi bundle (%s); the system's certificate authorities only", exc)
    return context


def _body(request_data: RequestData | None) -> tuple[Any, dict[str, str] | None]:
    """The request's body as PTB's own transport sends it: the parameters urlencoded (complex ones as
    JSON), or a multipart form when files go with them."""
    if request_data is None:
        return None, None
    if not request_data.contains_files:
        return request_data.url_encoded_parameters().encode(), _FORM
    # Names as UTF-8, as PTB's own transport and browsers send them (aiohttp would percent-encode them).
    form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form, None
