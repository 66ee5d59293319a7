"""What senders raise when a provider refuses or cannot be reached."""


class TransportError(Exception):
    """Sending failed. ``permanent`` errors are recorded on the message; others are retried."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
