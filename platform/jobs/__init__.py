"""Background work: the outbox relay, event delivery and plugin jobs.

The outbox row is the durable record of every piece of work (events, plugin jobs, delayed
work such as payment timeouts: a row whose `next_attempt_at` lies ahead). Two runners carry
the same tasks (`galleria.jobs.tasks`):

- embedded (no GALLERIA_REDIS_URL): an asyncio task inside the app's event loop polls the
  outbox and runs due work. A task rather than a thread because the database pool belongs to
  one event loop;
- Redis: the relay sends one dramatiq message per due row; `galleria worker` processes run
  the `deliver_event` actor (retried with backoff), and a periodic sweep re-sends whatever a
  lost message missed.
"""
