from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from prefhub.models.job import Job, job_id_column


class ExportJob(Job):
    """A dataset export: one format of one campaign, written to a folder of files."""

    __tablename__ = "export_jobs"
    __mapper_args__ = {"polymorphic_identity": "export"}
    task_name: ClassVar[str] = "prefhub.exports.run_export"

    id: Mapped[int] = job_id_column()
    format: Mapped[str] = mapped_column(String(32))
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    row_count: Mapped[int | None] = mapped_column(Integer)
    # Folder name under the export root; files as ``[{"name", "size", "sha256"}]``.
    folder: Mapped[str | None] = mapped_column(String(255))
    files: Mapped[list[Any]] = mapped_column(default=list)
