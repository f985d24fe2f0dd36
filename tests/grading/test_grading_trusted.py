"""Grading out of the kernel: test-cell parsing, the probe's answers, scoring, robustness."""

import base64
import json
import zlib

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_output
from test_grading_checks import adam, adam_no_bias_correction

from lecture7.grading.cells import CheckCall, parse_test_cell
from lecture7.grading.nbgrader_ext import HideTestTracebacks
from lecture7.grading.probe import MIME, _answer
from lecture7.grading.trusted import grade_cell, plan_cell
from lecture7.grading.wire import pack, unpack

CELL = """# Visible tests
from lecture7.grading.optimizers import check_adam

check_adam(adam)
### BEGIN HIDDEN TESTS
check_adam(adam, hidden=True, points=3)
### END HIDDEN TESTS
"""


def test_parse_test_cell_reads_imports_calls_and_keywords():
    test = parse_test_cell(CELL)
    module = "lecture7.grading.optimizers"
    assert test.calls == (CheckCall(module, "check_adam", ("adam",)),
                          CheckCall(module, "check_adam", ("adam",), True, 3.0))
    assert test.other == () and test.last_is_scoring
    aliased = parse_test_cell("import lecture7.grading.optimizers as g\ng.check_adam(adam)\nx = 1")
    assert aliased.calls[0].attribute == "check_adam" and aliased.other == ("x = 1",)


@pytest.mark.parametrize(("source", "message"), [
    ("from lecture7.grading.optimizers import check_adam\ncheck_adam(make())", "by name"),
    ("from lecture7.grading.optimizers import check_adam\ncheck_adam(adam, seed=1)",
     "only the keywords"),
    ("from lecture7.grading.optimizers import check_adam\ncheck_adam(adam, points=p)", "literal"),
    ("from lecture7.grading.optimizers import check_adam\ncheck_adam(adam, points=-1)",
     "positive"),
    ("from lecture7.grading.optimizers import *", "by name, not with"),
    ("check_adam(adam", "not valid Python"),
])
def test_malformed_test_cells_are_refused_with_a_reason(source, message):
    with pytest.raises(ValueError, match=message):
        parse_test_cell(source)


def _probe_outputs(plan, namespace):
    requests = unpack(plan.code.split('respond("')[1].split('")')[0])
    answers = [_answer(request, namespace) for request in requests]
    return [new_output("display_data", data={MIME: pack(answers)})]


def test_a_correct_answer_scores_full_points():
    plan = plan_cell(CELL, np.random.default_rng(0))
    assert plan.code.startswith('__import__("lecture7.grading.probe"')
    outputs, score = grade_cell(plan, _probe_outputs(plan, {"adam": adam}), 3.0)
    assert score == 3
    assert outputs[-1].output_type == "execute_result" and outputs[-1].data["text/plain"] == "3"
    assert "This part: 3 of 3 points" in outputs[0].text


def test_a_catalogued_mistake_is_named_and_costs_the_sub_checks_it_fails():
    plan = plan_cell(CELL, np.random.default_rng(1))
    outputs, score = grade_cell(plan, _probe_outputs(plan, {"adam": adam_no_bias_correction}), 3)
    assert score < 3 and "adam-no-bias-correction" in outputs[0].text
    assert "This part:" in outputs[0].text


def _dropped_huge(w, dw, config=None):
    """Adam, right except that it ignores gradients above 1e3 (it fails the edge cases)."""
    return adam(w, np.where(np.abs(dw) > 1e3, 0.0, dw), config)


def test_a_part_earns_the_share_of_its_visible_and_hidden_sub_checks():
    plan = plan_cell(CELL, np.random.default_rng(2))
    outputs, score = grade_cell(plan, _probe_outputs(plan, {"adam": _dropped_huge}), 3)
    visible, hidden = len(plan.cases[0]), len(plan.cases[1])
    groups = [list(dict.fromkeys(c.group for c in cases if c.role == "graded"))
              for cases in plan.cases]
    total = sum(len(g) for g in groups)
    assert visible and hidden and score == pytest.approx(3 * (total - 1) / total, abs=1e-4)
    assert f"({total - 1} of {total} checks passed)" in outputs[0].text


def test_a_missing_function_is_named():
    plan = plan_cell(CELL, np.random.default_rng(2))
    outputs, score = grade_cell(plan, _probe_outputs(plan, {}), 3)
    assert score == 0 and "Nothing called adam is defined" in outputs[0].text


@pytest.mark.parametrize("outputs", [
    [],
    [new_output("display_data", data={MIME: "not base64 at all!"})],
    [new_output("display_data", data={MIME: pack([{"observations": "nope"}] * 2)})],
    [new_output("display_data", data={MIME: pack([{"observations": [{"next_w": "3"}] * 9}] * 2)})],
    [new_output("display_data", data={MIME: pack([1, 2])})],
    [new_output("display_data", data={MIME: pack(["x"])})],
    [new_output("execute_result", data={"text/plain": "3"}, execution_count=1)],
    [new_output("display_data", data={MIME: pack([{"observations": []}] * 2)})],
])
def test_forged_or_garbled_answers_score_zero_without_crashing(outputs):
    plan = plan_cell(CELL, np.random.default_rng(3))
    new, score = grade_cell(plan, outputs, 3)
    assert score == 0 and new[-1].output_type == "error"


def test_deeply_nested_answers_are_refused():
    plan = plan_cell(CELL, np.random.default_rng(3))
    deep = ("[" * 100000 + "]" * 100000).encode()
    token = base64.b64encode(zlib.compress(deep)).decode()
    _, score = grade_cell(plan, [new_output("display_data", data={MIME: token})], 3)
    assert score == 0


def test_a_timeout_is_explained():
    plan = plan_cell(CELL, np.random.default_rng(4))
    timeout = [new_output("error", ename="KeyboardInterrupt", evalue="", traceback=[]),
               new_output("error", ename="CellTimeoutError", evalue="", traceback=[])]
    outputs, score = grade_cell(plan, timeout, 3, timeout=20)
    assert score == 0 and "did not finish within 20 seconds" in outputs[0].text


def test_cells_without_checks_are_left_to_nbgrader():
    assert plan_cell("assert 1 + 1 == 2", np.random.default_rng(0)) is None


def test_plans_only_call_lecture7_grading_checks():
    with pytest.raises(ValueError, match=r"is not a lecture7\.grading check"):
        plan_cell("from lecture7.grading.core import Case\nCase(adam)", np.random.default_rng(0))
    assert plan_cell("from os import system\nsystem(adam)", np.random.default_rng(0)) is None


def test_hidden_inputs_are_drawn_fresh_for_every_plan():
    first = plan_cell(CELL, np.random.default_rng(10)).code
    assert first != plan_cell(CELL, np.random.default_rng(11)).code


def test_feedback_tracebacks_of_test_cells_are_cut_to_one_line():
    cell = new_code_cell(CELL, metadata={"nbgrader": {"grade": True, "solution": False,
                                                      "grade_id": "t", "points": 3}})
    cell.outputs = [new_output("error", ename="AssertionError", evalue="bad",
                               traceback=["Cell In[3], line 6", "check_adam(adam, hidden=True)"])]
    cell, _ = HideTestTracebacks().preprocess_cell(cell, {}, 0)
    assert cell.outputs[0].traceback == ["AssertionError: bad"]
    assert "hidden" not in json.dumps(cell.outputs)
