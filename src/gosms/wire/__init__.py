"""The GoSMS API as data and pure logic: no sockets, no files but the token's, no clocks of its own.

Everything the API says and expects lives here once: the error table and the hints that fix each
error (:mod:`.errors`, :mod:`.hints`), the input rules (:mod:`.validation`), the shapes of its
answers (:mod:`.models`), building requests and decoding answers (:mod:`.protocol`), the retry
policy (:mod:`.retry`), and the multi-step operations as generators that any transport can drive
(:mod:`.flows`, :mod:`.paging`, :mod:`.usage`, :mod:`.outcomes`). Every other layer and every
adapter reads its facts from here; the Ansible collection carries a generated copy.
"""
