"""Demo data for a first look: teams, agents, a supervisor, an admin, customers and their tickets.

Idempotent: running it again changes nothing (users are matched by name, messages by their ids).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sla.clocks import recompute
from sla.sweeper import sweep_until_done
from tickets import actions
from tickets.access import SUPERVISORS_GROUP
from tickets.inbound import InboundMessage, SenderIdentity
from tickets.models import AgentProfile, CannedReply, Message, Role, Status, Team, Ticket, TicketEvent

DEMO_PASSWORD = "supportdesk"
# The ticket's own timestamps a backdated demo ticket moves with its history (NULL stays NULL).
TICKET_TIMES = (
    "first_response_at",
    "last_customer_message_at",
    "last_agent_message_at",
    "resolved_at",
    "closed_at",
)

TEAMS = [("Tim Pembeli", "buyers"), ("Tim Penjual", "sellers"), ("Tim Mediasi", "mediation")]

USERS = [
    # username, first name, role, teams, is_staff, is_superuser
    ("agent", "Ayu", Role.AGENT, ["buyers"], False, False),
    ("agent2", "Bima", Role.AGENT, ["buyers", "sellers"], False, False),
    ("supervisor", "Sari", Role.SUPERVISOR, ["buyers", "sellers", "mediation"], True, False),
    ("manager", "Rudi", Role.MANAGER, ["buyers", "sellers", "mediation"], True, False),
    ("admin", "Admin", Role.HEAD, ["buyers", "sellers", "mediation"], True, True),
]

CANNED = [
    (
        "Salam pembuka",
        "id",
        "Halo {{ name }}, terima kasih telah menghubungi kami. Tiket Anda {{ ticket }} sedang kami proses.",
    ),
    (
        "Pesanan tertunda 15 menit",
        "id",
        "Halo {{ name }}, pesanan {{ order }} sudah kami terima pembayarannya. Mohon tunggu hingga 15 menit; "
        "jika masih tertunda, kami akan memeriksanya langsung.",
    ),
    (
        "Gangguan operator",
        "id",
        "Halo {{ name }}, saat ini ada gangguan dari operator. Proses dapat memakan waktu hingga 1x24 jam. "
        "Jika pesanan gagal, dana akan dikembalikan sebagai saldo.",
    ),
    (
        "Jangan bagikan OTP",
        "id",
        "Demi keamanan, kami tidak pernah meminta password, PIN, atau kode OTP Anda. Jangan bagikan kepada siapa pun.",
    ),
    (
        "Greeting",
        "en",
        "Hello {{ name }}, thank you for contacting us. Your ticket {{ ticket }} is being handled.",
    ),
    (
        "Order pending 15 minutes",
        "en",
        "Hello {{ name }}, we received the payment for order {{ order }}. Please wait up to 15 minutes; "
        "if it is still pending we will check it ourselves.",
    ),
]

# channel, identity kind, address, name, category, role, order, subject, text, minutes ago
TICKETS = [
    (
        "email",
        "email",
        "budi.santoso@example.com",
        "Budi Santoso",
        "not-received",
        "buyer",
        "INV/20261118/MPL/3612345678",
        "Paket belum sampai",
        "Halo, paket saya sudah 5 hari belum sampai. Mohon dibantu.",
        600,
    ),
    (
        "web",
        "email",
        "rina@example.com",
        "Rina Wulandari",
        "order-pending",
        "buyer",
        "TOPUP-889120",
        "Top up pulsa masih pending",
        "Saya sudah bayar 50.000 via QRIS tapi status masih pending sejak tadi.",
        25,
    ),
    (
        "whatsapp",
        "phone",
        "6281234567890",
        "Andi",
        "refund",
        "buyer",
        "ORD-2026-7781",
        "",
        "Kak, saya mau refund, barangnya rusak",
        50,
    ),
    (
        "instagram",
        "instagram",
        "1789000111222333",
        "dewi.shop",
        "product-question",
        "buyer",
        "",
        "",
        "Kak, sepatu ukuran 39 ready?",
        8,
    ),
    (
        "email",
        "email",
        "toko.maju@example.com",
        "Toko Maju Jaya",
        "payment",
        "seller",
        "",
        "Dana penjualan belum cair",
        "Dana penjualan minggu lalu belum masuk ke rekening kami.",
        1500,
    ),
    (
        "web",
        "email",
        "korban@example.com",
        "Siti Aminah",
        "card-fraud",
        "buyer",
        "",
        "Transaksi tidak dikenal di kartu saya",
        "Ada transaksi yang tidak saya lakukan. Nomor kartu saya 4111 1111 1111 1111.",
        15,
    ),
    (
        "messenger",
        "messenger",
        "5550001112223334",
        "Joko Widodo",
        "shipping",
        "buyer",
        "ORD-2026-5521",
        "",
        "Kurirnya kok belum update resi ya?",
        200,
    ),
    (
        "email",
        "email",
        "lina@example.com",
        "Lina",
        "dispute",
        "buyer",
        "INV/20261110/MPL/1188776655",
        "Barang tidak sesuai, penjual tidak merespons",
        "Barang yang datang berbeda warna dan penjual tidak membalas chat saya sejak 3 hari.",
        4400,
    ),
    (
        "chat",
        "chat",
        "visitor-7f3a",
        "Pengunjung",
        "account",
        "buyer",
        "",
        "",
        "Saya tidak bisa login, katanya OTP salah terus",
        3,
    ),
    (
        "x",
        "x",
        "1234567890123",
        "@fajar_id",
        "feedback",
        "buyer",
        "",
        "",
        "Aplikasinya makin cepat, mantap!",
        3000,
    ),
]


class Command(BaseCommand):
    help = "Load demo teams, users, canned replies and tickets (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            teams = {
                slug: Team.objects.get_or_create(slug=slug, defaults={"name": name})[0]
                for name, slug in TEAMS
            }
            # Staff who are not superusers get the admin through the Supervisors group (migration 0003).
            supervisors = Group.objects.get_or_create(name=SUPERVISORS_GROUP)[0]
            users = {}
            for username, first_name, role, team_slugs, is_staff, is_superuser in USERS:
                user, created = User.objects.get_or_create(
                    username=username,
                    defaults={
                        "first_name": first_name,
                        "email": f"{username}@supportdesk.localhost",
                        "is_staff": is_staff,
                        "is_superuser": is_superuser,
                    },
                )
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["password"])
                profile, _ = AgentProfile.objects.get_or_create(user=user, defaults={"role": role})
                profile.teams.add(*[teams[slug] for slug in team_slugs])
                if is_staff and not is_superuser:
                    user.groups.add(supervisors)
                users[username] = user
            for title, language, body in CANNED:
                CannedReply.objects.get_or_create(title=title, language=language, defaults={"body": body})
        self._tickets(users, teams)
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in at /accounts/login/ with:"))
        for username, _first, role, *_ in USERS:
            self.stdout.write(f"  {username:<11} / {DEMO_PASSWORD}   ({Role(role).label})")
        self.stdout.write("The customer contact form is at /contact/; the admin at /admin/.")

    def _tickets(self, users: dict[str, User], teams: dict[str, Team]) -> None:
        now = timezone.now()
        for index, row in enumerate(TICKETS):
            channel, kind, address, name, category, role, order, subject, text, minutes = row
            received = actions.receive_message(
                InboundMessage(
                    channel=channel,
                    external_id=f"demo-{index}@supportdesk.localhost",
                    sender=SenderIdentity(kind=kind, address=address, name=name),
                    subject=subject,
                    text=text,
                    category_slug=category,
                    requester_role=role,
                    order_ref=order,
                    team_slug="sellers"
                    if role == "seller"
                    else ("mediation" if category == "dispute" else "buyers"),
                    sent_at=now - dt.timedelta(minutes=minutes),
                    acknowledge=False,  # no mail to demo customers; their messages still count for SLA
                )
            )
            if received.duplicate:
                continue
            ticket = received.ticket
            if index == 0:
                actions.assign(ticket, agent=users["agent"], by=users["supervisor"])
                actions.reply(ticket, by=users["agent"], text="Halo Kak Budi, kami cek ke kurir dulu ya.")
                actions.change_status(ticket, status=Status.ON_HOLD, by=users["agent"], hold_reason="courier")
            elif index == 4:
                actions.assign(ticket, agent=users["agent2"], by=users["agent2"])
                actions.add_note(
                    ticket, by=users["agent2"], text="Cek ke tim finance, batch pencairan Senin."
                )
            elif index == 9:
                actions.reply(ticket, by=users["agent2"], text="Terima kasih masukannya!")
                actions.change_status(ticket, status=Status.RESOLVED, by=users["agent2"])
            _backdate(ticket, dt.timedelta(minutes=minutes))
        # What the SLA clock process does every minute, at once: the old demo tickets show as overdue
        # and their breaches reach the supervisors' escalation queue.
        sweep_until_done()


def _backdate(ticket: Ticket, age: dt.timedelta) -> None:
    """Move a new demo ticket's whole history ``age`` into the past, then let its SLA clocks follow.

    The demo's customers wrote minutes to days ago, but the actions record "now": this shifts every
    timestamp of the ticket, its messages and its timeline by the same amount (their order stays), and
    recomputes the clocks from that history as after any change. Demo data only.
    """
    back = {name: F(name) - age for name in ("created_at", "updated_at", *TICKET_TIMES)}
    with transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(**back)
        Message.objects.filter(ticket=ticket).update(created_at=F("created_at") - age)
        TicketEvent.objects.filter(ticket=ticket).update(created_at=F("created_at") - age)
        recompute(Ticket.objects.select_for_update().get(pk=ticket.pk), reason="demo_backdated")
