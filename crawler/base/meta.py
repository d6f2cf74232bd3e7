"""The request meta keys linkhealth's components share (no component imports another for them).

* ``linkhealth_max_bytes`` — read a body this far at most (the head reader, the size check);
* ``linkhealth_head_only`` — an ordinary page: stop once its ``</head>`` is read.
"""

META_MAX_BYTES = "linkhealth_max_bytes"
META_HEAD_ONLY = "linkhealth_head_only"
