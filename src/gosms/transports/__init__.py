"""Transports: each performs one HTTP exchange and nothing else.

A transport takes a :class:`gosms.wire.protocol.Request` and returns a
:class:`gosms.wire.protocol.Response` or a :class:`gosms.wire.flows.Failure`; retries, pacing and
decoding belong to the flows the clients drive, so every transport behaves the same.
:mod:`.stdlib` (urllib: the short-lived commands) and :mod:`.requests_session` (the library's
default); the aiohttp exchange is part of :mod:`gosms.clients.aio`.
"""
