"""The English of logs and the CLI, made from codes: every code the renderer and the queue send
has its own sentence, and no payload carries one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from motionbot.queue import english
from motionbot.queue.errors import FailureReason, QueueError
from motionbot.queue.jobs import Finding, InspectReport, RenderFailure, Severity

ROOT = Path(__file__).resolve().parents[2]
# figures of every finding and failure that has some (more than any one needs: extra are ignored)
FIGURES: dict[str, float | int | str] = {
    "people": 2, "side": "both", "width": 200, "height": 150, "min_side": 256, "cuts": 2,
    "source_s": 700.0, "used_s": 30.0, "seconds": 0.8, "min_seconds": 1.0,
}  # fmt: skip


def _sent_codes(path: Path, call: str) -> set[str]:
    """The codes a module passes as the first argument of ``call`` (a literal string)."""
    tree = ast.parse(path.read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == call
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def _cases(area: str) -> set[tuple[str, str]]:
    """Every (reason, case) an area raises or returns: ``FailureReason.X ... params={"case": "y"}``."""
    found: set[tuple[str, str]] = set()
    for path in (ROOT / area).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            reasons = [a.attr for a in node.args if isinstance(a, ast.Attribute) and a.attr.isupper()]
            cases = [
                v.value
                for k in node.keywords
                if k.arg == "params" and isinstance(k.value, ast.Dict)
                for key, v in zip(k.value.keys, k.value.values, strict=True)
                if isinstance(key, ast.Constant) and key.value == "case" and isinstance(v, ast.Constant)
            ]
            found |= {(FailureReason[r].value, str(c)) for r in reasons[:1] for c in cases}
    return found


def test_every_finding_the_renderer_sends_has_its_own_english() -> None:
    codes = _sent_codes(ROOT / "renderer" / "inspect.py", "_f")
    assert {"several_people", "hands_hidden", "scene_cuts", "no_person"} <= codes
    for code in codes:
        for kind in ("photo", "video"):
            for severity in Severity:
                text = english.finding(code, severity.value, kind, FIGURES)
                assert "{" not in text and text.endswith("."), (code, kind, text)
                assert text != english.UNKNOWN_FINDING.format(code=code), (code, kind)
                assert text != english.FAILURES["internal_error"], (code, kind)


def test_findings_are_worded_by_kind_side_and_severity() -> None:
    warning = english.finding("hands_hidden", "warning", "photo", {"side": "left"})
    assert warning.startswith("The left hand is hidden") and "no hand will be drawn" in warning
    note = english.finding("hands_hidden", "info", "video", {"side": "both"})
    assert note.startswith("Both hands are hidden") and "A video with the hands in view" in note
    assert "2 people in this video" in english.finding("several_people", "warning", "video", {"people": 2})
    assert english.finding("newer_code", "info", "photo") == english.UNKNOWN_FINDING.format(code="newer_code")
    # an error finding named after a failure reason reads as that failure, with its figures
    short = english.finding("video_too_short", "error", "video", {"seconds": 0.4, "min_seconds": 1.0})
    assert "0.40 s" in short and "at least 1 s" in short


def test_every_failure_reason_and_case_has_its_own_english() -> None:
    plain = english.FAILURES["internal_error"]
    for reason in FailureReason:
        assert reason.value in english.FAILURES
        assert reason.default_message == english.FAILURES[reason.value]
        assert reason is FailureReason.INTERNAL_ERROR or reason.default_message != plain
    cases = _cases("renderer") | _cases("queue")
    assert ("internal_error", "retries") in cases and ("engine_unavailable", "gpu") in cases
    for reason, case in cases:
        text = english.failure(reason, {"case": case, **FIGURES, "note": "upgrading"})
        assert text == english.FAILURES[f"{reason}:{case}"].format(note="upgrading"), (reason, case)


@pytest.mark.parametrize(
    ("reason", "params", "said"),
    [
        ("timed_out", {"seconds": 900, "engine": "diffusion"}, "longer than 900 seconds"),
        ("timed_out", {"seconds": 300, "engine": "warp"}, "Please try a shorter clip."),
        ("paused", {"case": "note", "note": "new disk"}, "paused for now: new disk"),
        ("quota_exceeded", {"limit": 3}, "limit of 3 renders"),
        ("video_too_small", {"width": 64, "height": 48, "min_side": 96}, "64x48"),
        ("video_too_small", {}, "at least 96 pixels"),  # figures missing: the plain sentence
        ("a_newer_reason", {}, "Something went wrong"),
    ],
)
def test_failure_english_uses_cases_and_figures(reason: str, params: dict[str, object], said: str) -> None:
    assert said in english.failure(reason, params)


def test_payloads_carry_codes_not_sentences() -> None:
    error = QueueError(FailureReason.BUSY, params={"running": 2})
    assert "2 renders running" in error.message  # the process's own English, for its logs
    failure = RenderFailure(task_id="t", reason=error.reason.value, params=error.params)
    finding = Finding(code="scene_cuts", severity=Severity.WARNING, params={"cuts": 2})
    report = InspectReport(kind="video", ok=True, findings=[finding])
    for payload in (failure, report):
        assert "message" not in payload.model_dump(exclude_none=True, mode="json")
    assert "message" not in report.model_dump(exclude_none=True, mode="json")["findings"][0]
    assert report.summary.startswith("Scene cuts in the video: 2.")
    # an older renderer's payload, with its English, is still read
    old = RenderFailure.model_validate({"task_id": "t", "reason": "timed_out", "message": "too slow"})
    assert old.message == "too slow"
