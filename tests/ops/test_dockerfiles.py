"""The Dockerfiles, checked without a Docker engine: what the Python dependencies need at run
time is installed, images run as a non-root user from pinned bases, layers are ordered so a
code change reuses the dependency layer, and the entrypoint is the real CLI."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from deploy_files import DOCKERFILES, ROOT, Dockerfile, exec_form, parse_dockerfile

from motionbot.queue.cli import build_parser

NAMES = sorted(DOCKERFILES)


@pytest.fixture(params=NAMES)
def dockerfile(request: pytest.FixtureRequest) -> Dockerfile:
    return parse_dockerfile(DOCKERFILES[request.param])


def _run_lines(df: Dockerfile) -> str:
    return "\n".join(df.resolve(a, df.final) for a in df.final.args("RUN"))


def _extras(df: Dockerfile) -> list[str]:
    match = re.search(r"requirements\.py ([a-z0-9 ]+?) >", _run_lines(df))
    assert match, f"{df.path.name} does not install its dependencies from docker/requirements.py"
    return match.group(1).split()


def _requirements(extras: list[str]) -> list[str]:
    out = subprocess.run(
        [sys.executable, str(ROOT / "docker" / "requirements.py"), *extras],
        capture_output=True,
        text=True,
        check=True,
    )
    return [line.strip().lower() for line in out.stdout.splitlines() if line.strip()]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].replace("_", "-") for r in requirements}


def test_bases_are_pinned(dockerfile: Dockerfile) -> None:
    for stage in dockerfile.stages:
        image = dockerfile.resolve(stage.base)
        assert "$" not in image, f"{dockerfile.path.name}: unresolved base {stage.base}"
        _name, _, tag = image.partition(":")
        assert tag and tag != "latest", f"{dockerfile.path.name}: base {image} is not pinned to a tag"
        assert re.search(r"\d+\.\d+\.\d+", tag), f"{dockerfile.path.name}: {image} needs a full version tag"


def test_runs_as_a_non_root_user(dockerfile: Dockerfile) -> None:
    users = dockerfile.final.args("USER")
    assert users, f"{dockerfile.path.name} has no USER"
    assert users[-1] not in ("root", "0"), f"{dockerfile.path.name} runs as root"
    keywords = [k for k, _ in dockerfile.final.instructions]
    last_user = max(i for i, k in enumerate(keywords) if k == "USER")
    assert not any(k == "RUN" for k in keywords[last_user:]), "RUN after USER would need root"
    assert "useradd --system --uid 10001" in _run_lines(dockerfile) and users[-1] == "motionbot"


def test_dependencies_are_installed_before_the_source_is_copied(dockerfile: Dockerfile) -> None:
    """pyproject.toml alone feeds the dependency layer; the code comes after, as a wheel."""
    steps = [(k, a) for k, a in dockerfile.final.instructions if k in ("COPY", "RUN")]
    deps = next(i for i, (k, a) in enumerate(steps) if k == "RUN" and "pip install -r" in a)
    copies_before = [a for k, a in steps[:deps] if k == "COPY"]
    assert copies_before == ["pyproject.toml docker/requirements.py /tmp/deps/"]
    code = next(i for i, (k, a) in enumerate(steps) if k == "COPY" and "--from=wheel" in a)
    assert code > deps
    assert any("pip install --no-deps /tmp/wheels/" in a for k, a in steps[code:] if k == "RUN")


def test_copied_paths_exist(dockerfile: Dockerfile) -> None:
    for stage in dockerfile.stages:
        for args in stage.args("COPY"):
            if args.startswith("--from"):
                continue
            *sources, _dest = args.split()
            for src in sources:
                assert (ROOT / src).exists(), f"{dockerfile.path.name}: COPY {src} does not exist"


def test_renderer_images_have_the_libraries_opencv_loads() -> None:
    """mediapipe pulls in opencv-contrib-python (GUI build): it loads libGL and glib on import."""
    for name in ("renderer-cpu", "renderer-gpu"):
        df = parse_dockerfile(DOCKERFILES[name])
        installs = " ".join(a for a in df.final.args("RUN") if "apt-get install" in a)
        assert re.search(r"\blibgl1\b", installs), f"{name} lacks libgl1"
        assert re.search(r"\blibglib2\.0-0", installs), f"{name} lacks libglib2.0-0"
        assert "--no-install-recommends" in installs and "rm -rf /var/lib/apt/lists" in installs
        assert "mediapipe" in _names(_requirements(_extras(df)))


def test_bot_image_is_slim() -> None:
    df = parse_dockerfile(DOCKERFILES["bot"])
    names = _names(_requirements(_extras(df)))
    assert {"aiogram", "discord.py", "aiosqlite"} <= names
    heavy = {
        "torch",
        "mediapipe",
        "opencv-python",
        "opencv-contrib-python",
        "numpy",
        "diffusers",
        "transformers",
    }
    assert not names & heavy, f"the bot image would install {sorted(names & heavy)}"
    assert "apt-get" not in _run_lines(df)


def test_cpu_image_has_no_torch() -> None:
    names = _names(_requirements(_extras(parse_dockerfile(DOCKERFILES["renderer-cpu"]))))
    assert "torch" not in names and "diffusers" not in names


def test_gpu_image_installs_the_pinned_torch_from_a_cuda_index() -> None:
    df = parse_dockerfile(DOCKERFILES["renderer-gpu"])
    assert "cuda" in df.resolve(df.final.base, df.final)
    reqs = _requirements(_extras(df))
    assert "torch==2.13.0" in reqs, "torch must stay pinned exactly in the diffusion extra"
    index = re.search(r"TORCH_INDEX_URL=(\S+)", " ".join(df.final.args("ARG")))
    assert index and re.match(r"https://download\.pytorch\.org/whl/cu\d+$", index.group(1))
    assert '--index-url "$TORCH_INDEX_URL"' in " ".join(df.final.args("RUN"))
    raw = " ".join(df.final.args("RUN"))
    assert raw.index("--index-url") < raw.index("pip install -r"), "torch must come from the CUDA index first"


def test_gpu_image_has_a_compiler_for_triton() -> None:
    """The diffusion engine compiles its transformer blocks and attention mask with Triton."""
    run = _run_lines(parse_dockerfile(DOCKERFILES["renderer-gpu"]))
    assert re.search(r"\bgcc\b", run) and "python3-dev" in run


def test_entrypoint_and_command_are_real_subcommands(dockerfile: Dockerfile) -> None:
    entry = exec_form(dockerfile.final.args("ENTRYPOINT")[-1])
    assert entry == ["motionbot"]
    cmd = exec_form(dockerfile.final.args("CMD")[-1])
    args = build_parser().parse_args(cmd)
    assert callable(getattr(args, "func", None))


def test_health_check_module_exists(dockerfile: Dockerfile) -> None:
    (check,) = dockerfile.final.args("HEALTHCHECK")
    assert "motionbot.ops.healthcheck" in check
    __import__("motionbot.ops.healthcheck")


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = {ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines() if ln.strip()}
    for path in (".git", ".venv", "build", "data", "tests", ".env", "models"):
        assert path in ignored, f".dockerignore misses {path}"


def test_requirements_script_resolves_nested_extras() -> None:
    reqs = _requirements(["diffusion"])
    assert "mediapipe==0.10.21" in reqs, "diffusion pulls in the renderer extra"
    assert not any(r.startswith("motionbot") for r in reqs)
    assert (
        subprocess.run(
            [sys.executable, str(ROOT / "docker" / "requirements.py"), "nope"], capture_output=True
        ).returncode
        != 0
    )
