"""Running a sweep's chunks on a Dask cluster (``stochlim[distributed]``)."""

from __future__ import annotations

from .build import run_chunk

__all__ = ["CONNECT_TIMEOUT", "connect", "results_dask"]

#: How long to try to reach a Dask scheduler before giving up.
CONNECT_TIMEOUT = "10s"


def connect(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise ValueError("a Dask scheduler needs the distributed extra: pip install 'stochlim[distributed]'") \
            from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def results_dask(client, study, pending):
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


