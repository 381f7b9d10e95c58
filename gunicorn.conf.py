"""gunicorn settings for imready; each can be overridden from the environment (see README, Running in production).

Each worker is a process with its own database pool and, once a report is printed, its own headless Chromium.
Workers are started after the fork, not preloaded, so that no database connection or browser is shared between
processes.
"""

import os

import gunicorn.http.wsgi

# A worker holds at most one database connection per thread plus one for a report batch, so the default stays at
# 16 x (4 + 1) = 80, under PostgreSQL's default max_connections of 100 with room for the CLI, backups and psql; the
# pool of each worker (SQLAlchemy's 5 + 10 overflow) covers up to 14 threads.
# The CPUs counted are those this process may run on (a container's cpuset), not every CPU of the host.
MAX_DEFAULT_WORKERS = 16

bind = os.environ.get("IMREADY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(len(os.sched_getaffinity(0)) * 2 + 1, MAX_DEFAULT_WORKERS)))
worker_class = "gthread"
threads = int(os.environ.get("IMREADY_THREADS", 4))
timeout = int(os.environ.get("IMREADY_TIMEOUT", 120))  # a report PDF takes a few seconds; never this long
graceful_timeout = 30
keepalive = 5
# recycle workers now and then, so that a slow leak cannot grow without bound
max_requests = int(os.environ.get("IMREADY_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("IMREADY_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("IMREADY_LOG_LEVEL", "info")

# gunicorn writes its own `Server: gunicorn` header into every response, and has no setting for it: name the app
# instead, so that no response says which server software answers (the app's other headers: web/headers.py).
gunicorn.http.wsgi.SERVER = "imready"
