# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)
"""What the gosms.sms modules and the notify callback ask of GoSMS, each one of the core's flows.

The counterpart of the core's ``gosms.Client`` for the collection: the same flows, driven by
:class:`~.transport.Transport` instead of ``requests``, so the collection needs nothing installed
where it runs.
"""

from __future__ import annotations

from ansible_collections.gosms.sms.plugins.module_utils._gosms import flows
from ansible_collections.gosms.sms.plugins.module_utils._gosms.config import resolve_api_url, resolve_token
from ansible_collections.gosms.sms.plugins.module_utils._gosms.errors import GoSMSError, TransportError
from ansible_collections.gosms.sms.plugins.module_utils._gosms.outcomes import (
    BulkResult,
    RecipientResult,
    refused_for_all,
)
from ansible_collections.gosms.sms.plugins.module_utils._gosms.retry import RetryPolicy
from ansible_collections.gosms.sms.plugins.module_utils.transport import Transport


class Gateway:
    """One account's operations over a transport (see :class:`~.transport.Transport`)."""

    def __init__(self, transport):
        self.transport = transport
        self._known_ids = set()

    @classmethod
    def open(cls, api_token, api_url=None, allow_insecure_http=False, **http):
        """The gateway for a token and an address (the core's defaults and environment variables apply).

        ``http`` goes to :class:`~.transport.Transport` (timeout, certificates, proxy).  Raises the
        core's ConfigError for a missing token or an unsafe address, before any request.
        """
        token = resolve_token(api_token or None)
        url = resolve_api_url(api_url or None, allow_insecure_http=allow_insecure_http)
        return cls(Transport(url, token, RetryPolicy(), **http))

    def _args(self):
        return self.transport.api_url, self.transport.token

    def send(self, plan):
        """Every part to every number of a validated plan, one number after another.

        The account's rate budget paces the requests whatever their order, so a sequence is as
        fast as parallel sends would be.  Once the API refuses something every number shares (the
        token, the account, the plan's quota, the phone, the text), the numbers left are not tried:
        they get the same refusal, and the task says it once.  So too when the API could not be
        reached (or gave no turn) for a whole deadline: a task then fails after one deadline, not
        one per number.
        """
        results, shared = [], None
        for phone in plan.recipients:
            result = RecipientResult(phone)
            results.append(result)
            if shared is not None:
                result.error = shared
                continue
            for part in plan.parts:
                try:
                    result.add(self.transport.run(flows.send(
                        *self._args(), phone, part, device_id=plan.device_id, to_sim=plan.to_sim,
                        callback_id=plan.callback_id, policy=self.transport.policy, known_ids=self._known_ids)))
                except GoSMSError as exc:
                    result.error = exc
                    shared = exc if refused_for_all(exc) or isinstance(exc, TransportError) else None
                    break
        return BulkResult(results, plan.parts)

    def get(self, message_id):
        return self.transport.run(flows.get(*self._args(), message_id, self.transport.policy))

    def wait_for_delivery(self, message_id, timeout, interval=2.0):
        """The message once delivered or failed for good, or as it stands when ``timeout`` runs out."""
        return self.transport.run(flows.wait_for_delivery(
            *self._args(), message_id, self.transport.policy, timeout=timeout, interval=interval))

    def page(self, limit, offset, search=None):
        return self.transport.run(flows.page(*self._args(), self.transport.policy, limit=limit, offset=offset,
                                             search=search))

    def messages(self, search=None, page_size=100):
        """Every message in the list's order, each once, whichever way the server pages."""
        # Imported here: only message_info reads the list, and every module pays for what it imports.
        from ansible_collections.gosms.sms.plugins.module_utils._gosms.paging import Pager

        pager = Pager(page_size, search=search)
        found = []
        while not pager.done:
            found.extend(self.transport.run(pager.step(*self._args(), self.transport.policy)))
        return found

    def device(self, device_id):
        return self.transport.run(flows.device_info(*self._args(), device_id, self.transport.policy))

    def set_device_active(self, device_id, active):
        self.transport.run(flows.device_edit(*self._args(), device_id, active, self.transport.policy))

    def delete_device(self, device_id):
        self.transport.run(flows.device_delete(*self._args(), device_id, self.transport.policy))
