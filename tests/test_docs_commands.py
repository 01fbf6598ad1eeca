# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Every command of the ```bash blocks in README.md and docs/*.md parses as written with the parser of the script it
runs (the recipes' own checks included), and documented fine-tuning runs do not write into each other's folders.

The commands themselves need data, weights or a GPU that tests do not have; what a user copies must at least name
flags that exist, with values of the right kind, and a run after the README's main job must not be refused because
it writes into the same `--output_dir`. accelerate's and torchrun's own flags are parsed by their own parsers.
"""

import argparse
import importlib.util
import re
import runpy
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BASH = re.compile(r"```bash\n(.*?)```", flags=re.S)
# Scripts whose runs are checked; a command naming none of them (pip, git, mkdocs, ...) is not.
SCRIPTS = re.compile(r"^(recipes|benchmarks)/\w+\.py$")
MODULES = ("vivit_hf.", "benchmarks.")


def documented_commands() -> list[tuple[str, list[str]]]:
    """(where, tokens) for every command line of every bash block: continuations joined, comments and `&&` chains
    split, environment assignments in front dropped; then the commands written in the prose."""
    found = []
    for page in PAGES:
        text = page.read_text()
        for block in BASH.finditer(text):
            number = text.count("\n", 0, block.start(1))
            pending, start = "", None
            for line in block.group(1).splitlines():
                number += 1
                pending, start = pending + line, start or number
                if line.endswith("\\"):  # continued on the next line
                    pending = pending[:-1] + " "
                    continue
                line, pending = pending, ""
                for part in line.split("&&"):
                    tokens = shlex.split(part, comments=True)
                    while tokens and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", tokens[0]):
                        tokens.pop(0)
                    if tokens:
                        found.append((f"{page.relative_to(ROOT)}:{start}", tokens))
                start = None
        found += inline_commands(page, text)
    return found


# A command written in the prose, `python recipes/predict.py --model out ...`: checked as a block's command is.
INLINE = re.compile(r"`((?:python3? |accelerate launch |torchrun )[^`]*)`")
OURS = re.compile(r"(?:recipes|benchmarks)/\w+\.py|(?:vivit_hf|benchmarks)\.[\w.]+")


def inline_commands(page: Path, text: str) -> list[tuple[str, list[str]]]:
    """(where, tokens) of the prose's code spans that run one of our scripts with flags (`python -m vivit_hf.convert`
    alone names the tool)."""
    prose = re.sub(r"```.*?```", lambda block: "\n" * block.group(0).count("\n"), text, flags=re.S)
    found = []
    for span in INLINE.finditer(prose):
        tokens = shlex.split(span.group(1))
        ours = [i for i, token in enumerate(tokens) if OURS.fullmatch(token)]
        if ours and ours[0] < len(tokens) - 1:
            number = prose.count("\n", 0, span.start()) + 1
            found.append((f"{page.relative_to(ROOT)}:{number} (prose)", tokens))
    return found


def script_run(tokens: list[str]) -> tuple[str, list[str]] | None:
    """(script path or `-m module`, its arguments) of a command that runs one of ours, through python, accelerate
    launch or torchrun; None for any other command."""
    if tokens[0] in ("python", "python3") and len(tokens) > 1:
        if tokens[1] == "-m" and tokens[2].startswith(MODULES):
            return f"-m {tokens[2]}", tokens[3:]
        if SCRIPTS.match(tokens[1]):
            return tokens[1], tokens[2:]
        return None
    if tokens[:2] == ["accelerate", "launch"]:
        from accelerate.commands.launch import launch_command_parser

        launch = launch_command_parser().parse_args(tokens[2:])
        return (launch.training_script, launch.training_script_args) if SCRIPTS.match(launch.training_script) else None
    if tokens[0] == "torchrun":
        from torch.distributed.run import get_args_parser

        launch = get_args_parser().parse_args(tokens[1:])
        return (launch.training_script, launch.training_script_args) if SCRIPTS.match(launch.training_script) else None
    return None


RUNS = [(where, *run) for where, tokens in documented_commands() if (run := script_run(tokens))]
# `...` stands for flags the text around the command gives; `$VAR` for a value of the reader's.
ELLIPTICAL = [run for run in RUNS if any("..." in a or "$" in a for a in run[2])]
CHECKED = [run for run in RUNS if run not in ELLIPTICAL]

# The scripts' own --help texts (their module docstrings), which users copy as they copy the docs' commands.
HELP_SOURCES = [
    *sorted(f"{folder}/{p.name}" for folder in ("recipes", "benchmarks") for p in (ROOT / folder).glob("*.py")),
    "vivit_hf/export.py",
    "vivit_hf/training/data/shard.py",
]
# A usage line's placeholders: `[--flag VALUE]`, `<folder>`, `cpu|cuda`, `DIR`, `...`.
TEMPLATE = re.compile(r"[\[\]<>|]|\.\.\.|^[A-Z][A-Z_]{2,}/?$")


def help_commands() -> list[tuple[str, str, list[str]]]:
    """(where, script, arguments) of each command of ours in a --help text (continuations joined)."""
    import ast

    found = []
    for source in HELP_SOURCES:
        doc = ast.get_docstring(ast.parse((ROOT / source).read_text())) or ""
        for line in doc.replace("\\\n", " ").splitlines():
            if line.strip().startswith(("python ", "accelerate launch ", "torchrun ")):
                run = script_run(shlex.split(line.strip(), comments=True))
                if run:
                    found.append((f"{source} --help", *run))
    return found


HELP_RUNS = help_commands()
HELP_TEMPLATES = [run for run in HELP_RUNS if any(TEMPLATE.search(a) for a in run[2])]
HELP_CHECKED = [run for run in HELP_RUNS if run not in HELP_TEMPLATES]


def test_the_docs_commands_are_found():
    """The extraction sees the commands it is meant to check (a broken pattern would check nothing)."""
    scripts = {script for _, script, _ in CHECKED}
    assert {"recipes/finetune.py", "recipes/evaluate.py", "recipes/predict.py", "-m vivit_hf.convert"} <= scripts
    assert any(where.startswith("README.md") for where, _, _ in CHECKED)
    assert len(CHECKED) >= 20 and len(ELLIPTICAL) <= 5
    # and those written in the prose (the README's `--help` and predict.py lines were checked by no test)
    prose = [(where, script) for where, script, _ in CHECKED if where.endswith("(prose)")]
    assert {"recipes/finetune.py", "recipes/predict.py"} <= {s for w, s in prose if w.startswith("README.md")}, prose


def test_no_bash_block_command_leaves_flags_out():
    """A user copies a bash block's command and runs it: a `...` in it reached the script as an argument
    (`finetune.py: error: unrecognized arguments: ...`, after 8 launched processes). Only the prose may abbreviate."""
    in_blocks = [f"{where}: {script} {shlex.join(arguments)}" for where, script, arguments in ELLIPTICAL]
    assert not [line for line in in_blocks if "(prose)" not in line.split(": ")[0]], in_blocks


class Parsed(Exception):
    """Raised by the patched `parse_args`: the flags parsed, nothing run."""


def load_script(path: str):
    spec = importlib.util.spec_from_file_location(f"documented_{Path(path).stem}", ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_placeholder_paths(arguments: list[str], folder: Path) -> None:
    """Paths the docs use as placeholders for the reader's data (`path/or/hub-id`, `/data/kinetics400`) made as
    empty folders under `folder`, so that the recipes' "no such folder" checks look at the flags instead."""
    for flag in ("--dataset", "--init_from", "--videos"):
        if flag in arguments:
            value = arguments[arguments.index(flag) + 1]
            if "/" in value and value.count("/") != 1 or value.startswith((".", "/")):
                (folder / value.lstrip("/")).mkdir(parents=True, exist_ok=True)


def parse_recipe_flags(script: str, arguments: list[str]):
    """finetune.py's or evaluate.py's flags parsed and checked (paths, Hub ids, the output folder), nothing run."""
    if script == "recipes/finetune.py":
        from vivit_hf.training import finetune

        return finetune.parse_args(arguments)
    return load_script(script).parse_args(arguments)


@pytest.mark.parametrize(
    "where, script, arguments", CHECKED + HELP_CHECKED, ids=[run[0] for run in CHECKED + HELP_CHECKED]
)
def test_a_documented_command_parses_as_written(where, script, arguments, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    if script in ("recipes/finetune.py", "recipes/evaluate.py") and "--help" not in arguments:
        # first as a reader runs it here, offline and without their data: it must parse, or stop in its one `error:`
        # line, exit 2 (a Hub id, the ViT to download, --push_to_hub, a data folder not there), never a traceback
        try:
            parse_recipe_flags(script, arguments)
        except SystemExit as error:
            said = capsys.readouterr().err
            assert error.code == 2 and "error: " in said and "Traceback" not in said, f"{where}: {said[-2000:]}"
    make_placeholder_paths(arguments, tmp_path)
    # the docs are written for a machine that reaches the Hub (`--push_to_hub`); the suite runs offline, and the
    # offline refusal has tests of its own (test_recipes_user_errors)
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    arguments = [a.replace("/data/", str(tmp_path) + "/data/") if a.startswith("/data/") else a for a in arguments]
    try:
        if script in ("recipes/finetune.py", "recipes/evaluate.py"):
            parse_recipe_flags(script, arguments)
        else:
            original = argparse.ArgumentParser.parse_args

            def parse_and_stop(self, args=None, namespace=None):
                raise Parsed(original(self, args, namespace))

            monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_and_stop)
            monkeypatch.setattr(sys, "argv", [script, *arguments])
            with pytest.raises(Parsed):
                if script.startswith("-m "):
                    runpy.run_module(script[3:], run_name="__main__", alter_sys=True)
                else:
                    runpy.run_path(str(ROOT / script), run_name="__main__")
    except SystemExit as error:
        if error.code == 0 and "--help" in arguments:
            return
        pytest.fail(f"{where}: `{script} {shlex.join(arguments)}` does not parse (exit {error.code})")


def test_documented_fine_tuning_runs_do_not_write_into_each_others_folders():
    """A run into a folder holding another run is refused (it would replace that run's model): so a documented run
    other than a continuation (`--resume_from_checkpoint`) or a restart (`--overwrite_output_dir`) must not share its
    `--output_dir` (default `outputs`, the README's main job's) with a different documented run."""
    from vivit_hf.training import finetune

    default = finetune.build_parser().get_default("output_dir")
    owners: dict[str, tuple[str, str]] = {}
    for where, script, arguments in RUNS:
        if script != "recipes/finetune.py" or {"--resume_from_checkpoint", "--overwrite_output_dir", "--help"} & set(
            arguments
        ):  # a continuation, a restart, or no run at all
            continue
        if (where, script, arguments) in ELLIPTICAL and "--output_dir" not in arguments:
            continue  # `python recipes/finetune.py ...`: its folder is not written out
        folder = arguments[arguments.index("--output_dir") + 1] if "--output_dir" in arguments else default
        command = shlex.join(arguments)
        first = owners.setdefault(folder, (where, command))
        assert first[1] == command, f"{where} and {first[0]} both train into {folder!r}: the second would be refused"


# A Hub id after these flags is fetched from the Hub; these flags upload.
FETCHING = ("--init_from", "--model", "--dataset")
PUSHING = ("--push_to_hub", "--push-to-hub")
HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


def hub_blocks_without_a_word(page: Path) -> list[str]:
    """`line: what` for each bash block that downloads from or uploads to the Hub while neither the paragraph before
    it nor its comments say so (a reader offline, or without a token, would learn it from an error)."""
    text = page.read_text()
    silent = []
    for block in BASH.finditer(text):
        commands = [shlex.split(line, comments=True) for line in block.group(1).replace("\\\n", " ").splitlines()]
        fetches = any(
            flag in FETCHING and HUB_ID.fullmatch(value) and not value.startswith(("path/", "out"))
            for tokens in commands
            for flag, value in zip(tokens, tokens[1:])
        )
        pushes = any(set(PUSHING) & set(tokens) for tokens in commands)
        said = text[: block.start()].rstrip().rsplit("\n\n", 1)[-1] + " ".join(re.findall(r"#.*", block.group(1)))
        said = said.lower()
        if fetches and not re.search(r"download|offline", said) or pushes and not re.search(r"push|upload", said):
            silent.append(f"{text.count(chr(10), 0, block.start()) + 1}: {'downloads' if fetches else 'uploads'}")
    return silent


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_command_that_needs_the_hub_says_so_beside_it(page):
    # the README's `convert transformers --model google/vivit-b-16x2-kinetics400` and the fine-tuning command's
    # `--init_from google/vit-base-patch16-224-in21k` download; nothing beside them said so to a reader offline
    silent = hub_blocks_without_a_word(page)
    assert not silent, f"{page.relative_to(ROOT)}: bash blocks at {silent} reach the Hub; say so before the block"


@pytest.mark.parametrize(
    "script",
    sorted(str(p.relative_to(ROOT)) for folder in ("recipes", "benchmarks") for p in (ROOT / folder).glob("*.py")),
)
def test_the_commands_in_a_recipes_help_keep_their_line_continuations(script):
    # in a plain docstring `\` + newline is eaten: `--help` printed finetune.py's second example as one line with a run
    # of blanks where the continuation had been
    import ast

    doc = ast.get_docstring(ast.parse((ROOT / script).read_text()), clean=False) or ""
    joined = [line.strip()[:80] for line in doc.splitlines() if re.search(r"[^\s#] {4,}--", line.split("  #")[0])]
    assert not joined, f'{script}: make the docstring raw (r"""), its --help joins lines: {joined}'


def test_a_documented_timeline_of_the_main_jobs_model_has_windows_of_its_clips_span():
    """A window's clip is the model's `num_frames` frames spread over the window, so a window longer than the span
    the model trained on shows it its motion sped up. docs/processor.md ran the README main job's `outputs` with
    `--window 4`: 32 frames of the bundled set's 8 fps, frames 4 apart where it trained on frames 2 apart; on 8 s
    videos of the bundled classes that labelled 61% of the windows right, 100% with 16-frame windows. A window in
    seconds is so many frames at the frame rate of the videos it names: predict.py's --help gave `--videos a.mp4
    b.webm --window 2s`, 16 frames of the bundled set but 50 of the docs' `a.mp4` (25 fps), whose run warned that the
    model saw its motion 3.1x faster than it trained on."""
    from vivit_hf.training.data.synthetic import SyntheticMotionConfig
    from vivit_hf.training.presets import MODEL_SIZES, PRESETS

    main_job = PRESETS["synthetic_motion"]
    span = MODEL_SIZES[main_job["model_size"]]["num_frames"] * main_job["frame_stride"]
    import ast

    # and the examples of predict.py's own --help
    doc = ast.get_docstring(ast.parse((ROOT / "recipes/predict.py").read_text()))
    helps = [
        shlex.split(line, comments=True)[2:]
        for line in doc.splitlines()
        if line.strip().startswith("python recipes/predict.py")
    ]
    runs = [
        (where, arguments)
        for where, arguments in [(w, a) for w, s, a in RUNS if s == "recipes/predict.py"]
        + [("recipes/predict.py --help", a) for a in helps]
        if arguments[arguments.index("--model") + 1] == "outputs"
    ]
    assert len(runs) > len(helps) > 0, runs
    readme_videos = {"a.mp4": 25, "b.webm": 25}  # the README's example videos: `a.mp4` (80 frames at 25 fps)
    assert "`a.mp4` (80 frames at 25 fps" in (ROOT / "README.md").read_text()
    for where, arguments in runs:
        named = readme_videos.keys() & set(arguments)
        fps = readme_videos[min(named)] if named else SyntheticMotionConfig().fps  # else the bundled set's clips
        window = arguments[arguments.index("--window") + 1] if "--window" in arguments else f"{span}f"
        frames = int(window[:-1]) if window.endswith("f") else float(window.rstrip("s")) * fps
        assert frames == span, (
            f"{where}: --window {window} is {frames:g} frames of {sorted(named) or 'the bundled set'}, its clips {span}"
        )


def test_a_documented_pattern_is_quoted_as_bash_expands_it_otherwise(tmp_path):
    """predict.py's --help said `--videos 'my_videos/**/*.mp4'    # a pattern, quoted or not`: unquoted, bash (no
    globstar) expands it itself, `**` as `*`, and predict.py read one video of the two, named otherwise."""
    import ast
    import subprocess

    from test_timeline_predict import load_predict

    (tmp_path / "my_videos" / "cats").mkdir(parents=True)
    for name in ("my_videos/b.mp4", "my_videos/cats/a.mp4"):
        (tmp_path / name).write_bytes(b"")
    by_bash = subprocess.run(
        ["bash", "-c", "printf '%s\\n' my_videos/**/*.mp4"], cwd=tmp_path, capture_output=True, text=True
    ).stdout.split()
    by_predict = [
        str(p.relative_to(tmp_path)) for p in load_predict().matching_videos(f"{tmp_path}/my_videos/**/*.mp4")
    ]
    assert by_bash == ["my_videos/cats/a.mp4"] and by_predict == ["my_videos/b.mp4", "my_videos/cats/a.mp4"]
    doc = ast.get_docstring(ast.parse((ROOT / "recipes/predict.py").read_text()))
    texts = [doc, *(page.read_text() for page in PAGES)]
    assert not any("quoted or not" in text for text in texts)
    for text in texts:  # every `**` pattern given to --videos is quoted
        assert not re.findall(r"--videos [^'\s`]*\*\*", text), re.findall(r"--videos [^'\s`]*\*\*", text)


def test_the_readme_runs_the_main_job_on_pytorchs_cpu_build_in_its_own_environment():
    """The README said to install PyTorch's CPU build first, "then the lines above"; its main command makes a fresh
    .venv, so the CPU wheels went into another environment and the main job still pulled the CUDA build (a 3 GB
    download on Linux). The CPU variant is the main command with the CPU wheels of torch and torchvision (both
    dependencies, both built for CUDA on PyPI) installed in its .venv before `pip install -e`."""
    text = (ROOT / "README.md").read_text()
    main = re.search(r"<!-- main-command -->\s*```bash\n(.+?)\n```", text, flags=re.S).group(1)
    cpu = "pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu"
    venv, _, rest = main.partition(" && pip install -e")
    commands = [line for block in BASH.findall(text) for line in block.splitlines()]
    assert f"{venv} && {cpu} && pip install -e{rest}" in commands, [c for c in commands if "whl/cpu" in c]
    requires = (ROOT / "setup.cfg").read_text().split("install_requires =")[1].split("\n\n")[0].split()
    assert {"torch>=2.6", "torchvision"} <= set(requires)  # the two that PyPI builds for CUDA


def test_the_help_texts_commands_are_found():
    """The --help extraction sees the recipes' and benchmarks' usage lines (a broken pattern would check nothing)."""
    scripts = {script for _, script, _ in HELP_CHECKED}
    assert {"recipes/finetune.py", "recipes/evaluate.py", "recipes/predict.py", "benchmarks/models.py"} <= scripts
    assert {script for _, script, _ in HELP_TEMPLATES} >= {"-m vivit_hf.export", "-m vivit_hf.training.data.shard"}
    assert len(HELP_CHECKED) >= 15, HELP_CHECKED


def parser_of(script: str, monkeypatch) -> argparse.ArgumentParser:
    """The parser a script builds, caught at its `parse_args` (nothing run)."""
    monkeypatch.setattr(
        argparse.ArgumentParser, "parse_args", lambda self, *a, **k: (_ for _ in ()).throw(Parsed(self))
    )
    monkeypatch.setattr(sys, "argv", [script])
    with pytest.raises(Parsed) as caught:
        if script.startswith("-m "):
            runpy.run_module(script[3:], run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(str(ROOT / script), run_name="__main__")
    return caught.value.args[0]


@pytest.mark.parametrize("where, script, arguments", HELP_TEMPLATES, ids=[run[0] for run in HELP_TEMPLATES])
def test_a_help_texts_usage_line_names_flags_that_exist(where, script, arguments, monkeypatch):
    """A usage line with placeholders (`[--shard_size 1GB]`, `<folder>`) cannot be parsed; its flags must exist."""
    flags = set(parser_of(script, monkeypatch)._option_string_actions)
    own = arguments[: arguments.index("--")] if "--" in arguments else arguments  # after `--`: the recipe's flags
    named = {flag for a in own for flag in re.findall(r"(?<![\w-])--[\w-]+", a.split("=")[0])}
    assert named <= flags, f"{where}: {sorted(named - flags)} are no flags of {script}"


@pytest.mark.parametrize("page", ["README.md", "docs/training-and-data.md"])
def test_fine_tuning_on_your_own_class_folders_is_shown_as_a_plain_command(page):
    """A new user with a folder of videos in class subfolders found no command for it: every example added a preset,
    a Hub ViT and `--dataset_format ssv2`. Each page shows one with the defaults: `--dataset` a local folder and an
    `--output_dir`, nothing else (checked as written by test_a_documented_command_parses_as_written)."""
    plain = [
        arguments
        for where, script, arguments in CHECKED
        if where.startswith(f"{page}:")
        and script == "recipes/finetune.py"
        and arguments[:1] == ["--dataset"]
        and arguments[1].startswith("path/")
        and len(arguments) == 4
    ]
    assert plain and plain[0][2] == "--output_dir", plain


def test_the_timeline_example_in_seconds_says_the_window_the_main_jobs_model_needs():
    """docs/processor.md's timeline (`window=1.0, hop=0.5` on `my-vivit`, the main job's model) logs a warning that
    the model sees its motion 1.6x faster than it trained on, without a word beside it; the paragraph after the
    example says so and names the window of that model's clips, `num_frames` x `frame_stride` frames."""
    from vivit_hf.training.presets import MODEL_SIZES, PRESETS

    main_job = PRESETS["synthetic_motion"]
    span = MODEL_SIZES[main_job["model_size"]]["num_frames"] * main_job["frame_stride"]
    text = (ROOT / "docs" / "processor.md").read_text()
    after = text[text.index('pipe("a.mp4", window=1.0, hop=0.5') :].split("```text")[1].split("```", 1)[1]
    paragraph = after.strip().split("\n\n")[0].replace("\n", " ")
    assert "warning" in paragraph and f'window="{span}f"' in paragraph, paragraph


def test_a_documented_resume_is_the_command_of_a_documented_run_that_keeps_checkpoints():
    """docs/training-and-data.md resumed with `--resume_from_checkpoint latest --output_dir out   # same flags as
    before`: run as written it is refused (`--dataset` 'path/or/hub-id' -> 'synthetic_motion'), and the run it
    continued kept no checkpoint (no --checkpointing_steps). A documented resume is a documented run's command, which
    keeps checkpoints, with `--resume_from_checkpoint` added. So is one in finetune.py's --help, which resumed with
    `--resume_from_checkpoint latest --output_dir out` alone after a run of other flags and no checkpoints (refused:
    `--model 'factorised_encoder' -> 'spatio_temporal'`)."""
    commands = CHECKED + HELP_CHECKED
    runs = [arguments for _, script, arguments in commands if script == "recipes/finetune.py"]
    resumes = [(w, a) for w, s, a in commands if s == "recipes/finetune.py" and "--resume_from_checkpoint" in a]
    assert resumes
    for where, arguments in resumes:
        at = arguments.index("--resume_from_checkpoint")
        first = arguments[:at] + arguments[at + 2 :]
        assert first in runs and "--checkpointing_steps" in first, f"{where}: resumes no documented run's checkpoints"


def test_what_the_documented_commands_write_into_the_checkout_is_ignored_by_git():
    """A command of the docs run in the checkout, as a new user runs them, left untracked folders `git status` listed:
    the shard tool's `k400-shards/`, `hf download --local-dir hub`'s `hub/`, and evaluate.py's results of a Hub
    model, `./owner--name/` (`./models--name/` for an id without an owner)."""
    import shutil
    import subprocess

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    # folders end in `/` (a `dir/` pattern matches no path git cannot see is a folder)
    written = {
        "google--vivit-b-16x2-kinetics400/eval_k400_validation_1x1/",
        "models--bert-base-uncased/eval_x_test_1x1/",
    }
    for _, tokens in documented_commands():
        for flag in ("--output_dir", "--out", "--local-dir"):
            if flag in tokens[:-1] and not (path := tokens[tokens.index(flag) + 1]).endswith(".json"):
                written.add(path.rstrip("/") + "/")
        if tokens[:3] == ["python", "-m", "vivit_hf.export"]:
            written.add(tokens[4])
        if tokens[:2] == ["python", "benchmarks/cpu_profile.py"] and len(tokens) > 2:  # its one argument: the file
            written.add(tokens[2])  # (docs/benchmarks.md's `out.json` was left in the checkout, untracked)
    # the benchmarks' results are kept in git; FOLDER is a placeholder, /shared/... a path of the reader's
    written = {path for path in written if not path.startswith(("benchmarks/", "/")) and not path.isupper()}
    assert {"k400-shards/", "hub/", "model.onnx", "out-ssv2/"} <= written, written
    shown = subprocess.run(
        ["git", "check-ignore", "--no-index", "--verbose", "--non-matching", *sorted(written)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    tracked = [line.split("\t")[-1] for line in shown.splitlines() if line.startswith("::")]
    assert tracked == [], f"not in .gitignore: {tracked}"


def test_each_documented_mutmut_pattern_names_code_that_setup_cfg_lets_mutmut_mutate():
    """docs/testing.md's `mutmut run` lines name functions by mutmut's names (`module.x_function*`,
    `module.xǁClassǁmethod*`). A pattern naming no mutant matches nothing and mutmut says nothing: after
    `list_checkpoints` moved from training/checkpoints.py to run_folder.py (a module `only_mutate` lacks), the
    documented checkpoints run silently left it out."""
    import configparser

    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    mutated = {path.removesuffix(".py").replace("/", ".") for path in setup["mutmut"]["only_mutate"].split()}
    block = next(b for b in BASH.findall((ROOT / "docs" / "testing.md").read_text()) if "mutmut run" in b)
    names = dict(re.findall(r"\b([A-Z])=(vivit_hf[\w.]*)", block))
    lines = " ".join(block.replace("\\\n", " ").splitlines())
    patterns = [
        re.sub(r"\$([A-Z])", lambda m: names[m.group(1)], p)
        for run in re.findall(r"mutmut run [^#]*", lines)
        for p in re.findall(r'"([^"]+)"', run)
    ]
    assert len(patterns) > 40
    wrong, defined = [], {}
    for pattern in patterns:
        module, _, symbol = pattern.rstrip("*").partition(".x")  # no symbol: a whole module ("...timeline*")
        if module not in mutated:
            wrong.append(f"{pattern}: {module} is not in setup.cfg's only_mutate")
            continue
        if not symbol:
            continue
        if module not in defined:  # its top-level functions and classes' methods, as mutmut names them (by line: an
            # ast of video_pyav.py's 2 300 lines, named by 14 patterns, was most of this test's time)
            text = (ROOT / (module.replace(".", "/") + ".py")).read_text()
            found, cls = set(), None
            for indent, kind, name in re.findall(r"^( *)(?:async )?(def|class) (\w+)", text, re.M):
                if not indent:
                    cls = name if kind == "class" else None
                    found |= {name} if kind == "def" else set()
                elif indent == "    " and kind == "def" and cls:
                    found.add(f"ǁ{cls}ǁ{name}")
            defined[module] = found
        wanted = symbol[1:] if symbol.startswith("_") else symbol  # `x_name` -> `name`; `xǁC...` -> `ǁC...`
        if not any(name.startswith(wanted) for name in defined[module]):
            wrong.append(f"{pattern}: no such function in {module}")
    assert not wrong, "docs/testing.md's mutmut patterns match no mutant:\n" + "\n".join(wrong)
