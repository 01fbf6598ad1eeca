"""Every Python example in README.md runs as written, each in a fresh interpreter, and the two commands are where CI
finds them.

Each ```python block is marked `<!-- runnable -->` (run in a new process, in a folder holding the files the examples
name: `a.mp4`, `b.webm`, a saved `my-vivit`, scenic `params.npz` + `config.json`, a `clips/` video folder) or
`<!-- needs-download: what -->` (weights from the Hub or the web, which tests never fetch); those are compiled and
every name they use must be imported or defined in the block itself, so they too run as written once downloaded.
"""

import builtins
import json
import re
import shutil
import subprocess
import symtable
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from video_factory import write_video  # noqa: E402

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text()
BLOCKS = re.findall(r"(?:<!-- ([\w-]+)(?::[^>]*)? -->\s*)?```python\n(.*?)```", TEXT, flags=re.S)
RUNNABLE = [code for marker, code in BLOCKS if marker == "runnable"]
NEEDS_DOWNLOAD = [code for marker, code in BLOCKS if marker == "needs-download"]


def test_readme_has_the_two_commands():
    for marker in ("main-command", "test-command"):
        block = re.search(rf"<!-- {marker} -->\s*```bash\n(.+?)\n```\s*<!-- /{marker} -->", TEXT, flags=re.S)
        assert block and "pip install -e" in block.group(1), marker


def test_every_python_block_is_marked():
    unmarked = [code.splitlines()[0] for marker, code in BLOCKS if marker not in ("runnable", "needs-download")]
    assert not unmarked, f"README python blocks with neither <!-- runnable --> nor <!-- needs-download: ... -->: {unmarked}"
    assert len(RUNNABLE) >= 12


@pytest.fixture(scope="module")
def example_dir(tmp_path_factory, fixtures_dir):
    """The files the README examples name, tiny stand-ins of the real ones."""
    import torch

    import vivit_hf

    root = tmp_path_factory.mktemp("readme")
    write_video(root / "a.mp4", num_frames=80, height=48, width=64)
    write_video(root / "b.webm", num_frames=40, height=48, width=64, codec="vp9")
    for label, count in (("cat", 2), ("dog", 2)):
        for i in range(count):
            (root / "clips" / "train" / label).mkdir(parents=True, exist_ok=True)
            write_video(root / "clips" / "train" / label / f"{i}.mp4", num_frames=20 + 8 * i, height=48, width=64)
    torch.manual_seed(0)
    config = vivit_hf.ViViTFactorisedEncoderConfig(  # the processor's defaults: 32 frames, 224 px crops
        hidden_size=16, num_hidden_layers=1, num_temporal_layers=1, num_attention_heads=2, intermediate_size=32,
        num_labels=3, id2label={0: "cat", 1: "dog", 2: "bird"}, label2id={"cat": 0, "dog": 1, "bird": 2})
    vivit_hf.ViViTFactorisedEncoderForVideoClassification(config).save_pretrained(root / "my-vivit")
    vivit_hf.ViViTVideoProcessor().save_pretrained(root / "my-vivit")
    case = fixtures_dir / "scenic" / "factorized_encoder_3dconv_token"
    shutil.copy(case / "params.npz", root / "params.npz")
    (root / "config.json").write_text(json.dumps(json.loads((case / "config.json").read_text())["scenic_config"]))
    return root


@pytest.mark.parametrize("code", RUNNABLE, ids=[f"example_{i}" for i in range(len(RUNNABLE))])
def test_readme_example_runs_in_a_fresh_interpreter(code, example_dir, tmp_path):
    workdir = tmp_path / "run"
    shutil.copytree(example_dir, workdir)
    result = subprocess.run([sys.executable, "-c", code], cwd=workdir, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"README example failed:\n{code}\n--- stderr ---\n{result.stderr[-4000:]}"


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

    walk(symtable.symtable(code, "README.md", "exec"))
    return used - defined - set(dir(builtins))


@pytest.mark.parametrize("code", NEEDS_DOWNLOAD, ids=[f"download_example_{i}" for i in range(len(NEEDS_DOWNLOAD))])
def test_readme_example_that_needs_a_download_imports_everything_it_uses(code):
    assert not _free_names(code), f"names used but never imported or defined: {_free_names(code)}\n{code}"


def test_the_name_check_finds_a_missing_import():
    assert _free_names("model = FE.from_vit_pretrained('x')\nprint(np.zeros(1))") == {"FE", "np"}
    assert not _free_names("import numpy as np\ndef f(x):\n    return np.abs(x)\nprint(f(1))")
