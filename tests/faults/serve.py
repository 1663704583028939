"""`python -m tests.faults.serve DATABASE_URL SETTINGS_JSON`: the app served by this process on
a free port, as one of several web servers behind a balancer. Prints `listening <url>` once it
accepts connections and serves until its standard input closes."""

import json
import sys

from tests.apps import make_app, served


def main() -> None:
    database_url, settings = sys.argv[1], json.loads(sys.argv[2])
    app = make_app(database_url, **settings)
    app.config["TESTING"] = False  # serve as production does
    with served(app) as url:
        print(f"listening {url}", flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
