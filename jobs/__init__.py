"""Background work on one queue (Huey): mail, report batches, scheduled statistics releases and campaign mail.

Requests put work on the queue and return; a worker process (`flask --app app worker`) takes it off. The queue is
kept beside the data: in a SQLite file next to the database for the embedded default, in PostgreSQL tables when
`DATABASE_URL` names PostgreSQL, so whoever can reach the database can reach the queue. This layer sits between
reports and the web: the web enqueues, tasks call storage and reports.
"""
