import pytest


@pytest.fixture
def broker_at():
    """Point the Celery app at another broker for one test."""
    from supportdesk.celery import app

    previous = app.conf.broker_url

    def use(url: str) -> None:
        app.conf.broker_url = url

    yield use
    app.conf.broker_url = previous


@pytest.mark.django_db
def test_healthz_is_200_when_the_database_and_the_broker_answer(client, broker_at):
    broker_at("memory://")  # kombu's in-process broker: it always answers, whatever runs on this machine
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, broker_at):
    broker_at("redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = client.get("/healthz/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["database"] == "ok"
    assert body["broker"].startswith("error")
