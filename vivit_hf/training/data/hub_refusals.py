# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What `datasets` would read otherwise than a repo or folder shows, refused in one line naming the file: before
anything is loaded (`refuse_unread_videos`: clips its videofolder skips, symlinked folders, tables it ignores, split
words in class names, unfinished or cut shards, packed folders), and around `datasets.load_dataset`, its own errors
named (`naming_*`: undecodable WebDataset members, class ids past the card's, a column of two types, metadata files
of two types, a clip named outside its metadata file's folder).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

from .examples import DatasetFormatError, quoted, recipe_split_name
from .folders import (
    ANY_ARCHIVE_SUFFIXES,
    SPLIT_ALIASES,
    SYSTEM_FOLDERS,
    TABLE_SUFFIXES,
    VIDEO_EXTENSIONS,
    card_declares_configs,
    dangling_clips,
    files_below,
    has_video_extension,
    is_dangling,
    is_data_file,
    place_of,
    refuse_lfs_pointers,
    split_named_by,
    unpack_command,
)
from .hub_files import builder_once, is_saved_to_disk, relative_or_as_is, table_files
from .hub_ids import shard_name
from .labels import LABEL_COLUMNS
from .stream_contents import tar_index
from .videofolder import (
    METADATA_FILES,
    class_folders_of,
    metadata_columns,
    warn_empty_class_folders,
    warn_gathered_classes,
    warn_split_named_twice,
)

# What `datasets`' WebDataset reader makes of a member by its extension, for the members it decodes as more than
# bytes: an integer (`.cls`, the class id) or JSON.
WEBDATASET_DECODED_AS = {
    **dict.fromkeys(("cls", "cls2", "index", "inx", "id"), "an integer"),
    **dict.fromkeys(("json", "jsn"), "JSON"),
}


@contextlib.contextmanager
def naming_an_unreadable_card(source: str, revision: str | None = None):
    """Around `datasets.load_dataset` (whole or streamed): a data card (README.md) whose YAML header PyYAML cannot
    parse (an unclosed `[`, a tab, a `key: value: more`) is refused in one line naming the card and the line of the
    file the parser stopped at; it was a `yaml.parser.ParserError` traceback from inside huggingface_hub, counting
    lines from the header's start and naming no file. datasets reads the header for the configurations and features.
    `revision`: the Hub data set's, whose card datasets fetched into the Hub cache (where its lines are counted)."""
    import yaml

    try:
        yield
    except yaml.YAMLError as error:
        raise DatasetFormatError(unreadable_card_message(source, error, revision)) from None


def _card_text(source: str, revision: str | None = None) -> str | None:
    """The text of `source`'s README.md: a local folder's, else the copy of a Hub data set's card in the Hub cache
    (where datasets' `hf_hub_download` put it); None where there is none to read."""
    if Path(source).is_dir():
        path = Path(source) / "README.md"
    else:
        from huggingface_hub import try_to_load_from_cache

        try:
            cached = try_to_load_from_cache(source, "README.md", revision=revision, repo_type="dataset")
        except ValueError:  # (not a Hub id: huggingface_hub's HFValidationError)
            return None
        path = Path(cached) if isinstance(cached, str) else None
    try:
        return path.read_text(encoding="utf-8", errors="replace") if path is not None and path.is_file() else None
    except OSError:
        return None


def unreadable_card_message(source: str, error, revision: str | None = None) -> str:
    """`naming_an_unreadable_card`'s line: the card, where in it (the file's line, as an editor numbers it) and what
    the parser says there."""
    local = Path(source) / "README.md"
    card = str(local) if Path(source).is_dir() else f"the data card (README.md) of the Hub data set {source}"
    # huggingface_hub parses the text between the `---` lines: its line 0 is the file's line after the first `---`
    # (blank lines may come before it). A card not read here (a Hub card not in the cache) counts from that line:
    # said so, where a Hub card's line was the header's plus one, off by the blank lines before it
    where, mark, text = "", getattr(error, "problem_mark", None), _card_text(source, revision)
    found = None
    if text is not None:
        from huggingface_hub.repocard import REGEX_YAML_BLOCK

        found = REGEX_YAML_BLOCK.search(text)
    before = found.group(1).count("\n") if found else 1
    header = "" if found else " of the header, counted from the line after its first ---"
    if mark is not None:
        where = f" at line {mark.line + 1 + (before if found else 0)}{header}, column {mark.column + 1}"
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    context, start = getattr(error, "context", None), getattr(error, "context_mark", None)
    if context and start is not None and (mark is None or start.line != mark.line):
        problem += f", {context} begun on line {start.line + 1 + (before if found else 0)}"
    return (
        f"{card}: its YAML header (between the --- lines) cannot be parsed{where}: {problem}. datasets reads the "
        "configurations and features from it: correct the YAML there (or remove the header)"
    )


@contextlib.contextmanager
def naming_undecodable_members(source: str):
    """Around `datasets.load_dataset`: a WebDataset member that its reader cannot decode, as its extension says it
    must (`<key>.cls` holding a class name, `cat`, where datasets reads an integer; `<key>.id` holding a YouTube id)
    is refused in one line naming the shard, the member and what it holds. It was `ValueError: invalid literal for
    int() with base 10: b'cat'` from inside datasets, naming no file, whole and streamed."""
    try:
        yield
    except Exception as error:
        member = _undecodable_webdataset_member(error)
        if member is None:
            raise
        shard, name, extension, data, cause = member
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
        expected = WEBDATASET_DECODED_AS.get(extension, f"datasets' .{extension} decoder reads")
        raise DatasetFormatError(
            f"--dataset_format hub: the WebDataset member {name!r} of {shard} (in {source}) holds {data!r}, which is "
            f"not {expected}: datasets reads every '<key>.{extension}' member as such ({type(cause).__name__}: "
            f"{cause}). Write a class name as '<key>.txt' or a 'label' field of '<key>.json', a clip id as a field "
            "of '<key>.json'; '<key>.cls' holds the class number"
        ) from None


@contextlib.contextmanager
def naming_class_ids_out_of_range(source: str):
    """Around `datasets.load_dataset` (read whole): a class id its `ClassLabel` lacks (a `<key>.cls` of 7 beside a
    data card of 3 classes) is refused in one line naming the id, the class count and, in a local folder of
    WebDataset shards, the shard and member. It was datasets' bare `DatasetGenerationError: An error occurred while
    generating the dataset` ("Class label 7 greater than configured num_classes 3" in its chain), naming no file."""
    from ...hub.sources import exception_chain

    try:
        yield
    except Exception as error:
        found = None
        for cause in exception_chain(error):
            found = found or re.search(
                r"Class label (-?\d+) (?:greater|less) than configured num_classes (\d+)", str(cause)
            )
        if found is None:
            raise
        class_id, num_classes = int(found[1]), int(found[2])
        where = _class_member_holding(source, class_id)
        raise DatasetFormatError(
            f"--dataset_format hub: {where or 'a label of ' + source} holds class id {class_id}, where the data "
            f"card's ClassLabel names {num_classes} classes (ids 0-{num_classes - 1}): give each sample one of its "
            "ids, or add the class to the card's names"
        ) from None


def _class_member_holding(source: str, class_id: int) -> str | None:
    """`the WebDataset member '<key>.cls' of <shard> (in <source>)` holding `class_id`, in a local folder's tars."""
    import tarfile

    if not Path(source).is_dir():
        return None
    for shard in sorted(Path(source).rglob("*.tar")):
        with contextlib.suppress(tarfile.TarError, OSError), tarfile.open(shard) as tar:
            for member in tar:
                if member.isfile() and member.name.lower().endswith(".cls") and member.size < 32:
                    held = tar.extractfile(member).read().strip()
                    if held.lstrip(b"-").isdigit() and int(held) == class_id:
                        shard_name = shard.relative_to(source).as_posix()
                        return f"the WebDataset member {member.name!r} of {shard_name} (in {source})"
    return None


@contextlib.contextmanager
def naming_mixed_column_types(source: str, config_name, revision, cache_dir):
    """Around `datasets.load_dataset` of a local folder of tables: a column whose values are of one kind in some
    tables and another in others (train labels as class ids, validation labels as class names, as two scripts wrote
    them) is refused in one line naming the column and which table holds which. `datasets` gives a column one type
    across every table, and stopped in its bare `DatasetGenerationError: An error occurred while generating the
    dataset` (an `ArrowInvalid` "Failed to parse string: 'dog' as a scalar of type int64" in its chain), naming no
    file."""
    try:
        yield
    except Exception as error:
        cause = _arrow_cast_error(error)
        if cause is None or not Path(source).is_dir():
            raise
        two_ways = _json_table_of_two_types(Path(source)) if "JSON parse error" in str(cause) else None
        if two_ways is not None:  # one JSON Lines file (a metadata.jsonl), its rows alike but for a value's type
            raise DatasetFormatError(
                f"--dataset_format hub: {two_ways} in {source} writes a column two ways ({cause}: a value of one type "
                "in some rows and of another in others, as a script writing each row's value as it came gives them): "
                "datasets reads one type a column. Write it one way (a label column: class names in every row, or "
                "class ids in every row)"
            ) from None
        try:
            kinds = _column_kinds(table_files(source, config_name, revision, cache_dir), Path(source))
        except Exception:  # the tables could not be read here either: datasets' own error stands
            raise error from None
        # integers beside numbers cast; strings beside anything else are what fails to parse
        mixed = [(column, by_kind) for column, by_kind in kinds.items() if len(by_kind) > 1]
        mixed.sort(key=lambda item: "strings" not in item[1])
        if not mixed:
            raise
        column, by_kind = mixed[0]
        held = " and ".join(f"{kind} in {quoted(tables, 3)}" for kind, tables in by_kind.items())
        raise DatasetFormatError(
            f"--dataset_format hub: the column {column!r} of the tables of {source} holds {held}: datasets reads one "
            f"type for a column across every table ({type(cause).__name__}: {cause}). Write it one way in every "
            "table (a label column: class names in all of them, or class ids in all of them)"
        ) from None


def _json_table_of_two_types(root: Path) -> str | None:
    """The first JSON Lines file below `root` (a metadata.jsonl, a table) that Arrow cannot read for a column whose
    values change type between rows (`0` in one, `"cat"` in the next), by its path below `root`, else None: `datasets`
    stopped in Arrow's bare "JSON parse error: Column(/label) changed from number to string in row 1", naming no
    file."""
    import pyarrow as pa
    import pyarrow.json

    for path in files_below(root)[1]:
        if path.suffix.lower() in (".jsonl", ".json") and path.is_file():
            try:
                pyarrow.json.read_json(path)
            except pa.ArrowInvalid as error:
                if "changed from" in str(error):
                    return path.relative_to(root).as_posix()
    return None


def _arrow_cast_error(error: BaseException) -> BaseException | None:
    """The Arrow error (a value that does not parse as, or cast to, the column's type) `error` was raised from."""
    import pyarrow as pa

    from ...hub.sources import exception_chain

    for cause in exception_chain(error):
        if isinstance(cause, (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)):
            return cause
        if type(cause).__name__ == "CastError":  # datasets.table.CastError: "Couldn't cast ... to ..."
            return cause
    return None


def _value_kind(arrow_type) -> str:
    import pyarrow as pa

    for test, kind in ((pa.types.is_integer, "integers"), (pa.types.is_floating, "numbers"),
                       (pa.types.is_boolean, "booleans"), (pa.types.is_string, "strings"),
                       (pa.types.is_large_string, "strings"), (pa.types.is_null, None)):  # fmt: skip
        if test(arrow_type):
            return kind
    return str(arrow_type)


def _column_kinds(tables_by_split: dict[str, list[Path]], root: Path) -> dict[str, dict[str, list[str]]]:
    """`{column: {kind of its values: [table]}}` over every table (parquet by its footer; CSV and JSON Lines read
    with Arrow's own inference, as datasets' readers infer them)."""
    import pyarrow.csv
    import pyarrow.json
    import pyarrow.parquet as pq

    kinds: dict[str, dict[str, list[str]]] = {}
    for table in (table for tables in tables_by_split.values() for table in tables):
        suffix = table.suffix.lower()
        if suffix == ".parquet":
            schema = pq.read_schema(table)
        elif suffix in (".csv", ".tsv"):
            options = pyarrow.csv.ParseOptions(delimiter="\t" if suffix == ".tsv" else ",")
            schema = pyarrow.csv.read_csv(table, parse_options=options).schema
        elif suffix in (".jsonl", ".json"):
            schema = pyarrow.json.read_json(table).schema
        else:
            continue
        for field in schema:
            kind = _value_kind(field.type)
            if kind is not None:
                kinds.setdefault(field.name, {}).setdefault(kind, []).append(relative_or_as_is(str(table), root))
    return kinds


def _undecodable_webdataset_member(error: BaseException) -> tuple[str, str, str, bytes, BaseException] | None:
    """`(shard, member, extension, its first bytes, the decoder's error)` when `error`, or an error it was raised
    from, came from `datasets`' WebDataset reader decoding a member (the frame of its `_get_pipeline_from_tar`, at the
    line that calls a decoder), else None. Past the first few samples, which it reads for the features, datasets
    raises its `DatasetGenerationError` from the decoder's error."""
    import linecache

    from ...hub.sources import exception_chain

    for cause in exception_chain(error):
        traceback = cause.__traceback__
        while traceback is not None:
            frame = traceback.tb_frame
            line = linecache.getline(frame.f_code.co_filename, traceback.tb_lineno)
            if frame.f_code.co_name == "_get_pipeline_from_tar" and "DECODERS[" in line:
                local = frame.f_locals
                try:
                    data = local["current_example"][local["field_name"]][:40]
                    return str(local["tar_path"]), str(local["filename"]), str(local["data_extension"]), data, cause
                except (KeyError, TypeError):
                    return None
            traceback = traceback.tb_next
    return None


def refuse_split_names_as_classes(feature, dataset, source: str) -> None:
    """datasets' videofolder applies a metadata file only to the split folder it sits in; one at the root, naming
    `train/x.mp4`, is ignored and the split folders become the classes. A model would learn to tell splits apart."""
    import datasets

    if (
        isinstance(feature, datasets.ClassLabel)
        and dataset.info.builder_name == "videofolder"
        and set(feature.names) <= set(SPLIT_ALIASES) | {"dev", "eval", "testing"}
    ):
        raise DatasetFormatError(
            f"--dataset_format hub: datasets' videofolder took the split folders {feature.names} of {source} for "
            "the classes (a metadata.csv / metadata.jsonl applies to the split folder it is in, not to files "
            "below the root); put one metadata file in each split folder, or the clips in <split>/<class>/ folders"
        )


def refuse_unread_videos(
    source: str, config_name, revision, cache_dir, builder=None, scans_cache_dir: str | None = None, cut_tars=True
) -> dict[str, list[str]]:
    """datasets' folder builders read only their own few extensions: its videofolder skips the other clips without a
    word (`.webm` among them), and a folder of only such clips is not even a videofolder to it (`.webm`, `.m4v`,
    `.3gp`... are audio extensions there: it read them as audio and failed in a torchcodec traceback). Nor does it
    follow a symlinked folder (a class linked from another disk vanished). A local folder's clips it would not read
    are named, before anything is loaded, rather than trained without. (A folder of tables is read by its tables;
    its clips are not checked.) Returns `{split: [clip]}` of the symlinked clips whose target is not there, which
    datasets' videofolder leaves out (named in a warning, `dangling_clips`), for `missing`. `builder`: the read's
    `builder_once`, whose data files are then resolved once for both. `scans_cache_dir`: the read's `--cache_dir`,
    where the tars' indexes are kept (`kept_scans`; `cache_dir` is a local folder's own Arrow cache in a whole read).
    `cut_tars=False`: the tars are not checked (`refuse_cut_tars`, which a stream asks for after its label scan).
    """
    if not Path(source).is_dir() or is_saved_to_disk(source):
        return {}
    from datasets.packaged_modules.videofolder.videofolder import VideoFolder

    root = Path(source)
    videos, others = files_below(root)
    # a folder of clips is read by them and its metadata files: a table or tar beside them, unread, may be a pointer
    refuse_lfs_pointers(root, _read_by_videofolder if videos else is_data_file)
    _refuse_unfinished_shards(root)
    read = {extension.lower() for extension in VideoFolder.EXTENSIONS}
    # in lower or upper case only (its data files' filter matches `.mp4` and `.MP4`): `c.Mp4` was left out, said to
    # be in no row of a metadata file the folder did not have
    as_read = {*read, *map(str.upper, read)}
    skipped = [path.relative_to(root).as_posix() for path in videos if path.suffix not in as_read]
    linked_folders = {folder for folder in {path.parent for path in videos} if _below_a_link(root, folder)}
    linked = [path for path in videos if path.parent in linked_folders]
    if not videos:
        if cut_tars:
            _refuse_cut_tars(root, others, scans_cache_dir)
        _refuse_a_packed_folder(root, others)
        return {}
    tables = _label_tables(others)
    builder = (builder or builder_once(source, config_name, revision, cache_dir))()
    if builder.name not in ("videofolder", "audiofolder", "imagefolder"):
        return {}
    _refuse_metadata_named_in_another_case(others)
    _refuse_ignored_tables(root, tables, builder.config.data_files or {})
    _refuse_metadata_naming_no_file(others)
    _refuse_metadata_of_two_types(root, builder.config.data_files or {})
    metadata = any(path.name in METADATA_FILES for path in others)  # rows of absent files: metadata_clips_on_disk
    if not metadata:  # (a metadata file's rows name the clips: datasets reads no other)
        _refuse_clips_in_system_folders(root, builder.config.data_files or {}, read)
    if config_name is None and not card_declares_configs(root):
        _refuse_split_words_in_class_names(root, builder.config.data_files or {}, metadata, videos)
        warn_split_named_twice(root, videos)  # datasets' own split patterns merge them alike
    places = {path: place_of(path.relative_to(root)) for path in videos}
    classes = {place.label for place in places.values()} - {None}
    dangling = {} if metadata else dangling_clips(root, others, classes)
    if skipped:
        raise DatasetFormatError(
            f"--dataset_format hub: datasets' videofolder reads only {sorted(read)} (in lower or upper case) and "
            f"would leave out {len(skipped)} clips of {source}, e.g. {skipped[:3]}; "
            + ("rename" if all(Path(path).suffix.lower() in read for path in skipped) else "convert")
            + " them, or read class folders with --dataset_format videofolder (which reads them)"
        )
    listed = {os.path.normpath(str(file)) for files in (builder.config.data_files or {}).values() for file in files}
    left_out = [path.relative_to(root).as_posix() for path in linked if os.path.normpath(str(path)) not in listed]
    if left_out:
        raise DatasetFormatError(
            f"--dataset_format hub: datasets does not follow symlinked folders and would leave out {len(left_out)} "
            f"clips of {source}, e.g. {left_out[:3]}; read class folders with --dataset_format videofolder (which "
            "follows them), or copy the linked folders in"
        )
    if not metadata:  # class folders: one holding no clip (its copy failed) would give a class fewer
        class_dirs = {
            path.parent: root / place.split_folder if place.split_folder else root
            for path, place in places.items()
            if place.label is not None
        }
        warn_empty_class_folders(root, class_dirs, videos)
        # `trainset/cat/` beside `testset/cat/` (no split words to datasets either): one class of both, as videofolder
        # says; hub said nothing
        warn_gathered_classes(class_folders_of(root, places), "--dataset_format hub")
    return dangling


@contextlib.contextmanager
def naming_metadata_of_two_types(source: str, config_name, revision, cache_dir):
    """Around `datasets.load_dataset` of a Hub repo (a local folder is checked before, `refuse_unread_videos`): its
    metadata files of two types (`train/metadata.csv` beside `test/metadata.jsonl`) are refused as a local folder's
    are, naming one of each, where it was `datasets`' bare `ValueError: Found metadata files with different
    extensions`, whole and streamed."""
    try:
        yield
    except ValueError as error:
        if "metadata files with different extensions" not in str(error):
            raise
        import datasets

        builder = datasets.load_dataset_builder(source, config_name, revision=revision, cache_dir=cache_dir)
        _refuse_metadata_of_two_types(source, builder.config.data_files or {})
        raise


@contextlib.contextmanager
def naming_clip_paths_outside_metadata_folders(source: str):
    """Around `datasets.load_dataset` (whole and streamed): a metadata file's `file_name` that is an absolute path
    (as a script writes `str(path)`), leads out of the metadata file's folder (`../clips/a.mp4`) or is a URL is
    refused in one line naming the file, its line, and (where the clip lies below that folder) the path to write.
    `datasets` refuses such a row as it reads it: the whole read ended in its bare `DatasetGenerationError: An error
    occurred while generating the dataset`, the stream in a traceback from the label scan."""
    from ...hub.sources import exception_chain

    try:
        yield
    except Exception as error:
        cause = next((c for c in exception_chain(error) if str(c).startswith("Invalid metadata file_name '")), None)
        if cause is None:
            raise
        value = str(cause)[len("Invalid metadata file_name '") :].partition("': ")[0]
        where, folder = _metadata_line_naming(source, value)
        # the clip's path below the metadata file's folder, where it lies there (`/abs/train/clips/a.mp4`,
        # `../train/clips/a.mp4` from `train/`)
        clip = None if folder is None or "://" in value else Path(os.path.normpath(folder / value))
        fix = (
            f"write {clip.relative_to(folder).as_posix()!r}, its path below {folder}"
            if clip is not None and clip.is_relative_to(folder)
            else "move the clips below the metadata file's folder and name each by its path there"
        )
        raise DatasetFormatError(
            f"--dataset_format hub: {where or 'a metadata file of ' + source} names its clip {value!r}, which "
            "datasets refuses: it reads each `file_name` as a relative path below the folder the metadata file is "
            f"in (no absolute path, '..' out of it, or URL); {fix}"
        ) from None


def _metadata_line_naming(source: str, value: str) -> tuple[str | None, Path | None]:
    """(`<metadata file> line N`, its folder) of the first row of a local folder's metadata.csv / .jsonl whose
    value in some column is `value`; (None, None) where none is found (a Hub repo's: not read here)."""
    import csv
    import json

    root = Path(source)
    if not root.is_dir():
        return None, None
    for path in sorted(path for path in files_below(root)[1] if path.name in ("metadata.csv", "metadata.jsonl")):
        with open(path, newline="" if path.suffix == ".csv" else None, encoding="utf-8-sig") as f:
            if path.suffix == ".csv":
                rows = enumerate(csv.reader(f), start=1)
            else:
                rows = ((n, list(json.loads(line).values())) for n, line in enumerate(f, start=1) if line.strip())
            with contextlib.suppress(ValueError, AttributeError):  # a line not as expected: named by datasets
                for line, cells in rows:
                    if value in cells:
                        return f"{path.relative_to(root).as_posix()} (in {source}) line {line}", path.parent
    return None, None


def _refuse_metadata_of_two_types(root: Path | str, data_files: dict) -> None:
    """datasets' videofolder reads the metadata files of all splits in one format: a `metadata.csv` in `train/` beside
    a `metadata.jsonl` in `test/` (tables written by two tools) ended in its bare `ValueError: Found metadata files
    with different extensions`, naming no file. Refused naming one file of each type (by its path in the folder, or
    in the Hub repo `root`)."""
    by_type: dict[str, str] = {}
    for file in sorted(str(file) for files in data_files.values() for file in files):
        if os.path.basename(file) in METADATA_FILES:
            where = shard_name(file, str(root) if Path(root).is_dir() else None)
            by_type.setdefault(os.path.splitext(file)[1], where)
    if len(by_type) > 1:
        raise DatasetFormatError(
            f"--dataset_format hub: {root} holds metadata files of {len(by_type)} types "
            f"({', '.join(by_type.values())}), and datasets reads every split's metadata in one type; write them all "
            f"as one of {', '.join(sorted(by_type))}"
        )


def _read_by_videofolder(path: Path) -> bool:
    """A file datasets' videofolder opens: a clip or a metadata file (`refuse_lfs_pointers` of a folder of clips)."""
    return has_video_extension(path) or path.name in METADATA_FILES


def _refuse_metadata_named_in_another_case(files: Sequence[Path]) -> None:
    """A `Metadata.csv` / `metadata.CSV` / `METADATA.JSONL` beside the clips: datasets' videofolder takes a metadata
    file by its exact name (`metadata.csv`, `metadata.jsonl`, `metadata.parquet`, listed or not in a card's
    `configs:`) and reads no other, so its rows would be ignored and each clip labelled by its folder (the split
    folders becoming the classes, or refused as such, "put one metadata file in each split folder", beside the file
    that is one). Its own folder's is named, with the name to give it; beside a file of that name (read), it is left."""
    present = set(files)
    for path in files:
        name = path.name.lower()
        if name in METADATA_FILES and path.name != name and path.with_name(name) not in present:
            raise DatasetFormatError(
                f"--dataset_format hub: datasets' videofolder reads a metadata file only by its lower-case name, "
                f"{name}, and ignores {path}, labelling each clip by its folder instead: rename it {name}"
            )


def _refuse_metadata_naming_no_file(files: Sequence[Path]) -> None:
    """A videofolder `metadata.csv` / `metadata.jsonl` without a `file_name` column (datasets' rule: `file_name`,
    `*_file_name`, `file_names` or `*_file_names`) is refused naming the file and the columns it has. `datasets`
    said only that `file_name` "must be present", naming no file, also where it is: in a `metadata.csv` written with
    `;` or tabs between its fields (what Excel writes in much of Europe), read as one column `file_name;label`."""
    for path in files:
        if path.name not in ("metadata.csv", "metadata.jsonl"):
            continue
        columns = metadata_columns(path)
        if any(re.fullmatch(r"(?:.*_)?file_names?", str(column)) for column in columns):
            continue
        separator = next(
            (name for mark, name in ((";", "';'"), ("\t", "tabs")) if any(mark in str(c) for c in columns)), None
        )
        why = (
            f"; its fields are separated by {separator}, and datasets reads metadata.csv with commas only"
            if separator is not None and path.suffix == ".csv" and any("file_name" in str(c) for c in columns)
            else "; datasets finds each row's clip by a 'file_name' column (or '<name>_file_name')"
        )
        raise DatasetFormatError(
            f"--dataset_format hub: {path} has no 'file_name' column (its columns: {columns}){why}"
        )


def _label_tables(files: Sequence[Path]) -> list[Path]:
    """The tables among `files` that look like a data set's label lists: named by a split (`train.csv`,
    `val.jsonl`) or with a label column (`label`, `labels`...). `datasets`' own `metadata.*` files are not among them
    (its videofolder reads those; one in another case, `_refuse_metadata_named_in_another_case`')."""
    found = []
    for path in files:
        if path.suffix.lower() not in TABLE_SUFFIXES or path.name.lower() in METADATA_FILES:
            continue
        if split_named_by(path.stem) is None:
            try:
                columns = metadata_columns(path) if path.suffix.lower() in (".csv", ".jsonl") else []
            except (ValueError, UnicodeDecodeError):
                columns = []
            if not set(columns) & set(LABEL_COLUMNS):
                continue
        found.append(path)
    return found


def _refuse_ignored_tables(root: Path, tables: Sequence[Path], data_files) -> None:
    """`datasets` finds splits by folder name before file name: a folder whose clips lie in split-named folders
    (`videos/train/cam1/`) is a videofolder to it, whatever tables beside them give the labels (`train.csv`). The
    tables would never be read and the folders the clips are in (cameras, dates) become the classes."""
    listed = {os.path.normpath(str(file)) for files in data_files.values() for file in files}
    ignored = [path.relative_to(root).as_posix() for path in tables if os.path.normpath(str(path)) not in listed]
    if not ignored:
        return
    classes = sorted({Path(str(file)).parent.name for files in data_files.values() for file in files})
    named = [(split_named_by(Path(name).stem), name) for name in ignored]
    # quoted: a name's ',' or '[' ends a YAML flow scalar (the card datasets reads would break), as folders.py's advice
    configs = ", ".join(f"{{split: {split}, path: {json.dumps(name)}}}" for split, name in named if split is not None)
    raise DatasetFormatError(
        f"--dataset_format hub: datasets reads {root} by its split folders, as a videofolder, and would ignore the "
        f"tables {quoted(ignored)} and take the folders the clips are in for the classes ({quoted(classes)}); to "
        "read the labels from the tables, name them in a README.md at the top of the folder, a YAML header "
        f"`configs: [{{config_name: default, data_files: [{configs or '{split: train, path: <table>}'}]}}]` between "
        "`---` lines (or, if the folders are the classes, move the tables out)"
    )


def _refuse_split_words_in_class_names(root: Path, data_files, metadata: bool = False, videos=()) -> None:
    """`datasets` finds a folder's splits by patterns (`**/*[-._ 0-9]dev/**`, `**/test[-._ 0-9]*/**`...) matched
    against every folder of a clip's path, the class folder too: clips of a class named `board dev`, `crash_test`,
    `test_tube` or `training_wheels` would be put in another split than their split folder's, some in two splits, and a
    `test` split made of training clips (training clips scored). Each clip's split is compared
    with the one its split folders name (`place_of`, as `--dataset_format videofolder` reads it). `metadata`: the
    labels are in metadata files, which videofolder refuses (it takes them from class folders): not advised. `videos`:
    the clips below `root`, for those of a split folder in capitals that datasets puts in no split."""
    splits_of: dict[str, list[str]] = {}
    top = os.path.abspath(root)
    below = top if top.endswith(os.sep) else top + os.sep
    for split, files in data_files.items():
        named = recipe_split_name(str(split))
        for file in map(str, files):
            if "://" in file or Path(file).suffix.lower() not in VIDEO_EXTENSIONS:
                continue
            path = os.path.abspath(file)  # normalised as `root`'s: a prefix test is `relative_to`'s
            if not path.startswith(below):
                continue
            relative = path[len(below) :] if os.sep == "/" else path[len(below) :].replace(os.sep, "/")
            splits_of.setdefault(relative, []).append(named)
    misread = {}
    place_of_folder = {}  # a clip's split is its folder's (`place_of`): asked once per folder
    for relative, splits in splits_of.items():
        folder = relative.rpartition("/")[0]
        if folder not in place_of_folder:
            place_of_folder[folder] = place_of(Path(relative))
        if len(splits) > 1 or splits[0] != place_of_folder[folder].split:
            misread[relative] = splits
    # `Train/` beside `val/`: datasets reads the split folder in lower case alone, and the other's clips are in no
    # split (the whole training split gone: a warning, then finetune.py stopped on "no split 'train'", naming no
    # folder). A `Val/` beside `train/` lost the clips evaluated, which a run replaced by a share of `train` held out
    # (scores of other clips than the user's validation set, a warning alone): refused alike
    for path in videos:
        relative = path.relative_to(root).as_posix()
        if relative in splits_of or path.suffix.lower() not in VIDEO_EXTENSIONS:
            continue
        if (folder := relative.rpartition("/")[0]) not in place_of_folder:
            place_of_folder[folder] = place_of(Path(relative))
        place = place_of_folder[folder]
        split_folder = (place.split_folder or "").rpartition("/")[2]
        if split_folder != split_folder.lower():
            misread[relative] = []
    if not misread:
        return
    examples = ", ".join(examples_of(misread))
    # `datasets`' split patterns are matched in lower case only (`**/test/**`): a split folder `Test/` or `VAL/` is no
    # split to it, its clips put in 'train' (test clips trained on), where no class folder's name is at fault; every
    # such folder is named, as one renamed alone (`test/` beside `Train/`) leaves the others unread
    cased = sorted(
        {
            name
            for place in place_of_folder.values()
            if place.split_folder and (name := place.split_folder.rpartition("/")[2]) != name.lower()
        }
    )
    if cased:
        # videofolder takes the labels from class folders and refuses metadata files ("read it with --dataset_format
        # hub"): advised where the labels are in metadata files, the two refusals sent the user round in a circle
        other = (
            " (and in the paths of the metadata files' rows that name them)"
            if metadata
            else ", or read the class folders with --dataset_format videofolder (which takes a split folder's name in "
            "any case)"
        )
        # a metadata file above the split folders is then refused in turn (`refuse_split_names_as_classes`: datasets
        # applies one to its own folder's split alone): both said at once, not one rename after the other
        above = [name for name in METADATA_FILES if (root / name).is_file()] if metadata else []
        if above:  # (its rows' paths are then rewritten relative to each split folder: the parenthesis goes)
            other = (
                f", and put one metadata file in each split folder in place of {root / above[0]}, its rows' "
                "file_name relative to that folder (datasets applies a metadata file to its own folder's split "
                "alone: above them, it takes the split folders for the classes)"
            )
        raise DatasetFormatError(
            f"--dataset_format hub: datasets takes a split folder by its name in lower case only, so {root}'s split "
            f"folders named in capitals ({quoted([f'{name}/' for name in cased])}) are none to it, and it would put "
            f"{len(misread)} clip(s) in another split than their folder's or in none (e.g. {examples}); "
            f"rename them in lower case (train/, validation/, test/){other}"
        )
    folders = sorted({Path(relative).parent.as_posix() for relative in misread})
    raise DatasetFormatError(
        f"--dataset_format hub: datasets' split patterns match split words in the names of folders of {root} that "
        f"are not split folders ({quoted(folders)}) and would put {len(misread)} clip(s) in another split than their "
        f"split folder's or in two splits (training clips would be scored), e.g. {examples}; read these "
        "class folders with --dataset_format videofolder (which takes the split from the split folders), or rename "
        "them"
    )


def examples_of(misread: dict[str, list[str]]) -> list[str]:
    """The first three clips of `misread` (`{clip: the splits datasets puts it in}`), each with its splits (or
    `no split`)."""

    def said(splits):
        return splits[0] + " twice" if len(set(splits)) == 1 and len(splits) > 1 else " and ".join(splits) or "no split"

    return [f"'{relative}' ({said(splits)})" for relative, splits in list(misread.items())[:3]]


def _refuse_clips_in_system_folders(root: Path, data_files, read: set[str]) -> None:
    """Clips in a NAS's or Windows' system folders below class folders (`SYSTEM_FOLDERS`: Synology's `@eaDir` preview
    transcodes of every clip, a recycle bin's deleted clips), which `datasets` reads as any other file: lying deeper
    than the clips, they made it name no class at all, and the refusal said the label column was missing, not why."""
    paths = {relative_or_as_is(file, root) for files in data_files.values() for file in files}
    found = sorted(
        path
        for path in paths
        if Path(path).suffix.lower() in read and any(part.casefold() in SYSTEM_FOLDERS for part in path.split("/")[:-1])
    )
    if found:
        raise DatasetFormatError(
            f"--dataset_format hub: datasets would read {len(found)} video files in the system folders a NAS or "
            f"Windows keeps (a NAS's previews of each clip, a recycle bin's deleted clips) as clips of {root}, e.g. "
            f"{quoted(found, 3)}; delete those folders, or read class folders with --dataset_format videofolder "
            "(which leaves them out)"
        )


def _below_a_link(root: Path, folder: Path) -> bool:
    """Whether `folder` (below `root`) is, or lies in, a symlinked folder."""
    for part in folder.relative_to(root).parts:
        root = root / part
        if root.is_symlink():
            return True
    return False


def _refuse_unfinished_shards(root: Path) -> None:
    """The folder of a shard writer that was interrupted (`shard.UNFINISHED` in it) holds whole tars of a part of the
    data set: `datasets` would read them as the whole."""
    from .shard import UNFINISHED

    if (root / UNFINISHED).is_file():
        raise DatasetFormatError(
            f"--dataset_format hub: {root} holds the shards of a `python -m vivit_hf.training.data.shard` run that did "
            f"not finish ({UNFINISHED}), a part of the data set: run it again (it starts over), or delete {root}"
        )


def refuse_cut_tars(source: str, cache_dir: str | None = None) -> None:
    """`_refuse_cut_tars` of a local folder holding no loose clip, as `refuse_unread_videos(..., cut_tars=True)`
    checks it: after a shard writer's unfinished folder, which it names first."""
    if Path(source).is_dir() and not is_saved_to_disk(source):
        _refuse_unfinished_shards(Path(source))
        videos, others = files_below(Path(source))
        if not videos:
            _refuse_cut_tars(Path(source), others, cache_dir)


def _refuse_cut_tars(root: Path, others: Sequence[Path], cache_dir: str | None = None) -> None:
    """A local `.tar` cut short (a copy, download or upload that stopped mid-file), or one holding a sample's members
    apart (`read_tar_index`), is refused in one line naming it, whole and streamed: `datasets` stopped in a
    `tarfile.ReadError: unexpected end of data` traceback naming no file (streamed, once its label column was read).
    Only the member headers are read, as the streamed shard count reads them anyway (`streaming._tar_samples`): in
    that same pass (`tar_index`, kept for the file), not a second walk over every tar's headers before it (5 250
    shards: 10 s more before a streamed run's first step), kept in `cache_dir` (`tar_index`)."""
    import tarfile

    for path in sorted(path for path in others if path.name.lower().endswith(".tar") and not is_dangling(path)):
        try:
            try:
                scattered = tar_index(path, cache_dir)[3]
            except ValueError:  # a member the index cannot read (a `.json` that is not JSON): the headers alone
                scattered = None
                with tarfile.open(path) as tar:
                    for _ in tar:
                        pass
        except tarfile.TarError as error:
            raise DatasetFormatError(
                f"--dataset_format hub: {path.relative_to(root).as_posix()} in {root} is not a whole tar ({error}): "
                "copy it again, or write the shards again"
            ) from None
        if scattered is not None:
            # `datasets` makes a sample of each run of one key's members: `k0.mp4 k1.mp4 k0.cls k1.cls` is 4 samples
            # of a clip or a label each, refused as "no label column" or not "in WebDataset format"
            raise DatasetFormatError(
                f"--dataset_format hub: {path.relative_to(root).as_posix()} in {root} holds {scattered!r} apart from "
                "the other members of its sample (other samples' members between them, as `tar -cf shard.tar *.mp4 "
                "*.cls` writes them): datasets reads a WebDataset sample from consecutive members only; write each "
                "sample's members together (`tar --sort=name -cf ...`)"
            )


def _refuse_a_packed_folder(root: Path, others: Sequence[Path]) -> None:
    """A `hub` folder holding no clip and no table, only archives (`videos.zip` of the class folders): `datasets`
    reads a zip's clips as a videofolder and took the folder the zip is in for their class (a traceback, "Invalid
    string class label"), and a tar of class folders for WebDataset shards without labels. It is refused in one line
    saying to unpack it. WebDataset tar shards (a clip and its label member under one key) are read as they are."""
    if any(path.suffix.lower() in TABLE_SUFFIXES for path in others):
        return
    archives = [path for path in others if path.name.lower().endswith(ANY_ARCHIVE_SUFFIXES) and not is_dangling(path)]
    if not archives or any(_is_webdataset_shard(path) for path in archives):
        return
    shown = [path.relative_to(root).as_posix() for path in archives]
    raise DatasetFormatError(
        f"--dataset_format hub: {root} holds no clip and no table, only the archive(s) {quoted(shown)}; unpack it "
        f"(e.g. `{unpack_command(archives[0])}`) and give the folder it unpacks to (archives are extracted only "
        "from Hub data set repos)"
    )


def _is_webdataset_shard(path: Path, members: int = 64) -> bool:
    """Whether a tar's first `members` members hold two files under one key (WebDataset's `<key>.mp4` beside
    `<key>.cls`; the shard tool's `<key>.video` for clips in mixed containers): what `datasets` reads as samples,
    where a tar of class folders holds one file per key. Only the headers are read."""
    import tarfile

    if not tarfile.is_tarfile(path):
        return False
    files: dict[str, int] = {}
    with tarfile.open(path) as tar:
        for _, member in zip(range(members), tar):
            folder, _, name = member.name.rpartition("/")
            if not member.isfile() or "." not in name:
                continue
            key = f"{folder}/{name.partition('.')[0]}"  # datasets' key ends at the first dot (`clip.001.mp4`: `clip`)
            files[key] = files.get(key, 0) + 1
    return any(count >= 2 for count in files.values())
