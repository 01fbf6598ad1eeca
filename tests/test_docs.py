"""Every Python example in README.md and docs/*.md runs as written, each in a fresh interpreter; the two commands are
where CI finds them; the docs build with mkdocs and their links resolve.

Each ```python block is marked `<!-- runnable -->` (run as `python -c` in a process of its own, forked from one that
has imported only torch, torchvision, transformers, numpy and PyAV: `tests/fresh_python.py`; in a folder holding the
files the examples
name: `a.mp4`, `b.webm`, a saved `my-vivit`, scenic `params.npz` + `config.json`, a `clips/` video folder) or
`<!-- needs-download: what -->` (weights from the Hub or the web, which tests never fetch); those are compiled and
every name they use must be imported or defined in the block itself, so they too run as written once downloaded.
A block that appears word for word on several pages (the README's tour repeats some) runs once.
"""

import builtins
import importlib.util
import json
import os
import re
import shutil
import subprocess
import symtable
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import case_dir  # noqa: E402
from fresh_python import EXAMPLES, server  # noqa: E402
from video_factory import write_video  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
# The write-ups beside the benchmark results: their links are checked too.
WRITE_UPS = sorted((ROOT / "benchmarks" / "results").glob("*.md"))
BLOCK = re.compile(r"(?:<!-- ([\w-]+)(?::[^>]*)? -->\s*)?```python\n(.*?)```", flags=re.S)
README_MAX_BYTES = 12 * 1024
# Paths inside transformers' own tests/ package that docs/testing.md names (what its sdist leaves out).
TRANSFORMERS_TESTS = ("tests/exporters/", "tests/generation/", "tests/utils/", "tests/__init__.py")


@dataclass(frozen=True)
class Block:
    where: str  # "docs/models.md:25"
    marker: str | None
    code: str


def _blocks() -> list[Block]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start(2))
            found.append(Block(f"{page.relative_to(ROOT)}:{line}", match.group(1), match.group(2)))
    return found


BLOCKS = _blocks()


def _unique(marker: str) -> dict[str, str]:
    """code -> where it first appears, for the blocks with `marker`."""
    unique = {}
    for block in BLOCKS:
        if block.marker == marker:
            unique.setdefault(block.code, block.where)
    return unique


def _docstring_examples() -> dict[str, str]:
    """code -> where, for the ```python examples in the package's docstrings: `help(ViViTVideoProcessor)` shows them
    to a user as the docs' blocks are shown, so they run as written too (one used a `videos` it never defined)."""
    import ast
    import textwrap

    found = {}
    for path in sorted((ROOT / "vivit_hf").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                docstring = ast.get_docstring(node, clean=True) or ""
                for match in re.finditer(r"```python\n(.*?)```", docstring, flags=re.S):
                    found.setdefault(textwrap.dedent(match.group(1)), f"{path.relative_to(ROOT)} ({node.lineno})")
    return found


RUNNABLE = {**_unique("runnable"), **_docstring_examples()}
NEEDS_DOWNLOAD = _unique("needs-download")


def test_readme_has_the_two_commands():
    text = README.read_text()
    for marker in ("main-command", "test-command"):
        block = re.search(rf"<!-- {marker} -->\s*```bash\n(.+?)\n```\s*<!-- /{marker} -->", text, flags=re.S)
        assert block and "pip install -e" in block.group(1), marker


def test_readme_stays_short():
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes; move detail into docs/ (limit {README_MAX_BYTES})"


def test_every_python_block_is_marked():
    unmarked = [b.where for b in BLOCKS if b.marker not in ("runnable", "needs-download")]
    assert not unmarked, f"python blocks with neither <!-- runnable --> nor <!-- needs-download: ... -->: {unmarked}"
    assert len(RUNNABLE) >= 15, "fewer runnable examples than expected: is the block pattern still matching?"
    pages_with_examples = {b.where.split(":")[0] for b in BLOCKS}
    assert "README.md" in pages_with_examples


def test_mkdocs_nav_lists_every_page():
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    listed = [next(iter(entry.values())) if isinstance(entry, dict) else entry for entry in config["nav"]]
    assert sorted(listed) == sorted(p.name for p in DOCS.glob("*.md")), "mkdocs.yml nav and docs/*.md differ"
    assert listed[0] == "index.md"


def _links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)  # not inside code blocks
    return re.findall(r"\]\(([^)\s]+)\)", text)


def layout_entries() -> dict[str, str]:
    """docs/index.md's layout block by top-level folder (`benchmarks/`): the text of its line and the lines under it."""
    block = DOCS.joinpath("index.md").read_text().split("## Layout", 1)[1].split("```", 2)[1]
    entries: dict[str, str] = {}
    top = None
    for line in block.splitlines():
        if line and not line.startswith(" "):
            top = line.split()[0]
        if top:
            entries[top] = entries.get(top, "") + line + "\n"
    return entries


@pytest.mark.parametrize("folder", ["benchmarks", "recipes"])
def test_the_layout_names_every_file_of_the_script_folders(folder):
    # it named 4 of benchmarks/' 12 files, and no recipes/predict.py: a reader could not find the rest
    entry = layout_entries()[f"{folder}/"]
    files = [p.name for p in (ROOT / folder).iterdir() if p.is_file() and not p.name.startswith(".")]
    assert files, f"no files in {folder}/"
    unnamed = [name for name in sorted(files) if not re.search(rf"(?<![\w/.]){re.escape(name)}(?![\w])", entry)]
    assert not unnamed, f"docs/index.md's layout under {folder}/ does not name {unnamed}: add a line for each"


def test_the_layout_names_every_module_of_the_package():
    # it named no training/agreement.py, data/dataset.py or data/formats.py: a reader looking for where the processes
    # agree, or where an adapter lives, found nothing
    entry = layout_entries()["vivit_hf/"]
    modules = sorted(p for p in (ROOT / "vivit_hf").rglob("*.py") if p.name != "__init__.py")
    unnamed = [
        str(p.relative_to(ROOT)) for p in modules if not re.search(rf"(?<![\w]){re.escape(p.stem)}(?![\w])", entry)
    ]
    assert not unnamed, f"docs/index.md's layout under vivit_hf/ does not name {unnamed}: add each"


@pytest.mark.parametrize("page", PAGES + WRITE_UPS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    broken = []
    for link in _links(page):
        if re.match(r"[a-z]+:", link) or link.startswith("#"):
            continue
        target = (page.parent / link.split("#")[0]).resolve()
        if not target.exists():
            broken.append(link)
        elif page.parent == DOCS and DOCS.resolve() not in target.parents:
            broken.append(f"{link} (leaves docs/: mkdocs --strict refuses it; name the path as code instead)")
    assert not broken, f"{page.relative_to(ROOT)}: {broken}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_repository_paths_named_in_the_docs_exist(page):
    """`benchmarks/...`, `tests/...`, `recipes/...`, `vivit_hf/...` named as code point at real files (patterns
    aside)."""
    named = re.findall(r"`((?:benchmarks|tests|recipes|vivit_hf)/[^`\s]*)`", page.read_text())
    missing = [
        path
        for path in named
        if not re.search(r"[<\[*{]", path) and not path.startswith(TRANSFORMERS_TESTS) and not (ROOT / path).exists()
    ]
    assert not missing, f"{page.relative_to(ROOT)} names paths that do not exist: {missing}"


def _slugs(heading: str) -> tuple[str, str]:
    """A heading's anchor as mkdocs (Python-Markdown's toc) makes it, and as GitHub does: the README sends readers to
    docs/ on GitHub, the site to the same pages built by mkdocs, so an anchor must be the same in both."""
    import unicodedata

    text = heading.replace("`", "").strip()
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    mkdocs = re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", ascii_text).strip().lower())
    github = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
    return mkdocs, github


def test_slugs_follow_both_renderers():
    assert _slugs("Speed: clips, waiting for data, `--torch_compile`") == (
        "speed-clips-waiting-for-data-torch_compile",
        "speed-clips-waiting-for-data---torch_compile",
    )
    assert _slugs("Names across the paper, scenic and vivit_hf") == ("names-across-the-paper-scenic-and-vivit_hf",) * 2


@pytest.mark.parametrize("page", PAGES + WRITE_UPS, ids=lambda p: str(p.relative_to(ROOT)))
def test_anchors_resolve_on_github_and_in_mkdocs(page):
    # training-and-data.md's link to its `--torch_compile` section worked on the site and led nowhere on GitHub,
    # whose anchor keeps the flag's hyphens
    broken = []
    for link in _links(page):
        if re.match(r"[a-z]+:", link) or "#" not in link:
            continue
        path, anchor = link.split("#", 1)
        target = (page.parent / path) if path else page
        if not target.exists() or target.suffix != ".md":
            continue  # test_relative_links_resolve names it
        text = re.sub(r"```.*?```", "", target.read_text(), flags=re.S)
        slugs = [_slugs(h) for h in re.findall(r"^#{1,6} (.+?)\s*$", text, flags=re.M)]
        if not any(anchor == mkdocs == github for mkdocs, github in slugs):
            broken.append(link)
    assert not broken, f"{page.relative_to(ROOT)}: anchors that name no heading in both renderers: {broken}"


def _markdown_files_named(page: Path) -> list[str]:
    """`X.md` / `folder/X.md` named in a page's prose (not in code blocks, not as a link's target)."""
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return sorted(set(re.findall(r"(?<![\w/.<*-])([\w./-]+\.md)\b", text)))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_files_named_in_the_docs_are_in_the_repository(page):
    # docs/testing.md sent readers to "DESIGN.md", a file beside the clone on the development machine, not in it
    in_repository = {p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.md") if ".git" not in p.parts}
    names = {Path(p).name for p in in_repository}
    missing = [n for n in _markdown_files_named(page) if n not in in_repository and ("/" in n or n not in names)]
    assert not missing, f"{page.relative_to(ROOT)} names files a clone does not have: {missing}"


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed: pip install mkdocs (CI runs mkdocs build --strict)")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def example_dir(tmp_path_factory, fixtures_dir):
    """The files the examples name, tiny stand-ins of the real ones."""
    import torch

    import vivit_hf

    root = tmp_path_factory.mktemp("examples")
    write_video(root / "a.mp4", num_frames=80, height=48, width=64)
    write_video(root / "b.webm", num_frames=40, height=48, width=64, codec="vp9")
    for label, count in (("cat", 2), ("dog", 2)):
        for i in range(count):
            (root / "clips" / "train" / label).mkdir(parents=True, exist_ok=True)
            write_video(root / "clips" / "train" / label / f"{i}.mp4", num_frames=20 + 8 * i, height=48, width=64)
    torch.manual_seed(0)
    config = vivit_hf.ViViTFactorisedEncoderConfig(  # the processor's defaults: 32 frames, 224 px crops
        hidden_size=16,
        num_hidden_layers=1,
        num_temporal_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=3,
        id2label={0: "cat", 1: "dog", 2: "bird"},
        label2id={"cat": 0, "dog": 1, "bird": 2},
    )
    vivit_hf.ViViTFactorisedEncoderForVideoClassification(config).save_pretrained(root / "my-vivit")
    vivit_hf.ViViTVideoProcessor().save_pretrained(root / "my-vivit")
    case = case_dir("scenic", "factorized_encoder_3dconv_token")  # FIXTURES', else the repository's copy
    shutil.copy(case / "params.npz", root / "params.npz")
    (root / "config.json").write_text(json.dumps(json.loads((case / "config.json").read_text())["scenic_config"]))
    return root


@pytest.fixture(scope="module")
def fresh_python():
    """The pytest worker's server of these libraries in this environment, shared with the other modules that use it
    (test_export's, test_data_synthetic's, ...): a server of its own imported them again (5-6 s of CPU)."""
    return server(EXAMPLES, dict(os.environ))


@pytest.mark.parametrize("code", list(RUNNABLE), ids=list(RUNNABLE.values()))
def test_example_runs_in_a_fresh_interpreter(code, example_dir, fresh_python, tmp_path):
    workdir = tmp_path / "run"
    shutil.copytree(example_dir, workdir)
    result = fresh_python.run(["-c", code], cwd=workdir)
    assert result.returncode == 0, (
        f"example at {RUNNABLE[code]} failed:\n{code}\n--- stderr ---\n{result.stderr[-4000:]}"
    )


def test_the_examples_interpreter_is_fresh_as_python_c(fresh_python, tmp_path):
    """What the examples run in has nothing of vivit_hf: a block that forgets `import vivit_hf` fails as it would for
    a user (transformers does not know the model type), and runs once it imports it; a block's exception or
    `sys.exit` is its status, its output its own, and its folder first on the path, as `python -c` in that folder."""
    (tmp_path / "local_module.py").write_text("VALUE = 7\n")
    forgot = "from transformers import AutoConfig\nAutoConfig.for_model('vivit_factorised_encoder')"
    result = fresh_python.run(["-c", forgot], cwd=tmp_path)
    assert result.returncode == 1 and "vivit_factorised_encoder" in result.stderr, result.stderr[-2000:]
    assert fresh_python.run(["-c", "import vivit_hf\n" + forgot], cwd=tmp_path).returncode == 0
    state = (
        "import sys, os, local_module\n"
        "print(sorted(m for m in sys.modules if m.startswith('vivit_hf')), sys.argv, __name__, os.getcwd())\n"
        "print(sorted(n for n in globals() if not n.startswith('__')), local_module.VALUE)\n"
        "print('to stderr', file=sys.stderr)\n"
        "sys.exit(3)"
    )
    result = fresh_python.run(["-c", state, "x"], cwd=tmp_path)
    assert result.returncode == 3
    assert result.stdout.splitlines() == [
        f"[] ['-c', 'x'] __main__ {tmp_path}",
        "['local_module', 'os', 'sys'] 7",
    ]
    assert result.stderr == "to stderr\n"
    assert "Traceback" in fresh_python.run(["-c", "raise ValueError('x')"], cwd=tmp_path).stderr


def _free_names(code: str) -> set[str]:
    """Names a block reads as globals without importing or assigning them anywhere in the block."""
    defined, used = set(), set()

    def walk(table):
        for sym in table.get_symbols():
            if table.get_type() == "module" and (sym.is_assigned() or sym.is_imported()):
                defined.add(sym.get_name())
            elif sym.is_global() or (table.get_type() == "module" and sym.is_referenced()):
                used.add(sym.get_name())
        for child in table.get_children():
            walk(child)

    walk(symtable.symtable(code, "example", "exec"))
    return used - defined - set(dir(builtins))


@pytest.mark.parametrize("code", list(NEEDS_DOWNLOAD), ids=list(NEEDS_DOWNLOAD.values()))
def test_example_that_needs_a_download_imports_everything_it_uses(code):
    assert not _free_names(code), f"names used but never imported or defined: {_free_names(code)}\n{code}"


def test_the_name_check_finds_a_missing_import():
    assert _free_names("model = FE.from_vit_pretrained('x')\nprint(np.zeros(1))") == {"FE", "np"}
    assert not _free_names("import numpy as np\ndef f(x):\n    return np.abs(x)\nprint(f(1))")


def _download_blocks_without_a_word(page: Path) -> list[int]:
    """Lines of `needs-download` blocks whose paragraph before them does not tell the reader they download."""
    text = page.read_text()
    silent = []
    for marker in re.finditer(r"^<!-- needs-download:[^>]*-->", text, flags=re.M):  # not one named in prose
        paragraph = text[: marker.start()].rstrip().rsplit("\n\n", 1)[-1]
        if "download" not in paragraph.lower():
            silent.append(text.count("\n", 0, marker.start()) + 1)
    return silent


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_an_example_that_downloads_says_so_on_the_page(page):
    # the marker is an HTML comment, unseen on the rendered page: a reader with HF_HUB_OFFLINE=1, or without the file,
    # copied the example and met a connection error or a missing file with no word of either before it
    silent = _download_blocks_without_a_word(page)
    assert not silent, f"{page.relative_to(ROOT)}: examples at lines {silent} need a download the page does not name"


def test_the_install_lines_name_every_extra_and_what_it_installs():
    # docs/index.md's `.[test]` line left out onnxscript, onnxruntime and peft, and no line named the `dev` extra
    import configparser

    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    extras = {
        name: [re.split(r"[<>=\[; ]", req.strip())[0] for req in value.strip().splitlines()]
        for name, value in setup["options.extras_require"].items()
    }
    install = DOCS.joinpath("index.md").read_text().split("## Install", 1)[1].split("```", 2)[1]
    lines = {m.group(1): m.group(2) for m in re.finditer(r'pip install -e "\.\[(\w+)\]"\s*#(.*)', install)}
    assert set(lines) == set(extras), (
        f"docs/index.md's install lines name {sorted(lines)}, setup.cfg has {sorted(extras)}"
    )
    for name, packages in extras.items():
        comment = lines[name].replace("the recipes' dependencies", " ".join(extras["recipes"]))
        unnamed = [p for p in packages if not re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", comment)]
        assert not unnamed, f'docs/index.md: `pip install -e ".[{name}]"` does not name {unnamed}'


def test_the_sdist_holds_every_file_of_the_clone(tmp_path):
    """`python -m build --sdist` (a packager's or PyPI's source) held what setuptools takes alone: the package,
    README, setup.cfg and the 156 tests/test*.py files, not conftest.py, the tests' helpers and data, the recipes, the
    docs, mkdocs.yml or .ci: none of the README's commands ran from it. The file list is setuptools' own (egg_info's
    SOURCES.txt, what sdist packs), written outside the checkout."""
    tracked = tracked_files(ROOT)
    if tracked is None:  # an unpacked sdist, or a clone git refuses to read
        pytest.skip("git cannot list the clone's files here")
    # a venv of Python 3.12+ has no setuptools (pip builds in an isolated one): the sdist's list cannot be made here.
    # Looked for, not imported: setuptools runs in the child alone (its import patches distutils in this process)
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is not installed in this environment")
    setup = "import setuptools; setuptools.setup(script_args=['-q', 'egg_info', '--egg-base', sys.argv[1]])"
    run = subprocess.run(
        [sys.executable, "-c", "import sys; " + setup, tmp_path], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, f"setuptools' egg_info failed on this checkout:\n{run.stderr[-3000:]}"
    packed = set((tmp_path / "vivit_hf.egg-info" / "SOURCES.txt").read_text().splitlines())
    missing = sorted(set(tracked) - packed - {".gitignore"})
    assert not missing, f"the sdist leaves out {len(missing)} files of the clone (MANIFEST.in): {missing[:10]}"


def test_pytests_header_says_when_the_vivit_hf_under_test_is_not_this_checkouts(tmp_path):
    """After a non-editable `pip install ".[test]"`, a bare `pytest` in the checkout tested the installed copy
    without a word (a test added here failed against the code installed before it): the header now says so."""
    from conftest import tested_elsewhere

    assert tested_elsewhere(str(ROOT / "vivit_hf" / "__init__.py")) is None
    installed = tmp_path / "site-packages" / "vivit_hf" / "__init__.py"
    line = tested_elsewhere(str(installed))
    assert str(installed.parent) in line and "python -m pytest" in line, line


def test_the_docs_model_card_example_writes_no_empty_table(tmp_path, monkeypatch):
    # docs/training-and-data.md's build_model_card example (results, no training_args) wrote a "Training recipe"
    # table whose one row was "| - | - |"
    block = next(code for code in RUNNABLE if "build_model_card(" in code)
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "training-and-data.md", "exec"), {"__name__": "__example__"})
    card = (tmp_path / "out" / "README.md").read_text()
    assert "| - | - |" not in card and "## Training recipe" not in card, card
    assert "| top1 | 0.8100 |" in card  # the results are still there


def test_the_docs_retrieval_example_samples_the_clips_as_the_main_job_trained():
    # docs/models.md's retrieval example, "swap in the checkpoint to see it learn", rendered 8 consecutive frames where
    # the main job trained on the set's 16 two apart: the checkpoint found its clips' class 89.6% of the time, not
    # 100%. Its clips are now the set's, its frames the preset's (its forward runs in the fresh-interpreter test).
    import numpy as np
    import torch

    from vivit_hf.training.data.synthetic import SyntheticMotionConfig
    from vivit_hf.training.presets import MODEL_SIZES, PRESETS

    block = next(code for code in RUNNABLE if "render_clip(" in code and "get_video_features" in code)
    namespace = {"__name__": "__example__"}
    head = block.split("with torch.no_grad():")[0]  # the clips and their frames
    assert "repeat_interleave(12)" in head
    # one clip a class (the example's 12 cost a second here, checking nothing more)
    exec(compile(head.replace("repeat_interleave(12)", "repeat_interleave(1)"), "models.md", "exec"), namespace)
    assert namespace["data"] == SyntheticMotionConfig()  # the bundled set's clips, as the main job reads them
    stride, num_frames = PRESETS["synthetic_motion"]["frame_stride"], MODEL_SIZES["tiny"]["num_frames"]
    clips = np.stack(namespace["clips"])[:, ::stride][:, :num_frames]  # 16 frames: the one clip spans them all
    expected = torch.from_numpy(clips).permute(0, 1, 4, 2, 3).float() / 127.5 - 1  # scenic's [-1, 1]
    torch.testing.assert_close(namespace["pixel_values"], expected, atol=1e-6, rtol=0)


def test_the_readme_names_every_file_its_examples_open():
    # the README's processor example opens "b.webm", which the README's list of the examples' files left out
    prose = re.sub(r"```.*?```", "", README.read_text(), flags=re.S)
    opened = {
        name
        for block in BLOCKS
        if block.where.startswith("README.md") and block.marker == "runnable"
        for name in re.findall(r"[\"']([\w.-]+\.(?:mp4|webm|mkv|avi|npz|json))[\"']", block.code)
    }
    assert opened, "no file names found in the README's examples: is the pattern still matching?"
    unnamed = sorted(name for name in opened if f"`{name}`" not in prose)
    assert not unnamed, f"README.md's examples open {unnamed}, which its text never names"


def test_the_readme_says_what_the_example_video_holds(example_dir):
    # docs/processor.md's decoding example reads a.mp4's frames 0-62: a user's shorter a.mp4 stopped it ("Frame
    # indices [62] are out of range"), and the comments' figures (16 of its 80 frames) are of one video; the README
    # named the file only
    from vivit_hf.processing.video_io import probe

    prose = re.sub(r"```.*?```", "", README.read_text(), flags=re.S)
    said = re.search(r"`a\.mp4` \((\d+) frames at (\d+) fps, [^)]*reads its frame (\d+)", " ".join(prose.split()))
    assert said, "README.md does not say what a.mp4 holds"
    info = probe(str(example_dir / "a.mp4"))
    assert (info.num_frames, info.fps) == (int(said[1]), float(said[2]))  # the video the examples are tested on
    reads = [
        max(range(*map(int, bounds)))
        for code in RUNNABLE
        for bounds in re.findall(r"read\(range\((\d+), (\d+), (\d+)\)\)", code)
        if '"a.mp4"' in code
    ]
    assert reads and max(reads) == int(said[3]) < info.num_frames, reads


def _named_in_the_results_index() -> set[str]:
    """The file names `benchmarks/results/README.md` gives, as code or link text, braces expanded
    (`models-cpu.{json,md,png}`)."""
    text = (ROOT / "benchmarks" / "results" / "README.md").read_text()
    named = set()
    for name in re.findall(r"`([\w.{},-]+)`|\[([\w.-]+)\]\(", text):
        name = name[0] or name[1]
        braces = re.fullmatch(r"(.*)\{([\w,]+)\}(.*)", name)
        named |= {f"{braces[1]}{part}{braces[3]}" for part in braces[2].split(",")} if braces else {name}
    return named


def _committed_results() -> list[str]:
    """The names of the committed result files: in a git checkout, the ones git tracks (a documented benchmark run
    with other flags, `recipe.py --steps 40 -- ...`, writes a new untracked file there, which made
    `pytest tests/test_docs.py` fail after it); elsewhere (an sdist) every file of the folder."""
    tracked = _tracked_results()
    return tracked if tracked is not None else [path.name for path in (ROOT / "benchmarks" / "results").iterdir()]


def _tracked_results() -> list[str] | None:
    """The result files git tracks; None where git cannot say (see `tracked_files`)."""
    tracked = tracked_files(ROOT / "benchmarks" / "results")
    return None if tracked is None else [Path(name).name for name in tracked]


def tracked_files(folder: Path) -> list[str] | None:
    """The files git tracks under `folder`, relative to it; None where git cannot say (no git, not a checkout, or a
    checkout git refuses to read: "dubious ownership" of a clone made by another user in a CI container)."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "."], cwd=folder, capture_output=True, text=True)
    except OSError:
        return None
    if listed.returncode != 0 or not listed.stdout:
        return None
    return [name for name in listed.stdout.split("\0") if name]


def unnamed_result_files() -> list[str]:
    return sorted(
        name for name in _committed_results() if name != "README.md" and name not in _named_in_the_results_index()
    )


def test_the_results_index_names_every_result_file():
    # docs/benchmarks.md sends readers to benchmarks/results/README.md as the "index of every result file and the
    # command that wrote it", and docs/processor.md to the Benchmarks page for benchmarks/timeline.py; neither named
    # timeline.json or its write-up, mask-cpu.*, retrieval.json or the streaming recipe run: a reader had no command
    missing = unnamed_result_files()
    assert not missing, f"benchmarks/results/README.md does not name: {missing}"


def test_a_documented_benchmark_runs_result_does_not_fail_the_index_check():
    if _tracked_results() is None:
        pytest.skip("git cannot list the tracked files here")
    written = ROOT / "benchmarks" / "results" / "recipe-synthetic_motion-steps1-test-docs-untracked.json"
    written.write_text("{}")
    try:
        assert written.name not in unnamed_result_files()
    finally:
        written.unlink()


def test_the_test_command_says_how_long_the_suite_takes():
    """A new user ran the test command and, 5 minutes in, could not tell a 12-minute suite from a stuck one: README and
    docs/testing.md said how long the main command's CI takes, not the tests. The paragraph after each says it."""
    for page, after in ((README, "<!-- /test-command -->"), (DOCS / "testing.md", "pytest -n 2 tests\n```")):
        text = page.read_text()
        paragraph = text[text.index(after) + len(after) :].strip().split("\n\n")[0]
        assert re.search(r"takes about \d+-\d+ minutes on 2 quiet cores", paragraph.replace("\n", " ")), page.name
