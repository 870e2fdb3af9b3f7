FROM python:3.11-slim

WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/newsreader.db HOST=0.0.0.0 PORT=8000

COPY pyproject.toml README.md ./
COPY app ./app
COPY alembic ./alembic
COPY templates ./templates
COPY static ./static
RUN pip install --no-cache-dir -e '.[model]'

VOLUME ["/data"]
EXPOSE 8000
CMD ["sh", "-c", "python -m app migrate && python -m app ingest-default && python -m app serve"]
