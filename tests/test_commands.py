"""Every importing command answers an unreadable file with one bilingual line, never a traceback, and writes
nothing."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from liuyan.geo.models import Region
from liuyan.orgs.models import CatalogueEntry
from liuyan.taxonomy.models import Category
from tests.world import World

COMMANDS = [
    ("taxonomy", "import"),
    ("regions", "import-gazetteer"),
    ("catalogue", "import"),
    ("calendar", "import"),
    ("import", "messages"),
]


def _state() -> tuple[int, int, int]:
    return Category.objects.count(), Region.objects.count(), CatalogueEntry.objects.count()


@pytest.mark.parametrize(("command", "sub"), COMMANDS)
@pytest.mark.parametrize("kind", ["binary", "missing", "utf16-garbage"])
def test_it_refuses_an_unreadable_file_with_a_bilingual_message(
    world: World, tmp_path: Path, command: str, sub: str, kind: str
) -> None:
    path = tmp_path / "input.csv"
    if kind == "binary":
        path.write_bytes(bytes(range(256)) * 20)
    elif kind == "utf16-garbage":
        path.write_bytes(b"\xff\xfe" + b"\x00\xd8" * 50)  # a BOM, then unpaired surrogates: not decodable
    args = [command, sub, str(path)] + (["--board", world.a_board.code] if command == "import" else [])
    before = _state()
    with pytest.raises(CommandError) as caught:
        call_command(*args)
    message = str(caught.value)
    assert " / " in message and any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    assert _state() == before
