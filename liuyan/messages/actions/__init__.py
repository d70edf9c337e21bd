"""Lifecycle actions: the only code that changes a message's state.

Each `do_*` function checks the actor's role and scope and the message's state against the transition table
(`liuyan.messages.states.TRANSITIONS`), then, in one transaction, moves the message with a compare-and-set on its
`version` (two people acting at once: exactly one wins, the other gets `Conflict`), writes the append-only event,
sets or clears deadlines and queues notifications. Nothing else may write `Message.state`.
"""

from liuyan.messages.actions.feedback import do_archive, do_close, do_follow_up, do_rate, do_reopen
from liuyan.messages.actions.handling import (
    do_add_note,
    do_approve_return,
    do_decide_cohandling,
    do_decide_extension,
    do_dispatch,
    do_record_contact,
    do_refuse_return,
    do_request_cohandling,
    do_request_extension,
    do_request_return,
    do_request_transfer,
    do_resume,
    do_sign,
    do_transfer,
    do_wait_for_citizen,
)
from liuyan.messages.actions.intake import (
    ImportedMessage,
    Submission,
    UploadedFileLike,
    do_import_message,
    do_intake,
    do_submit,
)
from liuyan.messages.actions.replies import do_approve_reply, do_group_reply, do_send_back_reply, do_submit_reply
from liuyan.messages.actions.review import (
    do_accept,
    do_answer_directly,
    do_merge_duplicate,
    do_reclassify,
    do_redact,
    do_reject,
)
from liuyan.messages.actions.supervision import do_flag_key, do_set_sla_light, do_supervise, do_urge

__all__ = [
    "ImportedMessage",
    "Submission",
    "UploadedFileLike",
    "do_accept",
    "do_add_note",
    "do_answer_directly",
    "do_approve_reply",
    "do_approve_return",
    "do_archive",
    "do_close",
    "do_decide_cohandling",
    "do_decide_extension",
    "do_dispatch",
    "do_flag_key",
    "do_follow_up",
    "do_group_reply",
    "do_import_message",
    "do_intake",
    "do_merge_duplicate",
    "do_rate",
    "do_reclassify",
    "do_record_contact",
    "do_redact",
    "do_refuse_return",
    "do_reject",
    "do_reopen",
    "do_request_cohandling",
    "do_request_extension",
    "do_request_return",
    "do_request_transfer",
    "do_resume",
    "do_send_back_reply",
    "do_set_sla_light",
    "do_sign",
    "do_submit",
    "do_submit_reply",
    "do_supervise",
    "do_transfer",
    "do_urge",
    "do_wait_for_citizen",
]
