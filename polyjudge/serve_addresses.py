"""Which addresses `polyjudge serve` answers to: the `Host` and `Origin` checks (against DNS
rebinding and other web pages driving a session), `--public-url`, and whether the bind address
can be listened on. Plain Python, no web framework: the server in `serve_app.py` applies them."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from polyjudge.store import PolyjudgeError

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
WILDCARD_HOSTS = ("", "0.0.0.0", "::", "[::]")
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_loopback(host: str) -> bool:
    """`localhost` and addresses in 127.0.0.0/8 or ::1."""
    host = host.strip().lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    """An address that listens on every interface (0.0.0.0, ::)."""
    return host.strip().lower() in WILDCARD_HOSTS


def _bracketed(host: str) -> str:
    """An IPv6 literal as it appears in a URL or a Host header: `[::1]`."""
    host = host.strip().lower()
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _host_forms(host: str, port: int, scheme: str) -> set[str]:
    """What a browser sends as `Host` for host:port (the port omitted when it is the scheme's
    default)."""
    name = _bracketed(host)
    forms = {f"{name}:{port}"}
    if DEFAULT_PORTS[scheme] == port:
        forms.add(name)
    return forms


def _origin(scheme: str, host: str, port: int) -> str:
    """The serialised origin a browser sends (the default port omitted)."""
    name = _bracketed(host)
    return f"{scheme}://{name}" if DEFAULT_PORTS[scheme] == port else f"{scheme}://{name}:{port}"


def check_public_url(url: str) -> str:
    """`--public-url`, checked: http(s), a host, no user, query or fragment. Returns it without
    a trailing slash (links are the URL followed by `/annotate/<token>`)."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as exc:
        raise PolyjudgeError(f"--public-url {url!r}: {exc}") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise PolyjudgeError(
            f"--public-url {url!r}: expected http://HOST[:PORT][/PATH] or https://…"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise PolyjudgeError(f"--public-url {url!r}: no user, query or fragment, please")
    return url.strip().rstrip("/")


def check_can_listen(host: str, port: int) -> None:
    """Refuse, before anything is issued, an address this machine cannot listen on or a port
    that is taken (one line)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp does
            probe.bind(address)
    except OSError as exc:
        raise PolyjudgeError(
            f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc})"
        ) from None


@dataclass(frozen=True)
class Addresses:
    """The `Host` values and `Origin`s this server answers to.

    Hosts: the bind address with its port; with a loopback bind also localhost, 127.0.0.1 and
    [::1] with the port; the public URL's host (with its port, or bare on the scheme's default
    port). Origins: `http://<host>` for the addresses the server itself listens on, and the public
    URL's exact origin (so with `--public-url https://…` a plain-http page of that host is not
    trusted)."""

    hosts: frozenset[str]
    origins: frozenset[str]
    public_url: str

    @classmethod
    def of(cls, bind_host: str, port: int, public_url: str | None) -> Addresses:
        own: set[str] = set()
        if not is_wildcard(bind_host):
            own |= _host_forms(bind_host, port, "http")
        if is_loopback(bind_host):
            for name in LOOPBACK_NAMES:
                own |= _host_forms(name, port, "http")
        origins = {f"http://{host}" for host in own}
        hosts = set(own)
        if public_url is None:
            if is_wildcard(bind_host):
                raise PolyjudgeError(
                    f"--host {bind_host or repr(bind_host)} listens on every address: give "
                    "--public-url, the address browsers use (e.g. http://192.0.2.7:8000)"
                )
            public_url = f"http://{_bracketed(bind_host)}:{port}"
        public_url = check_public_url(public_url)
        parts = urlsplit(public_url)
        assert parts.hostname is not None
        public_port = parts.port or DEFAULT_PORTS[parts.scheme]
        hosts |= _host_forms(parts.hostname, public_port, parts.scheme)
        origins.add(_origin(parts.scheme, parts.hostname, public_port))
        return cls(frozenset(hosts), frozenset(origins), public_url)

    def refusal(self, hosts: list[str], origins: list[str], *, websocket: bool) -> str | None:
        """Why a request with these `Host` and `Origin` header values is refused, or None."""
        if len(hosts) != 1:
            return "no Host header" if not hosts else "several Host headers"
        host = hosts[0].strip().lower()
        if host not in self.hosts:
            return f"Host {host!r} is not an address of this server"
        if len(origins) > 1:
            return "several Origin headers"
        if not origins:
            return "a websocket without an Origin header" if websocket else None
        origin = origins[0].strip().lower()
        if origin not in self.origins:
            return f"Origin {origin!r} is not this server's"
        return None
