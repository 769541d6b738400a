"""Start the SolaraViz dashboard as a local web server that works without an internet connection.

``solara run`` normally has its server fetch the page's JavaScript (the Vue/Vuetify application,
require.js, the grid layout, fonts) from a CDN (jsdelivr) on first use and cache it under
``<prefix>/share/solara/cdn``. Offline that fetch fails and the page stays on "Loading app".

The ``solara-assets`` package ships exactly those files into that folder. We make the server use
them, and only them:

* ``SOLARA_ASSETS_PROXY=True``: the browser asks *our* server (``/_solara/cdn/...``), never the CDN;
* ``SOLARA_ASSETS_PROXY_CACHE_DIR``: the folder ``solara-assets`` installed (found from its
  installed-file record, so it is right in a venv, a user install or a system install);
* ``SOLARA_ASSETS_CDN`` points at a closed local port, so a file missing from the bundle fails at
  once (a visible 404/500 and a console error the browser test catches) instead of the page
  silently depending on the internet when there happens to be one;
* ``SOLARA_TELEMETRY_MIXPANEL_ENABLE=False`` and ``--production``: no calls home, no check iframe
  to solara.dev.

The scenario chosen on the command line reaches the app through the ``SPIRAL_SCENARIO``
environment variable (empty: the bundled historical scenario); a calibration folder given with
``--posterior`` through ``SPIRAL_POSTERIOR`` (its worlds are offered as "WORLD (posterior)").
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

#: The module solara runs by default: the dashboard.
DEFAULT_APP = "sim.faces.dashboard.app"
#: Environment variable that carries the scenario name or path to the app.
SCENARIO_ENV = "SPIRAL_SCENARIO"
#: Environment variable that carries a calibration folder (``--posterior``) to the app (empty: none).
POSTERIOR_ENV = "SPIRAL_POSTERIOR"
#: A closed local port standing in for the CDN: a missing asset fails fast instead of going online.
DEAD_CDN = "http://127.0.0.1:9/npm/"
#: The bundle solara asks for with ipyvuetify/ipyvue < 3 (solara 1.58-1.64); used to check the bundle.
VUETIFY_APP_BUNDLE = "@widgetti/solara-vuetify-app@10.1.1"


class DashboardError(RuntimeError):
    """The dashboard could not be started; the message is one line saying why."""


def assets_dir() -> Path:
    """The folder where ``solara-assets`` installed Solara's front-end files."""
    try:
        dist = importlib.metadata.distribution("solara-assets")
    except importlib.metadata.PackageNotFoundError:
        raise DashboardError(
            "the Python package 'solara-assets' is not installed; the dashboard needs it to work offline"
        ) from None
    for entry in dist.files or ():
        parts = entry.parts
        if "cdn" in parts and parts[parts.index("cdn") - 1] == "solara":
            cdn = Path(dist.locate_file(Path(*parts[: parts.index("cdn") + 1]))).resolve()
            if (cdn / VUETIFY_APP_BUNDLE).is_dir():
                return cdn
            raise DashboardError(
                f"solara-assets {dist.version} has no {VUETIFY_APP_BUNDLE} in {cdn}; "
                "install the version that matches solara (see docs/dashboard.md)"
            )
    raise DashboardError(f"solara-assets {dist.version} lists no share/solara/cdn files; reinstall it")


def offline_environment(scenario: str | None = None, base: Mapping[str, str] | None = None,
                        posterior: str | None = None) -> dict[str, str]:
    """The environment for a ``solara run`` that serves every asset from the local bundle."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "SOLARA_ASSETS_PROXY": "True",
            "SOLARA_ASSETS_PROXY_CACHE_DIR": str(assets_dir()),
            "SOLARA_ASSETS_CDN": DEAD_CDN,
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
            SCENARIO_ENV: scenario or "",
            POSTERIOR_ENV: posterior or "",
        }
    )
    # solara warns on every page load over plain http on 127.0.0.1 (its cookie falls back to lax)
    quiet = "ignore::UserWarning:solara.server.starlette"
    env["PYTHONWARNINGS"] = ",".join(w for w in (env.get("PYTHONWARNINGS", ""), quiet) if w)
    # the server imports the app by module name: make this checkout's `sim` importable even uninstalled
    root = str(Path(__file__).resolve().parents[3])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _port_taken(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through an http_proxy


def _answers(url: str) -> bool:
    try:
        with _LOCAL.open(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _reason(path: Path) -> str:
    """The most telling line of a server log: the last exception line, else the last line."""
    try:
        lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    errors = [ln for ln in lines if re.match(r"^[\w.]*(Error|Exception)\b.*:", ln)]
    return (errors or lines or [""])[-1]


def _load_prctl():
    """libc's prctl, looked up once in the parent (nothing is imported between fork and exec)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover (runs in the child between fork and exec)
    """Linux: the server gets SIGTERM when the thread that started it dies, even by SIGKILL."""
    _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


def serve(
    app_path: str | os.PathLike = DEFAULT_APP,
    host: str = "127.0.0.1",
    port: int | None = None,
    *,
    scenario: str | None = None,
    log_path: str | os.PathLike | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
    posterior: str | None = None,
) -> tuple[subprocess.Popen, str]:
    """Start ``solara run APP`` on ``host:port`` (a free port if none) and wait until it answers.

    Returns the server process and its address. Output goes to ``log_path`` (a temporary file if
    not given; ``process.log_path`` says where). Stop it with :func:`stop`. Raises
    :class:`DashboardError` with a one-line reason if it does not come up within ``timeout`` s.
    """
    if port is not None and not 0 < int(port) < 65536:
        raise DashboardError(f"port {port} is not a TCP port (1-65535)")
    if port is not None and _port_taken(host, port):
        raise DashboardError(f"port {port} on {host} is already in use; choose another with --port or omit it")
    chosen = port if port is not None else free_port(host)
    if log_path is None:
        fd, name = tempfile.mkstemp(prefix="spiral-dashboard-", suffix=".log")
        os.close(fd)
        log_path = name
    log_path = Path(log_path)
    full_env = offline_environment(scenario, env, posterior)
    command = [
        sys.executable, "-m", "solara", "run", str(app_path),
        "--host", host, "--port", str(chosen), "--production", "--no-open",
    ]
    url = f"http://{host}:{chosen}/"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command, env=full_env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
            # only a C call between fork and exec (no import, no lock): safe enough with threads around
            preexec_fn=_die_with_parent if _PRCTL is not None else None,  # noqa: PLW1509
        )
    process.log_path = log_path  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DashboardError(
                f"the dashboard server exited with code {process.returncode} before answering: "
                f"{_reason(log_path) or 'no output'} (log: {log_path})"
            )
        if _answers(url):
            return process, url
        time.sleep(0.25)
    stop(process)
    raise DashboardError(f"the dashboard server did not answer at {url} within {timeout:.0f} s (log: {log_path})")


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a server started by :func:`serve` (and only its own process group)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, 15)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 9)
        process.wait(grace)


def run_dashboard(scenario: str | None = None, port: int | None = None, host: str = "127.0.0.1",
                  posterior: str | None = None) -> int:
    """``spiral dashboard [SCENARIO] [--port N] [--posterior CALIB_DIR]``: serve the dashboard until Ctrl-C;
    returns the exit code (0 stopped by Ctrl-C/SIGTERM, 1 the server failed, 2 a bad port or calibration).

    ``scenario`` is a scenario name (``historical``, a file stem in ``scenarios/counterfactuals/``)
    or a path to a scenario YAML; ``None`` means the bundled historical scenario. A scenario that
    cannot be loaded does not stop the server: the page shows the error and lets one pick another.
    """
    if port is not None and not 0 < int(port) < 65536:
        print(f"error: port {port} is not a TCP port (1-65535)", file=sys.stderr)
        return 2
    if port is not None and _port_taken(host, port):
        print(f"error: port {port} on {host} is already in use; choose another with --port or omit it",
              file=sys.stderr)
        return 2
    if posterior:  # a calibration folder: checked here, handed to the app as an absolute path
        from sim.errors import SpiralError
        from sim.runs.calibrate.posterior import check_calibration

        try:
            posterior = str(check_calibration(posterior).resolve())
        except SpiralError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if scenario:
        from sim.faces.dashboard.choices import InputProblem, scenario_path

        try:
            found = scenario_path(scenario)
            if Path(scenario).expanduser().is_file():  # a path: absolute, whatever the server's directory
                scenario = str(found.resolve())
        except InputProblem as exc:
            print(f"warning: {exc}; the page shows the historical scenario and says so", file=sys.stderr)
    try:
        process, url = serve(DEFAULT_APP, host=host, port=port, scenario=scenario, posterior=posterior)
    except DashboardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Dashboard running at {url}  (Ctrl-C to stop; server log: {process.log_path})", flush=True)

    def _terminate(signum, frame):  # SIGTERM / SIGHUP: stop the server too, as Ctrl-C does
        raise KeyboardInterrupt

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGHUP)} if in_main_thread else {}
    try:
        while process.poll() is None:
            time.sleep(0.5)
        print(f"error: the dashboard server stopped by itself (code {process.returncode}): "
              f"{_reason(process.log_path) or 'no output'}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopping the dashboard", file=sys.stderr)
        return 0
    finally:
        stop(process)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":  # python -m sim.faces.dashboard.server [SCENARIO] [PORT]
    sys.exit(run_dashboard(sys.argv[1] if len(sys.argv) > 1 else None,
                           int(sys.argv[2]) if len(sys.argv) > 2 else None))
