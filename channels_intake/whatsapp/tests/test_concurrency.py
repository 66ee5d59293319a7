"""Concurrent deliveries on PostgreSQL: duplicates, a new customer's burst, the sweep racing the task.

Each thread runs the real processing with its own database connection. SQLite serialises every write,
so these races only exist (and are only tested) on PostgreSQL.
"""

import json
import threading
import time

import pytest
from django.db import connection

from channels_intake.models import InboundEvent
from channels_intake.processing import run
from channels_intake.tests.support import fixture, fixture_bytes, whatsapp_number
from tickets.models import Contact, Message, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and races need PostgreSQL"),
]


def in_threads(*functions):
    barrier = threading.Barrier(len(functions))
    errors = []

    def runner(function):
        try:
            barrier.wait(timeout=10)
            function()
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors


def event(body):
    return InboundEvent.objects.create(channel="whatsapp", account="cs-jakarta", source="webhook", body=body)


def text_body(text, wamid):
    payload = fixture("whatsapp", "text")
    payload["entry"][0]["changes"][0]["value"]["messages"][0].update({"id": wamid, "text": {"body": text}})
    return json.dumps(payload).encode()


@pytest.fixture
def number():
    return whatsapp_number()


def test_the_same_message_delivered_four_times_at_once_is_stored_once(number):
    events = [event(fixture_bytes("whatsapp", "text")) for _ in range(4)]
    in_threads(*[lambda e=e: run(e.pk) for e in events])
    assert Message.objects.count() == 1
    assert set(InboundEvent.objects.values_list("state", flat=True)) == {InboundEvent.State.PROCESSED}


def test_two_messages_from_a_new_customer_at_the_same_moment_land_in_one_ticket(number):
    first, second = event(text_body("halo", "wamid.R1")), event(text_body("pesanan saya", "wamid.R2"))
    in_threads(lambda: run(first.pk), lambda: run(second.pk))
    assert Message.objects.count() == 2
    assert Ticket.objects.count() == 1
    assert Contact.objects.count() == 1


def test_two_messages_200_ms_apart_from_a_new_customer_land_in_one_ticket(number):
    first, second = event(text_body("halo", "wamid.S1")), event(text_body("pesanan saya", "wamid.S2"))

    def later():
        time.sleep(0.2)
        run(second.pk)

    in_threads(lambda: run(first.pk), later)
    assert Ticket.objects.count() == 1 and Message.objects.count() == 2


def test_the_sweep_and_the_task_racing_for_one_event_process_it_once(number):
    pending = event(fixture_bytes("whatsapp", "text"))
    in_threads(lambda: run(pending.pk), lambda: run(pending.pk))
    pending.refresh_from_db()
    assert pending.state == InboundEvent.State.PROCESSED
    assert Message.objects.count() == 1
