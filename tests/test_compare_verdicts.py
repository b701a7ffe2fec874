"""tools/compare_verdicts.py: every comparison of two runs found by path, and sorted into contradicted,
moved (resolved <-> unresolved or off scale) and agreed."""

import importlib.util
from pathlib import Path

from fashion_diffusion.results.base import NOT_RESOLVED
from tests.support.fixtures import ablations

spec = importlib.util.spec_from_file_location(
    "compare_verdicts", Path(__file__).parents[1] / "tools/compare_verdicts.py"
)
compare_verdicts = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare_verdicts)


def test_verdicts_are_keyed_by_what_they_compare_and_sorted_by_how_they_changed():
    a = ablations.ablations()
    found = compare_verdicts.verdicts(a)
    key = "comparisons[large,16000.0].judged.kid"
    assert found[key].verdict == "worse"
    assert "comparisons[no_skip_connections,2000.0].held_out_mse[0]" in found
    changed = []
    for c in a.comparisons:
        if c.variant == "large" and c.budget_gflop == 16000.0:
            judged = c.judged.model_copy(
                update={
                    "kid": c.judged.kid.model_copy(update={"verdict": "better"}),
                    "coverage": c.judged.coverage.model_copy(update={"verdict": NOT_RESOLVED}),
                }
            )
            c = c.model_copy(update={"judged": judged})
        changed.append(c)
    b = a.model_copy(update={"comparisons": changed})
    result = compare_verdicts.compare(found, compare_verdicts.verdicts(b))
    assert result["contradicted"] == [(key, "worse", "better")]
    assert result["moved"] == [("comparisons[large,16000.0].judged.coverage", "lower", NOT_RESOLVED)]
    assert len(result["agreed"]) == len(found) - 2


def test_a_run_without_outputs_is_one_line(tmp_path, capsys):
    import pytest

    with pytest.raises(SystemExit) as ended:
        compare_verdicts.main([str(tmp_path / "a"), str(tmp_path / "b")])
    assert str(ended.value).startswith("compare_verdicts: ") and "\n" not in str(ended.value)
