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
    """A Dask client of the scheduler at ``address`` (one-line ``ValueError``/``ConnectionError``).

    Parameters
    ----------
    address : str
        Scheduler address such as ``tcp://host:8786``.

    Returns
    -------
    distributed.Client
        A client (not set as the default one), connected within :data:`CONNECT_TIMEOUT`.

    Raises
    ------
    ValueError
        If ``distributed`` is not installed, or ``address`` is malformed (no host, port outside 1-65535).
    ConnectionError
        If the scheduler cannot be reached.

    Examples
    --------
    >>> connect("tcp://host:0")
    Traceback (most recent call last):
    ...
    ValueError: --scheduler 'tcp://host:0' is not a Dask scheduler address such as tcp://host:8786 (host 'host', port 0)
    """
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
    """Yield ``(point, chunk, arrays)`` as the cluster finishes the ``pending`` chunks.

    Parameters
    ----------
    client : distributed.Client
        Client of the cluster (:func:`connect`).
    study : Study
        The study, scattered to every worker once.
    pending : iterable of tuple of int
        ``(point, chunk)`` pairs to compute (each retried twice on a lost worker).

    Returns
    -------
    generator of tuple
        ``(point, chunk, arrays)`` in completion order, ``arrays`` as :func:`~stochlim.sweeps.run_chunk`
        returns them; closing the generator cancels the chunks not yet done.

    Examples
    --------
    >>> from distributed import Client
    >>> from stochlim.sweeps import parse_study, EXAMPLE
    >>> study = parse_study(EXAMPLE.replace("chunk_size = 5000", "chunk_size = 100"))
    >>> with Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as client:
    ...     done = sorted((p, c, a["heat"].shape) for p, c, a in results_dask(client, study, [(0, 0), (1, 3)]))
    >>> done
    [(0, 0, (100,)), (1, 3, (100,))]
    """
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


