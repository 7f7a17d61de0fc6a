"""Constants of the GoSMS integration: Home Assistant names only, no GoSMS facts.

Codes, texts, input rules, endpoints and thresholds live in the ``gosms`` core package; this
module only holds configuration keys and how patient each Home Assistant path is.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

from gosms import RetryPolicy

DOMAIN: Final = "gosms"
LOGGER = logging.getLogger(__package__)

CONF_API_TOKEN: Final = "api_token"
CONF_API_URL: Final = "api_url"
CONF_PHONE_NUMBER: Final = "phone_number"
CONF_DEVICE_IDS: Final = "device_ids"
CONF_MONTHLY_QUOTA: Final = "monthly_quota"
CONF_INVALID_CHARS: Final = "invalid_chars"
CONF_LONG_MESSAGE: Final = "long_message"
CONF_FOLD: Final = "fold"
"""Whether notify entities (and the action, unless it says otherwise) fold bursts into digests."""
CONF_FOLD_BURST: Final = "fold_burst"
CONF_FOLD_WINDOW: Final = "fold_window"

SUBENTRY_RECIPIENT: Final = "recipient"

SERVICE_SEND_SMS: Final = "send_sms"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_PHONE_NUMBER: Final = "phone_number"
ATTR_MESSAGE: Final = "message"
ATTR_PHONE: Final = "phone"
"""The gateway phone as the Home Assistant device the integration made for it."""
ATTR_DEVICE_ID: Final = "device_id"
"""The gateway phone by its GoSMS device id, for scripts."""
ATTR_TO_SIM: Final = "to_sim"
ATTR_INVALID_CHARS: Final = "invalid_chars"
ATTR_LONG_MESSAGE: Final = "long_message"
ATTR_WAIT: Final = "wait"
"""Seconds each route gets to deliver while the action follows the alert to the handset (0: do not follow)."""
ATTR_ROUTES: Final = "routes"
ATTR_FOLD: Final = "fold"
"""Fold this send into a digest in a burst (the entry's option when left out)."""
"""Gateway phones (Home Assistant devices) to fail over to, in order."""

UPDATE_INTERVAL: Final = timedelta(seconds=60)

# How long each path keeps retrying (the policy itself is the core's):
# - a form the user is looking at answers at once, so one attempt;
# - a poll is repeated by the coordinator anyway, so a short burst;
# - an alert is worth waiting for, within a bound a service call can afford.
SETUP_RETRY: Final = RetryPolicy(attempts=1, deadline=0.0)
POLL_RETRY: Final = RetryPolicy(attempts=3, deadline=15.0)
SEND_RETRY: Final = RetryPolicy(attempts=4, deadline=45.0)
