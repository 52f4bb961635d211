"""Container health check: ``python -m motionbot.ops.healthcheck`` exits 0 when healthy.

Slim images have no curl, so compose and the Dockerfiles run this instead: it asks this
container's own ``/healthz`` (port MOTIONBOT_METRICS_PORT) and exits 1 on anything but 200.
Standard library only, so it starts in milliseconds.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    port = int(os.environ.get("MOTIONBOT_METRICS_PORT", "9100") or 0)
    if port == 0:
        print("health endpoint turned off (MOTIONBOT_METRICS_PORT=0): assuming healthy")
        return 0
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            print(resp.read().decode(errors="replace"))
            return 0 if resp.status == 200 else 1
    except urllib.error.HTTPError as exc:
        body = exc.read().decode(errors="replace")
        try:
            status = str(json.loads(body).get("status", "unhealthy"))
        except (ValueError, AttributeError):
            status = "unhealthy"
        # a GPU worker loading or warming up is not broken, only not ready yet
        print(f"{status}: HTTP {exc.code} {body}")
    except OSError as exc:
        print(f"unhealthy: {url}: {exc}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
