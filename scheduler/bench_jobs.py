"""The bare-RQ baseline job of `python -m scheduler.bench`: a tiny module, cheap to import in a work horse."""


def noop() -> None:
    """Do nothing: what RQ alone costs per job."""
    return None
