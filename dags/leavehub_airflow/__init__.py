"""LeaveHub's Airflow adapter: the DAG factory and the task callables behind ``dags/leavehub_dags.py``.

It lives inside the dags folder (Airflow puts the bundle folder on ``sys.path`` for the dag-processor and the
workers) and is listed in ``dags/.airflowignore`` so the dag-processor does not parse it as DAG files. It is
the only code of ours that imports Airflow; the engine it calls (``leavehub``) never does. Everything imported
here at parse time is light: the heavy engine (pandas, paramiko, requests, SQLAlchemy, gnupg) is imported
inside the task callables, on the worker, when a task runs.
"""
