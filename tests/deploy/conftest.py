from tests.live.conftest import fresh_layer, loop_cleanup  # noqa: F401
