"""The clients: drive the wire layer's flows over a transport, inside the account's budget.

:mod:`.base` holds every client method over any transport (the Ansible collection runs it over
``open_url``), :mod:`.sync` adds requests as the default transport, :mod:`.aio` is the same surface
awaited over aiohttp.
"""
