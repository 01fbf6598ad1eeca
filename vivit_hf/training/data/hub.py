# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The names importable from `hub.py` before `--dataset_format hub` was split into modules by what they hold, still
importable from here. The read is `hub_datasets.load_hub`; its parts are `hub_labels`, `hub_clips`, `hub_refusals`,
`hub_ids` and `hub_files` (not `vivit_hf.hub`, which writes model cards and pushes to the Hub)."""

# with the private names streaming.py and formats.py imported from here before the split (noqa: F401)
from .hub_clips import clipless_rows, clips_by_normal_name, clips_on_disk, read_as_on_disk
from .hub_datasets import (
    _HubSplit,  # noqa: F401
    hub_example,
    load_hub,
)
from .hub_files import (  # noqa: F401
    _relative_or_as_is,
    _table_files,
    builder_once,
    is_saved_to_disk,
    load_with,
    local_folder_cache_dir,
    undecoded_videos,
)
from .hub_ids import (  # noqa: F401
    _clip_id,
    _own_id,
    _shard_member,
    clip_path_id,
    segment_columns,
    shard_name,
    shard_namer,
    warn_unread_segments,
)
from .hub_labels import (  # noqa: F401
    _card_label_feature,
    _extension,
    arrow_label_values,
    card_class_label,
    card_label_map,
    card_order_of_classes,
    class_label_map,
    hub_columns,
    hub_label_names,
    label_feature,
    label_value,
    logger,
    name_columns,
    names_beside_ids,
    saved_class_label_map,
)
from .hub_refusals import (
    _WEBDATASET_DECODED_AS,  # noqa: F401
    naming_class_ids_out_of_range,
    naming_metadata_of_two_types,
    naming_mixed_column_types,
    naming_undecodable_members,
    refuse_unread_videos,
)

__all__ = [
    "arrow_label_values",
    "builder_once",
    "card_class_label",
    "card_label_map",
    "card_order_of_classes",
    "class_label_map",
    "clip_path_id",
    "clipless_rows",
    "clips_by_normal_name",
    "clips_on_disk",
    "hub_columns",
    "hub_example",
    "hub_label_names",
    "is_saved_to_disk",
    "label_feature",
    "label_value",
    "load_hub",
    "load_with",
    "local_folder_cache_dir",
    "logger",
    "name_columns",
    "names_beside_ids",
    "naming_class_ids_out_of_range",
    "naming_metadata_of_two_types",
    "naming_mixed_column_types",
    "naming_undecodable_members",
    "read_as_on_disk",
    "refuse_unread_videos",
    "saved_class_label_map",
    "segment_columns",
    "shard_name",
    "shard_namer",
    "undecoded_videos",
    "warn_unread_segments",
]
