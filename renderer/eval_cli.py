"""`motionbot eval PAIRS -o report/`: the warp engine's quality report."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from motionbot.queue.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_USAGE
from motionbot.queue.errors import MotionbotError
from motionbot.renderer.settings import RendererSettings

EXIT_TARGETS_MISSED = 1
out = Console(highlight=False, soft_wrap=True)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "eval", help="render photo x video pairs and report motion fidelity, identity and stability"
    )
    p.add_argument(
        "pairs", help="a folder (every photo x every video in it) or a CSV with photo,video columns"
    )
    p.add_argument(
        "-o", "--output", required=True, help="report folder (report.json, contact_sheet.png, videos/)"
    )
    p.add_argument(
        "--max-seconds", type=float, default=None, help="score only the first seconds of each video"
    )
    p.add_argument(
        "--sheets", default=None, help="folder for one contact sheet PNG per pair (reference above output)"
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed or a pair fails")
    p.set_defaults(func=run)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "-" if math.isnan(v) else f"{v:.3f}"
    return str(v)


def run(args: argparse.Namespace) -> int:
    from motionbot.renderer.evaluate.expression import SIGNALS
    from motionbot.renderer.evaluate.pairs import find_pairs
    from motionbot.renderer.evaluate.report import (
        FACE_TARGETS,
        MOUTH_AMPLITUDE,
        TARGETS,
        PairReport,
        run_report,
    )

    try:
        settings = RendererSettings()
        if args.max_seconds:
            settings = settings.model_copy(update={"max_seconds": args.max_seconds})
    except ValidationError as exc:
        out.print(f"Bad MOTIONBOT_* setting: {exc.errors()[0].get('msg')}")
        return EXIT_USAGE
    try:
        pairs = find_pairs(Path(args.pairs))
    except MotionbotError as exc:
        out.print(f"[red]Error:[/red] {exc.message}")
        return EXIT_BAD_INPUT

    def show(r: PairReport) -> None:
        if r.ok:
            m = r.metrics
            out.print(
                f"{r.name}: limbs {_fmt(m['limb_share'])} frames {_fmt(m['frame_share'])} "
                f"pck@0.1 {_fmt(m['pck@0.1'])} pck@0.2 {_fmt(m['pck@0.2'])} face {_fmt(m['face_ssim'])} "
                f"jitter x{_fmt(m['jitter_ratio'])} wrists in frame {_fmt(m['wrists_in_frame'])} "
                f"body in frame {_fmt(m['body_in_frame'])} garment one piece {_fmt(m['garment_connectivity'])} "
                f"hard edges revealed {_fmt(m.get('revealed_hard_edges', float('nan')))} "
                f"({r.timings.get('render_s', 0):.1f} s render)"
            )
            if r.face_reference:
                out.print(
                    f"  face: expression {_fmt(m['expression'])} (targets {FACE_TARGETS}, mouth amplitude "
                    f"{MOUTH_AMPLITUDE[0]:g}..{MOUTH_AMPLITUDE[1]:g}; {'met' if r.meets_face_targets() else 'MISSED'})"
                )
                for sig in SIGNALS:
                    out.print(
                        f"    {sig}: correlation {_fmt(m[sig + '_corr'])} amplitude {_fmt(m[sig + '_amp'])}"
                    )
        else:
            out.print(f"{r.name}: [red]FAILED[/red] {r.reason}: {r.message}")

    out.print(f"Scoring {len(pairs)} pairs into {args.output}")
    sheets = Path(args.sheets) if args.sheets else None
    data = run_report(pairs, Path(args.output), settings, on_pair=show, sheets=sheets)
    summary = data["summary"]
    table = Table(title="quality report")
    table.add_column("pair")
    for col in ("limbs", "frames", "pck@0.1", "pck@0.2", "face", "jitter x", "targets"):
        table.add_column(col, justify="right")
    for p in data["pairs"]:
        m = p["metrics"]
        if not p["ok"]:
            table.add_row(p["name"], "failed", p["reason"] or "", "", "", "", "", "")
            continue
        flag = ("met" if p["meets_targets"] else "MISSED") if p["full_body_reference"] else "n/a"
        table.add_row(
            p["name"], _fmt(m["limb_share"]), _fmt(m["frame_share"]), _fmt(m["pck@0.1"]), _fmt(m["pck@0.2"]),
            _fmt(m["face_ssim"]), _fmt(m["jitter_ratio"]), flag,
        )  # fmt: skip
    out.print(table)
    for label in ("overall", "full_body_references"):
        s = summary[label]
        out.print(
            f"{label}: limbs {_fmt(s['limb_share'])} frames {_fmt(s['frame_share'])} pck@0.1 {_fmt(s['pck@0.1'])} "
            f"pck@0.2 {_fmt(s['pck@0.2'])} face {_fmt(s['face_ssim'])} jitter x{_fmt(s['jitter_ratio'])}"
        )
    targets = ", ".join(f"{k} >= {v:g}" for k, v in TARGETS.items())
    out.print(f"targets (every photo x full-body reference): {targets}; no pair fails")
    out.print(f"failed pairs: {len(summary['failed'])}; targets met: {summary['targets_met']}")
    if summary["target_pairs_missing"]:
        out.print("missed by: " + ", ".join(summary["target_pairs_missing"]))
    faces = summary["face_references"]
    if summary["face_pairs"]:
        out.print(
            "face pairs: "
            + ", ".join(f"{k} {_fmt(v)}" for k, v in faces.items())
            + f"; face targets met: {summary['face_targets_met']}"
        )
        if summary["face_pairs_missing"]:
            out.print("face targets missed by: " + ", ".join(summary["face_pairs_missing"]))
    out.print(f"wrote {Path(args.output) / 'report.json'}" + (f" and sheets in {sheets}" if sheets else ""))
    if args.strict and not (
        summary["targets_met"] and (summary["face_targets_met"] or not summary["face_pairs"])
    ):
        return EXIT_TARGETS_MISSED
    return EXIT_OK
