"""The dictionary converter (collections/core/tools/convert_dictionary.py) writes the
layout the platform loads strictly: every key one it reads, the rest under `notes:`."""

import pytest

from cldc.collections.core.tools import convert_dictionary
from cldc.platform.definitions.model import build, load_yaml


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = tmp_path_factory.mktemp("converted")
    assert convert_dictionary.main(["--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_the_converters_output_loads_strictly(converted, record_type):
    path = converted / record_type / "2026.yaml"
    definition = build(load_yaml(path), str(path))  # a DefinitionError lists every key it does not read
    assert (definition.collection, definition.record_type, definition.version) == ("core", record_type, 2026)
    assert definition.record_fields["owning_organisation"] == "owning_organisation_id"
    # What the platform does not read is kept for people, not dropped.
    raw = load_yaml(path)
    assert "CORE 2026/27 data dictionary" in raw["notes"]["source"]
    first = raw["sections"][0]["subsections"][0]["pages"][0]["questions"][0]
    assert first["notes"]["question_number"] == 1
