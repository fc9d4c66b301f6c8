"""The project file: schema, migrations, every SQL query, typed records.

from polyjudge.store import Project
with Project.open("polyjudge.db") as project:
    project.status()
    project.labels.add(response_id, annotator_id, "safe")

`Project` holds the connection, transactions, meta and events, and hands out one object per
subject of data: `content`, `annotators`, `labels`, `drafts`, `queue`, `claims`, `judging`,
`generated`, `batches`, `adjudications`, `assignments`, `columns`, `packets`, `serving`,
`gold_items`.
Everything a caller needs is imported from here, never from a module of the package.
"""

from __future__ import annotations

from ._sqlite_utils import Database
from .adjudications import SelfAdjudication
from .assignments import Assignment
from .batches import BatchItem, JudgeBatch
from .claims import CLAIM_TTL_S, CLAIM_WAIT_MS
from .clock import now
from .columns import GROUP_FIELDS, LabelColumns, ResponseColumns, VerdictColumns
from .content import RESPONSE_IMPORT_COLUMNS, PromptRef, content_hash
from .errors import InputError, PolyjudgeError, ProjectBusy, ProjectError
from .generated import GenerateBatchItem, NewResponse, generated_uid
from .gold import GoldLabel, GoldSource, GoldVerdict
from .gold_items import DEFAULT_GOLD_RATE, GoldAnswer, GoldItem
from .guidelines import guideline_version
from .item_detail import HumanLabel, ItemDetail, JudgeVerdict
from .judging_records import (
    OUTPUT_CAP_BYTES,
    CachedCall,
    JudgeItem,
    LlmCall,
    NewCall,
    NewTranslation,
    NewVerdict,
    TranslationItem,
    cap_output,
)
from .labels import READING_VIEW_KEY, VIEW_CHOICES, VIEWED, ItemFull
from .migrations import MIGRATIONS
from .packet_file import PacketContents, PacketLabel, PacketRecord, read_packet
from .packets import MergeResult, expand_ranges, id_ranges, merge_uid, packet_meta
from .project import Project, parse_consensus_rule
from .queue import Pace, Progress
from .queue_sql import QueueFilter
from .read_only import open_read_only
from .records import (
    DEFAULT_LABELS,
    Adjudication,
    Annotator,
    Item,
    JudgeRun,
    Label,
    Prompt,
    Response,
    Verdict,
)
from .reveals import JudgeSeenFinals, RevealPair, ShownVerdict
from .serving import ServeLink, TokenOwner
from .untrusted import check_before_annotating

__all__ = [
    "GenerateBatchItem",
    "NewResponse",
    "generated_uid",
    "CLAIM_TTL_S",
    "CLAIM_WAIT_MS",
    "DEFAULT_GOLD_RATE",
    "DEFAULT_LABELS",
    "GROUP_FIELDS",
    "MIGRATIONS",
    "OUTPUT_CAP_BYTES",
    "RESPONSE_IMPORT_COLUMNS",
    "VIEWED",
    "VIEW_CHOICES",
    "READING_VIEW_KEY",
    "Adjudication",
    "Annotator",
    "Assignment",
    "BatchItem",
    "CachedCall",
    "Database",
    "GoldAnswer",
    "GoldItem",
    "GoldLabel",
    "GoldSource",
    "GoldVerdict",
    "HumanLabel",
    "InputError",
    "Item",
    "JudgeSeenFinals",
    "ItemDetail",
    "ItemFull",
    "JudgeBatch",
    "JudgeItem",
    "JudgeRun",
    "JudgeVerdict",
    "Label",
    "LabelColumns",
    "LlmCall",
    "MergeResult",
    "NewCall",
    "NewTranslation",
    "NewVerdict",
    "Pace",
    "PacketContents",
    "PacketLabel",
    "PacketRecord",
    "PolyjudgeError",
    "Progress",
    "Project",
    "ProjectBusy",
    "ProjectError",
    "Prompt",
    "PromptRef",
    "QueueFilter",
    "Response",
    "RevealPair",
    "ResponseColumns",
    "SelfAdjudication",
    "ServeLink",
    "ShownVerdict",
    "TokenOwner",
    "TranslationItem",
    "Verdict",
    "VerdictColumns",
    "cap_output",
    "check_before_annotating",
    "content_hash",
    "expand_ranges",
    "guideline_version",
    "id_ranges",
    "merge_uid",
    "now",
    "open_read_only",
    "packet_meta",
    "parse_consensus_rule",
    "read_packet",
]
