"""Running a sweep's chunks on a Dask cluster (``stochlim[distributed]``)."""

from __future__ import annotations

from .build import run_chunk

__all__ = ["CONNECT_TIMEOUT", "connect", "results_dask"]

#: How long to try to reach a Dask scheduler before giving up.
CONNECT_TIMEOUT = "10s"


def _check_address(address: str) -> None:
    """Refuse a malformed scheduler address before any connection is tried (a malformed one would
    otherwise hang until the client's own timeout)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address, strict=False)
        if scheme in ("tcp", "tls", "ws", "wss", "ucx"):
            host, port = parse_host_port(location)
            if not host or not 0 < int(port) < 65536:
                raise ValueError(f"host {host!r}, port {port!r}")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"--scheduler {address!r} is not a Dask scheduler address such as "
                         f"tcp://host:8786 ({exc})") from None


def connect(address: str):
    """A Dask client of the scheduler at ``address`` (one-line ``ValueError``/``ConnectionError``)."""
    try:
        from distributed import Client
    except ImportError:
        raise ValueError("a Dask scheduler needs the distributed extra: pip install 'stochlim[distributed]'") \
            from None
    _check_address(address)
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def results_dask(client, study, pending):
    """Yield ``(point, chunk, arrays)`` as the cluster finishes the ``pending`` chunks."""
    from distributed import as_completed

    pending = list(pending)
    remote = client.scatter(study, broadcast=True)
    futures = [client.submit(run_chunk, remote, p, c, key=f"stochlim-{study.hash[:16]}-{p}-{c}", retries=2)
               for p, c in pending]
    index = {f.key: pc for f, pc in zip(futures, pending)}
    try:
        for fut in as_completed(futures, loop=client.loop):
            point, chunk = index[fut.key]
            yield point, chunk, fut.result()
    finally:
        client.cancel(futures)


