"""`make bench`: each module here has `run(args) -> None` that prints its figures."""
