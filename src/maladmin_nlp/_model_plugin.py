"""The Dask worker plugin that carries an in-memory model to every worker process once.

Imported only when ``distributed`` is installed (by :mod:`maladmin_nlp.distributed` and, through
pickle, by the workers). A scattered future is not enough for this: Dask's active memory manager
drops the copies of a scattered object that no waiting task needs, and a worker that later runs a
partition fetches and unpickles it again. A plugin is installed on every worker, and on every worker
that joins or is restarted while it is registered, and stays there until it is unregistered.
"""

from __future__ import annotations

from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


class ModelPlugin(WorkerPlugin):
    """Holds ``model`` on a worker under ``name``; unpickled once per worker process."""

    def __init__(self, name: str, model: Any) -> None:
        self.name = name
        self.model = model


def shipped_model(name: str) -> Any:
    """The model of the plugin ``name`` on the worker running this task."""
    from distributed import get_worker

    worker = get_worker()
    plugin = worker.plugins.get(name)
    if not isinstance(plugin, ModelPlugin):
        raise RuntimeError(
            f"worker {worker.address} has no model {name!r}: it was unregistered before this task ran "
            "(the label_files call that shipped it has ended)"
        )
    return plugin.model
