"""A complete CLDC stack of its own, for the load and fault benchmarks: its own PostgreSQL
and Redis (scripts/services, on free loopback ports, data in a temporary folder, never the
shared ones on 54329/63799), migrate_schemas, `manage.py cldc demo`, collectstatic, then one
gunicorn with N web processes (gunicorn.conf.py, CLDC_WEB_WORKERS) behind one port, M Celery
workers and Celery beat. Everything it started is stopped on `stop()`, on Ctrl-C, SIGTERM
or any error, and checked gone with ps.

    .venv/bin/python bench/stack.py --web 2 --workers 2          # start; Ctrl-C stops
    .venv/bin/python bench/stack.py --var /tmp/cldc-bench --keep # reuse a prepared folder

As a module (bench/load.py, bench/faults.py):

    with Stack(web=2, workers=2) as stack:
        stack.url("core")               # http://core.localhost:PORT
        stack.kill_worker(0); stack.start_worker(0)
        stack.restart_postgres(); stack.stop_redis(); stack.start_redis()
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "scripts" / "services"
BIN = ROOT / ".venv" / "bin"
PASSWORD = "demo-password-2026"  # manage.py cldc demo's, for every demo person


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def log(message):
    print(f"stack {time.strftime('%H:%M:%S')}: {message}", flush=True)


class Stack:
    def __init__(self, web=1, workers=1, threads=4, var=None, keep=False, quiet=True):
        self.web_processes, self.worker_count, self.threads = web, workers, threads
        self.keep = keep  # keep the folder (and its prepared database) for the next run
        self.made_var = var is None
        self.var = Path(var or tempfile.mkdtemp(prefix="cldc-stack-"))
        self.var.mkdir(parents=True, exist_ok=True)
        self.quiet = quiet
        self.db_port, self.redis_port, self.port = free_port(), free_port(), free_port()
        self.env = {
            **os.environ,
            "CLDC_VAR": str(self.var),  # scripts/services: PostgreSQL's and Redis's data
            "CLDC_VAR_DIR": str(self.var),  # the service's files: media/, mail/, demo/
            "CLDC_DB_PORT": str(self.db_port), "CLDC_DB_NAME": "cldc",
            "CLDC_REDIS_PORT": str(self.redis_port),
            "CLDC_REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CLDC_STATIC_ROOT": str(self.var / "static"),
            "CLDC_DEBUG": "0", "CLDC_LOG_LEVEL": "WARNING",
            "CLDC_WEB_WORKERS": str(web), "CLDC_WEB_THREADS": str(threads),
            "CLDC_UPLOAD_PROCESSES": "1",  # one process an upload: the machine is shared
            "CLDC_API_RATE_LIMIT": "100000/minute",  # the load's API clients share one key
        }
        for inherited in ("CLDC_CELERY_BROKER_URL", "CLDC_CELERY_RESULT_BACKEND", "CLDC_CELERY_EAGER",
                          "CLDC_TEST_DB_NAME", "PROMETHEUS_MULTIPROC_DIR"):
            self.env.pop(inherited, None)
        self.web = None  # gunicorn's master (its own process group)
        self.workers = [None] * workers
        self.beat = None
        self.logs = self.var / "logs"
        self.logs.mkdir(exist_ok=True)
        self.sign_ins = ""

    # --- the whole stack -------------------------------------------------------------
    def __enter__(self):
        self.previous = {s: signal.signal(s, self._interrupted) for s in (signal.SIGTERM, signal.SIGHUP)}
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        for s, handler in self.previous.items():
            signal.signal(s, handler)

    @staticmethod
    def _interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    def start(self):
        log(f"data in {self.var}; PostgreSQL on {self.db_port}, Redis on {self.redis_port}, web on {self.port}")
        self.services("up")
        prepared = self.var / "prepared"
        self.manage("migrate_schemas")  # also on a prepared folder: the code may have new migrations
        if not prepared.exists():
            started = time.monotonic()
            self.sign_ins = self.manage("cldc", "demo", capture=True)
            (self.var / "demo-sign-ins.txt").write_text(self.sign_ins)
            self.manage("collectstatic", "--noinput", "--verbosity", "0")
            prepared.write_text("migrated, demo made, static collected\n")
            log(f"prepared in {time.monotonic() - started:.0f} s")
        else:
            self.sign_ins = (self.var / "demo-sign-ins.txt").read_text()
        self.start_processes()

    def start_processes(self):
        self.start_web()
        for index in range(self.worker_count):
            self.start_worker(index)
        self.beat = self.spawn("beat", [BIN / "celery", "-A", "cldc.platform.celery", "beat", "--loglevel=warning",
                                        "--schedule", str(self.var / "celerybeat-schedule")])
        self.wait_until_ready()

    def stop(self):
        log("stopping everything it started")
        # A second Ctrl-C (or timeout(1) signalling the whole group) must not cut this short.
        previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            self.stop_processes()
            self.services("down", check=False)
            self.check_nothing_left()
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        if self.made_var and not self.keep:
            shutil.rmtree(self.var, ignore_errors=True)
        elif self.keep:
            log(f"kept {self.var} (--var {self.var} reuses it)")

    def stop_processes(self):
        groups = [p for p in [self.web, self.beat, *self.workers] if p is not None]
        for process in groups:
            self.signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 25  # Celery's warm shutdown, gunicorn's graceful_timeout
        for process in groups:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            self.signal_group(process, signal.SIGKILL)  # and any straggler of its group
            process.wait()
        self.web, self.beat, self.workers = None, None, [None] * self.worker_count

    def check_nothing_left(self):
        """ps: no process whose command line names this stack's folder or ports."""
        marks = [str(self.var), f":{self.db_port}", f"-p {self.db_port}", f":{self.redis_port}", f":{self.port}"]
        listing = subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout
        parents = {int(line.split()[0]): int(line.split()[1]) for line in listing.splitlines()}
        ours, pid = set(), os.getpid()  # this script and what started it (whose command names the folder)
        while pid > 1:
            ours.add(pid)
            pid = parents.get(pid, 1)
        left = [line.strip() for line in listing.splitlines()
                if any(mark in line for mark in marks) and int(line.split()[0]) not in ours]
        if left:
            log("processes left behind:\n  " + "\n  ".join(left))
            raise RuntimeError("processes left behind")
        log("ps: no process of this stack left")

    # --- parts -----------------------------------------------------------------------
    def services(self, action, *names, check=True):
        result = subprocess.run([SERVICES, action, *names], env=self.env, cwd=ROOT, capture_output=True, text=True)
        if check and result.returncode:
            raise RuntimeError(f"scripts/services {action} {' '.join(names)}: {result.stderr or result.stdout}")
        return result

    def manage(self, *arguments, capture=False):
        log("manage.py " + " ".join(arguments))
        result = subprocess.run([BIN / "python", "manage.py", *arguments], env=self.env, cwd=ROOT,
                                capture_output=True, text=True)
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(arguments)} failed:\n{result.stderr[-3000:]}")
        return result.stdout if capture else None

    def spawn(self, name, command):
        output = open(self.logs / f"{name}.log", "ab")
        # Own process group (session): the group is signalled, reaching gunicorn's and
        # Celery's children too.
        return subprocess.Popen([str(part) for part in command], env=self.env, cwd=ROOT, stdout=output,
                                stderr=subprocess.STDOUT, start_new_session=True)

    @staticmethod
    def signal_group(process, signum):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            pass

    def start_web(self):
        self.web = self.spawn("web", [BIN / "gunicorn", "cldc.platform.wsgi", "--bind", f"127.0.0.1:{self.port}"])

    def start_worker(self, index):
        self.workers[index] = self.spawn(f"worker{index}", [
            BIN / "celery", "-A", "cldc.platform.celery", "worker", "--loglevel=warning", "--concurrency=1",
            "--hostname", f"bench{index}@%h", "--without-gossip", "--without-mingle"])

    def kill_worker(self, index):
        """SIGKILL the whole worker (its main process and its pool process): no warm shutdown."""
        self.signal_group(self.workers[index], signal.SIGKILL)
        self.workers[index].wait()
        self.workers[index] = None

    def restart_postgres(self, down_seconds=0):
        self.services("down", "postgres")
        time.sleep(down_seconds)
        self.services("up", "postgres")

    def stop_redis(self):
        self.services("down", "redis")

    def start_redis(self):
        self.services("up", "redis")

    def wait_until_ready(self, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.logs / 'web.log'}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=5) as response:
                    if response.status == 200:
                        log(f"ready: {self.web_processes} web process(es), {self.worker_count} worker(s), beat")
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("the stack did not become ready")

    # --- for the scripts ---------------------------------------------------------------
    def url(self, service, path=""):
        return f"http://{service}.localhost:{self.port}{path}"

    def people(self):
        """{email: role} from `cldc demo`'s "Demo sign-ins" list."""
        return dict(re.findall(r"^\s+(\S+@\S+)\s+(.+?)\s*$", self.sign_ins, re.M))

    password = PASSWORD

    def python(self, code, timeout=300):
        """Run Python with Django set up on this stack's database; its standard output."""
        result = subprocess.run([str(BIN / "python"), "-c", "import django\ndjango.setup()\n" + code],
                                env={**self.env, "DJANGO_SETTINGS_MODULE": "cldc.platform.settings"}, cwd=ROOT,
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode:
            raise RuntimeError(f"python on the stack failed:\n{result.stderr[-3000:]}")
        return result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--web", type=int, default=2, help="gunicorn web processes (default 2)")
    parser.add_argument("--workers", type=int, default=1, help="Celery workers (default 1)")
    parser.add_argument("--var", help="a folder to keep the data in (reused when prepared)")
    parser.add_argument("--keep", action="store_true", help="keep the folder afterwards")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (default: on Ctrl-C)")
    args = parser.parse_args()
    try:
        with Stack(web=args.web, workers=args.workers, var=args.var, keep=args.keep or bool(args.var)) as stack:
            print(f"\n  CLDC on {stack.url('core')}/ and {stack.url('hclic')}/  (Ctrl-C stops it)\n")
            deadline = time.monotonic() + args.seconds if args.seconds else None
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
