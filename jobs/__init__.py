"""RQ entry points: `tasks.run` (the one function every queued job calls), the worker class that
gives jobs an app context without sharing database connections across fork, and the schedule
for `rq cron`. The jobs themselves are listed in `jobs/registry.py`."""
