"""投诉举报 (R-072): intake, assignment, handling and feedback to the reporter, journaled."""

from __future__ import annotations

from gaozhi_sdk.errors import RuleViolationError
from gaozhi_sdk.models.credit import Complaint
from gaozhi_sdk.models.enums import ComplaintStatus
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.service.credit import CreditMixin

__all__ = ["ComplaintsMixin"]


class ComplaintsMixin(CreditMixin):
    """投诉举报."""

    def _receive_complaint(
        self,
        *,
        channel: str,
        subject_ref: str,
        content: str,
        actor: Actor,
        reporter_contact: str | None = None,
        organ_uscc: str | None = None,
    ) -> Complaint:
        """Take a complaint or report through the published channel (R-072).

        The complaint belongs to ``organ_uscc`` (default: the receiving official's organ):
        only that organ's officials may take its later steps (the role policy scopes them
        like every other aggregate), so another organ can neither read nor close it.
        """
        cid = self._new_id("CPL")
        organ_uscc = organ_uscc or actor.organ_uscc
        with self._run(
            actor, "complaint", "receive", "complaint", cid, organ_uscc=organ_uscc, creating=True
        ) as s:
            c = self._parse(
                Complaint,
                {
                    "complaint_id": cid,
                    "received_at": s.now,
                    "channel": channel,
                    "subject_ref": subject_ref,
                    "content": content,
                    "reporter_contact": reporter_contact,
                    "status": ComplaintStatus.RECEIVED,
                    "organ_uscc": organ_uscc,
                },
                "投诉举报",
            )
            self._put_model(s, "complaint", cid, c, s.target, create=True)
            s.payload = {"complaint_id": cid, "subject_ref": subject_ref}
        return c

    def _complaint_step(
        self, cid: str, transition: str, actor: Actor, **update: object
    ) -> Complaint:
        c = self._load("complaint", cid, Complaint)
        with self._run(
            actor, "complaint", transition, "complaint", cid, organ_uscc=c.organ_uscc
        ) as s:
            new = c.model_copy(update={"status": ComplaintStatus(s.target), **update})
            self._put_model(s, "complaint", cid, new, s.target)
            s.payload = {"complaint_id": cid, "status": s.target}
        return new

    def _assign_complaint(self, cid: str, assignee: str, actor: Actor) -> Complaint:
        """Assign a complaint to a handler."""
        return self._complaint_step(cid, "assign", actor, assignee=assignee)

    def _handle_complaint(self, cid: str, result: str, actor: Actor) -> Complaint:
        """Record the handling result."""
        if not result.strip():
            raise RuleViolationError("GZ-RL-272", "处理结果不能为空", message_en="empty result")
        return self._complaint_step(cid, "handle", actor, handling_result=result)

    def _give_complaint_feedback(self, cid: str, feedback: str, actor: Actor) -> Complaint:
        """Tell the reporter what was done, then close (R-072)."""
        if not feedback.strip():
            raise RuleViolationError("GZ-RL-273", "反馈内容不能为空", message_en="empty feedback")
        return self._complaint_step(
            cid, "give_feedback", actor, feedback=feedback, closed_at=self.now()
        )

    def _complaints(self) -> list[Complaint]:
        """All complaints."""
        return [Complaint.model_validate(r.doc) for r in self.store.list("complaint")]
