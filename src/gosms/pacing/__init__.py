"""How fast this machine may talk to the API: one budget per account shared by every process.

The account's rate limit is the account's, not a process's, so the budget lives in a locked file
in the user's private runtime folder (:mod:`.runtime`, :mod:`.budget`), and processes started
together by a storm load one per CPU at a time through the start-up turnstile (:mod:`.turnstile`).
Standard library only: a notification command pays for nothing it does not use.
"""
