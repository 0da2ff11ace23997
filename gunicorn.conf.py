"""gunicorn's settings wherever CLDC runs through it: scripts/run (`make run`) and the
container (Containerfile, compose.yaml) start `gunicorn cldc.platform.wsgi --bind ...` in
the repository root, where gunicorn reads this file. docs/operations.md lists the variables."""

import os

workers = int(os.environ.get("CLDC_WEB_WORKERS", "2"))  # processes: about one a core
threads = int(os.environ.get("CLDC_WEB_THREADS", "4"))  # each: requests waiting on the database overlap
# Idle kept-alive connections stay open longer than a load balancer or a client keeps one
# (an AWS load balancer: 60 s): a shorter keepalive closes one just as it is reused, and the
# client sees "connection reset" (bench/load.py saw 11 in 833 requests at gunicorn's 2 s).
# The threaded worker holds idle connections in a poll set, not in a thread.
keepalive = int(os.environ.get("CLDC_WEB_KEEPALIVE", "75"))
timeout = 120  # a worker silent this long is stuck, and is restarted
graceful_timeout = 20  # on SIGTERM, requests under way get this long to finish
# gunicorn's control socket sits at one path per user, which a second copy would take over.
control_socket_disable = True
# No access log (gunicorn's default): it would print password-reset and invitation links
# whole, past the redaction every handler in settings.LOGGING applies.
accesslog = None
