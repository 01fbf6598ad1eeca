# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What a newcomer reads to find their way in: a name used by another module is public (no leading underscore), and
`__all__` lists public names only."""

import ast
import functools
import io
import re
from pathlib import Path

import av
import pytest
from video_factory import write_video

from vivit_hf.processing import video_sources
from vivit_hf.processing.video_io import open_video

ROOT = Path(__file__).resolve().parent.parent


def test_the_source_helpers_the_readers_share_are_public(tmp_path):
    # video_pyav, video_torchcodec, video_io and processing_vivit all call them
    path = write_video(tmp_path / "clip.mp4", num_frames=4)
    resolved = video_sources.resolve_source({"path": None, "bytes": Path(path).read_bytes()})
    assert isinstance(resolved, io.BytesIO) and resolved.getvalue() == Path(path).read_bytes()
    assert video_sources.resolve_source(path) == path
    with av.open(path) as container:
        assert video_sources.is_av_container(container)
    assert not video_sources.is_av_container(path)
    assert not video_sources.is_torchcodec_decoder(path)


def test_a_readers_keyframes_are_public_and_are_the_files_keyframes(tmp_path):
    # benchmarks/processor.py counts them; a sequential decode's key-frame flags are the reference
    path = write_video(tmp_path / "clip.mp4", num_frames=24, gop=8)
    with av.open(path) as container:
        flags = [frame.key_frame for frame in container.decode(video=0)]
    with open_video(path, backend="pyav") as reader:
        assert reader.keyframe_mask.tolist() == flags
    assert sum(flags) == 3


def python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


@functools.cache
def parsed(path: Path) -> ast.Module:
    """A file's syntax tree, parsed once for all the tests here (read, never changed)."""
    return ast.parse(path.read_text())


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_module_lists_a_private_name_in_all():
    listed = {}
    for path in python_files("vivit_hf"):
        for node in parsed(path).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
                private = [name for name in ast.literal_eval(node.value) if is_private(name)]
                if private:
                    listed[str(path.relative_to(ROOT))] = private
    assert not listed, f"__all__ lists private names: {listed}"


def private_names_defined_in_vivit_hf() -> set[str]:
    names = set()
    for path in python_files("vivit_hf"):
        for node in ast.walk(parsed(path)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and is_private(node.name):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and is_private(node.id):
                names.add(node.id)
    return names


# private names a recipe or benchmark may still use, each until its home is free to change: none now (`_at_least`
# became vivit_hf.training.finetune_flags.at_least)
NOT_YET_PUBLIC: set[str] = set()


def test_recipes_and_benchmarks_use_no_private_name_of_vivit_hf():
    # they are what a user copies: what they reach for must be API
    private = private_names_defined_in_vivit_hf()
    used = []
    for path in python_files("recipes", "benchmarks"):
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("vivit_hf"):
                names = [alias.name for alias in node.names if is_private(alias.name)]
            elif isinstance(node, ast.Attribute) and node.attr in private and getattr(node.value, "id", "") != "self":
                names = [node.attr]  # another object's private attribute (a script's own class may use its own)
            else:
                continue
            used += [f"{path.relative_to(ROOT)}:{node.lineno} {name}" for name in names if name not in NOT_YET_PUBLIC]
    assert not used, f"private names of vivit_hf used outside it: {used}"


REPO_ID_NAMES = {"CHECKPOINT_SUFFIXES", "looks_like_local_path", "looks_like_repo_id"}


def imported_from(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an import names (`from ..repo_id import x` in vivit_hf/hub/cards.py: vivit_hf.repo_id)."""
    if not node.level:
        return node.module or ""
    package = path.relative_to(ROOT).with_suffix("").parts[: -node.level]
    return ".".join([*package, *([node.module] if node.module else [])])


def test_the_hub_id_rule_is_imported_from_its_one_home():
    # vivit_hf.hub.sources re-exported it, and callers imported it from both places; vivit_hf.hub still lists two
    # names from it, as before
    elsewhere = []
    for path in python_files("vivit_hf", "recipes", "benchmarks", "tests"):
        if (path.name == "__init__.py" and path.parent.name == "hub") or "tests/data" in path.as_posix():
            continue
        if not any(name in path.read_text() for name in REPO_ID_NAMES):  # no import of them: not parsed (10 s)
            continue
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.ImportFrom) and REPO_ID_NAMES & {alias.name for alias in node.names}:
                if imported_from(path, node) != "vivit_hf.repo_id":
                    elsewhere.append(f"{path.relative_to(ROOT)}:{node.lineno} from {imported_from(path, node)}")
    assert not elsewhere, f"the Hub id rule imported from elsewhere than vivit_hf.repo_id: {elsewhere}"
    from vivit_hf.hub import sources

    assert not REPO_ID_NAMES & set(sources.__all__)


# The parts whose modules import no private name of another module: a helper that two modules share is named as API,
# so a reader sees at its definition that someone else relies on it (processing/'s readers and processor imported 85
# of each other's, among them the ones `video_io` and `processing_vivit` re-exported)
PRIVATE_IMPORTS_REFUSED_IN = (
    "vivit_hf/conversion",
    "vivit_hf/convert.py",
    "vivit_hf/processing",
    "vivit_hf/training/data",
)


def test_no_conversion_processing_or_data_module_imports_another_modules_private_name():
    crossing = []
    for folder in PRIVATE_IMPORTS_REFUSED_IN:
        paths = [ROOT / folder] if folder.endswith(".py") else python_files(folder)
        for path in paths:
            for node in ast.walk(parsed(path)):
                if isinstance(node, ast.ImportFrom) and imported_from(path, node).startswith("vivit_hf"):
                    names = [alias.name for alias in node.names if is_private(alias.name)]
                    crossing += [f"{path.relative_to(ROOT)}:{node.lineno} {name}" for name in names]
    assert not crossing, f"private names imported from another module: {crossing}"


LAYOUT_PAGE = ROOT / "docs" / "layout.md"
NAMED_PATH = re.compile(r"`((?:vivit_hf|tests|recipes|benchmarks)/[^`\s]*)`")


def test_every_file_pattern_the_layout_page_names_matches_a_file():
    # tests/test_docs.py checks the page's plain paths; its patterns (`tests/test_data_*.py`) are checked here
    patterns = [path for path in NAMED_PATH.findall(LAYOUT_PAGE.read_text()) if "*" in path]
    assert patterns
    unmatched = [pattern for pattern in patterns if not list(ROOT.glob(pattern))]
    assert not unmatched, f"docs/layout.md names file patterns no file matches: {unmatched}"


def test_the_layout_page_names_every_part_of_the_package():
    # a new subpackage or top-level module without its line on the map is a part a newcomer cannot find
    text = LAYOUT_PAGE.read_text()
    parts = [f"vivit_hf/{path.name}/" for path in (ROOT / "vivit_hf").iterdir() if (path / "__init__.py").exists()]
    parts += [f"vivit_hf/{path.name}" for path in (ROOT / "vivit_hf").glob("*.py") if path.name != "__init__.py"]
    # the modules the page maps one by one
    for package in ("vivit_hf/conversion", "vivit_hf/conversion/vit_init", "vivit_hf/training/data"):
        parts += [f"{package}/{path.name}" for path in (ROOT / package).glob("*.py")]
    unnamed = sorted(part for part in parts if f"`{part}`" not in text and not part.endswith("__init__.py"))
    assert not unnamed, f"docs/layout.md has no line for: {unnamed}"


def test_the_processors_warnings_keep_the_processor_modules_logger(caplog):
    # the processor's code is three modules; a user who quiets `vivit_hf.processing.processing_vivit` quiets a warning
    # from any of them (here video_inputs': an (8, 3, 40, 3) array's channel axis is ambiguous)
    import numpy as np

    from vivit_hf import ViViTVideoProcessor

    video = np.zeros((8, 3, 40, 3), dtype=np.uint8)
    with caplog.at_level("WARNING"):
        ViViTVideoProcessor(num_frames=4, size={"shortest_edge": 32}, crop_size=24)(video)
    warned = {record.name for record in caplog.records if "ambiguous" in record.getMessage()}
    assert warned == {"vivit_hf.processing.processing_vivit"}


# What `vivit_hf.training.data.hub` held before it was split into hub_datasets, hub_labels, hub_clips, hub_refusals,
# hub_ids and hub_files (its private names under their public ones): scripts import them from there still.
NAMES_IMPORTED_FROM_DATA_HUB = (
    *("load_hub", "hub_example", "HubSplit", "hub_columns", "label_feature", "label_value", "arrow_label_values"),
    *("hub_label_names", "card_class_label", "card_label_feature", "card_order_of_classes", "card_label_map"),
    *("name_columns", "names_beside_ids", "saved_class_label_map", "class_label_map", "segment_columns"),
    *("warn_unread_segments", "clip_path_id", "shard_name", "shard_namer", "undecoded_videos", "is_saved_to_disk"),
    *("clips_by_normal_name", "clips_on_disk", "read_as_on_disk", "clipless_rows", "local_folder_cache_dir"),
    *("builder_once", "load_with", "table_files", "refuse_unread_videos", "naming_undecodable_members"),
    *("naming_class_ids_out_of_range", "naming_mixed_column_types", "naming_metadata_of_two_types"),
)


def test_the_names_scripts_imported_from_the_data_hub_module_still_import_from_there():
    from vivit_hf.training.data import hub, hub_datasets, hub_files, hub_labels

    gone = [name for name in NAMES_IMPORTED_FROM_DATA_HUB if not hasattr(hub, name)]
    assert not gone, f"no longer importable from vivit_hf.training.data.hub: {gone}"
    assert not [name for name in hub.__all__ if not hasattr(hub, name)]
    # the same objects, not copies: a check or patch on one is on the other
    assert hub.load_hub is hub_datasets.load_hub and hub.HubSplit is hub_datasets.HubSplit
    assert hub.table_files is hub_files.table_files and hub.hub_columns is hub_labels.hub_columns


def test_the_layout_page_says_where_every_test_file_is():
    # its "Where the tests are" table left 43 of them in no row (tests/test_scenic_released_configs.py,
    # tests/test_attention_mask.py, tests/test_pipeline_inputs.py, ...): a newcomer missed them
    text = LAYOUT_PAGE.read_text()
    table = text[text.index("## Where the tests are") :]
    named = [path for path in NAMED_PATH.findall(table) if path.startswith("tests/")]
    files = sorted(path.relative_to(ROOT) for path in (ROOT / "tests").glob("test_*.py"))
    unnamed = [str(path) for path in files if not any(path.match(pattern) for pattern in named)]
    assert not unnamed, f"test files docs/layout.md's 'Where the tests are' places in no row: {unnamed}"


def test_the_layout_page_names_every_module_of_the_package():
    # its tables named conversion/ and training/data/ module by module but none of processing/'s decoders and
    # samplers, hub/'s four modules or training/'s fifteen: a newcomer looking for where frames are sampled found
    # "processing/: ... frame sampling" and no file
    text = LAYOUT_PAGE.read_text()
    modules = [path.relative_to(ROOT).as_posix() for path in python_files("vivit_hf") if path.name != "__init__.py"]
    unnamed = [module for module in modules if f"`{module}`" not in text]
    assert not unnamed, f"docs/layout.md has no line for: {unnamed}"


def changing(item: str) -> str:
    """The paragraph of the layout page's "Changing one thing" that begins with `**<item>`."""
    text = LAYOUT_PAGE.read_text()
    section = text[text.index("## Changing one thing") : text.index("## Which way the imports go")]
    return section[section.index(f"**{item}") :].split("\n\n")[0]


# A module that names one of the factorised variants (Models 2 to 4) special-cases it: a fifth variant would need its
# case there too. (Model 1's names are also transformers' ViViT's, which conversion messages mention.)
NAMES_A_VARIANT = re.compile(
    r"Factorised(Encoder|SelfAttention|DotProduct)|factori[sz]ed_(encoder|self_attention|dot_product)"
)


def test_the_layout_page_names_every_module_a_fifth_variant_touches():
    item = changing("A fifth variant")
    modules = [path for path in python_files("vivit_hf") if NAMES_A_VARIANT.search(path.read_text())]
    assert len(modules) > 5
    unnamed = [
        path.relative_to(ROOT).as_posix() for path in modules if f"`{path.relative_to(ROOT).as_posix()}`" not in item
    ]
    assert not unnamed, f"'A fifth variant' on docs/layout.md misses modules that name a variant: {unnamed}"


def test_the_layout_page_names_every_decoding_module_a_new_decoder_touches():
    # the processing modules that know torchcodec, the second decoder, by name: a third would be known there too
    item = changing("A video decoder")
    modules = [path for path in python_files("vivit_hf/processing") if "torchcodec" in path.read_text()]
    assert len(modules) > 3
    unnamed = [
        path.relative_to(ROOT).as_posix() for path in modules if f"`{path.relative_to(ROOT).as_posix()}`" not in item
    ]
    assert not unnamed, f"'A video decoder' on docs/layout.md misses modules that know torchcodec: {unnamed}"


def test_the_layout_page_names_every_module_that_lists_the_dataset_formats():
    # every module that reads the FORMATS table or its choices is where a new format shows up
    item = changing("A data set format")
    modules = [
        path
        for path in python_files("vivit_hf", "recipes")
        if re.search(r"\b(FORMATS|DATASET_FORMATS)\b", path.read_text()) and path.name != "__init__.py"
    ]
    assert modules
    unnamed = [
        path.relative_to(ROOT).as_posix() for path in modules if f"`{path.relative_to(ROOT).as_posix()}`" not in item
    ]
    assert not unnamed, f"'A data set format' on docs/layout.md misses modules that read its table: {unnamed}"


def import_contracts() -> list[dict]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def contract(source: str) -> dict:
    (found,) = [
        c for c in import_contracts() if c["type"] == "forbidden" and f"vivit_hf.{source}" in c["source_modules"]
    ]
    return found


def top_level_parts() -> set[str]:
    return {
        path.stem for path in (ROOT / "vivit_hf").iterdir() if path.suffix == ".py" or (path / "__init__.py").exists()
    }


def test_the_contracts_forbid_models_and_processing_every_other_part_of_the_package():
    # docs/layout.md: "models and processing import nothing else of vivit_hf"; the contract named seven parts and let
    # them import repo_id and flag_spellings, which a saved model or processor folder would not carry
    forbidden = set(contract("models")["forbidden_modules"])
    others = {f"vivit_hf.{part}" for part in top_level_parts() - {"__init__", "models", "processing"}}
    assert not others - forbidden, f"models and processing may still import {sorted(others - forbidden)}"


def test_the_contracts_let_the_hub_layer_import_the_hub_id_rule_alone():
    # docs/layout.md: "`hub` imports only `repo_id`"; the parts below it in the layers contract may be imported by
    # it unless forbidden, and flag_spellings was not
    (layers,) = [c for c in import_contracts() if c["type"] == "layers" and c["containers"] == ["vivit_hf"]]
    levels = [[part.strip() for part in re.split(r"[|:]", layer)] for layer in layers["layers"]]
    below = {part for level in levels[[i for i, lv in enumerate(levels) if "hub" in lv][0] + 1 :] for part in level}
    allowed = set(contract("hub")["forbidden_modules"]) | {"vivit_hf.repo_id"}
    importable = {f"vivit_hf.{part}" for part in below} - allowed
    assert not importable, f"vivit_hf.hub may import {sorted(importable)}"


def test_the_hub_and_training_package_docstrings_name_each_of_their_modules():
    # vivit_hf.hub's named neither sources.py nor folders.py, vivit_hf.training's no flags.py, agreement.py or
    # throughput.py: `help(vivit_hf.training)` is where a reader who found the package looks next
    import vivit_hf.hub
    import vivit_hf.training

    unnamed = [
        f"{package.__name__}: {path.stem}"
        for package in (vivit_hf.hub, vivit_hf.training)
        for path in Path(package.__file__).parent.glob("*.py")
        if path.name != "__init__.py" and not re.search(rf"`{path.stem}(\.py)?`", package.__doc__)
    ]
    assert not unnamed, f"a package's docstring does not name its module: {unnamed}"


def test_the_package_namespace_holds_its_api_its_subpackages_and_nothing_of_transformers():
    # `from vivit_hf import AutoModel` gave transformers' AutoModel (imported to register the classes), as if it were
    # vivit_hf's: a reviewer reading `dir(vivit_hf)` could not tell the API from what it was built with
    import types

    import vivit_hf

    public = {name for name in dir(vivit_hf) if not name.startswith("_")}
    modules = {name for name in public if isinstance(getattr(vivit_hf, name), types.ModuleType)}
    assert public - modules == set(vivit_hf.__all__), sorted((public - modules) ^ set(vivit_hf.__all__))
    assert all(getattr(vivit_hf, name).__name__ == f"vivit_hf.{name}" for name in modules)


def test_the_conversion_package_the_refusals_name_is_reached_from_the_package_alone():
    """The models' refusals advise `vivit_hf.conversion.from_vivit_checkpoint(...)`; in a new interpreter that has run
    `import vivit_hf` alone, that line met "module 'vivit_hf' has no attribute 'conversion'" (the package imports the
    conversion names at their first use). It is reached now, and still not imported by `import vivit_hf`."""
    import os

    import fresh_python

    code = (
        "import sys, vivit_hf\n"
        "assert 'vivit_hf.conversion' not in sys.modules\n"
        "restart = vivit_hf.conversion.from_vivit_checkpoint\n"
        "from vivit_hf.conversion.vit_init import from_vivit_checkpoint\n"
        "assert restart is from_vivit_checkpoint\n"
    )
    ran = fresh_python.server(fresh_python.EXAMPLES, dict(os.environ)).run(["-c", code], cwd=ROOT)
    assert ran.returncode == 0, ran.stderr[-2000:]


def test_the_three_constructors_the_docs_name_together_import_from_the_package():
    # docs/vit-init-and-conversion.md reads dtype "in all three (`from_vit_pretrained`, `from_vivit_checkpoint`,
    # `from_transformers_vivit`)"; `from vivit_hf import from_vivit_checkpoint` was an ImportError while the other two
    # imported
    import vivit_hf
    from vivit_hf.conversion import vit_init

    text = (ROOT / "docs" / "vit-init-and-conversion.md").read_text()
    named = re.search(r"three \(`(\w+)`, `(\w+)`, `(\w+)`\)", text).groups()
    assert "from_vivit_checkpoint" in named and all(name in vivit_hf.__all__ for name in named)
    assert vivit_hf.from_vivit_checkpoint is vit_init.from_vivit_checkpoint


def test_the_restarts_warnings_keep_the_logger_the_recipes_filter():
    # recipes/finetune.py words vit_init's warnings in flag terms by its logger's name (flags.VIT_INIT_LOGGER); the
    # restart's moved out of vit_init and keeps that logger
    from vivit_hf.conversion import restart
    from vivit_hf.training.flags import VIT_INIT_LOGGER

    assert restart.logger.name == VIT_INIT_LOGGER


def test_the_model_files_list_their_exports_as_transformers_lazy_init_reads_them():
    # transformers' model packages import lazily from what each file's `__all__` lists (`define_import_structure`):
    # configuration_vivit.py and modeling_vivit.py had none, so that structure found none of the models' names
    from transformers.utils.import_utils import define_import_structure

    import vivit_hf.models

    structure = define_import_structure(vivit_hf.models.__file__)
    listed = {name for modules in structure.values() for names in modules.values() for name in names}
    assert listed == set(vivit_hf.models.__all__), sorted(listed ^ set(vivit_hf.models.__all__))


def test_every_public_class_and_function_says_what_it_is_in_its_own_docstring():
    """A reviewer's `help(ViViTFactorisedEncoderForVideoClassification)` showed only the private base's docstring: the
    four classifiers and `ViViTPreTrainedModel` had none of their own. Every class and function a package's `__all__`
    exports has one."""
    import importlib
    import inspect

    missing = []
    for package in ("vivit_hf", "vivit_hf.models", "vivit_hf.processing", "vivit_hf.conversion", "vivit_hf.hub"):
        module = importlib.import_module(package)
        for name in module.__all__:
            value = getattr(module, name)
            # a class's own, not the one `help` and `inspect.getdoc` take from its base
            own = vars(value).get("__doc__") if inspect.isclass(value) else getattr(value, "__doc__", None)
            if (inspect.isclass(value) or inspect.isfunction(value)) and not (own or "").strip():
                missing.append(f"{package}.{name}")
    assert not missing, f"no docstring of their own: {missing}"


# Names whose code moved to a home that says what it holds, each still importable from where it was, as the same
# object (an identity check on one holds for the other; a patch of a helper reaches its callers only where the old path
# is the module itself: test_the_restarts_old_path_is_its_module): old path -> (home, names)
MOVED = {
    # the rule for an earlier version's class names, shared with the conversion below the training layer
    "vivit_hf.training.data.labels": (
        "vivit_hf.label_spellings",
        ("float_ids_as_named_now", "text_labels_as_read_now"),
    ),
    # a ViViT checkpoint's restart, beside the other converters: no image ViT's start (vit_init, §3.4)
    "vivit_hf.conversion.vit_init.restart": (
        "vivit_hf.conversion.restart",
        ("from_vivit_checkpoint", "check_head_counts", "layer_of", "unfit_layers", "warn_of_whole_layers_fresh"),
    ),
    "vivit_hf.conversion.vit_init": ("vivit_hf.conversion.restart", ("from_vivit_checkpoint",)),
    # what a run's folder holds before its model, asked by vivit_hf.export too (below the training layer)
    # the heads' losses, out of the models' module (its re-export keeps the old import)
    "vivit_hf.models.modeling_vivit": ("vivit_hf.models.losses", ("multi_head_cross_entropy", "ViViTLabelSmoother")),
    "vivit_hf.training.checkpoints": (
        "vivit_hf.run_folder",
        ("CHECKPOINTS", "STATE_FILE", "RUN_SETTINGS_FILE", "steps_of", "list_checkpoints"),
    ),
}


@pytest.mark.parametrize("old_path", sorted(MOVED))
def test_every_name_that_moved_still_imports_from_where_it_was_as_the_same_object(old_path):
    import importlib

    home, names = MOVED[old_path]
    old, new = importlib.import_module(old_path), importlib.import_module(home)
    differ = [name for name in names if getattr(old, name, None) is not getattr(new, name)]
    assert not differ, f"{old_path} no longer gives {home}'s {differ}"


def test_the_restarts_old_path_is_its_module():
    """`vivit_hf.conversion.vit_init.restart` re-exported the moved module's names: a patch of a helper there
    (`unfit_layers`, `layer_of`, as before the move) changed a name `from_vivit_checkpoint` no longer read, without a
    word; its private names were an ImportError; and `vit_init.restart`, which vit_init imported, an AttributeError."""
    import importlib
    from unittest import mock

    from vivit_hf.conversion import restart, vit_init

    with mock.patch("vivit_hf.conversion.vit_init.restart.layer_of") as patched:
        assert restart.from_vivit_checkpoint.__globals__["layer_of"] is patched
    assert importlib.import_module("vivit_hf.conversion.vit_init.restart") is restart
    assert vit_init.__getattr__("restart") is restart and {"restart", "from_vivit_checkpoint"} <= set(dir(vit_init))


def test_an_earlier_versions_class_names_have_one_rule():
    # evaluation, a resume and from_vivit_checkpoint each kept one (the restart knew 'cat\n' but not '1.0'): a module
    # of the package that respells names ending in a newline or '.0' by hand is a second rule
    by_hand = re.compile(r"""endswith\(["']\\n["']\)|f["']\{i\}\.0["']""")
    rules = [
        path.relative_to(ROOT).as_posix()
        for path in python_files("vivit_hf")
        if by_hand.search(path.read_text()) and path.name != "label_spellings.py"
    ]
    assert not rules, f"class names respelt outside vivit_hf/label_spellings.py: {rules}"
