"""All SQLAlchemy models, importable from one place so the schema reads in one sitting."""

from prefhub.models.annotation import Assignment, AssignmentStatus, ItemReport, Judgment
from prefhub.models.base import Base
from prefhub.models.campaign import Campaign, CampaignStatus, CampaignVersion
from prefhub.models.counters import AnnotatorJudgmentCount, CampaignItemCount
from prefhub.models.export import ExportJob
from prefhub.models.generation import (
    GenerationJob,
    GenerationRequest,
    GenerationStatus,
    ModelEndpoint,
    ModelEndpointShare,
    ProviderKind,
)
from prefhub.models.group import AnnotatorGroup, AnnotatorGroupMember
from prefhub.models.insitu import (
    FeedbackSource,
    IngestKey,
    InsituConversation,
    InsituDerived,
    InsituEvent,
    InsituExportJob,
    InsituJudgeJob,
    InsituJudgeVerdict,
)
from prefhub.models.item import Candidate, ImportJob, Item, ItemStatus
from prefhub.models.job import FINISHED_JOB_STATUSES, OPEN_JOB_STATUSES, Job, JobStatus
from prefhub.models.media import (
    CampaignMedia,
    MediaAsset,
    MediaFetchJob,
    MediaKind,
)
from prefhub.models.participation import CampaignParticipant
from prefhub.models.tree import (
    ConversationTree,
    MessageRole,
    ReviewState,
    TreeMessage,
    TreeMessageRevision,
    TreeRanking,
    TreeReview,
    TreeState,
    TreeTask,
    TreeTaskKind,
    TreeTaskStatus,
)
from prefhub.models.user import (
    ApiToken,
    LoginFailure,
    PasswordReset,
    Role,
    User,
    UserSession,
)

__all__ = [
    "FINISHED_JOB_STATUSES",
    "OPEN_JOB_STATUSES",
    "AnnotatorGroup",
    "AnnotatorGroupMember",
    "AnnotatorJudgmentCount",
    "ApiToken",
    "Assignment",
    "AssignmentStatus",
    "Base",
    "Campaign",
    "CampaignItemCount",
    "CampaignMedia",
    "CampaignParticipant",
    "CampaignStatus",
    "CampaignVersion",
    "Candidate",
    "ConversationTree",
    "ExportJob",
    "FeedbackSource",
    "GenerationJob",
    "GenerationRequest",
    "GenerationStatus",
    "ImportJob",
    "IngestKey",
    "InsituConversation",
    "InsituDerived",
    "InsituEvent",
    "InsituExportJob",
    "InsituJudgeJob",
    "InsituJudgeVerdict",
    "Item",
    "ItemReport",
    "ItemStatus",
    "Job",
    "JobStatus",
    "Judgment",
    "LoginFailure",
    "MediaAsset",
    "MediaFetchJob",
    "MediaKind",
    "MessageRole",
    "ModelEndpoint",
    "ModelEndpointShare",
    "PasswordReset",
    "ProviderKind",
    "ReviewState",
    "Role",
    "TreeMessage",
    "TreeMessageRevision",
    "TreeRanking",
    "TreeReview",
    "TreeState",
    "TreeTask",
    "TreeTaskKind",
    "TreeTaskStatus",
    "User",
    "UserSession",
]
