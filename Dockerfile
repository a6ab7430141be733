FROM python:3.11-slim
WORKDIR /srv/readout
COPY pyproject.toml README.md ./
COPY app ./app
COPY migrations ./migrations
# Editable: the service finds its migrations beside the app package.
RUN pip install --no-cache-dir -e .
ENV DATABASE_URL=sqlite:////data/readout.db
EXPOSE 8000
CMD ["python", "-m", "app", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
