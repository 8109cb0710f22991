"""The jail: everything that runs inside the sandbox, copied there as one folder.

``worker`` loads the student's code and answers calls; ``protocol`` is the plain-data
wire format and its framing (used by both sides); ``callables`` are the functions both
sides know by name. These modules may import only the standard library, numpy and each
other (relatively), because nothing else of this project exists inside the sandbox.
"""
