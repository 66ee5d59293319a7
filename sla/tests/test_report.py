"""The supervisors' SLA compliance report: page with inline SVG charts, CSV export, access."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from sla.charts import compliance_chart, times_chart
from sla.reports import compliance, percentile
from sla.tests.helpers import frozen, ticket_at, wib
from tests.factories import PASSWORD
from tickets import actions

pytestmark = pytest.mark.django_db

PERIOD = {"start": "2025-11-17", "end": "2025-11-23"}


@pytest.fixture
def week(personas):
    """Monday 17 November 2025: three email tickets for the buyers' team answered after 30 min, 1 h and
    3 h (the last one late: the target is 2 h), and one chat answered after 5 minutes."""
    answered = []
    for n, minutes in enumerate((30, 60, 180)):
        ticket = ticket_at(
            wib(2025, 11, 17, 9, 0), channel="email", sender=f"b{n}@example.test", team_slug="buyers"
        )
        with frozen(wib(2025, 11, 17, 9, 0).replace(hour=9 + minutes // 60, minute=minutes % 60)):
            actions.reply(ticket, by=personas.agent, text="Halo")
        answered.append(ticket)
    chat = ticket_at(wib(2025, 11, 17, 9, 0), channel="chat", kind="chat", sender="visitor-9")
    with frozen(wib(2025, 11, 17, 9, 5)):
        actions.reply(chat, by=personas.agent, text="Halo")
    return answered, chat


def test_compliance_per_team_and_channel_with_median_and_p90(week):
    report = compliance(*(_date(v) for v in PERIOD.values()), now=wib(2025, 11, 24, 0, 0))
    first = report.total.counts["first_response"]
    assert (first.finished, first.met) == (4, 3)
    assert report.total.resolution_met_percent is None  # nobody had a resolution target
    email = next(g for g in report.groups["channel"] if g.label == "Email")
    assert email.first_response_met_percent == pytest.approx(200 / 3)
    assert email.first_response_median == 3600
    assert email.first_response_p90 == 3 * 3600
    team = {g.label: g for g in report.groups["team"]}
    assert team["Tim Pembeli"].finished == 3 and team["No team"].counts["first_response"].met == 1


def test_met_percent_is_reported_per_kind_of_target(personas, week):
    refund = ticket_at(
        wib(2025, 11, 17, 9, 0), channel="email", sender="r@example.test", category_slug="refund"
    )
    with frozen(wib(2025, 11, 17, 9, 10)):
        actions.reply(refund, by=personas.agent, text="Kami proses", status="resolved")
    report = compliance(*(_date(v) for v in PERIOD.values()), now=wib(2025, 11, 24, 0, 0))
    assert report.total.first_response_met_percent == pytest.approx(80.0)  # 4 of 5 in time
    assert report.total.resolution_met_percent == 100.0  # the refund, in 10 minutes
    refunds = next(g for g in report.groups["category"] if g.label == "Refund")
    assert (refunds.first_response_met_percent, refunds.resolution_met_percent) == (100.0, 100.0)
    assert refunds.resolution == [600]


def test_charts_scale_bars_to_round_ticks_and_say_when_there_is_no_data(week):
    report = compliance(*(_date(v) for v in PERIOD.values()), now=wib(2025, 11, 24, 0, 0))
    channels = report.groups["channel"]
    met = compliance_chart("Met", channels)
    widths = {row.label: row.bars[0].width for row in met.rows}
    assert widths["Live chat"] == met.plot_width and widths["Email"] == pytest.approx(met.plot_width * 2 / 3)
    assert [label for _x, label in met.ticks] == ["0%", "25%", "50%", "75%", "100%"]
    times = times_chart("First response", channels, "first_response")
    assert [label for _x, label in times.ticks] == ["0.0 h", "1.0 h", "2.0 h", "3.0 h", "4.0 h"]
    assert times_chart("Resolution", channels, "resolution").rows == []


def test_percentiles_are_values_that_occurred():
    assert percentile([5, 1, 3, 2, 4, 6, 7, 8, 9, 10], 90) == 9
    assert percentile([7], 90) == 7
    assert percentile([], 90) is None


def test_supervisors_see_the_report_with_inline_svg_charts(client, personas, week):
    client.login(username=personas.supervisor.username, password=PASSWORD)
    response = client.get(reverse("sla:report"), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") == 9  # three charts per team, channel and category
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "75%" in html and "Tim Pembeli" in html


def test_the_csv_export_has_the_same_numbers(client, personas, week):
    client.login(username=personas.supervisor.username, password=PASSWORD)
    response = client.get(reverse("sla:report-csv"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sla-20251117-20251123.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    total = rows[1]
    assert total[2:5] == ["4", "3", "75.0"]
    email = next(row for row in rows if row[1] == "Email")
    assert rows[0][2:5] == [
        "First response: finished",
        "First response: met on time",
        "First response: met %",
    ]
    assert email[11:13] == ["1.0", "3.0"]


def test_agents_are_refused_and_visitors_are_sent_to_log_in(client, personas):
    assert client.get(reverse("sla:report")).status_code == 302
    client.login(username=personas.agent.username, password=PASSWORD)
    assert client.get(reverse("sla:report")).status_code == 403
    assert client.get(reverse("sla:report-csv")).status_code == 403


def test_a_backwards_period_gets_a_clear_error(client, personas):
    client.login(username=personas.supervisor.username, password=PASSWORD)
    response = client.get(reverse("sla:report"), {"start": "2025-11-23", "end": "2025-11-17"})
    assert response.status_code == 400
    assert "must end on or after" in response.content.decode()
    csv_response = client.get(reverse("sla:report-csv"), {"start": "2025-11-23", "end": "x"})
    assert csv_response.status_code == 400 and b"valid date" in csv_response.content


def _date(value):
    import datetime as dt

    return dt.date.fromisoformat(value)
