"""What happens to an alert after it is handed over: the durable outbox and what drives it.

Built on the clients: :mod:`.outbox` (the queue on disk, every step written, synced and renamed),
:mod:`.queued_send` (send now, queue what cannot go yet), :mod:`.usage_state` (the month's count
kept between runs).
"""
