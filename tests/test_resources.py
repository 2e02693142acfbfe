"""The engine's data files are read per directory (rag/core/resources.py): another directory's data is
never answered from the package's cache, and the package's from no one else's."""
from __future__ import annotations

from rag.core.resources import DEFAULT, Resources
from rag.understand.lexicon import aspect_regex, templates
from rag.understand.scope import aspect_table, find_aspects


def test_another_data_directory_gets_its_own_files(tmp_path):
    (tmp_path / "templates.toml").write_text('[en]\ngreeting = "hello"\n', encoding="utf-8")
    (tmp_path / "aspects.toml").write_text('[aspects.zorblax]\nen = ["zorblaxing"]\n', encoding="utf-8")
    res = Resources(tmp_path)
    assert find_aspects("is zorblaxing allowed?", res) == ["zorblax"]
    assert "zorblax" not in find_aspects("is zorblaxing allowed?")  # the package's lexicon has no such aspect
    assert templates(res) == {"en": {"greeting": "hello"}} and "en" in templates() and templates() != templates(res)
    assert aspect_regex("zorblax", res=res).search("Zorblaxing") and aspect_regex("zorblax") is None
    assert "penalties" in aspect_table(DEFAULT) and list(aspect_table(res)) == ["zorblax"]
