"""One LibCST transformer per kind of edit (see :mod:`awaitify.migrate.rewrite` for the order)."""
