"""The visitor's side of a chat, whichever transport carries it: the WebSocket consumer or the HTTP
fallback (views.rpc) both call ``handle`` and deliver its Outcome.

Frames from the widget (JSON objects with a "type"):
    message        {client_id, text}          a message; resending the same client_id stores it once
    typing         {on}                       the visitor is typing (shown to agents, not stored)
    seen           {upto, read}               agent messages up to id were delivered (read: and read)
    leave_message  {client_id, text, email}   nobody answered: answer me by email instead
    end            {}                         the visitor ended the chat
    ping           {}                         keep-alive; also re-sends anything missed
Frames to the widget: welcome {state}, message {message}, ack {client_id, id}, state {state},
typing {name, on}, read {upto}, pong {}, error {code, message}.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_intake.chat import adapter, assignment, identity, limits
from channels_intake.chat.adapter import BadInput
from channels_intake.chat.models import ChatSession, ChatWidget
from tickets import actions, identities, live
from tickets.inbound import InboundAttachment
from tickets.models import Channel, DeliveryStatus, Direction, Message, Ticket

HISTORY_LIMIT = 200
TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass
class Outcome:
    """What a transport does after handling one frame."""

    replies: list[dict[str, Any]] = field(default_factory=list)  # to the visitor who sent it
    ticket_events: list[dict[str, Any]] = field(default_factory=list)  # to the ticket's group (agents)
    session_events: list[dict[str, Any]] = field(default_factory=list)  # to the visitor's other tabs
    sync: bool = False  # send the messages after the transport's cursor
    own_message: int | None = None  # the visitor's message this frame stored (already in replies)
    own_message_new: bool = False  # ...stored now, not a resend: its "ticket changed" poke will follow


def conversation_ticket_id(session: ChatSession) -> int | None:
    """The ticket holding the chat now (a chat merged into another ticket continues there)."""
    ticket_id = session.ticket_id
    seen: set[int] = set()
    while ticket_id is not None and ticket_id not in seen:
        seen.add(ticket_id)
        merged_into = Ticket.objects.filter(pk=ticket_id).values_list("merged_into_id", flat=True).first()
        if merged_into is None:
            return ticket_id
        ticket_id = merged_into
    return ticket_id


def _visible(session: ChatSession, ticket_id: int) -> Any:
    return Message.objects.filter(
        ticket_id=ticket_id,
        channel=Channel.CHAT,
        direction__in=[Direction.INBOUND, Direction.OUTBOUND],
        created_at__gte=session.created_at,
    )


def messages_after(session: ChatSession, after: int, *, limit: int | None = None) -> list[Message]:
    """What the visitor may see after message ``after``: this chat's messages (never internal notes),
    oldest first, at most ``limit`` (the transport asks again from the last one it got)."""
    ticket_id = conversation_ticket_id(session)
    if ticket_id is None:
        return []
    return list(
        _visible(session, ticket_id)
        .filter(pk__gt=after)
        .select_related("author_user")
        .prefetch_related("attachments")
        .order_by("pk")[: limit or HISTORY_LIMIT]
    )


def history(session: ChatSession) -> tuple[list[Message], bool]:
    """The newest HISTORY_LIMIT messages, oldest first, and whether earlier ones were left out: what a
    widget that has nothing on screen (a new page, a reload) shows."""
    ticket_id = conversation_ticket_id(session)
    if ticket_id is None:
        return [], False
    newest = list(
        _visible(session, ticket_id)
        .select_related("author_user")
        .prefetch_related("attachments")
        .order_by("-pk")[: HISTORY_LIMIT + 1]
    )
    return newest[:HISTORY_LIMIT][::-1], len(newest) > HISTORY_LIMIT


def window(session: ChatSession, after: int) -> tuple[list[Message], bool]:
    """``history`` for a transport that has shown nothing yet (after 0), else ``messages_after``."""
    return history(session) if after <= 0 else (messages_after(session, after), False)


def all_messages(session: ChatSession, *, page: int | None = None) -> Iterator[Message]:
    """Every message the visitor may see, oldest first, read ``page`` at a time (for the transcript)."""
    page = page or HISTORY_LIMIT
    after = 0
    while True:
        batch = messages_after(session, after, limit=page)
        yield from batch
        if len(batch) < page:
            return
        after = batch[-1].pk


def serialize(message: Message, session: ChatSession, *, with_files: bool = True) -> dict[str, Any]:
    """The message as the widget shows it. ``with_files=False``: the caller knows it has none."""
    mine = message.direction == Direction.INBOUND
    if mine:
        status = "read" if message.pk <= session.agent_read_upto else "delivered"
        author = session.name
    else:
        status = message.delivery_status
        user = message.author_user
        author = (user.first_name or user.get_username()) if user else _("Support")
    return {
        "id": message.pk,
        "from": "visitor" if mine else "agent",
        "client_id": message.metadata.get("client_id") if mine else None,
        "author": author,
        "text": message.text,
        "at": message.created_at.isoformat(),
        "status": status,
        "files": [
            {
                "name": item.filename,
                "size": item.size,
                "type": item.content_type,
                "url": reverse("chat:file", args=[identity.file_token(session, item.pk)]),
            }
            for item in (message.attachments.all() if with_files else ())
        ],
    }


def state(session: ChatSession, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The chat's situation as the widget shows it."""
    now = now or timezone.now()
    ticket_id = conversation_ticket_id(session)
    ticket = Ticket.objects.select_related("assignee").filter(pk=ticket_id).first() if ticket_id else None
    offer, wait = False, None
    if session.is_live and ticket is not None and ticket.first_response_at is None:
        elapsed = (now - ticket.created_at).total_seconds()
        wait = max(0, int(session.widget.no_answer_seconds - elapsed))
        offer = wait == 0
        if offer and session.no_answer_offered_at is None:
            ChatSession.objects.filter(pk=session.pk, no_answer_offered_at__isnull=True).update(
                no_answer_offered_at=now
            )
    agent = ticket.assignee if ticket is not None and ticket.assignee_id else None
    if agent is None and ticket is not None:  # answered by someone without taking the chat
        last = (
            Message.objects.filter(ticket=ticket, direction=Direction.OUTBOUND, author_user__isnull=False)
            .select_related("author_user")
            .order_by("-pk")
            .first()
        )
        agent = last.author_user if last else None
    return {
        "mode": session.mode,
        "ended": session.ended_at is not None,
        "agent": (agent.first_name or agent.get_username()) if agent else None,
        "offer_leave_message": offer,
        "no_answer_in": None if offer else wait,
        "agent_read_upto": session.agent_read_upto,
        "email": session.email,
        "name": session.name,
    }


def start_session(
    widget: ChatWidget,
    *,
    name: str,
    email: str = "",
    phone: str = "",
    order_ref: str = "",
    category: Any = None,
    language: str = "id",
    previous_token: str = "",
    customer: identity.SignedCustomer | None = None,
    mode: str = ChatSession.Mode.LIVE,
) -> ChatSession:
    """A new chat. The browser keeps its visitor id across chats, unless a different customer logged in."""
    previous = identity.session_for_token(previous_token, widget) if previous_token else None
    customer_ref = customer.identity_address(widget) if customer else ""
    same_person = previous is not None and previous.customer_ref == customer_ref
    return ChatSession.objects.create(
        widget=widget,
        visitor_id=previous.visitor_id if same_person and previous else identity.new_visitor_id(),
        name=(customer.name if customer and customer.name else name)[:200],
        email=(customer.email if customer and customer.email else email)[:320],
        phone=phone[:32],
        order_ref=order_ref.strip()[:64],
        category=category,
        customer_ref=customer_ref,
        language=language,
        mode=mode,
    )


def post_message(
    session: ChatSession, *, client_id: object, text: str, attachments: Sequence[InboundAttachment] = ()
) -> Message:
    """Store the visitor's message on the chat's ticket (opening it with the first message).

    Idempotent on client_id: a widget resending after a reconnect gets the stored message back.
    """
    return store_message(session, client_id=client_id, text=text, attachments=attachments).message


def store_message(
    session: ChatSession, *, client_id: object, text: str, attachments: Sequence[InboundAttachment] = ()
) -> actions.Received:
    """``post_message``, saying also whether the message was new (``duplicate``: a resend)."""
    cid = adapter.clean_client_id(client_id)
    original = session
    with transaction.atomic():
        session = (
            ChatSession.objects.select_for_update(of=("self",))
            .select_related("widget__team", "category")
            .get(pk=session.pk)
        )
        if session.ended_at is not None:
            raise BadInput(_("This chat has ended. Start a new chat to write again."))
        received = actions.receive_message(
            adapter.visitor_message(
                session,
                client_id=cid,
                text=text,
                attachments=attachments,
                category_slug=session.category.slug if session.category else "",
                team_slug=session.widget.team.slug,
            )
        )
        fields = []
        now = timezone.now()
        if now - session.last_seen_at > TOUCH_EVERY:  # as a ping: the abandoned-chat sweep counts minutes
            session.last_seen_at = now
            fields.append("last_seen_at")
        if received.ticket.pk != session.ticket_id and not received.duplicate:
            session.ticket = received.ticket  # the first message, or a follow-up of a closed chat
            fields.append("ticket")
        if fields:
            session.save(update_fields=fields)
    original.ticket_id = session.ticket_id
    if received.created_ticket and session.mode == ChatSession.Mode.LIVE:
        assignment.route_chat(session.pk)
    return received


def mark_seen(session: ChatSession, *, upto: int, read: bool) -> int:
    """The widget showed agent messages up to ``upto`` (and the visitor had it open, if ``read``)."""
    ticket_id = conversation_ticket_id(session)
    if ticket_id is None:
        return 0
    earlier = [DeliveryStatus.QUEUED, DeliveryStatus.SENT] + ([DeliveryStatus.DELIVERED] if read else [])
    pending = Message.objects.filter(
        ticket_id=ticket_id,
        channel=Channel.CHAT,
        direction=Direction.OUTBOUND,
        pk__lte=upto,
        created_at__gte=session.created_at,
        delivery_status__in=earlier,
    ).order_by("pk")[:HISTORY_LIMIT]
    changed = 0
    for message in pending:
        actions.record_delivery(message, status=DeliveryStatus.READ if read else DeliveryStatus.DELIVERED)
        changed += 1
    if read and upto > session.visitor_read_upto:
        ChatSession.objects.filter(pk=session.pk, visitor_read_upto__lt=upto).update(visitor_read_upto=upto)
    return changed


def switch_to_email(session: ChatSession, *, email: str) -> None:
    """Nobody answered in time: the visitor leaves a message and is answered by email."""
    try:
        address = identities.normalise_email(email or session.email)
    except ValidationError as error:
        raise BadInput(error.messages[0]) from None
    ChatSession.objects.filter(pk=session.pk).update(mode=ChatSession.Mode.OFFLINE, email=address)
    session.mode, session.email = ChatSession.Mode.OFFLINE, address


def end(session: ChatSession) -> None:
    if session.ended_at is None:
        session.ended_at = timezone.now()
        ChatSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(ended_at=session.ended_at)


def touch(session: ChatSession) -> None:
    now = timezone.now()
    if now - session.last_seen_at > TOUCH_EVERY:
        session.last_seen_at = now
        ChatSession.objects.filter(pk=session.pk).update(last_seen_at=now)


def handle(session: ChatSession, frame: dict[str, Any], *, ticket_id: int | None = None) -> Outcome:
    """Do what one frame from the widget asks. Raises BadInput with a sentence for the visitor.

    ``ticket_id``: the chat's conversation ticket if the transport already knows it (saves a lookup).
    """
    kind = frame.get("type")
    if ticket_id is None:
        ticket_id = conversation_ticket_id(session)
    if kind == "message" or kind == "leave_message":
        limits.check(session.pk)
        if kind == "leave_message":
            switch_to_email(session, email=str(frame.get("email") or ""))
        had_ticket = session.ticket_id is not None
        received = store_message(session, client_id=frame.get("client_id"), text=str(frame.get("text") or ""))
        message = received.message
        # The stored message goes straight back (no re-read); only a new ticket or the switch to email
        # changes the chat's state, and only then does the transport send the state again.
        outcome = Outcome(
            replies=[
                {"type": "ack", "client_id": frame.get("client_id"), "id": message.pk},
                {"type": "message", "message": serialize(message, session, with_files=False)},
            ],
            sync=not had_ticket or kind == "leave_message",
            own_message=message.pk,
            own_message_new=not received.duplicate,
        )
        if not had_ticket or kind == "leave_message":
            outcome.session_events.append({"type": "chat.changed"})
        return outcome
    if kind == "typing":
        event = {"type": "ticket.typing", "ticket": ticket_id, "who": "visitor", "on": bool(frame.get("on"))}
        return Outcome(ticket_events=[event] if ticket_id else [])
    if kind == "seen":
        upto = _whole_number(frame.get("upto"))
        changed = mark_seen(session, upto=upto, read=bool(frame.get("read")))
        events = [live.ticket_event(ticket_id, "delivery")] if changed and ticket_id else []
        return Outcome(ticket_events=events)
    if kind == "end":
        end(session)
        team_id = session.widget.team_id
        transaction.on_commit(lambda: assignment.route_waiting([team_id]))
        outcome = Outcome(replies=[{"type": "state", "state": state(session)}])
        outcome.session_events.append({"type": "chat.changed"})
        if ticket_id:
            outcome.ticket_events.append(live.ticket_event(ticket_id, "chat_ended"))
        return outcome
    if kind in ("ping", "poll"):
        touch(session)
        return Outcome(replies=[{"type": "pong"}] if kind == "ping" else [], sync=True)
    raise BadInput(_("Unknown request."))


def _whole_number(value: object) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise BadInput(_("Expected a message id.")) from None
    return max(0, number)
