"""``gosms relay``: Alertmanager's and Grafana's webhooks in, one SMS per notification group out.

Prometheus shops page through Alertmanager, Grafana users through a webhook contact point; both post
JSON to a URL and retry when the answer is a 5xx.  The relay turns each post into one short text,
writes it into the outbox (:mod:`gosms.delivery.outbox`) before it answers 200, and sends it with the
outbox's own runner, so a post the relay accepted survives a crash of the relay and the GoSMS
outage that follows it.

Modules: :mod:`.compose` (payloads to text, no I/O), :mod:`.routes` (who gets which group),
:mod:`.server` (the service: a post checked and queued, and its runner), :mod:`.web` (its HTTP front end on
aiohttp), :mod:`.refusal` (the answer to a post not taken), :mod:`.command` (the ``gosms relay`` options).
"""
