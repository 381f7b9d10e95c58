"""gunicorn settings for imready; each can be overridden from the environment (see README, Running in production).

Each worker is a process with its own database pool and, once a report is printed, its own headless Chromium.
Workers are started after the fork, not preloaded, so that no database connection or browser is shared between
processes.
"""

import multiprocessing
import os

bind = os.environ.get("IMREADY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
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
