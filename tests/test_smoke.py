from tests.conftest import Cli, World


def test_world_builds(cli: Cli, world: World) -> None:
    councils = cli.ok("council", "list")
    assert len(councils) == 48
    assert {c["code"] for c in councils} >= {"00", "01", "13", "47"}
