# The image for the full stack (docker-compose.yml): web (gunicorn), realtime (Daphne, ASGI), Celery workers
# and one beat. Its default command serves everything from one Daphne process (docker-compose.yml splits it).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SUPPORTDESK_VAR_DIR=/var/lib/supportdesk
WORKDIR /app
COPY pyproject.toml README.md ./
COPY supportdesk ./supportdesk
COPY tickets ./tickets
COPY channels_intake ./channels_intake
COPY sla ./sla
COPY escalation ./escalation
RUN pip install --no-cache-dir .
COPY . .
RUN mkdir -p /var/lib/supportdesk \
    && DEBUG=1 python manage.py collectstatic --noinput \
    && useradd --system --home /app supportdesk \
    && chown -R supportdesk /var/lib/supportdesk
USER supportdesk
EXPOSE 8000
CMD ["daphne", "--bind", "0.0.0.0", "--port", "8000", "supportdesk.asgi:application"]
