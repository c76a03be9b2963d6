# One image for every role: migrate (one-shot), api, worker.
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PREFHUB_ENVIRONMENT=production
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY backend/ backend/
COPY migrations/ migrations/
RUN pip install -e '.[s3]'
COPY --from=frontend /src/frontend/dist frontend/dist
RUN useradd --create-home prefhub && mkdir -p /app/exports /app/data && chown prefhub /app/exports /app/data
USER prefhub
EXPOSE 8000
CMD ["prefhub", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-embedded-worker"]
